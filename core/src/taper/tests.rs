//! Unit tests of the taper calendar (clinical-rules §4).

use super::*;
use crate::dates::parse_date;

fn d(text: &str) -> NaiveDate {
    parse_date("d", text).unwrap()
}

fn phase(dose: DoseBasis, frequency: Frequency, length: PhaseLength) -> Phase {
    Phase {
        dose: Some(dose),
        max_mg: None,
        frequency,
        length,
    }
}

fn taper(frequency: Frequency, from_mg: f64, to_mg: f64, step_mg: f64, every_days: u32) -> Phase {
    Phase {
        dose: None,
        max_mg: None,
        frequency,
        length: PhaseLength::Taper {
            from_mg,
            to_mg,
            step_mg,
            every_days,
        },
    }
}

fn plan(weight_kg: f64, phases: Vec<Phase>) -> CoursePlan {
    CoursePlan {
        start: d("2025-01-01"),
        weight_kg,
        height_cm: None,
        tablets: TabletSpec::default(),
        liquid: None,
        phases,
    }
}

fn mgs(calendar: &TaperCalendar) -> Vec<f64> {
    calendar.days.iter().map(|day| day.mg).collect()
}

fn refusal(plan: &CoursePlan, confirmed: Option<NaiveDate>) -> String {
    match build_calendar(plan, confirmed) {
        Err(err @ Error::Invalid { .. }) => err.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_cap_that_is_not_a_step_multiple_gives_the_largest_multiple_below_it() {
    // 2 × 25 = 50 capped at 42 → 42 rounds to 42.5 (16.8 steps) > 42 → 40.
    // Cap 43.5: 43.5 rounds to 42.5 (17.4 steps), not above the cap → 42.5.
    let mut p = plan(
        25.0,
        vec![
            phase(
                DoseBasis::MgPerKg(2.0),
                Frequency::Daily,
                PhaseLength::Days(1),
            ),
            phase(
                DoseBasis::MgPerKg(2.0),
                Frequency::Daily,
                PhaseLength::Days(1),
            ),
        ],
    );
    p.phases[0].max_mg = Some(42.0);
    p.phases[1].max_mg = Some(43.5);
    assert_eq!(mgs(&build_calendar(&p, None).unwrap()), vec![40.0, 42.5]);
    // A cap below one step gives 0 mg, never a dose above the cap.
    p.phases[0].max_mg = Some(2.0);
    assert_eq!(mgs(&build_calendar(&p, None).unwrap())[0], 0.0);
}

#[test]
fn the_cap_applies_before_rounding() {
    // 3 × 20 = 60 capped at 61 → 60; 3.1 × 20 = 62 capped at 61 → 61 → 60 (24.4 steps).
    let mut p = plan(
        20.0,
        vec![phase(
            DoseBasis::MgPerKg(3.1),
            Frequency::Daily,
            PhaseLength::Days(1),
        )],
    );
    p.phases[0].max_mg = Some(61.0);
    assert_eq!(mgs(&build_calendar(&p, None).unwrap()), vec![60.0]);
    // A cap of 61.25 (exactly 24.5 steps) is a tie and rounds down to 60.
    p.phases[0].max_mg = Some(61.25);
    assert_eq!(mgs(&build_calendar(&p, None).unwrap()), vec![60.0]);
}

#[test]
fn mg_per_m2_uses_unrounded_bsa_and_ties_round_down() {
    // BSA = sqrt(125 × 18.05 / 3600) = 0.791666…; 60 × BSA = 47.5, a tie between 45 and 50 on
    // whole 5 mg tablets → 45. (A BSA rounded to 0.792 would give 47.52 → 50.)
    let mut p = plan(
        18.05,
        vec![phase(
            DoseBasis::MgPerM2(60.0),
            Frequency::Daily,
            PhaseLength::Days(1),
        )],
    );
    p.height_cm = Some(125.0);
    p.tablets.allow_half = false;
    assert_eq!(mgs(&build_calendar(&p, None).unwrap()), vec![45.0]);
    p.height_cm = None;
    assert!(refusal(&p, None).contains("height_cm"));
}

#[test]
fn taper_blocks_are_rounded_to_the_tablet_step_with_ties_down() {
    // Whole 5 mg tablets, 2.5 mg steps: 20, 17.5 → 15, 15, 12.5 → 10, 10, 7.5 → 5, 5.
    let mut p = plan(30.0, vec![taper(Frequency::Daily, 20.0, 5.0, 2.5, 1)]);
    p.tablets.allow_half = false;
    assert_eq!(
        mgs(&build_calendar(&p, None).unwrap()),
        vec![20.0, 15.0, 15.0, 10.0, 10.0, 5.0, 5.0]
    );
    // Half tablets allowed, 1 mg steps: 8 → 7.5, 7 → 7.5, 6 → 5, 5.
    let p = plan(30.0, vec![taper(Frequency::Daily, 8.0, 5.0, 1.0, 1)]);
    assert_eq!(
        mgs(&build_calendar(&p, None).unwrap()),
        vec![7.5, 7.5, 5.0, 5.0]
    );
}

#[test]
fn a_taper_with_decimal_steps_reaches_to_mg_exactly() {
    // (2.0 − 0.5) ÷ 0.1 is 14.999999999999998 in binary: still a whole multiple; 16 blocks.
    let mut p = plan(30.0, vec![taper(Frequency::Daily, 2.0, 0.5, 0.1, 1)]);
    p.tablets = TabletSpec {
        tablet_mg: 0.1,
        allow_half: false,
    };
    let calendar = build_calendar(&p, None).unwrap();
    assert_eq!(calendar.days.len(), 16);
    assert_eq!(calendar.days.last().map(|day| day.mg), Some(0.5));
    assert_eq!(calendar.days.get(1).map(|day| day.mg), Some(1.9));
    assert!((calendar.total_mg - 20.0).abs() < 1e-9);
}

#[test]
fn alternate_days_count_across_the_whole_phase_not_per_taper_block() {
    // A 1-day phase first, so the taper phase starts on an odd course day; its own day 0 doses.
    // Blocks of 3 days: 15 (days 0–2), 10 (3–5), 5 (6–8); dosing on phase days 0, 2, 4, 6, 8.
    let p = plan(
        30.0,
        vec![
            phase(DoseBasis::Mg(20.0), Frequency::Daily, PhaseLength::Days(1)),
            taper(Frequency::AlternateDay, 15.0, 5.0, 5.0, 3),
        ],
    );
    let calendar = build_calendar(&p, None).unwrap();
    assert_eq!(
        mgs(&calendar),
        vec![20.0, 15.0, 0.0, 15.0, 0.0, 10.0, 0.0, 5.0, 0.0, 5.0]
    );
    assert_eq!(calendar.total_mg, 70.0);
    assert_eq!(calendar.dosing_days, 6);
    let phases: Vec<u32> = calendar.days.iter().map(|day| day.phase).collect();
    assert_eq!(phases, vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
}

#[test]
fn tablets_are_whole_plus_at_most_one_half() {
    let p = plan(
        25.0,
        vec![phase(
            DoseBasis::Mg(12.5),
            Frequency::Daily,
            PhaseLength::Days(1),
        )],
    );
    let calendar = build_calendar(&p, None).unwrap();
    assert_eq!(
        calendar.days[0].tablets,
        Tablets {
            whole: 2,
            halves: 1
        }
    );
    let mut whole_only = p.clone();
    whole_only.tablets.allow_half = false;
    whole_only.phases[0].dose = Some(DoseBasis::Mg(15.0));
    assert_eq!(
        build_calendar(&whole_only, None).unwrap().days[0].tablets,
        Tablets {
            whole: 3,
            halves: 0
        }
    );
    // 12.5 on whole tablets is a tie → 10 mg, two tablets.
    whole_only.phases[0].dose = Some(DoseBasis::Mg(12.5));
    let tie = build_calendar(&whole_only, None).unwrap();
    assert_eq!(
        (tie.days[0].mg, tie.days[0].tablets),
        (
            10.0,
            Tablets {
                whole: 2,
                halves: 0
            }
        )
    );
}

#[test]
fn until_remission_runs_through_the_confirmation_day_inclusive() {
    let p = plan(
        20.0,
        vec![
            phase(DoseBasis::Mg(20.0), Frequency::Daily, PhaseLength::Days(2)),
            phase(
                DoseBasis::Mg(30.0),
                Frequency::Daily,
                PhaseLength::UntilRemission,
            ),
            phase(
                DoseBasis::Mg(10.0),
                Frequency::AlternateDay,
                PhaseLength::Days(3),
            ),
        ],
    );
    // Confirmed on the until-remission phase's first day (01-03): one day at 30 mg.
    let calendar = build_calendar(&p, Some(d("2025-01-03"))).unwrap();
    assert_eq!(mgs(&calendar), vec![20.0, 20.0, 30.0, 10.0, 0.0, 10.0]);
    assert_eq!(calendar.last_dosing_day, Some(d("2025-01-06")));
    assert!(!calendar.provisional);
    // Confirmed 01-05: 30 mg on 01-03..01-05, the next phase from 01-06.
    let calendar = build_calendar(&p, Some(d("2025-01-05"))).unwrap();
    assert_eq!(
        mgs(&calendar),
        vec![20.0, 20.0, 30.0, 30.0, 30.0, 10.0, 0.0, 10.0]
    );
    // Before the phase's first day, or missing: refused.
    assert!(refusal(&p, Some(d("2025-01-02"))).contains("remission_confirmed"));
    assert!(refusal(&p, None).contains("remission_confirmed"));
}

#[test]
fn remission_date_is_ignored_without_an_until_remission_phase() {
    let p = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(20.0),
            Frequency::Daily,
            PhaseLength::Days(2),
        )],
    );
    assert_eq!(
        build_calendar(&p, Some(d("1999-01-01"))).unwrap(),
        build_calendar(&p, None).unwrap()
    );
}

