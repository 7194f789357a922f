//! Measures, attachment modes, filters, as-of rules and gap formulas on a small model
//! whose every figure is worked out by hand in the comments.
//!
//! The model (山西省, as-of 2023-12-31 unless a test says otherwise):
//!
//! ```text
//! 太原市
//! ├── 小店区
//! │   ├── 坞城街道: C1 甲社区 (urban), C2 乙社区 (urban), C3 丙村 (rural)
//! │   └── 北格镇:   C4 丁村 (rural)
//! └── 迎泽区
//!     └── 柳巷街道: C5 戊社区 (urban)
//! ```
//!
//! Organizations:
//! - o1 C1 文体活动类, brand, founded 2020-01-01
//! - o2 C1 社会工作服务机构
//! - o3 C2 文体活动类, founded 2024-01-01 (after the as-of date)
//! - o4 C3 公益慈善类, brand, dissolved 2023-06-01
//! - o5 C3 公益慈善类, brand
//! - o6 坞城街道 (street level, no community) 枢纽型
//! - o7 北格镇 (street level) 社会工作服务机构
//! - o8 迎泽区 (county level) 支持型, serves C5

use chrono::NaiveDate;

use super::*;
use crate::ingest::{Origin, UrbanRural};
use crate::model::{Active, Dated, Fund, Level, Model, Organization, RegionId};
use crate::plan;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

struct Ids {
    city: RegionId,
    k1: RegionId,
    k2: RegionId,
    s1: RegionId,
    s2: RegionId,
    c: [RegionId; 5],
}

fn model() -> (Model, Ids) {
    let mut m = Model::default();
    let r = &mut m.regions;
    let p = r.child_or_insert(None, "山西省", Level::Province);
    let city = r.child_or_insert(Some(p), "太原市", Level::City);
    let k1 = r.child_or_insert(Some(city), "小店区", Level::County);
    let k2 = r.child_or_insert(Some(city), "迎泽区", Level::County);
    let s1 = r.child_or_insert(Some(k1), "坞城街道", Level::Street);
    let s2 = r.child_or_insert(Some(k1), "北格镇", Level::Street);
    let s3 = r.child_or_insert(Some(k2), "柳巷街道", Level::Street);
    let spec = [
        (s1, "甲社区", UrbanRural::Urban),
        (s1, "乙社区", UrbanRural::Urban),
        (s1, "丙村", UrbanRural::Rural),
        (s2, "丁村", UrbanRural::Rural),
        (s3, "戊社区", UrbanRural::Urban),
    ];
    let mut c = [0; 5];
    for (i, (s, name, kind)) in spec.into_iter().enumerate() {
        let id = r.child_or_insert(Some(s), name, Level::Community);
        r.get_mut(id).kind = Some(kind);
        c[i] = id;
    }
    m.province = p;
    m.scope = p;
    m.communities = c.to_vec();
    // One table of every kind, all of 太原市: every kind is supplied for 太原市.
    for kind in crate::ingest::TableKind::ALL {
        m.push_table(
            crate::ingest::TableInfo::new(format!("{}.csv", kind.as_str()).into(), None, kind),
            crate::model::TableReach {
                cities: [city].into(),
                counties: [k1, k2].into(),
            },
        );
    }
    let org = |place, category: &str, brand, start, end, serves: Vec<RegionId>| Organization {
        origin: Origin { table: 0, row: 1 },
        name: "".into(),
        place,
        category: Some(category.into()),
        registration: None,
        brand,
        active: Active { start, end },
        extra: crate::model::OrgExtra::of(None, serves.into()),
    };
    m.organizations = vec![
        org(c[0], "文体活动类", true, Some(d(2020, 1, 1)), None, vec![]),
        org(c[0], "社会工作服务机构", false, None, None, vec![]),
        org(c[1], "文体活动类", false, Some(d(2024, 1, 1)), None, vec![]),
        org(c[2], "公益慈善类", true, None, Some(d(2023, 6, 1)), vec![]),
        org(c[2], "公益慈善类", true, None, None, vec![]),
        org(s1, "枢纽型", false, None, None, vec![]),
        org(s2, "社会工作服务机构", false, None, None, vec![]),
        org(k2, "支持型", false, None, None, vec![c[4]]),
    ]
    .into();
    let ev = |place, kind: &str, date| Dated {
        origin: Origin { table: 0, row: 1 },
        name: String::new(),
        kind: kind.to_string(),
        place,
        date,
    };
    m.events = vec![
        ev(city, "能力培训", d(2021, 5, 1)),
        ev(city, "能力培训", d(2023, 3, 1)),
        ev(k1, "能力培训", d(2022, 1, 1)),
        ev(city, "优质项目评选", d(2022, 7, 1)),
    ];
    m.projects = vec![
        ev(city, "品牌项目", d(2021, 1, 1)),
        ev(k1, "品牌项目", d(2023, 1, 1)),
        ev(k1, "品牌项目", d(2024, 1, 1)),
        ev(k2, "购买服务", d(2022, 1, 1)),
    ];
    let fund = |place, year, amount| Fund {
        origin: Origin { table: 0, row: 1 },
        place,
        year,
        amount,
        source: None,
    };
    m.funds = vec![
        fund(city, 2021, 10.5),
        fund(k1, 2022, 2.25),
        fund(k1, 2024, 100.0),
    ];
    (
        m,
        Ids {
            city,
            k1,
            k2,
            s1,
            s2,
            c,
        },
    )
}

