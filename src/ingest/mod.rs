//! Read: spreadsheet and CSV files → tables of typed rows, with every row accounted for.
//!
//! This module knows nothing of plans. It finds the header row of each table, maps its
//! columns through the alias table (`rules/columns.toml`), parses cells (dates, yes/no,
//! full-width text) and normalizes values through the synonym table (`rules/values.toml`).
//! Places are kept as the text of the row (city, county, street, community); resolving
//! them against the community list is the job of [`crate::model`].
//!
//! Every data row below a header is either turned into a typed row or skipped with a
//! [`SkipReason`]; [`TableInfo`] keeps the counts so that `read = used + skipped` holds.

pub(crate) mod chunks;
pub mod date;
mod error;
pub mod header;
pub mod html;
pub mod inputs;
pub mod period;
pub mod rows;
pub(crate) mod schema;
pub mod source;
pub mod spreadsheetml;
pub mod text;
pub mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

pub use crate::issue::DataIssue;
use crate::issue::Text;
pub use chunks::Chunks;
pub use error::{IngestError, Limit};
pub use inputs::{read_inputs_all, ReadOutcome};
pub use schema::{FieldSpec, TableKind};

/// Options for reading inputs.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Force this encoding for every CSV instead of detecting it.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Explicit table kinds for the odd file or sheet whose header is not recognized.
    pub kind_overrides: Vec<KindOverride>,
    /// `--strict`: a spreadsheet passed over (unrecognized folder file, an output of
    /// zhibiao, a second copy of the same content) is an error instead of a note.
    pub strict: bool,
    /// `--exclude`: files not to read, by path or (without a directory) by file name.
    pub excludes: Vec<PathBuf>,
    /// Size limits (`--max-input-size`).
    pub limits: source::Limits,
    /// `--threads`: threads that parse the rows of a large table (0: one per core). The
    /// rows are put back in reading order, so the result is the same for any count.
    pub threads: usize,
    /// Told of each file read and of the rows read (a progress bar); none by default.
    pub progress: ProgressHook,
    /// No report of this run cites the files' SHA-256: a file is hashed only when another
    /// file has its size (to find copies of one another), and [`Dataset::hashes`] holds
    /// those alone. Hashing a national ledger is a twentieth of the run's work.
    pub skip_hashes: bool,
}

/// What a progress display is told while the inputs are read. Called from the reading
/// threads; implementations must be cheap (rows are reported in batches).
pub trait Progress: Send + Sync {
    /// A file starts being read.
    fn file(&self, path: &Path);
    /// `n` more rows of the current file were read.
    fn rows(&self, n: u64);
}

/// An optional [`Progress`] in [`IngestOptions`].
#[derive(Clone, Default)]
pub struct ProgressHook(pub Option<std::sync::Arc<dyn Progress>>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressHook(on)"
        } else {
            "ProgressHook(off)"
        })
    }
}

impl ProgressHook {
    /// Rows reported at a time.
    pub(crate) const BATCH: u64 = 4096;

    /// See [`Progress::file`].
    pub fn file(&self, path: &Path) {
        if let Some(p) = &self.0 {
            p.file(path);
        }
    }

    /// See [`Progress::rows`].
    pub fn rows(&self, n: u64) {
        if let Some(p) = &self.0 {
            p.rows(n);
        }
    }
}

impl IngestOptions {
    /// The number of threads to use (`threads`, or one per core when 0).
    pub fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }
    }
}

/// `--kind PATTERN=KIND`: the table kind for files (and optionally one sheet) whose name
/// matches. `PATTERN` is a file name (or path suffix), optionally followed by `#SHEET`.
/// `kind == None` means "ignore this table" (written `skip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindOverride {
    /// File name or path suffix to match.
    pub file: String,
    /// Sheet name to match; `None` matches every sheet of the file.
    pub sheet: Option<String>,
    /// The kind to use; `None` ignores the table.
    pub kind: Option<TableKind>,
}

/// Where a row came from: the table (index into [`Dataset::tables`]) and the 1-based row
/// number as the spreadsheet program shows it (CSV: the line number).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Origin {
    /// Index into [`Dataset::tables`].
    pub table: u32,
    /// 1-based row number in the sheet or file.
    pub row: u32,
}

