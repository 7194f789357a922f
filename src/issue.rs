//! Data issues as values: a kind from [`IssueKind`] with a stable code (`V102`, `P203`…),
//! where it was found, and the few values it needs. Nothing here is a sentence: the
//! reports render an issue in the report's language (`report::issue_text`), scripts and
//! explanation files select issues by code.
//!
//! Codes are stable: a code once given keeps its meaning; a new kind gets a new code.
//! The letter names the stage that finds the issue:
//! `R` row layout, `V` cell values, `P` places, `D` duplicates, `U` reporting units,
//! `S` changes between two snapshots.

use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::ingest::values::Domain;
use crate::ingest::{Chunks, Origin, Outcome};

/// Shared text inside an issue (a cell as written, a region path): the thousands of
/// identical issues of a big file share one copy.
pub type Text = Arc<str>;

/// A problem in the data: reported as a result, never an error. Where it is (its row) and
/// what became of the row, then what it says (its column and kind, [`IssueBody`]) shared
/// with every identical issue: the near million issues of a misspelt national ledger, one
/// per row of a few hundred thousand spellings, are 24 bytes each and a body per spelling
/// (they were 112 bytes each, every one holding its kind's values).
#[derive(Debug, Clone)]
pub struct DataIssue {
    /// The row concerned, when there is one.
    pub origin: Option<Origin>,
    /// What zhibiao did with the row.
    pub outcome: Outcome,
    body: Arc<IssueBody>,
}

/// What an issue says: the column concerned and what is wrong, with its values. Shared by
/// the issues that say the same ([`DataIssue::shared`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssueBody {
    /// The column concerned (header text as found), when there is one.
    pub column: Option<Text>,
    /// What is wrong, with its values.
    pub kind: IssueKind,
}

impl IssueBody {
    /// A body to share between issues.
    pub fn new(column: Option<Text>, kind: IssueKind) -> Arc<IssueBody> {
        Arc::new(IssueBody { column, kind })
    }
}

/// The bodies of the issues found reading a table, so that identical issues share one (the
/// same wrong value in a column of a hundred thousand rows, every totals row: one body).
/// Bodies past the first 65,536 distinct ones are not kept, only made.
#[derive(Debug, Clone, Default)]
pub struct Bodies(std::collections::HashSet<Arc<IssueBody>, foldhash::fast::RandomState>);

impl Bodies {
    /// The body for `column` and `kind`: one made before, or a new one.
    pub fn body(&mut self, column: Option<Text>, kind: IssueKind) -> Arc<IssueBody> {
        const KEPT: usize = 1 << 16;
        let body = IssueBody { column, kind };
        if let Some(b) = self.0.get(&body) {
            return b.clone();
        }
        let b = Arc::new(body);
        if self.0.len() < KEPT {
            self.0.insert(b.clone());
        }
        b
    }
}

// An issue is a row's place, its outcome and a pointer: a misspelt national ledger has
// near a million of them.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<DataIssue>() == 24);

impl DataIssue {
    /// An issue with a body of its own.
    pub fn new(
        origin: Option<Origin>,
        column: Option<Text>,
        kind: IssueKind,
        outcome: Outcome,
    ) -> Self {
        DataIssue::shared(origin, IssueBody::new(column, kind), outcome)
    }

    /// An issue that says what `body` says (shared, not copied).
    pub fn shared(origin: Option<Origin>, body: Arc<IssueBody>, outcome: Outcome) -> Self {
        DataIssue {
            origin,
            outcome,
            body,
        }
    }

    /// What is wrong, with its values.
    pub fn kind(&self) -> &IssueKind {
        &self.body.kind
    }

    /// The column concerned (header text as found), when there is one.
    pub fn column(&self) -> Option<&str> {
        self.body.column.as_deref()
    }

    /// What the issue says.
    pub fn body(&self) -> &Arc<IssueBody> {
        &self.body
    }

    /// Have the body this issue shares brought into the cache, changing nothing: a
    /// misspelt national ledger's million issues are placed one after another, and the
    /// body of each (its spelling's, met again far from the last time) was a miss of the
    /// cache an issue.
    pub(crate) fn warm(&self) {
        crate::memory::prefetch(&*self.body);
    }

    /// [`DataIssue::warm`] of what the body points to (the parent's path of a name not in
    /// the list), once the body is in the cache.
    pub(crate) fn warm_deeper(&self) {
        if let IssueKind::NotInList(u) = &self.body.kind {
            if let Some(first) = u.parent.as_bytes().first() {
                crate::memory::prefetch(first);
            }
        }
    }

