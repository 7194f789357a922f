//! Place resolution, duplicates, urban/rural routes, scope and accounting.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::ingest::{CommunityRow, NameTable, OrganizationRow, Place, TableKind, UrbanRural};

fn place(city: &str, county: &str, street: &str, community: &str) -> Place {
    Place {
        province: "".into(),
        city: city.into(),
        county: county.into(),
        street: street.into(),
        community: community.into(),
    }
}

fn table(kind: TableKind, rows: u32) -> TableInfo {
    TableInfo {
        file: PathBuf::from(format!("{}.csv", kind.as_str())),
        sheet: None,
        kind,
        kind_forced: false,
        kind_clue: crate::ingest::KindClue::Header,
        encoding: None,
        header_rows: (1, 1),
        columns: Vec::new(),
        extra_columns: Vec::new(),
        rows_read: rows,
        skipped: BTreeMap::new(),
        used: 0,
    }
}

fn community(row: u32, p: Place, code: Option<u16>) -> CommunityRow {
    CommunityRow {
        origin: Origin { table: 0, row },
        place: p,
        kind: None,
        urban_rural_code: code,
        code: None,
        pilot: false,
    }
}

/// The place names of the organization rows built here, for every dataset built here
/// (a name's id is the same in all of them).
fn org_names() -> std::sync::MutexGuard<'static, NameTable> {
    static NAMES: std::sync::OnceLock<std::sync::Mutex<NameTable>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    names
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn org(row: u32, name: &str, p: Place) -> OrganizationRow {
    OrganizationRow {
        origin: Origin { table: 1, row },
        name: name.into(),
        place: org_names().intern(&p),
        category: Some("文体活动类".into()),
        registration: None,
        brand: false,
        founded: None,
        dissolved: None,
        status: None,
        extra: None,
    }
}

/// Communities of two towns modelled on the real lists: 迎泽街道 (太原市迎泽区) and
/// 白文镇 (吕梁市临县), where 白文居委会 and 白文村委会 share a stem; plus a 城区 in both
/// 阳泉市 and 晋城市.
fn communities() -> Vec<CommunityRow> {
    vec![
        community(
            2,
            place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
            Some(111),
        ),
        community(
            3,
            place("太原市", "迎泽区", "迎泽街道", "新店村村民委员会"),
            Some(121),
        ),
        community(
            4,
            place("吕梁市", "临县", "白文镇", "白文居委会"),
            Some(121),
        ),
        community(
            5,
            place("吕梁市", "临县", "白文镇", "白文村委会"),
            Some(220),
        ),
        community(
            6,
            place("阳泉市", "城区", "上站街道", "上站社区居委会"),
            Some(111),
        ),
        community(
            7,
            place("晋城市", "城区", "西街街道", "西街社区居委会"),
            Some(111),
        ),
        // A duplicate of row 2.
        community(
            8,
            place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
            Some(111),
        ),
        // Name says nothing, no code: unclassified.
        community(9, place("太原市", "迎泽区", "迎泽街道", "某虚拟单位"), None),
    ]
}

fn dataset(orgs: Vec<OrganizationRow>) -> Dataset {
    let n = orgs.len() as u32;
    Dataset {
        tables: vec![
            table(TableKind::Communities, 8),
            table(TableKind::Organizations, n),
        ],
        communities: communities().into(),
        organizations: orgs.into(),
        names: org_names().clone(),
        ..Dataset::default()
    }
}

fn opts() -> BuildOptions {
    BuildOptions {
        province: "山西省".into(),
        code_wins: false,
        scope: Vec::new(),
        ..BuildOptions::default()
    }
}

