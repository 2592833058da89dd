//! `nephro demo`: a sample diary for a fictional 6-year-old on tacrolimus, three months of
//! realistic logs, and a readable summary. Every capability adds its own section here.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use nephro_core::body::bsa_mosteller;
use nephro_core::dates::{format_date, parse_date, parse_time_zone};
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::medicine::known::KnownMedicine;
use nephro_core::medicine::record::{
    MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
};
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Patient, Regimen,
    Sex,
};
use nephro_core::schedule::slot_instant;
use nephro_core::store::{DiaryKind, OpenOptions, Store};

use crate::demo_diary::{DemoDiary, SampleRandom};
use crate::terminal::{about, emit, CliResult};

/// The demo child's name; a diary holding any other patient is never overwritten.
pub const DEMO_NAME: &str = "Mei (fictional demo child)";

/// Days of history the demo writes, ending yesterday.
const HISTORY_DAYS: u64 = 90;

/// The demo child's time zone.
const DEMO_TIME_ZONE: &str = "Asia/Shanghai";

/// Builds the demo diary at `path` and prints its summary.
pub fn run(path: &Path, today: Option<&str>) -> CliResult<()> {
    // The demo's today is the child's local date (the diary's zone), as every screen and report
    // of the diary counts it; the machine's own zone would disagree for part of each day.
    let today = match today {
        Some(text) => parse_date("--today", text)?,
        None => nephro_core::schedule::local_date(
            chrono::Utc::now(),
            parse_time_zone("time_zone", DEMO_TIME_ZONE)?,
        ),
    };
    prepare_file(path)?;
    let options = OpenOptions {
        create_as: DiaryKind::Demo,
        ..OpenOptions::default()
    };
    let mut store = Store::open_with(path, &options).map_err(about("--db"))?;
    let demo = seed(&mut store, today)?;
    emit(&summary(&store, &demo, path)?)?;
    emit(&crate::share::demo_section(&store, &demo)?)?;
    emit(&crate::export::demo_report(&store, &demo, path)?)?;
    Ok(())
}

/// Removes an earlier demo diary at `path` (a diary stamped as the demo's, made by this
/// command); refuses any other file, above all a family's diary, and leaves it untouched.
fn prepare_file(path: &Path) -> CliResult<()> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    let store = Store::open(path).map_err(about("--db"))?;
    if store.kind().map_err(about("--db"))? != DiaryKind::Demo {
        return Err(
            "--db: the file is a diary that the demo did not make; choose another path".into(),
        );
    }
    store.close().map_err(about("--db"))?;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if Path::new(&file).exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(())
}

fn seed(store: &mut Store, today: NaiveDate) -> CliResult<DemoDiary> {
    let first_day = today - Days::new(HISTORY_DAYS);
    let birth = NaiveDate::from_ymd_opt(today.year() - 6, 3, 14).ok_or("birth date")?;
    let patient = store.create_patient(&NewPatient {
        display_name: DEMO_NAME.into(),
        birth_date: birth,
        sex: Sex::Female,
        time_zone: DEMO_TIME_ZONE.into(),
        definition_set: "ipna2022".into(),
    })?;
    let clinic_visit = first_day - Days::new(2);
    store.add_measurement(
        patient.id,
        &Measurement {
            global_id: Default::default(),
            id: 0.into(),
            measured_on: clinic_visit,
            weight_kg: Some(20.5),
            height_cm: Some(116.0),
            confirmed: false,
        },
    )?;
    store.add_measurement(
        patient.id,
        &Measurement {
            global_id: Default::default(),
            id: 0.into(),
            measured_on: first_day + Days::new(45),
            weight_kg: Some(21.0),
            height_cm: Some(117.0),
            confirmed: false,
        },
    )?;
    let times = vec![
        NaiveTime::from_hms_opt(8, 0, 0).ok_or("time")?,
        NaiveTime::from_hms_opt(20, 0, 0).ok_or("time")?,
    ];
    let tacrolimus = store.add_regimen(
        patient.id,
        &NewRegimen {
            drug: Drug::Tacrolimus,
            form: "capsule".into(),
            strengths_mg: vec![0.5, 1.0],
            allow_split: false,
            rate: DoseRate::MgPerKgPerDay(0.1),
            times: times.clone(),
            start_date: first_day,
            end_date: None,
            prescribed_by: "Paediatric nephrology clinic".into(),
            prescribed_on: clinic_visit,
            override_range: false,
        },
    )?;
    log_regimen_history(store, &tacrolimus, &patient, first_day, today)?;
    seed_enalapril(store, &patient, clinic_visit, first_day, today)?;
    let demo = DemoDiary {
        patient,
        tacrolimus,
        first_day,
        today,
    };
    crate::labs::seed_demo(store, &demo)?;
    crate::relapse::seed_demo(store, &demo)?;
    crate::taper::seed_demo(store, &demo)?;
    Ok(demo)
}

