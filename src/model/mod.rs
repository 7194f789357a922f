//! Resolve regions: typed rows → the domain model, every place resolved against the
//! community list (no I/O here).
//!
//! The community tables build the [`RegionIndex`]; every other row's place (city, county,
//! street, community as written) is looked up in it. A row whose place cannot be found,
//! or matches more than one community, is skipped with a [`DataIssue`]; so is a duplicate.
//! Afterwards each table's `used` count is set, so that `read = used + skipped` can be
//! checked for every file and sheet.

mod dedup;
pub mod issue_rows;
mod locate;
pub mod places;
pub mod provinces;
pub mod region;
mod resolve;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

pub use crate::ingest::OrgExtra;
use crate::ingest::{
    text, values, Chunks, DataIssue, Dataset, Origin, Outcome, Registration, SkipReason, Status,
    TableInfo,
};
use crate::issue::{Amount, IssueKind, RecordKind, Text};
use dedup::Dedup;
pub use dedup::{Submission, OVERLAP_DEN, OVERLAP_NUM};
use locate::PlaceRef;
use places::{Lookup, PlaceForms, PlaceRules, Route};
pub use region::{region_label, Level, Region, RegionId, RegionIndex};
use resolve::Resolver;

/// How the model is built.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The province audited (e.g. "山西省"). Community rows of another province are skipped
    /// as out of scope.
    pub province: String,
    /// Let the NBS 城乡分类代码 decide urban/rural before the committee type in the name.
    pub code_wins: bool,
    /// Restrict to one city or county: names from the city down, e.g. ["太原市", "小店区"],
    /// in any form a place cell may take (["阳泉"], ["泽州"], ["阳泉市城区"]).
    pub scope: Vec<String>,
    /// The plan's reporting units (cities): a scope naming one of them that is not in the
    /// community list is [`ModelError::ScopeNotInData`] rather than unknown.
    pub reporting_units: Vec<String>,
    /// Place forms and aliases of the user (`--places`), read after the shipped ones.
    pub places: Option<PlaceRules>,
    /// Threads to resolve the places of a large table on (`0`: one per core).
    pub threads: usize,
}

/// Errors that stop building the model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// `--scope` names a region that is not in the community list.
    #[error("范围 “{0}” 不在社区名单中 / scope {0:?} is not in the community list")]
    UnknownScope(String),
    /// Two tables of one kind are largely the same records: a submission sent twice.
    #[error("{0}")]
    DuplicateSubmission(Box<Resubmission>),
    /// `--scope` names more than one region.
    #[error("范围 “{given}” 不唯一，可能是 / scope {given:?} is ambiguous, it may be: {}", candidates.join("、"))]
    AmbiguousScope {
        /// The scope as given.
        given: String,
        /// Full paths of the regions it may name.
        candidates: Vec<String>,
    },
    /// `--scope` names a reporting unit of the plan (a city) that has no community in the
    /// data.
    #[error("范围 “{unit}” 是计划的报送单位，但数据中没有该市 / scope {unit:?} is a reporting unit with no data")]
    ScopeNotInData {
        /// The reporting unit as the plan names it.
        unit: String,
    },
    /// The shipped place rules do not load (a build defect).
    #[error("{0}")]
    Places(String),
}

/// Two tables of one kind that are largely the same records (see [`dedup`]).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "重复报送 duplicate submission: {second} 与 {first} 的{kind}记录大部分相同 —— \
     {second}（{second_records} 条，{second_places}）与 {first}（{first_records} 条，{first_places}）\
     有 {matches} 条记录按统一社会信用代码或名称+地点相同，超过较小一份的一半。\
     两份相加会把同一批记录计两次，所以审计没有进行。请只保留一份，例如 \
     --exclude \"{second_file}\"（保留先读的 {first}），或 --exclude \"{first_file}\"。\n\
     {second} and {first} share {matches} of their records (more than half of the smaller \
     one): keep one of them, e.g. --exclude \"{second_file}\""
)]
pub struct Resubmission {
    /// Table kind (Chinese).
    pub kind: &'static str,
    /// The table read first (`file#sheet`).
    pub first: String,
    /// Its file.
    pub first_file: String,
    /// Its located records.
    pub first_records: u32,
    /// The cities its records lie in.
    pub first_places: String,
    /// The table read later.
    pub second: String,
    /// Its file.
    pub second_file: String,
    /// Its located records.
    pub second_records: u32,
    /// The cities its records lie in.
    pub second_places: String,
    /// Matching records.
    pub matches: u32,
}

/// Where a table's rows lie: the cities and counties of every row whose place was found
/// (used, duplicate or outside `--scope`). A table whose rows all lie in one city is that
/// city's submission; the submission checklist and the no-data rule read this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReach {
    /// Cities reached.
    pub cities: BTreeSet<RegionId>,
    /// Counties reached.
    pub counties: BTreeSet<RegionId>,
}

/// How many resolved rows each route took, with a few examples of the routes that are not
/// exact.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteCounts {
    /// Every cell as the list names it.
    pub exact: u32,
    /// Prefixes dropped, office names, enclosing region repeated.
    pub variant: u32,
    /// Short forms (阳泉, 泽州).
    pub short: u32,
    /// Former names (大同县).
    pub alias: u32,
}

impl RouteCounts {
    fn add(&mut self, route: Route) {
        match route {
            Route::Exact => self.exact += 1,
            Route::Variant => self.variant += 1,
            Route::Short => self.short += 1,
            Route::Alias => self.alias += 1,
        }
    }

    /// The count of one route.
    pub fn get(&self, route: Route) -> u32 {
        match route {
            Route::Exact => self.exact,
            Route::Variant => self.variant,
            Route::Short => self.short,
            Route::Alias => self.alias,
        }
    }

    /// All routes together.
    pub fn total(&self) -> u32 {
        self.exact + self.variant + self.short + self.alias
    }
}

/// One resolution shown for a human to check.
#[derive(Debug, Clone, Serialize)]
pub struct RouteExample {
    /// The route.
    pub route: Route,
    /// The place cells as written, blank ones left out, joined by spaces.
    pub written: String,
    /// The path resolved to.
    pub path: String,
}

