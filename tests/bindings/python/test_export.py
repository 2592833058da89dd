"""Clinician exports from Python: every format as bytes and written to a path, read back after
reopening the diary; de-identification leaves no name, and one request in several formats has one
shift; refusals name the field."""

import gc
import json
import os

import nephro
from fixtures import EVENING_MS, MORNING_MS, dose_log, seeded
from harness import check, check_equal, check_validation, temp_dir, temp_path

# 2025-01-20 12:00 UTC, in epoch ms.
NOW_MS = 1737374400000
# 2025-04-01 12:00 UTC: a de-identified period (which ends 14 to 69 days earlier) then holds the
# doses of 2025-01-15.
LATER_MS = 1743508800000


def request(fmt, deidentify_seed=None, locale="en", from_date=None, to_date=None):
    """An export request at NOW_MS."""
    return nephro.ExportRequest(
        format=fmt, from_date=from_date, to_date=to_date, deidentify_seed=deidentify_seed, locale=locale, now_ms=NOW_MS,
    )


def logged_diary(path):
    """A seeded diary with the two doses of 2025-01-15 logged (the evening one skipped)."""
    diary = nephro.Diary.open(path)
    patient, regimen = seeded(diary)
    medication = f"regimen-{regimen.id}"
    diary.log_dose(dose_log("py-export-1", medication), MORNING_MS, None)
    diary.log_dose(dose_log("py-export-2", medication, slot_time="20:00",
                            outcome=nephro.DoseOutcome.SKIPPED, at_ms=EVENING_MS), EVENING_MS, None)
    return diary, patient


def test_every_format_exports_as_bytes():
    with temp_dir() as tmp:
        diary, patient = logged_diary(temp_path(tmp, "diary.sqlite"))
        files = diary.export(patient.id, request(nephro.ExportFormat.FHIR))
        check_equal([f.name for f in files], ["diary.fhir.json"], "FHIR is one file")
        bundle = json.loads(bytes(files[0].bytes).decode("utf-8"))
        check_equal(bundle["resourceType"], "Bundle", "a FHIR Bundle")
        statements = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
        check_equal(sorted(s["status"] for s in statements), ["completed", "not-taken"], "taken and skipped doses")
        patient_resource = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"][0]
        check_equal(patient_resource["name"][0]["text"], "Test Child", "the identified export names the patient")
        csv_files = diary.export(patient.id, request(nephro.ExportFormat.CSV))
        names = [f.name for f in csv_files]
        check("doses.csv" in names and "manifest.txt" in names, "CSV is one file per table and a manifest")
        doses = [f for f in csv_files if f.name == "doses.csv"][0]
        check_equal(bytes(doses.bytes).decode("utf-8-sig").count("\r\n"), 3, "a header and two dose rows")
        html = bytes(diary.export(patient.id, request(nephro.ExportFormat.HTML, locale="zh-Hans"))[0].bytes).decode()
        check('<html lang="zh-Hans">' in html and "他克莫司" in html, "the report in Simplified Chinese")
        ics = bytes(diary.export(patient.id, request(nephro.ExportFormat.ICS, from_date="2025-01-15"))[0].bytes).decode()
        check(ics.startswith("BEGIN:VCALENDAR\r\n") and "RRULE:FREQ=DAILY" in ics, "the calendar repeats the regimen")


def test_de_identified_exports_hold_no_name():
    with temp_dir() as tmp:
        diary, patient = logged_diary(temp_path(tmp, "diary.sqlite"))
        for fmt in (nephro.ExportFormat.FHIR, nephro.ExportFormat.CSV, nephro.ExportFormat.HTML, nephro.ExportFormat.ICS):
            for f in diary.export(patient.id, request(fmt, deidentify_seed=-42)):
                text = bytes(f.bytes).decode("utf-8").replace("\r\n ", "")
                check("Test Child" not in text and "2019-04-02" not in text and "mother" not in text,
                      f"de-identified {f.name}: no name, birth date or logger")