fn built(orgs: Vec<OrganizationRow>, o: &BuildOptions) -> Model {
    match build(dataset(orgs), o) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn issue_for(m: &Model, table: u32, row: u32) -> Option<&DataIssue> {
    m.issues
        .iter()
        .find(|i| i.origin == Some(Origin { table, row }))
}

#[test]
fn short_names_resolve_when_unique_in_the_street() {
    let m = built(
        vec![
            org(2, "甲", place("太原市", "迎泽区", "迎泽街道", "迎泽社区")),
            org(3, "乙", place("太原市", "迎泽区", "迎泽街道", "新店村")),
            org(
                4,
                "丙",
                place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
            ),
            // No street given: found among the county's communities.
            org(5, "丁", place("太原市", "迎泽区", "", "新店村")),
        ],
        &opts(),
    );
    let paths: Vec<String> = m
        .organizations
        .iter()
        .map(|o| m.regions.path(o.place))
        .collect();
    assert_eq!(
        paths,
        [
            "山西省/太原市/迎泽区/迎泽街道/迎泽社区居民委员会",
            "山西省/太原市/迎泽区/迎泽街道/新店村村民委员会",
            "山西省/太原市/迎泽区/迎泽街道/迎泽社区居民委员会",
            "山西省/太原市/迎泽区/迎泽街道/新店村村民委员会",
        ]
    );
}

#[test]
fn an_ambiguous_short_name_is_a_data_issue_naming_both() {
    let m = built(
        vec![org(2, "甲", place("吕梁市", "临县", "白文镇", "白文"))],
        &opts(),
    );
    assert!(m.organizations.is_empty());
    let i = issue_for(&m, 1, 2).map(|i| (i.outcome, i.text()));
    let Some((outcome, msg)) = i else {
        panic!("no issue")
    };
    assert_eq!(outcome, Outcome::Skipped(SkipReason::AmbiguousPlace));
    assert!(
        msg.contains("白文居委会") && msg.contains("白文村委会"),
        "{msg}"
    );
    // The exact full name is not ambiguous.
    let m = built(
        vec![org(
            2,
            "甲",
            place("吕梁市", "临县", "白文镇", "白文村委会"),
        )],
        &opts(),
    );
    assert_eq!(m.organizations.len(), 1);
}

#[test]
fn unmatched_places_suggest_the_nearest_name() {
    let m = built(
        vec![
            org(2, "甲", place("太原市", "迎泽区", "迎泽街道", "迎择社区")),
            org(3, "乙", place("太原市", "迎泽县", "", "")),
            org(
                4,
                "丙",
                place("太原市", "迎泽区", "迎泽街道", "完全不同的名字"),
            ),
        ],
        &opts(),
    );
    assert!(m.organizations.is_empty());
    let msg = |row| issue_for(&m, 1, row).map(|i| i.text()).unwrap_or_default();
    assert!(msg(2).contains("是否为“迎泽社区居民委员会”"), "{}", msg(2));
    assert!(
        msg(3).contains("迎泽县") && msg(3).contains("是否为“迎泽区”"),
        "{}",
        msg(3)
    );
    assert!(!msg(4).contains("是否为"), "{}", msg(4));
    assert_eq!(issue_for(&m, 1, 3).map(|i| i.column()), Some(Some("县区")));
}

/// The rows of one misspelt place share one issue body, made when the spelling was first
/// searched; another spelling has its own.
#[test]
fn the_rows_of_a_misspelt_place_share_one_issue_body() {
    let misspelt = || place("太原市", "迎泽区", "迎泽街道", "迎择社区");
    let m = built(
        vec![
            org(2, "甲", misspelt()),
            org(3, "乙", misspelt()),
            org(
                4,
                "丙",
                place("太原市", "迎泽区", "迎泽街道", "迎泽社区居委"),
            ),
            org(5, "丁", misspelt()),
        ],
        &opts(),
    );
    let body = |row| issue_for(&m, 1, row).map(|i| std::sync::Arc::as_ptr(i.body()));
    assert!(body(2).is_some());
    assert_eq!(body(2), body(3));
    assert_eq!(body(2), body(5));
    assert!(body(4).is_some());
    assert_ne!(body(2), body(4));
    let msg = |row| issue_for(&m, 1, row).map(|i| i.text()).unwrap_or_default();
    assert!(
        msg(5).contains("迎择社区") && msg(5).contains("是否为“迎泽社区居民委员会”"),
        "{}",
        msg(5)
    );
}

/// A community list whose rows go back and forth between two cities with a county and a
/// street of the same names: each community lands under its own city's street (a row's
/// city, county and street are found again from the row before's only when their parent
/// is the same too), and a community listed twice in a row is still a duplicate.
#[test]
fn same_names_under_alternating_cities_stay_apart() {
    let rows = [
        ("阳泉市", "甲社区"),
        ("晋城市", "乙社区"),
        ("阳泉市", "丙社区"),
        ("阳泉市", "丙社区"),
        ("晋城市", "丁社区"),
    ];
    let communities = (2u32..)
        .zip(rows)
        .map(|(row, (city, c))| community(row, place(city, "城区", "东街街道", c), Some(111)))
        .collect();
    let ds = Dataset {
        tables: vec![table(TableKind::Communities, 5)],
        communities,
        ..Dataset::default()
    };
    let m = match build(ds, &opts()) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let mut paths: Vec<String> = m
        .regions
        .ids()
        .filter(|&id| m.regions.get(id).level == Level::Community)
        .map(|id| m.regions.path(id))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "山西省/晋城市/城区/东街街道/丁社区",
            "山西省/晋城市/城区/东街街道/乙社区",
            "山西省/阳泉市/城区/东街街道/丙社区",
            "山西省/阳泉市/城区/东街街道/甲社区",
        ]
    );
    let streets = m
        .regions
        .ids()
        .filter(|&id| m.regions.get(id).level == Level::Street)
        .count();
    assert_eq!(streets, 2);
    assert_eq!(
        issue_for(&m, 0, 5).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::Duplicate))
    );
}