const PLAN_HEAD: &str = r#"
[plan]
id = "t"
title = "测试"
issuer = "测试厅"
province = "山西省"
province_code = "14"
reporting_units = ["太原市", "阳泉市"]
period_start = 2021-01-01
due = 2023-12-31
"#;

fn plan_with(targets: &str) -> Plan {
    match plan::parse("test.toml", &format!("{PLAN_HEAD}{targets}")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn audit(targets: &str, as_of: NaiveDate, by: Level) -> AuditResult {
    let (m, _) = model();
    run(
        &m,
        &plan_with(targets),
        AuditOptions {
            as_of,
            by,
            threads: 0,
        },
    )
}

fn row<'a>(r: &'a AuditResult, target: &str, region: &str) -> &'a Row {
    r.rows
        .iter()
        .find(|x| r.targets[x.target].target.id == target && x.region == region)
        .unwrap_or_else(|| panic!("no row {target} {region}"))
}

const DENSITY: &str = r#"
[[target]]
id = "urban-density"
name = "urban-density"
clause = "一"
text = "城市社区平均不少于10个"
note = ""
measure = "density"
records = { table = "organizations", where = { category = { not_in = ["社会工作服务机构"] } } }
units = { table = "communities", where = { kind = "urban" } }
min = 10
level = "city"

[[target]]
id = "rural-density"
name = "rural-density"
clause = "一"
text = "农村社区平均不少于5个"
note = ""
measure = "density"
records = { table = "organizations", where = { category = { not_in = ["社会工作服务机构"] } } }
units = { table = "communities", where = { kind = "rural" } }
min = 5
level = "city"
"#;

