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
    let (line, _, msg) = first_error(body);
    assert_eq!(line, 18, "{msg}");
    assert!(msg.contains("min"), "{msg}");
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
        text.starts_with("my-plan.toml:19:9: error: unknown level \"town\""),
        "{text}"
    );
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