#[test]
fn same_county_name_in_two_cities_stays_apart() {
    let m = built(
        vec![
            org(2, "甲", place("阳泉市", "城区", "上站街道", "上站社区")),
            org(3, "乙", place("晋城市", "城区", "西街街道", "西街社区")),
            // 上站街道 is in 阳泉's 城区, not 晋城's.
            org(4, "丙", place("晋城市", "城区", "上站街道", "上站社区")),
        ],
        &opts(),
    );
    let paths: Vec<String> = m
        .organizations
        .iter()
        .map(|o| m.regions.path(o.place))
        .collect();
    assert_eq!(
        paths,
        [
            "山西省/阳泉市/城区/上站街道/上站社区居委会",
            "山西省/晋城市/城区/西街街道/西街社区居委会"
        ]
    );
    assert_eq!(
        issue_for(&m, 1, 4).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::UnmatchedPlace))
    );
}

#[test]
fn duplicates_are_skipped_once_and_said() {
    let m = built(
        vec![
            org(
                2,
                "舞蹈队",
                place("太原市", "迎泽区", "迎泽街道", "迎泽社区"),
            ),
            org(
                3,
                "舞蹈队",
                place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
            ),
            org(4, "舞蹈队", place("太原市", "迎泽区", "迎泽街道", "新店村")),
        ],
        &opts(),
    );
    // Same name, same community (written two ways) → row 3 is a duplicate; row 4 is another
    // community, so a different organization.
    assert_eq!(m.organizations.len(), 2);
    assert_eq!(
        issue_for(&m, 1, 3).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::Duplicate))
    );
    // Community row 8 repeats row 2.
    assert_eq!(
        issue_for(&m, 0, 8).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::Duplicate))
    );
    assert_eq!(m.communities.len(), 7);
}