/// Why a row was not used. The order is the order reports list them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Every cell empty.
    Blank,
    /// A totals row (合计, 总计, 小计).
    Total,
    /// A note or signature row below the data (注：…, 填表人：…).
    Note,
    /// The same record was listed before.
    Duplicate,
    /// The row's place is not in the community list.
    UnmatchedPlace,
    /// The row's place matches more than one community.
    AmbiguousPlace,
    /// A required cell is empty or a cell could not be parsed.
    InvalidValue,
    /// The row lies outside `--scope`.
    OutOfScope,
}

impl SkipReason {
    /// All reasons, in report order.
    pub(crate) const ALL: [SkipReason; 8] = [
        SkipReason::Blank,
        SkipReason::Total,
        SkipReason::Note,
        SkipReason::Duplicate,
        SkipReason::UnmatchedPlace,
        SkipReason::AmbiguousPlace,
        SkipReason::InvalidValue,
        SkipReason::OutOfScope,
    ];

    /// Short English name (as in the rejects file).
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Blank => "blank",
            SkipReason::Total => "total",
            SkipReason::Note => "note",
            SkipReason::Duplicate => "duplicate",
            SkipReason::UnmatchedPlace => "unmatched_place",
            SkipReason::AmbiguousPlace => "ambiguous_place",
            SkipReason::InvalidValue => "invalid_value",
            SkipReason::OutOfScope => "out_of_scope",
        }
    }

    /// Chinese label for reports.
    pub fn zh(self) -> &'static str {
        match self {
            SkipReason::Blank => "空行",
            SkipReason::Total => "合计行",
            SkipReason::Note => "备注行",
            SkipReason::Duplicate => "重复",
            SkipReason::UnmatchedPlace => "地点不在社区名单",
            SkipReason::AmbiguousPlace => "地点不唯一",
            SkipReason::InvalidValue => "无效值",
            SkipReason::OutOfScope => "范围之外",
        }
    }
}

/// One column of the source mapped to a field.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnMap {
    /// Canonical field name (English, as in `rules/columns.toml`).
    pub field: &'static str,
    /// 0-based column index in the sheet.
    pub column: usize,
    /// The header text as found (after joining a two-row header).
    pub header: String,
}

/// What was found in one table (a CSV file or a workbook sheet), and its row accounting.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    /// The file read.
    pub file: PathBuf,
    /// The sheet name; `None` for a CSV.
    pub sheet: Option<String>,
    /// The table kind recognized (or forced by an override).
    pub kind: TableKind,
    /// Whether the kind came from `--kind`.
    pub kind_forced: bool,
    /// What decided the kind (header alone, `--kind`, or a clue that broke a tie).
    pub kind_clue: KindClue,
    /// Encoding used (CSV only), e.g. "UTF-8", "GBK"; for a web export its format and
    /// encoding, e.g. "HTML 表格 / HTML table, GB2312" (see
    /// [`source::is_format_label`]).
    pub encoding: Option<String>,
    /// 1-based first and last row of the header (equal for a one-row header).
    pub header_rows: (u32, u32),
    /// Columns mapped to fields.
    pub columns: Vec<ColumnMap>,
    /// Header texts of the columns kept but ignored.
    pub extra_columns: Vec<String>,
    /// Data rows read below the header (blank rows included).
    pub rows_read: u32,
    /// Rows skipped, by reason (filled by ingest, then by the model).
    pub skipped: BTreeMap<SkipReason, u32>,
    /// Rows used (set by the model once places are resolved).
    pub used: u32,
}

impl TableInfo {
    /// A table of `kind` with nothing read yet.
    pub fn new(file: PathBuf, sheet: Option<String>, kind: TableKind) -> TableInfo {
        TableInfo {
            file,
            sheet,
            kind,
            kind_forced: false,
            kind_clue: KindClue::Header,
            encoding: None,
            header_rows: (1, 1),
            columns: Vec::new(),
            extra_columns: Vec::new(),
            rows_read: 0,
            skipped: BTreeMap::new(),
            used: 0,
        }
    }

    /// Total rows skipped.
    pub fn skipped_total(&self) -> u32 {
        self.skipped.values().sum()
    }

    /// Human name: `file` or `file#sheet`.
    pub(crate) fn display_name(&self) -> String {
        let file = self.file.display().to_string();
        match &self.sheet {
            Some(s) => format!("{file}#{s}"),
            None => file,
        }
    }