#[test]
fn provisional_calendar_continues_the_daily_dose_until_remission_is_logged() {
    let p = plan(
        20.0,
        vec![
            phase(DoseBasis::Mg(20.0), Frequency::Daily, PhaseLength::Days(2)),
            phase(
                DoseBasis::Mg(30.0),
                Frequency::Daily,
                PhaseLength::UntilRemission,
            ),
            phase(
                DoseBasis::Mg(10.0),
                Frequency::AlternateDay,
                PhaseLength::Days(3),
            ),
        ],
    );
    let provisional = build_provisional_calendar(&p, None, d("2025-01-06")).unwrap();
    assert!(provisional.provisional);
    assert_eq!(mgs(&provisional), vec![20.0, 20.0, 30.0, 30.0, 30.0, 30.0]);
    assert_eq!(provisional.last_dosing_day, Some(d("2025-01-06")));
    // `through` before the phase starts: the phase shows its first day.
    let early = build_provisional_calendar(&p, None, d("2025-01-01")).unwrap();
    assert_eq!(mgs(&early), vec![20.0, 20.0, 30.0]);
    // Once confirmed, it is the ordinary calendar.
    let confirmed = build_provisional_calendar(&p, Some(d("2025-01-03")), d("2025-01-30")).unwrap();
    assert_eq!(
        confirmed,
        build_calendar(&p, Some(d("2025-01-03"))).unwrap()
    );
    // Without an until-remission phase, `through` changes nothing.
    let fixed = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(20.0),
            Frequency::Daily,
            PhaseLength::Days(2),
        )],
    );
    assert_eq!(
        build_provisional_calendar(&fixed, None, d("2025-03-01")).unwrap(),
        build_calendar(&fixed, None).unwrap()
    );
    // A `through` decades away is still bounded.
    assert!(build_provisional_calendar(&p, None, d("2060-01-01")).is_err());
}