#[test]
fn urban_rural_routes_are_counted() {
    let m = built(Vec::new(), &opts());
    let c = &m.classification;
    // Names: 迎泽社区居民委员会 u, 新店村村民委员会 r (code 121 urban: disagree), 白文居委会 u
    // (121 agrees), 白文村委会 r, 上站社区居委会 u, 西街社区居委会 u → 6 by name; the
    // duplicate is not counted; 某虚拟单位 has neither → unclassified.
    assert_eq!(
        (c.by_name, c.by_code, c.unclassified, c.name_code_disagree),
        (6, 0, 1, 1)
    );
    let kind = |name: &str| {
        m.communities
            .iter()
            .find(|&&id| m.regions.get(id).name == name)
            .and_then(|&id| m.regions.get(id).kind)
    };
    assert_eq!(kind("新店村村民委员会"), Some(UrbanRural::Rural));
    assert_eq!(kind("某虚拟单位"), None);
    // With the code first, 新店村 (121) becomes urban.
    let m = built(
        Vec::new(),
        &BuildOptions {
            code_wins: true,
            ..opts()
        },
    );
    assert_eq!(
        m.communities
            .iter()
            .find(|&&id| m.regions.get(id).name == "新店村村民委员会")
            .and_then(|&id| m.regions.get(id).kind),
        Some(UrbanRural::Urban)
    );
    assert_eq!((m.classification.by_code, m.classification.by_name), (6, 0));
}

#[test]
fn the_column_wins_over_name_and_code() {
    let mut ds = dataset(Vec::new());
    ds.communities[1].kind = Some(UrbanRural::Urban);
    let m = match build(ds, &opts()) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(m.classification.by_column, 1);
    let id = m.communities[1];
    assert_eq!(m.regions.get(id).kind, Some(UrbanRural::Urban));
}

#[test]
fn scope_and_province_skip_rows_as_out_of_scope() {
    let o = BuildOptions {
        scope: vec!["太原市".into()],
        ..opts()
    };
    let mut ds = dataset(vec![
        org(2, "甲", place("太原市", "迎泽区", "迎泽街道", "迎泽社区")),
        org(3, "乙", place("阳泉市", "城区", "上站街道", "上站社区")),
        // A wrong street, but in 阳泉市: outside the scope whatever else is wrong.
        org(4, "丙", place("阳泉市", "城区", "不存在街道", "")),
    ]);
    ds.communities.push(CommunityRow {
        code: Some("610118001001".into()),
        ..community(
            10,
            place("西安市", "鄠邑区", "甘亭街道", "甘亭社区居委会"),
            Some(111),
        )
    });
    ds.tables[0].rows_read = 9;
    let m = match build(ds, &o) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(m.organizations.len(), 1);
    assert_eq!(m.regions.path(m.scope), "山西省/太原市");
    assert_eq!(
        issue_for(&m, 1, 3).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::OutOfScope))
    );
    assert_eq!(
        issue_for(&m, 1, 4).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::OutOfScope))
    );
    assert_eq!(
        issue_for(&m, 0, 10).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::OutOfScope))
    );
    // Only 太原市's three distinct communities are in scope.
    assert_eq!(m.communities.len(), 3);
    // Accounting: communities 9 read = 3 used + 1 duplicate + 5 out of scope (4 of Shanxi's
    // other cities + 1 of Shaanxi).
    let t = &m.tables[0];
    assert_eq!(t.used, 3);
    assert_eq!(t.skipped.get(&SkipReason::Duplicate), Some(&1));
    assert_eq!(t.skipped.get(&SkipReason::OutOfScope), Some(&5));
    assert_eq!(t.rows_read, t.used + t.skipped_total());
    let t = &m.tables[1];
    assert_eq!(t.rows_read, t.used + t.skipped_total());
    // An unknown scope is an error.
    let bad = BuildOptions {
        scope: vec!["太原".into(), "不存在区".into()],
        ..opts()
    };
    assert!(build(dataset(Vec::new()), &bad).is_err());
}

#[test]
fn served_communities_are_looked_up_under_the_organizations_place() {
    let mut hub = org(2, "枢纽", place("太原市", "迎泽区", "迎泽街道", ""));
    hub.extra = crate::ingest::OrgExtra::of(None, vec!["新店村".into(), "上站社区".into()].into());
    let m = built(vec![hub], &opts());
    assert_eq!(m.organizations.len(), 1);
    let o = &m.organizations[0];
    assert_eq!(o.serves().len(), 1);
    assert_eq!(m.regions.get(o.serves()[0]).name, "新店村村民委员会");
    // 上站社区 is in 阳泉市: a data issue, the organization still counted.
    let i = issue_for(&m, 1, 2);
    assert!(i.is_some_and(|i| i.outcome == Outcome::Counted && i.text().contains("上站社区")));
}