    /// Count one skipped row.
    pub fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_insert(0) += 1;
    }
}

/// What decided a table's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "clue")]
pub enum KindClue {
    /// The header fits one kind better than any other.
    Header,
    /// `--kind FILE[#SHEET]=KIND`.
    Forced,
    /// The header fits several kinds equally; a word of the sheet name named one.
    SheetName {
        /// The word found (from `[kind_names]` of `rules/columns.toml`).
        word: String,
    },
    /// The header fits several kinds equally; a word of the file name named one.
    FileName {
        /// The word found.
        word: String,
    },
    /// The header fits several kinds equally; the values of the kind column are known
    /// values of this kind only.
    Values {
        /// Values recognized as values of the kind chosen.
        matched: u32,
        /// Rows with a value in that column.
        of: u32,
    },
}

impl KindClue {
    /// How the clue reads in `inspect`.
    pub fn describe(&self) -> String {
        match self {
            KindClue::Header => "表头 / header".to_string(),
            KindClue::Forced => "--kind".to_string(),
            KindClue::SheetName { word } => {
                format!("表头同样符合多种类型，按工作表名中的“{word}” / header fits several kinds; sheet name says \"{word}\"")
            }
            KindClue::FileName { word } => {
                format!("表头同样符合多种类型，按文件名中的“{word}” / header fits several kinds; file name says \"{word}\"")
            }
            KindClue::Values { matched, of } => format!(
                "表头同样符合多种类型，按类型列的值（{matched}/{of} 个是此类型的值） / header fits several kinds; {matched} of {of} values of the kind column belong to this kind only"
            ),
        }
    }
}

/// Why a file or sheet was passed over (not read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum PassReason {
    /// A file of an input folder that is not a spreadsheet (by extension).
    NotSpreadsheet,
    /// An Office lock file (`~$…`).
    LockFile,
    /// A hidden sheet.
    HiddenSheet,
    /// A chart sheet or other non-worksheet.
    NotWorksheet,
    /// A sheet with no content.
    EmptySheet,
    /// `--kind …=skip`.
    SkippedByKind,
    /// `--exclude`.
    Excluded,
    /// The same bytes as another input, which is read instead.
    SameContent {
        /// The file read.
        first: PathBuf,
    },
    /// A report or rejects file written by zhibiao.
    OwnOutput {
        /// Which output: "gap_table" or "rejects".
        what: String,
    },
    /// A table of an input folder whose header fits no table kind.
    Unrecognized {
        /// The first non-empty row, as seen.
        header: String,
    },
    /// A folder inside an input folder (only the files directly inside are read).
    Folder,
    /// A symbolic link whose target does not exist.
    DanglingLink {
        /// Where it points.
        target: PathBuf,
    },
    /// A symbolic link that leads back to itself.
    LinkLoop,
    /// A FIFO, device or socket.
    SpecialFile {
        /// What it is.
        what: &'static str,
    },
    /// An entry that cannot be examined (permission denied …).
    Unreadable {
        /// The system's message.
        message: String,
    },
    /// The 说明 sheet of a `zhibiao template` workbook (explains the columns).
    TemplateNotes,
}

impl PassReason {
    /// Stable reason code (for scripts): `not_spreadsheet`, `lock_file`, `hidden_sheet`,
    /// `not_worksheet`, `empty_sheet`, `skipped_by_kind`, `excluded`, `same_content`,
    /// `own_output`, `unrecognized`, `folder`, `dangling_link`, `link_loop`,
    /// `special_file`, `unreadable`, `template_notes`.
    pub fn code(&self) -> &'static str {
        match self {
            PassReason::NotSpreadsheet => "not_spreadsheet",
            PassReason::LockFile => "lock_file",
            PassReason::HiddenSheet => "hidden_sheet",
            PassReason::NotWorksheet => "not_worksheet",
            PassReason::EmptySheet => "empty_sheet",
            PassReason::SkippedByKind => "skipped_by_kind",
            PassReason::Excluded => "excluded",
            PassReason::SameContent { .. } => "same_content",
            PassReason::OwnOutput { .. } => "own_output",
            PassReason::Unrecognized { .. } => "unrecognized",
            PassReason::Folder => "folder",
            PassReason::DanglingLink { .. } => "dangling_link",
            PassReason::LinkLoop => "link_loop",
            PassReason::SpecialFile { .. } => "special_file",
            PassReason::Unreadable { .. } => "unreadable",
            PassReason::TemplateNotes => "template_notes",
        }
    }

    /// Whether `--strict` makes this an error: spreadsheets passed over by zhibiao's own
    /// judgement (unrecognized, own output, identical copy). Non-spreadsheets, lock
    /// files, hidden and empty sheets and what the user chose (`--kind …=skip`,
    /// `--exclude`) stay notes.
    pub(crate) fn strict_error(&self) -> bool {
        matches!(
            self,
            PassReason::SameContent { .. }
                | PassReason::OwnOutput { .. }
                | PassReason::Unrecognized { .. }
        )
    }
}