/// Place-resolution routes of the rows of every non-community table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlaceRoutes {
    /// All tables together.
    pub total: RouteCounts,
    /// Per table (index into [`Model::tables`]).
    pub by_table: BTreeMap<u32, RouteCounts>,
    /// The first three resolutions of each route that is not exact, in reading order.
    pub examples: Vec<RouteExample>,
    /// The counts of the table whose rows are being recorded, not yet in `by_table` (a
    /// table's rows come together: one map entry per run of rows, not per row).
    #[serde(skip)]
    current: Option<(u32, RouteCounts)>,
}

impl PlaceRoutes {
    /// Put the current table's counts into `by_table`.
    fn flush(&mut self) {
        if let Some((table, counts)) = self.current.take() {
            let to = self.by_table.entry(table).or_default();
            to.exact += counts.exact;
            to.variant += counts.variant;
            to.short += counts.short;
            to.alias += counts.alias;
        }
    }

    fn record(
        &mut self,
        table: u32,
        route: Route,
        place: locate::PlaceRef<'_>,
        path: impl FnOnce() -> String,
    ) {
        self.total.add(route);
        match &mut self.current {
            Some((t, counts)) if *t == table => counts.add(route),
            _ => {
                self.flush();
                let mut counts = RouteCounts::default();
                counts.add(route);
                self.current = Some((table, counts));
            }
        }
        if route != Route::Exact && self.examples.iter().filter(|e| e.route == route).count() < 3 {
            let place = place.names();
            let cells = [
                &place.province,
                &place.city,
                &place.county,
                &place.street,
                &place.community,
            ];
            let written = cells
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| &***c)
                .collect::<Vec<&str>>()
                .join(" ");
            self.examples.push(RouteExample {
                route,
                written,
                path: path(),
            });
        }
    }
}

/// How communities were classified urban/rural.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Classification {
    /// By the 城乡类型 column.
    pub by_column: u32,
    /// By the committee type in the name.
    pub by_name: u32,
    /// By the NBS 城乡分类代码.
    pub by_code: u32,
    /// Not classified.
    pub unclassified: u32,
    /// Communities whose name and NBS code both speak and disagree.
    pub name_code_disagree: u32,
    /// Whether the NBS code was given priority over the name.
    pub code_wins: bool,
}

/// Half-open activity interval of a record: active at `d` when `start <= d` and `d < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Active {
    /// Founded/established/dated on; `None` = has always existed.
    pub start: Option<NaiveDate>,
    /// Dissolved/closed on (no longer active that day); `None` = still active.
    pub end: Option<NaiveDate>,
}

impl Active {
    /// Whether the record counts at `as_of`: started on or before it and not ended on or
    /// before it.
    pub fn at(self, as_of: NaiveDate) -> bool {
        self.start.is_none_or(|s| s <= as_of) && self.end.is_none_or(|e| e > as_of)
    }
}

/// A community social organization, placed.
#[derive(Debug, Clone)]
pub struct Organization {
    /// Source row.
    pub origin: Origin,
    /// 组织名称.
    pub name: Box<str>,
    /// Where it is located (city, county, street or community).
    pub place: RegionId,
    /// 组织类别 (canonical when known).
    pub category: Option<Text>,
    /// 登记形式.
    pub registration: Option<Registration>,
    /// 品牌组织.
    pub brand: bool,
    /// Founding and dissolution.
    pub active: Active,
    /// 服务社区 and 统一社会信用代码, when either is given: out of line, so that an
    /// organization is 64 bytes, not 88 (made in the memory of its row, of 80).
    pub extra: Option<Box<OrgExtra<RegionId>>>,
}

impl Organization {
    /// Communities named in 服务社区, resolved.
    pub fn serves(&self) -> &[RegionId] {
        self.extra.as_ref().map_or(&[], |e| &e.serves)
    }

    /// 统一社会信用代码 as read (upper-cased, half-width), when given.
    pub fn credit_code(&self) -> Option<&str> {
        self.extra.as_ref()?.credit_code.as_deref()
    }

    /// Name these communities in 服务社区 (its code kept).
    pub fn set_serves(&mut self, serves: Box<[RegionId]>) {
        let code = self.extra.take().and_then(|e| e.credit_code);
        self.extra = OrgExtra::of(code, serves);
    }
}

// Kept in the memory of the rows they are made from (see `admit_organizations`): never
// larger than a row.
const _: () = assert!(
    std::mem::size_of::<Organization>() <= std::mem::size_of::<crate::ingest::OrganizationRow>()
);
const _: () = assert!(std::mem::size_of::<crate::ingest::OrganizationRow>() == 80);
const _: () = assert!(std::mem::size_of::<Organization>() == 64);

/// An incubation base, placed.
#[derive(Debug, Clone)]
pub struct Incubator {
    /// Source row.
    pub origin: Origin,
    /// 名称.
    pub name: String,
    /// Where it is located.
    pub place: RegionId,
    /// Establishment and closure.
    pub active: Active,
    /// 统一社会信用代码 as read (upper-cased, half-width), when given.
    pub credit_code: Option<String>,
}

/// A project or an event (both: name, kind, place, date).
#[derive(Debug, Clone)]
pub struct Dated {
    /// Source row.
    pub origin: Origin,
    /// Name.
    pub name: String,
    /// 项目类型 / 活动类型 (canonical when known).
    pub kind: String,
    /// City or county.
    pub place: RegionId,
    /// 认定日期 / 日期.
    pub date: NaiveDate,
}

/// A funding line, placed.
#[derive(Debug, Clone)]
pub struct Fund {
    /// Source row.
    pub origin: Origin,
    /// City or county.
    pub place: RegionId,
    /// 年度.
    pub year: i32,
    /// 金额（万元）.
    pub amount: f64,
    /// 来源.
    pub source: Option<String>,
}

