package org.example.nephrodiary.ui

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.File
import java.time.LocalDate
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.example.nephrodiary.NephroDiaryApp
import org.example.nephrodiary.core.DipstickPhotoScreen
import org.example.nephrodiary.core.DiaryRepository
import org.example.nephrodiary.core.DoseRow
import org.example.nephrodiary.core.LabsScreen
import org.example.nephrodiary.core.SteroidCalendarScreen
import org.example.nephrodiary.core.TodayScreen
import uniffi.nephro.*
import uniffi.nephro_core.PhotoBuffer
import uniffi.nephro_core.PhotoLayout

/** Everything the screens show. */
data class UiState(
    val loading: Boolean = true,
    val patientId: Long? = null,
    val today: TodayScreen? = null,
    val calendar: SteroidCalendarScreen? = null,
    val labs: LabsScreen? = null,
    /** The camera screen after the last photo of the strip (null: no photo yet). */
    val camera: DipstickPhotoScreen? = null,
    /** False on Android 14+ until the user allows exact alarms: reminders use 10-minute windows. */
    val exactAlarms: Boolean = true,
    /** A finished export to hand to the share sheet, once. */
    val sharedFile: File? = null,
    /** A refusal to show (never personal data: the core's messages carry none). */
    val error: String? = null,
)

/**
 * The screens' state holder. Every core call goes through DiaryRepository, which runs it on the
 * io dispatcher; this class only launches on viewModelScope and publishes the results.
 */
class AppViewModel(application: Application) : AndroidViewModel(application) {
    private val app = application as NephroDiaryApp
    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state

    private fun launchSafely(block: suspend (DiaryRepository) -> Unit) {
        viewModelScope.launch {
            try {
                block(app.repository())
            } catch (e: NephroException) {
                _state.update { it.copy(loading = false, error = e.message) }
            }
        }
    }

    /** On launch and on every resume: the Today screen, the reminders and the exact-alarm state. */
    fun onResume() = launchSafely { repo ->
        val patient = repo.patients().firstOrNull()
        _state.update { it.copy(exactAlarms = app.scheduler.canScheduleExact()) }
        if (patient == null) {
            _state.update { it.copy(loading = false, patientId = null) }
            return@launchSafely
        }
        repo.refreshNotifications(patient.id)
        _state.update { it.copy(loading = false, patientId = patient.id, today = repo.today(patient.id), error = null) }
    }

    /** Demo only: enrols a fictional child so that the screens have something to show. */
    fun setUpDemoFamily() = launchSafely { repo ->
        val today = LocalDate.now().toString()
        val patient = repo.enrol(
            PatientProfile("Mei (fictional)", "2018-05-12", Sex.FEMALE, java.util.TimeZone.getDefault().id, "ipna2022"),
            Measurement(today, 20.0, 115.0),
            listOf(
                RegimenInput(
                    Drug.TACROLIMUS, "capsule", listOf(0.5, 1.0), false, RegimenRate.MgPerKgPerDay(0.1),
                    listOf("08:00", "20:00"), today, null, "Dr. Example", today, false,
                ),
            ),
        )
        _state.update { it.copy(patientId = patient.id, today = repo.today(patient.id)) }
    }

    private fun withPatient(block: suspend (DiaryRepository, Long) -> Unit) = launchSafely { repo ->
        _state.value.patientId?.let { block(repo, it) }
    }

    /** One tap on "taken" or "skip". The client id is made here, at the tap. */
    fun log(row: DoseRow, outcome: DoseOutcome) = withPatient { repo, id ->
        val clientId = DiaryRepository.newClientId()
        _state.update { it.copy(today = repo.logDose(id, row, outcome, clientId = clientId)) }
    }

    fun logDipstick(grade: DipstickGrade, firstMorning: Boolean, note: String?, photo: PhotoSuggestion? = null) = withPatient { repo, id ->
        val screen = repo.logDipstick(id, grade, firstMorning = firstMorning, note = note?.takeIf { it.isNotBlank() }, photo = photo)
        _state.update { it.copy(today = screen) }
    }

    /** A photo of the strip beside its chart: the core's suggestion, nothing logged. */
    fun suggestFromPhoto(photo: PhotoBuffer, layout: PhotoLayout, secondsSinceDip: Double, window: Pair<Double, Double>) =
        launchSafely { repo ->
            _state.update { it.copy(camera = repo.suggestFromPhoto(photo, layout, secondsSinceDip, window.first, window.second)) }
        }

    /** The parent confirmed (or corrected) the photo's suggestion: this grade counts, the suggestion is kept beside it. */
    fun confirmPhotoGrade(grade: DipstickGrade) {
        logDipstick(grade, firstMorning = true, note = null, photo = _state.value.camera?.photo)
        _state.update { it.copy(camera = null) }
    }

    fun loadCalendar() = withPatient { repo, id -> _state.update { it.copy(calendar = repo.steroidCalendar(id)) } }

    fun loadLabs() = withPatient { repo, id -> _state.update { it.copy(labs = repo.labs(id)) } }

    fun share(format: ExportFormat) = withPatient { repo, id ->
        val dir = File(app.cacheDir, "exports").apply { mkdirs() }
        val path = repo.shareReport(id, format, dir.path)
        _state.update { it.copy(sharedFile = File(path)) }
    }

    fun shareHandled() = _state.update { it.copy(sharedFile = null) }
}