impl std::fmt::Display for PassReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PassReason::NotSpreadsheet => write!(f, "不是表格文件 / not a spreadsheet"),
            PassReason::LockFile => write!(f, "Office 锁文件 / lock file"),
            PassReason::HiddenSheet => write!(f, "隐藏工作表 / hidden sheet"),
            PassReason::NotWorksheet => write!(f, "不是工作表（图表等） / not a worksheet"),
            PassReason::EmptySheet => write!(f, "空工作表 / empty sheet"),
            PassReason::SkippedByKind => write!(f, "按 --kind 跳过 / skipped by --kind"),
            PassReason::Excluded => write!(f, "按 --exclude 排除 / excluded by --exclude"),
            PassReason::SameContent { first } => write!(
                f,
                "与 {} 内容相同，只读一次 / same content as {}, read once",
                first.display(),
                first.display()
            ),
            PassReason::OwnOutput { what } => write!(
                f,
                "zhibiao 的输出文件（{what}） / an output of zhibiao ({what})"
            ),
            PassReason::Unrecognized { header } => write!(
                f,
                "表头不符合任何表类型 / header fits no table kind (header seen: {header})"
            ),
            PassReason::Folder => write!(
                f,
                "文件夹：请作为单独的输入给出 / folder: give it as its own input"
            ),
            PassReason::DanglingLink { target } => write!(
                f,
                "链接的目标不存在（{}） / dangling link (to {})",
                target.display(),
                target.display()
            ),
            PassReason::LinkLoop => write!(f, "链接循环 / symbolic link loop"),
            PassReason::SpecialFile { what } => {
                let zh = source::special_kind_zh(what);
                write!(f, "不是普通文件（{zh}） / special file ({what})")
            }
            PassReason::Unreadable { message } => {
                write!(f, "无法读取 / cannot be read: {message}")
            }
            PassReason::TemplateNotes => {
                write!(
                    f,
                    "台账模板的说明工作表 / notes sheet of a zhibiao template"
                )
            }
        }
    }
}

/// A file or sheet that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PassedOver {
    /// The file.
    pub file: PathBuf,
    /// The sheet, when only a sheet was passed over.
    pub sheet: Option<String>,
    /// Why.
    pub reason: PassReason,
}

impl PassedOver {
    /// A whole file passed over.
    pub fn file(file: &Path, reason: PassReason) -> PassedOver {
        PassedOver {
            file: file.to_path_buf(),
            sheet: None,
            reason,
        }
    }

    /// `file` or `file#sheet`.
    pub(crate) fn display_name(&self) -> String {
        let file = self.file.display().to_string();
        match &self.sheet {
            Some(s) => format!("{file}#{s}"),
            None => file,
        }
    }
}

impl std::fmt::Display for PassedOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            PassReason::SameContent { first } if *first == self.file => write!(
                f,
                "{}: 同一文件给出两次，只读一次 / the same file given twice, read once",
                self.display_name()
            ),
            reason => write!(f, "{}: {reason}", self.display_name()),
        }
    }
}

/// A place as written in a row, normalized for comparison (trimmed, full-width folded,
/// inner spaces removed). Empty string = blank cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Place {
    /// 省 (optional column; empty when absent).
    pub province: Text,
    /// 市
    pub city: Text,
    /// 县区
    pub county: Text,
    /// 街道乡镇
    pub street: Text,
    /// 社区/村
    pub community: Text,
}

/// A place as an organization row writes it: the ids of its five names in the dataset's
/// [`NameTable`] (an organizations table is millions of rows writing a few tens of
/// thousands of names: a row holds 20 bytes instead of five shared strings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PlaceIds {
    /// 省 (0, the blank name, when the column is absent).
    pub province: u32,
    /// 市
    pub city: u32,
    /// 县区
    pub county: u32,
    /// 街道乡镇
    pub street: u32,
    /// 社区/村
    pub community: u32,
}

