"""The diagnostics callback from Python: a registered reporter hears of every failed call by name
and kind, with nothing the family wrote; a reporter that throws changes no call's outcome."""

import gc
import os

import nephro
from fixtures import MORNING_MS, dose_log, tacrolimus_regimen, weight
from harness import check, check_equal, check_raises, temp_dir, temp_path

# Personal data planted in every input: none of it may reach a report.
CHILD = "Mei Lin Zhang"
CLIENT_ID = "mei-lin-dose-1"


class CollectingReporter(nephro.DiagnosticsReporter):
    """Keeps what it hears, as a shell's crash-report breadcrumbs would."""

    def __init__(self, throws=False):
        self.reports = []
        self.throws = throws

    def report_failure(self, report):
        self.reports.append(report)
        if self.throws:
            raise nephro.NephroError.Storage("the reporter failed")

    def take(self):
        taken, self.reports = self.reports, []
        return taken


def _summary(reports):
    return [(r.operation, r.error, r.code) for r in reports]


def test_failed_calls_are_reported_by_name_and_kind_without_personal_data():
    collector = CollectingReporter()
    nephro.set_diagnostics_reporter(collector)
    try:
        with temp_dir() as tmp:
            folder = temp_path(tmp, CHILD)
            os.mkdir(folder)
            foreign = os.path.join(folder, f"{CHILD}.txt")
            with open(foreign, "w", encoding="utf-8") as f:
                f.write(f"notes about {CHILD}\n" * 200)
            check_raises(nephro.NephroError.NotADiary, "a text file is not a diary", nephro.Diary.open, foreign)
            check_equal(_summary(collector.take()), [("open", "not_a_diary", None)], "the refused open is reported")

            diary = nephro.Diary.open(os.path.join(folder, "diary.sqlite"))
            patient = diary.create_patient(nephro.PatientProfile(
                display_name=CHILD, birth_date="2019-04-02", sex=nephro.Sex.FEMALE,
                time_zone="Europe/Berlin", definition_set="ipna2022"))
            diary.add_measurement(patient.id, weight(20.0))
            regimen = diary.add_regimen(patient.id, tacrolimus_regimen())
            check_equal(collector.take(), [], "successful calls are not reported")

            med = regimen.medication_id
            diary.log_dose(dose_log(CLIENT_ID, med, by=CHILD), MORNING_MS, None)
            conflict = check_raises(
                nephro.NephroError.Conflict, "the same client id with another outcome is a conflict",
                diary.log_dose, dose_log(CLIENT_ID, med, outcome=nephro.DoseOutcome.SKIPPED, by=CHILD),
                MORNING_MS, None, record="dose_log")
            check(conflict is not None and isinstance(conflict.kind, nephro.ConflictKind.CLIENT_ID_REUSED),
                  "the conflict's kind is client_id_reused")
            check_raises(nephro.NephroError.NotFound, "undoing an unknown dose is not_found",
                         diary.undo_dose, CHILD, CHILD)
            heard = collector.take()
            check_equal(_summary(heard), [("log_dose", "conflict", "client_id_reused"), ("undo_dose", "not_found", "dose")],
                        "each failed call is reported by its name, kind and code")
            text = repr(_summary(heard))
            for secret in [CHILD, CLIENT_ID, "Mei", "2025", "08:00", "diary.sqlite", tmp, "/"]:
                check(secret not in text, f"the reports hold no {secret!r}")

            thrower = CollectingReporter(throws=True)
            nephro.set_diagnostics_reporter(thrower)
            check_raises(nephro.NephroError.Conflict, "a reporter that throws changes nothing of the outcome",
                         diary.log_dose, dose_log(CLIENT_ID, med, outcome=nephro.DoseOutcome.SKIPPED, by=CHILD),
                         MORNING_MS, None)
            check_equal(len(thrower.take()), 1, "the throwing reporter was called")

            nephro.clear_diagnostics_reporter()
            check_raises(nephro.NephroError.NotFound, "still refused", diary.undo_dose, CHILD, CHILD)
            check_equal(thrower.take() + collector.take(), [], "nothing is reported once cleared")
            del diary
            gc.collect()
    finally:
        nephro.clear_diagnostics_reporter()