#[test]
fn totals_and_dosing_dates() {
    let p = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(12.5),
            Frequency::AlternateDay,
            PhaseLength::Days(5),
        )],
    );
    let calendar = build_calendar(&p, None).unwrap();
    assert_eq!(
        calendar.dosing_dates(),
        vec![d("2025-01-01"), d("2025-01-03"), d("2025-01-05")]
    );
    assert_eq!(calendar.total_mg, 37.5);
    assert_eq!(calendar.dosing_days, 3);
    assert_eq!(calendar.first_dosing_day, Some(d("2025-01-01")));
    assert_eq!(calendar.last_dosing_day, Some(d("2025-01-05")));
    let exposure = cumulative_exposure(
        calendar.daily_mg(),
        (d("2025-01-01"), d("2025-01-05")),
        20.0,
        None,
    )
    .unwrap();
    assert_eq!(exposure.mg, 37.5);
}

#[test]
fn a_calendar_with_no_dosed_day_has_no_dosing_days() {
    let p = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(0.0),
            Frequency::Daily,
            PhaseLength::Days(3),
        )],
    );
    let calendar = build_calendar(&p, None).unwrap();
    assert_eq!(calendar.days.len(), 3);
    assert_eq!(
        (
            calendar.dosing_days,
            calendar.first_dosing_day,
            calendar.last_dosing_day
        ),
        (0, None, None)
    );
    assert!(calendar.dosing_dates().is_empty());
}