impl PlaceIds {
    /// The five ids, to change (each made another table's: see [`NameTable::absorb`]).
    pub(crate) fn ids_mut(&mut self) -> [&mut u32; 5] {
        [
            &mut self.province,
            &mut self.city,
            &mut self.county,
            &mut self.street,
            &mut self.community,
        ]
    }
}

/// Every place name the organization rows of a dataset write, each once, by id; id 0 is the
/// blank name.
#[derive(Debug, Clone)]
pub struct NameTable {
    names: Vec<Text>,
    ids: std::collections::HashMap<Text, u32, foldhash::fast::RandomState>,
}

impl Default for NameTable {
    fn default() -> Self {
        let blank: Text = "".into();
        let mut ids = std::collections::HashMap::default();
        ids.insert(blank.clone(), 0);
        NameTable {
            names: vec![blank],
            ids,
        }
    }
}

impl NameTable {
    /// The id of `name`, added when new.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // More names than ids cannot be read: an id needs at least one byte of input.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let t: Text = name.into();
        self.names.push(t.clone());
        self.ids.insert(t, id);
        id
    }

    /// The name of an id (blank for an id not in the table).
    pub fn name(&self, id: u32) -> &Text {
        self.names
            .get(id as usize)
            .or_else(|| self.names.first())
            .unwrap_or_else(|| blank_text())
    }

    /// A place's names.
    pub fn place(&self, ids: &PlaceIds) -> Place {
        self.place_of(ids)
    }

    /// The names from id `from` on, in id order.
    pub(crate) fn names_from(&self, from: usize) -> Vec<Text> {
        self.names.get(from..).unwrap_or_default().to_vec()
    }

    /// Add the names of `other` (in its order): for each id of `other`, the id of the same
    /// name here.
    pub(crate) fn absorb(&mut self, other: &NameTable) -> Vec<u32> {
        other.names.iter().map(|n| self.id(n)).collect()
    }

    /// The ids of a place's names, added when new.
    pub fn intern(&mut self, p: &Place) -> PlaceIds {
        PlaceIds {
            province: self.id(&p.province),
            city: self.id(&p.city),
            county: self.id(&p.county),
            street: self.id(&p.street),
            community: self.id(&p.community),
        }
    }
}

/// Place names by id: a [`NameTable`], or the growing [`NameSegments`] of a file whose rows
/// are handed on while it is read.
pub trait PlaceNames: Send + Sync {
    /// The name of an id (blank for an id not held).
    fn name_of(&self, id: u32) -> &Text;

    /// A place's names.
    fn place_of(&self, ids: &PlaceIds) -> Place {
        Place {
            province: self.name_of(ids.province).clone(),
            city: self.name_of(ids.city).clone(),
            county: self.name_of(ids.county).clone(),
            street: self.name_of(ids.street).clone(),
            community: self.name_of(ids.community).clone(),
        }
    }
}

impl PlaceNames for NameTable {
    fn name_of(&self, id: u32) -> &Text {
        self.name(id)
    }
}

/// A file's names as [`OrgBatch`]es hand them on: segments that never change once added,
/// so that a copy (a list of shared segments) can be handed with each block to the threads
/// that resolve and admit it while later segments are added.
#[derive(Debug, Clone, Default)]
pub struct NameSegments {
    /// Each segment's first id and names.
    segments: Vec<(u32, std::sync::Arc<[Text]>)>,
    len: u32,
}

impl NameSegments {
    /// Add the names of the next ids.
    pub fn push(&mut self, names: Vec<Text>) {
        if names.is_empty() {
            return;
        }
        let n = u32::try_from(names.len()).unwrap_or(u32::MAX);
        self.segments.push((self.len, names.into()));
        self.len = self.len.saturating_add(n);
    }
}

impl PlaceNames for NameSegments {
    fn name_of(&self, id: u32) -> &Text {
        let at = self.segments.partition_point(|(start, _)| *start <= id);
        at.checked_sub(1)
            .and_then(|i| self.segments.get(i))
            .and_then(|(start, names)| names.get((id - start) as usize))
            .unwrap_or_else(|| blank_text())
    }
}