/// The resolved domain model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The region tree.
    pub regions: RegionIndex,
    /// The province root.
    pub province: RegionId,
    /// The scope root (`--scope`), or the province.
    pub scope: RegionId,
    /// Community regions, in list order.
    pub communities: Vec<RegionId>,
    /// Organizations.
    pub organizations: Chunks<Organization>,
    /// Incubators.
    pub incubators: Vec<Incubator>,
    /// Projects.
    pub projects: Vec<Dated>,
    /// Events.
    pub events: Vec<Dated>,
    /// Funds.
    pub funds: Vec<Fund>,
    /// Tables read, with their accounting completed.
    pub tables: Vec<TableInfo>,
    /// Data issues (ingest's and the model's), in blocks: reading's, the community list's
    /// and the record rows' joined without a copy (a misspelt national ledger has near a
    /// million: a joined copy was 100 MB at the build's peak). Shared with the audit's
    /// result ([`crate::issue::Issues`]).
    pub issues: std::sync::Arc<Chunks<DataIssue>>,
    /// Tables passed over.
    pub ignored: Vec<String>,
    /// Urban/rural classification counts.
    pub classification: Classification,
    /// SHA-256 of every input file read (see [`crate::ingest::Dataset::hashes`]).
    pub hashes: std::collections::BTreeMap<std::path::PathBuf, [u8; 32]>,
    /// Per table (indexed like `tables`): the cities and counties its rows lie in.
    pub reach: Vec<TableReach>,
    /// Which route resolved each row's place.
    pub routes: PlaceRoutes,
}

impl Model {
    /// Add a table read elsewhere (tests, tools) with where its rows lie.
    #[cfg(test)]
    pub(crate) fn push_table(&mut self, info: TableInfo, reach: TableReach) {
        self.tables.push(info);
        self.reach.push(reach);
    }

    /// The origin and resolved place of every record row the model kept (organizations,
    /// incubators, projects, events, funds).
    pub(crate) fn record_places(&self) -> impl Iterator<Item = (Origin, RegionId)> + '_ {
        let organizations = self.organizations.iter().map(|r| (r.origin, r.place));
        organizations
            .chain(self.incubators.iter().map(|r| (r.origin, r.place)))
            .chain(self.projects.iter().map(|r| (r.origin, r.place)))
            .chain(self.events.iter().map(|r| (r.origin, r.place)))
            .chain(self.funds.iter().map(|r| (r.origin, r.place)))
    }

    /// Every skipped row's origin and reason with the issue that skipped it, in the
    /// issues' order, for `--rejects`; a run of blank rows gives each of its rows.
    pub(crate) fn skipped_rows(&self) -> Vec<(Origin, SkipReason, &DataIssue)> {
        let mut out = Vec::new();
        for i in self.issues.iter() {
            let (Some(o), Outcome::Skipped(r)) = (i.origin, i.outcome) else {
                continue;
            };
            // A run of blank rows: each of its rows.
            let rows = i.blank_run().map_or(1, |(_, rows)| rows.max(1));
            out.extend((0..rows).map_while(|k| {
                let row = o.row.checked_add(k)?;
                Some((Origin { row, ..o }, r, i))
            }));
        }
        out
    }
}

/// The city, county and street of the last community row: a community list is in place
/// order, so a row's are mostly the row before's, found again without a lookup.
#[derive(Default)]
struct LastRegions([Option<(Option<RegionId>, Text, RegionId)>; 3]);

impl LastRegions {
    /// [`RegionIndex::child_or_insert`] of `name` under `parent`, for the level `slot`
    /// (0 city, 1 county, 2 street).
    fn region(
        &mut self,
        regions: &mut RegionIndex,
        slot: usize,
        (parent, name): (Option<RegionId>, &Text),
        level: Level,
    ) -> RegionId {
        if let Some(Some((p, n, id))) = self.0.get(slot) {
            if *p == parent && n == name {
                return *id;
            }
        }
        let id = regions.child_or_insert(parent, name, level);
        if let Some(s) = self.0.get_mut(slot) {
            *s = Some((parent, name.clone(), id));
        }
        id
    }
}

/// Organization blocks taken between two hand-backs of freed memory
/// ([`crate::memory::release_freed`]): the rows of a block were made by the parse threads,
/// and their freed pages otherwise stay with the allocator while the model grows.
const COLLECT_EVERY: usize = 4;

/// How many community rows ahead the tree warms a row's entries ([`tree`]).
const TREE_AHEAD: usize = 8;

/// Build the model from a dataset.
pub fn build(ds: Dataset, opts: &BuildOptions) -> Result<Model, ModelError> {
    let tree = tree(&ds.communities, ds.tables.len(), opts)?;
    build_from(ds, tree)
}

/// Step 1 of a model build, made from the community rows alone: the region tree, the
/// scope found in it, the communities within it classified. It can be made while the
/// other tables are still being read (it is the whole dataset's tree when no community
/// row was read after it); [`build_from`] goes on from it.
pub struct Tree {
    opts: BuildOptions,
    regions: RegionIndex,
    province: RegionId,
    scope: RegionId,
    forms: PlaceForms,
    classification: Classification,
    community_ids: Vec<RegionId>,
    /// Each table's reach so far (the community tables').
    reach: Vec<TableReach>,
    /// Rows used, by table (the community tables').
    used: Vec<u32>,
    /// The community rows skipped, by table and reason (counted into the tables later).
    skips: Vec<(u32, SkipReason)>,
    /// The community rows' issues, in row order.
    issues: Vec<DataIssue>,
}

