//! The clinician report: one self-contained HTML file (no script, no network — a
//! Content-Security-Policy forbids every fetch — charts as inline SVG), laid out to print to PDF
//! on A4, in English or Simplified Chinese (`<html lang>` follows the locale).
//!
//! Contents: a one-screen summary (current state, flags, relapse rate, cumulative steroid,
//! adherence, alerts), what the report contains, the proteinuria timeline (daily level, relapse
//! episodes shaded) over the steroid dose curve, the adherence calendar per medication, the
//! tacrolimus trough and MPA-AUC against their target bands, growth, and the tables behind them.
//! Key numbers and charts carry `data-testid` (and raw values in `data-value`) for automated
//! checks.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;

use chrono::{Datelike, Days, NaiveDate};

use super::snapshot::*;
use super::text::{self, num, percent, round, tr};
use super::Manifest;
use crate::error::Result;
use crate::labs::{LabKind, LevelTarget, TargetFlag};
use crate::locale::Locale;
use crate::model::{DoseOutcome, MedicationId};
use crate::protein::ProteinLevel;
use crate::schedule::DayStatus;

/// Chart width in SVG units (the page scales it).
const WIDTH: f64 = 960.0;
/// Left margin for axis labels.
const LEFT: f64 = 80.0;
/// Right margin.
const RIGHT: f64 = 12.0;
/// Alerts listed in the summary (the full list is further down).
const SUMMARY_ALERTS: usize = 5;

