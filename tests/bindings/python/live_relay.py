"""The relay from Python, live (issue 16, clinical-rules §11): two caregivers' diaries meet
through a real relay (started by scripts/test-relay.sh on a throw-away PostgreSQL) with an HTTP
client written in Python, as the phones use URLSession and OkHttp. Mum claims the 20:00 dose
before giving it; Dad is told "being given by Mum", then "already given by Mum"; a released
claim frees the slot; the relay sees no clear text; a removed phone is refused; offline, a claim
fails with a typed error and logging goes on. Run by `run.py --relay URL`."""

import urllib.error
import urllib.request

import nephro
from fixtures import EVENING_LATER_MS, EVENING_MS, dose_log, seeded
from harness import CONFIG, check, check_equal, check_raises, temp_dir, temp_path
from test_share import DictSecrets

# 2025-01-15 19:01 UTC (20:01 in Europe/Berlin): Mum claims the 20:00 dose.
CLAIM_MS = 1736967660000
# 2025-01-16 07:01 UTC: the next morning.
NEXT_MORNING_MS = 1737010860000

# What the relay must never see: the child's name, birth date, prescriber, caregivers, slots.
CLEAR_TEXTS = [b"Test Child", b"2019-04-02", b"Dr. Example", b"Mum", b"Dad", b"2025-01-15", b"20:00"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """The relay never redirects: a redirect is an answer, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class UrllibRelayHttp(nephro.RelayHttpClient):
    """The relay's HTTP client over urllib; keeps every request and answer to search them."""

    def __init__(self):
        self.opener = urllib.request.build_opener(NoRedirect)
        self.seen = []
        self.offline = False

    def send(self, request):
        if self.offline:
            raise nephro.ShareCallbackError.Failed(reason="the phone is offline")
        headers = {}
        if request.authorization is not None:
            headers["Authorization"] = request.authorization
        if request.content_type is not None:
            headers["Content-Type"] = request.content_type
        body = bytes(request.body) if request.method in ("PUT", "POST") else None
        outgoing = urllib.request.Request(request.url, data=body, headers=headers, method=request.method)
        try:
            with self.opener.open(outgoing, timeout=30) as answer:
                status, data = answer.status, answer.read()
        except urllib.error.HTTPError as refusal:
            status, data = refusal.code, refusal.read()
        except OSError as error:
            raise nephro.ShareCallbackError.Failed(reason=f"no answer: {type(error).__name__}")
        self.seen.append(request.url.encode() + bytes(request.body) + data)
        return nephro.RelayResponse(status=status, body=data)


def test_two_caregivers_claim_the_evening_dose_through_the_relay():
    http = UrllibRelayHttp()
    relay = nephro.FamilyRelay(CONFIG["relay"], http)
    check_equal(relay.address(), CONFIG["relay"].rstrip("/"), "the relay keeps its address")
    with temp_dir() as tmp:
        mum = nephro.Diary.open(temp_path(tmp, "mum.sqlite"))
        dad = nephro.Diary.open(temp_path(tmp, "dad.sqlite"))
        mum_secrets, dad_secrets = DictSecrets(), DictSecrets()
        patient, regimen = seeded(mum)

        recovery = mum.start_sharing_on_relay("Mum", relay, mum_secrets)
        check(recovery.startswith("NEPHRO-RECOVER:"), "starting a family on the relay returns its recovery code")
        check_equal(len(mum_secrets.secrets), 2, "the membership and the relay credential are kept in the secret storage")
        invitation = mum.invite_on_relay(relay, mum_secrets)
        joined = dad.join_family_on_relay(invitation, "Dad", relay, dad_secrets)
        check(joined.new_changes > 0, f"the whole diary arrives through the relay: {joined}")
        check_raises(nephro.NephroError.Validation, "an invitation admits one device only",
                     nephro.Diary.open(temp_path(tmp, "gran.sqlite")).join_family_on_relay,
                     invitation, "Gran", relay, DictSecrets())
        members = mum.family_members_on_relay(relay, mum_secrets)
        check_equal(sorted(m.caregiver for m in members), ["Dad", "Mum"], "two members on the relay")
        dad_patient = dad.patients()[0]
        dad_med = dad.regimens(dad_patient.id)[0].medication_id
        mum_med = regimen.medication_id

        # 20:01: Mum claims the 20:00 dose before giving it; Dad, a minute later, is told.
        granted = mum.claim_dose_slot(mum_med, "2025-01-15", "20:00", CLAIM_MS, relay, mum_secrets)
        check(isinstance(granted, nephro.ClaimStatus.GRANTED), f"Mum's claim is granted: {granted}")
        held = dad.claim_dose_slot(dad_med, "2025-01-15", "20:00", CLAIM_MS + 60000, relay, dad_secrets)
        check(isinstance(held, nephro.ClaimStatus.BEING_GIVEN), f"Dad is told it is being given: {held}")
        if isinstance(held, nephro.ClaimStatus.BEING_GIVEN):
            check_equal((held.holder.caregiver, held.holder.at_ms), ("Mum", CLAIM_MS), "by Mum, since she claimed")
        again = mum.claim_dose_slot(mum_med, "2025-01-15", "20:00", CLAIM_MS + 1000, relay, mum_secrets)
        check(isinstance(again, nephro.ClaimStatus.GRANTED), "Mum's own repeated claim stays hers")

        # Mum gives and logs it, then ends her claim as taken; Dad is told "already given".
        mum.log_dose(dose_log("mum-evening", mum_med, slot_time="20:00", at_ms=EVENING_MS, by="Mum"), EVENING_MS, None)
        mum.end_dose_slot_claim(mum_med, "2025-01-15", "20:00", nephro.ClaimOutcome.TAKEN, relay, mum_secrets)
        given = dad.claim_dose_slot(dad_med, "2025-01-15", "20:00", EVENING_LATER_MS, relay, dad_secrets)
        check(isinstance(given, nephro.ClaimStatus.GIVEN), f"Dad is told it was given: {given}")
        if isinstance(given, nephro.ClaimStatus.GIVEN):
            check_equal(given.holder.caregiver, "Mum", "given by Mum")

        # After a sync through the relay, Dad's home screen shows Mum's dose.
        mum.sync_family_on_relay(relay, mum_secrets)
        received = dad.sync_family_on_relay(relay, dad_secrets)
        check_equal(received.new_changes, 1, "Dad receives Mum's dose")
        screen = dad.home_screen(dad_patient.id, EVENING_LATER_MS, None, "en")
        rows = [d for d in screen.doses if d.slot_date == "2025-01-15" and d.slot_time == "20:00"]
        text = rows[0].logged_text if rows else None
        check(text is not None and "Mum" in text, f"Dad's phone shows who gave it: {text!r}")

        # The next morning Dad claims, the child refuses, he releases: Mum may give it.
        first = dad.claim_dose_slot(dad_med, "2025-01-16", "08:00", NEXT_MORNING_MS, relay, dad_secrets)
        check(isinstance(first, nephro.ClaimStatus.GRANTED), "Dad's morning claim is granted")
        dad.end_dose_slot_claim(dad_med, "2025-01-16", "08:00", nephro.ClaimOutcome.RELEASED, relay, dad_secrets)
        after = mum.claim_dose_slot(mum_med, "2025-01-16", "08:00", NEXT_MORNING_MS + 120000, relay, mum_secrets)
        check(isinstance(after, nephro.ClaimStatus.GRANTED), f"after the release Mum's claim is granted: {after}")

        # Refusals name the field; nothing reaches the relay for them.
        check_raises(nephro.NephroError.Validation, "a bad slot date is refused by name",
                     mum.claim_dose_slot, mum_med, "2025-02-30", "08:00", NEXT_MORNING_MS, relay, mum_secrets,
                     field="slot_date")
        check_raises(nephro.NephroError.Validation, "a relay address that is not http(s) is refused",
                     nephro.FamilyRelay, "ftp://relay.example", http, field="relay")

        # Offline: the claim fails with a typed error and nothing personal; logging goes on.
        http.offline = True
        error = check_raises(nephro.NephroError.Storage, "offline, a claim fails as a storage error",
                             mum.claim_dose_slot, mum_med, "2025-01-16", "20:00", NEXT_MORNING_MS, relay, mum_secrets)
        check(error is None or "Mum" not in str(error), "the error names no caregiver")
        http.offline = False

        # The relay saw no clear text of the diary, the family or the slots.
        for text in CLEAR_TEXTS:
            check(not any(text in seen for seen in http.seen), f"the relay never saw {text!r}")

        # Mum removes Dad's phone: his credential is revoked, his next sync is refused.
        dad_device = [m.device_id for m in members if m.caregiver == "Dad"][0]
        new_recovery = mum.remove_family_member_on_relay(dad_device, relay, mum_secrets)
        check(new_recovery.startswith("NEPHRO-RECOVER:") and new_recovery != recovery, "a new recovery code")
        check_raises(nephro.NephroError.Validation, "the removed phone is refused by the relay",
                     dad.sync_family_on_relay, relay, dad_secrets, field="relay")