/// The demo's ACE inhibitor (clinical-rules §12, a supportive medicine): enalapril 2.5 mg once a
/// day at 08:00 from the first day, every morning's dose logged up to today (one forgotten).
fn seed_enalapril(
    store: &mut Store,
    patient: &Patient,
    clinic_visit: NaiveDate,
    first_day: NaiveDate,
    today: NaiveDate,
) -> CliResult<()> {
    let eight = NaiveTime::from_hms_opt(8, 0, 0).ok_or("time")?;
    let medicine = store.add_medicine(&NewMedicine {
        patient_id: patient.id,
        client_id: "demo-medicine-enalapril".into(),
        name: MedicineName::Known(KnownMedicine::Enalapril),
        form: "tablet".into(),
        amount: MedicineAmount::Tablets {
            strength_mg: 2.5,
            units: 1.0,
        },
        schedule: MedicineSchedule {
            times: vec![eight],
            days: MedicineDays::EveryDay,
            start_date: first_day,
            end_date: None,
            course_days: None,
        },
        added_by: format!(
            "Paediatric nephrology clinic, {}",
            format_date(clinic_visit)
        ),
    })?;
    let tz = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let medication = medicine.medication_id();
    let mut random = SampleRandom::new(77);
    let mut day = first_day;
    while day < today {
        // One morning forgotten and never logged, mid-history.
        if day != first_day + Days::new(HISTORY_DAYS / 2) {
            let given_at =
                slot_instant(day, eight, tz).timestamp_millis() + random.between(-10, 30) * 60_000;
            store.log_dose(
                &NewDoseLog::new(
                    format!("demo-{medication}-{}", format_date(day)),
                    medication.clone(),
                    day,
                    eight,
                    DoseOutcome::Taken,
                    given_at,
                    "mother".into(),
                ),
                given_at,
                None,
            )?;
        }
        day = day + Days::new(1);
    }
    Ok(())
}

/// Logs a realistic twice-daily history: most doses on time, some late, a few skipped, a few
/// never logged; the evening dose of today is still ahead.
fn log_regimen_history(
    store: &mut Store,
    regimen: &Regimen,
    patient: &Patient,
    first_day: NaiveDate,
    today: NaiveDate,
) -> CliResult<()> {
    let tz = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let mut random = SampleRandom::new(2026);
    let medication = MedicationId::Regimen(regimen.id);
    let mut day = first_day;
    while day < today {
        for time in &regimen.prescription.times {
            let roll = random.next_unit();
            if roll < 0.02 {
                continue; // forgotten and never logged
            }
            let outcome = if roll < 0.04 {
                DoseOutcome::Skipped
            } else {
                DoseOutcome::Taken
            };
            let late_minutes = if roll > 0.93 {
                random.between(70, 200)
            } else {
                random.between(-15, 35)
            };
            let scheduled = slot_instant(day, *time, tz);
            let given_at = scheduled.timestamp_millis() + late_minutes * 60_000;
            // Logged as it is given: the phone's clock reads the time of the dose.
            store.log_dose(
                &NewDoseLog::new(
                    format!(
                        "demo-{}-{}-{}",
                        medication,
                        format_date(day),
                        time.format("%H%M")
                    ),
                    medication.clone(),
                    day,
                    *time,
                    outcome,
                    given_at,
                    if random.next_unit() < 0.7 {
                        "mother".into()
                    } else {
                        "father".into()
                    },
                ),
                given_at,
                None,
            )?;
        }
        day = day + Days::new(1);
    }
    Ok(())
}