#[test]
fn dissolved_status_without_date_is_never_active() {
    let mut o = org(2, "甲", place("太原市", "迎泽区", "迎泽街道", "迎泽社区"));
    o.status = Some(Status::Dissolved);
    let m = built(vec![o], &opts());
    let d = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    assert!(!m.organizations[0].active.at(d));
}

/// A hand-built list for the written forms: 阳泉市/城区 and 晋城市/城区 (current names),
/// 长治市/潞州区 (where the former 城区 of 长治市 went), and a made-up city whose 新华县
/// and 新华区 share the short form 新华.
fn forms_dataset(orgs: Vec<OrganizationRow>) -> Dataset {
    let rows = vec![
        community(
            2,
            place("阳泉市", "城区", "上站街道", "上站社区居委会"),
            Some(111),
        ),
        community(
            3,
            place("晋城市", "城区", "西街街道", "西街社区居委会"),
            Some(111),
        ),
        community(
            4,
            place("长治市", "潞州区", "东街街道", "东街社区居委会"),
            Some(111),
        ),
        community(5, place("甲市", "新华县", "一镇", "一村委会"), Some(220)),
        community(
            6,
            place("甲市", "新华区", "二街道", "二社区居委会"),
            Some(111),
        ),
    ];
    let n = orgs.len() as u32;
    Dataset {
        tables: vec![
            table(TableKind::Communities, rows.len() as u32),
            table(TableKind::Organizations, n),
        ],
        communities: rows.into(),
        organizations: orgs.into(),
        names: org_names().clone(),
        ..Dataset::default()
    }
}

#[test]
fn written_forms_resolve_with_their_route_and_never_guess() {
    let orgs = vec![
        // Exact.
        org(2, "a", place("阳泉市", "城区", "上站街道", "")),
        // Province and city prefixes, office name: variant.
        org(
            3,
            "b",
            place("山西省阳泉市", "阳泉市城区", "上站街道办事处", ""),
        ),
        // Short city: short.
        org(4, "c", place("阳泉", "城区", "", "")),
        // 长治市's former 城区: alias to 潞州区; 阳泉市/城区 above stayed itself.
        org(5, "d", place("长治市", "城区", "东街街道", "")),
        // 城区 never shortens to 城.
        org(6, "e", place("阳泉市", "城", "", "")),
        // 新华 is 新华县 or 新华区: ambiguous, both named.
        org(7, "f", place("甲市", "新华", "", "")),
        // The county cell repeating the city: the row is at the city.
        org(8, "g", place("晋城市", "晋城市", "", "")),
    ];
    let m = match build(forms_dataset(orgs), &opts()) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let paths: Vec<String> = m
        .organizations
        .iter()
        .map(|o| format!("{} {}", o.name, m.regions.path(o.place)))
        .collect();
    assert_eq!(
        paths,
        [
            "a 山西省/阳泉市/城区/上站街道",
            "b 山西省/阳泉市/城区/上站街道",
            "c 山西省/阳泉市/城区",
            "d 山西省/长治市/潞州区/东街街道",
            "g 山西省/晋城市",
        ]
    );
    let r = &m.routes.total;
    // a exact; b, g variant; c short; d alias.
    assert_eq!((r.exact, r.variant, r.short, r.alias), (1, 2, 1, 1));
    // All of them rows of table 1 (the counts of the table being recorded are put into
    // the map once its rows are done).
    let by: Vec<(u32, (u32, u32, u32, u32))> = m
        .routes
        .by_table
        .iter()
        .map(|(t, r)| (*t, (r.exact, r.variant, r.short, r.alias)))
        .collect();
    assert_eq!(by, [(1, (1, 2, 1, 1))]);
    assert_eq!(
        issue_for(&m, 1, 6).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::UnmatchedPlace))
    );
    let i = issue_for(&m, 1, 7);
    assert_eq!(
        i.map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::AmbiguousPlace))
    );
    let msg = i.map(|i| i.text()).unwrap_or_default();
    assert!(
        msg.contains("山西省/甲市/新华县") && msg.contains("山西省/甲市/新华区"),
        "{msg}"
    );
    let t = &m.tables[1];
    assert_eq!(t.rows_read, t.used + t.skipped_total());
    assert_eq!(t.used, 5);
}