    /// Where a run of blank rows begins and how many rows it is, for a blank-row issue
    /// (R001) with a row.
    pub fn blank_run(&self) -> Option<(Origin, u32)> {
        match (self.origin, &self.body.kind) {
            (Some(o), IssueKind::BlankRow { rows }) => Some((o, *rows)),
            _ => None,
        }
    }

    /// Its kind, to change (a copy of its body first when that is shared).
    pub fn kind_mut(&mut self) -> &mut IssueKind {
        &mut Arc::make_mut(&mut self.body).kind
    }

    /// The issue's stable code (see [`IssueKind::code`]).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// The Chinese sentence, for the library's own tests (reports render issues with
    /// `report::issue_text`, which also names the tables).
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        crate::report::issue_text::message(self, &[], crate::report::Lang::Zh)
    }
}

/// Written as it always was: origin, column, kind and outcome.
impl Serialize for DataIssue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DataIssue", 4)?;
        st.serialize_field("origin", &self.origin)?;
        st.serialize_field("column", &self.body.column)?;
        st.serialize_field("kind", &self.body.kind)?;
        st.serialize_field("outcome", &self.outcome)?;
        st.end()
    }
}

/// The data issues of an audit result, in order: the few of its own (the plan's reporting
/// units), then the model's, then those found after the audit (swings). The model's are
/// shared with it, not copied: a misspelt national ledger's near a million issues were a
/// second copy of 112 bytes each, written while the targets were worked out.
#[derive(Debug, Clone, Default)]
pub struct Issues {
    before: Vec<DataIssue>,
    shared: Arc<Chunks<DataIssue>>,
    after: Vec<DataIssue>,
}

impl Issues {
    /// `before`, then the issues of `shared`.
    pub fn new(before: Vec<DataIssue>, shared: Arc<Chunks<DataIssue>>) -> Self {
        Issues {
            before,
            shared,
            after: Vec::new(),
        }
    }

    /// The issues in order.
    pub fn iter(&self) -> impl Iterator<Item = &DataIssue> + '_ {
        self.before
            .iter()
            .chain(self.shared.iter())
            .chain(self.after.iter())
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.before.len() + self.shared.len() + self.after.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add one at the end.
    pub fn push(&mut self, issue: DataIssue) {
        self.after.push(issue);
    }
}

impl From<Vec<DataIssue>> for Issues {
    fn from(before: Vec<DataIssue>) -> Self {
        Issues::new(before, Arc::default())
    }
}

impl Serialize for Issues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Why a 统一社会信用代码 is invalid (GB 32100-2015).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum CreditFault {
    /// Not 18 characters: how many there are.
    Length {
        /// Characters found.
        found: usize,
    },
    /// A character outside the code's alphabet.
    Character {
        /// The character.
        found: char,
    },
    /// The check character does not match.
    Check {
        /// The check character the other 17 give.
        expected: char,
    },
}

/// An amount of money (万元) compared by its bits, so that issues can be grouped.
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub f64);

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for Amount {}
impl std::hash::Hash for Amount {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}
impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

/// The place column a place issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceColumn {
    /// 省.
    Province,
    /// 市.
    City,
    /// 县区.
    County,
    /// 街道乡镇.
    Street,
    /// 社区.
    Community,
}

impl PlaceColumn {
    /// The canonical Chinese header (市, 县区 …).
    pub fn zh(self) -> &'static str {
        match self {
            PlaceColumn::Province => "省",
            PlaceColumn::City => "市",
            PlaceColumn::County => "县区",
            PlaceColumn::Street => "街道乡镇",
            PlaceColumn::Community => "社区",
        }
    }

    /// [`PlaceColumn::zh`] as a shared text, made once per run: every unmatched row of a
    /// misspelt ledger names its column, and a fresh copy each was an allocation a row.
    pub fn zh_text(self) -> Text {
        static TEXTS: std::sync::OnceLock<[Text; 5]> = std::sync::OnceLock::new();
        let texts = TEXTS.get_or_init(|| {
            [
                PlaceColumn::Province,
                PlaceColumn::City,
                PlaceColumn::County,
                PlaceColumn::Street,
                PlaceColumn::Community,
            ]
            .map(|c| Text::from(c.zh()))
        });
        texts[self as usize].clone()
    }

    /// The English name (city, county …).
    pub fn en(self) -> &'static str {
        match self {
            PlaceColumn::Province => "province",
            PlaceColumn::City => "city",
            PlaceColumn::County => "county",
            PlaceColumn::Street => "street/township",
            PlaceColumn::Community => "community",
        }
    }
}

