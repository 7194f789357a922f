//! Web-system exports (issue 13): HTML tables and SpreadsheetML 2003 named `.xls` are
//! read like any ledger. `fixtures/web/` (made by `fixtures/make_web_fixtures.py`) holds
//! the same data four times: plain CSV (the reference, read by the CSV reader), HTML in
//! GBK/GB2312 (title row, colspan group, rowspan county column, unclosed `<td>`), one
//! UTF-8 HTML page with two tables, and SpreadsheetML (merges, `ss:Index` gaps,
//! DateTime). Every variant must audit to exactly the figures of the CSV.

mod common;

use std::path::Path;

use common::{csv_rows, run};

const AS_OF: &str = "2023-12-31";
const VARIANTS: [&str; 3] = ["gb2312", "utf8", "xml"];

/// `audit DIR -o out.csv`: (exit code, stdout, the CSV written).
fn audit(input: &str, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = dir.join(format!("{}.csv", input.replace(['/', '.'], "_")));
    let out_s = out.to_string_lossy().into_owned();
    let mut args = vec!["audit", input, "--as-of", AS_OF, "-o", &out_s];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    let csv = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{input}: {e}\n{stderr}"));
    (code, stdout, csv)
}

fn accounting(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("行数核对"))
        .unwrap_or_else(|| panic!("no accounting line in\n{stdout}"))
        .to_string()
}

#[test]
fn every_variant_audits_like_the_csv() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, reference) = audit("fixtures/web/csv", dir.path(), &[]);
    assert_eq!(code, 1, "the urban density is unmet:\n{stdout}");
    let line = accounting(&stdout);
    // 122 community rows (121 + 合计) and 395 organization rows (392 + blank, 合计, 注).
    assert!(
        line.contains("读取 517 行 = 使用 511 行 + 跳过 6 行"),
        "{line}"
    );
    // With one thread an HTML page is read as whole grids, with two as a stream (a
    // reader thread handing on batches of rows): the same figures either way.
    for v in VARIANTS {
        for threads in ["1", "2"] {
            let input = format!("fixtures/web/{v}");
            let (c, out, csv) = audit(&input, dir.path(), &["-j", threads]);
            assert_eq!(c, code, "{v} -j {threads}:\n{out}");
            assert_eq!(
                csv, reference,
                "{v} -j {threads}: the gap table differs from the CSV's"
            );
            assert_eq!(accounting(&out), line, "{v} -j {threads}");
        }
    }
}

/// Two figures of the gap table checked by hand from the CSV files: the urban
/// communities (named …居委会 / …居民委员会 / …社区) are the density's denominator, and the
/// gap is ⌈10 × communities⌉ − organizations.
#[test]
fn figures_checked_by_hand() {
    let text = std::fs::read_to_string(common::root().join("fixtures/web/csv/社区名单.csv"))
        .unwrap_or_default();
    let rows = csv_rows(&text);
    let urban = |county: &str| {
        rows.iter()
            .skip(1)
            .filter(|r| r.get(2).is_some_and(|c| c == county))
            .filter(|r| {
                r.get(4).is_some_and(|n| {
                    n.ends_with("居委会") || n.ends_with("居民委员会") || n.ends_with("社区")
                })
            })
            .count()
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_, _, csv) = audit("fixtures/web/xml", dir.path(), &[]);
    let gap = csv_rows(&csv);
    let head = &gap[0];
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or(usize::MAX);
    for county in ["城区", "矿区"] {
        let region = format!("山西省/阳泉市/{county}");
        let row = gap
            .iter()
            .find(|r| r[col("target")] == "urban-density" && r[col("region")] == region)
            .unwrap_or_else(|| panic!("{region}: {gap:?}"));
        let units: usize = row[col("denominator")].parse().unwrap_or(0);
        let orgs: usize = row[col("numerator")].parse().unwrap_or(0);
        assert_eq!(units, urban(county), "{region}");
        assert_eq!(row[col("gap")], (10 * units - orgs).to_string(), "{region}");
    }
}

#[test]
fn inspect_names_the_format_and_encoding() {
    let cases = [
        (
            "gb2312/组织台账.xls",
            "格式 format: HTML 表格 / HTML table, GB2312",
        ),
        (
            "gb2312/社区名单.xls",
            "格式 format: HTML 表格 / HTML table, GBK",
        ),
        (
            "utf8/导出.xls",
            "格式 format: HTML 表格 / HTML table, UTF-8",
        ),
        ("xml/台账.xls", "格式 format: SpreadsheetML 2003 (XML 表格)"),
    ];
    for (file, want) in cases {
        let path = format!("fixtures/web/{file}");
        let (code, out, err) = run(&["inspect", &path]);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(out.contains(want), "{file}:\n{out}");
        assert!(!out.contains("编码 encoding:"), "{file}:\n{out}");
    }
    // The tables of the two-table page are named by the headings before them; the
    // SpreadsheetML header found under the merged title and the row left out.
    let (_, out, _) = run(&["inspect", "fixtures/web/utf8/导出.xls"]);
    assert!(out.contains("导出.xls#社区名单\n"), "{out}");
    assert!(out.contains("导出.xls#社区社会组织台账\n"), "{out}");
    let (_, out, _) = run(&["inspect", "fixtures/web/xml/台账.xls"]);
    assert!(out.contains("表头 header: 第3–4行"), "{out}");
    let (_, out, _) = run(&["inspect", "fixtures/web/gb2312/组织台账.xls"]);
    assert!(out.contains("表头 header: 第2–3行"), "{out}");
    // The CSV keeps its encoding line.
    let (_, out, _) = run(&["inspect", "fixtures/web/csv/组织台账.csv"]);
    assert!(out.contains("编码 encoding: UTF-8"), "{out}");
}

