//! The calendar export: an RFC 5545 iCalendar file of the dosing schedule that a parent can
//! import into a phone calendar.
//!
//! - Regimens (tacrolimus, MMF: the same dose every day) are one repeating event per dosing
//!   time, `RRULE:FREQ=DAILY` with `UNTIL` at the regimen's last dose when it has an end.
//! - Steroid doses follow the taper calendar, whose dose changes from day to day: one event per
//!   dose (dosing time of a dosing day), with the mg and the tablets. Days of an "until
//!   remission" phase past today are provisional and say so.
//! - `UID` is the slot's reminder id (`{medication}@{YYYY-MM-DD}T{HH:MM}`, the same id the app's
//!   notifications use; for a repeating event, that of the regimen's first slot) followed by
//!   `@nephrodiary.app`, so importing a newer export updates the events instead of duplicating
//!   them. Every event has `DTSTAMP`, a 15-minute `DURATION` and a display alarm at the dose time.
//! - A de-identified file is a record of its (shifted) period, not a plan: its events end with
//!   the period, its `UID`s are random for the export (keyed by its secret, not made of the
//!   record's ids), and its `DTSTAMP`, which RFC 5545 §3.6.1 requires in every event, is the last
//!   day of the period at 00:00 UTC rather than the (shifted) time the file was made.
//!
//! **Time zone.** Times are written as local times with `TZID=<IANA zone>` and the file carries
//! a `VTIMEZONE` built from the zone's real transitions over the schedule and, after them, the
//! zone's current rule as yearly `RRULE`s (RFC 5545 §3.6.5), so it covers every occurrence of a
//! daily event that repeats without end (a parser that reads only the `VTIMEZONE`, such as
//! ical.js in Thunderbird, would otherwise move every dose after its last transition by an hour).
//! Phone calendars (iOS, Android/Google) recognise the IANA name and Outlook reads the
//! `VTIMEZONE`, so an 08:00 dose stays at 08:00 local time across daylight-saving changes.
//! UTC was rejected: a daily rule in UTC keeps the UTC time, so in a zone with DST every dose
//! would move by an hour for half of the year. A de-identified file names no zone: it uses
//! floating local times (§3.3.5 form 1), which every calendar shows at the same wall-clock time
//! — what the app's default travel policy does as well.
//!
//! Lines end with CRLF and are folded at 75 octets without splitting a UTF-8 character; TEXT
//! values escape `\`, `;`, `,` and line breaks (§3.3.11).

use std::io::Write;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::snapshot::*;
use super::text::{self, num, tr};
use super::Manifest;
use crate::diary::reminders::medication_label;
use crate::error::Result;
use crate::locale::Locale;
use crate::model::MedicationId;
use crate::schedule::{missed_dose_advice, reminder_id, slot_instant};

/// The domain part of every event's `UID`.
pub const UID_DOMAIN: &str = "nephrodiary.app";

/// The longest content line, in octets, before folding (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// Years a time-zone definition covers beyond the schedule's last explicit date (repeating
/// events may run on without end).
const ZONE_YEARS_AHEAD: i32 = 5;

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at [`MAX_LINE_OCTETS`] octets (continuation lines start with a space)
/// and ends it with CRLF; never splits a UTF-8 character (RFC 5545 §3.1).
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    out.push_str("\r\n");
    out
}

struct Lines<'w> {
    out: &'w mut dyn Write,
}

impl Lines<'_> {
    fn put(&mut self, line: &str) -> Result<()> {
        self.out.write_all(fold(line).as_bytes())?;
        Ok(())
    }

    fn text(&mut self, name: &str, value: &str) -> Result<()> {
        self.put(&format!("{name}:{}", escape_text(value)))
    }
}

/// How local times are written: with the patient's zone, or floating (de-identified).
#[derive(Clone, Copy)]
enum Zone {
    Named(Tz),
    Floating,
}

impl Zone {
    /// `DTSTART;TZID=Asia/Shanghai:20250601T080000` or `DTSTART:20250601T080000`.
    fn start(self, date: NaiveDate, time: NaiveTime) -> String {
        let local = local_stamp(date.and_time(time));
        match self {
            Zone::Named(tz) => format!("DTSTART;TZID={}:{local}", tz.name()),
            Zone::Floating => format!("DTSTART:{local}"),
        }
    }