/// [`Tree`] of `communities` (rows of the first `tables` tables read).
pub fn tree(
    communities: &crate::ingest::Chunks<crate::ingest::CommunityRow>,
    tables: usize,
    opts: &BuildOptions,
) -> Result<Tree, ModelError> {
    let mut regions = RegionIndex::new();
    let province = regions.child_or_insert(None, &opts.province, Level::Province);
    let mut used: Vec<u32> = vec![0; tables];
    let mut classification = Classification {
        code_wins: opts.code_wins,
        ..Classification::default()
    };
    let mut reach: Vec<TableReach> = vec![TableReach::default(); tables];
    let mut skips: Vec<(u32, SkipReason)> = Vec::new();
    let mut issues: Vec<DataIssue> = Vec::new();
    let skip = |(skips, issues): (&mut Vec<(u32, SkipReason)>, &mut Vec<DataIssue>),
                origin: Origin,
                reason: SkipReason,
                kind: IssueKind| {
        skips.push((origin.table, reason));
        issues.push(DataIssue::new(
            Some(origin),
            None,
            kind,
            Outcome::Skipped(reason),
        ));
    };

    // 1. Communities build the tree; the scope is looked up in the whole tree, then the
    //    communities within it are classified and counted.
    let mut community_ids = Vec::new();
    // The rows listed in the tree, by reference: moving them into a second list doubled a
    // national list's rows in memory (612,500 communities: +190 MB at the peak).
    let mut listed = Vec::with_capacity(communities.len());
    let mut above = LastRegions::default();
    let mut last_reach: Option<(u32, RegionId)> = None;
    regions.reserve(communities.len());
    // The entries of the community a few rows ahead (of the same street, most rows) are
    // brought into the cache while this row's are made: each is a random line of a table
    // of the whole list.
    let mut ahead = communities.iter().skip(TREE_AHEAD);
    for row in communities {
        let next = ahead.next();
        let p = &row.place;
        let row_province = if !p.province.is_empty() {
            Some(p.province.clone())
        } else {
            row.code
                .as_deref()
                .and_then(provinces::province_of_code)
                .map(Text::from)
        };
        if let Some(rp) = &row_province {
            if !provinces::same_province(rp, &opts.province) {
                skip(
                    (&mut skips, &mut issues),
                    row.origin,
                    SkipReason::OutOfScope,
                    IssueKind::OtherProvince {
                        community: Some(p.community.clone()),
                        province: rp.clone(),
                        audited: opts.province.as_str().into(),
                    },
                );
                continue;
            }
        }
        let city = above.region(&mut regions, 0, (Some(province), &p.city), Level::City);
        let county = above.region(&mut regions, 1, (Some(city), &p.county), Level::County);
        let street = above.region(&mut regions, 2, (Some(county), &p.street), Level::Street);
        if let Some(a) = next.map(|n| &n.place) {
            if a.street == p.street && a.county == p.county && a.city == p.city {
                regions.warm_community(street, &a.community);
            }
        }
        // Rows of one county come together: its city and county are added once.
        if last_reach != Some((row.origin.table, county)) {
            if let Some(r) = reach.get_mut(row.origin.table as usize) {
                r.cities.insert(city);
                r.counties.insert(county);
            }
            last_reach = Some((row.origin.table, county));
        }
        // A community already in the tree is listed twice (a region made by this row is
        // new; one met before was made by an earlier row).
        let before = regions.len();
        let id = regions.child_or_insert(Some(street), &p.community, Level::Community);
        if regions.len() == before {
            skip(
                (&mut skips, &mut issues),
                row.origin,
                SkipReason::Duplicate,
                IssueKind::DuplicateCommunity {
                    community: p.community.clone(),
                    street: regions.path(street).into(),
                },
            );
            continue;
        }
        if let Some(code) = &row.code {
            set_codes(&mut regions, id, code);
        }
        regions.add_short_name(id);
        listed.push((row, id, street));
    }

    let rules = match (PlaceRules::builtin(), &opts.places) {
        (Ok(b), Some(user)) => b.with(user),
        (Ok(b), None) => b.clone(),
        (Err(e), _) => return Err(ModelError::Places(e.to_string())),
    };
    let forms = PlaceForms::build(&regions, province, &rules);
    let scope = find_scope(&regions, &forms, province, opts)?;

    for (row, id, street) in listed {
        let p = &row.place;
        if !regions.is_within(id, scope) {
            skip(
                (&mut skips, &mut issues),
                row.origin,
                SkipReason::OutOfScope,
                IssueKind::OutOfScope {
                    name: Some(p.community.clone()),
                    place: regions.path(street).into(),
                },
            );
            continue;
        }
        let by_name = values::urban_rural_from_name(&p.community);
        let by_code = row.urban_rural_code.and_then(values::urban_rural_from_code);
        if let (Some(a), Some(b)) = (by_name, by_code) {
            if a != b {
                classification.name_code_disagree += 1;
            }
        }
        let kind = if let Some(k) = row.kind {
            classification.by_column += 1;
            Some(k)
        } else {
            let (first, second) = if opts.code_wins {
                (by_code, by_name)
            } else {
                (by_name, by_code)
            };
            match (first, second) {
                (Some(k), _) => {
                    if opts.code_wins {
                        classification.by_code += 1;
                    } else {
                        classification.by_name += 1;
                    }
                    Some(k)
                }
                (None, Some(k)) => {
                    if opts.code_wins {
                        classification.by_name += 1;
                    } else {
                        classification.by_code += 1;
                    }
                    Some(k)
                }
                (None, None) => {
                    classification.unclassified += 1;
                    issues.push(DataIssue::new(
                        Some(row.origin),
                        None,
                        IssueKind::Unclassified {
                            community: p.community.clone(),
                        },
                        Outcome::Counted,
                    ));
                    None
                }
            }
        };
        let r = regions.get_mut(id);
        r.kind = kind;
        r.pilot = row.pilot;
        community_ids.push(id);
        count_used(&mut used, row.origin.table);
    }
    // Keep the community issues in row order, as one pass would have written them.
    issues.sort_by_key(|i| i.origin);
    Ok(Tree {
        opts: opts.clone(),
        regions,
        province,
        scope,
        forms,
        classification,
        community_ids,
        reach,
        used,
        skips,
        issues,
    })
}

/// The rest of a model build (step 2 on), from the tree of `ds`'s community rows.
pub fn build_from(ds: Dataset, tree: Tree) -> Result<Model, ModelError> {
    let batches = std::iter::empty::<crate::ingest::OrgBatch>();
    // `rest` gives the dataset: the build gives a model.
    build_streamed(tree, 0, batches, move || Some(ds)).map(Option::unwrap_or_default)
}

/// An organization block with the names its place ids stand for.
type NamedBlock<'n> = (Vec<crate::ingest::OrganizationRow>, locate::Names<'n>);