const STYLE: &str = r#"
:root{--ok:#2e7d32;--mid:#ef8f00;--bad:#c62828;--muted:#5f6368}
*{box-sizing:border-box}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI","Helvetica Neue",Arial,"Noto Sans","DejaVu Sans","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;color:#202124;margin:0 auto;max-width:1000px;padding:16px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px;padding-bottom:2px;border-bottom:1px solid #c8c8c8}h3{font-size:13px;margin:10px 0 2px}
.meta{color:var(--muted);margin:0}
.summary{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin-top:10px}
.card{border:1px solid #d0d0d0;border-radius:6px;padding:6px 8px}.card.wide{grid-column:span 2}
.k{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.03em}.v{font-size:18px;font-weight:600}.s{font-size:11px;color:var(--muted)}
.yes{color:var(--bad)}.state-relapse{color:var(--bad)}.state-watch{color:var(--mid)}.state-remission{color:var(--ok)}
ul{margin:4px 0;padding-left:18px}
table{border-collapse:collapse;width:100%;font-size:11.5px}th,td{border-bottom:1px solid #e3e3e3;padding:2px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg{display:block;width:100%;height:auto;margin:4px 0}svg text{font-size:10px;fill:#444}
.axis{stroke:#999;stroke-width:1}.grid{stroke:#e4e4e4;stroke-width:1}
.l-remission{fill:var(--ok)}.l-proteinuria{fill:var(--mid)}.l-nephrotic{fill:var(--bad)}
.relapse{fill:var(--bad);fill-opacity:.13}
.steroid{fill:#6a3fb5;fill-opacity:.28;stroke:#6a3fb5;stroke-width:1}
.infusion line{stroke:#00838f;stroke-width:1.5;stroke-dasharray:3 2}.infusion path{fill:#00838f}
.a-full{fill:#43a047}.a-partial{fill:#f9c02d}.a-none{fill:#e53935}.a-nodose{fill:#f0f0f0}
.band{fill:#43a047;fill-opacity:.16}.pt-in_range{fill:var(--ok)}.pt-below,.pt-above{fill:var(--bad)}.pt-not_a_trough{fill:#fff;stroke:#777}.pt-none{fill:#555}
.line{fill:none;stroke:#1a73e8;stroke-width:1.5}.dot{fill:#1a73e8}
.legend span{display:inline-block;margin-right:12px;font-size:11px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.empty{color:var(--muted);font-style:italic}
@media print{body{max-width:none;padding:0}.card,svg,tr,h3{break-inside:avoid}h2,h3{break-after:avoid}}
.fonts{margin-top:14px}
"#;

/// HTML-escapes text.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Maps dates of `[from, to]` onto the chart's width (one day is `[x(d), x(d + 1))`).
#[derive(Clone, Copy)]
struct TimeAxis {
    from: NaiveDate,
    days: f64,
}

impl TimeAxis {
    fn new(from: NaiveDate, to: NaiveDate) -> Self {
        TimeAxis {
            from,
            days: ((to - from).num_days() + 1).max(1) as f64,
        }
    }

    fn x(&self, date: NaiveDate) -> f64 {
        let offset = (date - self.from).num_days() as f64;
        LEFT + offset.clamp(0.0, self.days) / self.days * (WIDTH - LEFT - RIGHT)
    }

    fn day_width(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.days
    }

    fn end(&self) -> NaiveDate {
        self.from
            .checked_add_days(Days::new(self.days as u64))
            .unwrap_or(self.from)
    }

    /// Tick dates and labels: month starts for short periods, quarters or years for longer ones.
    fn ticks(&self) -> Vec<(NaiveDate, String)> {
        let months_step = match self.days as i64 {
            0..=200 => 1,
            201..=800 => 3,
            801..=2000 => 6,
            _ => 12,
        };
        let mut ticks = Vec::new();
        let mut date =
            NaiveDate::from_ymd_opt(self.from.year(), self.from.month(), 1).unwrap_or(self.from);
        if months_step == 12 {
            date = NaiveDate::from_ymd_opt(self.from.year(), 1, 1).unwrap_or(self.from);
        }
        while date < self.end() && ticks.len() < 200 {
            if date >= self.from {
                let label = if months_step == 12 {
                    format!("{}", date.year())
                } else {
                    date.format("%Y-%m").to_string()
                };
                ticks.push((date, label));
            }
            date = crate::dates::add_months(date, months_step);
        }
        ticks
    }

    /// Vertical grid lines and labels below `bottom`.
    fn draw(&self, svg: &mut String, top: f64, bottom: f64) {
        for (date, label) in self.ticks() {
            let x = self.x(date);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}"/><text x="{x:.1}" y="{}" text-anchor="middle">{label}</text>"#,
                bottom + 12.0
            );
        }
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{}" y2="{bottom}"/>"#,
            WIDTH - RIGHT
        );
    }
}

/// A value axis: `[low, high]` onto `[bottom, top]`.
#[derive(Clone, Copy)]
struct ValueAxis {
    low: f64,
    high: f64,
    top: f64,
    bottom: f64,
}

impl ValueAxis {
    fn y(&self, value: f64) -> f64 {
        let span = (self.high - self.low).max(1e-9);
        self.bottom - ((value - self.low) / span).clamp(0.0, 1.0) * (self.bottom - self.top)
    }

    fn draw(&self, svg: &mut String, unit: &str) {
        for value in [self.low, (self.low + self.high) / 2.0, self.high] {
            let y = self.y(value);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                WIDTH - RIGHT,
                LEFT - 4.0,
                y + 3.0,
                round(value, 1)
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}">{}</text>"#,
            LEFT + 4.0,
            self.top - 4.0,
            esc(unit)
        );
    }
}

/// A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten.
fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|v| *v >= value)
        .unwrap_or(10.0 * power)
}

/// Writes the report.
pub fn write(s: &DiarySnapshot, out: &mut dyn Write) -> Result<()> {
    let l = s.locale;
    let mut h = String::with_capacity(64 * 1024 + s.adherence.calendar.len() * 64);
    let title = tr(l, "export-nephrodiary-report-for-the-care-team");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
        l.tag(),
        esc(title),
        page_rules(s)
    );
    header(&mut h, s, title);
    summary(&mut h, s);
    manifest(&mut h, s);
    proteinuria_chart(&mut h, s);
    adherence_calendars(&mut h, s);
    level_charts(&mut h, s);
    growth_charts(&mut h, s);
    tables(&mut h, s);
    fonts_note(&mut h, s);
    h.push_str("</body>\n</html>\n");
    out.write_all(h.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Who the report is about, as every printed page names them: the name and date of birth, or
/// (de-identified) the export's pseudonym — the same as the CSV tables' — and the age.
fn patient_line(s: &DiarySnapshot) -> String {
    let l = s.locale;
    match (&s.patient.name, s.patient.birth_date) {
        (Some(name), Some(born)) => format!("{name} · {} {born}", tr(l, "export-born-on")),
        _ => format!(
            "{} · {} {}",
            super::csv::patient_label(s),
            s.patient.age_years,
            tr(l, "export-years")
        ),
    }
}

/// A CSS string literal: quotes, backslashes and line breaks escaped, and `<` too (the rules sit
/// inside `<style>`).
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\3C "),
            '\n' | '\r' => out.push_str("\\A "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Printed pages: A4, and in every page's margins the patient (name and date of birth, or
/// pseudonym and age), the report and its period, and "page N of M" (CSS page margin boxes).
fn page_rules(s: &DiarySnapshot) -> String {
    let l = s.locale;
    let page = tr(l, "export-css-page-n-of-m");
    let report = format!(
        "NephroDiary · {} {} – {}",
        tr(l, "export-period"),
        s.from,
        s.to
    );
    format!(
        "@page{{size:A4;margin:16mm 12mm 14mm;\
         @top-left{{content:{};font:10px sans-serif;color:#202124}}\
         @top-right{{content:{};font:10px sans-serif;color:#5f6368}}\
         @bottom-right{{{page};font:10px sans-serif;color:#5f6368}}}}\n",
        css_string(&patient_line(s)),
        css_string(&report)
    )
}

/// What the report needs to print as it looks: the fonts it names, for Western and Chinese
/// systems.
fn fonts_note(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let _ = writeln!(
        h,
        "<p class=\"s fonts\" data-testid=\"fonts\">{}</p>",
        esc(tr(l, "export-fonts-the-system-s-sans-serif"))
    );
}

fn header(h: &mut String, s: &DiarySnapshot, title: &str) {
    let l = s.locale;
    let p = &s.patient;
    let who = match &p.name {
        Some(name) => esc(name),
        None => format!(
            "{} ({})",
            esc(&super::csv::patient_label(s)),
            esc(tr(l, "export-de-identified"))
        ),
    };
    let mut facts = vec![
        format!("{} {}", p.age_years, tr(l, "export-years")),
        text::sex(p.sex, l).to_string(),
    ];
    if let Some(birth) = p.birth_date {
        facts.push(format!("{} {birth}", tr(l, "export-born-on")));
    }
    if let Some(zone) = &p.time_zone_name {
        facts.push(esc(zone));
    }
    facts.push(format!(
        "{} {}",
        tr(l, "export-relapse-definitions"),
        p.definitions.id()
    ));
    // De-identified: no generation time (see deidentify's module doc).
    let generated = s
        .generated_at
        .map(|at| {
            format!(
                " · {} {}",
                tr(l, "export-generated"),
                at.format("%Y-%m-%d %H:%M UTC")
            )
        })
        .unwrap_or_default();
    let _ = write!(
        h,
        "<header>\n<h1 data-testid=\"report-title\">{}</h1>\n<p class=\"meta\" data-testid=\"patient\"><strong>{who}</strong> · {}</p>\n\
         <p class=\"meta\" data-testid=\"period\" data-from=\"{}\" data-to=\"{}\">{} {} – {}{generated}</p>\n</header>\n",
        esc(title),
        facts.join(" · "),
        s.from,
        s.to,
        tr(l, "export-period-heading"),
        s.from,
        s.to,
    );
}

fn card(
    h: &mut String,
    testid: &str,
    label: &str,
    value: &str,
    data_value: &str,
    class: &str,
    sub: &str,
) {
    let _ = writeln!(
        h,
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v {class}\" data-testid=\"{testid}\" data-value=\"{}\">{value}</div>{sub}</div>",
        esc(label),
        esc(data_value)
    );
}

/// Whether the report shows a drug level's chart and card: the child takes the drug (a regimen
/// of it in the export) or has a result of it in the period. No chart for a drug not taken.
fn charted(s: &DiarySnapshot, kind: LabKind) -> bool {
    let drug = match kind {
        LabKind::TacrolimusTrough => crate::drug::Drug::Tacrolimus,
        LabKind::MpaAuc => crate::drug::Drug::MycophenolateMofetil,
        _ => return true,
    };
    s.medications
        .iter()
        .any(|m| m.medicine.drug() == Some(drug))
        || s.labs.iter().any(|lab| lab.kind == kind)
}

fn latest_level(s: &DiarySnapshot, kind: LabKind) -> Option<&LabView> {
    s.labs.iter().rev().find(|lab| lab.kind == kind)
}

fn summary(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let r = &s.relapse;
    let _ = write!(
        h,
        "<section data-testid=\"summary\">\n<h2>{}</h2>\n<div class=\"summary\">\n",
        tr(l, "export-summary")
    );
    card(
        h,
        "current-state",
        tr(l, "export-current-state"),
        &esc(text::state(r.state, l)),
        r.state.id(),
        &format!("state-{}", r.state.id()),
        &format!("<div class=\"s\">{} {}</div>", tr(l, "export-as-of"), s.to),
    );
    let yes_no = |b: bool| {
        if b {
            tr(l, "export-yes")
        } else {
            tr(l, "export-no")
        }
    };
    let _ = writeln!(
        h,
        "<div class=\"card\" data-testid=\"flags\"><div class=\"k\">{}</div>\
         <div>{}: <strong class=\"{}\" data-testid=\"flag-frequently-relapsing\" data-value=\"{}\">{}</strong></div>\
         <div>{}: <strong class=\"{}\" data-testid=\"flag-steroid-dependent\" data-value=\"{}\">{}</strong></div></div>",
        tr(l, "export-flags"),
        tr(l, "export-frequently-relapsing"),
        if r.frequently_relapsing { "yes" } else { "" },
        r.frequently_relapsing,
        yes_no(r.frequently_relapsing),
        tr(l, "export-steroid-dependent"),
        if r.steroid_dependent { "yes" } else { "" },
        r.steroid_dependent,
        yes_no(r.steroid_dependent),
    );
    let rate = r.relapse_rate_per_year.map_or_else(
        || "–".to_string(),
        |v| format!("{} / {}", round(v, 2), tr(l, "export-year")),
    );
    card(
        h,
        "relapse-rate",
        tr(l, "export-relapse-rate"),
        &rate,
        &r.relapse_rate_per_year.map(|v| format!("{v}")).unwrap_or_default(),
        "",
        &format!(
            "<div class=\"s\">{}: <span data-testid=\"relapse-count\" data-value=\"{}\">{}</span></div>",
            tr(l, "export-relapses-in-the-period"),
            r.relapses_in_period,
            r.relapses_in_period
        ),
    );
    let steroid = &s.cumulative_steroid;
    let (value, data, sub) = match &steroid.planned {
        Some(e) => (
            format!("{} mg", round(e.mg, 1)),
            format!("{}", e.mg),
            format!(
                "{} mg/kg{} · {}",
                round(e.mg_per_kg, 1),
                e.mg_per_m2
                    .map(|m| format!(" · {} mg/m²", round(m, 0)))
                    .unwrap_or_default(),
                tr(l, "export-by-the-taper-calendar")
            ),
        ),
        None => (
            "–".to_string(),
            String::new(),
            tr(l, "export-no-steroid-course-in-the-period").to_string(),
        ),
    };
    card(
        h,
        "cumulative-steroid",
        tr(l, "export-cumulative-steroid"),
        &value,
        &data,
        "",
        &format!(
            "<div class=\"s\">{sub}</div><div class=\"s\">{}: <span data-testid=\"steroid-taken\" data-value=\"{}\">{} mg</span></div>",
            tr(l, "export-logged-as-taken"),
            steroid.taken.map_or(0.0, |t| t.mg),
            round(steroid.taken.map_or(0.0, |t| t.mg), 1)
        ),
    );
    let a = &s.adherence;
    let mut per_med = String::new();
    for m in &a.medications {
        let _ = write!(
            per_med,
            "<div class=\"s\">{}: <span data-testid=\"adherence-{}\" data-value=\"{}\">{}</span></div>",
            esc(&m.medicine.name(l)),
            m.medication,
            m.summary.taken_rate.map(|v| v.to_string()).unwrap_or_default(),
            percent(m.summary.taken_rate)
        );
    }
    card(
        h,
        "adherence-overall",
        tr(l, "export-doses-taken"),
        &percent(a.overall.taken_rate),
        &a.overall
            .taken_rate
            .map(|v| v.to_string())
            .unwrap_or_default(),
        "",
        &format!(
            "<div class=\"s\">{} / {} {} · {} {}</div>{per_med}",
            a.overall.taken,
            a.overall.scheduled,
            tr(l, "export-scheduled-doses-taken"),
            tr(l, "export-on-time"),
            percent(a.overall.on_time_rate)
        ),
    );
    for (testid, kind, label) in [
        (
            "latest-trough",
            LabKind::TacrolimusTrough,
            tr(l, "export-latest-tacrolimus-trough"),
        ),
        (
            "latest-mpa-auc",
            LabKind::MpaAuc,
            tr(l, "export-latest-mpa-auc"),
        ),
    ] {
        if !charted(s, kind) {
            continue;
        }
        let (value, data, sub) = match latest_level(s, kind) {
            Some(lab) => (
                text::with_unit(lab.value, lab.unit),
                num(lab.value),
                format!(
                    "<div class=\"s\">{} · {}</div>",
                    lab.drawn_at.date_naive(),
                    lab.flag.map(|f| text::flag(f, l)).unwrap_or("")
                ),
            ),
            None => ("–".to_string(), String::new(), String::new()),
        };
        card(h, testid, label, &esc(&value), &data, "", &sub);
    }
    let _ = write!(
        h,
        "<div class=\"card wide\" data-testid=\"alerts\"><div class=\"k\">{}</div><div class=\"v\" data-testid=\"alert-count\" data-value=\"{}\">{}</div><ul>",
        tr(l, "export-alerts-in-the-period"),
        s.alerts.len(),
        s.alerts.len()
    );
    for alert in s.alerts.iter().take(SUMMARY_ALERTS) {
        let _ = write!(h, "<li>{}</li>", esc(&text::alert_line(alert, l)));
    }
    if s.alerts.len() > SUMMARY_ALERTS {
        let _ = write!(h, "<li>… {}</li>", tr(l, "export-see-the-full-list-below"));
    }
    h.push_str("</ul></div>\n</div>\n</section>\n");
}

fn manifest(h: &mut String, s: &DiarySnapshot) {
    let m = Manifest::of(s);
    let _ = write!(
        h,
        "<section data-testid=\"manifest\">\n<h2>{}</h2>\n<ul>",
        esc(&m.title)
    );
    for line in &m.lines {
        let _ = write!(h, "<li>{}</li>", esc(line));
    }
    h.push_str("</ul>\n</section>\n");
}

fn level_class(level: ProteinLevel) -> &'static str {
    match level {
        ProteinLevel::Remission => "l-remission",
        ProteinLevel::Proteinuria => "l-proteinuria",
        ProteinLevel::Nephrotic => "l-nephrotic",
    }
}

/// The proteinuria timeline (one coloured mark per day, in the lane of its level; relapse
/// episodes shaded) above the steroid dose curve (mg per day, all courses together).
fn proteinuria_chart(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let axis = TimeAxis::new(s.from, s.to);
    let (lanes_top, lane_height) = (14.0, 26.0);
    let (steroid_top, steroid_bottom) = (134.0, 240.0);
    let height = steroid_bottom + 22.0;
    let days: Vec<&_> = s
        .day_levels
        .iter()
        .filter(|d| (s.from..=s.to).contains(&d.date))
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg data-testid="chart-proteinuria" data-days="{}" data-relapses="{}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}">"#,
        days.len(),
        s.relapse.episodes.len(),
        esc(tr(l, "export-proteinuria-and-steroid-dose"))
    );
    for episode in &s.relapse.episodes {
        let start = axis.x(episode.onset.max(s.from));
        let end = episode
            .remission_onset
            .map_or(WIDTH - RIGHT, |date| axis.x(date.min(axis.end())));
        let _ = write!(
            svg,
            r#"<rect class="relapse" data-testid="relapse-episode" x="{start:.1}" y="4" width="{:.1}" height="{}"/>"#,
            (end - start).max(1.0),
            steroid_bottom - 4.0
        );
    }
    for (i, level) in [
        ProteinLevel::Nephrotic,
        ProteinLevel::Proteinuria,
        ProteinLevel::Remission,
    ]
    .into_iter()
    .enumerate()
    {
        let y = lanes_top + i as f64 * (lane_height + 4.0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 4.0,
            y + 16.0,
            esc(text::level(level, l))
        );
    }
    // Runs of consecutive days at one level become one rectangle.
    let mut runs: Vec<(NaiveDate, NaiveDate, ProteinLevel)> = Vec::new();
    for day in &days {
        match runs.last_mut() {
            Some(run) if run.2 == day.level && run.1.succ_opt() == Some(day.date) => {
                run.1 = day.date
            }
            _ => runs.push((day.date, day.date, day.level)),
        }
    }
    for (first, last, level) in runs {
        let lane = match level {
            ProteinLevel::Nephrotic => 0.0,
            ProteinLevel::Proteinuria => 1.0,
            ProteinLevel::Remission => 2.0,
        };
        let x = axis.x(first);
        let width = (axis.x(last) + axis.day_width() - x).max(1.2);
        let _ = write!(
            svg,
            r#"<rect class="{}" x="{x:.2}" y="{:.1}" width="{width:.2}" height="{lane_height}"/>"#,
            level_class(level),
            lanes_top + lane * (lane_height + 4.0)
        );
    }
    // Steroid mg per day, all courses summed.
    let mut per_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for day in s
        .steroid_days
        .iter()
        .filter(|d| (s.from..=s.to).contains(&d.date))
    {
        *per_day.entry(day.date).or_default() += day.mg;
    }
    let max_mg = per_day.values().copied().fold(0.0, f64::max);
    let values = ValueAxis {
        low: 0.0,
        high: nice_ceiling(max_mg.max(5.0)),
        top: steroid_top,
        bottom: steroid_bottom,
    };
    values.draw(&mut svg, tr(l, "export-steroid-mg-day"));
    if per_day.is_empty() {
        let _ = write!(
            svg,
            r#"<text class="empty" x="{}" y="{}">{}</text>"#,
            LEFT + 8.0,
            (steroid_top + steroid_bottom) / 2.0,
            esc(tr(l, "export-no-steroid-in-the-period"))
        );
    } else {
        let mut path = String::new();
        let mut previous: Option<(NaiveDate, f64)> = None;
        for (date, mg) in &per_day {
            let contiguous = previous.is_some_and(|(p, _)| p.succ_opt() == Some(*date));
            if !contiguous {
                if let Some((p, _)) = previous {
                    let _ = write!(
                        path,
                        "L{:.2} {:.1}",
                        axis.x(p) + axis.day_width(),
                        steroid_bottom
                    );
                }
                let _ = write!(path, "M{:.2} {:.1}", axis.x(*date), steroid_bottom);
            }
            let (x, y) = (axis.x(*date), values.y(*mg));
            if previous.is_none_or(|(_, m)| (m - mg).abs() > 1e-9) || !contiguous {
                let _ = write!(path, "L{x:.2} {y:.1}");
            }
            let _ = write!(path, "L{:.2} {y:.1}", x + axis.day_width());
            previous = Some((*date, *mg));
        }
        if let Some((p, _)) = previous {
            let _ = write!(
                path,
                "L{:.2} {:.1}Z",
                axis.x(p) + axis.day_width(),
                steroid_bottom
            );
        }
        let _ = write!(
            svg,
            r#"<path class="steroid" data-testid="steroid-curve" d="{path}"/>"#
        );
    }
    // Infusions given in hospital (clinical-rules §12: rituximab): a marker on their day.
    let infusions: Vec<&InfusionView> = s
        .infusions
        .iter()
        .filter(|i| (s.from..=s.to).contains(&i.date))
        .collect();
    for infusion in &infusions {
        let x = axis.x(infusion.date) + axis.day_width() / 2.0;
        let _ = write!(
            svg,
            r#"<g class="infusion" data-testid="infusion-marker" data-date="{}"><title>{}</title><line x1="{x:.2}" y1="4" x2="{x:.2}" y2="{steroid_bottom}"/><path d="M{:.2} 2L{:.2} 2L{x:.2} 10Z"/></g>"#,
            infusion.date,
            esc(&infusion_line(infusion, l)),
            x - 4.0,
            x + 4.0,
        );
    }
    axis.draw(&mut svg, lanes_top, steroid_bottom);
    svg.push_str("</svg>");
    let infusion_legend = if infusions.is_empty() {
        String::new()
    } else {
        format!(
            "<span><i class=\"sw\" style=\"background:#00838f\"></i>{}</span>",
            tr(l, "export-infusion")
        )
    };
    let _ = write!(
        h,
        "<section>\n<h2>{}</h2>\n{svg}\n<div class=\"legend\"><span><i class=\"sw\" style=\"background:#2e7d32\"></i>{}</span>\
         <span><i class=\"sw\" style=\"background:#ef8f00\"></i>{}</span><span><i class=\"sw\" style=\"background:#c62828\"></i>{}</span>\
         <span><i class=\"sw\" style=\"background:rgba(198,40,40,.2)\"></i>{}</span><span><i class=\"sw\" style=\"background:rgba(106,63,181,.4)\"></i>{}</span>{infusion_legend}</div>\n</section>\n",
        tr(l, "export-proteinuria-daily-level-and-steroid-dose"),
        esc(text::level(ProteinLevel::Remission, l)),
        esc(text::level(ProteinLevel::Proteinuria, l)),
        esc(text::level(ProteinLevel::Nephrotic, l)),
        tr(l, "export-relapse-episode"),
        tr(l, "export-steroid-mg-day-taper-calendar"),
    );
}

fn status_class(status: DayStatus) -> &'static str {
    match status {
        DayStatus::Full => "a-full",
        DayStatus::Partial => "a-partial",
        DayStatus::NoneTaken => "a-none",
        DayStatus::NoDose => "a-nodose",
    }
}

/// One calendar per medication: a row per month, a cell per day coloured by what was taken.
fn adherence_calendars(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let a = &s.adherence;
    let _ = write!(
        h,
        "<section>\n<h2>{} ({} – {})</h2>\n<div class=\"legend\"><span><i class=\"sw a\" style=\"background:#43a047\"></i>{}</span>\
         <span><i class=\"sw\" style=\"background:#f9c02d\"></i>{}</span><span><i class=\"sw\" style=\"background:#e53935\"></i>{}</span>\
         <span><i class=\"sw\" style=\"background:#f0f0f0\"></i>{}</span></div>\n",
        tr(l, "export-adherence-calendar"),
        a.from,
        a.to,
        tr(l, "export-all-doses-taken"),
        tr(l, "export-some-taken"),
        tr(l, "export-none-taken"),
        tr(l, "export-no-dose-scheduled"),
    );
    if a.medications.is_empty() {
        let _ = write!(
            h,
            "<p class=\"empty\">{}</p>",
            tr(l, "export-no-medication-in-the-period")
        );
    }
    let names: HashMap<&MedicationId, String> = s
        .medications
        .iter()
        .map(|m| (&m.id, text::medication(m, l)))
        .collect();
    let (cell, gap, label_width) = (11.0, 2.0, 60.0);
    for m in &a.medications {
        let id = m.medication.to_string();
        let mut rows: BTreeMap<(i32, u32), Vec<(u32, DayStatus)>> = BTreeMap::new();
        for day in &a.calendar {
            if let Some(entry) = day.medications.iter().find(|e| e.medication_id == id) {
                rows.entry((day.date.year(), day.date.month()))
                    .or_default()
                    .push((day.date.day(), entry.status));
            }
        }
        let height = rows.len() as f64 * (cell + gap) + 16.0;
        let width = label_width + 31.0 * (cell + gap) + 4.0;
        let _ = write!(
            h,
            "<h3>{}</h3><p class=\"s\">{} {} / {} · {} {} · {} {} · {} {}</p>\n\
             <svg data-testid=\"chart-adherence\" data-medication=\"{id}\" data-days=\"{}\" viewBox=\"0 0 {width} {height}\" style=\"max-width:{width}px\">",
            esc(names.get(&m.medication).map_or(id.as_str(), String::as_str)),
            tr(l, "export-taken"),
            m.summary.taken,
            m.summary.scheduled,
            tr(l, "export-skipped"),
            m.summary.skipped,
            tr(l, "export-not-logged"),
            m.summary.missed,
            tr(l, "export-taken-rate"),
            percent(m.summary.taken_rate),
            rows.values().map(Vec::len).sum::<usize>(),
        );
        for day in 1..=31u32 {
            if day == 1 || day % 5 == 0 {
                let _ = write!(
                    h,
                    r#"<text x="{:.1}" y="10" text-anchor="middle">{day}</text>"#,
                    label_width + (day - 1) as f64 * (cell + gap) + cell / 2.0
                );
            }
        }
        for (row, ((year, month), days)) in rows.iter().enumerate() {
            let y = 14.0 + row as f64 * (cell + gap);
            let _ = write!(
                h,
                r#"<text x="0" y="{:.1}">{year}-{month:02}</text>"#,
                y + cell - 2.0
            );
            for (day, status) in days {
                let _ = write!(
                    h,
                    r#"<rect class="{}" x="{:.0}" y="{y:.0}" width="{cell}" height="{cell}"/>"#,
                    status_class(*status),
                    label_width + (*day - 1) as f64 * (cell + gap)
                );
            }
        }
        h.push_str("</svg>\n");
    }
    h.push_str("</section>\n");
}

/// A drug-level chart: every result of `kind` over the period against its target band.
fn level_chart(
    h: &mut String,
    s: &DiarySnapshot,
    kind: LabKind,
    testid: &str,
    target: LevelTarget,
    unit: &str,
    title: &str,
) {
    let l = s.locale;
    let axis = TimeAxis::new(s.from, s.to);
    let points: Vec<&LabView> = s.labs.iter().filter(|lab| lab.kind == kind).collect();
    let (top, bottom) = (14.0, 150.0);
    let max_value = points
        .iter()
        .map(|p| p.value)
        .chain(target.high)
        .chain(target.low)
        .fold(0.0, f64::max);
    let values = ValueAxis {
        low: 0.0,
        high: nice_ceiling(max_value * 1.1),
        top,
        bottom,
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg data-testid="{testid}" data-count="{}" viewBox="0 0 {WIDTH} {}" role="img" aria-label="{}">"#,
        points.len(),
        bottom + 22.0,
        esc(title)
    );
    let band_low = values.y(target.low.unwrap_or(0.0));
    let band_high = values.y(target.high.unwrap_or(values.high));
    let _ = write!(
        svg,
        r#"<rect class="band" data-testid="{testid}-band" x="{LEFT}" y="{band_high:.1}" width="{:.1}" height="{:.1}"/>"#,
        WIDTH - LEFT - RIGHT,
        (band_low - band_high).max(0.0)
    );
    values.draw(&mut svg, unit);
    axis.draw(&mut svg, top, bottom);
    if points.is_empty() {
        let _ = write!(
            svg,
            r#"<text class="empty" x="{}" y="{}">{}</text>"#,
            LEFT + 8.0,
            (top + bottom) / 2.0,
            esc(tr(l, "export-no-results-in-the-period"))
        );
    }
    for p in &points {
        let class = p.flag.map_or("pt-none", |f| match f {
            TargetFlag::InRange => "pt-in_range",
            TargetFlag::Below => "pt-below",
            TargetFlag::Above => "pt-above",
            TargetFlag::NotATrough => "pt-not_a_trough",
        });
        let _ = write!(
            svg,
            r#"<circle class="{class}" data-value="{}" cx="{:.1}" cy="{:.1}" r="3.5"><title>{} {} {unit}</title></circle>"#,
            num(p.value),
            axis.x(p.drawn_at.date_naive()) + axis.day_width() / 2.0,
            values.y(p.value),
            text::instant(&p.drawn_at),
            num(p.value)
        );
    }
    svg.push_str("</svg>");
    let band_text = match (target.low, target.high) {
        (Some(low), Some(high)) => format!("{}–{} {unit}", num(low), num(high)),
        (None, Some(high)) if target.high_inclusive => format!("≤ {} {unit}", num(high)),
        (None, Some(high)) => format!("< {} {unit}", num(high)),
        (Some(low), None) => format!("≥ {} {unit}", num(low)),
        (None, None) => "–".to_string(),
    };
    let _ = write!(
        h,
        "<h3>{} <span class=\"s\">({} {band_text})</span></h3>\n{svg}\n",
        esc(title),
        tr(l, "export-target-band")
    );
}

fn level_charts(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let _ = write!(
        h,
        "<section>\n<h2>{}</h2>\n",
        tr(l, "export-drug-levels-against-their-targets")
    );
    if charted(s, LabKind::TacrolimusTrough) {
        level_chart(
            h,
            s,
            LabKind::TacrolimusTrough,
            "chart-trough",
            s.targets.tacrolimus_trough,
            "ng/mL",
            tr(l, "export-tacrolimus-trough"),
        );
    }
    if charted(s, LabKind::MpaAuc) {
        level_chart(
            h,
            s,
            LabKind::MpaAuc,
            "chart-mpa-auc",
            s.targets.mpa_auc,
            "µg·h/mL",
            tr(l, "export-mpa-auc"),
        );
    }
    let _ = write!(
        h,
        "<p class=\"s\">{}</p>\n</section>\n",
        tr(l, "export-open-circles-tacrolimus-levels-not-drawn")
    );
}

/// A line chart of one body measure over the period.
fn series_chart(
    h: &mut String,
    s: &DiarySnapshot,
    testid: &str,
    title: &str,
    unit: &str,
    points: &[(NaiveDate, f64)],
) {
    let l = s.locale;
    let axis = TimeAxis::new(s.from, s.to);
    let (top, bottom) = (14.0, 110.0);
    let low = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let high = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if points.is_empty() {
        (0.0, 1.0)
    } else {
        ((low * 0.95).floor(), (high * 1.05).ceil().max(low + 1.0))
    };
    let values = ValueAxis {
        low,
        high,
        top,
        bottom,
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg data-testid="{testid}" data-count="{}" viewBox="0 0 {WIDTH} {}" role="img" aria-label="{}">"#,
        points.len(),
        bottom + 22.0,
        esc(title)
    );
    values.draw(&mut svg, unit);
    axis.draw(&mut svg, top, bottom);
    if points.is_empty() {
        let _ = write!(
            svg,
            r#"<text class="empty" x="{}" y="{}">{}</text>"#,
            LEFT + 8.0,
            (top + bottom) / 2.0,
            esc(tr(l, "export-no-measurement-in-the-period"))
        );
    } else {
        let path: Vec<String> = points
            .iter()
            .map(|(d, v)| {
                format!(
                    "{:.1},{:.1}",
                    axis.x(*d) + axis.day_width() / 2.0,
                    values.y(*v)
                )
            })
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="line" points="{}"/>"#,
            path.join(" ")
        );
        for (d, v) in points {
            let _ = write!(
                svg,
                r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="2.5"><title>{d} {} {unit}</title></circle>"#,
                axis.x(*d) + axis.day_width() / 2.0,
                values.y(*v),
                num(*v)
            );
        }
    }
    svg.push_str("</svg>");
    let _ = write!(h, "<h3>{}</h3>\n{svg}\n", esc(title));
}

fn growth_charts(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let _ = write!(h, "<section>\n<h2>{}</h2>\n", tr(l, "export-growth"));
    let weights: Vec<(NaiveDate, f64)> = s
        .growth
        .iter()
        .filter_map(|g| g.weight_kg.map(|w| (g.date, w)))
        .collect();
    let heights: Vec<(NaiveDate, f64)> = s
        .growth
        .iter()
        .filter_map(|g| g.height_cm.map(|c| (g.date, c)))
        .collect();
    series_chart(h, s, "chart-weight", tr(l, "export-weight"), "kg", &weights);
    series_chart(h, s, "chart-height", tr(l, "export-height"), "cm", &heights);
    if !s.blood_pressures.is_empty() {
        open_table(
            h,
            "<h3>",
            tr(l, "export-blood-pressure"),
            "table-blood-pressure",
            &[
                tr(l, "export-measured"),
                tr(l, "export-systolic-mm-hg"),
                tr(l, "export-diastolic-mm-hg"),
            ],
        );
        for bp in &s.blood_pressures {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                bp.measured_at.format("%Y-%m-%d %H:%M"),
                num(bp.systolic_mmhg),
                num(bp.diastolic_mmhg)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
}

/// Writes a heading (`<h2>` or `<h3>`) and opens a table with its header row; the labels are
/// the project's own fixed texts, the test id is what the report's DOM tests look for.
fn open_table(h: &mut String, heading: &str, title: &str, test_id: &str, headers: &[&str]) {
    let close = heading.replace('<', "</");
    let _ = write!(
        h,
        "{heading}{title}{close}\n<table data-testid=\"{test_id}\"><tr>"
    );
    for header in headers {
        let _ = write!(h, "<th>{header}</th>");
    }
    h.push_str("</tr>");
}

/// An infusion as the report reads it: "Rituximab 450 mg · 375 mg/m² (1.2 m²)", or with "no
/// height or weight recorded by then" when its body surface area is unknown (clinical-rules §2,
/// §12).
fn infusion_line(infusion: &InfusionView, l: Locale) -> String {
    format!(
        "{} {} mg · {}",
        infusion.medicine.name(l),
        num(infusion.mg),
        infusion_per_m2(infusion, l)
    )
}

/// "375 mg/m² (1.2 m²)": the infusion's mg per m² of the body surface area on its day.
fn infusion_per_m2(infusion: &InfusionView, l: Locale) -> String {
    match (infusion.mg_per_m2, infusion.bsa_m2) {
        (Some(per_m2), Some(bsa)) => format!("{} mg/m² ({} m²)", round(per_m2, 0), round(bsa, 2)),
        _ => tr(l, "export-no-height-or-weight-recorded").to_string(),
    }
}

/// The infusions given in hospital in the period, when there are any (clinical-rules §12).
fn infusion_table(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    if s.infusions.is_empty() {
        return;
    }
    open_table(
        h,
        "<h2>",
        tr(l, "export-infusions"),
        "table-infusions",
        &[
            tr(l, "export-infusion-date"),
            tr(l, "export-medication"),
            tr(l, "export-dose"),
            tr(l, "export-mg-per-m2"),
        ],
    );
    for infusion in &s.infusions {
        let _ = write!(
            h,
            "<tr data-testid=\"infusion-row\"><td>{}</td><td>{}</td><td class=\"n\">{} mg</td><td>{}</td></tr>",
            infusion.date,
            esc(&infusion.medicine.name(l)),
            num(infusion.mg),
            esc(&infusion_per_m2(infusion, l))
        );
    }
    h.push_str("</table>\n");
}

/// The family's notes on logged doses in the period ("spat out half, gave again"), when any
/// dose has one: its slot, medication, outcome and note. A de-identified export has no notes
/// (free text), so never this table.
fn dose_notes_table(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    let noted: Vec<_> = s.doses.iter().filter(|d| d.note.is_some()).collect();
    if noted.is_empty() {
        return;
    }
    open_table(
        h,
        "<h2>",
        tr(l, "export-dose-notes"),
        "table-dose-notes",
        &[
            tr(l, "export-slot"),
            tr(l, "export-medication"),
            tr(l, "export-outcome"),
            tr(l, "export-notes"),
        ],
    );
    for d in noted {
        let _ = write!(
            h,
            "<tr data-testid=\"dose-note-row\"><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.slot_date,
            text::hhmm(d.slot_time),
            esc(&d.medicine.name(l)),
            match d.outcome {
                DoseOutcome::Taken => tr(l, "export-taken"),
                DoseOutcome::Skipped => tr(l, "export-skipped"),
            },
            esc(d.note.as_deref().unwrap_or_default())
        );
    }
    h.push_str("</table>\n");
}

fn tables(h: &mut String, s: &DiarySnapshot) {
    let l = s.locale;
    h.push_str("<section>\n");
    open_table(
        h,
        "<h2>",
        tr(l, "export-medications"),
        "table-medications",
        &[
            tr(l, "export-medication"),
            tr(l, "export-dose"),
            tr(l, "export-times"),
            tr(l, "export-from"),
            tr(l, "export-to"),
        ],
    );
    for m in &s.medications {
        let dose = match &m.kind {
            MedicationKind::Regimen {
                per_dose_mg,
                mg_per_kg_per_day,
                weight_kg,
                ..
            } => format!(
                "{} mg {} ({} mg/kg/{} · {} kg)",
                num(*per_dose_mg),
                tr(l, "export-per-dose"),
                round(*mg_per_kg_per_day, 3),
                tr(l, "export-day"),
                num(*weight_kg)
            ),
            MedicationKind::Course {
                total_mg,
                provisional,
                template,
                concentration_mg_per_ml,
                ..
            } => format!(
                "{}{}{} · {} {} mg{}",
                tr(l, "export-taper-calendar"),
                template
                    .map(|t| format!(" ({})", t.id()))
                    .unwrap_or_default(),
                // Given as an oral solution (clinical-rules §12): its concentration.
                concentration_mg_per_ml
                    .map(|c| format!(" · {} mg/mL", num(c)))
                    .unwrap_or_default(),
                tr(l, "export-total"),
                round(*total_mg, 1),
                if *provisional {
                    tr(l, "export-until-remission-provisional-short")
                } else {
                    ""
                }
            ),
            MedicationKind::Medicine {
                dose_mg, dose_ml, ..
            } => {
                let dose = crate::medicine::record::MedicineDose {
                    mg: *dose_mg,
                    ml: *dose_ml,
                };
                let days = text::medicine_days(&m.kind, l);
                if days.is_empty() {
                    format!("{} {}", dose.text(), tr(l, "export-per-dose"))
                } else {
                    format!("{} {} ({days})", dose.text(), tr(l, "export-per-dose"))
                }
            }
        };
        let times: Vec<String> = m
            .times
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&text::medication(m, l)),
            esc(&dose),
            times.join(", "),
            m.start,
            m.end.map(|d| d.to_string()).unwrap_or_else(|| "–".into())
        );
    }
    h.push_str("</table>\n");
    infusion_table(h, s);
    dose_notes_table(h, s);

    open_table(
        h,
        "<h2>",
        tr(l, "export-relapse-episodes"),
        "table-relapses",
        &[
            tr(l, "export-onset"),
            tr(l, "export-confirmed"),
            tr(l, "export-remission-from"),
        ],
    );
    for e in &s.relapse.episodes {
        let _ = write!(
            h,
            "<tr data-testid=\"relapse-row\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.onset,
            e.confirmed,
            e.remission_onset
                .map(|d| d.to_string())
                .unwrap_or_else(|| tr(l, "export-not-yet").to_string())
        );
    }
    h.push_str("</table>\n");

    open_table(
        h,
        "<h2>",
        tr(l, "export-alerts"),
        "table-alerts",
        &[tr(l, "export-alert")],
    );
    for alert in &s.alerts {
        let _ = write!(h, "<tr><td>{}</td></tr>", esc(&text::alert_line(alert, l)));
    }
    if s.alerts.is_empty() {
        let _ = write!(
            h,
            "<tr><td class=\"empty\">{}</td></tr>",
            tr(l, "export-none-in-the-period")
        );
    }
    h.push_str("</table>\n");

    open_table(
        h,
        "<h2>",
        tr(l, "export-laboratory-results"),
        "table-labs",
        &[
            tr(l, "export-drawn"),
            tr(l, "export-test"),
            tr(l, "export-value"),
            tr(l, "export-flag"),
            tr(l, "export-notes"),
        ],
    );
    // One unit per test over the period: haemoglobin and creatinine in the unit of their latest
    // result (the rules' conversions, labs::convert_value); a converted value says so.
    let display_unit = |kind: LabKind| {
        s.labs
            .iter()
            .rev()
            .find(|lab| lab.kind == kind)
            .map(|lab| lab.unit)
    };
    for lab in &s.labs {
        let shown = display_unit(lab.kind)
            .filter(|unit| *unit != lab.unit)
            .and_then(|unit| {
                crate::labs::convert_value(lab.kind, lab.value, lab.unit, unit).map(|v| (v, unit))
            });
        let (value, unit) = shown.unwrap_or((lab.value, lab.unit));
        let mut notes: Vec<String> = Vec::new();
        if shown.is_some() {
            notes.push(format!(
                "{} {}",
                tr(l, "export-reported-as"),
                text::with_unit(lab.value, lab.unit)
            ));
        }
        if let Some(egfr) = lab.egfr {
            notes.push(format!("eGFR {} mL/min/1.73 m²", round(egfr, 0)));
        }
        let mut flags: Vec<(String, &str)> = Vec::new();
        if let Some(flag) = lab.flag {
            let class = if flag == TargetFlag::InRange {
                ""
            } else {
                "yes"
            };
            flags.push((text::flag(flag, l).to_string(), class));
        }
        for alert in &lab.alerts {
            let label = if alert.kind.is_informational() {
                text::alert_kind(alert.kind, l).to_string()
            } else {
                format!(
                    "{}: {}",
                    tr(l, "export-safety-alert-lower"),
                    text::alert_kind(alert.kind, l)
                )
            };
            let class = if alert.kind.is_informational() {
                ""
            } else {
                "yes"
            };
            flags.push((label, class));
        }
        let flag_codes: Vec<&str> = lab
            .flag
            .map(|f| f.id())
            .into_iter()
            .chain(lab.alerts.iter().map(|a| a.kind.id()))
            .collect();
        let flag_html: Vec<String> = flags
            .iter()
            .map(|(text, class)| format!("<span class=\"{class}\">{}</span>", esc(text)))
            .collect();
        let _ = write!(
            h,
            "<tr data-testid=\"lab-row\" data-kind=\"{}\" data-unit=\"{}\" data-flags=\"{}\"><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            lab.kind.id(),
            esc(text::human_unit(unit)),
            flag_codes.join(" "),
            lab.drawn_at.format("%Y-%m-%d %H:%M"),
            esc(text::lab_kind(lab.kind, l)),
            esc(&text::with_unit(crate::numeric::clean(round_to(value, 2)), unit)),
            flag_html.join("<br>"),
            esc(&notes.join("; "))
        );
    }
    if s.labs.is_empty() {
        let _ = write!(
            h,
            "<tr><td colspan=\"5\" class=\"empty\">{}</td></tr>",
            tr(l, "export-none-in-the-period")
        );
    }
    h.push_str("</table>\n</section>\n");
}

/// A value rounded to `decimals` decimals (a converted lab value: 114.946 µmol/L ÷ 88.42).
fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn axes_round_up_to_readable_bounds() {
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(60.0), 100.0);
        assert_eq!(nice_ceiling(8.0), 10.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn the_time_axis_maps_the_period_onto_the_width() {
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let axis = TimeAxis::new(from, to);
        assert_eq!(axis.x(from), LEFT);
        assert!((axis.x(to) + axis.day_width() - (WIDTH - RIGHT)).abs() < 1e-6);
        assert_eq!(axis.ticks().first().map(|t| t.1.as_str()), Some("2025-01"));
        assert_eq!(axis.ticks().len(), 4);
    }
}