    /// The `UNTIL` of a daily rule whose last occurrence is `date` at `time`: UTC when the start
    /// names a zone, floating local time otherwise (RFC 5545 §3.3.10).
    fn until(self, date: NaiveDate, time: NaiveTime) -> String {
        match self {
            Zone::Named(tz) => utc_stamp(&slot_instant(date, time, tz)),
            Zone::Floating => local_stamp(date.and_time(time)),
        }
    }
}

fn local_stamp(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

fn utc_stamp(at: &DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The slot's reminder id at [`UID_DOMAIN`]; when de-identified, a UUID keyed by the export's
/// secret in its place.
fn uid(s: &DiarySnapshot, medication: &MedicationId, date: NaiveDate, time: NaiveTime) -> String {
    let reminder = reminder_id(&medication.to_string(), date, time);
    match s.deidentified {
        Some(d) => format!("{}@{UID_DOMAIN}", d.uuid(&["ics", &reminder])),
        None => format!("{reminder}@{UID_DOMAIN}"),
    }
}

/// Writes the dosing schedule as an iCalendar file.
pub fn write(s: &DiarySnapshot, out: &mut dyn Write) -> Result<()> {
    let l = s.locale;
    let zone = match s.patient.time_zone_name {
        Some(_) => Zone::Named(s.time_zone),
        None => Zone::Floating,
    };
    let from = s.schedule_from;
    let in_window = |date: NaiveDate| from <= date && s.schedule_to.is_none_or(|to| date <= to);
    let series: Vec<(&MedicationView, NaiveDate, Option<NaiveDate>)> = s
        .medications
        .iter()
        .filter(|m| {
            matches!(
                m.kind,
                MedicationKind::Regimen { .. }
                    | MedicationKind::Medicine {
                        interval_days: Some(_),
                        ..
                    }
            )
        })
        .filter_map(|m| {
            // A medicine given every n days starts on its first dosing day in the window, so
            // that the recurrence keeps its phase.
            let interval = series_interval(m);
            let behind = (from - m.start).num_days().max(0);
            let ahead = (interval - behind % interval) % interval;
            let start = m.start.max(from) + chrono::TimeDelta::days(ahead);
            let end = match (m.end, s.schedule_to) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            end.is_none_or(|end| start <= end)
                .then_some((m, start, end))
        })
        .collect();
    let steroid: Vec<&SteroidSlotView> = s
        .steroid_slots
        .iter()
        .filter(|slot| in_window(slot.date))
        .collect();
    let stamp = match s.generated_at {
        Some(at) => utc_stamp(&at),
        None => utc_stamp(&s.to.and_time(NaiveTime::MIN).and_utc()),
    };

    let mut lines = Lines { out };
    lines.put("BEGIN:VCALENDAR")?;
    lines.put("VERSION:2.0")?;
    lines.put(&format!(
        "PRODID:-//NephroDiary//NephroDiary {}//EN",
        env!("CARGO_PKG_VERSION")
    ))?;
    lines.put("CALSCALE:GREGORIAN")?;
    // No METHOD: a file to import is not an iTIP message (RFC 5546), and `METHOD:PUBLISH`
    // would require an ORGANIZER in every event (libical reports its absence as an error).
    let title = match &s.patient.name {
        Some(name) => format!("NephroDiary — {name}: {}", tr(l, "export-dosing-schedule")),
        None => format!("NephroDiary — {}", tr(l, "export-dosing-schedule")),
    };
    lines.text("NAME", &title)?;
    lines.text("X-WR-CALNAME", &title)?;
    let description = calendar_description(s, series.len(), steroid.len());
    lines.text("DESCRIPTION", &description)?;
    lines.text("X-WR-CALDESC", &description)?;
    if let Zone::Named(tz) = zone {
        lines.put(&format!("X-WR-TIMEZONE:{}", tz.name()))?;
        let first = series
            .iter()
            .map(|(_, start, _)| *start)
            .chain(steroid.iter().map(|slot| slot.date))
            .min();
        let last_explicit = series
            .iter()
            .filter_map(|(_, _, end)| *end)
            .chain(steroid.iter().map(|slot| slot.date))
            .chain(s.schedule_to)
            .max();
        let first = first.unwrap_or(from);
        let last = last_explicit
            .unwrap_or(first)
            .max(add_years(first, ZONE_YEARS_AHEAD));
        write_vtimezone(&mut lines, tz, first, last)?;
    }

    for (m, start, end) in &series {
        let (label, units) = match &m.kind {
            MedicationKind::Regimen {
                per_dose_mg,
                units,
                form,
                ..
            } => (
                medication_label_of(&m.medicine, Some(*per_dose_mg), l),
                units
                    .iter()
                    .map(|u| text::units(u, form.as_deref()))
                    .collect::<Vec<String>>(),
            ),
            MedicationKind::Medicine {
                dose_mg, dose_ml, ..
            } => (
                medicine_dose_label(&m.medicine, *dose_mg, *dose_ml, l),
                Vec::new(),
            ),
            MedicationKind::Course { .. } => continue,
        };
        let interval = series_interval(m);
        let rule = if interval > 1 {
            format!("RRULE:FREQ=DAILY;INTERVAL={interval}")
        } else {
            "RRULE:FREQ=DAILY".to_string()
        };
        let times: Vec<String> = m
            .times
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        let body = format!(
            "{}\n{}: {}\n{}",
            units.join(" + "),
            tr(l, "export-dosing-times"),
            times.join(", "),
            missed_dose_advice(l)
        );
        for time in &m.times {
            lines.put("BEGIN:VEVENT")?;
            lines.text("UID", &uid(s, &m.id, m.start, *time))?;
            lines.put(&format!("DTSTAMP:{stamp}"))?;
            lines.put(&zone.start(*start, *time))?;
            lines.put("DURATION:PT15M")?;
            match end {
                Some(end) => lines.put(&format!("{rule};UNTIL={}", zone.until(*end, *time)))?,
                None => lines.put(&rule)?,
            }
            event_texts(&mut lines, &label, &body, l)?;
            lines.put("END:VEVENT")?;
        }
    }
    // Medicines given on listed dates: one event per date and time in the window.
    for m in &s.medications {
        let MedicationKind::Medicine {
            dose_mg,
            dose_ml,
            dates,
            interval_days: None,
            as_needed: false,
            ..
        } = &m.kind
        else {
            continue;
        };
        let label = medicine_dose_label(&m.medicine, *dose_mg, *dose_ml, l);
        for date in dates
            .iter()
            .filter(|d| in_window(**d) && m.is_active_on(**d))
        {
            for time in &m.times {
                lines.put("BEGIN:VEVENT")?;
                lines.text("UID", &uid(s, &m.id, *date, *time))?;
                lines.put(&format!("DTSTAMP:{stamp}"))?;
                lines.put(&zone.start(*date, *time))?;
                lines.put("DURATION:PT15M")?;
                event_texts(&mut lines, &label, missed_dose_advice(l), l)?;
                lines.put("END:VEVENT")?;
            }
        }
    }
    for slot in steroid {
        let (label, mut body) = match slot.ml {
            // A liquid (clinical-rules §12): "Prednisolone 2.4 mL (12 mg)", measured with the
            // oral syringe.
            Some(ml) => {
                let dose = crate::medicine::record::MedicineDose {
                    mg: slot.mg,
                    ml: Some(ml),
                };
                let name = crate::diary::reminders::drug_name(slot.drug, l);
                (format!("{name} {}", dose.text()), dose.text())
            }
            None => {
                let tablet_mg = s
                    .medications
                    .iter()
                    .find(|m| m.id == slot.medication)
                    .and_then(|m| match m.kind {
                        MedicationKind::Course { tablet_mg, .. } => Some(tablet_mg),
                        _ => None,
                    });
                (
                    medication_label(slot.drug, Some(slot.mg), l),
                    tablets_text(slot.tablets, tablet_mg, l),
                )
            }
        };
        if slot.provisional {
            body.push('\n');
            body.push_str(tr(l, "export-provisional-this-phase-lasts-until-remission"));
        }
        lines.put("BEGIN:VEVENT")?;
        lines.text("UID", &uid(s, &slot.medication, slot.date, slot.time))?;
        lines.put(&format!("DTSTAMP:{stamp}"))?;
        lines.put(&zone.start(slot.date, slot.time))?;
        lines.put("DURATION:PT15M")?;
        event_texts(&mut lines, &label, &body, l)?;
        lines.put("END:VEVENT")?;
    }
    lines.put("END:VCALENDAR")?;
    lines.out.flush()?;
    Ok(())
}

/// The days between two doses of a series: 1 for a regimen, n for a medicine given every n days.
fn series_interval(m: &MedicationView) -> i64 {
    match m.kind {
        MedicationKind::Medicine {
            interval_days: Some(n),
            ..
        } => i64::from(n.max(1)),
        _ => 1,
    }
}

/// "Tacrolimus 1 mg" for a medication of the app's list or a typed-in name.
fn medication_label_of(medicine: &ExportedMedicine, mg: Option<f64>, l: Locale) -> String {
    match (medicine.drug(), mg) {
        (Some(drug), mg) => medication_label(drug, mg, l),
        (None, Some(mg)) => format!("{} {} mg", medicine.name(l), num(mg)),
        (None, None) => medicine.name(l),
    }
}

/// "Prednisolone 2.4 mL (12 mg)" for a liquid, "Enalapril 2.5 mg" for tablets.
fn medicine_dose_label(medicine: &ExportedMedicine, mg: f64, ml: Option<f64>, l: Locale) -> String {
    let dose = crate::medicine::record::MedicineDose { mg, ml };
    format!("{} {}", medicine.name(l), dose.text())
}

fn event_texts(lines: &mut Lines, summary: &str, description: &str, l: Locale) -> Result<()> {
    lines.text("SUMMARY", summary)?;
    lines.text("DESCRIPTION", description)?;
    lines.text("CATEGORIES", tr(l, "export-medication-category"))?;
    lines.put("TRANSP:TRANSPARENT")?;
    lines.put("BEGIN:VALARM")?;
    lines.put("ACTION:DISPLAY")?;
    lines.text("DESCRIPTION", summary)?;
    lines.put("TRIGGER:PT0M")?;
    lines.put("END:VALARM")?;
    Ok(())
}

/// "9½ tablets × 5 mg": the family's tablet count (one text for the app and the calendar)
/// with the tablet's strength when it is known.
fn tablets_text(tablets: crate::taper::Tablets, tablet_mg: Option<f64>, l: Locale) -> String {
    let strength = tablet_mg
        .map(|mg| format!(" × {} mg", num(mg)))
        .unwrap_or_default();
    format!(
        "{}{strength}",
        crate::diary::taper::tablets_text(tablets, l)
    )
}

/// The manifest, preceded by what this calendar holds.
fn calendar_description(s: &DiarySnapshot, series: usize, steroid_doses: usize) -> String {
    let l = s.locale;
    let until = s.schedule_to.map(|d| d.to_string());
    let head = match until {
        Some(until) => message!(
            l,
            "export-ics-description-until",
            from = s.schedule_from.to_string(),
            until = until,
            series = series,
            steroid_doses = steroid_doses
        ),
        None => message!(
            l,
            "export-ics-description",
            from = s.schedule_from.to_string(),
            series = series,
            steroid_doses = steroid_doses
        ),
    };
    let manifest = Manifest::of(s);
    let mut text = format!("{head}\n{}:", manifest.title);
    for line in manifest.lines {
        text.push('\n');
        text.push_str(&line);
    }
    text
}

fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    crate::dates::add_months(date, (years.max(0) as u32) * 12)
}

/// The most years a `VTIMEZONE` covers (bounds the scan of a long schedule).
const MAX_ZONE_YEARS: i32 = 30;

/// One offset change of a zone.
struct Transition {
    at: DateTime<Utc>,
    from: i32,
    to: i32,
    dst: bool,
    name: Option<String>,
}

fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool, Option<String>) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    (
        offset.fix().local_minus_utc(),
        offset.dst_offset().num_seconds() != 0,
        offset.abbreviation().map(str::to_string),
    )
}

