"""Reminders from Python: every case of the `schedule` suite through the typed
`next_reminders_for`, a real `NotificationScheduler`, today's doses, status, snooze, policy,
travel and adherence on the Diary."""

import gc

import nephro
from conformance import run_suite
from fixtures import MORNING_MS, dose_log, seeded
from harness import check, check_close, check_equal, check_raises, check_validation, temp_dir, temp_path

# 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
BEFORE_FIRST_DOSE_MS = 1736920800000
HOUR_MS = 3600000


def schedule_case_input(case_input):
    """The typed input of a `schedule` case (days default to daily, count to 64)."""
    medications = []
    for m in case_input["medications"]:
        days = m.get("days", "daily")
        if days == "daily":
            typed_days = nephro.ScheduleDays.DAILY()
        elif isinstance(days, dict) and "alternate_from" in days:
            typed_days = nephro.ScheduleDays.ALTERNATE_FROM(anchor=days["alternate_from"])
        else:
            typed_days = nephro.ScheduleDays.DATES(dates=list(days["dates"]))
        medications.append(
            nephro.ScheduleMedication(id=m["id"], times=list(m["times"]), days=typed_days, start=m.get("start"), end=m.get("end"))
        )
    return nephro.ScheduleCaseInput(
        timezone=case_input["timezone"], _from=case_input["from"], count=case_input.get("count"), medications=medications
    )


def render(reminders):
    return {"reminders": [{"medication": r.medication_id, "local": r.local, "utc": r.utc} for r in reminders]}


def test_schedule_suite():
    run_suite("schedule", lambda case_input: render(nephro.next_reminders_for(schedule_case_input(case_input))))


class CollectingScheduler(nephro.NotificationScheduler):
    """Keeps what it is given, like the phone's pending notifications."""

    def __init__(self):
        self.pending = []
        self.calls = 0

    def replace_pending(self, reminders):
        self.calls += 1
        self.pending = list(reminders)

    def ids(self):
        return [r.id for r in self.pending]


class RefusingScheduler(nephro.NotificationScheduler):
    """Notifications are not permitted."""

    def replace_pending(self, reminders):
        raise nephro.NephroError.Storage("notifications are not permitted")


def test_scheduler_gets_64_stable_reminders_and_a_logged_dose_drops_out():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient, regimen = seeded(diary)
        med = regimen.medication_id
        scheduler = CollectingScheduler()
        handed = diary.refresh_notifications(patient.id, BEFORE_FIRST_DOSE_MS, None, "en", scheduler)
        check_equal(handed, 64, "64 reminders handed")
        first = scheduler.ids()
        check_equal(len(first), 64, "the scheduler holds 64")
        check_equal(first[0], f"{med}@2025-01-15T08:00", "first reminder id")
        if scheduler.pending:
            r = scheduler.pending[0]
            check_equal(r.fire_at_ms, BEFORE_FIRST_DOSE_MS + HOUR_MS, "fires at 08:00 Berlin")
            check_equal(r.fire_at_local, "2025-01-15T08:00:00+01:00", "local fire time")
            check_equal(r.title, "Tacrolimus 1 mg — 8:00 am dose", "title: drug, dose and time")
            check_close(r.dose_mg, 1.0, "dose in mg")
            check_equal((r.slot_date, r.slot_time, r.snoozed), ("2025-01-15", "08:00", False), "slot")
        check(all(a.fire_at_ms <= b.fire_at_ms for a, b in zip(scheduler.pending, scheduler.pending[1:])), "ordered by time")

        diary.refresh_notifications(patient.id, BEFORE_FIRST_DOSE_MS, None, "en", scheduler)
        check_equal(scheduler.ids(), first, "the same ids on a second refresh")

        diary.log_dose(dose_log("py-r1", med, slot_date="2025-01-15", slot_time="08:00"), MORNING_MS, None)
        diary.refresh_notifications(patient.id, BEFORE_FIRST_DOSE_MS, None, "zh-Hans", scheduler)
        after = scheduler.ids()
        check(first[0] not in after, "the logged dose's reminder is gone")
        check_equal(after[:63], first[1:], "the others keep their ids")
        check_equal(len(after), 64, "still 64")
        if scheduler.pending:
            check_equal(scheduler.pending[0].title, "他克莫司 1 mg — 20:00 服药", "Chinese title")
        check_equal(scheduler.calls, 3, "three refreshes")

        check_raises(
            nephro.NephroError.Storage, "a scheduler's refusal reaches the caller",
            diary.refresh_notifications, patient.id, BEFORE_FIRST_DOSE_MS, None, "en", RefusingScheduler(),
        )
        check_validation("locale", "unknown locale", diary.refresh_notifications, patient.id, BEFORE_FIRST_DOSE_MS, None, "fr", scheduler)
        check_validation(
            "device_time_zone", "unknown device zone",
            diary.refresh_notifications, patient.id, BEFORE_FIRST_DOSE_MS, "Mars/Base", "en", scheduler,
        )
        check_equal(scheduler.calls, 3, "refused calls never reach the scheduler")


