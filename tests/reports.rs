//! The report formats through the real binary, all from one run on the demo, checked
//! against the CSV of the same run: XLSX read back with calamine, JUnit parsed with
//! quick-xml, the HTML free of external references, the Markdown gap table, `--lang en`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook, Data, Reader, Xlsx};
use quick_xml::events::Event;
use quick_xml::XmlVersion;
use zhibiao::plan::Severity;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `zhibiao audit fixtures/demo --as-of 2023-12-31` with `extra` args; returns the exit
/// code.
fn audit(extra: &[&str]) -> i32 {
    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    c.current_dir(root()).env("NO_COLOR", "1");
    c.args(["audit", "fixtures/demo", "--as-of", "2023-12-31"]);
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

/// One run writing every format.
fn run_all(lang: &str, stem: &str) -> Run {
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
    let code = audit(&args);
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
        ["plan", "target", "level", "region", "value", "required", "gap", "status", "due"]
    );
    assert!(csv.len() > 100);

    xlsx_matches_csv(&run.file("a.xlsx"), &csv);
    junit_matches_csv(&read(&run.file("a.xml")), &csv);
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
    assert_eq!(names.len(), 2, "{names:?}");
    let range = match book.worksheet_range_at(1) {
        Some(Ok(r)) => r,
        other => panic!("{:?}", other.map(|r| r.map(|_| ()))),
    };
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), csv.len());
    for (i, (got, want)) in rows.iter().zip(csv).enumerate() {
        assert_eq!(got.len(), want.len(), "row {i}");
        for (c, (cell, text)) in got.iter().zip(want).enumerate() {
            match cell {
                Data::Empty => assert_eq!(text, "", "row {i} col {c}"),
                Data::String(s) => assert_eq!(s, text, "row {i} col {c}"),
                Data::Float(x) => {
                    assert!(i > 0 && (4..=6).contains(&c), "number at row {i} col {c}");
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

/// As many `<failure>` as assessed unmet and no-data rows of error targets in the CSV;
/// one testcase per assessed row; the suite counts add up.
fn junit_matches_csv(xml: &str, csv: &[Vec<String>]) {
    let plan = match zhibiao::plan::builtin("shanxi-2021-2023") {
        Some(Ok(p)) => p,
        _ => panic!("built-in plan"),
    };
    let target = |id: &str| match plan.targets.iter().find(|t| t.id == id) {
        Some(t) => t,
        None => panic!("target {id}"),
    };
    let assessed: Vec<&Vec<String>> = csv[1..]
        .iter()
        .filter(|r| {
            // At the assessed level, or the city row of a reporting unit missing from the
            // data for a target assessed below the city.
            target(&r[1]).level.as_str() == r[2]
                || (r[2] == "city" && r[7] == "no_data" && target(&r[1]).level.as_str() == "county")
        })
        .collect();
    let want_failures = assessed
        .iter()
        .filter(|r| {
            (r[7] == "unmet" || r[7] == "no_data") && target(&r[1]).severity == Severity::Error
        })
        .count();
    assert!(want_failures > 0);

    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut failures, mut testcases, mut suites) = (0usize, 0usize, 0usize);
    let mut suite_failures_attr = 0usize;
    let mut cases: BTreeSet<(String, String)> = BTreeSet::new();
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
                        failures += 1;
                        let m = attr("message");
                        assert!(
                            m.contains("实际") && m.contains("要求") && m.contains("差距"),
                            "{m}"
                        );
                    }
                    "testcase" => {
                        testcases += 1;
                        cases.insert((attr("classname"), attr("name")));
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
    assert_eq!(suite_failures_attr, want_failures);
    assert_eq!(suites, plan.targets.len());
    assert_eq!(testcases, assessed.len());
    for r in &assessed {
        assert!(cases.contains(&(r[1].clone(), r[3].clone())), "{r:?}");
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
    let xml = read(&run.file("b.xml"));
    assert!(xml.contains("message=\"value 8.01, required 10.00, gap 351\""));
    let mut book: Xlsx<_> = match open_workbook(run.file("b.xlsx")) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(book.sheet_names(), ["Summary", "Result"]);
    xlsx_matches_csv(&run.file("b.xlsx"), &csv);
    // The CSV's column names do not change with --lang.
    assert_eq!(csv[0][0], "plan");
    let _ = book.worksheet_range_at(0);
}