/// The zone's offset changes between two dates: the offset is read once a day and every change
/// is narrowed to the second by bisection.
fn transitions(tz: Tz, first: NaiveDate, last: NaiveDate) -> Vec<Transition> {
    let mut found = Vec::new();
    let mut day = first.and_time(NaiveTime::MIN).and_utc();
    let end = last.and_time(NaiveTime::MIN).and_utc();
    let mut current = offset_at(tz, day).0;
    while day < end {
        let next = day + chrono::TimeDelta::days(1);
        let (offset, _, _) = offset_at(tz, next);
        if offset != current {
            let (mut low, mut high) = (day, next);
            while (high - low).num_seconds() > 1 {
                let middle = low + chrono::TimeDelta::seconds((high - low).num_seconds() / 2);
                if offset_at(tz, middle).0 == current {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let (to, dst, name) = offset_at(tz, high);
            found.push(Transition {
                at: high,
                from: current,
                to,
                dst,
                name,
            });
            current = offset;
        }
        day = next;
    }
    found
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// A yearly rule of a zone's transitions: in `month`, the `nth` `weekday` (`-1`: the last) at
/// the local wall-clock `time` read in the offset before the change (RFC 5545 §3.6.5's
/// `RRULE:FREQ=YEARLY;BYMONTH=…;BYDAY=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YearlyRule {
    month: u32,
    nth: i32,
    weekday: chrono::Weekday,
    time: NaiveTime,
}

impl YearlyRule {
    /// The rules a transition's local date can follow: its ordinal weekday in the month, and
    /// "the last" when it falls in the month's last seven days.
    fn candidates(local: NaiveDateTime) -> Vec<YearlyRule> {
        use chrono::Datelike;
        let date = local.date();
        let nth = (date.day() as i32 - 1) / 7 + 1;
        let base = YearlyRule {
            month: date.month(),
            nth,
            weekday: date.weekday(),
            time: local.time(),
        };
        let mut out = vec![base];
        if date
            .checked_add_days(Days::new(7))
            .is_none_or(|d| d.month() != date.month())
        {
            out.push(YearlyRule { nth: -1, ..base });
        }
        out
    }

    /// The local date-time the rule gives in `year`.
    fn in_year(self, year: i32) -> Option<NaiveDateTime> {
        let date = if self.nth > 0 {
            NaiveDate::from_weekday_of_month_opt(year, self.month, self.weekday, self.nth as u8)?
        } else {
            let next = if self.month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, self.month + 1, 1)?
            };
            let mut day = next.pred_opt()?;
            while chrono::Datelike::weekday(&day) != self.weekday {
                day = day.pred_opt()?;
            }
            day
        };
        Some(date.and_time(self.time))
    }

    fn rrule(self) -> String {
        let day = match self.weekday {
            chrono::Weekday::Mon => "MO",
            chrono::Weekday::Tue => "TU",
            chrono::Weekday::Wed => "WE",
            chrono::Weekday::Thu => "TH",
            chrono::Weekday::Fri => "FR",
            chrono::Weekday::Sat => "SA",
            chrono::Weekday::Sun => "SU",
        };
        format!(
            "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={}{day}",
            self.month, self.nth
        )
    }
}

