package org.example.nephrodiary.ui

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
import org.example.nephrodiary.core.LabsScreen
import org.example.nephrodiary.core.Words

/** Lab results of the last 90 days with their target flag and safety alerts. */
@Composable
fun LabsTab(labs: LabsScreen?) {
    labs ?: return
    LazyColumn(Modifier.fillMaxWidth().padding(16.dp)) {
        item { Text("${labs.from} – ${labs.to}", style = MaterialTheme.typography.titleMedium) }
        if (labs.rows.isEmpty()) item { Text("No results in this period.") }
        items(labs.rows) { row ->
            ListItem(
                headlineContent = { Text("${row.date}  ${row.kind.name.lowercase().replace('_', ' ')}  ${Words.number(row.value)}") },
                supportingContent = {
                    Text((listOfNotNull(row.flagText) + row.alerts).joinToString("\n"))
                },
            )
        }
    }
}
