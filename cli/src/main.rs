//! `nephro`: the NephroDiary command line for clinicians and developers.
//!
//! `nephro eval CASE.json` runs one conformance case; `nephro demo` builds a sample diary of a
//! fictional child and prints its summary.

mod demo;
mod demo_diary;
mod diary_file;
mod dipstick;
mod doses;
mod eval;
mod export;
mod labs;
mod relapse;
mod reminders;
mod share;
mod taper;
mod terminal;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// NephroDiary: dosing, steroid tapers, urine protein and labs for children with nephrotic syndrome.
#[derive(Parser)]
#[command(name = "nephro", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one conformance case and print the engine's output as JSON.
    Eval {
        /// The case file (see shared/spec/conformance.md).
        case: PathBuf,
    },
    /// Read a urine dipstick from a photo (clinical-rules §13): the suggested grade, which the
    /// family confirms or corrects.
    Dipstick {
        #[command(subcommand)]
        action: DipstickCommand,
    },
    /// Create (or refresh) a sample diary of a fictional child and print its summary.
    Demo {
        /// The diary file to write.
        #[arg(long, default_value = "nephro-demo.db")]
        db: PathBuf,
        /// The demo's "today" (YYYY-MM-DD); defaults to the current date.
        #[arg(long)]
        today: Option<String>,
    },
    /// Print the relapse assessment: state, family prompt, episodes, flags, rate and durations.
    Assess {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// Only this patient (default: every patient in the diary).
        #[arg(long)]
        patient: Option<i64>,
        /// The assessment date (YYYY-MM-DD); default: each patient's local date now.
        #[arg(long)]
        as_of: Option<String>,
        /// Language of the family prompt: en or zh-Hans.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Print a patient's lab results with targets, flags, eGFR and safety alerts.
    Labs {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The patient's id (needed when the diary has several patients).
        #[arg(long)]
        patient: Option<i64>,
        /// First local draw date to show (YYYY-MM-DD); default: the earliest.
        #[arg(long)]
        from: Option<String>,
        /// Last local draw date to show (YYYY-MM-DD); default: the latest.
        #[arg(long)]
        to: Option<String>,
        /// Language of the alert texts: en or zh-Hans.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// Print the steroid courses' calendars (date, mg, tablets, phase) and cumulative exposure.
    Taper {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// Only this course (its key, e.g. p1_c1); default: every course in the diary.
        #[arg(long)]
        course: Option<String>,
        /// First date to show (YYYY-MM-DD); default: the course's first day.
        #[arg(long)]
        from: Option<String>,
        /// Last date to show (YYYY-MM-DD); default: the course's last day.
        #[arg(long)]
        to: Option<String>,
        /// The date a course not yet in remission is shown continuing from (YYYY-MM-DD);
        /// default: the patient's local date now.
        #[arg(long)]
        today: Option<String>,
    },
    /// Print the next dose reminders (local time, UTC, medication, notification text).
    Reminders {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The patient's id (needed when the diary has several patients).
        #[arg(long)]
        patient: Option<i64>,
        /// The instant to start from, RFC 3339 with offset (e.g. 2025-06-01T07:00:00+08:00); default: now.
        #[arg(long)]
        from: Option<String>,
        /// How many reminders (1 to 1000; the phone keeps 64).
        #[arg(long, default_value_t = 64)]
        count: usize,
        /// Language of the notification texts: en or zh-Hans.
        #[arg(long, default_value = "en")]
        locale: String,
        /// The phone's current IANA zone while travelling (the travel policy decides its use).
        #[arg(long)]
        device_zone: Option<String>,
    },
    /// Print adherence per medication and overall (taken, on time, interval, missed streaks) and a calendar.
    Adherence {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The patient's id (needed when the diary has several patients).
        #[arg(long)]
        patient: Option<i64>,
        /// First local date (YYYY-MM-DD); default: 89 days before --to.
        #[arg(long)]
        from: Option<String>,
        /// Last local date (YYYY-MM-DD); default: the patient's local date now.
        #[arg(long)]
        to: Option<String>,
        /// The instant of the report, RFC 3339 with offset; doses after it are not yet due. Default: now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Copy a diary to a new file through SQLite's online backup API (the copy holds every
    /// committed change; an existing file is never replaced).
    Backup {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Export a diary for clinicians: FHIR R4 JSON, CSV tables (a directory), a printable HTML
    /// report or an iCalendar file of the dosing schedule; several formats at once into a
    /// directory (`--format fhir,csv,html,ics --out DIR`).
    Export {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The patient's id (needed when the diary has several patients).
        #[arg(long)]
        patient: Option<i64>,
        /// fhir, csv, html or ics; several separated by commas write into the --out directory
        /// (diary.fhir.json, csv/, report.html, dosing.ics), de-identified with one shift.
        #[arg(long)]
        format: String,
        /// First local date (YYYY-MM-DD); default: the diary's first record (ics: today).
        #[arg(long)]
        from: Option<String>,
        /// Last local date (YYYY-MM-DD); default: today (ics: open-ended).
        #[arg(long)]
        to: Option<String>,
        /// Remove the name, reduce the birth date to an age, shift every date by one secret
        /// offset, leave out the last 14 to 69 days, drop typed text and make ids random, for
        /// sharing beyond the care team.
        #[arg(long)]
        deidentify: bool,
        /// With --deidentify: the seed of the date shift and cutoff (the same seed, the same
        /// shift; keep it secret). Ids stay random: they cannot confirm a guessed seed.
        #[arg(long)]
        shift_seed: Option<u64>,
        /// Language of the report and texts: en or zh-Hans.
        #[arg(long, default_value = "en")]
        locale: String,
        /// The file to write (for csv, or several formats: a directory).
        #[arg(long)]
        out: PathBuf,
        /// With --format fhir: `collection` (default, a file) or `transaction` (a bundle a FHIR
        /// server loads as is: conditional updates keyed by the diary's record identifiers, so
        /// loading a later export again updates and duplicates nothing; identified exports
        /// only).
        #[arg(long)]
        fhir_bundle: Option<String>,
    },
    /// Share this diary with the child's other caregivers, end-to-end encrypted, through a
    /// shared folder (iCloud Drive, Google Drive, Syncthing, a USB stick).
    Share {
        #[command(subcommand)]
        action: ShareCommand,
    },
    /// Receive the family's new entries and send this diary's, through the shared folder or
    /// the relay.
    Sync {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The shared folder (remembered from the last use when neither is given).
        #[arg(long)]
        folder: Option<PathBuf>,
        /// The relay's address, e.g. https://relay.example.org (remembered likewise).
        #[arg(long)]
        relay: Option<String>,
    },
    /// Log a dose as a phone logs it (the same checks, on this computer's clock), or list a
    /// patient's logged doses.
    Dose {
        #[command(subcommand)]
        action: DoseCommand,
    },
    /// Before giving a dose, claim its slot on the relay: granted, or who is giving or gave it
    /// (clinical-rules §11).
    Claim(SlotFlags),
    /// Give up this device's claim on a dose slot (the child refused; not given now).
    Release(SlotFlags),
}

/// The diary file and the dose slot that `nephro dose log`, `nephro claim` and `nephro release`
/// name.
#[derive(Args)]
struct SlotFlags {
    /// The diary file.
    #[arg(long)]
    db: PathBuf,
    /// The medication: regimen-<id>, course-<key> or medicine-<id>.
    #[arg(long)]
    medication: String,
    /// The slot's local date (YYYY-MM-DD).
    #[arg(long)]
    date: String,
    /// The slot's local time (HH:MM).
    #[arg(long)]
    time: String,
}

impl SlotFlags {
    fn slot(&self) -> share::SlotArgs<'_> {
        share::SlotArgs {
            medication: &self.medication,
            date: &self.date,
            time: &self.time,
        }
    }
}

#[derive(Subcommand)]
enum ShareCommand {
    /// Print an invitation for a new device (starting the family, and printing its recovery
    /// code once, the first time).
    Invite {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The shared folder (the first time, or --relay; then remembered).
        #[arg(long)]
        folder: Option<PathBuf>,
        /// The relay's address (instead of a folder).
        #[arg(long)]
        relay: Option<String>,
        /// Your name as the family sees it (needed the first time), e.g. Mum.
        #[arg(long)]
        caregiver: Option<String>,
    },
    /// Join a family with an invitation: a new, empty diary receives the whole diary.
    Join {
        /// The new diary file.
        #[arg(long)]
        db: PathBuf,
        /// The invitation's text.
        #[arg(long)]
        invitation: String,
        /// The shared folder.
        #[arg(long)]
        folder: Option<PathBuf>,
        /// The relay's address (instead of a folder).
        #[arg(long)]
        relay: Option<String>,
        /// Your name as the family sees it, e.g. Dad.
        #[arg(long)]
        caregiver: String,
    },
    /// Restore the family's diary on a new device with the recovery code.
    Recover {
        /// The new diary file.
        #[arg(long)]
        db: PathBuf,
        /// The recovery code.
        #[arg(long)]
        recovery: String,
        /// The shared folder.
        #[arg(long)]
        folder: Option<PathBuf>,
        /// The relay's address (instead of a folder).
        #[arg(long)]
        relay: Option<String>,
        /// Your name as the family sees it.
        #[arg(long)]
        caregiver: String,
    },
    /// List the family's devices.
    Members {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
    },
    /// Remove a device (lost, or a caregiver who no longer shares the care): what the family
    /// writes afterwards is unreadable to it; prints a new recovery code.
    Remove {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The device's id (nephro share members lists them).
        #[arg(long)]
        device: String,
    },
}

#[derive(Subcommand)]
enum DoseCommand {
    /// Log one dose of a scheduled slot as given or skipped (clinical-rules §10: not before its
    /// take-window, not given later than now). Running it again stores the dose once.
    Log {
        /// The diary file and the dose slot.
        #[command(flatten)]
        slot: SlotFlags,
        /// taken or skipped.
        #[arg(long, default_value = "taken")]
        outcome: String,
        /// When it was given, RFC 3339 with offset (e.g. 2025-06-01T08:05:00+08:00); default: now.
        #[arg(long)]
        at: Option<String>,
        /// Who gives it, e.g. mother.
        #[arg(long)]
        by: String,
        /// The log's id; default: one made from the medication and slot.
        #[arg(long)]
        client_id: Option<String>,
        /// The family's note, e.g. "spat out half, gave again" (at most 500 characters;
        /// shown in identified exports, never in de-identified ones).
        #[arg(long)]
        note: Option<String>,
    },
    /// List a patient's logged doses (undone ones marked).
    History {
        /// The diary file.
        #[arg(long)]
        db: PathBuf,
        /// The patient's id (needed when the diary has several patients).
        #[arg(long)]
        patient: Option<i64>,
        /// First local slot date (YYYY-MM-DD); default: 6 days before --to.
        #[arg(long)]
        from: Option<String>,
        /// Last local slot date (YYYY-MM-DD); default: the patient's local date now.
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum DipstickCommand {
    /// Suggest the pad's grade from sampled colours, or from a photo and its layout; a photo
    /// that cannot be read (too early or late, overexposed, too dark, uneven) exits 1 saying why.
    Read {
        /// Sampled colours as JSON: white_rgb, chart [{grade, rgb}], pad_rgb, seconds_since_dip,
        /// read_window_s (the conformance suite `dipstick`'s input).
        #[arg(long)]
        photo_samples: Option<PathBuf>,
        /// A photo as binary PPM (P6, 8-bit sRGB), sampled at the rectangles of --layout.
        #[arg(long)]
        photo: Option<PathBuf>,
        /// The photo's layout as JSON: white, chart [{grade, rect}], pad (rectangles
        /// {x, y, width, height}), seconds_since_dip, read_window_s.
        #[arg(long)]
        layout: Option<PathBuf>,
        /// The largest distance (CIEDE2000) at which a grade is suggested (policy; default 15).
        #[arg(long, allow_negative_numbers = true)]
        max_delta_e: Option<f64>,
        /// How much farther the next swatch must be (policy; default 2.0).
        #[arg(long, allow_negative_numbers = true)]
        min_gap: Option<f64>,
        /// Print JSON (the suggestion, every distance and the samples).
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic strip photo (OUT.ppm) and its layout (OUT.json) with a known grade.
    Synth {
        /// The pad's grade: negative, trace, 1+, 2+, 3+ or 4+.
        #[arg(long)]
        grade: String,
        /// daylight, warm, cool or dim.
        #[arg(long, default_value = "daylight")]
        light: String,
        /// How far (-0.5 to 0.5) the pad's colour moves towards a neighbouring grade.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        shade: f64,
        /// Sensor noise, σ in 8-bit levels.
        #[arg(long, default_value_t = 2.0)]
        noise: f64,
        /// A glare spot on the pad.
        #[arg(long)]
        glare: bool,
        /// The strip's tilt against the guides, in degrees.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        tilt: f64,
        /// The seed of the noise and the glare's place.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The files' path without extension (never replaced).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The `--folder` / `--relay` pair of the share commands.
fn via<'a>(folder: &'a Option<PathBuf>, relay: &'a Option<String>) -> share::Via<'a> {
    share::Via {
        folder: folder.as_deref(),
        relay: relay.as_deref(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output; usage errors to standard error, with
            // the user's own text escaped (an argument must not drive the terminal).
            let text = terminal::without_control_characters(&e.render().to_string());
            return if e.use_stderr() {
                let _ = writeln!(std::io::stderr(), "{}", text.trim_end());
                ExitCode::from(2)
            } else {
                let _ = terminal::emit(&text);
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Eval { case } => return eval::run(&case),
        Command::Dipstick {
            action:
                DipstickCommand::Read {
                    photo_samples,
                    photo,
                    layout,
                    max_delta_e,
                    min_gap,
                    json,
                },
        } => dipstick::run_read(&dipstick::ReadArgs {
            photo_samples: photo_samples.as_deref(),
            photo: photo.as_deref(),
            layout: layout.as_deref(),
            max_delta_e,
            min_gap,
            json,
        }),
        Command::Dipstick {
            action:
                DipstickCommand::Synth {
                    grade,
                    light,
                    shade,
                    noise,
                    glare,
                    tilt,
                    seed,
                    out,
                },
        } => dipstick::run_synth(&dipstick::SynthArgs {
            grade: &grade,
            light: &light,
            shade,
            noise,
            glare,
            tilt,
            seed,
            out: &out,
        }),
        Command::Demo { db, today } => demo::run(&db, today.as_deref()),
        Command::Assess {
            db,
            patient,
            as_of,
            locale,
        } => relapse::run(&db, patient, as_of.as_deref(), locale.as_deref()),
        Command::Labs {
            db,
            patient,
            from,
            to,
            locale,
        } => labs::run(&db, patient, from.as_deref(), to.as_deref(), &locale),
        Command::Taper {
            db,
            course,
            from,
            to,
            today,
        } => taper::run(
            &db,
            course.as_deref(),
            from.as_deref(),
            to.as_deref(),
            today.as_deref(),
        ),
        Command::Reminders {
            db,
            patient,
            from,
            count,
            locale,
            device_zone,
        } => reminders::run_reminders(&reminders::RemindersArgs {
            db: &db,
            patient,
            from: from.as_deref(),
            count,
            locale: &locale,
            device_zone: device_zone.as_deref(),
        }),
        Command::Adherence {
            db,
            patient,
            from,
            to,
            now,
        } => reminders::run_adherence(&reminders::AdherenceArgs {
            db: &db,
            patient,
            from: from.as_deref(),
            to: to.as_deref(),
            now: now.as_deref(),
        }),
        Command::Dose { action } => match action {
            DoseCommand::Log {
                slot,
                outcome,
                at,
                by,
                client_id,
                note,
            } => doses::log(&doses::LogArgs {
                db: &slot.db,
                medication: &slot.medication,
                date: &slot.date,
                time: &slot.time,
                outcome: &outcome,
                at: at.as_deref(),
                by: &by,
                client_id: client_id.as_deref(),
                note: note.as_deref(),
            }),
            DoseCommand::History {
                db,
                patient,
                from,
                to,
            } => doses::history(&db, patient, from.as_deref(), to.as_deref()),
        },
        Command::Backup { db, to } => diary_file::backup(&db, &to),
        Command::Export {
            db,
            patient,
            format,
            from,
            to,
            deidentify,
            shift_seed,
            locale,
            out,
            fhir_bundle,
        } => export::run(&export::ExportArgs {
            db: &db,
            patient,
            format: &format,
            from: from.as_deref(),
            to: to.as_deref(),
            deidentify,
            shift_seed,
            locale: &locale,
            out: &out,
            fhir_bundle: fhir_bundle.as_deref(),
        }),
        Command::Share { action } => match action {
            ShareCommand::Invite {
                db,
                folder,
                relay,
                caregiver,
            } => share::invite(&db, via(&folder, &relay), caregiver.as_deref()),
            ShareCommand::Join {
                db,
                invitation,
                folder,
                relay,
                caregiver,
            } => share::enter(
                &db,
                share::Entry::Invitation(&invitation),
                via(&folder, &relay),
                &caregiver,
            ),
            ShareCommand::Recover {
                db,
                recovery,
                folder,
                relay,
                caregiver,
            } => share::enter(
                &db,
                share::Entry::Recovery(&recovery),
                via(&folder, &relay),
                &caregiver,
            ),
            ShareCommand::Members { db } => share::members(&db),
            ShareCommand::Remove { db, device } => share::remove(&db, &device),
        },
        Command::Sync { db, folder, relay } => share::sync(&db, via(&folder, &relay)),
        Command::Claim(slot) => share::claim(&slot.db, &slot.slot()),
        Command::Release(slot) => share::release(&slot.db, &slot.slot()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of the output went away (`nephro demo | head`): nothing left to say.
        Err(e) if terminal::is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = terminal::without_control_characters(&e.to_string());
            let _ = writeln!(std::io::stderr(), "nephro: {message}");
            ExitCode::FAILURE
        }
    }
}
