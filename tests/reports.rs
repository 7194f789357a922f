//! The report formats through the real binary, all from one run on the demo, checked
//! against the CSV of the same run: XLSX read back with calamine, JUnit parsed with
//! quick-xml, the HTML free of external references, the Markdown gap table, `--lang en`.
//! The JUnit failures and the submission checklist are checked against the same audit run
//! in-process through the library (its rows equal the binary's CSV, cell for cell).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook, Data, Reader, Xlsx};
use quick_xml::events::Event;
use quick_xml::XmlVersion;
use zhibiao::audit::{AuditOptions, AuditResult};
use zhibiao::ingest::IngestOptions;
use zhibiao::model::{BuildOptions, Level};
use zhibiao::plan::Severity;
use zhibiao::report::{checklist_grid, long_cells, ratio_cells, Lang};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The audit of `inputs` (as `zhibiao audit INPUTS --as-of 2023-12-31` runs it), in-process.
fn audit_in_process(inputs: &[PathBuf]) -> AuditResult {
    let ds = match zhibiao::ingest::read_inputs(inputs, &IngestOptions::default()) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let plan = match zhibiao::plan::builtin("shanxi-2021-2023") {
        Some(Ok(p)) => p,
        _ => panic!("built-in plan"),
    };
    let opts = BuildOptions {
        province: plan.meta.province.clone(),
        reporting_units: plan.meta.reporting_units.clone(),
        ..BuildOptions::default()
    };
    let model = match zhibiao::model::build(ds, &opts) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let Some(as_of) = chrono::NaiveDate::from_ymd_opt(2023, 12, 31) else {
        panic!("date")
    };
    zhibiao::audit::run(
        &model,
        &plan,
        AuditOptions {
            as_of,
            by: Level::City,
            threads: 0,
        },
    )
}

/// The in-process result is the binary's: every row equals the CSV's record.
fn same_as_csv(result: &AuditResult, csv: &[Vec<String>]) {
    assert_eq!(result.rows.len() + 1, csv.len());
    for (row, rec) in result.rows.iter().zip(&csv[1..]) {
        let mut cells = long_cells(result, row).to_vec();
        cells.extend(ratio_cells(row));
        assert_eq!(cells, *rec);
    }
}

/// Run `zhibiao audit INPUTS --as-of 2023-12-31` with `extra` args; returns the exit code.
fn audit_inputs(inputs: &[&str], extra: &[&str]) -> i32 {
    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    c.current_dir(root()).env("NO_COLOR", "1");
    c.args(["audit", "--as-of", "2023-12-31"]);
    c.args(inputs);
    c.args(extra);
    match c.output() {
        Ok(o) => {
            let code = o.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "exit {code}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            code
        }
        Err(e) => panic!("{e}"),
    }
}

fn read(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// The CSV's records, header first.
fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let text = read(path);
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| match rec {
            Ok(rec) => rec.iter().map(str::to_string).collect(),
            Err(e) => panic!("{e}"),
        })
        .collect()
}

struct Run {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    code: i32,
}