/// `--rejects` re-reads the HTML file for the original cells of a skipped row.
#[test]
fn rejects_hold_the_original_cells_of_an_html_row() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rejects = dir.path().join("rejects.csv");
    let r = rejects.to_string_lossy().into_owned();
    let (code, out, _) = audit("fixtures/web/gb2312", dir.path(), &["--rejects", &r]);
    assert_eq!(code, 1, "{out}");
    let text = std::fs::read_to_string(&rejects).unwrap_or_default();
    let rows = csv_rows(&text);
    assert_eq!(&rows[0][..5], ["file", "sheet", "row", "reason", "message"]);
    // 合计 of the community list; blank, 合计, note, duplicate and unmatched of the ledger.
    assert_eq!(rows.len() - 1, 6, "{rows:?}");
    let unmatched = rows
        .iter()
        .find(|r| r[3] == "unmatched_place")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(unmatched[0].ends_with("组织台账.xls"), "{unmatched:?}");
    assert_eq!(unmatched[1], "表1");
    // Row 24 of the table: title row, two header rows, then data row 21 (序号 21).
    assert_eq!(unmatched[2], "24");
    let cells = &unmatched[6..];
    assert_eq!(cells[0], "21");
    assert_eq!(cells[1], "不存在社区书香读书会");
    assert_eq!(cells[2], "阳泉市");
    // The county cell lies under the rowspan above it (a merged region): empty, as a
    // merged cell of a workbook is.
    assert_eq!(cells[3], "");
    assert_eq!(cells[5], "不存在社区");
    // The same row as the CSV gives it, but for that merged cell.
    let (_, _, _) = audit("fixtures/web/csv", dir.path(), &["--rejects", &r]);
    let text = std::fs::read_to_string(&rejects).unwrap_or_default();
    let csv_rows_ = csv_rows(&text);
    let from_csv = csv_rows_
        .iter()
        .find(|r| r[3] == "unmatched_place")
        .unwrap_or_else(|| panic!("{csv_rows_:?}"));
    let mut expected: Vec<String> = from_csv[6..].to_vec();
    expected[3] = String::new();
    assert_eq!(cells, &expected[..]);
}

/// A folder reads `.xls` web exports but passes over `.htm`/`.html`/`.xml` files (saved
/// pages, other XML) as it passes over any file that is not a spreadsheet; named on the
/// command line they are read. An HTML page named `.csv` is read as HTML.
#[test]
fn web_pages_in_folders_and_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = common::root().join("fixtures/web");
    let ledgers = dir.path().join("ledgers");
    std::fs::create_dir(&ledgers).unwrap_or_else(|e| panic!("{e}"));
    for f in ["社区名单.csv", "组织台账.csv"] {
        std::fs::copy(root.join("csv").join(f), ledgers.join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        ledgers.join("说明.html"),
        "<html><body><table><tr><td>填表说明</td></tr></table>",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(root.join("xml/台账.xls"), ledgers.join("台账副本.xml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let l = ledgers.to_string_lossy().into_owned();
    let (code, out, err) = run(&["inspect", &l]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("说明.html") && out.contains("台账副本.xml"),
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("已忽略 ignored:"))
            .count(),
        2,
        "{out}"
    );
    assert!(!out.contains("格式 format:"), "{out}");

    // Named: .html, .xml and an HTML page named .csv are read as what they hold.
    let (_, _, reference) = audit("fixtures/web/csv", dir.path(), &[]);
    let named = dir.path().join("named");
    std::fs::create_dir(&named).unwrap_or_else(|e| panic!("{e}"));
    for (from, to) in [
        ("utf8/导出.xls", "导出.html"),
        ("utf8/导出.xls", "导出.csv"),
        ("xml/台账.xls", "台账.xml"),
    ] {
        let path = named.join(to);
        std::fs::copy(root.join(from), &path).unwrap_or_else(|e| panic!("{e}"));
        let p = path.to_string_lossy().into_owned();
        let (code, out, csv) = audit(&p, dir.path(), &[]);
        assert_eq!(code, 1, "{to}: {out}");
        assert_eq!(csv, reference, "{to}");
    }
}

#[test]
fn broken_exports_are_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, bytes) in [
        (
            "无表格.xls",
            &b"<html><body><p>session expired</p></body></html>"[..],
        ),
        (
            "坏.xls",
            b"<?mso-application progid=\"Excel.Sheet\"?><Workbook><Worksheet><Table><Row>",
        ),
        ("空表.xls", b"<table><tr><td></td></tr></table>"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        let p = path.to_string_lossy().into_owned();
        let (code, _, err) = run(&["audit", &p, "--as-of", AS_OF]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
