package org.example.nephrodiary.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.example.nephrodiary.R
import org.example.nephrodiary.core.BannerTone
import org.example.nephrodiary.core.DoseRow
import org.example.nephrodiary.core.RelapseBanner
import uniffi.nephro_core.DoseOutcome
import uniffi.nephro_core.DoseStatus

/** Today: the relapse banner, the dipstick card, today's doses with one-tap buttons, alerts. */
@Composable
fun TodayTab(state: UiState, onLog: (DoseRow, DoseOutcome) -> Unit, onOpenExactAlarmSettings: () -> Unit) {
    val today = state.today ?: return
    LazyColumn(Modifier.fillMaxWidth().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        if (!state.exactAlarms) {
            item {
                Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer)) {
                    Column(Modifier.padding(16.dp)) {
                        Text(stringResource(R.string.exact_alarms_off))
                        OutlinedButton(onClick = onOpenExactAlarmSettings) { Text(stringResource(R.string.open_settings)) }
                    }
                }
            }
        }
        item { RelapseBannerCard(today.banner) }
        today.steroidPrompt?.let { prompt -> item { Text(prompt, color = MaterialTheme.colorScheme.error) } }
        if (today.dipstickDue) item { Text(stringResource(R.string.dipstick_due), fontWeight = FontWeight.Bold) }
        items(today.doses, key = { it.reminderId }) { row -> DoseRowCard(row, onLog) }
        today.nextDose?.let { item { Text("→ $it", style = MaterialTheme.typography.bodySmall) } }
        items(today.alerts) { alert -> Text("${alert.date}: ${alert.text}", color = MaterialTheme.colorScheme.error) }
    }
}

/** The relapse banner: green in remission, amber in watch, red in relapse. */
@Composable
fun RelapseBannerCard(banner: RelapseBanner) {
    val color = when (banner.tone) {
        BannerTone.CALM -> Color(0xFFE3F2E6)
        BannerTone.WATCH -> Color(0xFFFFF1D6)
        BannerTone.ALERT -> Color(0xFFFDE0DC)
    }
    Card(colors = CardDefaults.cardColors(containerColor = color), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp)) {
            Text(banner.title, style = MaterialTheme.typography.titleMedium)
            Text(banner.text)
            banner.relapseOnset?.let { Text("${banner.relapseOnset} → ${banner.relapseConfirmed}", style = MaterialTheme.typography.bodySmall) }
        }
    }
}

/** One dose: label, status, guidance ("skip it; never double"), and the two buttons until logged. */
@Composable
fun DoseRowCard(row: DoseRow, onLog: (DoseRow, DoseOutcome) -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp)) {
            Text("${row.slotTime}  ${row.label}", style = MaterialTheme.typography.titleMedium)
            val statusColor = if (row.status == DoseStatus.MISSED) MaterialTheme.colorScheme.error else Color.Unspecified
            Text(row.outcome?.let { "${if (it == DoseOutcome.TAKEN) "✓" else "–"} ${row.loggedAt}" } ?: row.statusLabel, color = statusColor)
            row.guidanceText?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
            if (row.canLog) {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    // A missed dose offers only "skip": never a double dose.
                    if (row.status != DoseStatus.MISSED) {
                        Button(onClick = { onLog(row, DoseOutcome.TAKEN) }) { Text(stringResource(R.string.taken)) }
                    }
                    OutlinedButton(onClick = { onLog(row, DoseOutcome.SKIPPED) }) { Text(stringResource(R.string.skip)) }
                }
            }
        }
    }
}