impl Run {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// One run on the demo writing every format.
fn run_all(lang: &str, stem: &str) -> Run {
    run_all_on(&["fixtures/demo"], lang, stem)
}

/// One run on `inputs` writing every format.
fn run_all_on(inputs: &[&str], lang: &str, stem: &str) -> Run {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let path = dir.path().to_path_buf();
    let outs: Vec<String> = ["csv", "html", "md", "xlsx", "xml"]
        .iter()
        .map(|ext| path.join(format!("{stem}.{ext}")).display().to_string())
        .collect();
    let mut args = vec!["--lang", lang];
    for o in &outs {
        args.push("-o");
        args.push(o);
    }
    let code = audit_inputs(inputs, &args);
    Run {
        _dir: dir,
        dir: path,
        code,
    }
}

#[test]
fn every_format_from_one_run_agrees_with_the_csv() {
    let run = run_all("zh", "a");
    assert_eq!(run.code, 1, "demo targets are unmet");
    let csv = csv_records(&run.file("a.csv"));
    assert_eq!(
        csv[0],
        [
            "plan",
            "target",
            "level",
            "region",
            "value",
            "required",
            "gap",
            "status",
            "due",
            "partial",
            "as_of",
            "milestone",
            "explanation",
            "numerator",
            "denominator"
        ]
    );
    assert!(csv.len() > 100);
    // Relative, as the binary was given it (the checklist names the tables by that path).
    let result = audit_in_process(&[PathBuf::from("fixtures/demo")]);

    xlsx_matches_csv(&run.file("a.xlsx"), &csv);
    junit_fails_what_decides(&read(&run.file("a.xml")), &result, &csv);
    checklist_everywhere(&run, "a", &result, Lang::Zh);
    // Hand-checked anchors: both cities sent every kind, numbered by the tables' reading
    // order (1 孵化基地.csv … 8 项目与活动.xlsx#活动); nine cities sent nothing.
    let grid = checklist_grid(&result, Lang::Zh);
    assert_eq!(grid.rows.len(), 11);
    let yq = grid.rows.iter().find(|r| r.unit == "阳泉市");
    let texts = yq.map(|r| (0..6).map(|k| r.cell_text(k)).collect::<Vec<_>>());
    assert_eq!(
        texts,
        Some(
            ["✓ 3", "✓ 6", "✓ 1", "✓ 7", "✓ 8", "✓ 5"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(grid.rows.iter().filter(|r| !r.present).count(), 9);
    assert_eq!(grid.legend.len(), 8);
    html_is_self_contained(&read(&run.file("a.html")));
    markdown_has_a_row_per_region(&read(&run.file("a.md")), &csv, "## 分地区差距");

    let html = read(&run.file("a.html"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
    for want in [
        "分地区差距",
        "目标汇总",
        "数据问题",
        "行数核对",
        "8.01 / 10.00",
        "差 351",
    ] {
        assert!(html.contains(want), "{want}");
    }
}

/// Every cell of the long sheet equals the CSV's: text as text, numbers as the number the
/// CSV prints (and printed back at the CSV's decimals gives the same string).
fn xlsx_matches_csv(path: &Path, csv: &[Vec<String>]) {
    let mut book: Xlsx<_> = match open_workbook(path) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    let names = book.sheet_names();
    assert_eq!(names.len(), 3, "{names:?}");
    let range = match book.worksheet_range_at(1) {
        Some(Ok(r)) => r,
        other => panic!("{:?}", other.map(|r| r.map(|_| ()))),
    };
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), csv.len());
    // In Chinese the header, the level and the status are Chinese words; the rest is the
    // CSV's.
    let zh = book.sheet_names().first().is_some_and(|n| n == "汇总");
    let word = |c: usize, text: &str| -> String {
        let words: &[(&str, &str)] = match c {
            2 => &[
                ("province", "省"),
                ("city", "市"),
                ("county", "县区"),
                ("street", "街道乡镇"),
            ],
            7 => &[
                ("met", "达标"),
                ("unmet", "未达标"),
                ("no_data", "无数据"),
                ("not_applicable", "不适用"),
                ("info", "信息"),
                ("not_due", "未到期"),
                ("explained", "已说明"),
            ],
            _ => &[],
        };
        match words.iter().find(|(code, _)| *code == text) {
            Some((_, w)) if zh => (*w).to_string(),
            _ => text.to_string(),
        }
    };
    for (i, (got, want)) in rows.iter().zip(csv).enumerate() {
        assert_eq!(got.len(), want.len(), "row {i}");
        let want: Vec<String> = if i == 0 && zh {
            zhibiao::report::xlsx::COLUMNS_ZH.map(String::from).to_vec()
        } else {
            want.iter().enumerate().map(|(c, t)| word(c, t)).collect()
        };
        for (c, (cell, text)) in got.iter().zip(&want).enumerate() {
            match cell {
                Data::Empty => assert_eq!(text, "", "row {i} col {c}"),
                Data::String(s) => assert_eq!(s, text, "row {i} col {c}"),
                Data::Float(x) => {
                    assert!(
                        i > 0 && matches!(c, 4..=6 | 13 | 14),
                        "number at row {i} col {c}"
                    );
                    let parsed: f64 = match text.parse() {
                        Ok(v) => v,
                        Err(e) => panic!("row {i} col {c} {text:?}: {e}"),
                    };
                    assert_eq!(*x, parsed, "row {i} col {c}");
                    let decimals = text.split('.').nth(1).map_or(0, str::len);
                    assert_eq!(&format!("{x:.decimals$}"), text, "row {i} col {c}");
                }
                other => panic!("row {i} col {c}: unexpected {other:?}"),
            }
        }
    }
}

/// The JUnit testcases are the rows at each target's assessed level plus the rows that
/// decide the exit code ([`AuditResult::decides`]: the city row of a city missing from the
/// data, for a county-level target); the `<failure>`s are exactly the deciding rows of
/// error targets, the `<skipped>` ones those of warning targets. Each failure's row is
/// unmet or no data in the CSV too.
fn junit_fails_what_decides(xml: &str, result: &AuditResult, csv: &[Vec<String>]) {
    same_as_csv(result, csv);
    let key =
        |r: &zhibiao::audit::Row| (result.targets[r.target].target.id.clone(), r.region.clone());
    let severity = |r: &zhibiao::audit::Row| result.targets[r.target].target.severity;
    let want_cases: BTreeSet<(String, String)> = result
        .rows
        .iter()
        .filter(|r| r.assessed || result.decides(r))
        .map(key)
        .collect();
    let want_failures: BTreeSet<(String, String)> = result
        .rows
        .iter()
        .filter(|r| result.decides(r) && severity(r) == Severity::Error)
        .map(key)
        .collect();
    let want_skipped: BTreeSet<(String, String)> = result
        .rows
        .iter()
        .filter(|r| result.decides(r) && severity(r) == Severity::Warning)
        .map(key)
        .collect();
    assert!(!want_failures.is_empty());

    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suites = 0usize;
    let mut suite_failures_attr = 0usize;
    let mut cases: BTreeSet<(String, String)> = BTreeSet::new();
    let (mut failures, mut skipped) = (BTreeSet::new(), BTreeSet::new());
    let mut n_cases = 0usize;
    let mut current = (String::new(), String::new());
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let attr = |name: &str| -> String {
                    e.attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.into_inner() == name)
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                        .unwrap_or_default()
                };
                match e.name().into_inner() {
                    "failure" => {
                        let m = attr("message");
                        assert!(
                            m.contains("实际") && m.contains("要求") && m.contains("差距"),
                            "{m}"
                        );
                        failures.insert(current.clone());
                    }
                    "skipped" => {
                        skipped.insert(current.clone());
                    }
                    "testcase" => {
                        n_cases += 1;
                        current = (attr("classname"), attr("name"));
                        cases.insert(current.clone());
                    }
                    "testsuite" => {
                        suites += 1;
                        suite_failures_attr += attr("failures").parse::<usize>().unwrap_or(0);
                    }
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(e) => panic!("JUnit XML does not parse: {e}"),
        }
    }
    assert_eq!(failures, want_failures);
    assert_eq!(skipped, want_skipped);
    assert_eq!(suite_failures_attr, want_failures.len());
    assert_eq!(suites, result.targets.len());
    assert_eq!(n_cases, cases.len(), "one testcase per (target, region)");
    assert_eq!(cases, want_cases);
    // Independently of `decides`: a failing row is unmet or no data in the CSV.
    for (id, region) in &failures {
        let rec = csv[1..].iter().find(|r| r[1] == *id && r[3] == *region);
        assert!(
            rec.is_some_and(|r| r[7] == "unmet" || r[7] == "no_data"),
            "{id} {region}: {rec:?}"
        );
    }
}

/// No external reference of any kind.
fn html_is_self_contained(html: &str) {
    for bad in [
        "http://",
        "https://",
        "src=\"//",
        "href=\"//",
        "src='//",
        "href='//",
        "@import",
        "url(",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(!html.contains(bad), "HTML contains {bad}");
    }
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<svg"));
    assert!(html.contains("@media print"));
}

/// The gap table (after `heading`) has one row per region at the `--by` level (city).
fn markdown_has_a_row_per_region(md: &str, csv: &[Vec<String>], heading: &str) {
    let regions: BTreeSet<&str> = csv[1..]
        .iter()
        .filter(|r| r[2] == "city")
        .map(|r| r[3].as_str())
        .collect();
    let lines: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    // Header, rule, then one row per region.
    assert_eq!(lines.len(), regions.len() + 2, "{lines:#?}");
    for region in &regions {
        let label = region.split_once('/').map_or(*region, |(_, l)| l);
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("| {label} |"))),
            "{label}"
        );
    }
}