#[test]
fn scope_goes_through_the_written_forms() {
    let scoped = |s: &[&str]| {
        build(
            forms_dataset(Vec::new()),
            &BuildOptions {
                scope: s.iter().map(|x| x.to_string()).collect(),
                reporting_units: vec!["太原市".into(), "阳泉市".into()],
                ..opts()
            },
        )
        .map(|m| m.regions.path(m.scope))
    };
    assert_eq!(scoped(&["阳泉"]).ok().as_deref(), Some("山西省/阳泉市"));
    assert_eq!(
        scoped(&["阳泉市城区"]).ok().as_deref(),
        Some("山西省/阳泉市/城区")
    );
    assert_eq!(
        scoped(&["长治", "潞州"]).ok().as_deref(),
        Some("山西省/长治市/潞州区")
    );
    match scoped(&["城区"]) {
        Err(ModelError::AmbiguousScope { candidates, .. }) => {
            assert_eq!(candidates, ["山西省/阳泉市/城区", "山西省/晋城市/城区"])
        }
        other => panic!("{other:?}"),
    }
    match scoped(&["太原"]) {
        Err(ModelError::ScopeNotInData { unit }) => assert_eq!(unit, "太原市"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        scoped(&["大同市"]),
        Err(ModelError::UnknownScope(_))
    ));
}

/// Projects, events and funds: a record is a duplicate only when every part of its
/// identity repeats (name, kind, place and date; place, year, amount and source), and a
/// duplicate is skipped with its first listing named; `read = used + skipped` per table.
#[test]
fn dated_records_and_funds_repeat_only_when_every_part_does() {
    use crate::ingest::{EventRow, FundRow, ProjectRow};
    let yz = || place("太原市", "迎泽区", "迎泽街道", "迎泽社区");
    let d = |m: u32| NaiveDate::from_ymd_opt(2023, m, 1).unwrap();
    let project = |row: u32, name: &str, kind: &str, p: Place, date: NaiveDate| ProjectRow {
        origin: Origin { table: 2, row },
        name: name.into(),
        kind: kind.into(),
        place: p,
        date,
    };
    let event = |row: u32, name: &str, p: Place, date: NaiveDate| EventRow {
        origin: Origin { table: 3, row },
        name: name.into(),
        kind: "能力培训".into(),
        place: p,
        date,
    };
    let fund = |row: u32, amount: f64, source: Option<&str>| FundRow {
        origin: Origin { table: 4, row },
        place: place("太原市", "迎泽区", "", ""),
        year: 2023,
        amount,
        source: source.map(Into::into),
    };
    let mut ds = dataset(Vec::new());
    ds.tables.push(table(TableKind::Projects, 5));
    ds.tables.push(table(TableKind::Events, 4));
    ds.tables.push(table(TableKind::Funds, 4));
    ds.projects = vec![
        project(2, "邻里帮", "品牌项目", yz(), d(3)),
        project(3, "邻里帮", "品牌项目", yz(), d(3)), // repeats row 2
        project(4, "邻里帮", "公益创投", yz(), d(3)), // another kind
        project(5, "邻里帮", "品牌项目", yz(), d(4)), // another date
        project(
            6,
            "邻里帮",
            "品牌项目",
            place("太原市", "迎泽区", "迎泽街道", "新店村"),
            d(3),
        ),
    ];
    ds.events = vec![
        event(2, "培训", yz(), d(5)),
        event(3, "培训", yz(), d(6)),
        event(4, "培训", yz(), d(5)), // repeats row 2
        event(
            5,
            "培训",
            place("太原市", "迎泽区", "迎泽街道", "无此社区"),
            d(5),
        ),
    ];
    ds.funds = vec![
        fund(2, 10.0, Some("福彩公益金")),
        fund(3, 10.0, Some("福彩公益金")), // repeats row 2
        fund(4, 10.0, None),               // another source
        fund(5, 12.5, Some("福彩公益金")), // another amount
    ];
    let m = build(ds, &opts()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.projects.len(), 4);
    assert_eq!(m.events.len(), 2);
    assert_eq!(m.funds.len(), 3);
    let dup = |table: u32, row: u32| match issue_for(&m, table, row).map(|i| (i.kind(), i.outcome))
    {
        Some((
            IssueKind::DuplicateRecord { first, .. } | IssueKind::DuplicateFund { first, .. },
            Outcome::Skipped(SkipReason::Duplicate),
        )) => Some(first.row),
        _ => None,
    };
    assert_eq!(dup(2, 3), Some(2));
    assert_eq!(dup(3, 4), Some(2));
    assert_eq!(dup(4, 3), Some(2));
    for (table, row) in [(2, 4), (2, 5), (2, 6), (3, 3), (4, 4), (4, 5)] {
        assert!(
            issue_for(&m, table, row).is_none(),
            "table {table} row {row}"
        );
    }
    // Event row 5's community is not in the list: skipped as unmatched, not a duplicate.
    assert_eq!(
        issue_for(&m, 3, 5).map(|i| i.outcome),
        Some(Outcome::Skipped(SkipReason::UnmatchedPlace))
    );
    for t in &m.tables[2..] {
        assert_eq!(t.rows_read, t.used + t.skipped_total(), "{:?}", t.kind);
    }
}