/// [`build_from`] with the organization rows of the last file read handed on as they are
/// parsed, while the file is still read (`batches`: their tables numbered from `offset`, the
/// number of tables read before that file), before the rest of the dataset (`rest`: every
/// other row and table, the rows of that file not handed on, and its table). `None` when
/// `rest` gives nothing (the reading failed).
pub fn build_streamed(
    tree: Tree,
    offset: u32,
    batches: impl Iterator<Item = crate::ingest::OrgBatch> + Send,
    rest: impl FnOnce() -> Option<Dataset>,
) -> Result<Option<Model>, ModelError> {
    let Tree {
        opts,
        regions,
        province,
        scope,
        forms,
        classification,
        community_ids,
        mut reach,
        mut used,
        mut skips,
        issues: community_issues,
    } = tree;
    let opts = &opts;
    // What the record rows add (skips, issues) is kept apart and joined to what reading
    // found once the reading is done: the rows of a file still being read come first.
    let mut added: Chunks<DataIssue> = Chunks::default();
    let mut routes = PlaceRoutes::default();
    let mut organizations: Chunks<Organization> = Chunks::default();
    let mut dups = Duplicates::default();
    let mut admit = Admit {
        locator: locate::Locator::new(
            Resolver::new(&regions, &forms, province, &opts.province),
            &regions,
            scope,
        ),
        regions: &regions,
        skips: &mut skips,
        issues: &mut added,
        reached: locate::Reached::new(&regions, scope),
        routes: &mut routes,
        used: &mut used,
    };
    let places = (&regions, &forms, province, opts);

    // 2. Organizations: the same name and place, or the same credit code, is the same
    //    organization. First the rows handed on while their file was read (their names a
    //    list that grows with each batch, each block with the list as it was), then those
    //    of the dataset.
    let mut names = crate::ingest::NameSegments::default();
    let mut batches = batches.peekable();
    if let Some(first) = batches.peek() {
        dups.organizations.reserve(first.expected);
    }
    let streamed = batches.flat_map(move |batch| {
        names.push(batch.names);
        let now: locate::Names = std::sync::Arc::new(names.clone());
        batch.blocks.into_iter().map(move |mut block| {
            for row in &mut block {
                row.origin.table = row.origin.table.saturating_add(offset);
            }
            (block, now.clone())
        })
    });
    let threads = if opts.threads > 0 {
        opts.threads
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    };
    admit_organizations(
        (&mut admit, &mut dups, &mut organizations),
        places,
        streamed,
        threads,
    );

    let Some(ds) = rest() else {
        return Ok(None);
    };
    let Dataset {
        mut tables,
        communities,
        organizations: rows,
        incubators,
        projects,
        events,
        funds,
        issues,
        ignored,
        hashes,
        names,
        sink: _,
        bodies: _,
        handed_on_then_restarted: _,
    } = ds;
    drop(communities);
    crate::memory::release_freed();
    // A small table is resolved on one thread.
    let threads = if rows.len() < PARALLEL_RECORDS {
        1
    } else {
        threads
    };
    let names: locate::Names = std::sync::Arc::new(names);
    dups.organizations.reserve(rows.len());
    let blocks = rows.into_chunks().map(|block| (block, names.clone()));
    admit_organizations(
        (&mut admit, &mut dups, &mut organizations),
        places,
        blocks,
        threads,
    );
    drop(names);
    let mut model = Model {
        province,
        scope,
        classification,
        ignored: ignored.iter().map(ToString::to_string).collect(),
        hashes,
        organizations,
        ..Model::default()
    };

    // 3. Incubators: the same name and place is the same base.

    for row in incubators {
        let Some(place) = admit.row(
            (row.origin, PlaceRef::Names(&row.place), Some(&row.name)),
            None,
            &mut dups.incubators,
            None,
            |place| dedup::key((&row.name, place)),
            |place, first| IssueKind::DuplicateRecord {
                record: RecordKind::Incubator,
                name: row.name.as_str().into(),
                place,
                dated: None,
                by_code: false,
                first: first.origin,
            },
        ) else {
            continue;
        };
        model.incubators.push(Incubator {
            origin: row.origin,
            name: row.name,
            place,
            active: Active {
                start: row.established,
                end: row.closed,
            },
            credit_code: row.credit_code,
        });
    }

    // 4. Projects and events: the same name, kind, place and date is the same record.
    let project = |r: crate::ingest::ProjectRow| (r.origin, r.name, r.kind, r.place, r.date);
    let event = |r: crate::ingest::EventRow| (r.origin, r.name, r.kind, r.place, r.date);
    admit.dated(
        projects.into_iter().map(project),
        &mut model.projects,
        &mut dups.projects,
        RecordKind::Project,
    );
    admit.dated(
        events.into_iter().map(event),
        &mut model.events,
        &mut dups.events,
        RecordKind::Event,
    );

    // 5. Funds: the same place, year, amount and source is the same line.
    for row in funds {
        let source = row.source.as_deref().unwrap_or("");
        let Some(place) = admit.row(
            (row.origin, PlaceRef::Names(&row.place), None),
            None,
            &mut dups.funds,
            None,
            |place| {
                let key = format!(
                    "{place}\u{1f}{}\u{1f}{}\u{1f}{source}",
                    row.year, row.amount
                );
                dedup::key(key.as_str())
            },
            |place, first| IssueKind::DuplicateFund {
                place,
                year: row.year,
                amount: Amount(row.amount),
                source: (!source.is_empty()).then(|| source.into()),
                first: first.origin,
            },
        ) else {
            continue;
        };
        model.funds.push(Fund {
            origin: row.origin,
            place,
            year: row.year,
            amount: row.amount,
            source: row.source,
        });
    }
    let Admit { reached, .. } = admit;
    reached.add_to(&regions, &mut reach);
    for (table, reason) in skips {
        if let Some(t) = tables.get_mut(table as usize) {
            t.skip(reason);
        }
    }
    let mut issues = Chunks::from(issues);
    issues.append(community_issues);
    issues.append_chunks(added);
    reach.resize(tables.len().max(reach.len()), TableReach::default());
    routes.flush();
    model.routes = routes;

    // A ledger and its resubmission must not be summed: stop, naming both.
    if let Some(e) = dups.submission_error(&tables, &reach, &regions) {
        return Err(e);
    }
    // The duplicate tables (national-28: 3.5 million keys, ~200 MB) go back to the system
    // now: the evaluation's own lists then grow into room the run already has.
    drop(dups);
    crate::memory::release_freed();

    for (t, info) in tables.iter_mut().enumerate() {
        info.used = used.get(t).copied().unwrap_or(0);
    }
    // A row outside the scope is not the audited region's business: keep only its
    // out-of-scope skip, not what reading found wrong with it.
    if scope != province {
        let outside: HashSet<Origin> = issues
            .iter()
            .filter(|i| i.outcome == Outcome::Skipped(SkipReason::OutOfScope))
            .filter_map(|i| i.origin)
            .collect();
        issues.retain(|i| {
            i.outcome == Outcome::Skipped(SkipReason::OutOfScope)
                || !i.origin.is_some_and(|o| outside.contains(&o))
        });
    }
    model.regions = regions;
    model.reach = reach;
    model.communities = community_ids;
    model.tables = tables;
    model.issues = std::sync::Arc::new(issues);
    Ok(Some(model))
}