/// The kind of record a duplicate issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 社区社会组织.
    Organization,
    /// 孵化基地.
    Incubator,
    /// 项目.
    Project,
    /// 活动.
    Event,
}

/// What is wrong, with the values needed to say so. See the module doc for the codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum IssueKind {
    /// R001: every cell empty (counted, not listed). One issue stands for a run of
    /// consecutive blank rows: `rows` of them, numbered from the issue's row on (a
    /// stray cell a million rows below a table makes one issue, not a million).
    BlankRow {
        /// How many consecutive rows, at least 1.
        rows: u32,
    },
    /// R002: a totals row (合计, 总计, 小计).
    TotalsRow,
    /// R003: a note or signature row below the data.
    NoteRow,
    /// R004: the row could not be used, for no more specific reason.
    InvalidRow,

    /// V101: a required cell is empty.
    RequiredEmpty,
    /// V102: an optional date that is not a date; the row is used as if it were blank.
    NotADate {
        /// The cell as written.
        value: Text,
    },
    /// V103: a required date that is not a date; the row is skipped.
    RequiredNotADate {
        /// The cell as written.
        value: Text,
    },
    /// V104: an invalid 统一社会信用代码 (kept as written).
    InvalidCreditCode {
        /// The code, folded and upper-cased.
        value: Text,
        /// What is wrong with it.
        fault: CreditFault,
    },
    /// V105: not 是/否; taken as 否.
    NotYesNo {
        /// The cell as written.
        value: Text,
    },
    /// V106: not a known value of a domain (组织类别, 项目类型, 活动类型); kept as written.
    UnknownValue {
        /// The domain.
        #[serde(serialize_with = "domain_name")]
        domain: Domain,
        /// The cell as written.
        value: Text,
        /// The canonical value one or two edits away, when there is one.
        suggestion: Option<&'static str>,
    },
    /// V107: an unknown 城乡类型 word; the community is classified by name or code.
    UnknownUrbanRural {
        /// The cell as written.
        value: Text,
    },
    /// V108: a 城乡分类代码 that is not one (three digits, 1xx or 2xx); the row is skipped.
    BadUrbanRuralCode {
        /// The cell as written.
        value: Text,
    },
    /// V109: a 统计用区划代码 that is not 12 digits; the code is dropped.
    BadDivisionCode {
        /// The cell as written.
        value: Text,
    },
    /// V110: 登记形式 neither 登记 nor 备案; taken as blank.
    UnknownRegistration {
        /// The cell as written.
        value: Text,
    },
    /// V111: an unknown 状态; taken as blank.
    UnknownStatus {
        /// The cell as written.
        value: Text,
    },
    /// V112: 状态 正常 with a 注销日期.
    ActiveButDissolved,
    /// V113: 年度 that is not a year; the row is skipped.
    NotAYear {
        /// The cell as written.
        value: Text,
    },
    /// V114: 金额 that is not a number; the row is skipped.
    NotAnAmount {
        /// The cell as written.
        value: Text,
    },

    /// P201: the row (or community) belongs to another province than the audited one.
    OtherProvince {
        /// The community's name, for a community list row.
        community: Option<Text>,
        /// The province the row names.
        province: Text,
        /// The province audited.
        audited: Text,
    },
    /// P202: the 市 cell is empty.
    CityBlank,
    /// P203: a name not in the community list under its parent. (Its issues' body is made
    /// once per spelling and shared by the spelling's rows.)
    NotInList(Unlisted),
    /// P204: a name that matches several places under its parent.
    Ambiguous {
        /// The column.
        column: PlaceColumn,
        /// The name as written.
        name: Text,
        /// The parent region's path.
        parent: Text,
        /// The places it may be (paths, or names for communities).
        candidates: Arc<[Text]>,
    },
    /// P205: a county merged into several others; the street is needed to tell which.
    MergedCountyNeedsStreet {
        /// The county as written.
        county: Text,
        /// The year of the merger, when known.
        year: Option<i32>,
        /// The counties it became (paths).
        successors: Arc<[Text]>,
    },
    /// P206: a merged county whose street is in none of its successors.
    MergedCountyStreetNotFound {
        /// The county as written.
        county: Text,
        /// The year of the merger, when known.
        year: Option<i32>,
        /// The counties it became (paths).
        successors: Arc<[Text]>,
        /// The street as written.
        street: Text,
    },
    /// P207: a merged county whose street is in several of its successors.
    MergedCountyStreetAmbiguous {
        /// The county as written.
        county: Text,
        /// The year of the merger, when known.
        year: Option<i32>,
        /// The counties it became (paths).
        successors: Arc<[Text]>,
        /// The street as written.
        street: Text,
        /// The successors that have that street (paths).
        candidates: Arc<[Text]>,
    },
    /// P208: the row lies outside `--scope`.
    OutOfScope {
        /// The record's name (a funds row has none).
        name: Option<Text>,
        /// Where it lies (path).
        place: Text,
    },
    /// P209: a 服务社区 name that could not be resolved; that community is not counted.
    ServedCommunity {
        /// The organization's name.
        organization: Text,
        /// Why the name did not resolve (a place issue).
        miss: Box<IssueKind>,
    },
    /// P210: a community that is neither urban nor rural by any clue; it counts in the
    /// community total only.
    Unclassified {
        /// The community's name.
        community: Text,
    },

    /// D301: a community listed twice under the same street.
    DuplicateCommunity {
        /// The community's name.
        community: Text,
        /// The street's path.
        street: Text,
    },
    /// D302: a record listed before (the same credit code, or the same name and place…);
    /// counted once.
    DuplicateRecord {
        /// The kind of record.
        record: RecordKind,
        /// Its name.
        name: Text,
        /// Where it lies (path).
        place: Text,
        /// For projects and events: their kind and date.
        dated: Option<(Text, chrono::NaiveDate)>,
        /// For organizations: the credit codes are equal (else name and place).
        by_code: bool,
        /// Where it was first seen.
        first: Origin,
    },
    /// D303: a funds line listed before (same place, year, amount and source).
    DuplicateFund {
        /// Where (path).
        place: Text,
        /// 年度.
        year: i32,
        /// 金额（万元）.
        amount: Amount,
        /// 来源, when given.
        source: Option<Text>,
        /// Where it was first seen.
        first: Origin,
    },

    /// U401: places of a reporting unit of the plan that are not in the community list.
    UnitPlacesAbsent {
        /// The unit's name.
        unit: Text,
        /// The places not found (paths as the plan writes them).
        absent: Arc<[Text]>,
        /// How many of its places were found.
        found: usize,
    },

    /// S501: between two snapshots, a county's count of active records of a table changed
    /// by more than the plan's bound (`[swing]`); the records are counted as usual.
    Swing {
        /// The table: organizations or incubators.
        record: RecordKind,
        /// The region's path (山西省/阳泉市/城区).
        region: Text,
        /// As-of date of the earlier snapshot.
        baseline_as_of: chrono::NaiveDate,
        /// Active records then.
        before: u32,
        /// Active records now.
        after: u32,
        /// Records added within the region (the diff's `added`).
        added: u32,
        /// Records dissolved within the region.
        dissolved: u32,
        /// Records moved here from elsewhere.
        moved_in: u32,
        /// Records moved from here to elsewhere.
        moved_out: u32,
        /// The bound exceeded, in hundredths of a percent (3000 = 30%).
        max_change: u32,
    },
}

