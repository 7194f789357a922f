//! `zhibiao template`: the workbook's sheets, headers, validations and notes; a filled-in
//! template reads back without data issues; a mistake in each validated column is caught
//! with an issue naming its row and column; the output never replaces an input; and
//! (ignored, needs LibreOffice) `soffice --convert-to csv` opens it.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::XmlVersion;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use common::{root, run};
use zhibiao::ingest::IngestOptions;
use zhibiao::model::BuildOptions;
use zhibiao::template::{self, ScopePlaces, TemplateSpec};

const COMMUNITIES: [&str; 9] = [
    "省",
    "市",
    "县区",
    "街道乡镇",
    "社区",
    "城乡类型",
    "城乡分类代码",
    "统计用区划代码",
    "试点",
];
const ORGANIZATIONS: [&str; 14] = [
    "组织名称",
    "省",
    "市",
    "县区",
    "街道乡镇",
    "社区",
    "组织类别",
    "登记形式",
    "品牌组织",
    "成立日期",
    "注销日期",
    "统一社会信用代码",
    "状态",
    "服务社区",
];
const PROJECTS: [&str; 6] = ["项目名称", "项目类型", "省", "市", "县区", "认定日期"];
const EVENTS: [&str; 6] = ["活动名称", "活动类型", "省", "市", "县区", "日期"];

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn community_list() -> PathBuf {
    root().join("fixtures/demo/社区名单.xlsx")
}

use common::{xlsx_rows as rows, xlsx_sheet_names as sheet_names};

/// A part of the workbook's zip, as text.
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    text
}

