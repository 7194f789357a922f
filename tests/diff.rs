//! `zhibiao diff` through the binary: the hand-made exports of fixtures/diff (every figure
//! worked out in fixtures/diff/EXPECTED.md) and a diff of the real demo ledgers against a
//! copy with known edits, where every region's counts are recomputed independently from
//! the record list and the identity after − before = added − dissolved + in − out is
//! checked on every row.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{root, run};

type RegionRow = (String, [i64; 8], String);

/// Rows of the first region table of the terminal output (organizations): label → the
/// eight numbers (before, after, net, added, dissolved, moved in, moved out, renamed) and
/// the check.
fn region_rows(out: &str) -> Vec<RegionRow> {
    region_tables(out).into_iter().next().unwrap_or_default()
}

/// Rows of every region table of the terminal output (organizations, then incubators).
fn region_tables(out: &str) -> Vec<Vec<RegionRow>> {
    let mut tables = Vec::new();
    let mut rows = Vec::new();
    let mut started = false;
    for line in out.lines() {
        if line.starts_with('╞') {
            started = true;
            continue;
        }
        if started && line.starts_with('└') {
            tables.push(std::mem::take(&mut rows));
            started = false;
            continue;
        }
        if !started || !line.starts_with('│') {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('│')
            .split('┆')
            .map(|c| c.trim().to_string())
            .collect();
        assert_eq!(cells.len(), 10, "{line}");
        let mut nums = [0i64; 8];
        for (i, n) in nums.iter_mut().enumerate() {
            *n = cells[i + 1]
                .trim_start_matches('+')
                .parse()
                .unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        rows.push((cells[0].clone(), nums, cells[9].clone()));
    }
    tables
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(str::to_string)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{e}"));
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn hand_made_exports_by_street() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv_path = dir.path().join("diff.csv");
    let (code, out, err) = run(&[
        "diff",
        "fixtures/diff/2023Q3",
        "fixtures/diff/2023Q4",
        "--communities",
        "fixtures/diff/社区名单.csv",
        "--baseline-as-of",
        "2023-09-30",
        "--as-of",
        "2023-12-31",
        "--by",
        "street",
        "-o",
        csv_path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // Totals, worked out record by record in fixtures/diff/EXPECTED.md.
    assert!(
        out.contains(
            "社区社会组织：上期 15 条，本期 17 条；按统一社会信用代码匹配 10，按名称+地点匹配 2"
        ),
        "{out}"
    );
    assert!(
        out.contains("新增 added 5，注销/消失 dissolved 4，迁移 moved 3，更名 renamed 1（另有迁移并更名 1），未变 unchanged 5，两期均未生效 inactive 2"),
        "{out}"
    );
    // The region table (EXPECTED.md, "Per region"): before, after, net, added, dissolved,
    // moved in, moved out, renamed.
    let expected: Vec<(&str, [i64; 8])> = vec![
        ("山西省", [13, 14, 1, 5, 4, 0, 0, 2]),
        ("阳泉市", [13, 14, 1, 5, 4, 0, 0, 2]),
        ("阳泉市/城区", [9, 9, 0, 3, 2, 0, 1, 1]),
        ("阳泉市/城区/上站街道", [6, 4, -2, 1, 2, 0, 1, 0]),
        ("阳泉市/城区/下站街道", [2, 4, 2, 2, 0, 1, 1, 1]),
        ("阳泉市/城区（本级）", [1, 1, 0, 0, 0, 0, 0, 0]),
        ("阳泉市/盂县", [4, 5, 1, 2, 2, 1, 0, 1]),
        ("阳泉市/盂县/秀水镇", [4, 5, 1, 2, 2, 1, 0, 1]),
    ];
    let rows = region_rows(&out);
    let got: Vec<(&str, [i64; 8])> = rows.iter().map(|(l, n, _)| (l.as_str(), *n)).collect();
    assert_eq!(got, expected, "{out}");
    assert!(rows.iter().all(|(_, _, check)| check == "✓"));
    assert!(out.contains("每行 本期 − 上期 = 新增 − 注销 + 迁入 − 迁出（8 行全部成立"));
    // Incubators, matched like organizations (EXPECTED.md, "Incubators"): 4 pairs by code
    // (U V W S), 2 by name and place (X Y).
    assert!(
        out.contains("孵化基地：上期 7 条，本期 8 条；按统一社会信用代码匹配 4，按名称+地点匹配 2"),
        "{out}"
    );
    assert!(
        out.contains("新增 added 2，注销/消失 dissolved 2，迁移 moved 1，更名 renamed 1（另有迁移并更名 0），未变 unchanged 3，两期均未生效 inactive 0"),
        "{out}"
    );
    let tables = region_tables(&out);
    assert_eq!(tables.len(), 2, "{out}");
    let expected: Vec<(&str, [i64; 8])> = vec![
        ("山西省", [7, 7, 0, 2, 2, 0, 0, 1]),
        ("阳泉市", [7, 7, 0, 2, 2, 0, 0, 1]),
        ("阳泉市/城区", [5, 4, -1, 1, 2, 0, 0, 1]),
        ("阳泉市/城区/上站街道", [3, 1, -2, 0, 1, 0, 1, 0]),
        ("阳泉市/城区/下站街道", [2, 3, 1, 1, 1, 1, 0, 1]),
        ("阳泉市/盂县", [2, 3, 1, 1, 0, 0, 0, 0]),
        ("阳泉市/盂县/秀水镇", [2, 3, 1, 1, 0, 0, 0, 0]),
    ];
    let got: Vec<(&str, [i64; 8])> = tables[1].iter().map(|(l, n, _)| (l.as_str(), *n)).collect();
    assert_eq!(got, expected, "{out}");
    assert!(tables[1].iter().all(|(_, _, check)| check == "✓"));

    // The records: 13 changes (5 added + 4 dissolved + 3 moved + 1 renamed) of
    // organizations and 6 of incubators (2 added + 2 dissolved + 1 moved + 1 renamed);
    // unchanged and inactive ones only with --all.
    let recs = read_csv(&csv_path);
    assert_eq!(recs.len(), 19);
    let find = |name: &str| {
        recs.iter()
            .find(|r| r["name_before"] == name || r["name_after"] == name)
            .unwrap_or_else(|| panic!("{name} not in the CSV"))
    };
    // Renamed, same code.
    let e = find("太上街社区百灵合唱团");
    assert_eq!(
        (
            e["change"].as_str(),
            e["matched_by"].as_str(),
            e["name_before"].as_str()
        ),
        ("renamed", "credit_code", "太上街社区合唱团")
    );
    // Moved and renamed: the change is "moved", renamed = yes.
    let f = find("富春园居委会象棋协会");
    assert_eq!(
        (f["change"].as_str(), f["renamed"].as_str()),
        ("moved", "yes")
    );
    assert_eq!(f["place_before"], "山西省/阳泉市/盂县/秀水镇/红楼居委会");
    // Moved to another county.
    let d = find("兴隆街社区志愿服务队");
    assert_eq!(d["place_after"], "山西省/阳泉市/盂县/秀水镇/富春园居委会");
    // A 注销 date in the current export.
    let g = find("油娄沟社区调解会");
    assert_eq!(
        (
            g["change"].as_str(),
            g["reason"].as_str(),
            g["active_after"].as_str()
        ),
        ("dissolved", "deregistered", "no")
    );
    // Founded after the previous as-of date: added, "reactivated".
    let k = find("兴隆街社区太极拳队");
    assert_eq!(
        (k["change"].as_str(), k["reason"].as_str()),
        ("added", "reactivated")
    );
    // No code and another place: dissolved there, added here (two rows).
    let i: Vec<_> = recs
        .iter()
        .filter(|r| {
            r["name_before"] == "富春园居委会秧歌队" || r["name_after"] == "富春园居委会秧歌队"
        })
        .map(|r| (r["change"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(i, [("dissolved", "gone"), ("added", "new")]);
    // Same name and place, two different codes: two organizations.
    let q: Vec<_> = recs
        .iter()
        .filter(|r| r["name_before"] == "红楼居委会舞蹈队" || r["name_after"] == "红楼居委会舞蹈队")
        .map(|r| r["change"].as_str())
        .collect();
    assert_eq!(q, ["dissolved", "added"]);

    // Incubators: renamed under the same code; moved to another street by code; two
    // different codes under one name and place are two incubators; a 撤销日期 now.
    let v = find("下站街道社区社会组织孵化园");
    assert_eq!(
        (
            v["kind"].as_str(),
            v["change"].as_str(),
            v["matched_by"].as_str(),
            v["name_before"].as_str()
        ),
        (
            "incubator",
            "renamed",
            "credit_code",
            "下站街道社会组织孵化基地"
        )
    );
    let w = find("城区公益创投孵化园");
    assert_eq!(
        (
            w["change"].as_str(),
            w["place_before"].as_str(),
            w["place_after"].as_str()
        ),
        (
            "moved",
            "山西省/阳泉市/城区/上站街道",
            "山西省/阳泉市/城区/下站街道"
        )
    );
    let r: Vec<_> = recs
        .iter()
        .filter(|r| {
            r["name_before"] == "下站街道社区服务孵化中心"
                || r["name_after"] == "下站街道社区服务孵化中心"
        })
        .map(|r| (r["change"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(r, [("dissolved", "gone"), ("added", "new")]);
    let s = find("上站街道孵化基地");
    assert_eq!(
        (s["change"].as_str(), s["reason"].as_str()),
        ("dissolved", "deregistered")
    );
}

#[test]
fn all_lists_every_record_and_name_matches() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv_path = dir.path().join("all.csv");
    let (code, out, err) = run(&[
        "diff",
        "fixtures/diff/2023Q3",
        "fixtures/diff/2023Q4",
        "--communities",
        "fixtures/diff/社区名单.csv",
        "--baseline-as-of",
        "2023-09-30",
        "--as-of",
        "2023-12-31",
        "--all",
        "-o",
        csv_path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let recs = read_csv(&csv_path);
    // 20 organization records (12 pairs + 3 previous only + 5 current only) and 9
    // incubator records (6 pairs + 1 previous only + 2 current only).
    assert_eq!(recs.len(), 29);
    let by_name = |n: &str| {
        recs.iter()
            .find(|r| r["name_after"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    // Previous written "城区 上站街道办事处 窑坡社区", current "城区 上站街道 窑坡社区居委会":
    // the same place once resolved, matched by name.
    let b = by_name("窑坡社区老年协会");
    assert_eq!(
        (b["change"].as_str(), b["matched_by"].as_str()),
        ("unchanged", "name_place")
    );
    // No code before, a code now: matched by name.
    let j = by_name("晋东一社区读书会");
    assert_eq!(
        (
            j["matched_by"].as_str(),
            j["credit_code_before"].as_str(),
            j["change"].as_str()
        ),
        ("name_place", "", "unchanged")
    );
    // An incubator without a code, written "秀水镇 社会组织孵化站" at "秀水镇人民政府" before
    // and "秀水镇社会组织孵化站" at "秀水镇" now: the same once the name is folded and the
    // place resolved. Another gained a code: matched by name and place.
    let x = by_name("秀水镇社会组织孵化站");
    assert_eq!(
        (
            x["kind"].as_str(),
            x["change"].as_str(),
            x["matched_by"].as_str()
        ),
        ("incubator", "unchanged", "name_place")
    );
    let y = by_name("秀水镇志愿服务孵化点");
    assert_eq!(
        (
            y["matched_by"].as_str(),
            y["credit_code_before"].as_str(),
            y["change"].as_str()
        ),
        ("name_place", "", "unchanged")
    );
    // Dissolved long before both dates; founded after the current as-of date.
    assert_eq!(by_name("油娄沟社区旧协会")["change"], "inactive");
    assert_eq!(by_name("兴隆街社区合唱队")["change"], "inactive");
    // The county row of the default (--by county) table.
    let rows = region_rows(&out);
    assert_eq!(rows.len(), 4, "{out}"); // province, city, 城区, 盂县
}

#[test]
fn each_export_needs_a_community_list() {
    let (code, _, err) = run(&["diff", "fixtures/diff/2023Q3", "fixtures/diff/2023Q4"]);
    assert_eq!(code, 2);
    assert!(err.contains("no community list"), "{err}");
    assert!(err.contains("--communities"), "{err}");
}

#[test]
fn xlsx_has_regions_and_records() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let x = dir.path().join("diff.xlsx");
    let (code, out, err) = run(&[
        "diff",
        "fixtures/diff/2023Q3",
        "fixtures/diff/2023Q4",
        "--communities",
        "fixtures/diff/社区名单.csv",
        "--as-of",
        "2023-12-31",
        "-o",
        x.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let bytes = std::fs::read(&x).unwrap_or_default();
    assert!(bytes.starts_with(b"PK"), "not a zip");
}

/// Copy the demo, and write a previous 晋城市 ledger with known edits (see below).
fn demo_pair() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let prev = dir.path().join("2023Q3");
    let cur = dir.path().join("2023Q4");
    for d in [&prev, &cur] {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    let demo = root().join("fixtures/demo");
    let ledger = "晋城市社区社会组织台账.csv";
    for entry in std::fs::read_dir(&demo).unwrap_or_else(|e| panic!("{e}")) {
        let p = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = p.file_name().map(|n| n.to_owned()).unwrap_or_default();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !["csv", "xlsx"].contains(&ext) {
            continue;
        }
        std::fs::copy(&p, cur.join(&name)).unwrap_or_else(|e| panic!("{e}"));
        if name.to_str() != Some(ledger) {
            std::fs::copy(&p, prev.join(&name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    // The previous 晋城市 ledger: the demo's (GBK), edited, written as UTF-8.
    let bytes = std::fs::read(demo.join(ledger)).unwrap_or_else(|e| panic!("{e}"));
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(prev.join(ledger))
        .unwrap_or_else(|e| panic!("{e}"));
    // Columns: 序号 组织名称 市 县 乡镇 社区 类别 登记形式 品牌 成立日期 注销日期 信用代码 状态 …
    let mut edits = 0;
    for rec in r.records() {
        let mut row: Vec<String> = rec
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(str::to_string)
            .collect();
        let name = row.get(1).cloned().unwrap_or_default();
        match name.as_str() {
            // Not yet listed before → added now (城区 2, 高平市 2).
            "凤翔社区同心八音会"
            | "建设路社区邻里合唱团"
            | "秦城村红马甲秧歌队"
            | "前河村金秋锣鼓队" => {
                edits += 1;
                continue;
            }
            // Active before; the demo gives them a 注销日期 in 2022 → dissolved (城区, 沁水县).
            "凤翔社区幸福健身队" | "王街村邻里象棋协会" => {
                row[10] = String::new();
                row[12] = "正常".into();
                edits += 1;
            }
            // Before in 泽州县 南村镇 岭杰社区; now 城区 东街街道 凤翔社区 (same code) → moved
            // between counties.
            "凤翔社区七彩养老互助会" => {
                row[3] = "泽州县".into();
                row[4] = "南村镇".into();
                row[5] = "岭杰社区".into();
                edits += 1;
            }
            // Before at 大会村委会, now 石头村委会, both of 陵川县 崇文镇 → moved between
            // communities only.
            "石头村乐龄合唱团" => {
                row[5] = "大会村委会".into();
                edits += 1;
            }
            // Renamed, same code (城区, 高平市).
            "观巷社区和谐爱心妈妈服务队" => {
                row[1] = "观巷社区爱心妈妈服务队".into();
                edits += 1;
            }
            "秦城村阳光健身队" => {
                row[1] = "秦城村健身队".into();
                edits += 1;
            }
            _ => {}
        }
        w.write_record(&row).unwrap_or_else(|e| panic!("{e}"));
        if name == "原村金秋太极拳协会" {
            // Listed before only (no code) → dissolved, gone (城区).
            w.write_record([
                "9572",
                "泰森社区旧书画社",
                "晋城市",
                "城区",
                "西街街道",
                "泰森社区",
                "文体活动类",
                "备案",
                "否",
                "2015/1/1",
                "",
                "",
                "正常",
                "",
                "西街街道办事处",
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    w.flush().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(edits, 10, "every edited organization was found");
    dir
}

#[test]
fn demo_diff_balances_on_every_region() {
    let dir = demo_pair();
    let csv_path = dir.path().join("all.csv");
    let (code, out, err) = run(&[
        "diff",
        dir.path().join("2023Q3").to_str().unwrap_or_default(),
        dir.path().join("2023Q4").to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
        "--by",
        "street",
        "--all",
        "-o",
        csv_path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The edits: 4 removed before (added), 2 given a 注销日期 only now + 1 listed only
    // before (dissolved), 2 moved, 2 renamed.
    assert!(
        out.contains(
            "新增 added 4，注销/消失 dissolved 3，迁移 moved 2，更名 renamed 2（另有迁移并更名 0）"
        ),
        "{out}"
    );
    let rows = region_rows(&out);
    assert!(rows.len() > 100, "streets of both cities: {}", rows.len());

    // Every row: the identity, and each figure recomputed from the record list.
    let recs = read_csv(&csv_path);
    let orgs: Vec<_> = recs
        .iter()
        .filter(|r| r["kind"] == "organization")
        .collect();
    // A record's region at a row: the row's path, or its own "（本级）" row.
    let within = |place: &str, label: &str| -> bool {
        let place = place.strip_prefix("山西省/").unwrap_or(place);
        match label.strip_suffix("（本级）") {
            Some(own) => place == own,
            None => label == "山西省" || place == label || place.starts_with(&format!("{label}/")),
        }
    };
    for (label, n, check) in &rows {
        let [before, after, net, added, dissolved, moved_in, moved_out, _renamed] = *n;
        assert_eq!(check, "✓", "{label}");
        assert_eq!(after - before, net, "{label}");
        assert_eq!(net, added - dissolved + moved_in - moved_out, "{label}");
        let count = |f: &dyn Fn(&BTreeMap<String, String>) -> bool| -> i64 {
            orgs.iter().filter(|r| f(r)).count() as i64
        };
        let b = |r: &BTreeMap<String, String>| {
            r["active_before"] == "yes" && within(&r["place_before"], label)
        };
        let a = |r: &BTreeMap<String, String>| {
            r["active_after"] == "yes" && within(&r["place_after"], label)
        };
        assert_eq!(count(&b), before, "{label} before");
        assert_eq!(count(&a), after, "{label} after");
        assert_eq!(count(&|r| r["change"] == "added" && a(r)), added, "{label}");
        assert_eq!(
            count(&|r| r["change"] == "dissolved" && b(r)),
            dissolved,
            "{label}"
        );
        assert_eq!(
            count(&|r| a(r) && !b(r) && r["change"] == "moved"),
            moved_in,
            "{label}"
        );
        assert_eq!(
            count(&|r| b(r) && !a(r) && r["change"] == "moved"),
            moved_out,
            "{label}"
        );
    }

    // Hand-computed rows (after − before from the edits listed in demo_pair):
    let row = |l: &str| {
        rows.iter()
            .find(|(label, _, _)| label == l)
            .map(|(_, n, _)| *n)
            .unwrap_or_else(|| panic!("no row {l}"))
    };
    // 晋城市: +4 added, −3 dissolved, moves inside the city → net +1; renamed 2.
    let jc = row("晋城市");
    assert_eq!(
        (jc[2], jc[3], jc[4], jc[5], jc[6], jc[7]),
        (1, 4, 3, 0, 0, 2)
    );
    // 城区: added 2, dissolved 2 (凤翔社区幸福健身队, 泰森社区旧书画社), moved in 1 (from
    // 泽州县), renamed 1 → net +1.
    let cq = row("晋城市/城区");
    assert_eq!(
        (cq[2], cq[3], cq[4], cq[5], cq[6], cq[7]),
        (1, 2, 2, 1, 0, 1)
    );
    // 泽州县: moved out 1 → net −1. 沁水县: dissolved 1. 高平市: added 2, renamed 1.
    // 陵川县: a move between two communities of one street shows at no level above.
    assert_eq!(row("晋城市/泽州县")[2..7], [-1, 0, 0, 0, 1]);
    assert_eq!(row("晋城市/沁水县")[2..7], [-1, 0, 1, 0, 0]);
    assert_eq!(row("晋城市/高平市")[2..8], [2, 2, 0, 0, 0, 1]);
    assert_eq!(row("晋城市/陵川县")[2..7], [0, 0, 0, 0, 0]);
    assert_eq!(row("晋城市/泽州县/南村镇")[2..7], [-1, 0, 0, 0, 1]);
    assert_eq!(row("晋城市/城区/东街街道")[2..7], [2, 2, 1, 1, 0]);
    // 阳泉市 is untouched: the same before and after, no change.
    assert_eq!(row("阳泉市")[2..8], [0, 0, 0, 0, 0, 0]);
    assert_eq!(row("阳泉市")[0], row("阳泉市")[1]);
}