/// Years of a zone's future transitions a yearly rule must predict before it is written.
const RULE_CHECK_YEARS: i32 = 40;

/// The zone's rule from `from` on, as two yearly observances (the change to daylight time and
/// the change back), when its transitions from then on follow one; each with its first
/// transition. `None` when the zone has no more transitions (its last observance holds for
/// ever) or they follow no yearly weekday rule (then every transition is written).
fn yearly_rules(tz: Tz, from: NaiveDate) -> Option<Vec<(YearlyRule, Transition)>> {
    use chrono::Datelike;
    let horizon = add_years(from, RULE_CHECK_YEARS);
    let future = transitions(tz, from, horizon);
    let local = |t: &Transition| t.at.naive_utc() + chrono::TimeDelta::seconds(i64::from(t.from));
    let (first_dst, first_std) = (
        future.iter().position(|t| t.dst)?,
        future.iter().position(|t| !t.dst)?,
    );
    let mut rules = Vec::new();
    for start in [first_dst, first_std] {
        let head = &future[start];
        let kind: Vec<&Transition> = future.iter().filter(|t| t.dst == head.dst).collect();
        let rule = YearlyRule::candidates(local(head))
            .into_iter()
            .find(|rule| {
                kind.iter().all(|t| {
                    t.to == head.to
                        && t.from == head.from
                        && rule.in_year(local(t).year()) == Some(local(t))
                }) && (local(head).year()..horizon.year())
                    .all(|year| kind.iter().any(|t| local(t).year() == year))
            })?;
        rules.push((
            rule,
            Transition {
                at: head.at,
                from: head.from,
                to: head.to,
                dst: head.dst,
                name: head.name.clone(),
            },
        ));
    }
    rules.sort_by_key(|(_, t)| t.at);
    Some(rules)
}