#[test]
fn lang_en_changes_the_words() {
    let run = run_all("en", "b");
    let html = read(&run.file("b.html"));
    assert!(html.contains("<html lang=\"en\">"));
    for want in [
        "Summary of targets",
        "Gaps by region",
        "Data issues",
        "Row accounting",
        "gap 351",
    ] {
        assert!(html.contains(want), "{want}");
    }
    for gone in ["分地区差距", "目标汇总", "行数核对", "差 351"] {
        assert!(!html.contains(gone), "{gone}");
    }
    let md = read(&run.file("b.md"));
    assert!(md.contains("## Gaps by region (city)"));
    assert!(md.contains("| Region |"));
    let csv = csv_records(&run.file("b.csv"));
    markdown_has_a_row_per_region(&md, &csv, "## Gaps by region");
    checklist_everywhere(
        &run,
        "b",
        &audit_in_process(&[PathBuf::from("fixtures/demo")]),
        Lang::En,
    );
    let xml = read(&run.file("b.xml"));
    assert!(xml.contains("message=\"value 8.01, required 10.00, gap 351\""));
    let mut book: Xlsx<_> = match open_workbook(run.file("b.xlsx")) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(book.sheet_names(), ["Summary", "Result", "Checklist"]);
    xlsx_matches_csv(&run.file("b.xlsx"), &csv);
    // The CSV's column names do not change with --lang.
    assert_eq!(csv[0][0], "plan");
    let _ = book.worksheet_range_at(0);
}