#[test]
fn density_counts_active_records_in_matching_units() {
    let r = audit(DENSITY, d(2023, 12, 31), Level::City);
    // Urban units C1, C2, C5 = 3. Records: o1 (C1) only — o2 is a social-work institution,
    // o3 is founded after the as-of date, o6/o8 are not located in a community.
    // 1 / 3 = 0.333… → 0.33; gap = ⌈10 × 3⌉ − 1 = 29.
    let x = row(&r, "urban-density", "山西省/太原市");
    assert_eq!(
        (x.value, x.required, x.gap, x.status),
        (Some(0.33), Some(10.0), Some(29), Status::Unmet)
    );
    // Rural units C3, C4 = 2. Records: o5 (C3); o4 was dissolved on 2023-06-01.
    // 1 / 2 = 0.50; gap = 10 − 1 = 9.
    let x = row(&r, "rural-density", "山西省/太原市");
    assert_eq!((x.value, x.gap), (Some(0.5), Some(9)));
    // 小店区: urban C1, C2 → 1/2 = 0.50, gap 19. 迎泽区: urban C5 → 0/1, gap 10.
    let x = row(&r, "urban-density", "山西省/太原市/小店区");
    assert_eq!((x.value, x.gap, x.assessed), (Some(0.5), Some(19), false));
    let x = row(&r, "urban-density", "山西省/太原市/迎泽区");
    assert_eq!((x.value, x.gap), (Some(0.0), Some(10)));
    // 迎泽区 has no rural community: not applicable.
    let x = row(&r, "rural-density", "山西省/太原市/迎泽区");
    assert_eq!(
        (x.value, x.gap, x.status),
        (None, None, Status::NotApplicable)
    );
    // Province row equals the only city's figures.
    let x = row(&r, "urban-density", "山西省");
    assert_eq!((x.value, x.gap), (Some(0.33), Some(29)));
    // 阳泉市 is a reporting unit missing from the data.
    let x = row(&r, "urban-density", "山西省/阳泉市");
    assert_eq!((x.status, x.assessed), (Status::NoData, true));
    assert!(r.fails(Severity::Error));
}

#[test]
fn as_of_decides_which_records_count() {
    // At 2024-01-01 o3 (founded that day) counts: urban records o1, o3 → 2/3 = 0.67.
    let r = audit(DENSITY, d(2024, 1, 1), Level::City);
    assert_eq!(row(&r, "urban-density", "山西省/太原市").value, Some(0.67));
    // At 2023-05-31 o4 (dissolved 2023-06-01) still counts: rural o4, o5 → 2/2 = 1.00.
    let r = audit(DENSITY, d(2023, 5, 31), Level::City);
    assert_eq!(row(&r, "rural-density", "山西省/太原市").value, Some(1.0));
    // On 2023-06-01 itself it no longer does.
    let r = audit(DENSITY, d(2023, 6, 1), Level::City);
    assert_eq!(row(&r, "rural-density", "山西省/太原市").value, Some(0.5));
}

#[test]
fn active_interval_edges() {
    let a = Active {
        start: Some(d(2021, 3, 5)),
        end: Some(d(2022, 1, 1)),
    };
    assert!(!a.at(d(2021, 3, 4)));
    assert!(a.at(d(2021, 3, 5)));
    assert!(a.at(d(2021, 12, 31)));
    assert!(!a.at(d(2022, 1, 1)));
    assert!(Active {
        start: None,
        end: None
    }
    .at(d(1900, 1, 1)));
}

const COVERAGE: &str = r#"
[[target]]
id = "hub-streets"
name = "hub-streets"
clause = "一"
text = "枢纽型、支持型覆盖每个街道"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["枢纽型", "支持型"] } } }
units = { table = "streets" }
attach = "within"
min = 1
level = "city"

[[target]]
id = "hub-communities"
name = "hub-communities"
clause = "一"
text = "枢纽型、支持型覆盖城乡社区"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["枢纽型", "支持型"] } } }
units = { table = "communities" }
attach = "reaches"
min = 1
level = "city"

[[target]]
id = "socialwork-urban"
name = "socialwork-urban"
clause = "一"
text = "社工机构覆盖城市社区"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["社会工作服务机构"] } } }
units = { table = "communities", where = { kind = "urban" } }
attach = "reaches"
min = 1
level = "city"

[[target]]
id = "socialwork-rural"
name = "socialwork-rural"
clause = "一"
text = "社工机构覆盖三分之一以上农村社区"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["社会工作服务机构"] } } }
units = { table = "communities", where = { kind = "rural" } }
attach = "reaches"
min = "1/3"
level = "city"

