package org.example.nephrodiary.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.example.nephrodiary.core.SteroidCalendarScreen
import org.example.nephrodiary.core.Words
import uniffi.nephro_core.DoseOutcome

/** This week's steroid doses, tablets and outcomes; "until remission" while provisional. */
@Composable
fun SteroidCalendarTab(calendar: SteroidCalendarScreen?) {
    calendar ?: return
    LazyColumn(Modifier.fillMaxWidth().padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
        item { Text("${calendar.firstDay} – ${calendar.lastDay}", style = MaterialTheme.typography.titleMedium) }
        if (calendar.days.isEmpty()) item { Text("No steroid this week.") }
        items(calendar.days) { day ->
            ListItem(
                headlineContent = { Text("${day.date} ${day.time}  ${Words.number(day.mg)} mg") },
                supportingContent = { Text(day.tablets + if (day.provisional) " · until remission" else "") },
                trailingContent = {
                    Text(when (day.outcome) { DoseOutcome.TAKEN -> "✓"; DoseOutcome.SKIPPED -> "–"; null -> "" })
                },
            )
        }
    }
}