/// The checklist of `result` (as [`checklist_grid`] gives it) in the XLSX sheet
/// 报送清单/Checklist (grid from A1, then a blank row, the marks' meaning and the numbered
/// legend), in the HTML's checklist table and its legend, and in the Markdown table.
fn checklist_everywhere(run: &Run, stem: &str, result: &AuditResult, lang: Lang) {
    let grid = checklist_grid(result, lang);
    let w = lang.words();
    let mut want: Vec<Vec<String>> = vec![std::iter::once(w.reporting_unit.to_string())
        .chain(grid.kinds.iter().cloned())
        .collect()];
    for r in &grid.rows {
        want.push(
            std::iter::once(r.unit.clone())
                .chain((0..grid.kinds.len()).map(|k| r.cell_text(k)))
                .collect(),
        );
    }

    // XLSX.
    let mut book: Xlsx<_> = match open_workbook(run.file(&format!("{stem}.xlsx"))) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    let sheet = match lang {
        Lang::Zh => "报送清单",
        Lang::En => "Checklist",
    };
    let range = match book.worksheet_range(sheet) {
        Ok(r) => r,
        Err(e) => panic!("{sheet}: {e}"),
    };
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(x) => format!("{x}"),
        other => panic!("unexpected {other:?}"),
    };
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(rows[..want.len()], want[..], "{sheet}");
    assert!(rows[want.len()].iter().all(String::is_empty));
    assert_eq!(rows[want.len() + 1][0], w.checklist_note);
    let legend: Vec<(String, String)> = rows[want.len() + 2..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let want_legend: Vec<(String, String)> = grid
        .legend
        .iter()
        .map(|(n, name)| (n.to_string(), name.clone()))
        .collect();
    assert_eq!(legend, want_legend);

    // HTML: the rows of the checklist table, tags stripped.
    let html = read(&run.file(&format!("{stem}.html")));
    let section = html
        .split("<section id=\"checklist\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_default();
    assert!(section.contains(&format!("<h2>{}</h2>", w.checklist)));
    let got: Vec<Vec<String>> = section
        .split("<tr>")
        .skip(1)
        .map(|tr| {
            tr.split("</t")
                .filter_map(|c| c.rsplit_once('>').map(|(_, t)| t.to_string()))
                .take(grid.kinds.len() + 1)
                .collect()
        })
        .collect();
    assert_eq!(got, want, "HTML checklist");
    for (n, name) in &grid.legend {
        assert!(
            section.contains(&format!("<li value=\"{n}\">{name}</li>")),
            "legend {n}"
        );
    }
    // ✗ cells styled as no data.
    let missing = grid
        .rows
        .iter()
        .map(|r| r.cells.iter().filter(|c| r.present && c.is_none()).count())
        .sum::<usize>();
    assert_eq!(
        section
            .matches("<td class=\"no_data missing\">✗</td>")
            .count(),
        missing
    );

    // Markdown.
    let md = read(&run.file(&format!("{stem}.md")));
    for r in &want[1..] {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i > 0 && t == "✗" {
                    format!("**{t}**")
                } else {
                    t.clone()
                }
            })
            .collect();
        let line = format!("| {} |", cells.join(" | "));
        assert!(md.lines().any(|l| l == line), "Markdown lacks {line}");
    }
}

/// Copies the demo's spreadsheets to `dir` without 项目与活动.xlsx (the only projects and
/// events tables).
fn demo_without_projects_and_events(dir: &Path) {
    let entries = match std::fs::read_dir(root().join("fixtures/demo")) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if (name.ends_with(".csv") || name.ends_with(".xlsx")) && name != "项目与活动.xlsx" {
            if let Err(e) = std::fs::copy(&path, dir.join(&name)) {
                panic!("{e}");
            }
        }
    }
}