[[target]]
id = "hub-at-street"
name = "hub-at-street"
clause = "一"
text = "街道本级"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["枢纽型", "支持型"] } } }
units = { table = "streets" }
attach = "at"
at_least = 2
min = 1
level = "city"
"#;

#[test]
fn coverage_within_reaches_and_at() {
    let r = audit(COVERAGE, d(2023, 12, 31), Level::City);
    // Streets 坞城, 北格, 柳巷. Hubs within a street: o6 (坞城). o8 is at county level, so
    // within no street. Covered 1/3 = 0.3333, gap ⌈1 × 3⌉ − 1 = 2.
    let x = row(&r, "hub-streets", "山西省/太原市");
    assert_eq!(
        (x.value, x.gap, x.status),
        (Some(0.3333), Some(2), Status::Unmet)
    );
    // Reaches: o6 at 坞城 street reaches C1, C2, C3; o8 serves C5. Covered 4 of 5 = 0.8000.
    let x = row(&r, "hub-communities", "山西省/太原市");
    assert_eq!((x.value, x.gap), (Some(0.8), Some(1)));
    // 迎泽区: C5 reached by o8's 服务社区 → 1/1, met.
    let x = row(&r, "hub-communities", "山西省/太原市/迎泽区");
    assert_eq!(
        (x.value, x.gap, x.status),
        (Some(1.0), Some(0), Status::Met)
    );
    // Social work, urban: o2 in C1 → C1 only of C1, C2, C5 → 0.3333, gap 2.
    let x = row(&r, "socialwork-urban", "山西省/太原市");
    assert_eq!((x.value, x.gap), (Some(0.3333), Some(2)));
    // Social work, rural: o7 at 北格镇 street reaches C4 → 1 of C3, C4 = 0.5000;
    // need ⌈2/3⌉ = 1 → met. Required shown as 1/3 rounded to 4 decimals.
    let x = row(&r, "socialwork-rural", "山西省/太原市");
    assert_eq!(
        (x.value, x.required, x.gap, x.status),
        (Some(0.5), Some(0.3333), Some(0), Status::Met)
    );
    // At: street-level hubs exactly at a street, at least 2 each: none has two → 0/3.
    let x = row(&r, "hub-at-street", "山西省/太原市");
    assert_eq!((x.value, x.gap), (Some(0.0), Some(3)));
}

/// A count target over the organizations with `filter` (a TOML inline table), at the
/// city of every organization (太原市), on `m`.
fn org_count(m: &Model, filter: &str) -> Option<f64> {
    let p = plan_with(&format!(
        r#"
[[target]]
id = "n"
name = "n"
clause = "x"
text = "x"
note = ""
measure = "count"
records = {{ table = "organizations", where = {filter} }}
min = 1
level = "city"
"#
    ));
    let opts = AuditOptions {
        as_of: d(2023, 12, 31),
        by: Level::City,
        threads: 0,
    };
    row(&run(m, &p, opts), "n", "山西省/太原市").value
}