/// Step 2 of [`build`] for a run of organization blocks, each with the names its place ids
/// stand for, on `threads` threads: each block's places resolved (on every thread, the
/// next block while this one is admitted), then its rows admitted in order.
fn admit_organizations<'n>(
    (admit, dups, out): (
        &mut Admit<'_, '_>,
        &mut Duplicates,
        &mut Chunks<Organization>,
    ),
    (regions, forms, province, opts): (&RegionIndex, &PlaceForms, RegionId, &BuildOptions),
    blocks: impl Iterator<Item = NamedBlock<'n>> + Send,
    threads: usize,
) {
    // No block (a dataset without organizations, or nothing handed on): no threads started.
    let mut blocks = blocks.peekable();
    if blocks.peek().is_none() {
        return;
    }
    let new_resolver = || Resolver::new(regions, forms, province, &opts.province);
    // A parsed block (a batch of a CSV, a part of a sheet) is resolved, then admitted and
    // freed. With more than one thread, the next block is resolved while this one is
    // admitted (admitting is one thread's work, in reading order); at most one resolved
    // block waits. A small block (a county's own file) is not worth waking the other
    // threads.
    let worth = |block: &[crate::ingest::OrganizationRow]| {
        if block.len() < PARALLEL_MIN {
            1
        } else {
            threads
        }
    };
    // (Each block's organizations are kept where its rows lay. The duplicate check's table
    // is not reserved for every row: its entries land all over it, so a table reserved for
    // every row is resident from the first blocks on, while most rows are still held;
    // grown, it reaches its size when most rows are freed. National-28: peak 1.01 → 0.98
    // GB.)
    let mut spare = new_resolver();
    let mut take = |(block, names): NamedBlock<'n>, mut resolved: locate::Resolutions| {
        // Collected where the block's rows lay (std collects a `Vec`'s own iterator, mapped
        // to smaller items, into its allocation): each row is read and its organization
        // written on the same, cached, lines; a list of its own was written into fresh
        // memory, every line a miss (60 % of this closure's time at national scale). The
        // duplicate tables are millions of entries, each probe a miss of the cache: the
        // line of a row a few rows ahead is prefetched while this one is admitted (found
        // rows only: a miss is never checked).
        let admitted: Vec<Organization> = block
            .into_iter()
            .filter_map(|row| {
                let seen = &dups.organizations;
                let mut warm = |r: &locate::Resolution| {
                    if r.outcome.is_found() {
                        seen.warm(r.key, r.code());
                    }
                };
                // (Each shard holds its rows' outcomes: the row is not resolved alone.)
                let r = resolved
                    .next(&row, &mut warm)
                    .unwrap_or_else(|| locate::resolve_one(&mut spare, &row, &*names));
                admit_organization((&mut *admit, &mut *dups), (row, &*names), r)
            })
            .collect();
        out.append(admitted);
    };
    if threads <= 1 {
        let mut one = new_resolver();
        for (i, (block, names)) in blocks.enumerate() {
            let resolved = locate::resolve_shard(&mut one, &block, &*names, (0, 1));
            take((block, names), locate::Resolutions::of(vec![resolved]));
            if i % COLLECT_EVERY == COLLECT_EVERY - 1 {
                crate::memory::release_freed();
            }
        }
        return;
    }
    let resolvers: Vec<Resolver> = (0..threads).map(|_| new_resolver()).collect();
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let mut pool = locate::Pool::start(s, resolvers, new_resolver());
        s.spawn(move || {
            for (block, names) in blocks {
                let n = worth(&block);
                let (block, resolved) = pool.resolve(block, &names, n);
                if tx.send(((block, names), resolved)).is_err() {
                    break;
                }
            }
        });
        for (i, (block, resolved)) in rx.into_iter().enumerate() {
            take(block, resolved);
            if i % COLLECT_EVERY == COLLECT_EVERY - 1 {
                crate::memory::release_freed();
            }
        }
    });
}

/// Organizations below this many are resolved on one thread; more, a parsed block at a
/// time on every core.
const PARALLEL_RECORDS: usize = 1 << 16;

/// A block of fewer organizations than this is resolved on one thread even when there are
/// many in all (many small files).
const PARALLEL_MIN: usize = 1 << 12;

