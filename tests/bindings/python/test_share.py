"""Shared care from Python (clinical-rules §11): two caregivers' diaries joined through the
shared-folder transport and through a transport written in Python, secrets kept by a Python
secret storage; who gave a dose, the double-dose alert on both phones, no clear text on the
transport, removal and recovery, and typed refusals."""

import os

import nephro
from fixtures import EVENING_LATER_MS, EVENING_MS, dose_log, seeded
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path

# 2025-01-16 07:02, 07:05 and 07:30 UTC (08:02, 08:05 and 08:30 in Europe/Berlin), epoch ms.
NEXT_MORNING_MUM_MS = 1737010920000
NEXT_MORNING_DAD_MS = 1737011100000
NEXT_MORNING_LATER_MS = 1737012600000

# What must never be readable on the transport: the child's name, birth date and prescriber.
CLEAR_TEXTS = [b"Test Child", b"2019-04-02", b"Dr. Example"]


class DictSecrets(nephro.SecretStorage):
    """The phone's secure storage, as a dict."""

    def __init__(self):
        self.secrets = {}

    def load(self, name):
        return self.secrets.get(name)

    def save(self, name, secret):
        self.secrets[name] = bytes(secret)


class DictTransport(nephro.ShareTransport):
    """A transport written in Python: names to bytes, as a cloud drive would hold them."""

    def __init__(self, fail_with=None):
        self.files = {}
        self.fail_with = fail_with

    def put(self, name, data):
        if self.fail_with is not None:
            raise self.fail_with
        data = bytes(data)
        if name in self.files and self.files[name] != data:
            raise nephro.ShareCallbackError.Failed(reason="a name is written once")
        self.files[name] = data

    def get(self, name):
        return self.files.get(name)

    def list(self, prefix):
        start = prefix + "/"
        return sorted({n[len(start):].split("/")[0] for n in self.files if n.startswith(start)})


def folder_bytes(folder):
    """Every file's bytes under `folder`."""
    out = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out.append(f.read())
    return out


def slot(screen, medication_id, slot_date, slot_time):
    """The home screen's row of a slot, or None."""
    rows = [d for d in screen.doses
            if d.medication_id == medication_id and d.slot_date == slot_date and d.slot_time == slot_time]
    return rows[0] if rows else None