#[test]
fn invalid_plans_are_refused_naming_the_field() {
    let base = plan(
        20.0,
        vec![
            phase(DoseBasis::Mg(20.0), Frequency::Daily, PhaseLength::Days(2)),
            taper(Frequency::Daily, 20.0, 5.0, 5.0, 7),
        ],
    );
    let with = |change: &dyn Fn(&mut CoursePlan)| {
        let mut p = base.clone();
        change(&mut p);
        refusal(&p, None)
    };
    assert!(with(&|p| p.weight_kg = 0.0).contains("weight_kg"));
    assert!(with(&|p| p.weight_kg = f64::NAN).contains("weight_kg"));
    assert!(with(&|p| p.height_cm = Some(-1.0)).contains("height_cm"));
    assert!(with(&|p| p.tablets.tablet_mg = 0.0).contains("tablet_mg"));
    assert!(with(&|p| p.phases.clear()).contains("phases"));
    assert!(with(&|p| p.phases[1].max_mg = Some(-5.0)).contains("phases[1].max_mg"));
    assert!(with(&|p| p.phases[0].length = PhaseLength::Days(0)).contains("phases[0].days"));
    assert!(with(&|p| p.phases[0].dose = None).contains("phases[0].dose"));
    assert!(with(&|p| p.phases[0].dose = Some(DoseBasis::MgPerKg(-1.0)))
        .contains("phases[0].dose.mg_per_kg"));
    assert!(with(&|p| p.phases[1].dose = Some(DoseBasis::Mg(5.0))).contains("phases[1].dose"));
    assert!(
        with(&|p| p.phases[1] = taper(Frequency::Daily, 5.0, 20.0, 5.0, 7))
            .contains("phases[1].taper.to_mg")
    );
    assert!(
        with(&|p| p.phases[1] = taper(Frequency::Daily, 20.0, 5.0, 4.0, 7))
            .contains("phases[1].taper.step_mg")
    );
    assert!(
        with(&|p| p.phases[1] = taper(Frequency::Daily, 20.0, 5.0, 0.0, 7))
            .contains("phases[1].taper.step_mg")
    );
    assert!(
        with(&|p| p.phases[1] = taper(Frequency::Daily, 20.0, 5.0, 5.0, 0))
            .contains("phases[1].taper.every_days")
    );
    assert!(
        with(&|p| p.phases[1] = taper(Frequency::Daily, f64::NAN, 5.0, 5.0, 1))
            .contains("phases[1].taper.from_mg")
    );
}