/// Step 2 of [`build`] for one organization row whose place is already resolved: the same
/// name and place, or the same credit code, is the same organization.
fn admit_organization(
    (admit, dups): (&mut Admit<'_, '_>, &mut Duplicates),
    (row, names): (
        crate::ingest::OrganizationRow,
        &dyn crate::ingest::PlaceNames,
    ),
    resolved: locate::Resolution,
) -> Option<Organization> {
    let (code, key) = (resolved.code(), resolved.key);
    let place = admit.row(
        (
            row.origin,
            PlaceRef::Ids(&row.place, names),
            Some(&row.name),
        ),
        Some(locate::Resolution::resolved(resolved.outcome)),
        &mut dups.organizations,
        code,
        // Worked out for the region resolved, the one `row` returns.
        |_| key,
        |place, first| IssueKind::DuplicateRecord {
            record: RecordKind::Organization,
            name: (*row.name).into(),
            place,
            dated: None,
            by_code: first.by_code,
            first: first.origin,
        },
    )?;
    let mut serves = Vec::new();
    for name in row.serves() {
        match admit.locator.resolver().served_community(place, name) {
            Ok(c) => {
                if !serves.contains(&c) {
                    serves.push(c);
                }
            }
            Err(miss) => admit.issues.push_in_blocks(DataIssue::new(
                Some(row.origin),
                Some("服务社区".into()),
                IssueKind::ServedCommunity {
                    organization: (*row.name).into(),
                    miss: Box::new(miss),
                },
                Outcome::Counted,
            )),
        }
    }
    let end = match (row.dissolved, row.status) {
        (Some(d), _) => Some(d),
        (None, Some(Status::Dissolved)) => Some(NaiveDate::MIN),
        _ => None,
    };
    Some(Organization {
        origin: row.origin,
        name: row.name,
        place,
        category: row.category,
        registration: row.registration,
        brand: row.brand,
        active: Active {
            start: row.founded,
            end,
        },
        extra: OrgExtra::of(row.extra.and_then(|e| e.credit_code), serves.into()),
    })
}

/// One more row of `table` used.
fn count_used(used: &mut Vec<u32>, table: u32) {
    let t = table as usize;
    if used.len() <= t {
        used.resize(t + 1, 0);
    }
    if let Some(n) = used.get_mut(t) {
        *n += 1;
    }
}

/// What every record row (organization, incubator, project, event, fund) goes through
/// after reading: its place located within the scope, then its duplicates looked for;
/// a row that passes is counted as used by its table.
struct Admit<'m, 'r> {
    locator: locate::Locator<'r>,
    regions: &'r RegionIndex,
    /// Rows skipped, by table and reason (counted into the tables at the end).
    skips: &'m mut Vec<(u32, SkipReason)>,
    issues: &'m mut Chunks<DataIssue>,
    /// The regions met by each table (their cities and counties are its reach).
    reached: locate::Reached,
    routes: &'m mut PlaceRoutes,
    used: &'m mut Vec<u32>,
}