/// A `VTIMEZONE` that holds for every occurrence, however far ahead: the observance in force on
/// `first`, every transition up to `last`, and from then on the zone's current rule as yearly
/// `RRULE`s (a zone without daylight time ends with its last observance, which holds for ever).
/// A zone whose future transitions follow no yearly weekday rule gets every transition for
/// [`MAX_ZONE_YEARS`].
fn write_vtimezone(lines: &mut Lines, tz: Tz, first: NaiveDate, last: NaiveDate) -> Result<()> {
    let first = first.checked_sub_days(Days::new(1)).unwrap_or(first);
    let rules = yearly_rules(tz, last);
    let explicit_end = match &rules {
        Some(rules) => rules.first().map_or(last, |(_, t)| t.at.date_naive()),
        None => add_years(first, MAX_ZONE_YEARS).max(last),
    };
    let start = first.and_time(NaiveTime::MIN).and_utc();
    let (offset, dst, name) = offset_at(tz, start);
    lines.put("BEGIN:VTIMEZONE")?;
    lines.put(&format!("TZID:{}", tz.name()))?;
    let observance = |lines: &mut Lines,
                      dst: bool,
                      local: NaiveDateTime,
                      from: i32,
                      to: i32,
                      name: Option<&str>,
                      rrule: Option<String>|
     -> Result<()> {
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        lines.put(&format!("BEGIN:{kind}"))?;
        lines.put(&format!("DTSTART:{}", local_stamp(local)))?;
        if let Some(rrule) = rrule {
            lines.put(&rrule)?;
        }
        lines.put(&format!("TZOFFSETFROM:{}", offset_text(from)))?;
        lines.put(&format!("TZOFFSETTO:{}", offset_text(to)))?;
        if let Some(name) = name {
            lines.text("TZNAME", name)?;
        }
        lines.put(&format!("END:{kind}"))?;
        Ok(())
    };
    observance(
        lines,
        dst,
        first.and_time(NaiveTime::MIN),
        offset,
        offset,
        name.as_deref(),
        None,
    )?;
    // DTSTART is the local time of the change read in the offset before it.
    let local = |t: &Transition| t.at.naive_utc() + chrono::TimeDelta::seconds(i64::from(t.from));
    let ruled_from = rules.as_ref().and_then(|r| r.first()).map(|(_, t)| t.at);
    for t in transitions(tz, first, explicit_end) {
        if ruled_from.is_some_and(|at| t.at >= at) {
            break;
        }
        observance(
            lines,
            t.dst,
            local(&t),
            t.from,
            t.to,
            t.name.as_deref(),
            None,
        )?;
    }
    for (rule, t) in rules.into_iter().flatten() {
        observance(
            lines,
            t.dst,
            local(&t),
            t.from,
            t.to,
            t.name.as_deref(),
            Some(rule.rrule()),
        )?;
    }
    lines.put("END:VTIMEZONE")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let line = format!("DESCRIPTION:{}", "服药时间表".repeat(20));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for physical in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(
                physical.len() <= MAX_LINE_OCTETS,
                "{} octets",
                physical.len()
            );
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
        let exactly = "X".repeat(75);
        assert_eq!(fold(&exactly), format!("{exactly}\r\n"));
        assert_eq!(
            fold(&"X".repeat(76)),
            format!("{}\r\n X\r\n", "X".repeat(75))
        );
    }

    #[test]
    fn text_values_escape_separators_and_line_breaks() {
        assert_eq!(escape_text("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn offsets_print_as_rfc_5545_utc_offsets() {
        assert_eq!(offset_text(8 * 3600), "+0800");
        assert_eq!(offset_text(-(3 * 3600 + 30 * 60)), "-0330");
        assert_eq!(offset_text(0), "+0000");
        assert_eq!(offset_text(-(17 * 60 + 30)), "-001730");
    }

    #[test]
    fn zone_transitions_are_found_to_the_second() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let first = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let found = transitions(tz, first, last);
        assert_eq!(found.len(), 2);
        // 2025-03-30 01:00 UTC (02:00 CET → 03:00 CEST), 2025-10-26 01:00 UTC.
        assert_eq!(found[0].at.to_rfc3339(), "2025-03-30T01:00:00+00:00");
        assert_eq!(
            (found[0].from, found[0].to, found[0].dst),
            (3600, 7200, true)
        );
        assert_eq!(found[1].at.to_rfc3339(), "2025-10-26T01:00:00+00:00");
        assert!(!found[1].dst);
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        assert!(transitions(shanghai, first, last).is_empty());
    }
}