/// Without the projects and events tables, the five targets counting them have no data
/// (never "0, unmet"), every report names the missing table, and the checklist shows ✗.
/// Hand-computed: training-city has 11 no-data cities (阳泉市 and 晋城市 lack events, the
/// other 9 sent nothing); training-county has the 11 counties of 阳泉市 (5) and 晋城市 (6)
/// plus the 9 other cities counted apart.
#[test]
fn missing_tables_are_no_data_with_the_reason_in_every_format() {
    let data = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    demo_without_projects_and_events(data.path());
    let input = data.path().display().to_string();
    let run = run_all_on(&[input.as_str()], "zh", "m");
    assert_eq!(run.code, 1);
    let csv = csv_records(&run.file("m.csv"));
    let result = audit_in_process(&[data.path().to_path_buf()]);
    same_as_csv(&result, &csv);
    for tr in &result.targets {
        let id = tr.target.id.as_str();
        let lacks = match id {
            "training-city" | "training-county" | "selection-city" | "selection-county" => {
                vec!["活动"]
            }
            "brand-projects" => vec!["项目"],
            _ => vec![],
        };
        let names: Vec<&str> = tr.missing_tables.iter().map(|k| k.zh()).collect();
        assert_eq!(names, lacks, "{id}");
    }
    for id in ["training-city", "brand-projects"] {
        let rec = csv[1..]
            .iter()
            .find(|r| r[1] == id && r[3] == "山西省/阳泉市");
        assert_eq!(rec.map(|r| r[7].as_str()), Some("no_data"), "{id}");
    }

    junit_fails_what_decides(&read(&run.file("m.xml")), &result, &csv);
    checklist_everywhere(&run, "m", &result, Lang::Zh);
    let xml = read(&run.file("m.xml"));
    assert!(xml.contains("message=\"实际 —，要求 3，差距 —，无数据（未提供 活动 表）\""));

    let note = "⚠ 市级能力培训、县级能力培训、市级优质项目评选、县级优质项目评选：\
                未提供 活动 表，记为无数据";
    let html = read(&run.file("m.html"));
    assert!(html.contains(&format!("<p class=\"warn\">{note}</p>")));
    assert!(html.contains("11<br><span class=\"reason\">未提供 活动 表</span>"));
    assert!(html.contains("11（另 9 市）<br><span class=\"reason\">未提供 活动 表</span>"));
    assert!(html.contains("11<br><span class=\"reason\">未提供 项目 表</span>"));

    let md = read(&run.file("m.md"));
    assert!(md.contains(&format!("{note}  ")));
    assert!(md.contains("| 3 | 0 | 0 | 11（另 9 市）：未提供 活动 表 |  |"));

    // XLSX summary: the no-data count 11 of training-city, the note below the table.
    let mut book: Xlsx<_> = match open_workbook(run.file("m.xlsx")) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    let range = match book.worksheet_range("汇总") {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let rows: Vec<&[Data]> = range.rows().collect();
    let row_of = |id: &str| rows.iter().find(|r| r[0] == Data::String(id.to_string()));
    assert_eq!(
        row_of("市级能力培训（training-city）").map(|r| r[6].clone()),
        Some(Data::Float(11.0))
    );
    assert!(row_of(note).is_some(), "note row");
}

/// Identical data issues of a table are one entry with their count and first rows. In
/// fixtures/messy/rare-chars.csv (GB18030) 12 organizations lie in cities outside the
/// 小店区 community list; counted here from the file itself: rows by city, in order.
#[test]
fn identical_issues_are_merged_in_html_and_markdown() {
    let bytes = match std::fs::read(root().join("fixtures/messy/rare-chars.csv")) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad);
    let mut by_city: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let city = line.split(',').nth(1).unwrap_or_default().to_string();
        match by_city.iter_mut().find(|(c, _)| *c == city) {
            Some((_, rows)) => rows.push(i + 1),
            None => by_city.push((city, vec![i + 1])),
        }
    }
    let total: usize = by_city.iter().map(|(_, r)| r.len()).sum();
    assert_eq!((total, by_city.len()), (12, 3));
    let (city, rows) = &by_city[0];
    assert_eq!(city, "朔州市");

    let inputs = [
        "fixtures/messy/rare-chars.csv",
        "fixtures/messy/communities-taiyuan.csv",
        "--plan",
        "shanxi-2021-2023",
    ];
    let first: Vec<String> = rows.iter().take(3).map(ToString::to_string).collect();
    for (lang, count, location) in [
        (
            "zh",
            "12 条（相同的合并为 3 项）".to_string(),
            format!(
                "fixtures/messy/rare-chars.csv 第{}行等 {} 行 [市]",
                first.join("、"),
                rows.len()
            ),
        ),
        (
            "en",
            "12 (identical ones merged into 3 entries)".to_string(),
            format!(
                "fixtures/messy/rare-chars.csv rows {} … ({} rows) [市]",
                first.join(", "),
                rows.len()
            ),
        ),
    ] {
        let run = run_all_on(&inputs, lang, "g");
        let html = read(&run.file("g.html"));
        assert!(
            html.contains(&format!("<span class=\"count\">{count}</span>")),
            "{lang}"
        );
        assert!(
            html.contains(&format!("<tr><td>{location}</td>")),
            "{lang} {location}"
        );
        let issues = html
            .split("<section id=\"issues\">")
            .nth(1)
            .and_then(|s| s.split("<p class=\"classification\">").next())
            .unwrap_or_default();
        assert_eq!(
            issues.matches("<tr><td>").count(),
            3,
            "{lang}: three entries"
        );
        let md = read(&run.file("g.md"));
        assert!(md.contains(&count), "{lang}");
        let md_location = location.replace('[', "\\[").replace(']', "\\]");
        assert!(
            md.lines()
                .any(|l| l.starts_with(&format!("- {md_location}"))),
            "{lang} {md_location}"
        );
    }
}