impl Admit<'_, '_> {
    /// The region of a row (its origin, place and name) when it is within the scope and
    /// not a duplicate in `seen` (by `key` of the region, or by credit `code`); otherwise
    /// the row is skipped with its issue (`duplicate` of the region's path and the first
    /// listing for a duplicate) and `None` is returned.
    fn row(
        &mut self,
        (origin, place, name): (Origin, locate::PlaceRef<'_>, Option<&str>),
        resolved: Option<resolve::Resolved>,
        seen: &mut Dedup,
        code: Option<dedup::Key>,
        key: impl FnOnce(RegionId) -> dedup::Key,
        duplicate: impl FnOnce(Text, dedup::First) -> IssueKind,
    ) -> Option<RegionId> {
        let sinks = (
            &mut *self.skips,
            &mut *self.issues,
            &mut self.reached,
            &mut *self.routes,
        );
        let id = match resolved {
            Some(r) => self
                .locator
                .locate_resolved(sinks, (origin, place, name), r)?,
            None => self.locator.locate(sinks, origin, &place.names(), name)?,
        };
        if let Some(first) = seen.check_key(origin, key(id), code) {
            let kind = duplicate(self.regions.path(id).into(), first);
            skip(
                self.skips,
                self.issues,
                origin,
                None,
                SkipReason::Duplicate,
                kind,
            );
            return None;
        }
        count_used(self.used, origin.table);
        Some(id)
    }

    /// Step 4 of [`build`]: project or event rows (origin, name, kind, place, date) into
    /// `out`; the same name, kind, place and date is the same record.
    fn dated(
        &mut self,
        rows: impl Iterator<Item = (Origin, String, String, crate::ingest::Place, NaiveDate)>,
        out: &mut Vec<Dated>,
        seen: &mut Dedup,
        what: RecordKind,
    ) {
        for (origin, name, kind, place, date) in rows {
            let Some(place) = self.row(
                (origin, PlaceRef::Names(&place), Some(&name)),
                None,
                seen,
                None,
                |place| dedup::key((&name, &kind, place, date)),
                |place, first| IssueKind::DuplicateRecord {
                    record: what,
                    name: name.as_str().into(),
                    place,
                    dated: Some((kind.as_str().into(), date)),
                    by_code: false,
                    first: first.origin,
                },
            ) else {
                continue;
            };
            out.push(Dated {
                origin,
                name,
                kind,
                place,
                date,
            });
        }
    }
}

/// Duplicate detection, one per table kind.
#[derive(Default)]
struct Duplicates {
    organizations: Dedup,
    incubators: Dedup,
    projects: Dedup,
    events: Dedup,
    funds: Dedup,
}

impl Duplicates {
    /// The duplicate-submission error for the first kind whose tables overlap.
    fn submission_error(
        &self,
        tables: &[TableInfo],
        reach: &[TableReach],
        regions: &RegionIndex,
    ) -> Option<ModelError> {
        let kinds = [
            (&self.organizations, "社区社会组织"),
            (&self.incubators, "孵化基地"),
            (&self.projects, "项目"),
            (&self.events, "活动"),
            (&self.funds, "经费"),
        ];
        let (s, kind) = kinds
            .into_iter()
            .find_map(|(d, kind)| d.submission().map(|s| (s, kind)))?;
        let name = |t: u32| {
            tables
                .get(t as usize)
                .map(TableInfo::display_name)
                .unwrap_or_default()
        };
        let file = |t: u32| {
            tables
                .get(t as usize)
                .map(|t| t.file.display().to_string())
                .unwrap_or_default()
        };
        let places = |t: u32| {
            let r = reach.get(t as usize).cloned().unwrap_or_default();
            let names: Vec<String> = r
                .cities
                .iter()
                .map(|&c| regions.get(c).name.clone())
                .collect();
            if names.is_empty() {
                "地点不明".to_string()
            } else {
                names.join("、")
            }
        };
        Some(ModelError::DuplicateSubmission(Box::new(Resubmission {
            kind,
            first: name(s.first),
            first_file: file(s.first),
            first_records: s.first_records,
            first_places: places(s.first),
            second: name(s.second),
            second_file: file(s.second),
            second_records: s.second_records,
            second_places: places(s.second),
            matches: s.matches,
        })))
    }
}

/// Where data issues are added: a list, or the blocks of a build's record rows
/// ([`Chunks::push_in_blocks`]).
trait Issues {
    fn add(&mut self, issue: DataIssue);
}

impl Issues for Vec<DataIssue> {
    fn add(&mut self, issue: DataIssue) {
        self.push(issue);
    }
}

impl Issues for Chunks<DataIssue> {
    fn add(&mut self, issue: DataIssue) {
        self.push_in_blocks(issue);
    }
}

/// Count a row as skipped in its table and say why in a data issue.
fn skip(
    skips: &mut Vec<(u32, SkipReason)>,
    issues: &mut impl Issues,
    origin: Origin,
    column: Option<Text>,
    reason: SkipReason,
    kind: IssueKind,
) {
    skip_shared(
        skips,
        issues,
        origin,
        reason,
        crate::issue::IssueBody::new(column, kind),
    );
}

/// [`skip`] with a body shared with other issues (a miss's, made once per spelling).
fn skip_shared(
    skips: &mut Vec<(u32, SkipReason)>,
    issues: &mut impl Issues,
    origin: Origin,
    reason: SkipReason,
    body: std::sync::Arc<crate::issue::IssueBody>,
) {
    skips.push((origin.table, reason));
    issues.add(DataIssue::shared(
        Some(origin),
        body,
        Outcome::Skipped(reason),
    ));
}

/// The region `--scope` names: a city, a city and county, or a county alone, in any form
/// a place cell may take. Ambiguous, unknown and known-but-absent scopes are errors.
fn find_scope(
    regions: &RegionIndex,
    forms: &PlaceForms,
    province: RegionId,
    opts: &BuildOptions,
) -> Result<RegionId, ModelError> {
    let parts: Vec<String> = opts
        .scope
        .iter()
        .map(|s| text::fold(s))
        .filter(|s| !s.is_empty())
        .collect();
    let given = opts.scope.join("/");
    let paths =
        |ids: &[RegionId]| -> Vec<String> { ids.iter().map(|&i| regions.path(i)).collect() };
    let chain = [province];
    let (first, rest) = match parts.split_first() {
        None => return Ok(province),
        Some(x) => x,
    };
    let not_in_data = || {
        // A reporting unit of the plan (阳泉市, written 阳泉 or 山西省阳泉市 too)?
        let stem = |s: &str| s.trim_end_matches('市').to_string();
        let bare = [opts.province.as_str(), opts.province.trim_end_matches('省')]
            .iter()
            .filter(|p| !p.is_empty())
            .find_map(|p| first.strip_prefix(p).filter(|r| !r.is_empty()))
            .unwrap_or(first);
        match opts.reporting_units.iter().find(|u| stem(u) == stem(bare)) {
            Some(u) => ModelError::ScopeNotInData { unit: u.clone() },
            None => ModelError::UnknownScope(given.clone()),
        }
    };
    let mut cur = match forms.lookup(regions, province, &chain, first) {
        Lookup::Found(id, _) => id,
        Lookup::Ambiguous(c) | Lookup::Split(c, _) => {
            return Err(ModelError::AmbiguousScope {
                given: given.clone(),
                candidates: paths(c),
            })
        }
        Lookup::Enclosing => province,
        Lookup::Missing if rest.is_empty() => {
            // A county alone (泽州, 城区) or a city and county in one (阳泉市城区). Only the
            // most direct route counts: 城区 is the current name in 阳泉市 and 晋城市, which
            // outranks the former 城区 of 大同市 and 长治市.
            let mut found: Vec<(Route, RegionId)> = Vec::new();
            for &city in &regions.get(province).children {
                match forms.lookup(regions, city, &[province, city], first) {
                    Lookup::Found(id, r) => found.push((r, id)),
                    Lookup::Ambiguous(c) => found.extend(c.iter().map(|&id| (Route::Short, id))),
                    Lookup::Split(c, _) => found.extend(c.iter().map(|&id| (Route::Alias, id))),
                    Lookup::Enclosing | Lookup::Missing => {}
                }
            }
            let best = found.iter().map(|(r, _)| *r).min();
            let found: Vec<RegionId> = found
                .into_iter()
                .filter(|(r, _)| Some(*r) == best)
                .map(|(_, id)| id)
                .collect();
            return match found.as_slice() {
                [one] => Ok(*one),
                [] => Err(not_in_data()),
                many => Err(ModelError::AmbiguousScope {
                    given,
                    candidates: paths(many),
                }),
            };
        }
        Lookup::Missing => return Err(not_in_data()),
    };
    for part in rest {
        let chain: Vec<RegionId> = {
            let mut c = vec![cur];
            let mut up = regions.get(cur).parent;
            while let Some(p) = up {
                c.push(p);
                up = regions.get(p).parent;
            }
            c.reverse();
            c
        };
        cur = match forms.lookup(regions, cur, &chain, part) {
            Lookup::Found(id, _) => id,
            Lookup::Ambiguous(c) | Lookup::Split(c, _) => {
                return Err(ModelError::AmbiguousScope {
                    given,
                    candidates: paths(c),
                })
            }
            Lookup::Enclosing => cur,
            Lookup::Missing => return Err(ModelError::UnknownScope(given)),
        };
    }
    if regions.get(cur).level > Level::County {
        return Err(ModelError::UnknownScope(given));
    }
    Ok(cur)
}

/// Record a community's code and the prefixes of its ancestors (street 9, county 6,
/// city 4, province 2 digits), keeping the first code seen for each region.
fn set_codes(regions: &mut RegionIndex, community: RegionId, code: &str) {
    let mut cur = Some(community);
    while let Some(id) = cur {
        let r = regions.get_mut(id);
        let len = match r.level {
            Level::Community => 12,
            Level::Street => 9,
            Level::County => 6,
            Level::City => 4,
            Level::Province => 2,
        };
        if r.code.is_none() {
            if let Some(prefix) = code.get(0..len) {
                r.code = Some(prefix.to_string());
            }
        }
        cur = r.parent;
    }
}

#[cfg(test)]
mod tests;