#[test]
fn absurd_lengths_are_refused_before_any_day_is_built() {
    let too_long = |phases| refusal(&plan(20.0, phases), Some(d("2025-01-01")));
    let days = |n| phase(DoseBasis::Mg(5.0), Frequency::Daily, PhaseLength::Days(n));
    assert!(too_long(vec![days(u32::MAX)]).contains("10 years"));
    assert!(too_long(vec![days(3000), days(661)]).contains("10 years"));
    assert!(build_calendar(&plan(20.0, vec![days(3000), days(660)]), None).is_ok());
    assert!(too_long(vec![taper(Frequency::Daily, 1e12, 0.0, 1e-9, 1)]).contains("10 years"));
    assert!(too_long(vec![taper(Frequency::Daily, 20.0, 5.0, 5.0, u32::MAX)]).contains("10 years"));
    let until = phase(
        DoseBasis::Mg(5.0),
        Frequency::Daily,
        PhaseLength::UntilRemission,
    );
    assert!(refusal(&plan(20.0, vec![until]), Some(d("2040-01-01"))).contains("10 years"));
}

#[test]
fn a_course_running_past_the_last_date_is_refused_not_a_panic() {
    let mut p = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(5.0),
            Frequency::Daily,
            PhaseLength::Days(10),
        )],
    );
    p.start = NaiveDate::MAX;
    assert!(refusal(&p, None).contains("start"));
}

#[test]
fn kdigo_templates_follow_clinical_rules_section_4() {
    let relapse = CourseTemplate::Kdigo2025Relapse.phases().unwrap();
    assert_eq!(relapse.len(), 2);
    assert_eq!(relapse[0].dose, Some(DoseBasis::MgPerM2(60.0)));
    assert_eq!(
        (relapse[0].max_mg, relapse[0].frequency, relapse[0].length),
        (Some(60.0), Frequency::Daily, PhaseLength::UntilRemission)
    );
    assert_eq!(relapse[1].dose, Some(DoseBasis::MgPerM2(40.0)));
    assert_eq!(
        (relapse[1].max_mg, relapse[1].frequency, relapse[1].length),
        (Some(40.0), Frequency::AlternateDay, PhaseLength::Days(28))
    );
    let initial = CourseTemplate::Kdigo2025Initial.phases().unwrap();
    assert_eq!(initial[0].length, PhaseLength::Days(28));
    assert_eq!(initial[1], relapse[1]);
    assert!(CourseTemplate::StampProtocol.phases().is_err());
    assert_eq!(
        CourseTemplate::parse("template", "kdigo2025_initial").unwrap(),
        CourseTemplate::Kdigo2025Initial
    );
    assert!(CourseTemplate::parse("template", "kdigo2012")
        .unwrap_err()
        .to_string()
        .contains("template"));
}

#[test]
fn plans_and_calendars_round_trip_through_serde() {
    let mut p = plan(20.0, CourseTemplate::Kdigo2025Relapse.phases().unwrap());
    p.height_cm = Some(110.0);
    let text = serde_json::to_string(&p).unwrap();
    assert!(text.contains("\"2025-01-01\""));
    assert_eq!(serde_json::from_str::<CoursePlan>(&text).unwrap(), p);
    let calendar = build_calendar(&p, Some(d("2025-01-05"))).unwrap();
    let text = serde_json::to_string(&calendar).unwrap();
    assert_eq!(
        serde_json::from_str::<TaperCalendar>(&text).unwrap(),
        calendar
    );
}

#[test]
fn a_course_may_end_on_the_last_supported_date() {
    let mut p = plan(
        20.0,
        vec![phase(
            DoseBasis::Mg(5.0),
            Frequency::Daily,
            PhaseLength::Days(2),
        )],
    );
    p.start = NaiveDate::MAX.pred_opt().unwrap();
    assert_eq!(
        build_calendar(&p, None).unwrap().last_dosing_day,
        Some(NaiveDate::MAX)
    );
}