fn domain_name<S: Serializer>(d: &Domain, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match d {
        Domain::Category => "category",
        Domain::ProjectKind => "project_kind",
        Domain::EventKind => "event_kind",
    })
}

/// Every code with its kind's short name, in code order (for `--help`, the README and
/// explanation files).
pub(crate) const CODES: &[(&str, &str)] = &[
    ("R001", "blank_row"),
    ("R002", "totals_row"),
    ("R003", "note_row"),
    ("R004", "invalid_row"),
    ("V101", "required_empty"),
    ("V102", "not_a_date"),
    ("V103", "required_not_a_date"),
    ("V104", "invalid_credit_code"),
    ("V105", "not_yes_no"),
    ("V106", "unknown_value"),
    ("V107", "unknown_urban_rural"),
    ("V108", "bad_urban_rural_code"),
    ("V109", "bad_division_code"),
    ("V110", "unknown_registration"),
    ("V111", "unknown_status"),
    ("V112", "active_but_dissolved"),
    ("V113", "not_a_year"),
    ("V114", "not_an_amount"),
    ("P201", "other_province"),
    ("P202", "city_blank"),
    ("P203", "not_in_list"),
    ("P204", "ambiguous"),
    ("P205", "merged_county_needs_street"),
    ("P206", "merged_county_street_not_found"),
    ("P207", "merged_county_street_ambiguous"),
    ("P208", "out_of_scope"),
    ("P209", "served_community"),
    ("P210", "unclassified"),
    ("D301", "duplicate_community"),
    ("D302", "duplicate_record"),
    ("D303", "duplicate_fund"),
    ("U401", "unit_places_absent"),
    ("S501", "swing"),
];

