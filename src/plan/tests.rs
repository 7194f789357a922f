//! Plan parsing and validation, down to line:column.

use super::*;

#[test]
fn builtins_parse_with_the_ids_analysts_script_against() {
    let plans = match builtins() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let ids: Vec<Vec<&str>> = plans
        .iter()
        .map(|p| p.targets.iter().map(|t| t.id.as_str()).collect())
        .collect();
    assert_eq!(plans[0].meta.id, "shanxi-2021-2023");
    assert_eq!(
        ids[0],
        [
            "urban-density",
            "rural-density",
            "hub-streets",
            "hub-communities",
            "socialwork-urban",
            "socialwork-rural",
            "rural-pilot",
            "training-city",
            "training-county",
            "selection-city",
            "selection-county",
            "brand-orgs",
            "brand-projects"
        ]
    );
    assert_eq!(plans[0].meta.reporting_units.len(), 11);
    assert_eq!(plans[1].meta.id, "shaanxi-2019");
    assert_eq!(
        ids[1],
        [
            "urban-density",
            "rural-density",
            "incubators",
            "funding",
            "purchased-services",
            "incubator-count",
            "org-count"
        ]
    );
    assert_eq!(plans[1].meta.reporting_units.len(), 10);
    // socialwork-rural is exactly one third.
    let sw = &plans[0].targets[5];
    assert!(matches!(
        sw.measure,
        Measure::Coverage {
            min: Ratio { num: 1, den: 3 },
            ..
        }
    ));
    // The incubators target needs two per street.
    assert!(matches!(
        plans[1].targets[2].measure,
        Measure::Coverage {
            at_least: 2,
            attach: Attach::Within,
            ..
        }
    ));
}

