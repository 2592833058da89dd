package org.example.nephrodiary.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.example.nephrodiary.core.TodayScreen
import uniffi.nephro_core.DipstickGrade

private val grades = listOf(
    DipstickGrade.NEGATIVE to "negative", DipstickGrade.TRACE to "trace", DipstickGrade.ONE_PLUS to "1+",
    DipstickGrade.TWO_PLUS to "2+", DipstickGrade.THREE_PLUS to "3+", DipstickGrade.FOUR_PLUS to "4+",
)

/** The morning dipstick entry: grade as read on the strip, first-morning flag, optional note. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun DipstickTab(today: TodayScreen?, onSave: (DipstickGrade, Boolean, String?) -> Unit) {
    var grade by remember { mutableStateOf<DipstickGrade?>(null) }
    var firstMorning by remember { mutableStateOf(true) }
    var note by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        today?.let { RelapseBannerCard(it.banner) }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            grades.forEach { (value, label) ->
                FilterChip(selected = grade == value, onClick = { grade = value }, label = { Text(label) })
            }
        }
        Row(verticalAlignment = Alignment.CenterVertically) {
            Switch(checked = firstMorning, onCheckedChange = { firstMorning = it })
            Text("  first urine of the morning")
        }
        OutlinedTextField(value = note, onValueChange = { note = it }, label = { Text("note (fever, infection, swelling)") })
        Button(enabled = grade != null, onClick = { grade?.let { onSave(it, firstMorning, note) } }) { Text("Save") }
    }
}