/// A street-level copy of urban-density: the demo's townships without an urban community
/// are not applicable. They never fail (JUnit: they pass, saying so), and the summaries
/// count them apart from the met ones, as the missing cities apart from the no-data
/// streets. The counts come from the CSV of the same run.
#[test]
fn not_applicable_regions_pass_and_are_counted_apart() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let builtin = read(&root().join("rules/shanxi-2021-2023.toml"));
    let head = builtin.split("[[target]]").next().unwrap_or_default();
    let plan = format!(
        "{head}[[target]]\nid = \"urban-density-street\"\nname = \"城市社区组织密度（街道）\"\nclause = \"一、总体目标\"\n\
         text = \"城市社区平均拥有不少于10个社区社会组织（按街道）\"\nnote = \"按街道\"\n\
         measure = \"density\"\nrecords = {{ table = \"organizations\" }}\n\
         units = {{ table = \"communities\", where = {{ kind = \"urban\" }} }}\n\
         min = 10\nlevel = \"street\"\n"
    );
    let plan_path = dir.path().join("street.toml");
    if let Err(e) = std::fs::write(&plan_path, plan) {
        panic!("{e}");
    }
    let plan_arg = plan_path.display().to_string();
    let run = run_all_on(&["fixtures/demo", "--plan", plan_arg.as_str()], "zh", "n");
    assert_eq!(run.code, 1);
    let csv = csv_records(&run.file("n.csv"));
    let count = |level: &str, status: &str| {
        csv[1..]
            .iter()
            .filter(|r| r[2] == level && r[7] == status)
            .count()
    };
    let (met, unmet, na) = (
        count("street", "met"),
        count("street", "unmet"),
        count("street", "not_applicable"),
    );
    let missing_cities = count("city", "no_data");
    assert!(na > 0 && met > 0);
    assert_eq!((count("street", "no_data"), missing_cities), (0, 9));

    let md = read(&run.file("n.md"));
    let cells = format!("| {met}（另 {na} 不适用） | {unmet} | 0（另 9 市） |");
    assert!(md.contains(&cells), "{cells}");
    let html = read(&run.file("n.html"));
    assert!(html.contains(&format!(">{met}（另 {na} 不适用）</td>")));
    assert!(html.contains("0（另 9 市）"));

    // JUnit: the unmet streets and the missing cities fail; not-applicable streets pass.
    let xml = read(&run.file("n.xml"));
    assert_eq!(xml.matches("<failure ").count(), unmet + missing_cities);
    assert_eq!(
        xml.matches("<system-out>不适用 · 没有符合条件的单位</system-out>")
            .count(),
        na
    );
}

/// Run the binary with `args` from the repository root; the exit code (0 or 1).
fn run_ok(args: &[&str]) -> i32 {
    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    c.current_dir(root()).env("NO_COLOR", "1").args(args);
    match c.output() {
        Ok(o) => {
            let code = o.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "exit {code}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            code
        }
        Err(e) => panic!("{e}"),
    }
}

/// The rows of the first table after `marker` in `html`, each as its cells' text (tags
/// removed, entities of the escaper undone).
fn table_after(html: &str, marker: &str) -> Vec<Vec<String>> {
    let Some(start) = html.find(marker) else {
        panic!("{marker} missing")
    };
    let rest = &html[start..];
    let end = rest.find("</table>").unwrap_or(rest.len());
    let table = &rest[..end];
    let strip = |s: &str| -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for ch in s.chars() {
            match ch {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
            .trim()
            .to_string()
    };
    table
        .split("<tr")
        .skip(1)
        .map(|tr| {
            let mut cells = Vec::new();
            let mut s = tr;
            while let Some(i) = s.find("<t") {
                let after = &s[i + 2..];
                if !(after.starts_with('d') || after.starts_with('h')) {
                    s = after;
                    continue;
                }
                let close = after.find("</t").unwrap_or(after.len());
                let body = &after[..close];
                let body = body.find('>').map_or("", |j| &body[j + 1..]);
                cells.push(strip(body));
                s = &after[close.min(after.len())..];
                if s.len() > 3 {
                    s = &s[3..];
                }
            }
            cells
        })
        .collect()
}

/// A number cell of a sheet (dates as their serial number).
fn num(cell: Option<&Data>) -> Option<f64> {
    match cell {
        Some(Data::Float(x)) => Some(*x),
        Some(Data::Int(x)) => Some(*x as f64),
        Some(Data::DateTime(d)) => Some(d.as_f64()),
        _ => None,
    }
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other}"),
    }
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = match open_workbook(path) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    match book.worksheet_range(name) {
        Ok(r) => r.rows().map(<[Data]>::to_vec).collect(),
        Err(e) => panic!("sheet {name}: {e} (sheets {:?})", book.sheet_names()),
    }
}