fn blank_text() -> &'static Text {
    static BLANK: std::sync::OnceLock<Text> = std::sync::OnceLock::new();
    BLANK.get_or_init(|| "".into())
}

/// Urban or rural (城市社区 / 农村社区).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UrbanRural {
    /// 城市社区 (residents' committee).
    Urban,
    /// 农村社区 (villagers' committee).
    Rural,
}

impl UrbanRural {
    /// "urban" / "rural".
    pub fn as_str(self) -> &'static str {
        match self {
            UrbanRural::Urban => "urban",
            UrbanRural::Rural => "rural",
        }
    }
}

/// 登记形式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// 登记 (registered with civil affairs).
    Registered,
    /// 备案 (filed with the street or township).
    Filed,
}

/// 状态 of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 正常, 存续.
    Active,
    /// 注销, 撤销.
    Dissolved,
}

/// A row of a communities table (社区/村 list).
#[derive(Debug, Clone)]
pub struct CommunityRow {
    /// Source row.
    pub origin: Origin,
    /// Place; `community` is the community's own name.
    pub place: Place,
    /// From the 城乡类型 column, if present and filled.
    pub kind: Option<UrbanRural>,
    /// 城乡分类代码 (e.g. 111, 220).
    pub urban_rural_code: Option<u16>,
    /// 统计用区划代码 (12 digits).
    pub code: Option<String>,
    /// 试点.
    pub pilot: bool,
}

/// A row of an organizations table (社区社会组织).
#[derive(Debug, Clone)]
pub struct OrganizationRow {
    /// Source row.
    pub origin: Origin,
    /// 组织名称.
    pub name: Box<str>,
    /// Where it is located (street/community may be empty): ids in [`Dataset::names`].
    pub place: PlaceIds,
    /// 组织类别, canonical when a synonym is known, else as written; `None` when blank.
    pub category: Option<Text>,
    /// 登记形式.
    pub registration: Option<Registration>,
    /// 品牌组织.
    pub brand: bool,
    /// 成立日期.
    pub founded: Option<NaiveDate>,
    /// 注销日期.
    pub dissolved: Option<NaiveDate>,
    /// 状态.
    pub status: Option<Status>,
    /// 统一社会信用代码 and 服务社区, when either is given: out of line, so that a row is 80
    /// bytes, not 104 (a national ledger's millions of rows are written into fresh memory,
    /// and most rows have neither).
    pub extra: Option<Box<OrgExtra<String>>>,
}

/// What an organization row ([`OrganizationRow::extra`]) or an organization
/// ([`crate::model::Organization::extra`]) has beside its place and kind, out of line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgExtra<S> {
    /// 统一社会信用代码 (upper-cased, half-width).
    pub credit_code: Option<Box<str>>,
    /// 服务社区: community names as written (normalized text) in a row, the communities
    /// resolved in an organization.
    pub serves: Box<[S]>,
}

impl<S> OrgExtra<S> {
    /// The extra of this code and these served communities (`None` for none).
    pub fn of(credit_code: Option<Box<str>>, serves: Box<[S]>) -> Option<Box<OrgExtra<S>>> {
        (credit_code.is_some() || !serves.is_empty()).then(|| {
            Box::new(OrgExtra {
                credit_code,
                serves,
            })
        })
    }
}

impl OrganizationRow {
    /// 统一社会信用代码 (upper-cased, half-width), when given.
    pub fn credit_code(&self) -> Option<&str> {
        self.extra.as_ref()?.credit_code.as_deref()
    }

    /// 服务社区: community names as written (normalized text).
    pub fn serves(&self) -> &[String] {
        self.extra.as_ref().map_or(&[], |e| &e.serves)
    }
}

/// A row of an incubators table (孵化基地).
#[derive(Debug, Clone)]
pub struct IncubatorRow {
    /// Source row.
    pub origin: Origin,
    /// 名称.
    pub name: String,
    /// Place (street required).
    pub place: Place,
    /// 建成日期.
    pub established: Option<NaiveDate>,
    /// 撤销日期.
    pub closed: Option<NaiveDate>,
    /// 统一社会信用代码 (upper-cased, half-width).
    pub credit_code: Option<String>,
}

