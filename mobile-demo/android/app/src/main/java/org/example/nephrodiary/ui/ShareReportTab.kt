package org.example.nephrodiary.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import uniffi.nephro_core.ExportFormat

/** "Share report": the printable HTML report or the FHIR bundle, through the share sheet. */
@Composable
fun ShareReportTab(onShare: (ExportFormat) -> Unit) {
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("The report names your child. Share it only with your care team.")
        Button(onClick = { onShare(ExportFormat.HTML) }) { Text("Share report (HTML)") }
        OutlinedButton(onClick = { onShare(ExportFormat.FHIR) }) { Text("Share for the clinic's system (FHIR)") }
    }
}