/// `audit --baseline` adds the movement to the HTML and the XLSX, with the figures of
/// tests/movement.rs's header (checked with fixtures/demo/expected.py): urban density,
/// 2023-06-30 → 2023-12-31, 阳泉市 9.38 → 10.31 (1473 → 1619 records: ▲0.93, +146, met),
/// 晋城市 7.36 → 8.01 (1296 → 1409: ▲0.65, +113, gap 351). 晋城市's gap closed 464 → 351
/// in 184 days = 2.0151 quarters: 56.08 a quarter; 351 / 56.08 quarters = 572 days after
/// 2023-12-31 = 2025-07-25 (Excel serial 45863: days since 1899-12-30, Python
/// `(date(2025,7,25) - date(1899,12,30)).days`), after the due date: behind. No pace is
/// needed any more (the due date has come). Outlook counts of urban-density: met 1, on
/// track 0, behind 1, stalled 0, no data 9 (the nine cities that sent nothing).
#[test]
fn movement_in_html_and_xlsx() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let out = |name: &str| dir.path().join(name).display().to_string();
    let (html, xlsx, en) = (out("m.html"), out("m.xlsx"), out("en.xlsx"));
    let base = [
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--baseline",
        "fixtures/demo",
        "--baseline-as-of",
        "2023-06-30",
    ];
    let mut args = base.to_vec();
    args.extend(["-o", html.as_str(), "-o", xlsx.as_str()]);
    assert_eq!(run_ok(&args), 1);
    let mut args = base.to_vec();
    args.extend(["--lang", "en", "-o", en.as_str()]);
    assert_eq!(run_ok(&args), 1);

    // HTML: the section, the counts, the regions ranked by change.
    let page = read(Path::new(&html));
    html_is_self_contained(&page);
    assert!(page.contains("<section id=\"movement\">"));
    let counts = table_after(&page, "<section id=\"movement\">");
    let ud = counts
        .iter()
        .find(|r| r.first().is_some_and(|c| c.starts_with("urban-density")));
    assert_eq!(
        ud.map(|r| r[1..].to_vec()),
        Some(["市", "1", "0", "1", "0", "9"].map(String::from).to_vec())
    );
    let rows = table_after(&page, "<h3 id=\"movement-urban-density\">");
    assert_eq!(
        rows[0],
        [
            "地区（市）",
            "上期 2023-06-30",
            "本期 2023-12-31",
            "要求",
            "变化",
            "数量变化",
            "差距",
            "所需进度/季",
            "实际进度/季",
            "预计达标",
            "展望"
        ]
    );
    assert_eq!(
        rows[1..],
        [
            [
                "阳泉市",
                "9.38",
                "10.31",
                "10.00",
                "▲0.93",
                "+146",
                "0",
                "—",
                "—",
                "—",
                "已达标"
            ],
            [
                "晋城市",
                "7.36",
                "8.01",
                "10.00",
                "▲0.65",
                "+113",
                "351",
                "—",
                "56.08",
                "2025-07-25",
                "进度落后"
            ]
        ]
    );

    // XLSX: the sheets 变化 and 展望 after the usual three.
    let mut book: Xlsx<_> = match open_workbook(&xlsx) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        book.sheet_names(),
        ["汇总", "结果", "报送清单", "变化", "展望"]
    );
    let _ = book.worksheet_range_at(0);
    let m = sheet(Path::new(&xlsx), "变化");
    assert_eq!(text(m[0].get(4)), "上期 2023-06-30");
    assert_eq!(text(m[0].get(5)), "本期 2023-12-31");
    let row = |region: &str| -> &Vec<Data> {
        match m
            .iter()
            .find(|r| text(r.first()) == "urban-density" && text(r.get(2)) == region)
        {
            Some(r) => r,
            None => panic!("no urban-density row for {region}"),
        }
    };
    let j = row("晋城市");
    let nums: Vec<Option<f64>> = (3..=12).map(|c| num(j.get(c))).collect();
    assert_eq!(
        nums,
        [
            Some(2.0),
            Some(7.36),
            Some(8.01),
            Some(10.0),
            Some(0.65),
            Some(113.0),
            Some(351.0),
            None,
            Some(56.08),
            Some(45863.0)
        ]
    );
    assert_eq!(text(j.get(13)), "进度落后");
    let y = row("阳泉市");
    assert_eq!(
        (num(y.get(3)), num(y.get(7)), num(y.get(8)), text(y.get(13))),
        (Some(1.0), Some(0.93), Some(146.0), "已达标".to_string())
    );
    let o = sheet(Path::new(&xlsx), "展望");
    let ud = o.iter().find(|r| text(r.first()) == "urban-density");
    assert_eq!(
        ud.map(|r| (2..=6).map(|c| num(r.get(c))).collect::<Vec<_>>()),
        Some([1.0, 0.0, 1.0, 0.0, 9.0].map(Some).to_vec())
    );

    // English: the sheet names and the outlook words.
    let mut book: Xlsx<_> = match open_workbook(&en) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        book.sheet_names(),
        ["Summary", "Result", "Checklist", "Movement", "Outlook"]
    );
    let _ = book.worksheet_range_at(0);
    let m = sheet(Path::new(&en), "Movement");
    let j = m
        .iter()
        .find(|r| text(r.first()) == "urban-density" && text(r.get(2)) == "晋城市");
    assert_eq!(j.map(|r| text(r.get(13))), Some("behind".to_string()));
}