def test_today_status_snooze_policy_and_adherence_survive_reopen():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient, regimen = seeded(diary)
        med = regimen.medication_id
        # 09:30 Berlin: the 08:00 dose is late, the 20:00 one upcoming.
        later = BEFORE_FIRST_DOSE_MS + 5 * HOUR_MS // 2
        today = diary.today_doses(patient.id, later, None, "en")
        check_equal([d.status for d in today], [nephro.DoseStatus.LATE, nephro.DoseStatus.UPCOMING], "statuses")
        if today:
            check_equal(today[0].guidance, nephro.DoseGuidance.TAKE_NOW_LATE, "late guidance")
            check("Never take a double dose" in (today[0].guidance_text or ""), "never double")
            check_equal(today[0].label, "Tacrolimus 1 mg", "label")
        snoozed = diary.snooze(patient.id, f"{med}@2025-01-15T08:00", later, 15, None, "en")
        check(snoozed is not None and snoozed.snoozed and snoozed.fire_at_ms == later + 15 * 60000, "snoozed 15 minutes")
        check_validation("reminder_id", "malformed reminder id", diary.dose_status, patient.id, "tacrolimus", later, None, "en")
        check_validation(
            "slot_time", "a time the regimen does not have",
            diary.dose_status, patient.id, f"{med}@2025-01-15T09:00", later, None, "en",
        )

        diary.set_dose_window(patient.id, med, nephro.DoseWindow(grace_minutes=30, take_window_minutes=60), "Dr. Example")
        check_validation(
            "take_window_minutes", "a take-window shorter than the grace",
            diary.set_dose_window, patient.id, med, nephro.DoseWindow(grace_minutes=90, take_window_minutes=60), "Dr. Example",
        )
        diary.set_travel_policy(patient.id, nephro.TravelPolicy.KEEP_HOME_INSTANTS, "Dr. Example")

        patient_id = patient.id
        del diary, today, snoozed
        gc.collect()
        diary = nephro.Diary.open(path)
        policy = diary.reminder_policy(patient_id)
        check_equal(policy.travel, nephro.TravelPolicy.KEEP_HOME_INSTANTS, "travel policy after reopen")
        check_equal(
            [(w.medication_id, w.window.grace_minutes, w.window.take_window_minutes) for w in policy.windows],
            [(med, 30, 60)], "dose window after reopen",
        )
        status = diary.dose_status(patient_id, f"{med}@2025-01-15T08:00", later, None, "zh-Hans")
        check_equal(status.status, nephro.DoseStatus.MISSED, "missed with the 1 h window")
        check_equal(status.status_label, "已漏服", "Chinese status label")
        check(diary.snooze(patient_id, f"{med}@2025-01-15T08:00", later, 15, None, "en") is None, "nothing to snooze once missed")
        # Home instants kept: in New York the reminder still fires at 08:00 Berlin.
        travel = diary.next_reminders(patient_id, BEFORE_FIRST_DOSE_MS, "America/New_York", 1, "en")
        check_equal([r.fire_at_ms for r in travel], [BEFORE_FIRST_DOSE_MS + HOUR_MS], "home instant kept")

        diary.log_dose(dose_log("py-r2", med, slot_date="2025-01-15", slot_time="20:00", at_ms=BEFORE_FIRST_DOSE_MS + 13 * HOUR_MS),
                       BEFORE_FIRST_DOSE_MS + 13 * HOUR_MS, None)
        report = diary.adherence(patient_id, "2025-01-15", "2025-01-31", BEFORE_FIRST_DOSE_MS + 16 * HOUR_MS)
        check_equal((report.overall.scheduled, report.overall.taken, report.overall.missed), (2, 1, 1), "adherence counts")
        check_close(report.overall.on_time_rate, 0.5, "on-time rate")
        check_equal([m.drug for m in report.medications], [nephro.Drug.TACROLIMUS], "drug per medication")
        check_equal([d.date for d in report.calendar], ["2025-01-15"], "calendar up to today")
        check_equal(report.calendar[0].medications[0].status if report.calendar else None, nephro.AdherenceDayStatus.PARTIAL, "partial day")
        check_validation("from", "malformed from date", diary.adherence, patient_id, "2025-1-15", "2025-01-31", BEFORE_FIRST_DOSE_MS)

        plan = diary.shift_plan(patient_id, med, "Asia/Shanghai", "2025-02-01")
        check(len(plan) >= 3, "Berlin to Shanghai (7 h) needs a stepwise plan")
        check(all(10 * HOUR_MS <= b.at_ms - a.at_ms <= 14 * HOUR_MS for a, b in zip(plan, plan[1:])), "intervals 10 to 14 h")
        check_equal(nephro.drug_name(nephro.Drug.PREDNISOLONE, "zh-Hans"), "泼尼松龙", "drug name in Chinese")
