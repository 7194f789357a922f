//! Unit rows on a small hand-made model: sums over places in two cities, each measure,
//! assessed or not, absent places, and no rows under a scope.
//!
//! ```text
//! 山西省
//! ├── 太原市 / 小店区 / 坞城街道: C1 甲社区 (urban), C2 乙村 (rural)
//! ├── 太原市 / 迎泽区 / 柳巷街道: C3 丙社区 (urban)
//! └── 阳泉市 / 城区 / 上章召街道: C4 丁社区 (urban)
//! ```
//!
//! Organizations (no dates, all active): C1 ×2, C2 ×1, C3 ×3, C4 ×1. Events (能力培训): 小店区
//! 2021, 2022; 城区 2023. Unit 新区 = 太原市/小店区/坞城街道 + 阳泉市/城区.

use chrono::NaiveDate;

use super::super::{run, AuditOptions, AuditResult, Detail, Row, Status};
use crate::ingest::{Origin, UrbanRural};
use crate::model::{Active, Dated, Level, Model, Organization};
use crate::plan;

fn model() -> Model {
    let mut m = Model::default();
    let r = &mut m.regions;
    let p = r.child_or_insert(None, "山西省", Level::Province);
    let ty = r.child_or_insert(Some(p), "太原市", Level::City);
    let yq = r.child_or_insert(Some(p), "阳泉市", Level::City);
    let xd = r.child_or_insert(Some(ty), "小店区", Level::County);
    let yz = r.child_or_insert(Some(ty), "迎泽区", Level::County);
    let cq = r.child_or_insert(Some(yq), "城区", Level::County);
    let s1 = r.child_or_insert(Some(xd), "坞城街道", Level::Street);
    let s2 = r.child_or_insert(Some(yz), "柳巷街道", Level::Street);
    let s3 = r.child_or_insert(Some(cq), "上章召街道", Level::Street);
    let mut c = Vec::new();
    for (s, name, kind) in [
        (s1, "甲社区", UrbanRural::Urban),
        (s1, "乙村", UrbanRural::Rural),
        (s2, "丙社区", UrbanRural::Urban),
        (s3, "丁社区", UrbanRural::Urban),
    ] {
        let id = r.child_or_insert(Some(s), name, Level::Community);
        r.get_mut(id).kind = Some(kind);
        c.push(id);
    }
    m.province = p;
    m.scope = p;
    m.communities = c.clone();
    // One combined table of every kind (rows in both cities): every kind is supplied.
    for kind in crate::ingest::TableKind::ALL {
        m.push_table(
            crate::ingest::TableInfo::new("台账.csv".into(), None, kind),
            crate::model::TableReach {
                cities: [ty, yq].into(),
                counties: [xd, yz, cq].into(),
            },
        );
    }
    for (i, n) in [2, 1, 3, 1].into_iter().enumerate() {
        for _ in 0..n {
            m.organizations.push(Organization {
                origin: Origin { table: 0, row: 1 },
                name: "".into(),
                place: c[i],
                category: Some("文体活动类".into()),
                registration: None,
                brand: false,
                active: Active {
                    start: None,
                    end: None,
                },
                extra: None,
            });
        }
    }
    for (place, y) in [(xd, 2021), (xd, 2022), (cq, 2023)] {
        m.events.push(Dated {
            origin: Origin { table: 0, row: 1 },
            name: String::new(),
            kind: "能力培训".to_string(),
            place,
            date: NaiveDate::from_ymd_opt(y, 6, 1).unwrap_or_default(),
        });
    }
    m
}

const HEAD: &str = r#"
[plan]
id = "t"
title = "t"
issuer = "t"
province = "山西省"
province_code = "14"
reporting_units = ["太原市", "阳泉市"]
period_start = 2021-01-01
due = 2023-12-31

[[unit]]
name = "新区"
places = ["太原市/小店区/坞城街道", "阳泉市/城区"]

[[unit]]
name = "缺区"
places = ["太原市/尖草坪区"]
"#;

const TARGETS: &str = r#"
[[target]]
id = "density"
name = "density"
clause = "一"
text = "t"
note = ""
measure = "density"
records = { table = "organizations" }
units = { table = "communities", where = { kind = "urban" } }
min = 3
level = "city"

[[target]]
id = "density-county"
name = "density-county"
clause = "一"
text = "t"
note = ""
measure = "density"
records = { table = "organizations" }
units = { table = "communities" }
min = 1
level = "county"