/// (element name, attributes) of every start or empty element of an XML text, and the
/// text inside each `formula1`, in document order.
fn elements(xml: &str) -> Vec<(String, BTreeMap<String, String>, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<(String, BTreeMap<String, String>, String)> = Vec::new();
    let mut in_formula = false;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.name().into_inner().to_string();
                in_formula = name == "formula1";
                let attrs = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        let v = a
                            .normalized_value(XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                        (a.key.into_inner().to_string(), v)
                    })
                    .collect();
                out.push((name, attrs, String::new()));
            }
            Ok(Event::End(_)) => in_formula = false,
            Ok(Event::Text(t)) if in_formula => {
                if let Some(last) = out.last_mut() {
                    last.2.push_str(t.as_ref());
                }
            }
            Ok(Event::GeneralRef(r)) if in_formula => {
                let ch = match &r[..] {
                    "quot" => "\"",
                    "apos" => "'",
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    other => panic!("entity {other}"),
                };
                if let Some(last) = out.last_mut() {
                    last.2.push_str(ch);
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    out
}

/// The XML of a sheet, found by its name through the workbook's relationships.
fn sheet_xml(path: &Path, sheet: &str) -> String {
    let book = elements(&part(path, "xl/workbook.xml"));
    let rid = book
        .iter()
        .find(|(n, a, _)| n == "sheet" && a.get("name").map(String::as_str) == Some(sheet))
        .and_then(|(_, a, _)| a.get("r:id").cloned())
        .unwrap_or_else(|| panic!("no sheet {sheet}"));
    let rels = elements(&part(path, "xl/_rels/workbook.xml.rels"));
    let target = rels
        .iter()
        .find(|(n, a, _)| n == "Relationship" && a.get("Id") == Some(&rid))
        .and_then(|(_, a, _)| a.get("Target").cloned())
        .unwrap_or_else(|| panic!("no relationship {rid}"));
    part(path, &format!("xl/{}", target.trim_start_matches("/xl/")))
}

/// A sheet's data validations by range: (type, formula1).
fn validations(path: &Path, sheet: &str) -> BTreeMap<String, (String, String)> {
    let els = elements(&sheet_xml(path, sheet));
    let mut out = BTreeMap::new();
    for (i, (name, attrs, _)) in els.iter().enumerate() {
        if name != "dataValidation" {
            continue;
        }
        let formula = els
            .get(i + 1)
            .filter(|(n, _, _)| n == "formula1")
            .map(|(_, _, t)| t.clone())
            .unwrap_or_default();
        out.insert(
            attrs.get("sqref").cloned().unwrap_or_default(),
            (attrs.get("type").cloned().unwrap_or_default(), formula),
        );
    }
    out
}

fn write_template(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("台账模板.xlsx");
    let mut all: Vec<String> = vec!["template".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.push("-o".into());
    all.push(out.display().to_string());
    let (code, _, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote"), "{err}");
    out
}

#[test]
fn default_plan_template_has_its_sheets_headers_validations_and_notes() {
    let dir = tempdir();
    let t = write_template(dir.path(), &[]);
    assert_eq!(
        sheet_names(&t),
        ["社区名单", "社区社会组织", "项目", "活动", "说明"]
    );
    for (sheet, want) in [
        ("社区名单", &COMMUNITIES[..]),
        ("社区社会组织", &ORGANIZATIONS[..]),
        ("项目", &PROJECTS[..]),
        ("活动", &EVENTS[..]),
    ] {
        let r = rows(&t, sheet);
        assert_eq!(r.len(), 1, "{sheet}: only the header row");
        assert_eq!(r[0], want, "{sheet}");
        let xml = sheet_xml(&t, sheet);
        assert!(
            xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
            "{sheet}: header frozen"
        );
    }

    // The 说明 sheet starts with its marker and has a row for every column of every sheet,
    // naming the targets that select by it.
    let notes = rows(&t, "说明");
    assert_eq!(notes[0][0], "zhibiao 台账模板说明");
    assert!(notes.iter().any(|r| r[0].contains("shanxi-2021-2023")));
    assert!(notes.iter().any(|r| r[0].contains("未给社区名单")));
    for (sheet, headers) in [
        ("社区名单", &COMMUNITIES[..]),
        ("社区社会组织", &ORGANIZATIONS[..]),
        ("项目", &PROJECTS[..]),
        ("活动", &EVENTS[..]),
    ] {
        for h in headers {
            assert!(
                notes
                    .iter()
                    .any(|r| r[0] == sheet && r[1] == *h && !r[3].is_empty()),
                "说明 has no note on {sheet}/{h}"
            );
        }
    }
    let note = |sheet: &str, col: &str| -> Vec<String> {
        notes
            .iter()
            .find(|r| r[0] == sheet && r[1] == col)
            .cloned()
            .unwrap_or_default()
    };
    assert!(note("社区社会组织", "组织类别")[5].contains("hub-streets"));
    assert!(note("社区社会组织", "品牌组织")[5].contains("brand-orgs"));
    assert!(note("社区名单", "城乡类型")[5].contains("urban-density"));
    assert!(note("社区名单", "试点")[5].contains("rural-pilot"));
    assert!(note("项目", "项目类型")[5].contains("brand-projects"));
    assert!(note("活动", "活动类型")[5].contains("training-city"));
    assert_eq!(note("社区名单", "城乡类型")[4], "城市社区、农村社区");

    // Drop-down lists of the enumerated columns, date and length checks.
    let list = |f: &str| ("list".to_string(), f.to_string());
    let v = validations(&t, "社区名单");
    assert_eq!(v["F2:F1048576"], list(r#""城市社区,农村社区""#));
    assert_eq!(v["I2:I1048576"], list(r#""是,否""#));
    assert_eq!(v["H2:H1048576"].0, "textLength");
    assert!(
        !v.contains_key("D2:D1048576"),
        "no street list without a community list"
    );
    let v = validations(&t, "社区社会组织");
    assert_eq!(
        v["G2:G1048576"],
        list(r#""枢纽型,支持型,社会工作服务机构,生活服务类,公益慈善类,文体活动类,专业调处类""#)
    );
    assert_eq!(v["H2:H1048576"], list(r#""登记,备案""#));
    assert_eq!(v["I2:I1048576"], list(r#""是,否""#));
    assert_eq!(v["M2:M1048576"], list(r#""正常,注销""#));
    assert_eq!(v["J2:J1048576"].0, "date");
    assert_eq!(v["K2:K1048576"].0, "date");
    assert_eq!(v["L2:L1048576"].0, "textLength");
    let v = validations(&t, "项目");
    assert_eq!(v["B2:B1048576"], list(r#""品牌项目,购买服务,公益创投""#));
    assert_eq!(v["F2:F1048576"].0, "date");
    let v = validations(&t, "活动");
    assert_eq!(v["B2:B1048576"], list(r#""能力培训,优质项目评选""#));

    // Date columns show yyyy-mm-dd; the credit code column is text.
    let styles = part(&t, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="yyyy-mm-dd""#), "{styles}");
    let cols = elements(&sheet_xml(&t, "社区社会组织"));
    let style_of = |col: u32| -> Option<String> {
        cols.iter()
            .find(|(n, a, _)| {
                let num = |k: &str| a.get(k).and_then(|v| v.parse::<u32>().ok());
                n == "col" && num("min") <= Some(col) && Some(col) <= num("max")
            })
            .and_then(|(_, a, _)| a.get("style").cloned())
    };
    let date_style = style_of(10);
    assert!(date_style.is_some(), "成立日期 has a column format");
    assert_eq!(style_of(11), date_style, "注销日期 as 成立日期");
    assert!(
        style_of(12).is_some() && style_of(12) != date_style,
        "信用代码 is text"
    );
    assert_eq!(style_of(1), None);

    // zhibiao reads the empty template: four tables, the notes sheet passed over.
    let (code, out, err) = run(&["inspect", &t.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.matches("  读取 0 行 = 使用 0 行 + 跳过 0 行").count(),
        4,
        "{out}"
    );
    assert!(out.contains("台账模板的说明工作表"), "{out}");
}

#[test]
fn other_plan_has_its_own_tables() {
    let dir = tempdir();
    let t = write_template(dir.path(), &["--plan", "shaanxi-2019"]);
    assert_eq!(
        sheet_names(&t),
        [
            "社区名单",
            "社区社会组织",
            "孵化基地",
            "项目",
            "经费",
            "说明"
        ]
    );
    assert_eq!(
        rows(&t, "经费")[0],
        ["省", "市", "县区", "年度", "金额（万元）", "来源"]
    );
    let v = validations(&t, "经费");
    assert_eq!(v["D2:D1048576"].0, "whole");
    assert_eq!(v["E2:E1048576"].0, "decimal");
}

/// The communities of 阳泉市/城区 in the fixture's list, read without zhibiao: (street,
/// community) in list order.
fn chengqu() -> Vec<(String, String)> {
    rows(&community_list(), "阳泉市")
        .into_iter()
        .filter(|r| r.get(2).map(String::as_str) == Some("城区"))
        .map(|r| (r[3].clone(), r[4].clone()))
        .collect()
}

#[test]
fn scope_names_become_lists_on_a_hidden_sheet() {
    let dir = tempdir();
    let list = community_list().display().to_string();
    let t = write_template(dir.path(), &["--scope", "阳泉市/城区", &list]);
    assert_eq!(
        sheet_names(&t),
        ["社区名单", "社区社会组织", "项目", "活动", "说明", "名录"]
    );
    let book = part(&t, "xl/workbook.xml");
    assert!(
        book.contains(r#"<sheet name="名录" sheetId="6" state="hidden""#),
        "{book}"
    );
    let want = chengqu();
    assert_eq!(want.len(), 65);
    let mut streets: Vec<String> = want.iter().map(|(s, _)| s.clone()).collect();
    streets.dedup();
    assert_eq!(streets.len(), 6);

    // Short lists inline, the 65 community names on the 名录 sheet.
    let v = validations(&t, "社区社会组织");
    assert_eq!(v["C2:C1048576"], ("list".into(), r#""阳泉市""#.into()));
    assert_eq!(v["D2:D1048576"], ("list".into(), r#""城区""#.into()));
    assert_eq!(
        v["E2:E1048576"],
        ("list".into(), format!("\"{}\"", streets.join(",")))
    );
    let (kind, formula) = &v["F2:F1048576"];
    assert_eq!(kind, "list");
    let names = rows(&t, "名录");
    let col = names[0]
        .iter()
        .position(|h| h == "社区")
        .unwrap_or_else(|| panic!("{:?}", names[0]));
    let letter = (b'A' + col as u8) as char;
    assert_eq!(formula, &format!("'名录'!${letter}$2:${letter}$66"));
    let listed: Vec<String> = names[1..]
        .iter()
        .map(|r| r[col].clone())
        .filter(|n| !n.is_empty())
        .collect();
    let communities: Vec<String> = want.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(listed, communities);

    let notes = rows(&t, "说明");
    assert!(notes
        .iter()
        .any(|r| r[0].contains("山西省/阳泉市/城区") && r[0].contains("65 个社区")));
}

/// GB 32100 check character of the first 17 characters.
fn credit_code(first17: &str) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| CHARS.find(c).unwrap_or_else(|| panic!("{c}")) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!("{first17}{}", &CHARS[check..check + 1])
}

/// The template for 阳泉市/城区 made through the library, as the binary makes it.
fn scoped_workbook() -> Workbook {
    let ds = zhibiao::ingest::read_inputs(&[community_list()], &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = BuildOptions {
        province: "山西省".into(),
        scope: vec!["阳泉市".into(), "城区".into()],
        ..BuildOptions::default()
    };
    let model = zhibiao::model::build(ds, &opts).unwrap_or_else(|e| panic!("{e}"));
    let places = ScopePlaces::from_model(&model);
    assert_eq!(places.streets.len(), 6);
    let plan = zhibiao::plan::builtin("shanxi-2021-2023")
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("built-in plan"));
    template::workbook(&TemplateSpec {
        plan: &plan,
        places: Some(&places),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A filled-in row: (header, value) pairs.
type Record = Vec<(&'static str, V)>;

/// A cell value to fill in: text, or a date.
enum V {
    S(String),
    D(u16, u8, u8),
}

fn s(t: &str) -> V {
    V::S(t.to_string())
}

/// Fill rows 2.. of a sheet of the template, each row by header.
fn fill(book: &mut Workbook, sheet: &str, headers: &[&str], records: &[Vec<(&str, V)>]) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = book
        .worksheet_from_name(sheet)
        .unwrap_or_else(|e| panic!("{e}"));
    for (i, rec) in records.iter().enumerate() {
        for (h, v) in rec {
            let col = headers
                .iter()
                .position(|x| x == h)
                .unwrap_or_else(|| panic!("{h}")) as u16;
            let row = i as u32 + 1;
            match v {
                V::S(t) => ws.write_string(row, col, t).map(|_| ()),
                V::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap_or_else(|e| panic!("{e}"));
                    ws.write_datetime_with_format(row, col, &dt, &date)
                        .map(|_| ())
                }
            }
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The template filled with real communities of 阳泉市城区, organizations, projects and
/// events in their canonical values; `extra` rows appended per sheet.
fn filled(dir: &Path, extra: &mut dyn FnMut(&mut Vec<Record>, &str)) -> PathBuf {
    let c = chengqu();
    let (street1, comm1) = c[0].clone();
    let (street2, comm2) = c[c.len() - 1].clone();
    let (_, comm3) = c[1].clone();
    let mut book = scoped_workbook();
    let place = |street: &str, community: &str| -> Vec<(&'static str, V)> {
        vec![
            ("省", s("山西省")),
            ("市", s("阳泉市")),
            ("县区", s("城区")),
            ("街道乡镇", s(street)),
            ("社区", s(community)),
        ]
    };
    let mut communities: Vec<Vec<(&str, V)>> = [
        (&street1, &comm1, "140302001001", "是"),
        (&street1, &comm3, "140302001002", "否"),
        (&street2, &comm2, "", ""),
    ]
    .into_iter()
    .map(|(st, cm, code, pilot)| {
        let mut r = place(st, cm);
        r.push(("城乡类型", s("城市社区")));
        r.push(("统计用区划代码", s(code)));
        r.push(("试点", s(pilot)));
        r
    })
    .collect();
    extra(&mut communities, "社区名单");
    fill(&mut book, "社区名单", &COMMUNITIES, &communities);

    let mut orgs: Vec<Vec<(&str, V)>> = [
        (
            "城区第一文体队",
            &comm1,
            "文体活动类",
            "备案",
            "否",
            "",
            &comm3,
        ),
        (
            "城区社区社会组织联合会",
            &comm3,
            "枢纽型",
            "登记",
            "是",
            "51140302MJY000001",
            &comm1,
        ),
        (
            "城区社工服务中心",
            &comm2,
            "社会工作服务机构",
            "登记",
            "是",
            "52140302MJY000002",
            &String::new(),
        ),
    ]
    .into_iter()
    .map(|(name, comm, cat, reg, brand, code, serves)| {
        let street = c
            .iter()
            .find(|(_, cm)| cm == comm)
            .map(|(st, _)| st.clone())
            .unwrap_or_default();
        let mut r = vec![("组织名称", s(name))];
        r.extend(place(&street, comm));
        r.push(("组织类别", s(cat)));
        r.push(("登记形式", s(reg)));
        r.push(("品牌组织", s(brand)));
        r.push(("成立日期", V::D(2021, 5, 20)));
        r.push((
            "统一社会信用代码",
            s(&if code.is_empty() {
                String::new()
            } else {
                credit_code(code)
            }),
        ));
        r.push(("状态", s("正常")));
        // 服务社区 lie in the organization's own street.
        r.push(("服务社区", s(serves)));
        r
    })
    .collect();
    extra(&mut orgs, "社区社会组织");
    fill(&mut book, "社区社会组织", &ORGANIZATIONS, &orgs);

    let mut projects: Vec<Vec<(&str, V)>> = [
        ("邻里守望", "品牌项目", V::D(2022, 3, 1)),
        ("助老服务", "购买服务", V::D(2023, 7, 15)),
    ]
    .into_iter()
    .map(|(name, kind, date)| {
        vec![
            ("项目名称", s(name)),
            ("项目类型", s(kind)),
            ("省", s("山西省")),
            ("市", s("阳泉市")),
            ("县区", s("城区")),
            ("认定日期", date),
        ]
    })
    .collect();
    extra(&mut projects, "项目");
    fill(&mut book, "项目", &PROJECTS, &projects);

    let mut events: Vec<Vec<(&str, V)>> = [
        ("社区社会组织负责人培训", "能力培训", V::D(2022, 4, 8)),
        ("优质项目评选", "优质项目评选", V::D(2022, 11, 3)),
    ]
    .into_iter()
    .map(|(name, kind, date)| {
        vec![
            ("活动名称", s(name)),
            ("活动类型", s(kind)),
            ("省", s("山西省")),
            ("市", s("阳泉市")),
            ("县区", s("城区")),
            ("日期", date),
        ]
    })
    .collect();
    extra(&mut events, "活动");
    fill(&mut book, "活动", &EVENTS, &events);

    let path = dir.join("阳泉台账.xlsx");
    book.save(&path).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// The inspect output's block of one sheet.
fn block<'a>(out: &'a str, file: &Path, sheet: &str) -> &'a str {
    let head = format!("{}#{sheet}\n", file.display());
    let start = out
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in\n{out}"));
    let rest = &out[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn filled_template_reads_back_without_data_issues() {
    let dir = tempdir();
    let t = filled(dir.path(), &mut |_, _| {});
    let file = t.display().to_string();
    let (code, out, err) = run(&["inspect", &file]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(!out.contains("数据问题"), "{out}");
    for (sheet, n) in [
        ("社区名单", 3),
        ("社区社会组织", 3),
        ("项目", 2),
        ("活动", 2),
    ] {
        let b = block(&out, &t, sheet);
        assert!(
            b.contains(&format!("读取 {n} 行 = 使用 {n} 行 + 跳过 0 行")),
            "{b}"
        );
    }
    assert!(out.contains("名录: 隐藏工作表"), "{out}");
    assert!(out.contains("说明: 台账模板的说明工作表"), "{out}");
    assert!(
        out.contains("按城乡类型列 3"),
        "城乡类型 read from its column: {out}"
    );

    // The audit runs on it: the brand organizations are counted.
    let (code, out, err) = run(&[
        "audit",
        &file,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0, "{err}");
    let brand = common::csv_rows(&out)
        .into_iter()
        .find(|r| r[1] == "brand-orgs" && r[3].ends_with("阳泉市"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(brand[4], "2", "{brand:?}");
}

#[test]
fn one_mistake_per_validated_column_is_caught() {
    let dir = tempdir();
    let c = chengqu();
    let (street, comm) = c[2].clone();
    let other_street = "沙坪街道"; // 矿区's, not in the filled community list
    let t = filled(dir.path(), &mut |rows, sheet| {
        let base = |name: &str| -> Vec<(&'static str, V)> {
            let mut r = vec![
                ("省", s("山西省")),
                ("市", s("阳泉市")),
                ("县区", s("城区")),
            ];
            match sheet {
                "社区名单" => {
                    r.push(("街道乡镇", s(&street)));
                    r.push(("社区", s(name)));
                }
                "社区社会组织" => {
                    r.push(("街道乡镇", s(&c[0].0)));
                    r.push(("社区", s(&c[0].1)));
                    r.push(("组织名称", s(name)));
                }
                "项目" => r.push(("项目名称", s(name))),
                _ => r.push(("活动名称", s(name))),
            }
            r
        };
        let with = |mut r: Vec<(&'static str, V)>, h: &'static str, v: V| {
            r.retain(|(x, _)| *x != h);
            r.push((h, v));
            r
        };
        match sheet {
            "社区名单" => {
                rows.push(with(base(&comm), "城乡类型", s("郊区")));
                rows.push(with(base("新建社区居委会"), "试点", s("maybe")));
                rows.push(with(
                    base("新建二社区居委会"),
                    "统计用区划代码",
                    s("1403021"),
                ));
                rows.push(with(base("新建三社区居委会"), "城乡分类代码", s("999")));
            }
            "社区社会组织" => {
                rows.push(with(base("错类别协会"), "组织类别", s("养老类")));
                rows.push(with(base("错登记协会"), "登记形式", s("审批")));
                rows.push(with(base("错品牌协会"), "品牌组织", s("maybe")));
                rows.push(with(base("错成立协会"), "成立日期", s("2021-13-01")));
                rows.push(with(base("错注销协会"), "注销日期", s("明年")));
                rows.push(with(base("错代码协会"), "统一社会信用代码", s("12345")));
                rows.push(with(base("错状态协会"), "状态", s("休眠")));
                rows.push(with(base("错街道协会"), "街道乡镇", s(other_street)));
                rows.push(with(base("错社区协会"), "社区", s("幸福里社区")));
                rows.push(with(base("错县区协会"), "县区", s("平定县")));
                rows.push(with(base("错市协会"), "市", s("太原市")));
            }
            "项目" => {
                let ok = |n| {
                    with(
                        with(base(n), "项目类型", s("品牌项目")),
                        "认定日期",
                        V::D(2022, 1, 1),
                    )
                };
                rows.push(with(ok("错类型项目"), "项目类型", s("其他")));
                rows.push(with(ok("错日期项目"), "认定日期", s("2022-02-30")));
            }
            _ => {
                let ok = |n| {
                    with(
                        with(base(n), "活动类型", s("能力培训")),
                        "日期",
                        V::D(2022, 1, 1),
                    )
                };
                rows.push(with(ok("错类型活动"), "活动类型", s("讲座")));
                rows.push(with(ok("错日期活动"), "日期", s("昨天")));
            }
        }
    });
    let (code, out, err) = run(&["inspect", &t.display().to_string()]);
    assert_eq!(code, 0, "{err}\n{out}");
    // (sheet, row, column, a word the issue quotes)
    let expected = [
        ("社区名单", 5, "城乡类型", "郊区"),
        ("社区名单", 6, "试点", "maybe"),
        ("社区名单", 7, "统计用区划代码", "1403021"),
        ("社区名单", 8, "城乡分类代码", "999"),
        ("社区社会组织", 5, "组织类别", "养老类"),
        ("社区社会组织", 6, "登记形式", "审批"),
        ("社区社会组织", 7, "品牌组织", "maybe"),
        ("社区社会组织", 8, "成立日期", "2021-13-01"),
        ("社区社会组织", 9, "注销日期", "明年"),
        ("社区社会组织", 10, "统一社会信用代码", "12345"),
        ("社区社会组织", 11, "状态", "休眠"),
        ("社区社会组织", 12, "街道乡镇", other_street),
        ("社区社会组织", 13, "社区", "幸福里社区"),
        ("社区社会组织", 14, "县区", "平定县"),
        ("社区社会组织", 15, "市", "太原市"),
        ("项目", 4, "项目类型", "其他"),
        ("项目", 5, "认定日期", "2022-02-30"),
        ("活动", 4, "活动类型", "讲座"),
        ("活动", 5, "日期", "昨天"),
    ];
    let mut missing = Vec::new();
    for (sheet, row, col, word) in expected {
        let b = block(&out, &t, sheet);
        let prefix = format!("#{sheet} 第{row}行 [{col}]");
        let found = b.lines().any(|l| l.contains(&prefix) && l.contains(word));
        if !found {
            missing.push(format!("{prefix} … {word}"));
        }
    }
    assert!(missing.is_empty(), "missing issues: {missing:#?}\n{out}");
    // No issue on a row that was filled correctly.
    for sheet in ["社区名单", "社区社会组织"] {
        let b = block(&out, &t, sheet);
        for row in 2..=4 {
            assert!(!b.contains(&format!("#{sheet} 第{row}行 ")), "{b}");
        }
    }
}

#[test]
fn never_overwrites_an_input() {
    let dir = tempdir();
    let list = dir.path().join("社区名单.xlsx");
    std::fs::copy(community_list(), &list).unwrap_or_else(|e| panic!("{e}"));
    let before = std::fs::read(&list).unwrap_or_else(|e| panic!("{e}"));
    let l = list.display().to_string();
    let (code, _, err) = run(&["template", "--scope", "阳泉市", &l, "-o", &l]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("zhibiao 不会覆盖输入"), "{err}");
    assert_eq!(std::fs::read(&list).unwrap_or_default(), before);

    // Standard output is refused (binary), as is --scope with no community list.
    let (code, _, err) = run(&["template", "-o", "-"]);
    assert_eq!(code, 2, "{err}");
    let out = dir.path().join("t.xlsx").display().to_string();
    let (code, _, err) = run(&["template", "--scope", "阳泉市", "-o", &out]);
    assert_eq!(code, 2);
    assert!(err.contains("--scope needs a community list"), "{err}");
    let list = community_list().display().to_string();
    let (code, _, err) = run(&["template", "--plan", "shaanxi-2019", &list, "-o", &out]);
    assert_eq!(code, 2, "a Shanxi list for a Shaanxi plan");
    assert!(err.contains("no community in 陕西省"), "{err}");
    let (code, _, err) = run(&["template", "--plan", "no-such-plan", "-o", &out]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-plan"), "{err}");
    assert!(!Path::new(&out).exists());
}

#[test]
#[ignore = "needs LibreOffice (apt-get install libreoffice-calc-nogui); run by .ci/run"]
fn libreoffice_opens_the_template() {
    let dir = tempdir();
    let list = community_list().display().to_string();
    let t = write_template(dir.path(), &["--scope", "阳泉市", &list]);
    let profile = dir.path().join("lo-profile");
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        // CSV filter options: comma, double quote, UTF-8 (76), start at line 1.
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&t)
        .status()
        .unwrap_or_else(|e| panic!("soffice: {e}"));
    assert!(status.success(), "soffice exited {status}");
    let csv = std::fs::read_to_string(dir.path().join("台账模板.csv"))
        .unwrap_or_else(|e| panic!("no CSV: {e}"));
    let rows = common::csv_rows(&csv);
    assert_eq!(rows, [COMMUNITIES], "sheet 1: the header row only");

    // Saved by LibreOffice as ODS: the drop-down lists survive (the community names by
    // reference to the hidden 名录 sheet) and zhibiao still reads the workbook.
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "ods", "--outdir"])
        .arg(dir.path())
        .arg(&t)
        .status()
        .unwrap_or_else(|e| panic!("soffice: {e}"));
    assert!(status.success(), "soffice exited {status}");
    let ods = dir.path().join("台账模板.ods");
    let content = part(&ods, "content.xml");
    assert!(
        content.contains("of:cell-content-is-in-list(&quot;城市社区&quot;;&quot;农村社区&quot;)"),
        "城乡类型 list lost"
    );
    assert!(
        content.contains("of:cell-content-is-in-list([$名录.$"),
        "community list reference lost"
    );
    let (code, out, err) = run(&["inspect", &ods.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.matches("  读取 0 行 = 使用 0 行 + 跳过 0 行").count(),
        4,
        "{out}"
    );
    assert!(out.contains("说明: 台账模板的说明工作表"), "{out}");
}