def play_two_caregivers(tmp, transport, transport_bytes):
    """Mum starts sharing, Dad joins; Dad's evening dose reaches Mum; both give the next
    morning's dose apart and both phones alert. `transport_bytes()` reads what it holds."""
    mum = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
    dad = nephro.Diary.open(temp_path(tmp, "dad.sqlite"))
    mum_secrets, dad_secrets = DictSecrets(), DictSecrets()
    patient, regimen = seeded(mum)

    recovery = mum.start_sharing("Mum", transport, mum_secrets)
    check(recovery.startswith("NEPHRO-RECOVER:"), "starting a family returns its recovery code")
    check(len(mum_secrets.secrets) == 1, "the membership is kept in the secret storage")
    invitation = mum.invite(transport, mum_secrets)
    check(invitation.startswith("NEPHRO-JOIN:"), "an invitation's text")

    joined = dad.join_family(invitation, "Dad", transport, dad_secrets)
    check(joined.new_changes > 0 and joined.batches_applied > 0, f"the whole diary arrives: {joined}")
    check_equal(joined.refused_batches, [], "nothing refused")
    dad_patients = dad.patients()
    check_equal([p.profile.display_name for p in dad_patients], ["Test Child"], "Dad's diary holds the child")
    if len(dad_patients) != 1:
        return
    dad_patient = dad_patients[0]
    dad_regimens = dad.regimens(dad_patient.id)
    check_equal(len(dad_regimens), 1, "and the regimen")
    dad_med = dad_regimens[0].medication_id
    mum_med = regimen.medication_id

    members = mum.family_members(transport, mum_secrets)
    check_equal(sorted(m.caregiver for m in members), ["Dad", "Mum"], "two members")
    check_equal([m.caregiver for m in members if m.is_this_device], ["Mum"], "Mum's phone is this device")

    # Dad gives the 20:00 dose at 20:10; after both sync, Mum's phone says who gave it.
    dad.log_dose(dose_log("dad-evening", dad_med, slot_time="20:00", at_ms=EVENING_MS, by="Dad"), EVENING_MS, None)
    sent = dad.sync_family(transport, dad_secrets)
    check_equal((sent.sent_changes, sent.sent_batches), (1, 1), "Dad sends his dose")
    received = mum.sync_family(transport, mum_secrets)
    check_equal(received.new_changes, 1, "Mum receives it")
    screen = mum.home_screen(patient.id, EVENING_LATER_MS, None, "en")
    evening = slot(screen, mum_med, "2025-01-15", "20:00")
    check(evening is not None and evening.logged is not None, "the evening slot is logged on Mum's phone")
    text = evening.logged_text if evening is not None else None
    check(text is not None and "Dad" in text and "8:10" in text, f"Mum's phone shows who gave it: {text!r}")

    # The next morning both give the 08:00 dose, neither phone online.
    mum.log_dose(dose_log("mum-morning", mum_med, slot_date="2025-01-16", at_ms=NEXT_MORNING_MUM_MS, by="Mum"),
                 NEXT_MORNING_MUM_MS, None)
    dad.log_dose(dose_log("dad-morning", dad_med, slot_date="2025-01-16", at_ms=NEXT_MORNING_DAD_MS, by="Dad"),
                 NEXT_MORNING_DAD_MS, None)
    dad.sync_family(transport, dad_secrets)
    mum.sync_family(transport, mum_secrets)
    dad.sync_family(transport, dad_secrets)
    for who, diary, patient_id in (("Mum", mum, patient.id), ("Dad", dad, dad_patient.id)):
        screen = diary.home_screen(patient_id, NEXT_MORNING_LATER_MS, None, "en")
        kinds = [a.kind for a in screen.alerts]
        check(nephro.HomeAlertKind.POSSIBLE_DOUBLE_DOSE in kinds, f"{who}'s home screen alerts a double dose: {kinds}")
        alerts = diary.double_dose_alerts("2025-01-16", "2025-01-16")
        check_equal(
            [(a.slot_date, a.slot_time, [(e.caregiver, e.outcome) for e in a.entries]) for a in alerts],
            [("2025-01-16", "08:00", [("Mum", nephro.DoseOutcome.TAKEN), ("Dad", nephro.DoseOutcome.TAKEN)])],
            f"{who}'s diary lists both logs of the slot",
        )
        check_equal(diary.double_dose_alerts("2025-01-15", "2025-01-15"), [], f"{who}: no alert the day before")
        check_equal(diary.shared_conflicts(), [], f"{who}: no conflicting edits")

    held = transport_bytes()
    check(len(held) > 5, f"the transport holds the family's files ({len(held)})")
    for text in CLEAR_TEXTS:
        check(not any(text in data for data in held), f"no file on the transport contains {text!r}")


def test_two_caregivers_share_a_diary_through_a_shared_folder():
    with temp_dir() as tmp:
        folder = temp_path(tmp, "shared")
        play_two_caregivers(tmp, nephro.folder_share_transport(folder), lambda: folder_bytes(folder))


def test_a_transport_written_by_the_shell_carries_the_family():
    with temp_dir() as tmp:
        transport = DictTransport()
        play_two_caregivers(tmp, transport, lambda: list(transport.files.values()))


def test_a_removed_phone_is_left_out_and_the_recovery_code_restores_the_diary():
    with temp_dir() as tmp:
        transport = DictTransport()
        mum, dad, spare = (nephro.Diary.open(temp_path(tmp, f"{n}.sqlite")) for n in ("mum", "dad", "spare"))
        mum_secrets, dad_secrets, spare_secrets = DictSecrets(), DictSecrets(), DictSecrets()
        _patient, regimen = seeded(mum)
        first_code = mum.start_sharing("Mum", transport, mum_secrets)
        dad.join_family(mum.invite(transport, mum_secrets), "Dad", transport, dad_secrets)
        dad_device = [m.device_id for m in mum.family_members(transport, mum_secrets) if not m.is_this_device]
        check_equal(len(dad_device), 1, "Dad's phone is listed")

        new_code = mum.remove_family_member(dad_device[0], transport, mum_secrets)
        check(new_code.startswith("NEPHRO-RECOVER:") and new_code != first_code, "a new recovery code")
        check_equal([m.caregiver for m in mum.family_members(transport, mum_secrets)], ["Mum"], "Dad is removed")
        check_validation("device", "this device cannot remove itself", mum.remove_family_member,
                         [m.device_id for m in mum.family_members(transport, mum_secrets)][0], transport, mum_secrets)

        # What the removed phone writes afterwards is refused by the family and changes nothing.
        dad_med = dad.regimens(dad.patients()[0].id)[0].medication_id
        dad.log_dose(dose_log("dad-late", dad_med, slot_time="20:00", at_ms=EVENING_MS, by="Dad"), EVENING_MS, None)
        dad.sync_family(transport, dad_secrets)
        after = mum.sync_family(transport, mum_secrets)
        check_equal(after.new_changes, 0, "nothing of the removed phone is applied")
        check_equal(len(after.refused_batches), 1, f"its batch is refused: {after.refused_batches}")

        # A new phone restores the diary from the new code written down in lower case.
        restored = spare.recover_family(new_code.lower(), "Mum's new phone", transport, spare_secrets)
        check(restored.new_changes > 0, "the diary arrives on the new phone")
        check_equal([p.profile.display_name for p in spare.patients()], ["Test Child"], "with the child")
        check_equal([r.prescription.times for r in spare.regimens(spare.patients()[0].id)],
                    [regimen.prescription.times], "and the regimen")


