"""Reads NephroDiary's calendar files with Python parsers the project did not write, expands every
repeating dose for ten years and checks each occurrence against Python's zoneinfo (the IANA
database): the dose falls at its local clock time (08:00 or 20:00) on every day, before and after
every daylight-saving change, with no day missing or doubled.

  --parser icalendar  icalendar with recurring-ical-events (PyPI; run with the venv's Python)
  --parser libical    libical through its GObject bindings (Debian's gir1.2-ical-3.0, run with
                      the system Python): the file parses with no X-LIC-ERROR, passes libical's
                      restriction check (which reports METHOD:PUBLISH without ORGANIZER), and
                      each occurrence is converted to UTC with the file's own VTIMEZONE.

Usage: calendar_check.py --parser P FILE.ics ZONE [FILE.ics ZONE ...]
Prints each check and a closing `N passed, M failed`; exits 1 on any failure.
"""

import argparse
import importlib.metadata
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

PASSED = 0
FAILED = 0
FIRST = dt.date(2026, 1, 1)
YEARS = 10
LAST = dt.date(2026 + YEARS, 1, 1)  # exclusive
TIMES = ("08:00", "20:00")


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok    {what}")
    else:
        FAILED += 1
        print(f"FAIL  {what}")


def judge(parser, file, zone, instants):
    """`instants`: aware UTC datetimes of every occurrence the parser found."""
    tz = ZoneInfo(zone)
    local = [i.astimezone(tz) for i in instants]
    local = [t for t in local if FIRST <= t.date() < LAST]
    wrong = [t for t in local if t.strftime("%H:%M") not in TIMES]
    keys = {t.strftime("%Y-%m-%d %H:%M") for t in local}
    days = (LAST - FIRST).days
    check(not wrong and len(keys) == len(local) == days * len(TIMES),
          f"{parser}: {file} ({zone}): {len(local)} doses over {YEARS} years at {' and '.join(TIMES)} local time "
          f"(expected {days * len(TIMES)}; {len(wrong)} at another time{', first ' + wrong[0].isoformat() if wrong else ''})")


def with_icalendar(path, zone):
    import icalendar
    import recurring_ical_events

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    start = dt.datetime.combine(FIRST, dt.time(), dt.timezone.utc) - dt.timedelta(hours=14)
    end = dt.datetime.combine(LAST, dt.time(), dt.timezone.utc) + dt.timedelta(hours=14)
    events = recurring_ical_events.of(calendar).between(start, end)
    repeating = {str(e["UID"]) for e in calendar.walk("VEVENT") if "RRULE" in e}
    found = [e["DTSTART"].dt.astimezone(dt.timezone.utc) for e in events if str(e["UID"]) in repeating]
    judge("icalendar", path.name, zone, found)


def with_libical(path, zone):
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib as ICal

    calendar = ICal.Component.new_from_string(path.read_text(encoding="utf-8"))
    check(calendar is not None, f"libical: {path.name} parses")
    errors = []
    component = calendar.get_first_component(ICal.ComponentKind.ANY_COMPONENT)
    parts = [calendar]
    while component is not None:
        parts.append(component)
        component = calendar.get_next_component(ICal.ComponentKind.ANY_COMPONENT)
    for part in parts:
        prop = part.get_first_property(ICal.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            errors.append(prop.get_xlicerror())
            prop = part.get_next_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    check(not errors, f"libical: {path.name}: no X-LIC-ERROR {errors[:2]}")
    restricted = ICal.restriction_check(calendar)
    problems = []
    for part in parts:
        prop = part.get_first_property(ICal.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            problems.append(prop.get_xlicerror())
            prop = part.get_next_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    check(restricted and not problems,
          f"libical: {path.name}: passes the restriction check (iTIP: METHOD needs ORGANIZER) {problems[:2]}")

    vtimezone = calendar.get_first_component(ICal.ComponentKind.VTIMEZONE_COMPONENT)
    zone_of_file = ICal.Timezone.new()
    zone_of_file.set_component(vtimezone.clone())
    utc = ICal.Timezone.get_utc_timezone()
    end = ICal.Time.new_from_string(LAST.strftime("%Y%m%d") + "T140000Z")
    found = []
    event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        rule = event.get_first_property(ICal.PropertyKind.RRULE_PROPERTY)
        if rule is not None:
            start = event.get_dtstart()
            iterator = ICal.RecurIterator.new(rule.get_rrule(), start)
            occurrence = iterator.next()
            while occurrence is not None and not occurrence.is_null_time():
                at = occurrence.clone()
                at.set_timezone(zone_of_file)
                ICal.Time.convert_timezone(at, zone_of_file, utc)
                instant = dt.datetime(at.get_year(), at.get_month(), at.get_day(), at.get_hour(),
                                      at.get_minute(), at.get_second(), tzinfo=dt.timezone.utc)
                if ICal.Time.compare(at, end) > 0:
                    break
                found.append(instant)
                occurrence = iterator.next()
        event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    judge("libical", path.name, zone, found)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parser", choices=("icalendar", "libical"), required=True)
    parser.add_argument("pairs", nargs="+")
    args = parser.parse_args()
    if args.parser == "icalendar":
        import icalendar
        import recurring_ical_events
        print(f"tools: icalendar {icalendar.__version__}, recurring-ical-events {importlib.metadata.version('recurring-ical-events')}")
    else:
        import gi
        gi.require_version("ICalGLib", "3.0")
        from gi.repository import ICalGLib as ICal
        import subprocess
        package = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libical3"],
                                 capture_output=True, text=True).stdout.strip() or "3"
        print(f"tools: libical {package} (ICalGLib {ICal._version}, GObject introspection)")
    for file, zone in zip(args.pairs[::2], args.pairs[1::2]):
        (with_icalendar if args.parser == "icalendar" else with_libical)(Path(file), zone)
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