#[test]
fn organization_filters_combine_category_registration_and_brand() {
    use crate::ingest::Registration::{Filed, Registered};
    let (mut m, _) = model();
    // Registrations: o1 and o5 registered, o2 and o6 filed, the rest blank. Active at
    // 2023-12-31: o1 o2 o5 o6 o7 o8 (o3 is founded in 2024, o4 dissolved in 2023).
    for (i, r) in [(0, Registered), (1, Filed), (4, Registered), (5, Filed)] {
        m.organizations[i].registration = Some(r);
    }
    // o2's category is the same text as o7's in another shared copy (as two parsing
    // threads make them): one category all the same.
    m.organizations[1].category = Some("社会工作服务机构".into());
    let cases = [
        // o1 o5
        (r#"{ registration = "registered" }"#, 2.0),
        // o2 o6
        (r#"{ registration = { in = ["filed"] } }"#, 2.0),
        // A blank registration is in no set: o2 o6 o7 o8.
        (r#"{ registration = { not_in = ["registered"] } }"#, 4.0),
        // Brands active: o1 o5, both registered.
        (r#"{ registration = "registered", brand = true }"#, 2.0),
        (r#"{ registration = "filed", brand = true }"#, 0.0),
        // o1 文体活动类, o5 公益慈善类.
        (
            r#"{ category = { in = ["文体活动类", "公益慈善类"] }, registration = "registered" }"#,
            2.0,
        ),
        // Not brands, not social work: o6 枢纽型, o8 支持型.
        (
            r#"{ category = { not_in = ["社会工作服务机构"] }, brand = false }"#,
            2.0,
        ),
        // Social work, either copy of its text: o2 o7.
        (r#"{ category = "社会工作服务机构" }"#, 2.0),
    ];
    for (filter, want) in cases {
        assert_eq!(org_count(&m, filter), Some(want), "{filter}");
    }
}

#[test]
fn coverage_counts_a_record_once_per_unit() {
    // o6 both sits at 坞城 street and (here) names C1 in 服务社区: C1 must get one record,
    // not two, so at_least = 2 leaves C1 uncovered.
    let (mut m, ids) = model();
    m.organizations[5].set_serves(vec![ids.c[0]].into());
    let p = plan_with(
        r#"
[[target]]
id = "two-hubs"
name = "two-hubs"
clause = "x"
text = "x"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["枢纽型"] } } }
units = { table = "communities" }
attach = "reaches"
at_least = 2
min = 1
level = "city"
"#,
    );
    let r = run(
        &m,
        &p,
        AuditOptions {
            as_of: d(2023, 12, 31),
            by: Level::City,
            threads: 0,
        },
    );
    assert_eq!(row(&r, "two-hubs", "山西省/太原市").value, Some(0.0));
}

const COUNTS: &str = r#"
[[target]]
id = "brand-orgs"
name = "brand-orgs"
clause = "二"
text = "品牌组织不少于5家"
note = ""
measure = "count"
records = { table = "organizations", where = { brand = true } }
min = 5
level = "city"

[[target]]
id = "brand-projects"
name = "brand-projects"
clause = "二"
text = "品牌项目不少于2个"
note = ""
measure = "count"
records = { table = "projects", where = { kind = "品牌项目" } }
min = 2
level = "city"

[[target]]
id = "training-city"
name = "training-city"
clause = "二"
text = "每年至少1次"
note = ""
measure = "yearly_count"
records = { table = "events", where = { kind = "能力培训" } }
attach = "at"
level = "city"

[[target]]
id = "training-county"
name = "training-county"
clause = "二"
text = "每年至少1次"
note = ""
measure = "yearly_count"
records = { table = "events", where = { kind = "能力培训" } }
attach = "within"
level = "county"

[[target]]
id = "funding"
name = "funding"
clause = "五"
text = "经费"
note = ""
measure = "info"
records = { table = "funds" }
sum = "amount"
level = "city"
levels = ["city", "county"]

[[target]]
id = "warn-selection"
name = "warn-selection"
clause = "二"
text = "评选"
note = ""
measure = "yearly_count"
records = { table = "events", where = { kind = "优质项目评选" } }
attach = "at"
level = "city"
severity = "warning"
"#;

#[test]
fn counts_yearly_counts_and_info() {
    let r = audit(COUNTS, d(2023, 12, 31), Level::City);
    // Brand organizations active at 2023-12-31: o1, o5 (o4 dissolved) → 2, gap 3.
    let x = row(&r, "brand-orgs", "山西省/太原市");
    assert_eq!(
        (x.value, x.gap, x.status),
        (Some(2.0), Some(3), Status::Unmet)
    );
    // Brand projects dated by the as-of date: 2021 (city) and 2023 (小店区) → 2, met;
    // the 2024 one does not count yet.
    let x = row(&r, "brand-projects", "山西省/太原市");
    assert_eq!(
        (x.value, x.gap, x.status),
        (Some(2.0), Some(0), Status::Met)
    );
    // City-level trainings (at 太原市 itself): 2021 and 2023, not 2022 (that one is 小店区's).
    let x = row(&r, "training-city", "山西省/太原市");
    assert_eq!(
        (x.value, x.required, x.gap),
        (Some(2.0), Some(3.0), Some(1))
    );
    assert_eq!(x.detail, [Detail::MissingYears(vec![2022])]);
    // County trainings within 小店区: 2022 only → 1 of 3; 迎泽区: none → 0 of 3.
    let x = row(&r, "training-county", "山西省/太原市/小店区");
    assert_eq!((x.value, x.gap, x.assessed), (Some(1.0), Some(2), true));
    let x = row(&r, "training-county", "山西省/太原市/迎泽区");
    assert_eq!((x.value, x.gap), (Some(0.0), Some(3)));
    // Funds up to 2023: 10.5 (city) + 2.25 (小店区) = 12.75; the 2024 line is excluded.
    let x = row(&r, "funding", "山西省/太原市");
    assert_eq!(
        (x.value, x.status, x.gap),
        (Some(12.75), Status::Info, None)
    );
    assert_eq!(row(&r, "funding", "山西省/太原市/小店区").value, Some(2.25));
    // Count targets get rows at their assessed level only.
    assert!(!r
        .rows
        .iter()
        .any(|x| r.targets[x.target].target.id == "brand-orgs" && x.level == Level::County));
}

#[test]
fn yearly_count_judges_only_ended_years() {
    // Mid-2022 only 2021 has ended: the city trained in 2021 → 1 of 1, met.
    let r = audit(COUNTS, d(2022, 6, 30), Level::City);
    let x = row(&r, "training-city", "山西省/太原市");
    assert_eq!(
        (x.value, x.required, x.gap, x.status),
        (Some(1.0), Some(1.0), Some(0), Status::Met)
    );
    // Before the end of 2021 nothing is judged yet.
    let r = audit(COUNTS, d(2021, 6, 30), Level::City);
    assert_eq!(
        row(&r, "training-city", "山西省/太原市").status,
        Status::Info
    );
}

#[test]
fn warnings_fail_only_when_asked() {
    // Only the city 太原市 exists plus the missing 阳泉市; restrict to targets that 太原市
    // meets except the warning: selection happened in 2022 only → unmet warning.
    let (m, _) = model();
    let mut p = plan_with(COUNTS);
    p.targets
        .retain(|t| t.id == "brand-projects" || t.id == "warn-selection");
    p.meta.reporting_units = vec!["太原市".into()];
    let r = run(
        &m,
        &p,
        AuditOptions {
            as_of: d(2023, 12, 31),
            by: Level::City,
            threads: 0,
        },
    );
    assert_eq!(
        row(&r, "warn-selection", "山西省/太原市").status,
        Status::Unmet
    );
    assert!(!r.fails(Severity::Error));
    assert!(r.fails(Severity::Warning));
}

#[test]
fn scope_drops_levels_above_it() {
    let (mut m, ids) = model();
    m.scope = ids.k1;
    let r = run(
        &m,
        &plan_with(COUNTS),
        AuditOptions {
            as_of: d(2023, 12, 31),
            by: Level::County,
            threads: 0,
        },
    );
    // City-level targets are not evaluated for a county scope.
    let t = r.targets.iter().find(|t| t.target.id == "brand-orgs");
    assert!(t.is_some_and(|t| t.skipped.is_some()));
    // The county target is, and only for 小店区.
    let regions: Vec<&str> = r.rows.iter().map(|x| x.region.as_str()).collect();
    assert_eq!(regions, vec!["山西省/太原市/小店区"]);
    // A city-level density target is assessed for the county in the city's stead:
    // 小店区 urban C1, C2, records o1 → 0.50, gap 19, and the row decides the exit code.
    let r = run(
        &m,
        &plan_with(DENSITY),
        AuditOptions {
            as_of: d(2023, 12, 31),
            by: Level::County,
            threads: 0,
        },
    );
    let x = row(&r, "urban-density", "山西省/太原市/小店区");
    assert_eq!((x.value, x.gap, x.assessed), (Some(0.5), Some(19), true));
    assert!(r.fails(Severity::Error));
    let _ = (ids.city, ids.k2, ids.s1, ids.s2);
}

#[test]
fn by_street_adds_street_rows_for_ratio_targets() {
    let r = audit(COVERAGE, d(2023, 12, 31), Level::Street);
    // 坞城街道: hub within → 1/1 covered.
    let x = row(&r, "hub-streets", "山西省/太原市/小店区/坞城街道");
    assert_eq!(
        (x.value, x.status, x.assessed),
        (Some(1.0), Status::Met, false)
    );
}

#[test]
fn rows_are_sorted_by_target_then_region() {
    let r = audit(DENSITY, d(2023, 12, 31), Level::City);
    let got: Vec<(usize, &str)> = r
        .rows
        .iter()
        .map(|x| (x.target, x.region.as_str()))
        .collect();
    let want = vec![
        (0, "山西省"),
        (0, "山西省/太原市"),
        (0, "山西省/太原市/小店区"),
        (0, "山西省/太原市/迎泽区"),
        (0, "山西省/阳泉市"),
        (1, "山西省"),
        (1, "山西省/太原市"),
        (1, "山西省/太原市/小店区"),
        (1, "山西省/太原市/迎泽区"),
        (1, "山西省/阳泉市"),
    ];
    assert_eq!(got, want);
}

#[test]
fn ratio_ceil_is_exact() {
    let third = plan::Ratio { num: 1, den: 3 };
    assert_eq!(third.ceil_times(3), 1);
    assert_eq!(third.ceil_times(4), 2);
    assert_eq!(third.ceil_times(300), 100);
    assert_eq!(plan::Ratio { num: 10, den: 1 }.ceil_times(7), 70);
    assert_eq!(
        plan::Ratio {
            num: 850_000,
            den: 1_000_000
        }
        .ceil_times(20),
        17
    );
}

#[test]
fn no_units_in_a_present_region_does_not_fail_but_a_missing_city_does() {
    // Scope 迎泽区, which has no rural community: rural-density is no_data there, assessed
    // for the county in the city's stead, and nothing fails on it.
    let (mut m, ids) = model();
    m.scope = ids.k2;
    let mut p = plan_with(DENSITY);
    p.targets.retain(|t| t.id == "rural-density");
    let r = run(
        &m,
        &p,
        AuditOptions {
            as_of: d(2023, 12, 31),
            by: Level::County,
            threads: 0,
        },
    );
    let x = row(&r, "rural-density", "山西省/太原市/迎泽区");
    assert_eq!((x.status, x.assessed), (Status::NotApplicable, true));
    assert!(!r.fails(Severity::Error));
    // A county-level target still shows the missing reporting unit 阳泉市, at city level.
    let r = audit(COUNTS, d(2023, 12, 31), Level::City);
    // It is not one of the counties assessed (their summary counts it apart), but it still
    // fails the run.
    let x = row(&r, "training-county", "山西省/阳泉市");
    assert_eq!(
        (x.status, x.assessed, x.level),
        (Status::NoData, false, Level::City)
    );
    let ti = r
        .targets
        .iter()
        .position(|t| t.target.id == "training-county");
    let s = ti.map(|i| &r.targets[i].summary);
    // The test plan's reporting units are 太原市 and 阳泉市: one missing city.
    assert_eq!(s.map(|s| (s.no_data, s.units_no_data)), Some((0, 1)));
    assert!(r.fails(Severity::Error));
}

/// The targets' figures are the same however many threads work them out, and whichever
/// finishes first: every target of three kinds (densities, coverage, counts), at one thread
/// (worked out in turn by the caller), two, three and more threads than targets.
#[test]
fn figures_do_not_depend_on_the_threads() {
    let (m, _) = model();
    let plan = plan_with(&format!("{DENSITY}{COVERAGE}{COUNTS}"));
    assert!(plan.targets.len() >= 5, "{}", plan.targets.len());
    let as_of = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default();
    let with = |threads: usize| {
        let r = run(
            &m,
            &plan,
            AuditOptions {
                as_of,
                by: Level::County,
                threads,
            },
        );
        let rows: Vec<String> = r.rows.iter().map(|x| format!("{x:?}")).collect();
        let targets: Vec<String> = r
            .targets
            .iter()
            .map(|t| format!("{:?}", t.summary))
            .collect();
        (rows, targets)
    };
    let one = with(1);
    assert!(one.0.len() > plan.targets.len());
    for threads in [2, 3, 16] {
        assert_eq!(with(threads), one, "{threads} threads");
    }
}

#[test]
fn organizations_made_in_two_halves_count_as_one_list() {
    // 80,000 organizations: the active list is made from each half on its own and joined
    // (ACTIVE_SPLIT_MIN). The first half is o1..o5 8,000 times over, o1 naming C1 in 服务社区;
    // the second o6, o7, o8, o8, o2 8,000 times over, o2's category a copy of its own
    // (another shared text), o8 serving C5. 枢纽型 and 支持型 are met in the second half
    // only, so its category numbers and 服务社区 indices must be made the first half's.
    let (mut m, ids) = model();
    let o = m.organizations.clone();
    let mut first = o[0].clone();
    first.set_serves(vec![ids.c[0]].into());
    let mut o2 = o[1].clone();
    o2.category = Some("社会工作服务机构".into());
    let mut orgs = Vec::new();
    for _ in 0..8000 {
        orgs.extend([
            first.clone(),
            o[1].clone(),
            o[2].clone(),
            o[3].clone(),
            o[4].clone(),
        ]);
    }
    for _ in 0..8000 {
        orgs.extend([
            o[5].clone(),
            o[6].clone(),
            o[7].clone(),
            o[7].clone(),
            o2.clone(),
        ]);
    }
    assert!(orgs.len() >= measure::ACTIVE_SPLIT_MIN);
    m.organizations = orgs.into();
    // Active per cycle (o3 is founded in 2024, o4 dissolved in 2023): first half o1 文体,
    // o2 社工, o5 公益 (o1 and o5 brands); second half o6 枢纽, o7 社工, o8 支持 twice, o2 社工.
    let cases = [
        (r#"{ category = "文体活动类" }"#, 8000.0),
        (r#"{ category = "社会工作服务机构" }"#, 24000.0),
        (r#"{ category = { in = ["枢纽型", "支持型"] } }"#, 24000.0),
        (
            r#"{ category = { not_in = ["社会工作服务机构"] } }"#,
            40000.0,
        ),
        (r#"{ brand = true }"#, 16000.0),
    ];
    for (filter, want) in cases {
        assert_eq!(org_count(&m, filter), Some(want), "{filter}");
    }
    // 支持型 (o8, at 迎泽区) reaches C5 by 服务社区 alone: 迎泽区's one community is covered,
    // 小店区's none (o1's C1 is a 文体活动类 list).
    let p = plan_with(
        r#"
[[target]]
id = "support"
name = "support"
clause = "x"
text = "x"
note = ""
measure = "coverage"
records = { table = "organizations", where = { category = { in = ["支持型"] } } }
units = { table = "communities" }
attach = "reaches"
min = 1
level = "city"
levels = ["city", "county"]
"#,
    );
    let opts = AuditOptions {
        as_of: d(2023, 12, 31),
        by: Level::City,
        threads: 0,
    };
    let r = run(&m, &p, opts);
    assert_eq!(row(&r, "support", "山西省/太原市/迎泽区").value, Some(1.0));
    assert_eq!(row(&r, "support", "山西省/太原市/小店区").value, Some(0.0));
}