fn summary(store: &Store, demo: &DemoDiary, path: &Path) -> CliResult<String> {
    let mut out = String::new();
    let profile = &demo.patient.profile;
    let measurements = store.measurements(demo.patient.id)?;
    let latest = measurements.last().ok_or("no measurement")?;
    let (weight, height) = (
        latest.weight_kg.unwrap_or(0.0),
        latest.height_cm.unwrap_or(0.0),
    );
    let age = demo.today.years_since(profile.birth_date).unwrap_or(0);
    writeln!(
        out,
        "NephroDiary demo — a fictional family's diary, as of {}",
        format_date(demo.today)
    )?;
    writeln!(out, "Diary file: {}", path.display())?;
    writeln!(out)?;
    writeln!(
        out,
        "Patient   {} — {age} years, {} ({}), relapse definitions {}",
        profile.display_name,
        profile.sex.id(),
        profile.time_zone,
        profile.definition_set
    )?;
    writeln!(
        out,
        "Body      {weight} kg, {height} cm on {}; BSA {:.2} m² (Mosteller)",
        format_date(latest.measured_on),
        bsa_mosteller(height, weight)?
    )?;
    let regimen = &demo.tacrolimus;
    let dose = &regimen.dose;
    let units: Vec<String> = dose
        .units
        .iter()
        .map(|u| format!("{} × {} mg", u.count, u.strength_mg))
        .collect();
    let times: Vec<String> = regimen
        .prescription
        .times
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect();
    writeln!(
        out,
        "Regimen   {} 0.1 mg/kg/day on {} kg, twice daily at {}: {} mg per dose ({}); actual {:.3} mg/kg/day",
        regimen.prescription.drug.display_name(),
        regimen.weight_kg,
        times.join(" and "),
        dose.per_dose_mg,
        units.join(" + "),
        dose.mg_per_kg_per_day
    )?;
    // The regimen's doses only (steroid course doses are counted in their own section).
    let logs: Vec<_> = store
        .dose_logs(demo.patient.id, demo.first_day, demo.today)?
        .into_iter()
        .filter(|l| l.dose.medication == MedicationId::Regimen(regimen.id))
        .collect();
    let taken = logs
        .iter()
        .filter(|l| !l.undone && l.dose.outcome == DoseOutcome::Taken)
        .count();
    let skipped = logs
        .iter()
        .filter(|l| !l.undone && l.dose.outcome == DoseOutcome::Skipped)
        .count();
    let slots = (demo.today - demo.first_day).num_days() as usize * times.len();
    writeln!(
        out,
        "Dose log  {} to {}: {taken} taken, {skipped} skipped, {} not logged, of {slots} scheduled doses",
        format_date(demo.first_day),
        format_date(demo.today - Days::new(1)),
        slots - taken - skipped
    )?;
    for medicine in store.medicines(demo.patient.id)? {
        let taken = store
            .dose_logs(demo.patient.id, demo.first_day, demo.today)?
            .into_iter()
            .filter(|l| {
                l.dose.medication == medicine.medication_id()
                    && !l.undone
                    && l.dose.outcome == DoseOutcome::Taken
            })
            .count();
        let p = &medicine.prescription;
        let times: Vec<String> = p
            .schedule
            .times
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        writeln!(
            out,
            "Medicine  {} ({}) once a day at {} from {}: {taken} doses taken to yesterday",
            medicine.label(nephro_core::locale::Locale::En),
            p.form,
            times.join(", "),
            format_date(p.schedule.start_date),
        )?;
    }
    out.push_str(&crate::labs::demo_section(store, demo)?);
    out.push_str(&crate::relapse::demo_section(store, demo)?);
    out.push_str(&crate::taper::demo_section(store, demo)?);
    out.push_str(&crate::reminders::demo_section(store, demo)?);
    Ok(out)
}