class BatchesOffline(DictTransport):
    """A drive that stores the family's small files but fails every batch until it is back."""

    def __init__(self):
        super().__init__()
        self.batches_fail = True

    def put(self, name, data):
        if self.batches_fail and "/batches/" in name:
            raise nephro.ShareCallbackError.Failed(reason="the drive is full")
        super().put(name, data)


class Heard(nephro.DiagnosticsReporter):
    """A diagnostics reporter that keeps what it hears."""

    def __init__(self):
        self.reports = []

    def report_failure(self, report):
        self.reports.append(report)


def test_the_recovery_code_is_returned_when_the_first_sync_fails():
    with temp_dir() as tmp:
        transport = BatchesOffline()
        mum = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
        dad = nephro.Diary.open(temp_path(tmp, "dad.sqlite"))
        mum_secrets, dad_secrets = DictSecrets(), DictSecrets()
        seeded(mum)
        heard = Heard()
        nephro.set_diagnostics_reporter(heard)
        try:
            code = mum.start_sharing("Mum", transport, mum_secrets)
        finally:
            nephro.clear_diagnostics_reporter()
        check(code.startswith("NEPHRO-RECOVER:"), "the recovery code is returned though the first sync failed")
        check_equal([r.operation for r in heard.reports], ["start_sharing"], "the failure reaches the diagnostics")
        check(not any("/batches/" in name for name in transport.files), "no batch was stored")

        transport.batches_fail = False
        sent = mum.sync_family(transport, mum_secrets)
        check(sent.sent_changes > 0, f"the next sync sends the diary: {sent}")
        dad.join_family(mum.invite(transport, mum_secrets), "Dad", transport, dad_secrets)
        check_equal([p.profile.display_name for p in dad.patients()], ["Test Child"], "and a new phone receives it")
        restored = nephro.Diary.open(temp_path(tmp, "restored.sqlite"))
        restored.recover_family(code, "Mum's new phone", transport, DictSecrets())
        check_equal(len(restored.patients()), 1, "the code returned then restores the diary")


def test_bad_sharing_input_is_refused_with_a_typed_error_and_changes_nothing():
    with temp_dir() as tmp:
        transport = DictTransport()
        mum = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
        dad = nephro.Diary.open(temp_path(tmp, "dad.sqlite"))
        mum_secrets, dad_secrets = DictSecrets(), DictSecrets()
        seeded(mum)

        check_validation("secrets", "syncing before sharing", mum.sync_family, transport, mum_secrets)
        check_validation("secrets", "inviting before sharing", mum.invite, transport, mum_secrets)
        check_validation("caregiver", "an empty caregiver", mum.start_sharing, "  ", transport, mum_secrets)
        check_equal((mum_secrets.secrets, transport.files), ({}, {}), "a refused start keeps nothing")

        mum.start_sharing("Mum", transport, mum_secrets)
        check_validation("secrets", "starting a second family on the same secrets", mum.start_sharing, "Mum",
                         transport, mum_secrets)
        invitation = mum.invite(transport, mum_secrets)
        held = dict(transport.files)

        garbled = invitation[:-6] + ("AAAAAA" if not invitation.endswith("AAAAAA") else "BBBBBB")
        for text in ("NEPHRO-JOIN:garbled", garbled, "hello", ""):
            check_validation("invitation", f"invitation {text[:20]!r}", dad.join_family, text, "Dad", transport,
                             dad_secrets)
        check_validation("recovery_code", "a garbled recovery code", dad.recover_family, "NEPHRO-RECOVER:AAAA",
                         "Dad", transport, dad_secrets)
        check_equal(dad_secrets.secrets, {}, "a refused join keeps no secret")
        check_equal(dad.patients(), [], "and writes nothing to the diary")
        check_equal(transport.files, held, "nor to the transport")
        check_validation("db", "joining with a diary that holds a child", mum.join_family, invitation, "Mum",
                         transport, DictSecrets())

        dad.join_family(invitation, "Dad", transport, dad_secrets)
        check_validation("invitation", "an invitation admits one phone", nephro.Diary.open(
            temp_path(tmp, "third.sqlite")).join_family, invitation, "Gran", transport, DictSecrets())
        check_validation("from", "a malformed date", mum.double_dose_alerts, "16/01/2025", "2025-01-16")
        check_validation("path", "a folder transport needs a path", nephro.folder_share_transport, "")