/// `trend -o x.html -o x.xlsx -o x.csv` on the demo read at three dates.
///
/// Small multiples: one chart per region with a figure, at each target's assessed level.
/// The Shanxi plan has 13 targets (README), 11 assessed per city and 2 per county
/// (training-county, selection-county); the demo has 2 cities with data (阳泉市, 晋城市)
/// and their 5 + 6 = 11 counties (阳泉市: 城区 矿区 郊区 平定县 盂县; 晋城市: 城区 沁水县
/// 阳城县 陵川县 泽州县 高平市), so 11 × 2 + 2 × 11 = 44 charts. Values from
/// tests/movement.rs's header: 晋城市 7.36 → 7.70 → 8.01 (change 0.65, behind), 阳泉市 9.38
/// → 9.79 → 10.31 (change 0.93, met).
#[test]
fn trend_html_and_xlsx() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let out = |name: &str| dir.path().join(name).display().to_string();
    let (html, xlsx, csv) = (out("t.html"), out("t.xlsx"), out("t.csv"));
    let code = run_ok(&[
        "trend",
        "fixtures/demo=2023-06-30",
        "fixtures/demo=2023-09-30",
        "fixtures/demo=2023-12-31",
        "-o",
        &html,
        "-o",
        &xlsx,
        "-o",
        &csv,
    ]);
    assert_eq!(code, 1);
    let page = read(Path::new(&html));
    html_is_self_contained(&page);
    assert_eq!(page.matches("<svg class=\"sm\"").count(), 44);
    let rows = table_after(&page, "id=\"trend-urban-density\"");
    assert_eq!(
        rows[0],
        [
            "地区（市）",
            "2023-06-30",
            "2023-09-30",
            "2023-12-31",
            "要求",
            "变化",
            "展望"
        ]
    );
    assert_eq!(
        rows[1..],
        [
            [
                "阳泉市",
                "9.38",
                "9.79",
                "10.31",
                "10.00",
                "▲0.93",
                "已达标"
            ],
            [
                "晋城市",
                "7.36",
                "7.70",
                "8.01",
                "10.00",
                "▲0.65",
                "进度落后"
            ]
        ]
    );
    // The last point of an unmet region is red, of a met one green.
    assert!(page.contains("class=\"point last unmet\""));
    assert!(page.contains("class=\"point last met\""));

    let mut book: Xlsx<_> = match open_workbook(&xlsx) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(book.sheet_names(), ["走势", "展望", "明细"]);
    let _ = book.worksheet_range_at(0);
    let wide = sheet(Path::new(&xlsx), "走势");
    let heads: Vec<String> = wide[0].iter().map(|c| text(Some(c))).collect();
    assert_eq!(
        heads,
        [
            "指标",
            "层级",
            "地区",
            "2023-06-30",
            "2023-09-30",
            "2023-12-31",
            "要求",
            "变化",
            "展望"
        ]
    );
    let j = wide
        .iter()
        .find(|r| text(r.first()) == "urban-density" && text(r.get(2)) == "晋城市");
    assert_eq!(
        j.map(|r| (
            (3..=7).map(|c| num(r.get(c))).collect::<Vec<_>>(),
            text(r.get(8))
        )),
        Some((
            [7.36, 7.70, 8.01, 10.0, 0.65].map(Some).to_vec(),
            "进度落后".to_string()
        ))
    );
    // The long sheet is the trend CSV, cell for cell (numbers as the numbers it prints).
    let long = sheet(Path::new(&xlsx), "明细");
    let want = csv_records(Path::new(&csv));
    assert_eq!(long.len(), want.len());
    for (i, (got, want)) in long.iter().zip(&want).enumerate() {
        for (c, w) in want.iter().enumerate() {
            let g = got.get(c);
            match g {
                Some(Data::Float(x)) => {
                    // The CSV guards a cell starting with "-" by a leading "'" (a negative
                    // pace); the sheet holds the number.
                    let parsed: f64 = match w.trim_start_matches('\'').parse() {
                        Ok(v) => v,
                        Err(e) => panic!("row {i} col {c} {w:?}: {e}"),
                    };
                    assert_eq!(*x, parsed, "row {i} col {c}");
                }
                _ => assert_eq!(&text(g), w, "row {i} col {c}"),
            }
        }
    }
}

/// The SHA-256 of a file, lower-case hex.
fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn html_cites_every_input_hash_whatever_else_is_written() {
    // The files are hashed only when a report cites them (HTML, PDF, XLSX, --history): an
    // HTML written beside a CSV, after it, or as the one output must still cite every input.
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let demo = root().join("fixtures/demo");
    let inputs = [
        "孵化基地.csv",
        "晋城市社区社会组织台账.csv",
        "社区名单.xlsx",
        "经费.csv",
    ];
    let runs: [&[&str]; 3] = [
        &["-o", "a.csv", "-o", "a.html"],
        &["-o", "b.html", "-o", "b.json"],
        &["--format", "html", "-o", "c.html"],
    ];
    for (run, html) in runs.iter().zip(["a.html", "b.html", "c.html"]) {
        let mut args: Vec<String> = vec!["audit".into(), "--as-of".into(), "2023-12-31".into()];
        args.push(demo.display().to_string());
        for a in run.iter() {
            let a = if a.contains('.') && !a.starts_with('-') {
                dir.path().join(a).display().to_string()
            } else {
                (*a).to_string()
            };
            args.push(a);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(&refs);
        let text = read(&dir.path().join(html));
        for name in inputs {
            let hash = sha256_hex(&demo.join(name));
            assert!(text.contains(&hash), "{html}: no SHA-256 of {name}");
        }
    }
}