[[target]]
id = "count-county"
name = "count-county"
clause = "一"
text = "t"
note = ""
measure = "count"
records = { table = "organizations" }
min = 1
level = "county"

[[target]]
id = "training"
name = "training"
clause = "一"
text = "t"
note = ""
measure = "yearly_count"
records = { table = "events", where = { kind = "能力培训" } }
level = "city"

[[target]]
id = "orgs"
name = "orgs"
clause = "一"
text = "t"
note = ""
measure = "info"
records = { table = "organizations" }
level = "city"
"#;

fn audit(m: &Model) -> AuditResult {
    let p = match plan::parse("t.toml", &format!("{HEAD}{TARGETS}")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    run(
        m,
        &p,
        AuditOptions {
            as_of: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default(),
            by: Level::City,
            threads: 0,
        },
    )
}

fn row<'a>(r: &'a AuditResult, target: &str, region: &str) -> Option<&'a Row> {
    r.rows
        .iter()
        .find(|x| r.targets[x.target].target.id == target && x.region == region)
}

#[test]
fn unit_rows_sum_their_places_across_cities() {
    let r = audit(&model());
    let Some(x) = row(&r, "density", "山西省/新区") else {
        panic!("no unit row")
    };
    // Urban communities C1 (2 orgs) + C4 (1 org): 3/2 = 1.50 < 3; gap ⌈3 × 2⌉ − 3 = 3.
    assert_eq!(
        (x.level, x.value, x.gap, x.status, x.assessed),
        (Level::City, Some(1.5), Some(3), Status::Unmet, true)
    );
    assert_eq!(x.detail, [Detail::Ratio(3, 2)]);
    // 太原市 keeps 坞城街道's records: C1 + C3 = 5 orgs / 2 urban = 2.50.
    let ty = row(&r, "density", "山西省/太原市").map(|x| x.value);
    assert_eq!(ty, Some(Some(2.5)));
    // Yearly: the 2021 and 2022 events sit at 小店区 itself, which is not a place of the unit
    // (only its street 坞城街道 is), so only 城区's 2023 counts: 1 of 3 years, 2 missing.
    let Some(t) = row(&r, "training", "山西省/新区") else {
        panic!("no training row")
    };
    assert_eq!(
        (t.value, t.required, t.gap),
        (Some(1.0), Some(3.0), Some(2))
    );
    assert_eq!(t.detail, [Detail::MissingYears(vec![2021, 2022])]);
    // Info: 2 + 1 (C1, C2) + 1 (C4) = 4.
    let o = row(&r, "orgs", "山西省/新区").map(|x| (x.value, x.status));
    assert_eq!(o, Some((Some(4.0), Status::Info)));
}

#[test]
fn county_assessed_targets_give_unassessed_unit_rows_and_counts_none() {
    let r = audit(&model());
    // density-county has city rows (default levels province, city, county): the unit's row
    // is there but does not decide: C1, C2, C4 = 4 orgs / 3 communities = 1.33.
    let Some(x) = row(&r, "density-county", "山西省/新区") else {
        panic!("no row")
    };
    assert_eq!((x.value, x.assessed), (Some(1.33), false));
    // count-county has rows at county level only: no unit row.
    assert!(row(&r, "count-county", "山西省/新区").is_none());
}

#[test]
fn absent_places_make_no_data_shortfalls() {
    let r = audit(&model());
    let Some(x) = row(&r, "density", "山西省/缺区") else {
        panic!("no row")
    };
    assert_eq!((x.status, x.region_id), (Status::NoData, None));
    assert!(x.is_shortfall());
    assert_eq!(
        x.detail,
        [Detail::PlacesNotInData(vec!["太原市/尖草坪区".into()])]
    );
    // Info rows of an absent unit stay info (no threshold to miss).
    let o = row(&r, "orgs", "山西省/缺区").map(|x| (x.value, x.status));
    assert_eq!(o, Some((None, Status::Info)));
    // Cities sort first, then the units in plan order.
    let order: Vec<&str> = r
        .rows
        .iter()
        .filter(|x| r.targets[x.target].target.id == "density" && x.level == Level::City)
        .map(|x| x.region.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "山西省/太原市",
            "山西省/阳泉市",
            "山西省/新区",
            "山西省/缺区"
        ]
    );
}

#[test]
fn no_unit_rows_under_a_scope() {
    let mut m = model();
    m.scope = m
        .regions
        .child(Some(m.province), "太原市")
        .unwrap_or(m.province);
    let r = audit(&m);
    assert!(!r.rows.iter().any(|x| x.region.ends_with("新区")));
}