/// A table large enough to be resolved on several threads gives the very model one
/// thread gives: the same organizations with the same regions, the same issues in the same
/// order (unmatched, ambiguous, misspelt with their suggestion, other province, out of
/// scope, duplicates naming their first row), the same counts and routes.
#[test]
fn places_resolved_on_several_threads_give_the_one_thread_model() {
    let spellings = [
        place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
        place("太原市", "迎泽区", "迎泽街道", "迎泽社区"),
        place("太原", "迎泽", "迎泽街道", "新店村"),
        place("吕梁市", "临县", "白文镇", "白文"),
        place("吕梁市", "临县", "白文镇", "白文居委会"),
        place("阳泉市", "城区", "上站街道", "上站社区居委会"),
        place("晋城市", "城区", "西街街道", "西街社区"),
        place("太原市", "迎泽区", "迎泽街道", "迎择社区"),
        place("太原市", "迎泽区", "迎泽街道", "不存在社区"),
        place("大同市", "平城区", "某街道", "某社区"),
        place("太原市", "迎泽区", "", ""),
        Place {
            province: "陕西省".into(),
            ..place("西安市", "雁塔区", "小寨路街道", "某社区")
        },
    ];
    // 2 × PARALLEL_RECORDS + 17 rows; each spelling written by rows far apart (so by both
    // threads' shards); every 5th name repeats an earlier row's name and place (a
    // duplicate). Read as one block, or as the blocks of a reading: one large, one below
    // PARALLEL_MIN (resolved on one thread) and the rest.
    let n = 2 * PARALLEL_RECORDS + 17;
    let orgs: Vec<OrganizationRow> = (0..n)
        .map(|i| {
            let first = if i % 5 == 4 { i - 4 } else { i };
            let p = spellings[(first * 7 + first / 1000) % spellings.len()].clone();
            let mut row = org(i as u32 + 2, &format!("组织{first}"), p);
            // Every 11th row has a credit code that rows far apart share (a duplicate by
            // code, its key worked out on the resolving threads).
            if i % 11 == 3 {
                row.extra = crate::ingest::OrgExtra::of(
                    Some(format!("CODE{}", i % 1000).into()),
                    Box::default(),
                );
            }
            row
        })
        .collect();
    let model = |threads: usize, scope: &[&str], blocks: bool| {
        let o = BuildOptions {
            threads,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            ..opts()
        };
        let mut ds = dataset(orgs.clone());
        if blocks {
            let mut rows: Vec<OrganizationRow> = orgs.clone();
            let mut rest = rows.split_off(PARALLEL_RECORDS + 100);
            let tail = rest.split_off(PARALLEL_MIN - 1);
            let mut chunks = crate::ingest::Chunks::from(rows);
            chunks.append(rest);
            chunks.append(tail);
            assert_eq!(chunks.len(), n);
            ds.organizations = chunks;
        }
        let m = match build(ds, &o) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            // The rows, not how they are split into blocks.
            m.organizations.iter().collect::<Vec<_>>(),
            m.issues.iter().collect::<Vec<_>>(),
            m.tables,
            m.routes,
            m.reach
        )
    };
    for scope in [&[][..], &["太原市"][..]] {
        let one = model(1, scope, false);
        for kind in [
            "DuplicateRecord",
            "OtherProvince",
            "NotInList",
            "suggestion: Some",
            "by_code: true",
        ] {
            assert!(one.contains(kind), "no {kind} in the fixture");
        }
        for threads in [2, 3] {
            for blocks in [false, true] {
                let many = model(threads, scope, blocks);
                assert!(
                    one == many,
                    "{threads} threads, scope {scope:?}, blocks {blocks}: differ"
                );
            }
        }
    }
}