/// A row of a projects table (项目).
#[derive(Debug, Clone)]
pub struct ProjectRow {
    /// Source row.
    pub origin: Origin,
    /// 项目名称.
    pub name: String,
    /// 项目类型, canonical when known (品牌项目, 购买服务, 公益创投), else as written.
    pub kind: String,
    /// Place (city required, county optional).
    pub place: Place,
    /// 认定日期.
    pub date: NaiveDate,
}

/// A row of an events table (活动).
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Source row.
    pub origin: Origin,
    /// 活动名称.
    pub name: String,
    /// 活动类型, canonical when known (能力培训, 优质项目评选), else as written.
    pub kind: String,
    /// Place (city required, county optional).
    pub place: Place,
    /// 日期.
    pub date: NaiveDate,
}

/// A row of a funds table (经费).
#[derive(Debug, Clone)]
pub struct FundRow {
    /// Source row.
    pub origin: Origin,
    /// Place (city required, county optional).
    pub place: Place,
    /// 年度.
    pub year: i32,
    /// 金额（万元）.
    pub amount: f64,
    /// 来源.
    pub source: Option<String>,
}

/// What happened to a row that has a data issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum Outcome {
    /// The row was skipped for this reason.
    Skipped(SkipReason),
    /// The row was counted all the same (the message says how).
    Counted,
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// One entry per table read (CSV file or sheet), in input order.
    pub tables: Vec<TableInfo>,
    /// Community rows.
    pub communities: Chunks<CommunityRow>,
    /// Organization rows (kept as the blocks they were parsed in: the model frees each
    /// block once it has taken its rows).
    pub organizations: Chunks<OrganizationRow>,
    /// Incubator rows.
    pub incubators: Vec<IncubatorRow>,
    /// Project rows.
    pub projects: Vec<ProjectRow>,
    /// Event rows.
    pub events: Vec<EventRow>,
    /// Fund rows.
    pub funds: Vec<FundRow>,
    /// Data issues found while reading.
    pub issues: Vec<DataIssue>,
    /// The bodies of the issues found reading the rows, shared by identical issues.
    pub(crate) bodies: crate::issue::Bodies,
    /// Files and sheets passed over, with the reason (not a spreadsheet, hidden or empty
    /// sheet, `--kind …=skip`, `--exclude`, unrecognized folder file, an output of
    /// zhibiao, the same content as another file).
    pub ignored: Vec<PassedOver>,
    /// SHA-256 of every file read (computed once, while checking for identical copies or
    /// while reading), or only of those compared under [`IngestOptions::skip_hashes`].
    pub hashes: BTreeMap<PathBuf, [u8; 32]>,
    /// The place names of the organization rows.
    pub names: NameTable,
    /// Where this file's organization rows go while it is read, when a build takes them
    /// as they come ([`read_inputs_then`]); none otherwise.
    pub(crate) sink: Option<OrgSink>,
    /// Organization rows of a file were handed on ([`OrgSink`]) and then the file was read
    /// again from its start (an XLSX sheet's cells out of row order): the build that took
    /// them has rows that are read again here, and must not be used (the caller reads the
    /// inputs again without handing on).
    pub handed_on_then_restarted: bool,
}

/// Organization rows handed on while their file is still being read: blocks in reading
/// order, their rows' place ids those of the file's own [`NameTable`] and their tables
/// numbered within the file (from 0).
#[derive(Debug)]
pub struct OrgBatch {
    /// The rows, a block at a time.
    pub blocks: Vec<Vec<OrganizationRow>>,
    /// The file's names from the first id no earlier batch held, in id order (the first
    /// batch's begin with id 0, the blank name).
    pub names: Vec<Text>,
    /// How many rows the file's organizations tables were expected to hold in all when
    /// they began (estimated from their first rows' bytes; 0 when not known): room is made
    /// for them at once.
    pub expected: usize,
}

/// Where a file's organization rows go while it is read: nowhere until `go` is set, then
/// (`go` true) each block to `tx` as soon as it is parsed; `go` false keeps them in the
/// file's dataset, as without a sink.
#[derive(Clone)]
pub(crate) struct OrgSink {
    pub(crate) tx: std::sync::mpsc::Sender<OrgBatch>,
    pub(crate) go: std::sync::Arc<std::sync::OnceLock<bool>>,
    /// Names already handed on.
    pub(crate) names_sent: usize,
    /// See [`OrgBatch::expected`].
    pub(crate) expected: usize,
}