def test_one_de_identified_request_in_several_formats_has_one_shift():
    with temp_dir() as tmp:
        diary, patient = logged_diary(temp_path(tmp, "diary.sqlite"))
        share = nephro.ExportRequest(
            format=nephro.ExportFormat.FHIR, from_date=None, to_date=None, deidentify_seed=None, locale="en",
            now_ms=LATER_MS, deidentify=True,
            extra_formats=[nephro.ExportFormat.CSV, nephro.ExportFormat.HTML, nephro.ExportFormat.ICS],
        )
        files = diary.export(patient.id, share)
        check_equal({f.format for f in files}, {nephro.ExportFormat.FHIR, nephro.ExportFormat.CSV,
                                                nephro.ExportFormat.HTML, nephro.ExportFormat.ICS}, "every format asked for")
        texts = {f.name: bytes(f.bytes).decode("utf-8") for f in files}
        check(all("Test Child" not in t for t in texts.values()), "no name in any file")
        bundle = json.loads(texts["diary.fhir.json"])
        check("timestamp" not in bundle, "no generation time")
        statements = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
        instants = [row.split(",")[6] for row in texts["doses.csv"].lstrip("\ufeff").split("\r\n")[1:] if row]
        check_equal(sorted(instants), sorted(s["effectiveDateTime"] for s in statements),
                    "the CSV doses are the FHIR statements, at the same shifted instants")
        check(instants and all(i.endswith("Z") and not i.startswith("2025-01-15") for i in instants),
              "shifted, in UTC notation")
        written = diary.export_to_path(patient.id, share, temp_path(tmp, "share"))
        check(os.path.isfile(temp_path(tmp, "share/diary.fhir.json")) and os.path.isfile(temp_path(tmp, "share/csv/doses.csv"))
              and len(written) == 3 + 10, "several formats written into one directory")


def test_export_to_path_survives_reopen_and_refusals_name_the_field():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary, patient = logged_diary(path)
        del diary
        gc.collect()
        diary = nephro.Diary.open(path)
        report = temp_path(tmp, "report.html")
        check_equal(diary.export_to_path(patient.id, request(nephro.ExportFormat.HTML), report), [report],
                    "the report path is returned")
        check(os.path.getsize(report) > 1000, "the report is written")
        tables = temp_path(tmp, "tables")
        written = diary.export_to_path(patient.id, request(nephro.ExportFormat.CSV), tables)
        check(len(written) >= 6 and all(os.path.isfile(p) for p in written), "CSV files written into a directory")
        check_validation("locale", "an unknown locale", diary.export, patient.id, request(nephro.ExportFormat.FHIR, locale="fr"))
        check_validation("from", "a range ending before it starts", diary.export, patient.id,
                         request(nephro.ExportFormat.CSV, from_date="2025-02-01", to_date="2025-01-01"))
        check_validation("to_date", "a malformed date", diary.export, patient.id,
                         request(nephro.ExportFormat.HTML, to_date="2025-1-1"))
        check(not os.path.exists(temp_path(tmp, "never.json")), "nothing written before the refusal")


def transaction_request(**fields):
    """An export request for a FHIR transaction bundle at NOW_MS."""
    fields = {"from_date": None, "to_date": None, "deidentify_seed": None, **fields}
    return nephro.ExportRequest(
        format=nephro.ExportFormat.FHIR, locale="en", now_ms=NOW_MS, fhir_bundle=nephro.FhirBundle.TRANSACTION,
        **fields,
    )