/// A table's reach holds the city and county of every row whose place was found (used,
/// duplicate or with only its county matched), each once however many rows name it, and
/// nothing of a row whose city is unknown.
#[test]
fn reach_holds_each_city_and_county_a_table_names() {
    let orgs = vec![
        org(
            2,
            "甲",
            place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
        ),
        org(
            3,
            "乙",
            place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
        ),
        // A duplicate of row 2: still a row of 太原市.
        org(
            4,
            "甲",
            place("太原市", "迎泽区", "迎泽街道", "迎泽社区居民委员会"),
        ),
        org(
            5,
            "丙",
            place("阳泉市", "城区", "上站街道", "上站社区居委会"),
        ),
        // The county is found, the community is not.
        org(6, "丁", place("吕梁市", "临县", "白文镇", "不存在的村")),
        org(7, "戊", place("吕梁市", "临县", "", "")),
        // An unknown city: nothing reached.
        org(8, "己", place("某某市", "某县", "", "")),
    ];
    let (cities, counties) = reach_paths(&built(orgs, &opts()), 1);
    assert_eq!(cities, ["山西省/太原市", "山西省/吕梁市", "山西省/阳泉市"]);
    assert_eq!(
        counties,
        [
            "山西省/太原市/迎泽区",
            "山西省/吕梁市/临县",
            "山西省/阳泉市/城区"
        ]
    );
}

/// Rows that name only a city (or only a county) reach that city (and county), one after
/// the other under the same parent: each region met is its own city or county, whatever
/// region was met before it.
#[test]
fn reach_holds_sibling_cities_met_directly() {
    let orgs = vec![
        org(2, "甲", place("太原市", "", "", "")),
        org(3, "乙", place("吕梁市", "", "", "")),
        org(4, "丙", place("阳泉市", "城区", "", "")),
        org(5, "丁", place("晋城市", "城区", "", "")),
    ];
    let (cities, counties) = reach_paths(&built(orgs, &opts()), 1);
    assert_eq!(
        cities,
        [
            "山西省/太原市",
            "山西省/吕梁市",
            "山西省/阳泉市",
            "山西省/晋城市"
        ]
    );
    assert_eq!(counties, ["山西省/阳泉市/城区", "山西省/晋城市/城区"]);
}

/// The paths of the cities and counties table `t` of `m` reaches.
fn reach_paths(m: &Model, t: usize) -> (Vec<String>, Vec<String>) {
    let r = m.reach.get(t).cloned().unwrap_or_default();
    let paths = |ids: &BTreeSet<RegionId>| ids.iter().map(|&id| m.regions.path(id)).collect();
    (paths(&r.cities), paths(&r.counties))
}