impl std::fmt::Debug for OrgSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OrgSink(go {:?}, {} names sent)",
            self.go.get(),
            self.names_sent
        )
    }
}

/// Hand on the organization rows `ds` holds when its sink is open (see [`OrgSink`]).
pub(crate) fn pass_on(ds: &mut Dataset) {
    let Some(sink) = &mut ds.sink else {
        return;
    };
    match sink.go.get() {
        Some(true) => {}
        Some(false) => {
            ds.sink = None;
            return;
        }
        None => return,
    }
    if ds.organizations.is_empty() {
        return;
    }
    let names = ds.names.names_from(sink.names_sent);
    let batch = OrgBatch {
        blocks: std::mem::take(&mut ds.organizations)
            .into_chunks()
            .collect(),
        names,
        expected: sink.expected,
    };
    let sent = batch.names.len();
    match sink.tx.send(batch) {
        Ok(()) => sink.names_sent += sent,
        // The build is gone (it only stops taking rows when it failed): the rows stay here,
        // and nothing more is handed on.
        Err(std::sync::mpsc::SendError(batch)) => {
            for block in batch.blocks {
                ds.organizations.append(block);
            }
            ds.sink = None;
        }
    }
}

impl Dataset {
    /// Room for `rows` more rows of a table kind.
    pub fn reserve(&mut self, kind: TableKind, rows: usize) {
        match kind {
            TableKind::Communities => self.communities.reserve(rows),
            // Blocks: parsed blocks are added as they are, with no room to reserve; the rows
            // handed on are announced with the batches.
            TableKind::Organizations => {
                if let Some(sink) = &mut self.sink {
                    sink.expected = sink.expected.saturating_add(rows);
                }
            }
            TableKind::Incubators => self.incubators.reserve(rows),
            TableKind::Projects => self.projects.reserve(rows),
            TableKind::Events => self.events.reserve(rows),
            TableKind::Funds => self.funds.reserve(rows),
        }
    }
}

/// Read every input (files, and folders meaning the spreadsheet files directly inside them
/// in name order) into one [`Dataset`].
///
/// An unreadable file, an unrecognized table in a file named explicitly, or a missing
/// required column is an error; problems in individual rows are [`DataIssue`]s. Files of
/// input folders that are not ledgers, `--exclude`d files and second copies of the same
/// content are passed over into [`Dataset::ignored`] (see [`inputs`]).
pub fn read_inputs(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Dataset, IngestError> {
    inputs::read_inputs(inputs, opts)
}

/// [`read_inputs`], calling `after` each time a file's data has been added, and handing on
/// the last file's organization rows as they are parsed (see [`inputs::read_inputs_then`]).
pub fn read_inputs_then(
    inputs: &[PathBuf],
    opts: &IngestOptions,
    after: &mut dyn FnMut(&mut Dataset, usize),
    stream: Option<inputs::Stream>,
) -> Result<Dataset, IngestError> {
    inputs::read_inputs_then(inputs, opts, after, stream)
}

/// Read one file into `ds` (all its tables), as a file named explicitly.
pub fn read_file(path: &Path, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
    let file = source::read_grids(path, opts)?;
    ds.ignored.extend(file.ignored);
    for grid in file.grids {
        rows::ingest_grid(grid, opts, ds)?;
    }
    Ok(())
}

/// The original cells of the given rows, read again from their files (for `--rejects`
/// and the correction list).
pub fn original_cells(
    tables: &[TableInfo],
    origins: &[Origin],
    opts: &IngestOptions,
) -> Result<OriginalCells, IngestError> {
    source::original_cells(tables, origins, opts)
}

/// The original cells of rows, by row ([`original_cells`]).
pub type OriginalCells = BTreeMap<Origin, OriginalRow>;

/// A row's cells as written, in one text with the ends of its cells: the correction list
/// of a misspelt national ledger reads 921,692 rows of 14 cells again, and a string for
/// each cell was 1.3 GB at its peak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginalRow {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl OriginalRow {
    /// Cell `i` (0-based), when the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<S: AsRef<str>> FromIterator<S> for OriginalRow {
    fn from_iter<I: IntoIterator<Item = S>>(cells: I) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for c in cells {
            text.push_str(c.as_ref());
            // A row's text is bounded by the limits on cells and columns, far below 4 GB.
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        OriginalRow {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}