/// The values of [`IssueKind::NotInList`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Unlisted {
    /// The column.
    pub column: PlaceColumn,
    /// The name as written.
    pub name: Text,
    /// The parent region's path (阳泉市/城区).
    pub parent: Text,
    /// The nearest name there, one or two edits away ("是否为…？").
    pub suggestion: Option<Text>,
}

impl IssueKind {
    /// The stable code (`V102`…), listed with the kinds' names in [`CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            IssueKind::BlankRow { .. } => "R001",
            IssueKind::TotalsRow => "R002",
            IssueKind::NoteRow => "R003",
            IssueKind::InvalidRow => "R004",
            IssueKind::RequiredEmpty => "V101",
            IssueKind::NotADate { .. } => "V102",
            IssueKind::RequiredNotADate { .. } => "V103",
            IssueKind::InvalidCreditCode { .. } => "V104",
            IssueKind::NotYesNo { .. } => "V105",
            IssueKind::UnknownValue { .. } => "V106",
            IssueKind::UnknownUrbanRural { .. } => "V107",
            IssueKind::BadUrbanRuralCode { .. } => "V108",
            IssueKind::BadDivisionCode { .. } => "V109",
            IssueKind::UnknownRegistration { .. } => "V110",
            IssueKind::UnknownStatus { .. } => "V111",
            IssueKind::ActiveButDissolved => "V112",
            IssueKind::NotAYear { .. } => "V113",
            IssueKind::NotAnAmount { .. } => "V114",
            IssueKind::OtherProvince { .. } => "P201",
            IssueKind::CityBlank => "P202",
            IssueKind::NotInList(_) => "P203",
            IssueKind::Ambiguous { .. } => "P204",
            IssueKind::MergedCountyNeedsStreet { .. } => "P205",
            IssueKind::MergedCountyStreetNotFound { .. } => "P206",
            IssueKind::MergedCountyStreetAmbiguous { .. } => "P207",
            IssueKind::OutOfScope { .. } => "P208",
            IssueKind::ServedCommunity { .. } => "P209",
            IssueKind::Unclassified { .. } => "P210",
            IssueKind::DuplicateCommunity { .. } => "D301",
            IssueKind::DuplicateRecord { .. } => "D302",
            IssueKind::DuplicateFund { .. } => "D303",
            IssueKind::UnitPlacesAbsent { .. } => "U401",
            IssueKind::Swing { .. } => "S501",
        }
    }
}

/// Whether `code` is one of [`CODES`].
pub(crate) fn is_code(code: &str) -> bool {
    CODES.iter().any(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_match_the_kinds() {
        let codes: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(codes.len(), unique.len(), "CODES must be unique");
        // Within a stage letter, in number order.
        for pair in codes.windows(2) {
            if pair[0][..1] == pair[1][..1] {
                assert!(pair[0] < pair[1], "{pair:?}");
            }
        }
        // The serde name of a kind is its short name in CODES.
        let samples = [
            IssueKind::BlankRow { rows: 1 },
            IssueKind::NotADate { value: "x".into() },
            IssueKind::CityBlank,
            IssueKind::NotInList(Unlisted {
                column: PlaceColumn::Community,
                name: "窑被".into(),
                parent: "阳泉市/城区".into(),
                suggestion: Some("窑坡社区".into()),
            }),
            IssueKind::UnitPlacesAbsent {
                unit: "u".into(),
                absent: Arc::from(Vec::<Text>::new()),
                found: 0,
            },
        ];
        for k in samples {
            let json = serde_json::to_value(&k).unwrap_or_default();
            let name = json
                .get("kind")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let listed = CODES.iter().find(|(c, _)| *c == k.code()).map(|(_, n)| *n);
            assert_eq!(listed, Some(name), "{k:?}");
            // A kind whose values are shared (P203) still writes them beside its name.
            if let IssueKind::NotInList(_) = k {
                assert_eq!(
                    json.get("suggestion").and_then(|v| v.as_str()),
                    Some("窑坡社区")
                );
                assert_eq!(
                    json.get("column").and_then(|v| v.as_str()),
                    Some("community")
                );
            }
        }
    }
}