const HEAD: &str = "[plan]
id = \"t\"
title = \"t\"
issuer = \"x\"
province = \"山西省\"
province_code = \"14\"
reporting_units = [\"太原市\"]
period_start = 2021-01-01
due = 2023-12-31
";

const GOOD: &str = "
[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
measure = \"count\"
records = { table = \"organizations\", where = { brand = true } }
min = 5
level = \"city\"
name = \"n\"
";

/// Parse HEAD + body and return the first diagnostic's (line, column, message).
fn first_error(body: &str) -> (usize, usize, String) {
    match parse("p.toml", &format!("{HEAD}{body}")) {
        Ok(_) => panic!("expected an error for:\n{body}"),
        Err(PlanError::Invalid(d)) if !d.is_empty() => {
            (d[0].line, d[0].column, d[0].message.clone())
        }
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn good_plan_parses() {
    let p = match parse("p.toml", &format!("{HEAD}{GOOD}")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(p.targets[0].levels, vec![crate::model::Level::City]);
    assert_eq!(p.targets[0].severity, Severity::Error);
    assert_eq!(p.targets[0].due.to_string(), "2023-12-31");
}

#[test]
fn unknown_key_is_located() {
    // HEAD has 9 lines; GOOD starts with a blank line, so `[[target]]` is line 11 and the
    // misspelt key below is line 21.
    let body = format!("{GOOD}levle = \"city\"\n");
    let (line, col, msg) = first_error(&body);
    assert_eq!((line, col), (21, 1), "{msg}");
    assert!(msg.contains("levle"), "{msg}");
}

#[test]
fn unknown_filter_value_is_located() {
    let body = GOOD.replace(
        "where = { brand = true }",
        "where = { category = { in = [\"枢纽性\"] } }",
    );
    let (line, col, msg) = first_error(&body);
    // records = … is line 17; the value { in = [...] } starts after "records = { table =
    // \"organizations\", where = { category = " (58 characters) → column 59.
    assert_eq!((line, col), (17, 59), "{msg}");
    assert!(msg.contains("枢纽性") && msg.contains("枢纽型"), "{msg}");
}

#[test]
fn unknown_field_and_table_are_located() {
    let body = GOOD.replace("where = { brand = true }", "where = { colour = \"red\" }");
    let (line, col, msg) = first_error(&body);
    assert_eq!((line, col), (17, 48), "{msg}");
    assert!(msg.contains("colour") && msg.contains("category"), "{msg}");
    let body = GOOD.replace("table = \"organizations\"", "table = \"orgs\"");
    let (line, col, msg) = first_error(&body);
    assert_eq!((line, col), (17, 21), "{msg}");
    assert!(msg.contains("orgs"), "{msg}");
}

#[test]
fn impossible_combinations_are_errors() {
    // `units` on a count.
    let body = format!("{GOOD}units = {{ table = \"streets\" }}\n");
    let (line, col, msg) = first_error(&body);
    assert_eq!((line, col), (21, 9), "{msg}");
    assert!(msg.contains("does not apply"), "{msg}");
    // reaches with street units.
    let body = "
[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
measure = \"coverage\"
records = { table = \"organizations\" }
units = { table = \"streets\" }
attach = \"reaches\"
min = 1
level = \"city\"
name = \"n\"
";
    let (line, col, msg) = first_error(body);
    assert_eq!((line, col), (19, 10), "{msg}");
    assert!(msg.contains("reaches"), "{msg}");
    // A coverage share above 100 %.
    let body = body
        .replace("attach = \"reaches\"", "attach = \"within\"")
        .replace("min = 1", "min = 1.5");
    let (line, _, msg) = first_error(&body);
    assert_eq!(line, 20, "{msg}");
    // yearly_count on organizations, and a min on it.
    let body = "
[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
measure = \"yearly_count\"
records = { table = \"organizations\" }
min = 3
level = \"county\"
name = \"n\"
";
    // Both are reported, in file order: the records on line 17, the min on line 18.
    let errors = all_errors(body);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].0, 17, "{errors:#?}");
    assert!(errors[0].2.contains("dated records"), "{errors:#?}");
    assert_eq!(errors[1].0, 18, "{errors:#?}");
    assert!(errors[1].2.contains("`min` does not apply"), "{errors:#?}");
}

#[test]
fn bad_values_are_located() {
    let (line, col, msg) = first_error(&GOOD.replace("level = \"city\"", "level = \"town\""));
    assert_eq!((line, col), (19, 9), "{msg}");
    assert!(msg.contains("province, city, county, street"), "{msg}");
    let (line, _, msg) = first_error(&GOOD.replace("min = 5", "min = \"a/b\""));
    assert_eq!(line, 18, "{msg}");
    let (line, _, msg) = first_error(&GOOD.replace("measure = \"count\"", "measure = \"average\""));
    assert_eq!(line, 16, "{msg}");
    let (line, col, msg) = first_error(&format!("{GOOD}{GOOD}"));
    // The second target's id (line 11 + 11 lines + 1) duplicates the first.
    assert_eq!((line, col), (23, 6), "{msg}");
    assert!(msg.contains("duplicate"), "{msg}");
}

#[test]
fn syntax_errors_are_located() {
    let (line, _, msg) = first_error(&GOOD.replace("min = 5", "min = "));
    assert_eq!(line, 18, "{msg}");
}

#[test]
fn diagnostics_render_file_line_column() {
    let err = parse(
        "my-plan.toml",
        &format!("{HEAD}{GOOD}").replace("level = \"city\"", "level = \"town\""),
    );
    let text = match err {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    };
    assert!(
        text.starts_with("错误 error: unknown level \"town\""),
        "{text}"
    );
    assert!(text.contains("--> my-plan.toml:19:9"), "{text}");
    assert!(text.contains("19 | level = \"town\""), "{text}");
}

#[test]
fn shaanxi_declares_the_five_units_of_the_document() {
    let p = match builtin("shaanxi-2019") {
        Some(Ok(p)) => p,
        _ => panic!("shaanxi-2019"),
    };
    let got: Vec<(&str, Vec<String>, bool)> = p
        .units
        .iter()
        .map(|u| (u.name.as_str(), u.place_paths(), u.from_user))
        .collect();
    let s = |x: &str| vec![x.to_string()];
    assert_eq!(
        got,
        vec![
            ("杨凌示范区", s("咸阳市/杨陵区"), false),
            ("西咸新区", vec![], true),
            ("韩城市", s("渭南市/韩城市"), false),
            ("神木市", s("榆林市/神木市"), false),
            ("府谷县", s("榆林市/府谷县"), false),
        ]
    );
    // The ten cities stay the reporting units.
    assert_eq!(p.meta.reporting_units.len(), 10);
    // The Shanxi plan has none.
    assert!(matches!(builtin("shanxi-2021-2023"), Some(Ok(p)) if p.units.is_empty()));
}

/// HEAD + GOOD end on line 20; a unit body starting with a blank line puts `[[unit]]` on
/// line 22, `name` on 23, `places` on 24.
fn unit_error(unit: &str) -> (usize, usize, String) {
    first_error(&format!("{GOOD}\n[[unit]]\n{unit}"))
}

#[test]
fn units_parse_and_fold() {
    let text = format!(
        "{HEAD}{GOOD}\n[[unit]]\nname = \"北城\"\nplaces = [\"山西省/太原市/小店区\", \"太原市/迎泽区/迎泽街道\"]\n\n[[unit]]\nname = \"新区\"\nplaces = \"user\"\nnote = \"n\"\n"
    );
    let p = match parse("p.toml", &text) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    // A leading province name is dropped.
    assert_eq!(
        p.units[0].place_paths(),
        ["太原市/小店区", "太原市/迎泽区/迎泽街道"]
    );
    assert!(p.units[0].configured() && !p.units[0].from_user);
    assert!(!p.units[1].configured() && p.units[1].from_user);
    assert_eq!(p.units[1].note, "n");
}

#[test]
fn unit_errors_are_located() {
    // Unknown key (line 25).
    let (line, col, msg) = unit_error("name = \"a\"\nplaces = [\"太原市/小店区\"]\nplace = 1\n");
    assert_eq!((line, col), (25, 1), "{msg}");
    assert!(msg.contains("place"), "{msg}");
    // A name that is a city of reporting_units (太原市): the value on line 23, column 8.
    let (line, col, msg) = unit_error("name = \"太原市\"\nplaces = [\"太原市/小店区\"]\n");
    assert_eq!((line, col), (23, 8), "{msg}");
    assert!(msg.contains("already a city"), "{msg}");
    // An empty list: `places = []` on line 24, the list at column 10.
    let (line, col, msg) = unit_error("name = \"a\"\nplaces = []\n");
    assert_eq!((line, col), (24, 10), "{msg}");
    assert!(msg.contains("at least one"), "{msg}");
    // A bare city is not a place below a city; `places = [` is 10 characters and
    // `"太原市/小店区", ` 11 more, so the second element starts at column 22.
    let (line, col, msg) = unit_error("name = \"a\"\nplaces = [\"太原市/小店区\", \"太原市\"]\n");
    assert_eq!((line, col), (24, 22), "{msg}");
    assert!(msg.contains("path from the city down"), "{msg}");
    // Nested places.
    let (line, col, msg) =
        unit_error("name = \"a\"\nplaces = [\"太原市/小店区\", \"太原市/小店区/坞城街道\"]\n");
    assert_eq!((line, col), (24, 22), "{msg}");
    assert!(msg.contains("must not nest"), "{msg}");
    // A word other than "user".
    let (line, col, msg) = unit_error("name = \"a\"\nplaces = \"users\"\n");
    assert_eq!((line, col), (24, 10), "{msg}");
    assert!(msg.contains("\"user\""), "{msg}");
    // A number among the places: a syntax-level error at the number.
    let (line, _, msg) = unit_error("name = \"a\"\nplaces = [3]\n");
    assert_eq!(line, 24, "{msg}");
    // A duplicate name: the second unit's name is on line 27.
    let (line, col, msg) = unit_error(
        "name = \"a\"\nplaces = [\"太原市/小店区\"]\n\n[[unit]]\nname = \"a\"\nplaces = \"user\"\n",
    );
    assert_eq!((line, col), (27, 8), "{msg}");
    assert!(msg.contains("duplicate unit"), "{msg}");
}

fn plan_with_user_unit() -> Plan {
    let text = format!(
        "{HEAD}{GOOD}\n[[unit]]\nname = \"甲\"\nplaces = [\"太原市/小店区\"]\n\n[[unit]]\nname = \"新区\"\nplaces = \"user\"\n"
    );
    match parse("p.toml", &text) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn units_file_fills_user_units_only() {
    let mut p = plan_with_user_unit();
    let ok =
        "[[unit]]\nname = \"新区\"\nplaces = [\"太原市/迎泽区/迎泽街道\", \"晋中市/榆次区\"]\n";
    if let Err(e) = apply_units(&mut p, "u.toml", ok) {
        panic!("{e}");
    }
    assert_eq!(
        p.units[1].place_paths(),
        ["太原市/迎泽区/迎泽街道", "晋中市/榆次区"]
    );
    assert_eq!(p.units[1].source, "u.toml");
    let located = |text: &str| -> (usize, usize, String) {
        let mut p = plan_with_user_unit();
        match apply_units(&mut p, "u.toml", text) {
            Err(PlanError::Invalid(d)) if !d.is_empty() => {
                assert!(!p.units[1].configured(), "nothing applied on error");
                (d[0].line, d[0].column, d[0].message.clone())
            }
            other => panic!("expected an error, got {other:?}"),
        }
    };
    // Undeclared name.
    let (line, col, msg) = located("[[unit]]\nname = \"旧区\"\nplaces = [\"太原市/小店区\"]\n");
    assert_eq!((line, col), (2, 8), "{msg}");
    assert!(
        msg.contains("declares no such unit") && msg.contains("新区"),
        "{msg}"
    );
    // A unit whose places the plan gives itself.
    let (line, _, msg) = located("[[unit]]\nname = \"甲\"\nplaces = [\"太原市/小店区\"]\n");
    assert_eq!(line, 2, "{msg}");
    assert!(msg.contains("gives its places itself"), "{msg}");
    // "user" is not a place list in a units file.
    let (line, col, msg) = located("[[unit]]\nname = \"新区\"\nplaces = \"user\"\n");
    assert_eq!((line, col), (3, 10), "{msg}");
    // Unknown key and empty file.
    let (line, col, msg) =
        located("[[unit]]\nname = \"新区\"\nplaces = [\"太原市/小店区\"]\nwhere = 1\n");
    assert_eq!((line, col), (4, 1), "{msg}");
    let (line, _, msg) = located("# nothing\n");
    assert_eq!(line, 1, "{msg}");
    assert!(msg.contains("at least one"), "{msg}");
}

/// GOOD with `milestones = …` as line 21.
fn with_milestones(ms: &str) -> String {
    format!("{GOOD}milestones = {ms}\n")
}

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

#[test]
fn milestones_parse_and_pick_the_stage_of_an_as_of_date() {
    let body = with_milestones("[{ by = 2021-12-31, min = 2 }, { by = 2022-12-31, min = 4 }]");
    let p = match parse("p.toml", &format!("{HEAD}{body}")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let t = &p.targets[0];
    assert_eq!(t.milestones.len(), 2);
    let stage = |s: &str| t.stage(d(s));
    // Before the first milestone: not yet due.
    assert_eq!(stage("2021-06-30"), Stage::NotDue);
    // On a milestone's date it applies; between two, the earlier one.
    let m1 = Milestone {
        by: d("2021-12-31"),
        min: Ratio { num: 2, den: 1 },
    };
    let m2 = Milestone {
        by: d("2022-12-31"),
        min: Ratio { num: 4, den: 1 },
    };
    assert_eq!(stage("2021-12-31"), Stage::Milestone(m1));
    assert_eq!(stage("2022-06-30"), Stage::Milestone(m1));
    assert_eq!(stage("2023-06-30"), Stage::Milestone(m2));
    // From the due date on, the target itself.
    assert_eq!(stage("2023-12-31"), Stage::Final);
    assert_eq!(stage("2024-03-31"), Stage::Final);
    // The milestone's threshold replaces the count's.
    assert!(matches!(
        t.with_min(m1.min).measure,
        Measure::Count { min: 2, .. }
    ));
}

#[test]
fn a_target_without_milestones_is_not_due_before_its_date_but_yearly_counts_are_judged() {
    let p = match builtins() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let shanxi = &p[0];
    let by_id = |id: &str| shanxi.targets.iter().find(|t| t.id == id);
    let density = by_id("urban-density").map(|t| t.stage(d("2022-06-30")));
    assert_eq!(density, Some(Stage::NotDue));
    // Each ended year of a yearly count is its own deadline.
    let training = by_id("training-city").map(|t| t.stage(d("2022-06-30")));
    assert_eq!(training, Some(Stage::Final));
}

#[test]
fn milestone_errors_are_located() {
    // Line 20 is `milestones = [...]`; columns count characters from 1.
    let cases = [
        // by on or after the due date (2023-12-31): the `by` value at column 22.
        (
            "[{ by = 2023-12-31, min = 2 }]",
            22,
            "before the target's due date",
        ),
        // more than the target's own min 5: the `min` value at column 40.
        (
            "[{ by = 2022-12-31, min = 6 }]",
            40,
            "more than the target's own",
        ),
        // dates out of order: the second `by` at column 52.
        (
            "[{ by = 2022-12-31, min = 2 }, { by = 2021-12-31, min = 3 }]",
            52,
            "date order",
        ),
        // a decreasing threshold: the second `min` at column 70.
        (
            "[{ by = 2021-12-31, min = 3 }, { by = 2022-12-31, min = 2 }]",
            70,
            "less than the one before",
        ),
        // a count needs whole numbers.
        ("[{ by = 2022-12-31, min = \"5/2\" }]", 40, "whole number"),
        // an unknown key in a milestone.
        ("[{ by = 2022-12-31, mn = 2 }]", 34, "unknown field"),
    ];
    for (ms, col, words) in cases {
        let (line, c, msg) = first_error(&with_milestones(ms));
        assert_eq!((line, c), (21, col), "{ms}: {msg}");
        assert!(msg.contains(words), "{ms}: {msg}");
    }
}

#[test]
fn milestones_do_not_apply_to_yearly_counts() {
    let body = GOOD
        .replace("measure = \"count\"", "measure = \"yearly_count\"")
        .replace("min = 5\n", "")
        .replace(
            "table = \"organizations\", where = { brand = true }",
            "table = \"events\"",
        )
        + "milestones = [{ by = 2022-12-31, min = 1 }]\n";
    let (line, _, msg) = first_error(&body);
    assert_eq!(line, 20, "{msg}");
    assert!(msg.contains("`milestones` does not apply"), "{msg}");
}

#[test]
fn plan_values_are_kept_within_sane_bounds() {
    // GOOD's `min = 5` is line 18, value at column 7.
    for (min, words) in [
        ("100000000000000000", "below 1000000000"),
        ("9223372036854775807", "below 1000000000"),
        ("1e308", "below 1000000000"),
        ("\"1/10000000000\"", "denominator up to 1000000000"),
    ] {
        let body = GOOD.replace("min = 5", &format!("min = {min}"));
        let (line, col, msg) = first_error(&body);
        assert_eq!((line, col), (18, 7), "{min}: {msg}");
        assert!(msg.contains(words), "{min}: {msg}");
    }
    // A threshold just below the bound is fine.
    let body = GOOD.replace("min = 5", "min = 999999999");
    assert!(parse("p.toml", &format!("{HEAD}{body}")).is_ok());
    // at_least: GOOD with a coverage-like key on a yearly count.
    let body = GOOD
        .replace("measure = \"count\"", "measure = \"yearly_count\"")
        .replace("min = 5\n", "at_least = 2000000000\n")
        .replace(
            "table = \"organizations\", where = { brand = true }",
            "table = \"events\"",
        );
    let (line, _, msg) = first_error(&body);
    assert_eq!(line, 18, "{msg}");
    assert!(msg.contains("from 1 to 1000000000"), "{msg}");
}

#[test]
fn plan_dates_and_period_are_bounded() {
    // HEAD's `due = 2023-12-31` is line 9, value at column 7.
    let far = HEAD.replace("due = 2023-12-31", "due = 9999-12-31");
    match parse("p.toml", &format!("{far}{GOOD}")) {
        Err(PlanError::Invalid(d)) => {
            assert_eq!((d[0].line, d[0].column), (9, 7));
            assert!(
                d[0].message.contains("outside 1949–2100"),
                "{}",
                d[0].message
            );
        }
        other => panic!("{other:?}"),
    }
    let long = HEAD.replace("due = 2023-12-31", "due = 2050-12-31");
    match parse("p.toml", &format!("{long}{GOOD}")) {
        Err(PlanError::Invalid(d)) => {
            assert_eq!((d[0].line, d[0].column), (9, 7));
            assert!(d[0].message.contains("29 years"), "{}", d[0].message);
        }
        other => panic!("{other:?}"),
    }
}

/// All diagnostics of HEAD + body as (line, column, message, help).
fn all_errors(body: &str) -> Vec<(usize, usize, String, Option<String>)> {
    match parse("p.toml", &format!("{HEAD}{body}")) {
        Ok(_) => panic!("expected errors for:\n{body}"),
        Err(PlanError::Invalid(d)) => d
            .into_iter()
            .map(|d| (d.line, d.column, d.message, d.help))
            .collect(),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    // HEAD has 9 lines, the body starts with a blank line 10, so:
    //   line 16 `measur = "count"`: the key at column 1;
    //   line 17 `records = { table = "organisations" }`: `records = { table = ` is 20
    //           characters, the value at column 21;
    //   line 18 `min = "0.8x"`: `min = ` is 6 characters, the value at column 7;
    //   line 19 `level = "citty"`: `level = ` is 8 characters, the value at column 9;
    //   line 26 (second target, after the first's `name` on line 20)
    //           `severity = "warn"`: `severity = ` is 11, column 12.
    let body = "
[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
measur = \"count\"
records = { table = \"organisations\" }
min = \"0.8x\"
level = \"citty\"
name = \"甲\"

[[target]]
id = \"b\"
clause = \"二\"
text = \"t\"
severity = \"warn\"
note = \"n\"
measure = \"count\"
records = { table = \"organizations\" }
min = 3
level = \"city\"
name = \"乙\"
";
    let errors = all_errors(body);
    let at: Vec<(usize, usize)> = errors.iter().map(|(l, c, _, _)| (*l, *c)).collect();
    assert_eq!(
        at,
        [(16, 1), (17, 21), (18, 7), (19, 9), (26, 12)],
        "{errors:#?}"
    );
    let (_, _, msg, help) = &errors[0];
    assert!(msg.contains("unknown field `measur`"), "{msg}");
    assert!(
        help.as_deref()
            .is_some_and(|h| h.contains("did you mean `measure`?")),
        "{help:?}"
    );
    // Misspelt values get suggestions too.
    assert!(
        errors[1]
            .3
            .as_deref()
            .is_some_and(|h| h.contains("`organizations`")),
        "{errors:#?}"
    );
    assert!(errors[2].2.contains("decimal"), "{errors:#?}");
    assert!(
        errors[3].3.as_deref().is_some_and(|h| h.contains("`city`")),
        "{errors:#?}"
    );
    assert!(
        errors[4]
            .3
            .as_deref()
            .is_some_and(|h| h.contains("`warning`")),
        "{errors:#?}"
    );
}

#[test]
fn misspelt_plan_key_and_filter_field_get_suggestions() {
    // `isued` is on line 4 of this file; the filter field `brnad` on line 17, after
    // `records = { ` (12 characters), `table = "organizations", ` (25) and `where = { `
    // (10): 47 characters, so the key is at column 48.
    let text = "[plan]
id = \"t\"
title = \"t\"
isued = 2021-05-01
issuer = \"x\"
province = \"山西省\"
province_code = \"14\"
reporting_units = [\"太原市\"]
period_start = 2021-01-01
due = 2023-12-31

[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
records = { table = \"organizations\", where = { brnad = true } }
measure = \"count\"
min = 5
level = \"city\"
name = \"甲\"
";
    let d = match parse("p.toml", text) {
        Err(PlanError::Invalid(d)) => d,
        other => panic!("expected errors, got {:?}", other.map(|p| p.meta.id)),
    };
    let got: Vec<(usize, usize, Option<&str>)> = d
        .iter()
        .map(|d| (d.line, d.column, d.help.as_deref()))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[0].0, got[0].1), (4, 1));
    assert!(got[0].2.is_some_and(|h| h.contains("`issued`")), "{got:?}");
    assert_eq!((got[1].0, got[1].1), (17, 48));
    assert!(got[1].2.is_some_and(|h| h.contains("`brand`")), "{got:?}");
    // Rendered: one prefix per diagnostic, the position, the caret, the suggestion, and
    // the count at the end.
    let shown = PlanError::Invalid(d).to_string();
    assert_eq!(shown.matches("错误 error:").count(), 3, "{shown}");
    assert!(!shown.contains(": error:"), "{shown}");
    assert!(shown.contains("--> p.toml:4:1"), "{shown}");
    assert!(shown.contains("4 | isued = 2021-05-01"), "{shown}");
    assert!(shown.contains("^^^^^"), "{shown}");
    assert!(
        shown.contains("提示 help: did you mean `issued`?"),
        "{shown}"
    );
    assert!(shown.ends_with("共 2 个错误 / 2 errors"), "{shown}");
}

#[test]
fn syntax_errors_are_all_reported() {
    // HEAD is 9 lines and the body starts with a blank line 10: two broken lines, 12
    // (`id = `, no value) and 14 (an unclosed string).
    let body = "\n[[target]]\nid = \nclause = \"一\"\ntext = \"t\n";
    let errors = all_errors(body);
    let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
    assert!(lines.contains(&12) && lines.contains(&14), "{errors:#?}");
}

/// The coverage target of GOOD-like text with `min` as written.
fn coverage_min(min: &str) -> Result<Ratio, Vec<(usize, usize, String)>> {
    let body = format!(
        "
[[target]]
id = \"c\"
clause = \"一\"
text = \"t\"
note = \"n\"
measure = \"coverage\"
records = {{ table = \"organizations\" }}
units = {{ table = \"communities\" }}
min = {min}
level = \"city\"
name = \"覆盖\"
"
    );
    match parse("p.toml", &format!("{HEAD}{body}")) {
        Ok(p) => match p.targets[0].measure {
            Measure::Coverage { min, .. } => Ok(min),
            _ => panic!("not coverage"),
        },
        Err(PlanError::Invalid(d)) => Err(d
            .into_iter()
            .map(|d| (d.line, d.column, d.message))
            .collect()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn decimal_strings_are_thresholds_like_fractions() {
    let four_fifths = Ratio { num: 4, den: 5 };
    assert_eq!(coverage_min("\"0.8\""), Ok(four_fifths));
    assert_eq!(coverage_min("\"4/5\""), Ok(four_fifths));
    assert_eq!(coverage_min("\"8/10\""), Ok(four_fifths));
    assert_eq!(coverage_min("0.8"), Ok(four_fifths));
    assert_eq!(coverage_min("\" 0.80 \""), Ok(four_fifths));
    assert_eq!(coverage_min("\"1\""), Ok(Ratio { num: 1, den: 1 }));
    assert_eq!(
        coverage_min("\"0.333333333\""),
        Ok(Ratio {
            num: 333_333_333,
            den: 1_000_000_000
        })
    );
    // `min = ` is 6 characters: the value is at line 19 (HEAD 9 + blank + 9), column 7.
    for bad in [
        "\"0.8.1\"",
        "\"-0.5\"",
        "\"1e3\"",
        "\"\"",
        "\".5\"",
        "\"0,8\"",
        "\"0.8%\"",
        "\"0.1234567891\"",
        "\"1/0\"",
    ] {
        let errors = coverage_min(bad).err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!((errors[0].0, errors[0].1), (19, 7), "{bad}: {errors:?}");
        assert!(errors[0].2.contains("\"0.8\""), "{bad}: {errors:?}");
    }
    // The bounds hold for decimals as for fractions.
    let errors = coverage_min("\"1.5\"").err().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1), (19, 7));
    assert!(errors[0].2.contains("cannot exceed 1"), "{errors:?}");
    let errors = coverage_min("\"1000000000.5\"").err().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e.2.contains("below 1000000000")),
        "{errors:?}"
    );
}

#[test]
fn plan_show_gives_thresholds_levels_due_dates_and_milestones() {
    // Against rules/shanxi-2021-2023.toml as written: urban-density `min = 10`, level
    // "city", units communities where kind = "urban"; socialwork-rural `min = "1/3"`;
    // brand-projects count `min = 10` of projects where kind = "品牌项目"; the plan's due
    // date 2023-12-31.
    let p = match builtin("shanxi-2021-2023") {
        Some(Ok(p)) => p,
        _ => panic!("built-in plan"),
    };
    let text = show(&p);
    let block = |id: &str| -> String {
        let start = text.find(&format!("[{id}]")).unwrap_or(text.len());
        let rest = &text[start..];
        let end = rest[1..].find("\n[").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    };
    let urban = block("urban-density");
    assert!(
        urban.contains("threshold: ≥ 10 records per unit"),
        "{urban}"
    );
    assert!(
        urban.contains("units: communities where kind = urban"),
        "{urban}"
    );
    assert!(
        urban.contains("records: organizations where category not in [社会工作服务机构]"),
        "{urban}"
    );
    assert!(urban.contains("(assessed at city)"), "{urban}");
    assert!(urban.contains("severity: error"), "{urban}");
    assert!(urban.contains("due: 2023-12-31"), "{urban}");
    let sw = block("socialwork-rural");
    assert!(sw.contains("≥ 1/3 of units (33.3%)"), "{sw}");
    let bp = block("brand-projects");
    assert!(bp.contains("threshold: ≥ 10 records"), "{bp}");
    assert!(bp.contains("projects where kind = 品牌项目"), "{bp}");
    let tc = block("training-county");
    assert!(
        tc.contains("≥ 1 record within the region in each plan year"),
        "{tc}"
    );
    assert!(tc.contains("assessed at county"), "{tc}");
    // Milestones, on a plan of the test's own (no built-in plan has them yet).
    let body = format!(
        "{GOOD}milestones = [{{ by = 2022-12-31, min = 2 }}, {{ by = 2023-06-30, min = \"4\" }}]\n"
    );
    let p = match parse("p.toml", &format!("{HEAD}{body}")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let text = show(&p);
    assert!(
        text.contains("milestones: by 2022-12-31 ≥ 2; by 2023-06-30 ≥ 4"),
        "{text}"
    );
    assert!(text.contains("threshold: ≥ 5 records"), "{text}");
}

/// The whole rendering of a file with three errors, as `plan check` prints it (read and
/// checked by hand: the columns are worked out in `every_error_of_a_file_is_reported_in_order`
/// and `misspelt_plan_key_and_filter_field_get_suggestions`; `measure = ` is 10 characters,
/// so "cuont" is at 16:11 under 7 carets; `category = "枢纽性"` starts at 17:59 and its 8
/// display columns get 8 carets; "4/0" at 18:7).
#[test]
fn the_rendering_of_several_errors_is_exact() {
    let text = "[plan]
id = \"t\"
title = \"t\"
issuer = \"x\"
province = \"山西省\"
province_code = \"14\"
reporting_units = [\"太原市\"]
period_start = 2021-01-01
due = 2023-12-31

[[target]]
id = \"a\"
clause = \"一\"
text = \"t\"
note = \"n\"
measure = \"cuont\"
records = { table = \"organizations\", where = { category = \"枢纽性\" } }
min = \"4/0\"
level = \"city\"
name = \"甲\"
";
    let shown = match parse("p.toml", text) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected errors"),
    };
    let expected = "错误 error: unknown measure \"cuont\"; expected one of: density, coverage, count, yearly_count, info
  --> p.toml:16:11
   |
16 | measure = \"cuont\"
   |           ^^^^^^^
   |
   = 提示 help: did you mean `count`? / 是否应为 `count`？

错误 error: unknown value \"枢纽性\"; expected one of: 枢纽型, 支持型, 社会工作服务机构, 生活服务类, 公益慈善类, 文体活动类, 专业调处类
  --> p.toml:17:59
   |
17 | records = { table = \"organizations\", where = { category = \"枢纽性\" } }
   |                                                           ^^^^^^^^
   |
   = 提示 help: did you mean `枢纽型`? / 是否应为 `枢纽型`？

错误 error: expected a non-negative number or decimal (10, 0.5, \"0.8\") or a fraction (\"1/3\")
  --> p.toml:18:7
   |
18 | min = \"4/0\"
   |       ^^^^^

错误 error: 共 3 个错误 / 3 errors";
    assert_eq!(shown, expected, "\n{shown}");
}