class FailingSecrets(DictSecrets):
    """A secure storage that cannot save (the phone is locked)."""

    def save(self, name, secret):
        raise RuntimeError("the keychain is locked")


def test_a_failing_shell_implementation_is_a_storage_error_naming_the_operation():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
        seeded(diary)
        secrets = DictSecrets()
        offline = DictTransport(fail_with=nephro.ShareCallbackError.Failed(reason="the drive is offline"))
        error = check_raises(nephro.NephroError.Storage, "a failed put", diary.start_sharing, "Mum", offline, secrets)
        detail = str(error) if error is not None else ""
        check("sharing transport's put" in detail and "the drive is offline" in detail,
              f"the error names the operation and keeps the shell's reason: {detail!r}")
        check_equal(secrets.secrets, {}, "nothing is kept")

        # Any other exception of the shell counts as a failure of that operation.
        error = check_raises(nephro.NephroError.Storage, "an unexpected exception in save", diary.start_sharing, "Mum",
                             DictTransport(), FailingSecrets())
        detail = str(error) if error is not None else ""
        check("secret storage's save" in detail and "the keychain is locked" in detail,
              f"the error names the operation: {detail!r}")


def test_a_claim_names_the_slot_alike_on_every_phone_and_only_the_family_reads_its_holder():
    """What a phone sends the relay before giving a dose (issue 16): the same opaque token for the
    same slot on every phone of the family, a holder only the family opens, nothing readable."""
    with temp_dir() as tmp:
        transport = DictTransport()
        mum = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
        dad = nephro.Diary.open(temp_path(tmp, "dad.sqlite"))
        mum_secrets, dad_secrets = DictSecrets(), DictSecrets()
        _patient, regimen = seeded(mum)
        mum.start_sharing("Mum", transport, mum_secrets)
        dad.join_family(mum.invite(transport, mum_secrets), "Dad", transport, dad_secrets)
        dad_med = dad.regimens(dad.patients()[0].id)[0].medication_id
        mum_med = regimen.medication_id

        mine = mum.slot_claim(mum_med, "2025-01-15", "20:00", EVENING_MS, mum_secrets)
        theirs = dad.slot_claim(dad_med, "2025-01-15", "20:00", EVENING_MS, dad_secrets)
        check_equal(mine.token_hex, theirs.token_hex, "both phones name the evening slot alike")
        check_equal(len(mine.token_hex), 64, "a 256-bit token")
        morning = mum.slot_claim(mum_med, "2025-01-15", "08:00", EVENING_MS, mum_secrets)
        check(morning.token_hex != mine.token_hex, "another slot, another token")
        for text in [b"Mum", b"2025-01-15", b"20:00", b"Test Child"]:
            check(text not in bytes(mine.sealed_holder), f"the sealed holder does not show {text!r}")

        holder = dad.claim_holder(dad_med, "2025-01-15", "20:00", mine.sealed_holder, dad_secrets)
        check_equal((holder.caregiver, holder.at_ms), ("Mum", EVENING_MS), "Dad's phone reads who claimed it")
        tampered = bytearray(mine.sealed_holder)
        tampered[-1] ^= 1
        check_validation("holder", "an altered holder is refused",
                         dad.claim_holder, dad_med, "2025-01-15", "20:00", bytes(tampered), dad_secrets)
        check_validation("holder", "a holder of another slot is refused",
                         dad.claim_holder, dad_med, "2025-01-15", "08:00", mine.sealed_holder, dad_secrets)
        check_validation("slot_time", "a garbled slot time is refused",
                         mum.slot_claim, mum_med, "2025-01-15", "8 pm", EVENING_MS, mum_secrets)
        check_validation("secrets", "a diary not shared has no claim key",
                         mum.slot_claim, mum_med, "2025-01-15", "20:00", EVENING_MS, DictSecrets())