def test_a_transaction_bundle_updates_by_identifier_and_is_refused_when_de_identified():
    with temp_dir() as tmp:
        diary, patient = logged_diary(temp_path(tmp, "diary.sqlite"))
        diary.undo_dose("py-export-2", "mother")
        files = diary.export(patient.id, transaction_request())
        check_equal([(f.name, f.format) for f in files], [("diary.fhir.json", nephro.ExportFormat.FHIR)],
                    "a transaction is one FHIR file")
        bundle = json.loads(bytes(files[0].bytes).decode("utf-8"))
        check_equal(bundle["type"], "transaction", "the bundle is a transaction")
        entries = bundle["entry"]
        check(all(e["request"]["method"] == "PUT" and "?identifier=urn%3Auuid%3A" in e["request"]["url"]
                  and "id" not in e["resource"] for e in entries),
              "every entry is a conditional update keyed by its diary-scoped identifier, without a resource id")
        statements = {s["identifier"][0]["value"]: s["status"] for s in
                      (e["resource"] for e in entries if e["resource"]["resourceType"] == "MedicationStatement")}
        check_equal(sorted(statements.values()), ["completed", "entered-in-error"], "the undone dose is entered-in-error")
        again = json.loads(bytes(diary.export(patient.id, transaction_request())[0].bytes).decode("utf-8"))
        check_equal([e["request"]["url"] for e in again["entry"]], [e["request"]["url"] for e in entries],
                    "the next export updates the same records")
        collection = nephro.ExportRequest(
            format=nephro.ExportFormat.FHIR, from_date=None, to_date=None, deidentify_seed=None, locale="en",
            now_ms=NOW_MS, fhir_bundle=nephro.FhirBundle.COLLECTION,
        )
        check_equal(json.loads(bytes(diary.export(patient.id, collection)[0].bytes))["type"], "collection",
                    "a collection when asked for")
        target = temp_path(tmp, "load.json")
        check_equal(diary.export_to_path(patient.id, transaction_request(), target), [target], "the file is returned")
        with open(target, encoding="utf-8") as f:
            check_equal(json.load(f)["type"], "transaction", "the transaction is written")

        refused = temp_path(tmp, "refused.json")
        check_validation("fhir_bundle", "a de-identified transaction", diary.export, patient.id,
                         transaction_request(deidentify=True))
        check_validation("fhir_bundle", "a transaction de-identified by a seed", diary.export_to_path, patient.id,
                         transaction_request(deidentify_seed=7), refused)
        check_validation("fhir_bundle", "a transaction beside other formats", diary.export_to_path, patient.id,
                         transaction_request(extra_formats=[nephro.ExportFormat.CSV]), refused)
        check(not os.path.exists(refused), "nothing written when refused")


def test_a_dose_note_reaches_identified_exports_only():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient, regimen = seeded(diary)
        noted = dose_log("py-note", f"regimen-{regimen.id}")
        noted.note = "spat out half, gave again"
        logged = diary.log_dose(noted, MORNING_MS, None)
        check_equal(logged.dose.note, "spat out half, gave again", "the note is kept")
        check_equal(dose_log("py-plain", "regimen-1").note, None, "a note is optional")
        csv_files = diary.export(patient.id, request(nephro.ExportFormat.CSV))
        doses = bytes([f for f in csv_files if f.name == "doses.csv"][0].bytes).decode("utf-8-sig")
        check(doses.splitlines()[0].endswith(",note") and "spat out half, gave again" in doses,
              "the CSV's note column holds it")
        bundle = json.loads(bytes(diary.export(patient.id, request(nephro.ExportFormat.FHIR))[0].bytes))
        statements = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
        check_equal([s["note"][0]["text"] for s in statements if "note" in s], ["spat out half, gave again"],
                    "the statement's note")
        for fmt in (nephro.ExportFormat.FHIR, nephro.ExportFormat.CSV, nephro.ExportFormat.HTML):
            for f in diary.export(patient.id, request(fmt, deidentify_seed=-42)):
                check("spat out" not in bytes(f.bytes).decode("utf-8"), f"de-identified {f.name}: no note")
        edited = diary.edit_dose("py-note", logged.dose.outcome, logged.dose.actual_at_ms, "father", MORNING_MS, None,
                                 note="gave half again")
        check_equal((edited.revision, edited.dose.note), (2, "gave half again"), "a note-only edit is a revision")
        check_equal([r.note for r in diary.dose_history("py-note")], ["spat out half, gave again", "gave half again"],
                    "each revision keeps its note")
        too_long = dose_log("py-long", f"regimen-{regimen.id}", slot_time="20:00", at_ms=EVENING_MS)
        too_long.note = "x" * 501
        check_validation("note", "a note of 501 characters is refused", diary.log_dose, too_long, EVENING_MS, None)
