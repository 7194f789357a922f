//! Files → grids of cells.
//!
//! A CSV file is one grid; every visible, non-empty worksheet of a workbook is one grid.
//! Row numbers are the real 1-based numbers the spreadsheet program shows (CSV: the line
//! number where the record starts); column indexes are 0-based sheet columns.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Dimensions, Ods, Range, Reader, SheetType, SheetVisible, Xls, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use encoding_rs::{DecoderResult, Encoding};

use super::error::Limit;
use super::html::Piece as Stream;

mod merged;
mod scan;
mod windows;
use super::{IngestError, IngestOptions, Origin, PassReason, PassedOver, ProgressHook, TableInfo};
pub(crate) use windows::{CsvRest, Piece, WindowSizes};

/// Extensions read (compared case-insensitively).
pub(crate) const EXTENSIONS: [&str; 5] = ["csv", "xlsx", "xlsm", "xls", "ods"];

/// One cell as read from the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// No value.
    #[default]
    Empty,
    /// Text (CSV cells are always text).
    Text(String),
    /// A number stored as a number.
    Number(f64),
    /// A cell formatted as a date or date-time in the workbook.
    DateTime(NaiveDateTime),
    /// A boolean cell.
    Bool(bool),
}

impl Cell {
    /// The cell as text: numbers that are whole without ".0", dates as `2021-03-05`
    /// (with the time when it is not midnight), booleans as TRUE/FALSE.
    #[inline(always)]
    pub fn text(&self) -> Cow<'_, str> {
        self.as_ref().text()
    }

    /// Whether the cell is empty or holds only whitespace.
    #[inline(always)]
    pub(crate) fn is_blank(&self) -> bool {
        self.as_ref().is_blank()
    }

    /// The cell as the row parsers read it.
    #[inline(always)]
    pub(crate) fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(s) => CellRef::Text(s),
            Cell::Number(f) => CellRef::Number(*f),
            Cell::DateTime(dt) => CellRef::DateTime(*dt),
            Cell::Bool(b) => CellRef::Bool(*b),
        }
    }
}

/// A cell as the row parsers read it, borrowed from a grid's [`Cell`] or from a CSV record
/// ([`RowCells`]): a national CSV's cells are read where the record lies, never copied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CellRef<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl<'a> CellRef<'a> {
    /// [`Cell::text`]. Always inlined for text and empty cells (a CSV's only cells, read
    /// about fifteen times a row: the call was 3 % of a national audit's samples); the
    /// other kinds are made out of line ([`CellRef::text_of_value`]).
    #[inline(always)]
    pub(crate) fn text(self) -> Cow<'a, str> {
        match self {
            CellRef::Empty => Cow::Borrowed(""),
            CellRef::Text(s) => Cow::Borrowed(s),
            _ => self.text_of_value(),
        }
    }

    /// [`CellRef::text`] of a number, date or boolean.
    #[inline(never)]
    fn text_of_value(self) -> Cow<'a, str> {
        match self {
            CellRef::Empty => Cow::Borrowed(""),
            CellRef::Text(s) => Cow::Borrowed(s),
            CellRef::Number(f) => Cow::Owned(number_text(f)),
            CellRef::DateTime(dt) => {
                if dt.time() == chrono::NaiveTime::MIN {
                    Cow::Owned(dt.date().format("%Y-%m-%d").to_string())
                } else {
                    Cow::Owned(dt.format("%Y-%m-%d %H:%M:%S").to_string())
                }
            }
            CellRef::Bool(b) => Cow::Borrowed(if b { "TRUE" } else { "FALSE" }),
        }
    }

    /// [`Cell::is_blank`].
    #[inline(always)]
    pub(crate) fn is_blank(self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(s) => match s.as_bytes().first() {
                // Most cells are decided by their first byte: an ASCII character that is
                // not whitespace, or the lead byte of U+4000–U+EFFF (the CJK ideographs;
                // no blank character lies there).
                Some(&b)
                    if (b < 0x80 && !matches!(b, 9..=13 | b' ')) || (0xE4..=0xEE).contains(&b) =>
                {
                    false
                }
                _ => s.chars().all(|c| {
                    c.is_whitespace()
                        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
                }),
            },
            _ => false,
        }
    }
}

/// A row as the row parsers read it: a grid's row ([`GridRow`]) or a CSV record read where
/// it lies.
pub(crate) trait RowCells {
    /// 1-based row number in the sheet (CSV: line number).
    fn number(&self) -> u32;
    /// How many cells the row has (every later column is empty).
    fn width(&self) -> usize;
    /// The cell in a column (`Empty` past the end of the row).
    fn cell_ref(&self, col: usize) -> CellRef<'_>;
}

impl RowCells for GridRow {
    #[inline(always)]
    fn number(&self) -> u32 {
        self.number
    }

    #[inline(always)]
    fn width(&self) -> usize {
        self.cells.len()
    }

    #[inline(always)]
    fn cell_ref(&self, col: usize) -> CellRef<'_> {
        self.cell(col).as_ref()
    }
}

/// A number as text: whole numbers without a fraction ("44256", not "44256.0").
pub fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// One row of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// 1-based row number in the sheet (CSV: line number).
    pub number: u32,
    /// Cells by 0-based sheet column.
    pub cells: Vec<Cell>,
}

impl GridRow {
    /// A row of text cells, empty strings as empty cells (for tests and fixtures in code).
    pub fn from_texts(number: u32, cells: &[&str]) -> GridRow {
        GridRow {
            number,
            cells: cells
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text((*s).to_string())
                    }
                })
                .collect(),
        }
    }

    /// The cell in a column (`Empty` past the end of the row).
    pub fn cell(&self, col: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.cells.get(col).unwrap_or(&EMPTY)
    }

    /// Whether every cell is blank.
    pub(crate) fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// A merged region of a sheet (inclusive bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// First and last 1-based row.
    pub rows: (u32, u32),
    /// First and last 0-based column.
    pub cols: (usize, usize),
}

impl Merge {
    /// Whether the region holds the cell.
    pub fn contains(&self, row: u32, col: usize) -> bool {
        (self.rows.0..=self.rows.1).contains(&row) && (self.cols.0..=self.cols.1).contains(&col)
    }
}

/// One sheet or CSV as rows of cells. A merged region's value sits in its top-left cell
/// only (the others are empty); [`Grid::merges`] lists the regions.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The file read.
    pub file: PathBuf,
    /// Sheet name; `None` for a CSV.
    pub sheet: Option<String>,
    /// Encoding used (CSV); for a web export its format and encoding ("HTML 表格 / HTML
    /// table, GB2312", "SpreadsheetML 2003 (XML 表格)", see [`is_format_label`]).
    pub encoding: Option<String>,
    /// Rows in sheet order (workbooks: every row of the used range; CSV: every record).
    pub rows: Vec<GridRow>,
    /// Merged regions (XLSX and XLS only).
    pub merges: Vec<Merge>,
}

impl Grid {
    /// `file` or `file#sheet`.
    pub(crate) fn display_name(&self) -> String {
        let file = self.file.display().to_string();
        match &self.sheet {
            Some(s) => format!("{file}#{s}"),
            None => file,
        }
    }

    /// The merged region holding a cell, if any.
    pub(crate) fn merge_at(&self, row: u32, col: usize) -> Option<&Merge> {
        self.merges.iter().find(|m| m.contains(row, col))
    }

    /// Whether no cell has content.
    pub(crate) fn is_blank(&self) -> bool {
        self.rows.iter().all(GridRow::is_blank)
    }
}

/// The grids of one file, and the sheets passed over.
#[derive(Debug, Clone, Default)]
pub struct FileGrids {
    /// Tables to read.
    pub grids: Vec<Grid>,
    /// Sheets passed over, with the reason (hidden, not a worksheet, empty).
    pub ignored: Vec<PassedOver>,
}

/// Whether the path has one of the extensions read ([`EXTENSIONS`], any case).
pub(crate) fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn io_error(path: &Path, e: &std::io::Error) -> IngestError {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "文件或文件夹不存在 / no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限 / permission denied".to_string(),
        _ => format!("无法读取 / cannot read: {e}"),
    };
    IngestError::Io {
        path: path.to_path_buf(),
        message,
    }
}

// ------------------------------------------------------------------------ size limits

/// Default limit of a CSV, a workbook file and each part inside a workbook: 2 GiB.
pub(crate) const DEFAULT_MAX_INPUT: u64 = 2 << 30;
/// Default limit of a plan, `--units` or `--places` file (TOML): 8 MiB.
pub(crate) const DEFAULT_MAX_PLAN: u64 = 8 << 20;

/// Default limit of rows per sheet or CSV: Excel's own maximum, 1,048,576.
pub(crate) const DEFAULT_MAX_ROWS: u32 = 1 << 20;
/// Default limit of columns: Excel's own maximum, 16,384 (column XFD).
pub(crate) const DEFAULT_MAX_COLUMNS: u32 = 1 << 14;
/// Default limit of characters in one cell: Excel's own maximum, 32,767.
pub(crate) const DEFAULT_MAX_CELL_CHARS: u32 = 32_767;

/// How much zhibiao reads of one file before giving up with [`IngestError::TooLarge`]
/// or [`IngestError::OverLimit`]. Raised with `--max-input-size`, `--max-plan-size`,
/// `--max-rows`, `--max-columns` and `--max-cell-chars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A CSV, a workbook file, and each part (sheet XML, shared strings …) inside an
    /// XLSX/ODS workbook, as declared in its ZIP directory.
    pub input: u64,
    /// A plan, `--units` or `--places` file.
    pub plan: u64,
    /// Rows of a sheet (the highest row number) or records of a CSV.
    pub rows: u32,
    /// Columns of a sheet or CSV (the highest column number).
    pub columns: u32,
    /// Characters in one cell.
    pub cell_chars: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            input: DEFAULT_MAX_INPUT,
            plan: DEFAULT_MAX_PLAN,
            rows: DEFAULT_MAX_ROWS,
            columns: DEFAULT_MAX_COLUMNS,
            cell_chars: DEFAULT_MAX_CELL_CHARS,
        }
    }
}

impl Limits {
    /// A 1-based row number against the row limit.
    pub(super) fn check_row(
        &self,
        table: &dyn Fn() -> String,
        row: u64,
    ) -> Result<(), IngestError> {
        if row <= u64::from(self.rows) {
            return Ok(());
        }
        Err(IngestError::OverLimit {
            table: table(),
            row,
            column: None,
            what: Limit::Rows,
            limit: u64::from(self.rows),
        })
    }

    /// A 1-based column number (of a cell with content) against the column limit.
    pub(super) fn check_column(
        &self,
        table: &dyn Fn() -> String,
        row: u64,
        col: u64,
    ) -> Result<(), IngestError> {
        if col <= u64::from(self.columns) {
            return Ok(());
        }
        Err(IngestError::OverLimit {
            table: table(),
            row,
            column: Some(col),
            what: Limit::Columns,
            limit: u64::from(self.columns),
        })
    }

    /// The text of a cell against the cell size limit (1-based row and column).
    pub(super) fn check_cell(
        &self,
        table: &dyn Fn() -> String,
        row: u64,
        col: u64,
        text: &str,
    ) -> Result<(), IngestError> {
        let limit = self.cell_chars as usize;
        // Bytes are at least as many as characters: count only long cells.
        if text.len() <= limit {
            return Ok(());
        }
        let chars = text.chars().count();
        if chars <= limit {
            return Ok(());
        }
        Err(IngestError::OverLimit {
            table: table(),
            row,
            column: Some(col),
            what: Limit::CellChars(chars as u64),
            limit: u64::from(self.cell_chars),
        })
    }

    /// A cell read at a 1-based row and column, against the column and cell limits.
    pub(super) fn check(
        &self,
        table: &dyn Fn() -> String,
        row: u64,
        col: u64,
        cell: &Cell,
    ) -> Result<(), IngestError> {
        if *cell == Cell::Empty {
            return Ok(());
        }
        self.check_column(table, row, col)?;
        match cell {
            Cell::Text(s) => self.check_cell(table, row, col, s),
            _ => Ok(()),
        }
    }
}

/// A whole number of rows, columns or characters, above zero (`--max-rows 2000000`).
pub fn parse_count(text: &str) -> Result<u32, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect();
    let n: u32 = t
        .parse()
        .map_err(|_| format!("{text:?}: not a whole number from 1 to {}", u32::MAX))?;
    if n == 0 {
        return Err(format!("{text:?}: a limit must be above zero"));
    }
    Ok(n)
}

/// A size as people write it: `500000`, `64K`, `512M`, `4G`, `1T` (powers of 1024; a
/// trailing `B` or `iB` and spaces are allowed, any case). Zero is refused.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(&t)
        .trim_end();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'K')) => (&t[..i], 10),
        Some((i, 'M')) => (&t[..i], 20),
        Some((i, 'G')) => (&t[..i], 30),
        Some((i, 'T')) => (&t[..i], 40),
        _ => (t, 0),
    };
    let bad = || format!("{text:?}: not a size; write it as 500000, 64K, 512M or 4G");
    let n: u64 = digits.trim().parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(format!("{text:?}: a size limit must be above zero"));
    }
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{text:?}: too large"))
}

/// A size for messages: `2 GiB`, `8 MiB`, `1536 KiB`, `100 bytes`.
pub(crate) fn size_text(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// What a file that is neither a regular file nor a folder is, for messages: `FIFO`,
/// `device`, `socket` or `special file` (see [`special_kind_zh`]).
fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() || ft.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("FIFO");
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Some("device");
        }
        if ft.is_socket() {
            return Some("socket");
        }
    }
    Some("special file")
}

/// The Chinese of a [`special_kind`].
pub(crate) fn special_kind_zh(what: &str) -> &'static str {
    match what {
        "FIFO" => "FIFO 管道",
        "device" => "设备",
        "socket" => "套接字",
        _ => "特殊文件",
    }
}

/// Check a file before reading it, from its metadata (symbolic links followed) and
/// without opening it: a FIFO, device or socket is refused (reading one would block or
/// never end), and so is a file larger than `limit`. A missing file is left for the
/// reader to report. `flag` names the limit's option in the message.
pub fn check_file(path: &Path, limit: u64, flag: &'static str) -> Result<(), IngestError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if let Some(what) = special_kind(&meta) {
        return Err(IngestError::SpecialFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(path, limit, flag));
    }
    Ok(())
}

fn too_large(path: &Path, limit: u64, flag: &'static str) -> IngestError {
    IngestError::TooLarge {
        path: path.to_path_buf(),
        part: None,
        limit: size_text(limit),
        flag,
    }
}

/// The declared (uncompressed) size of every part of a ZIP workbook (XLSX, XLSM, ODS)
/// against the limit: a small file that would unpack to gigabytes is refused before
/// calamine unpacks it. Bytes that are not a readable ZIP are left for the workbook
/// reader to report.
fn check_zip_parts(path: &Path, bytes: &[u8], limit: u64) -> Result<(), IngestError> {
    let Ok(zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_data(i) else {
            continue;
        };
        if entry.size() > limit {
            let part = entry
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| format!("#{i}"));
            return Err(IngestError::TooLarge {
                path: path.to_path_buf(),
                part: Some(part),
                limit: size_text(limit),
                flag: "--max-input-size",
            });
        }
    }
    Ok(())
}

// --------------------------------------------------------------------------- folders

/// One file to read, as found by [`expand_inputs_found`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The path (a folder's entries are the folder joined with the file name).
    pub path: PathBuf,
    /// Whether it was found inside an input folder (rather than named explicitly).
    pub in_folder: bool,
}

/// Expand folders: a folder means the spreadsheet files (csv, xlsx, xlsm, xls, ods, any
/// case) directly inside it, in name order; files are kept as given. A missing path, or
/// a folder without a spreadsheet file, is an error. Office lock files (`~$…`) are
/// passed over.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    Ok(expand_inputs_found(inputs, &mut Vec::new())?
        .into_iter()
        .map(|f| f.path)
        .collect())
}

/// How many symbolic links are followed before a chain counts as a loop (Linux's limit).
const MAX_LINK_HOPS: usize = 40;

/// Why a symbolic link whose target cannot be opened does not resolve: its chain ends at
/// a missing path (dangling, with that path), or goes round (a loop).
fn broken_link(path: &Path) -> Option<PassReason> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&at).ok()?;
                at = match at.parent() {
                    Some(dir) => dir.join(&target),
                    None => target,
                };
            }
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return None,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                let target = std::fs::read_link(path).unwrap_or(at);
                return Some(PassReason::DanglingLink { target });
            }
            Err(_) => return Some(PassReason::LinkLoop),
        }
    }
    Some(PassReason::LinkLoop)
}

/// What to do with one entry of an input folder.
enum Entry {
    /// A spreadsheet file to read.
    Read(PathBuf),
    /// Listed as passed over.
    Pass(PassedOver),
}

/// Decide about one entry of an input folder. Every entry ends up read or passed over
/// with its reason: nothing in a folder is skipped unsaid.
fn folder_entry(entry: &std::fs::DirEntry) -> Entry {
    let path = entry.path();
    let pass = |reason| Entry::Pass(PassedOver::file(&path, reason));
    // The entry itself (a link is not followed yet).
    let own_type = entry.file_type().ok();
    // What it is, links followed.
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            let is_link = own_type.is_some_and(|t| t.is_symlink());
            let reason = is_link
                .then(|| broken_link(&path))
                .flatten()
                .unwrap_or_else(|| PassReason::Unreadable {
                    message: e.to_string(),
                });
            return pass(reason);
        }
    };
    if meta.is_dir() {
        return pass(PassReason::Folder);
    }
    if let Some(what) = special_kind(&meta) {
        return pass(PassReason::SpecialFile { what });
    }
    let lock = entry.file_name().to_string_lossy().starts_with("~$");
    if lock {
        pass(PassReason::LockFile)
    } else if is_spreadsheet(&path) {
        Entry::Read(path)
    } else {
        pass(PassReason::NotSpreadsheet)
    }
}

/// [`expand_inputs`], saying for each file whether it came from a folder, and noting in
/// `passed_over` every entry of a folder that is not read, with its reason: not a
/// spreadsheet, an Office lock file, a subfolder (give it as an input of its own), a
/// dangling link, a link loop, a FIFO, device or socket, an entry that cannot be
/// examined. A FIFO, device or socket named directly is an error
/// ([`IngestError::SpecialFile`]): reading it would block or never end.
pub(crate) fn expand_inputs_found(
    inputs: &[PathBuf],
    passed_over: &mut Vec<PassedOver>,
) -> Result<Vec<InputFile>, IngestError> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| io_error(input, &e))?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|e| io_error(input, &e))?;
            let mut files = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| io_error(input, &e))?;
                match folder_entry(&entry) {
                    Entry::Read(path) => files.push(path),
                    Entry::Pass(p) => passed_over.push(p),
                }
            }
            if files.is_empty() {
                return Err(IngestError::NoSpreadsheets {
                    path: input.clone(),
                });
            }
            files.sort();
            out.extend(files.into_iter().map(|path| InputFile {
                path,
                in_folder: true,
            }));
        } else if let Some(what) = special_kind(&meta) {
            return Err(IngestError::SpecialFile {
                path: input.clone(),
                what,
            });
        } else {
            out.push(InputFile {
                path: input.clone(),
                in_folder: false,
            });
        }
    }
    Ok(out)
}

/// Open a file to read, checked first: an error naming the file when it cannot be read,
/// is a FIFO or device (checked before opening: opening a FIFO blocks until a writer
/// comes), or is larger than `limit`.
pub(crate) fn open_input(path: &Path, limit: u64) -> Result<std::fs::File, IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if let Some(what) = special_kind(&meta) {
        return Err(IngestError::SpecialFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.len() > limit {
        return Err(too_large(path, limit, "--max-input-size"));
    }
    std::fs::File::open(path).map_err(|e| io_error(path, &e))
}

/// The bytes of a file, at most `limit` of them (an error naming the file when it cannot
/// be read, is a FIFO or device, or is larger). The reading itself stops one byte past
/// the limit, whatever the file claims its size to be.
pub(crate) fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, IngestError> {
    let file = open_input(path, limit)?;
    let size = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, &e))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large(path, limit, "--max-input-size"));
    }
    Ok(bytes)
}

/// The first `n` bytes of an open file (fewer when it is shorter), read from its start.
pub(crate) fn head_of(
    path: &Path,
    file: &mut std::fs::File,
    n: u64,
) -> Result<Vec<u8>, IngestError> {
    let mut head = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.by_ref().take(n).read_to_end(&mut head))
        .map_err(|e| io_error(path, &e))?;
    Ok(head)
}

/// The SHA-256 of a file's bytes, read in blocks (at most `limit` of them).
pub(crate) fn hash_file(path: &Path, limit: u64) -> Result<[u8; 32], IngestError> {
    use sha2::Digest;
    let mut file = open_input(path, limit)?;
    let mut hasher = sha2::Sha256::new();
    let mut total = 0u64;
    scan(&mut file, 0, |_, block, _| {
        total += block.len() as u64;
        hasher.update(block);
        total <= limit
    })
    .map_err(|e| io_error(path, &e))?;
    if total > limit {
        return Err(too_large(path, limit, "--max-input-size"));
    }
    Ok(hasher.finalize().into())
}

/// Read a file's grids: a CSV is one grid, a workbook one grid per visible, non-empty
/// worksheet (hidden and empty sheets are listed in [`FileGrids::ignored`]).
pub fn read_grids(path: &Path, opts: &IngestOptions) -> Result<FileGrids, IngestError> {
    check_extension(path)?;
    let bytes = read_bytes(path, opts.limits.input)?;
    read_grids_from(path, bytes, opts)
}

/// Whether a file is read as CSV (by its extension).
pub(crate) fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Extensions of web-system exports read when a file is named on the command line
/// (HTML tables, SpreadsheetML 2003). A folder's `.htm`, `.html` and `.xml` files are not
/// read: saved web pages and other XML beside the ledgers are not tables to audit. (A web
/// export named `.xls`, as they come, is read in a folder like any `.xls`.)
pub(crate) const WEB_EXTENSIONS: [&str; 3] = ["htm", "html", "xml"];

/// Whether the path has one of the [`WEB_EXTENSIONS`] (any case).
pub(crate) fn is_web_page(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WEB_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Characters of a file's start (after any BOM) that [`web_format`] looks at.
const HEAD: usize = 4096;

/// Bytes of a file's start that [`web_format`] needs (the head and the longest BOM).
pub(crate) const WEB_HEAD_BYTES: u64 = HEAD as u64 + 4;

/// What a file that is text markup holds (recognized by content, whatever its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebFormat {
    /// An HTML page: its tables are read ([`super::html`]).
    Html,
    /// Excel 2003's XML Spreadsheet ([`super::spreadsheetml`]).
    SpreadsheetMl,
}

/// Whether bytes are an HTML page or a SpreadsheetML workbook: after any BOM and
/// whitespace they start with `<`. SpreadsheetML is told by its
/// `<?mso-application progid="Excel.Sheet"?>` or the namespace
/// `urn:schemas-microsoft-com:office:spreadsheet` (Excel's own "Save as Web Page" HTML
/// declares `urn:schemas-microsoft-com:office:excel` and is HTML). With `strict` (a file
/// named `.csv`) an HTML page must also show `<html`, `<table` or a doctype in its head.
pub(crate) fn web_format(bytes: &[u8], strict: bool) -> Option<WebFormat> {
    let head: String = match Encoding::for_bom(bytes) {
        Some((enc, len)) if enc != encoding_rs::UTF_8 => {
            let body = bytes.get(len..).unwrap_or(&[]);
            let body = body.get(..HEAD).unwrap_or(body);
            enc.decode_without_bom_handling(body).0.into_owned()
        }
        Some((_, len)) => {
            let body = bytes.get(len..).unwrap_or(&[]);
            String::from_utf8_lossy(body.get(..HEAD).unwrap_or(body)).into_owned()
        }
        None => String::from_utf8_lossy(bytes.get(..HEAD).unwrap_or(bytes)).into_owned(),
    };
    let head = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if !head.starts_with('<') {
        return None;
    }
    let lower = head.to_ascii_lowercase();
    let mso = lower.find("<?mso-application").is_some_and(|at| {
        lower.get(at..).is_some_and(|r| {
            r.split("?>")
                .next()
                .unwrap_or_default()
                .contains("excel.sheet")
        })
    });
    let html_at = lower.find("<html");
    let ss_at = lower.find("urn:schemas-microsoft-com:office:spreadsheet");
    let ss = match (ss_at, html_at) {
        (Some(s), Some(h)) => s < h,
        (Some(_), None) => true,
        _ => false,
    };
    if mso || ss {
        return Some(WebFormat::SpreadsheetMl);
    }
    if strict
        && !(html_at.is_some() || lower.contains("<table") || lower.contains("<!doctype html"))
    {
        return None;
    }
    Some(WebFormat::Html)
}

/// Whether a table's `encoding` ([`Grid::encoding`], `TableInfo::encoding`) names the
/// format it was read from rather than only a CSV's encoding: "HTML 表格 / HTML table,
/// GB2312", "SpreadsheetML 2003 (XML 表格)".
pub(crate) fn is_format_label(encoding: &str) -> bool {
    encoding.starts_with(super::html::FORMAT) || encoding.starts_with(super::spreadsheetml::FORMAT)
}

/// Whether a file is read as a CSV: named `.csv` and not a web export (an HTML page or
/// SpreadsheetML workbook named `.csv` is read as what it is).
pub(crate) fn reads_as_csv(path: &Path, bytes: &[u8]) -> bool {
    is_csv(path) && web_format(bytes, true).is_none()
}

fn check_extension(path: &Path) -> Result<(), IngestError> {
    if is_spreadsheet(path) || is_web_page(path) {
        Ok(())
    } else {
        Err(IngestError::Unsupported {
            path: path.to_path_buf(),
        })
    }
}

/// [`read_grids`] on bytes already read from `path`.
pub fn read_grids_from(
    path: &Path,
    bytes: Vec<u8>,
    opts: &IngestOptions,
) -> Result<FileGrids, IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    check_extension(path)?;
    if bytes.is_empty() {
        return Err(IngestError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    opts.progress.file(path);
    let web = web_format(&bytes, ext == "csv").or_else(|| {
        // A file named .htm, .html or .xml is a web page, or nothing zhibiao reads.
        is_web_page(path).then_some(WebFormat::Html)
    });
    match web {
        Some(WebFormat::Html) => {
            return super::html::read_html(path, bytes, opts.encoding, &opts.limits, &opts.progress)
        }
        Some(WebFormat::SpreadsheetMl) => {
            return super::spreadsheetml::read_spreadsheetml(
                path,
                &bytes,
                opts.encoding,
                &opts.limits,
                &opts.progress,
            )
        }
        None => {}
    }
    if ext == "csv" {
        let grid = read_csv_limited(path, &bytes, opts.encoding, &opts.limits, &opts.progress)?;
        Ok(FileGrids {
            grids: vec![grid],
            ignored: Vec::new(),
        })
    } else {
        if bytes.starts_with(ZIP_MAGIC) {
            check_zip_parts(path, &bytes, opts.limits.input)?;
        }
        read_workbook_limited(path, &ext, bytes, &opts.limits, &opts.progress)
    }
}

// ------------------------------------------------------------------------------ CSV

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The 1-based line of byte `offset` of `bytes` (for messages naming a bad byte).
pub(super) fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// Decode without replacement; `Err(offset)` at the first malformed sequence.
pub(crate) fn decode_strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut done = 0usize;
    loop {
        let rest = bytes.get(done..).unwrap_or(&[]);
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut out, true);
        done += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::Malformed(bad, extra) => {
                return Err(done.saturating_sub(bad as usize + extra as usize))
            }
            DecoderResult::OutputFull => out.reserve(rest.len().saturating_mul(3) + 16),
        }
    }
}

/// Check bytes decode without replacement, without keeping the text; `Err(offset)` at
/// the first malformed sequence, as [`decode_strict`] gives it.
pub(super) fn validate_strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<(), usize> {
    let mut check = Strict::new(encoding);
    check.feed(bytes, true);
    match check.failed {
        None => Ok(()),
        Some(at) => Err(usize::try_from(at).unwrap_or(usize::MAX)),
    }
}

/// A check that bytes fed block by block decode in an encoding without replacement (a
/// character may be split between blocks); the decoded text is not kept.
struct Strict {
    /// The decoder; none for UTF-8, which is validated where it lies (`simdutf8`): decoding
    /// a national CSV into a scratch buffer only to check it was 1.7 % of its audit's CPU.
    decoder: Option<encoding_rs::Decoder>,
    /// Bytes fed so far.
    done: u64,
    out: Vec<u8>,
    /// UTF-8: the first bytes of a character that the next block ends.
    split: Vec<u8>,
    /// The offset of the first malformed sequence, once found.
    failed: Option<u64>,
}

impl Strict {
    fn new(encoding: &'static Encoding) -> Strict {
        let utf8 = encoding == encoding_rs::UTF_8;
        Strict {
            decoder: (!utf8).then(|| encoding.new_decoder_without_bom_handling()),
            done: 0,
            out: if utf8 { Vec::new() } else { vec![0u8; 1 << 16] },
            split: Vec::new(),
            failed: None,
        }
    }

    /// Feed the next bytes (`last`: no more follow); false once a malformed sequence has
    /// been found.
    fn feed(&mut self, mut bytes: &[u8], last: bool) -> bool {
        if self.failed.is_some() {
            return false;
        }
        let Some(decoder) = &mut self.decoder else {
            return self.feed_utf8(bytes, last);
        };
        loop {
            let (result, read, _) =
                decoder.decode_to_utf8_without_replacement(bytes, &mut self.out, last);
            self.done += read as u64;
            bytes = bytes.get(read..).unwrap_or_default();
            match result {
                DecoderResult::InputEmpty => return true,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, extra) => {
                    self.failed = Some(self.done.saturating_sub(u64::from(bad) + u64::from(extra)));
                    return false;
                }
            }
        }
    }

    /// [`Strict::feed`] for UTF-8: the first malformed sequence is where the valid text ends
    /// (a character split between blocks is put together first).
    fn feed_utf8(&mut self, mut bytes: &[u8], last: bool) -> bool {
        if let Some(&lead) = self.split.first() {
            let len: usize = match lead {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                _ => 2,
            };
            let take = len.saturating_sub(self.split.len()).min(bytes.len());
            self.split
                .extend_from_slice(bytes.get(..take).unwrap_or_default());
            bytes = bytes.get(take..).unwrap_or_default();
            self.done += take as u64;
            if self.split.len() < len && !last {
                return true;
            }
            let start = self.done - self.split.len() as u64;
            if let Err(e) = simdutf8::compat::from_utf8(&self.split) {
                self.failed = Some(start + e.valid_up_to() as u64);
                return false;
            }
            self.split.clear();
        }
        match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => {
                self.done += bytes.len() as u64;
                true
            }
            // A character the next block ends.
            Err(e) if e.error_len().is_none() && !last => {
                self.split
                    .extend_from_slice(bytes.get(e.valid_up_to()..).unwrap_or_default());
                self.done += bytes.len() as u64;
                true
            }
            Err(e) => {
                self.failed = Some(self.done + e.valid_up_to() as u64);
                false
            }
        }
    }
}

/// Bytes read at a time when a CSV is scanned before it is parsed (encoding checks, the
/// delimiter's line, the line of a bad byte).
const SCAN_BLOCK: usize = 1 << 20;

/// Read `src` from byte `from` to its end in blocks, giving `f` each block's offset, the
/// block, and whether it is the last (an empty block at the end), until `f` returns false.
fn scan<R: Read + Seek>(
    src: &mut R,
    from: u64,
    mut f: impl FnMut(u64, &[u8], bool) -> bool,
) -> std::io::Result<()> {
    src.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; SCAN_BLOCK];
    let mut at = from;
    loop {
        let n = match src.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let block = buf.get(..n).unwrap_or_default();
        if !f(at, block, n == 0) || n == 0 {
            return Ok(());
        }
        at += n as u64;
    }
}

/// The 1-based line of byte `offset` of a file read by [`scan`] (for messages naming a bad
/// byte; a read error leaves the count where it got to).
fn line_in<R: Read + Seek>(src: &mut R, offset: u64) -> usize {
    let mut newlines = 0usize;
    let _ = scan(src, 0, |at, block, _| {
        let end = usize::try_from(offset.saturating_sub(at))
            .unwrap_or(usize::MAX)
            .min(block.len());
        newlines += memchr::memchr_iter(b'\n', block.get(..end).unwrap_or_default()).count();
        at + (block.len() as u64) < offset
    });
    newlines + 1
}

/// The encoding of a CSV: which one, how many bytes of BOM to skip, and its name for
/// reports. The whole file has been checked to decode in it.
pub(super) struct CsvEncoding {
    pub(super) encoding: &'static Encoding,
    pub(super) skip: usize,
    pub(super) label: String,
    /// UTF-8 found from the first [`GUESS_BYTES`] alone (a large file: see
    /// [`detect_csv_in`]); a byte further on that UTF-8 does not allow, or a NUL, is then
    /// [`IngestError::GuessedEncoding`].
    pub(super) guessed: bool,
}

/// Bytes of a large CSV whose encoding is guessed from them alone ([`GUESS_MIN`]).
pub(crate) const GUESS_BYTES: usize = if cfg!(test) { 1 << 10 } else { 1 << 20 };

/// A CSV at least this long, read from its file with no encoding given and no BOM, is read
/// as UTF-8 when its first [`GUESS_BYTES`] are UTF-8 with no NUL, without reading it whole
/// first to check (national-28's organizations: 389 MB read once more before the first
/// record, a fifth of a core for the first half second). Every record is checked as it
/// is parsed anyway; the first that fails has the file read again from its start, its
/// encoding found from all its bytes ([`IngestError::GuessedEncoding`]). A GBK ledger
/// fails within its header row.
pub(crate) const GUESS_MIN: u64 = if cfg!(test) { 8 << 10 } else { 8 << 20 };

/// Decode a CSV's bytes: the forced encoding, else UTF-8 (with or without BOM), else
/// GB18030/GBK; UTF-16 with a BOM is read too. Returns the text and the encoding name.
#[cfg(test)]
pub(crate) fn decode_csv(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<(String, String), IngestError> {
    let found = detect_csv(path, bytes, forced)?;
    let body = bytes.get(found.skip..).unwrap_or(&[]);
    let (text, _) = found.encoding.decode_without_bom_handling(body);
    Ok((text.into_owned(), found.label))
}

/// The encoding of a CSV's bytes (as `decode_csv` decodes them), checked without keeping a
/// decoded copy.
pub(super) fn detect_csv(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<CsvEncoding, IngestError> {
    detect_csv_in(path, &mut Cursor::new(bytes), forced, false)
}

/// [`detect_csv`] on a file (or bytes) read in blocks, from the start once or twice:
/// the forced encoding or the BOM's is checked in one pass; otherwise one pass looks for
/// a NUL byte and checks UTF-8, and, when the text is not UTF-8, a second checks GB18030
/// and guesses GBK against GB18030 for the label. Offsets and messages are those of the
/// whole-file checks.
fn detect_csv_in<R: Read + Seek>(
    path: &Path,
    src: &mut R,
    forced: Option<&'static Encoding>,
    guess: bool,
) -> Result<CsvEncoding, IngestError> {
    let io = |e: std::io::Error| io_error(path, &e);
    let decode_error = |src: &mut R, offset: u64, message: String| IngestError::Decode {
        path: path.to_path_buf(),
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        line: line_in(src, offset),
        message,
    };
    let found = |encoding, skip, label: String| CsvEncoding {
        encoding,
        skip,
        label,
        guessed: false,
    };
    let mut first = Vec::with_capacity(8);
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    src.by_ref().take(8).read_to_end(&mut first).map_err(io)?;
    // The first malformed offset (after `skip`) of the whole text in `enc`.
    let check = |src: &mut R, enc: &'static Encoding, skip: usize| {
        let mut strict = Strict::new(enc);
        scan(src, skip as u64, |_, block, last| strict.feed(block, last)).map_err(io)?;
        Ok::<_, IngestError>(strict.failed)
    };
    if let Some(enc) = forced {
        let skip = match Encoding::for_bom(&first) {
            Some((bom_enc, len)) if bom_enc == enc => len,
            _ => 0,
        };
        return match check(src, enc, skip)? {
            None => Ok(found(enc, skip, enc.name().to_string())),
            Some(off) => Err(decode_error(
                src,
                off + skip as u64,
                format!("不是有效的 {} 编码 / not valid {}", enc.name(), enc.name()),
            )),
        };
    }
    if first.starts_with(ZIP_MAGIC) || first.starts_with(CFB_MAGIC) {
        return Err(IngestError::BadWorkbook {
            path: path.to_path_buf(),
            message: "扩展名为 .csv，但内容是 Excel/ODS 工作簿；请改正扩展名 / named .csv but holds a workbook; fix the extension".into(),
        });
    }
    if let Some((enc, len)) = Encoding::for_bom(&first) {
        let label = if enc == encoding_rs::UTF_8 {
            "UTF-8 (BOM)".to_string()
        } else {
            enc.name().to_string()
        };
        return match check(src, enc, len)? {
            None => Ok(found(enc, len, label)),
            Some(off) => Err(decode_error(
                src,
                off + len as u64,
                format!(
                    "文件以 {} BOM 开头但内容无效 / starts with a {} BOM but is not valid",
                    enc.name(),
                    enc.name()
                ),
            )),
        };
    }
    if guess && src.seek(SeekFrom::End(0)).map_err(io)? >= GUESS_MIN {
        let mut head = Vec::with_capacity(GUESS_BYTES);
        src.seek(SeekFrom::Start(0)).map_err(io)?;
        src.by_ref()
            .take(GUESS_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(io)?;
        let mut utf8 = Strict::new(encoding_rs::UTF_8);
        // (A character cut at the end of the first bytes is no fault.)
        if memchr::memchr(0, &head).is_none() && utf8.feed(&head, false) {
            return Ok(CsvEncoding {
                guessed: true,
                ..found(encoding_rs::UTF_8, 0, "UTF-8".to_string())
            });
        }
    }
    let mut nul = None;
    let mut utf8 = Strict::new(encoding_rs::UTF_8);
    scan(src, 0, |at, block, last| {
        if let Some(i) = memchr::memchr(0, block) {
            nul = Some(at + i as u64);
            return false;
        }
        utf8.feed(block, last);
        true
    })
    .map_err(io)?;
    if let Some(nul) = nul {
        return Err(decode_error(
            src,
            nul,
            "含有二进制数据（NUL 字节），不是文本 CSV / binary data, not a text CSV".into(),
        ));
    }
    let Some(utf8_err) = utf8.failed else {
        return Ok(found(encoding_rs::UTF_8, 0, "UTF-8".to_string()));
    };
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let mut gb = Strict::new(encoding_rs::GB18030);
    scan(src, 0, |_, block, last| {
        detector.feed(block, last);
        gb.feed(block, last)
    })
    .map_err(io)?;
    match gb.failed {
        None => {
            let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
            let label = if guess == encoding_rs::GBK {
                "GBK"
            } else {
                "GB18030"
            };
            Ok(found(encoding_rs::GB18030, 0, label.to_string()))
        }
        Some(gb_err) => Err(decode_error(
            src,
            // The encoding that got further is the likelier one; its failure is the place
            // to look at.
            utf8_err.max(gb_err),
            format!(
                "既不是 UTF-8（第 {utf8_err} 字节出错）也不是 GBK/GB18030（第 {gb_err} 字节出错）；可用 --encoding 指定编码 / neither UTF-8 (bad byte at {utf8_err}) nor GBK/GB18030 (bad byte at {gb_err}); use --encoding"
            ),
        )),
    }
}

/// Tab or comma: whichever the first non-blank line of the text from byte `from` on has
/// more of (comma on a tie). The text is ASCII-compatible in `encoding` (lines are decoded
/// one by one until the first non-blank one).
fn sniff_delimiter<R: Read + Seek>(
    src: &mut R,
    from: u64,
    encoding: &'static Encoding,
) -> std::io::Result<u8> {
    let of_line = |line: &[u8]| {
        let (text, _) = encoding.decode_without_bom_handling(line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        if text.trim().is_empty() {
            return None;
        }
        let tabs = text.matches('\t').count();
        let commas = text.matches(',').count();
        Some(if tabs > commas { b'\t' } else { b',' })
    };
    let mut line: Vec<u8> = Vec::new();
    let mut found = None;
    scan(src, from, |_, block, last| {
        let mut rest = block;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            line.extend_from_slice(rest.get(..i).unwrap_or_default());
            found = of_line(&line);
            if found.is_some() {
                return false;
            }
            line.clear();
            rest = rest.get(i + 1..).unwrap_or_default();
        }
        line.extend_from_slice(rest);
        if last {
            found = of_line(&line);
        }
        true
    })?;
    Ok(found.unwrap_or(b','))
}

#[cfg(test)]
fn read_csv(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<Grid, IngestError> {
    read_csv_limited(
        path,
        bytes,
        forced,
        &Limits::default(),
        &ProgressHook::default(),
    )
}

/// Read a whole CSV into a grid (see [`CsvRows`]).
fn read_csv_limited(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<Grid, IngestError> {
    let mut csv = CsvRows::open(path, bytes, forced, *limits, progress.clone())?;
    let mut rows = Vec::new();
    while let Some(row) = csv.next_row()? {
        rows.push(row);
    }
    let grid = csv.grid(rows);
    if grid.is_blank() {
        return Err(IngestError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(grid)
}

/// The text a CSV's records are read from: bytes in memory, or the file itself after its
/// BOM (at most the input limit and one byte more, to tell a file that grew past it).
enum Body<'a> {
    Bytes(Cursor<Cow<'a, [u8]>>),
    File(std::io::Take<std::fs::File>),
}

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Body::Bytes(c) => c.read(buf),
            Body::File(f) => f.read(buf),
        }
    }
}

/// Bytes of the text before the last counted line start that [`Tap`] keeps at most: the
/// window is cut back once it holds more.
const TAP_KEEP: usize = 1 << 20;

/// The text passed on to the csv reader, with a window of it kept from the last record
/// whose line was counted: records come in order, so the newlines before each record's
/// first byte are counted from the window and the window is cut back behind them.
struct Tap<'a> {
    body: Body<'a>,
    window: Vec<u8>,
    /// The offset in the text of `window[0]`.
    base: u64,
    /// Bytes passed on.
    read: u64,
}

impl Read for Tap<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.body.read(buf)?;
        self.window
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        self.read += n as u64;
        Ok(n)
    }
}

impl Tap<'_> {
    fn window_at(&self, pos: u64) -> usize {
        usize::try_from(pos.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.window.len())
    }

    fn byte(&self, pos: u64) -> Option<u8> {
        let i = usize::try_from(pos.checked_sub(self.base)?).ok()?;
        self.window.get(i).copied()
    }

    /// Newlines in the text's bytes `from..to` (those still in the window).
    fn newlines(&self, from: u64, to: u64) -> usize {
        let (a, b) = (self.window_at(from), self.window_at(to));
        self.window
            .get(a..b)
            .map_or(0, |s| memchr::memchr_iter(b'\n', s).count())
    }

    /// The bytes before `pos` are no longer needed: cut them once they are many.
    fn forget_before(&mut self, pos: u64) {
        let n = self.window_at(pos);
        if n >= TAP_KEEP {
            self.window.drain(..n);
            self.base += n as u64;
        }
    }
}

/// A CSV read record by record, from its bytes or streamed from its file, one reused
/// record, each field decoded on its own (the delimiters, quotes and line ends of UTF-8,
/// GBK and GB18030 are single ASCII bytes that never occur inside a character); no decoded
/// copy of the file and no line index are kept. UTF-16 (not ASCII-compatible) is decoded
/// first, whole.
pub(crate) struct CsvRows<'a> {
    path: PathBuf,
    reader: csv::Reader<Tap<'a>>,
    delimiter: u8,
    record: csv::ByteRecord,
    encoding: &'static Encoding,
    label: String,
    /// The encoding was guessed from the first bytes ([`CsvEncoding::guessed`]).
    guessed: bool,
    /// Bytes before the text (a BOM), for offsets in errors.
    skip: usize,
    /// Bytes in the text (after the BOM), for [`CsvRows::records_expected`].
    len: u64,
    /// The most the text may hold (the input limit less the BOM).
    max: u64,
    /// Newlines counted up to this byte of the text.
    counted_to: u64,
    newlines: usize,
    /// Newlines before the current record's first byte.
    before_start: usize,
    /// Records read.
    read: u64,
    /// The end of the file was reached.
    done: bool,
    limits: Limits,
    progress: ProgressHook,
}

/// The csv reader's buffer: records are split from this many bytes read at a time.
const CSV_BUFFER: usize = 1 << 18;

impl<'a> CsvRows<'a> {
    /// Detect the encoding and delimiter of a CSV's bytes and get ready to read it.
    pub fn open(
        path: &Path,
        bytes: &'a [u8],
        forced: Option<&'static Encoding>,
        limits: Limits,
        progress: ProgressHook,
    ) -> Result<CsvRows<'a>, IngestError> {
        let found = detect_csv(path, bytes, forced)?;
        let body = bytes.get(found.skip..).unwrap_or(&[]);
        let (data, encoding): (Cow<'a, [u8]>, &'static Encoding) =
            if found.encoding.is_ascii_compatible() {
                (Cow::Borrowed(body), found.encoding)
            } else {
                let (text, _) = found.encoding.decode_without_bom_handling(body);
                (
                    Cow::Owned(text.into_owned().into_bytes()),
                    encoding_rs::UTF_8,
                )
            };
        let delimiter = sniff_delimiter(&mut Cursor::new(&data[..]), 0, encoding)
            .map_err(|e| io_error(path, &e))?;
        let len = data.len() as u64;
        let body = Body::Bytes(Cursor::new(data));
        Ok(CsvRows::start(
            path,
            body,
            (delimiter, encoding, len, u64::MAX),
            found,
            limits,
            progress,
        ))
    }

    /// Detect the encoding and delimiter of a CSV file (opened by [`open_input`], `len`
    /// bytes long) and get ready to read its records from the file: the file is read once
    /// or twice to check its encoding, then streamed.
    pub fn open_file(
        path: &Path,
        file: std::fs::File,
        forced: Option<&'static Encoding>,
        limits: Limits,
        progress: ProgressHook,
    ) -> Result<CsvRows<'static>, IngestError> {
        Self::open_file_guessing(path, file, forced, limits, progress, false)
    }

    /// [`CsvRows::open_file`], guessing the encoding of a large file from its first bytes
    /// when `guess` ([`GUESS_MIN`]): its reading may then end in
    /// [`IngestError::GuessedEncoding`], for the caller to open it again without guessing.
    pub fn open_file_guessing(
        path: &Path,
        mut file: std::fs::File,
        forced: Option<&'static Encoding>,
        limits: Limits,
        progress: ProgressHook,
        guess: bool,
    ) -> Result<CsvRows<'static>, IngestError> {
        let io = |e: std::io::Error| io_error(path, &e);
        let found = detect_csv_in(path, &mut file, forced, guess)?;
        let max = limits.input.saturating_sub(found.skip as u64);
        if !found.encoding.is_ascii_compatible() {
            let mut bytes = Vec::new();
            file.seek(SeekFrom::Start(found.skip as u64)).map_err(io)?;
            file.take(max.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io)?;
            if bytes.len() as u64 > max {
                return Err(too_large(path, limits.input, "--max-input-size"));
            }
            let (text, _) = found.encoding.decode_without_bom_handling(&bytes);
            let data = text.into_owned().into_bytes();
            drop(bytes);
            let delimiter =
                sniff_delimiter(&mut Cursor::new(&data[..]), 0, encoding_rs::UTF_8).map_err(io)?;
            let len = data.len() as u64;
            let body = Body::Bytes(Cursor::new(Cow::Owned(data)));
            let shape = (delimiter, encoding_rs::UTF_8, len, u64::MAX);
            return Ok(CsvRows::start(path, body, shape, found, limits, progress));
        }
        let skip = found.skip as u64;
        let delimiter = sniff_delimiter(&mut file, skip, found.encoding).map_err(io)?;
        let len = file
            .seek(SeekFrom::End(0))
            .map_err(io)?
            .saturating_sub(skip);
        file.seek(SeekFrom::Start(skip)).map_err(io)?;
        let body = Body::File(file.take(max.saturating_add(1)));
        let shape = (delimiter, found.encoding, len, max);
        Ok(CsvRows::start(path, body, shape, found, limits, progress))
    }

    fn start(
        path: &Path,
        body: Body<'a>,
        (delimiter, encoding, len, max): (u8, &'static Encoding, u64, u64),
        found: CsvEncoding,
        limits: Limits,
        progress: ProgressHook,
    ) -> CsvRows<'a> {
        let tap = Tap {
            body,
            window: Vec::new(),
            base: 0,
            read: 0,
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(tap);
        CsvRows {
            path: path.to_path_buf(),
            reader,
            delimiter,
            record: csv::ByteRecord::new(),
            encoding,
            label: found.label,
            guessed: found.guessed,
            skip: found.skip,
            len,
            max,
            counted_to: 0,
            newlines: 0,
            before_start: 0,
            read: 0,
            done: false,
            limits,
            progress,
        }
    }

    /// Line numbers: the csv crate reports where it started reading, which may be a blank
    /// line it skipped; count the newlines before the record's first byte instead (records
    /// come in order: the count goes on from the previous record).
    fn line_of(&mut self, start: u64) -> u32 {
        let tap = self.reader.get_ref();
        if start >= self.counted_to {
            self.newlines += tap.newlines(self.counted_to, start);
            self.counted_to = start;
            self.before_start = self.newlines;
        } else {
            self.before_start = self
                .newlines
                .saturating_sub(tap.newlines(start, self.counted_to));
        }
        let mut at = start;
        while tap.byte(at).is_some_and(|b| b == b'\n' || b == b'\r') {
            at += 1;
        }
        if at > self.counted_to {
            self.newlines += tap.newlines(self.counted_to, at);
            self.counted_to = at;
        }
        let counted_to = self.counted_to.min(start);
        self.reader.get_mut().forget_before(counted_to);
        u32::try_from(self.newlines + 1).unwrap_or(u32::MAX)
    }

    fn undecodable(&self, start: u64) -> IngestError {
        if self.guessed {
            return IngestError::GuessedEncoding {
                path: self.path.clone(),
            };
        }
        let offset = usize::try_from(start).unwrap_or(usize::MAX);
        IngestError::Decode {
            path: self.path.clone(),
            offset: offset.saturating_add(self.skip),
            line: self.before_start + 1,
            message: format!("不是有效的 {0} 编码 / not valid {0}", self.label),
        }
    }

    /// The next record as a row; `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<GridRow>, IngestError> {
        if self.done {
            return Ok(None);
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                if self.reader.get_ref().read > self.max {
                    // The file grew past the limit after it was checked.
                    return Err(too_large(&self.path, self.limits.input, "--max-input-size"));
                }
                self.done = true;
                self.progress.rows(self.read % ProgressHook::BATCH);
                return Ok(None);
            }
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(io_error(&self.path, io));
                }
                return Err(IngestError::Csv {
                    path: self.path.clone(),
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    message: e.to_string(),
                });
            }
        }
        let start = self.record.position().map_or(0, |p| p.byte());
        let number = self.line_of(start);
        let path = &self.path;
        let table = || path.display().to_string();
        // Records are counted against the row limit; the line number names the place.
        self.read += 1;
        self.limits.check_row(&table, self.read)?;
        let line = u64::from(number);
        if self.record.len() > self.limits.columns as usize {
            self.limits
                .check_column(&table, line, self.record.len() as u64)?;
        }
        let mut cells = Vec::with_capacity(self.record.len());
        for (col, field) in self.record.iter().enumerate() {
            if field.is_empty() {
                cells.push(Cell::Empty);
                continue;
            }
            if self.guessed && memchr::memchr(0, field).is_some() {
                return Err(self.undecodable(start));
            }
            let Some(text) = self
                .encoding
                .decode_without_bom_handling_and_without_replacement(field)
            else {
                return Err(self.undecodable(start));
            };
            self.limits
                .check_cell(&table, line, col as u64 + 1, &text)?;
            cells.push(Cell::Text(text.into_owned()));
        }
        if self.read.is_multiple_of(ProgressHook::BATCH) {
            self.progress.rows(ProgressHook::BATCH);
        }
        Ok(Some(GridRow { number, cells }))
    }

    /// How many records the whole file holds, estimated from the bytes the records read
    /// so far took (at most the row limit; `0` before any record). Used only to reserve
    /// room for the rows at once instead of growing (and copying) their list step by step.
    pub(crate) fn records_expected(&self) -> usize {
        let pos = self.reader.position().byte();
        if self.read == 0 || pos == 0 {
            return 0;
        }
        let estimate = self.read.saturating_mul(self.len) / pos;
        usize::try_from(estimate.min(u64::from(self.limits.rows))).unwrap_or(0)
    }

    /// Up to `n` more rows (fewer at the end of the file).
    pub(crate) fn next_rows(&mut self, n: usize) -> Result<Vec<GridRow>, IngestError> {
        let mut rows = Vec::with_capacity(n.min(1 << 16));
        while rows.len() < n {
            match self.next_row()? {
                Some(r) => rows.push(r),
                None => break,
            }
        }
        Ok(rows)
    }

    /// A grid of this file holding the given rows.
    pub fn grid(&self, rows: Vec<GridRow>) -> Grid {
        Grid {
            file: self.path.clone(),
            sheet: None,
            encoding: Some(self.label.clone()),
            rows,
            merges: Vec::new(),
        }
    }
}

// -------------------------------------------------------------------------- workbooks

/// A workbook's bytes, shared: calamine reads them through a cursor while the thread that
/// finds the merged cells ([`MergesAhead`]) reads them too, and a format tried first that
/// fails leaves them for the next (a province's XLSX is ~10 MB: no copy for either).
#[derive(Clone)]
struct SharedBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

type BookBytes = Cursor<SharedBytes>;

enum Book {
    Xlsx(Xlsx<BookBytes>),
    Xls(Xls<BookBytes>),
    Ods(Ods<BookBytes>),
}

pub(super) fn bad(path: &Path, message: impl Into<String>) -> IngestError {
    IngestError::BadWorkbook {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn format_name(ext: &str) -> &'static str {
    match ext {
        "xls" => "XLS",
        "ods" => "ODS",
        "xlsm" => "XLSM",
        _ => "XLSX",
    }
}

fn open_book(path: &Path, ext: &str, shared: SharedBytes) -> Result<Book, IngestError> {
    let bytes: &[u8] = shared.as_ref();
    let fmt = format_name(ext);
    let not_valid = |detail: &str| {
        bad(
            path,
            format!("不是有效的 {fmt} 文件{detail} / not a valid {fmt} workbook (damaged, or not a spreadsheet?)"),
        )
    };
    let encrypted = || {
        bad(
            path,
            format!("不是有效的 {fmt} 文件：工作簿受密码保护或已加密，请先取消密码 / not a valid {fmt} workbook (password-protected or encrypted)"),
        )
    };
    if bytes.starts_with(ZIP_MAGIC) {
        let ods_first = ext == "ods";
        let try_ods = |b: SharedBytes| Ods::new(Cursor::new(b)).map(Book::Ods);
        let try_xlsx = |b: SharedBytes| Xlsx::new(Cursor::new(b)).map(Book::Xlsx);
        if ods_first {
            if let Ok(book) = try_ods(shared.clone()) {
                return Ok(book);
            }
            return try_xlsx(shared).map_err(|_| not_valid(""));
        }
        if let Ok(book) = try_xlsx(shared.clone()) {
            return Ok(book);
        }
        return try_ods(shared).map_err(|_| not_valid(""));
    }
    if bytes.starts_with(CFB_MAGIC) {
        if cfb_chains_loop(bytes) {
            return Err(not_valid(
                "：OLE 扇区链成环，文件已损坏 / a sector chain loops",
            ));
        }
        // An OLE/CFB container: an XLS, or an encrypted XLSX (EncryptedPackage).
        match Xlsx::new(Cursor::new(shared.clone())) {
            Ok(book) => return Ok(Book::Xlsx(book)),
            Err(calamine::XlsxError::Password) => return Err(encrypted()),
            Err(_) => {}
        }
        match xls_fault(bytes) {
            Ok(None) => {}
            Ok(Some(XlsFault::FarCell { row, col })) => {
                return Err(not_valid(&format!(
                    "：第 {row} 行第 {col} 列有单元格，超出 XLS 的 256 列，文件已损坏 / a cell at row {row}, column {col}, beyond the 256 columns of the format"
                )));
            }
            Ok(Some(XlsFault::Dimensions { rows, cols })) => {
                return Err(not_valid(&format!(
                    "：工作表声明的范围为 {rows} 行 × {cols} 列，超出 XLS 的 65536 行 × 256 列，文件已损坏 / a sheet declares {rows} rows × {cols} columns, beyond the 65,536 × 256 of the format"
                )));
            }
            // calamine is more lenient than the cfb crate and, on a container damaged
            // the wrong way, grows without bound (found by fuzzing: 24 GB): never hand
            // it a container whose structure does not hold.
            Err(()) if ext == "xls" => {
                return Err(not_valid(
                    "：OLE 复合文件结构损坏 / the OLE container is damaged",
                ));
            }
            Err(()) => {
                return Err(bad(
                    path,
                    format!("不是有效的 {fmt} 文件：这是 OLE 复合文件，可能受密码保护或已加密 / not a valid {fmt} workbook (password-protected?)"),
                ));
            }
        }
        return match Xls::new(Cursor::new(shared.clone())) {
            Ok(book) => Ok(Book::Xls(book)),
            Err(calamine::XlsError::Password) => Err(encrypted()),
            Err(_) if ext != "xls" => Err(bad(
                path,
                format!("不是有效的 {fmt} 文件：这是 OLE 复合文件，可能受密码保护或已加密 / not a valid {fmt} workbook (password-protected?)"),
            )),
            Err(_) => Err(not_valid("")),
        };
    }
    let head = bytes.iter().take(512).copied().collect::<Vec<u8>>();
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    if head.trim_start().starts_with('<') {
        return Err(not_valid(
            "：内容是 HTML/XML 网页，请用 Excel 另存为真正的工作簿",
        ));
    }
    Err(not_valid(""))
}

/// Why an XLS workbook stream is refused before calamine reads it.
#[derive(Debug, PartialEq, Eq)]
enum XlsFault {
    /// A cell beyond the format's 256 columns (1-based row and column).
    FarCell { row: u32, col: u32 },
    /// A sheet's DIMENSIONS record declares more rows or columns than the format has:
    /// calamine reserves room for every cell of that rectangle up front (found by
    /// fuzzing: a record asking for 1.7 PB aborted the process).
    Dimensions { rows: u64, cols: u64 },
}

/// The first reason to refuse an XLS (BIFF) workbook stream before calamine reads it: a
/// cell beyond the format's 256 columns, or a sheet's DIMENSIONS beyond 65,536 × 256
/// ([`xls_dimensions`]). calamine builds each sheet as a dense range
/// over the bounding box of its cells before any limit of ours can apply: one crafted cell
/// at column 62,980 asked for 22 GB (found by fuzzing). Within 256 columns and BIFF's
/// 65,536 rows the box stays bounded. `Ok(None)` when every cell is in range; `Err(())`
/// when the container or its workbook stream cannot be read (damaged, or no workbook).
fn xls_fault(bytes: &[u8]) -> Result<Option<XlsFault>, ()> {
    /// Records that start with a cell's row and column (u16 each): FORMULA, RSTRING,
    /// LABELSST, BLANK, NUMBER, LABEL, BOOLERR, RK; MULRK and MULBLANK start with the row
    /// and first column and end with the last column.
    const CELL: [u16; 8] = [
        0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E,
    ];
    const MULTI: [u16; 2] = [0x00BD, 0x00BE];
    const DIMENSIONS: u16 = 0x0200;
    const COLUMNS: u16 = 256;
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| ())?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or(())?;
    let mut stream = Vec::new();
    // The stream lies inside the file already in memory: its size is bounded by it.
    let mut reader = file.open_stream(name).map_err(|_| ())?;
    std::io::Read::read_to_end(&mut reader, &mut stream).map_err(|_| ())?;
    let u16_at = |b: &[u8], o: usize| b.get(o..o + 2).map(|x| u16::from_le_bytes([x[0], x[1]]));
    let mut at = 0usize;
    while let (Some(kind), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let body = stream.get(at + 4..at + 4 + usize::from(len)).unwrap_or(&[]);
        at += 4 + usize::from(len);
        let col = if CELL.contains(&kind) {
            u16_at(body, 2)
        } else if MULTI.contains(&kind) {
            body.len().checked_sub(2).and_then(|o| u16_at(body, o))
        } else {
            None
        };
        if let (Some(row), Some(col)) = (u16_at(body, 0), col) {
            if col >= COLUMNS {
                return Ok(Some(XlsFault::FarCell {
                    row: u32::from(row) + 1,
                    col: u32::from(col) + 1,
                }));
            }
        }
        if kind == DIMENSIONS {
            if let Some(fault) = xls_dimensions(body) {
                return Ok(Some(fault));
            }
        }
    }
    Ok(None)
}

/// The rectangle a DIMENSIONS record makes calamine reserve, read as calamine reads it
/// (`parse_dimensions` in calamine's xls.rs, with its wrapping arithmetic), when it is
/// larger than BIFF8's 65,536 rows × 256 columns.
fn xls_dimensions(body: &[u8]) -> Option<XlsFault> {
    let u16_at = |o: usize| {
        body.get(o..o + 2)
            .map(|x| u32::from(u16::from_le_bytes([x[0], x[1]])))
    };
    let u32_at = |o: usize| {
        body.get(o..o + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
    };
    let (rf, rl, cf, cl) = match body.len() {
        10 => (u16_at(0)?, u16_at(2)?, u16_at(4)?, u16_at(6)?),
        14 | 16 => (u32_at(0)?, u32_at(4)?, u16_at(8)?, u16_at(10)?),
        _ => return None,
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl < 1 || cl < 1 {
        return None;
    }
    let rows = u64::from((rl - 1).wrapping_sub(rf).wrapping_add(1));
    let cols = u64::from((cl - 1).wrapping_sub(cf).wrapping_add(1));
    (rows > 65_536 || cols > 256).then_some(XlsFault::Dimensions { rows, cols })
}

/// Whether the sector allocation table (FAT) of an OLE/CFB container has a cycle.
/// calamine follows a chain until its end marker with no bound (the directory chain is
/// read whole): a loop in a damaged or crafted file grows memory until the process dies
/// (found by fuzzing: 25 KB asked for 2.7 GB). A real file's chains all end, so a cycle
/// anywhere in the table means the file is damaged. The table is read the way calamine
/// reads it (the header's 109 DIFAT entries, then the DIFAT chain, bounded); a table
/// that cannot be read is left to calamine, which then fails on it with an error.
fn cfb_chains_loop(bytes: &[u8]) -> bool {
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    let u32_at = |o: usize| {
        bytes
            .get(o..o.saturating_add(4))
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let sector_size: usize = match bytes.get(0x1E..0x20) {
        Some([9, 0]) => 512,
        Some([12, 0]) => 4096,
        _ => return false,
    };
    let maxid = bytes.len() / sector_size;
    let sector = |id: u32| -> Option<Vec<u32>> {
        let start = (id as usize).checked_add(1)?.checked_mul(sector_size)?;
        // A last sector cut short by the end of the file is read as far as it goes, as
        // calamine reads it.
        let data = bytes.get(start..)?;
        let data = data.get(..sector_size).unwrap_or(data);
        Some(
            data.chunks_exact(4)
                .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
                .collect(),
        )
    };
    let mut difat: Vec<u32> = (0..109).filter_map(|i| u32_at(0x4C + 4 * i)).collect();
    let mut next = u32_at(0x44).unwrap_or(u32::MAX);
    let mut steps = 0usize;
    while next < RESERVED {
        steps += 1;
        if steps > maxid + 1 {
            return false; // calamine refuses this chain itself
        }
        let Some(ids) = sector(next) else {
            return false;
        };
        difat.extend(ids);
        next = difat.pop().unwrap_or(u32::MAX);
    }
    let mut fat: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        match sector(id) {
            Some(ids) => fat.extend(ids),
            None => return false,
        }
    }
    // Cycle search over the functional graph sector → next sector: each sector is visited
    // once (0 unseen, 1 on the current path, 2 known to end).
    let nodes = fat.len().min(maxid + 1);
    let mut state = vec![0u8; nodes];
    let mut path = Vec::new();
    for start in 0..nodes {
        let mut at = start;
        while state.get(at) == Some(&0) {
            state[at] = 1;
            path.push(at);
            at = fat.get(at).map_or(usize::MAX, |&n| n as usize);
        }
        if state.get(at) == Some(&1) {
            return true;
        }
        for p in path.drain(..) {
            state[p] = 2;
        }
    }
    false
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => datetime_cell(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

fn datetime_cell(dt: &calamine::ExcelDateTime) -> Cell {
    if dt.is_datetime() {
        let (y, mo, da, h, mi, s, _) = dt.to_ymd_hms_milli();
        NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(da))
            .and_then(|date| date.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s)))
            .map(Cell::DateTime)
            .unwrap_or_else(|| Cell::Number(dt.as_f64()))
    } else {
        Cell::Number(dt.as_f64())
    }
}

/// [`convert`] for the values of calamine's streaming cell reader (same cells).
fn convert_ref(d: &DataRef<'_>) -> Cell {
    value_of(d).into_cell()
}

/// A value of calamine's streaming cell reader as the cell [`convert_ref`] makes of it,
/// its text still borrowed.
enum Value<'a> {
    Text(Cow<'a, str>),
    /// Never [`Cell::Text`].
    Cell(Cell),
}

impl Value<'_> {
    fn into_cell(self) -> Cell {
        match self {
            Value::Text(t) => Cell::Text(t.into_owned()),
            Value::Cell(c) => c,
        }
    }
}

fn value_of<'a>(d: &'a DataRef<'_>) -> Value<'a> {
    let text = |s: &'a str| Value::Text(Cow::Borrowed(s));
    match d {
        DataRef::Empty => Value::Cell(Cell::Empty),
        DataRef::String(s) if s.is_empty() => Value::Cell(Cell::Empty),
        DataRef::SharedString("") => Value::Cell(Cell::Empty),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Int(i) => Value::Cell(Cell::Number(*i as f64)),
        DataRef::Float(f) => Value::Cell(Cell::Number(*f)),
        DataRef::Bool(b) => Value::Cell(Cell::Bool(*b)),
        DataRef::DateTime(dt) => Value::Cell(datetime_cell(dt)),
        DataRef::Error(e) => Value::Text(Cow::Owned(e.to_string())),
    }
}

/// The rows of a dense range (XLS, ODS): every row from the first to the last with a
/// stored cell; each row's cells by sheet column, trailing empty cells dropped. The
/// range's declared extent is checked against the limits before any row is built.
fn range_rows(
    range: &Range<Data>,
    limits: &Limits,
    table: &dyn Fn() -> String,
) -> Result<Vec<GridRow>, IngestError> {
    let (Some((r0, c0)), Some((r1, _))) = (range.start(), range.end()) else {
        return Ok(Vec::new());
    };
    limits.check_row(table, u64::from(r1) + 1)?;
    let c0 = c0 as usize;
    let mut out = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        let number = u64::from(r0) + i as u64 + 1;
        let mut cells = Vec::with_capacity(c0 + row.len());
        cells.resize(c0, Cell::Empty);
        cells.extend(row.iter().map(convert));
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        for (c, cell) in cells.iter().enumerate() {
            limits.check(table, number, c as u64 + 1, cell)?;
        }
        out.push(GridRow {
            number: number.try_into().unwrap_or(u32::MAX),
            cells,
        });
    }
    Ok(out)
}

/// Rows built from the cells of calamine's streaming XLSX reader, which come in sheet
/// order (row by row) in practice but are not required to: a row seen again is merged
/// when the rows are finished. Only stored cells cost memory: a stray cell far to the
/// right or far down adds one row of that width, never a dense rectangle.
struct SparseRows {
    /// (0-based row, cells by 0-based column), in the order first seen.
    rows: Vec<(u32, Vec<Cell>)>,
    /// Whether `rows` is in strictly increasing row order.
    sorted: bool,
}

impl SparseRows {
    fn new() -> SparseRows {
        SparseRows {
            rows: Vec::new(),
            sorted: true,
        }
    }

    /// One stored cell (a cell calamine reports as `Empty` is not stored and is not
    /// passed here; an empty string is, and makes its row part of the sheet).
    fn put(&mut self, row: u32, col: u32, cell: Cell) {
        let current = match self.rows.last_mut() {
            Some((r, cells)) if *r == row => cells,
            last => {
                if last.is_some_and(|(r, _)| *r > row) {
                    self.sorted = false;
                }
                self.rows.push((row, Vec::new()));
                match self.rows.last_mut() {
                    Some((_, cells)) => cells,
                    None => return,
                }
            }
        };
        let col = col as usize;
        if col >= current.len() {
            if cell == Cell::Empty {
                return;
            }
            current.resize(col + 1, Cell::Empty);
        }
        if let Some(slot) = current.get_mut(col) {
            *slot = cell;
        }
    }

    /// Every row from the first to the last stored one (rows in between empty), as
    /// [`range_rows`] gives them for a dense range.
    fn finish(mut self) -> Vec<GridRow> {
        if !self.sorted {
            self.rows.sort_by_key(|(r, _)| *r);
            let mut merged: Vec<(u32, Vec<Cell>)> = Vec::with_capacity(self.rows.len());
            for (r, cells) in self.rows {
                match merged.last_mut() {
                    Some((last, into)) if *last == r => {
                        if into.len() < cells.len() {
                            into.resize(cells.len(), Cell::Empty);
                        }
                        for (slot, c) in into.iter_mut().zip(cells) {
                            if c != Cell::Empty {
                                *slot = c;
                            }
                        }
                    }
                    _ => merged.push((r, cells)),
                }
            }
            self.rows = merged;
        }
        let mut out = Vec::with_capacity(self.rows.len());
        let mut next: Option<u32> = None;
        for (r, mut cells) in self.rows {
            if let Some(n) = next {
                out.extend((n..r).map(|gap| GridRow {
                    number: gap.saturating_add(1),
                    cells: Vec::new(),
                }));
            }
            while cells.last().is_some_and(|c| *c == Cell::Empty) {
                cells.pop();
            }
            out.push(GridRow {
                number: r.saturating_add(1),
                cells,
            });
            next = Some(r.saturating_add(1));
        }
        out
    }
}

/// The rows of an XLSX worksheet, read cell by cell with calamine's streaming reader
/// (never a dense range sized by the sheet's bounding box), each cell checked against
/// the limits as it comes.
fn xlsx_rows(
    book: &mut Xlsx<BookBytes>,
    path: &Path,
    name: &str,
    limits: &Limits,
    table: &dyn Fn() -> String,
    progress: &ProgressHook,
) -> Result<Vec<GridRow>, IngestError> {
    let Some(mut cells) = SheetCells::open(book, (path, name), (limits, table, progress))? else {
        return Ok(Vec::new());
    };
    let mut rows = SparseRows::new();
    while let Some((r, c, cell)) = cells.next()? {
        rows.put(r, c, cell);
    }
    Ok(rows.finish())
}

/// The stored cells of an XLSX worksheet in reading order, read with calamine's
/// streaming reader: each as (0-based row, 0-based column, cell), checked against the
/// limits, its row reported to the progress hook.
struct SheetCells<'a, 'b> {
    reader: calamine::XlsxCellReader<'a, BookBytes>,
    sheet: (&'b Path, &'b str),
    hooks: (&'b Limits, &'b dyn Fn() -> String, &'b ProgressHook),
    last_row: Option<u32>,
    /// Rows not yet reported.
    pending: u64,
}

impl<'a, 'b> SheetCells<'a, 'b> {
    /// `None` when the sheet is not a worksheet (as calamine's own `worksheet_range`:
    /// no cells).
    fn open(
        book: &'a mut Xlsx<BookBytes>,
        sheet: (&'b Path, &'b str),
        hooks: (&'b Limits, &'b dyn Fn() -> String, &'b ProgressHook),
    ) -> Result<Option<Self>, IngestError> {
        let (path, name) = sheet;
        let reader = match book.worksheet_cells_reader(name) {
            Ok(r) => r,
            Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(None),
            Err(e) => return Err(sheet_error(path, name, &e)),
        };
        Ok(Some(SheetCells {
            reader,
            sheet,
            hooks,
            last_row: None,
            pending: 0,
        }))
    }

    /// The next stored cell; `None` after the last (its rows reported).
    fn next(&mut self) -> Result<Option<(u32, u32, Cell)>, IngestError> {
        self.next_with(|v| v.into_cell())
    }

    /// The next stored cell as `put` makes it of its value, once the cell passed the
    /// limits; `None` after the last (its rows reported).
    fn next_with<T>(
        &mut self,
        put: impl FnOnce(Value<'_>) -> T,
    ) -> Result<Option<(u32, u32, T)>, IngestError> {
        let (limits, table, progress) = self.hooks;
        loop {
            let cell = match self.reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => {
                    progress.rows(std::mem::take(&mut self.pending));
                    return Ok(None);
                }
                Err(e) => return Err(sheet_error(self.sheet.0, self.sheet.1, &e)),
            };
            let value = cell.get_value();
            if *value == DataRef::Empty {
                continue;
            }
            let (r, c) = cell.get_position();
            if self.last_row != Some(r) {
                self.last_row = Some(r);
                self.pending += 1;
                if self.pending == ProgressHook::BATCH {
                    progress.rows(std::mem::take(&mut self.pending));
                }
            }
            let row = u64::from(r) + 1;
            limits.check_row(table, row)?;
            let value = value_of(value);
            check_value(limits, table, (row, u64::from(c) + 1), &value)?;
            return Ok(Some((r, c, put(value))));
        }
    }
}

/// [`Limits::check`] of the cell a value makes, without making it.
fn check_value(
    limits: &Limits,
    table: &dyn Fn() -> String,
    (row, col): (u64, u64),
    value: &Value<'_>,
) -> Result<(), IngestError> {
    match value {
        Value::Cell(Cell::Empty) => Ok(()),
        Value::Cell(_) => limits.check_column(table, row, col),
        Value::Text(t) => {
            limits.check_column(table, row, col)?;
            limits.check_cell(table, row, col, t)
        }
    }
}

fn sheet_error(path: &Path, name: &str, e: &dyn std::fmt::Display) -> IngestError {
    bad(
        path,
        format!("工作表“{name}”无法读取 / sheet '{name}' cannot be read: {e}"),
    )
}
fn merges_of(dims: Vec<Dimensions>) -> Vec<Merge> {
    dims.into_iter()
        .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
        .map(|d| Merge {
            rows: (d.start.0.saturating_add(1), d.end.0.saturating_add(1)),
            cols: (d.start.1 as usize, d.end.1 as usize),
        })
        .filter(|m| m.rows != (m.rows.0, m.rows.0) || m.cols.0 != m.cols.1)
        .collect()
}

#[cfg(test)]
fn read_workbook(path: &Path, ext: &str, bytes: Vec<u8>) -> Result<FileGrids, IngestError> {
    read_workbook_limited(
        path,
        ext,
        bytes,
        &Limits::default(),
        &ProgressHook::default(),
    )
}

fn read_workbook_limited(
    path: &Path,
    ext: &str,
    bytes: Vec<u8>,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<FileGrids, IngestError> {
    let mut out = FileGrids::default();
    workbook_pieces(
        path,
        ext,
        bytes,
        (limits, progress),
        None,
        &mut |piece| match piece {
            Stream::Head(grid) => out.grids.push(grid),
            Stream::Passed(p) => out.ignored.push(p),
            // Every sheet is handed on whole: no batches, never read again.
            Stream::Rows(..) | Stream::Cells(..) | Stream::Restart => {}
        },
    )?;
    Ok(out)
}

/// Whether [`read_grids_from`] reads these bytes as a zipped workbook (XLSX, XLSM, or an
/// ODS): a spreadsheet's extension other than CSV, and a ZIP archive, not a web page.
pub(crate) fn zipped_workbook(path: &Path, bytes: &[u8]) -> bool {
    is_spreadsheet(path)
        && !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        && bytes.starts_with(ZIP_MAGIC)
        && web_format(bytes, false).is_none()
}

/// Whether these bytes are a zipped workbook ([`zipped_workbook`]) of one sheet, an XLSX
/// worksheet by its workbook's relationships: one table at most. Its parts are read only
/// when their declared sizes are within `limit` (as before any workbook is read).
pub(crate) fn single_worksheet(path: &Path, bytes: &[u8], limit: u64) -> bool {
    if !zipped_workbook(path, bytes) || check_zip_parts(path, bytes, limit).is_err() {
        return false;
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    merged::one_worksheet(&mut zip)
}

/// How the XLSX worksheets of a workbook read as a stream are handed on: the rows of a
/// sheet's head and of each batch after it, and whether to wait for a sheet's merged
/// cells once its head is read (the tests, for pieces that do not depend on timing).
/// Otherwise the rows are held until the merged cells come and reading goes on: they
/// are read on a thread of their own ([`MergesAhead`]) that must read the whole sheet
/// first, so waiting would stall the reading, and a limit reached far below the head
/// (a workbook inflating to gigabytes) would be found only after it.
pub(crate) type StreamSizes = ((usize, usize), bool);

/// [`read_grids_from`] of a zipped workbook ([`zipped_workbook`]; the caller reports
/// the file to the progress hook) as a stream: each XLSX worksheet's first `head_rows`
/// rows (more until one is not blank), then batches of `batch_rows` rows, handed to
/// `sink` as they are read ([`Stream`]); an ODS sheet whole. The same rows, names, merges
/// and errors as [`read_grids_from`], whatever the sizes; after a [`Stream::Restart`]
/// the workbook is handed on again from its first sheet.
pub(crate) fn stream_workbook(
    path: &Path,
    bytes: Vec<u8>,
    (limits, progress): (&Limits, &ProgressHook),
    sizes: StreamSizes,
    sink: &mut dyn FnMut(Stream),
) -> Result<(), IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    check_extension(path)?;
    if bytes.is_empty() {
        return Err(IngestError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if bytes.starts_with(ZIP_MAGIC) {
        check_zip_parts(path, &bytes, limits.input)?;
    }
    workbook_pieces(path, &ext, bytes, (limits, progress), Some(sizes), sink)
}

/// [`book_pieces`], a panic of calamine on a damaged file turned into an error.
fn workbook_pieces(
    path: &Path,
    ext: &str,
    bytes: Vec<u8>,
    hooks: (&Limits, &ProgressHook),
    sizes: Option<StreamSizes>,
    sink: &mut dyn FnMut(Stream),
) -> Result<(), IngestError> {
    // calamine is well behaved, but a damaged file must never bring the program down.
    let result = catch_unwind(AssertUnwindSafe(|| {
        book_pieces(path, ext, bytes, hooks, sizes, sink)
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(bad(
            path,
            format!(
                "不是有效的 {} 文件（读取时出错） / not a valid workbook (reading failed)",
                format_name(ext)
            ),
        )),
    }
}

/// The merged cells of an XLSX's visible worksheets, read on a thread of their own while
/// the cells are read: each sheet's part is inflated and only what follows its cells is
/// read as XML ([`merged`]); calamine, which reads the whole sheet's XML a second time
/// (as much work as reading the cells), is asked only when that fails. The thread shares
/// the workbook's bytes and is not waited for: when reading stops early (a limit
/// reached), it ends by itself after the sheet it is on. A workbook whose sheets it cannot
/// list (no relationships to follow) gets none from it: the reader asks calamine.
struct MergesAhead {
    rx: std::sync::mpsc::Receiver<(String, Vec<Dimensions>)>,
    got: HashMap<String, Vec<Dimensions>>,
}

/// The merged cells of a sheet asked of [`MergesAhead`] without waiting.
enum Ahead {
    /// Read.
    Ready(Vec<Dimensions>),
    /// Not read yet.
    NotYet,
    /// The thread has none to give (it failed: the caller reads them itself).
    Gone,
}

impl MergesAhead {
    /// Start the thread on a zipped workbook's bytes, before calamine opens it: the sheets
    /// are those its workbook lists as visible worksheets (the names calamine gives them),
    /// so that their merged cells are known by the time calamine, which reads the shared
    /// strings first, gives the first cells.
    fn start(bytes: SharedBytes) -> Option<MergesAhead> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("xlsx-merges".into())
            .spawn(move || {
                let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes.as_ref())) else {
                    return;
                };
                let Some(sheets) = merged::visible_worksheets(&mut zip) else {
                    return;
                };
                let mut book: Option<Xlsx<_>> = None;
                for (name, part) in sheets {
                    let merges = match merged::merged_cells(&mut zip, &part) {
                        Some(m) => m,
                        None => {
                            if book.is_none() {
                                book = Xlsx::new(Cursor::new(bytes.clone())).ok();
                            }
                            match book.as_mut() {
                                Some(b) => b.merge_cells_by_sheet_name(&name).unwrap_or_default(),
                                None => return,
                            }
                        }
                    };
                    if tx.send((name, merges)).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(MergesAhead {
            rx,
            got: HashMap::new(),
        })
    }

    /// The merged cells of sheet `name`, waiting for them; `None` when the thread has
    /// none to give (it failed: the caller reads them itself).
    fn take(&mut self, name: &str) -> Option<Vec<Dimensions>> {
        loop {
            if let Some(m) = self.got.remove(name) {
                return Some(m);
            }
            let (n, m) = self.rx.recv().ok()?;
            self.got.insert(n, m);
        }
    }

    /// [`MergesAhead::take`] without waiting.
    fn try_take(&mut self, name: &str) -> Ahead {
        loop {
            if let Some(m) = self.got.remove(name) {
                return Ahead::Ready(m);
            }
            match self.rx.try_recv() {
                Ok((n, m)) => {
                    self.got.insert(n, m);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => return Ahead::NotYet,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return Ahead::Gone,
            }
        }
    }
}

/// Open a workbook and hand its sheets to `sink`: each visible worksheet as a grid
/// ([`Stream::Head`]; an XLSX sheet in a head and batches when `sizes` are given, see
/// [`stream_workbook`]), each sheet passed over as a [`Stream::Passed`], in the workbook's
/// order. When the cells of an XLSX sheet read as a stream come out of row order, every
/// sheet is read again and handed on whole (after a [`Stream::Restart`] when something
/// was handed on): [`xlsx_rows`] puts them in order.
fn book_pieces(
    path: &Path,
    ext: &str,
    bytes: Vec<u8>,
    (limits, progress): (&Limits, &ProgressHook),
    sizes: Option<StreamSizes>,
    sink: &mut dyn FnMut(Stream),
) -> Result<(), IngestError> {
    let zipped = bytes.starts_with(ZIP_MAGIC);
    let shared = SharedBytes(std::sync::Arc::new(bytes));
    // The merged cells of a zipped workbook that may be an XLSX are looked for at once.
    let ahead = (zipped && ext != "ods")
        .then(|| MergesAhead::start(shared.clone()))
        .flatten();
    let mut book = open_book(path, ext, shared)?;
    let sheets = match &book {
        Book::Xlsx(b) => b.sheets_metadata().to_vec(),
        Book::Xls(b) => b.sheets_metadata().to_vec(),
        Book::Ods(b) => b.sheets_metadata().to_vec(),
    };
    let ahead = ahead.filter(|_| matches!(book, Book::Xlsx(_)));
    let mut sent = false;
    let mut counted = |p: Stream| {
        sent = true;
        sink(p);
    };
    let hooks = (limits, progress);
    if sheet_pieces(
        &mut book,
        &sheets,
        path,
        hooks,
        (sizes, ahead),
        &mut counted,
    )? {
        return Ok(());
    }
    if sent {
        sink(Stream::Restart);
    }
    // Rows are reported to the progress hook by the first reading only.
    let none = ProgressHook::default();
    sheet_pieces(
        &mut book,
        &sheets,
        path,
        (limits, &none),
        (None, None),
        sink,
    )
    .map(|_| ())
}

/// [`book_pieces`]' reading of the sheets, once: `Ok(false)` when an XLSX sheet read as
/// a stream turned out to have its cells out of row order (the reading is to be done
/// again, whole).
fn sheet_pieces(
    book: &mut Book,
    sheets: &[calamine::Sheet],
    path: &Path,
    (limits, progress): (&Limits, &ProgressHook),
    (sizes, mut ahead): (Option<StreamSizes>, Option<MergesAhead>),
    sink: &mut dyn FnMut(Stream),
) -> Result<bool, IngestError> {
    let passed = |sheet: &str, reason: PassReason| {
        Stream::Passed(PassedOver {
            file: path.to_path_buf(),
            sheet: Some(sheet.to_string()),
            reason,
        })
    };
    let (mut hidden, mut grids) = (0usize, 0usize);
    for sheet in sheets {
        let name = sheet.name.clone();
        if sheet.visible != SheetVisible::Visible {
            hidden += 1;
            sink(passed(&name, PassReason::HiddenSheet));
            continue;
        }
        if sheet.typ != SheetType::WorkSheet {
            sink(passed(&name, PassReason::NotWorksheet));
            continue;
        }
        let table = || format!("{}#{name}", path.display());
        // XLSX: streamed cell by cell. XLS and ODS: calamine's dense range (it has the
        // cells in memory already), its extent checked before rows are built.
        let (rows, known) = match (&mut *book, sizes) {
            (Book::Xlsx(b), Some(sizes)) => {
                let hooks: (_, &dyn Fn() -> String, _) = (limits, &table, progress);
                match xlsx_stream(b, path, &name, hooks, sizes, ahead.as_mut(), &mut *sink)? {
                    Streamed::Sent => {
                        grids += 1;
                        continue;
                    }
                    Streamed::Unordered => return Ok(false),
                    Streamed::Whole(rows, merges) => (rows, merges),
                }
            }
            (Book::Xlsx(b), None) => (xlsx_rows(b, path, &name, limits, &table, progress)?, None),
            (Book::Xls(b), _) => {
                let range = b
                    .worksheet_range(&name)
                    .map_err(|e| sheet_error(path, &name, &e))?;
                (range_rows(&range, limits, &table)?, None)
            }
            (Book::Ods(b), _) => {
                let range = b
                    .worksheet_range(&name)
                    .map_err(|e| sheet_error(path, &name, &e))?;
                (range_rows(&range, limits, &table)?, None)
            }
        };
        let merges = match known {
            Some(m) => m,
            None => merges_of(match &mut *book {
                Book::Xlsx(b) => match ahead.as_mut().and_then(|a| a.take(&name)) {
                    Some(m) => m,
                    None => b.merge_cells_by_sheet_name(&name).unwrap_or_default(),
                },
                Book::Xls(b) => b.merge_cells_by_sheet_name(&name).unwrap_or_default(),
                Book::Ods(_) => Vec::new(),
            }),
        };
        let grid = Grid {
            file: path.to_path_buf(),
            sheet: Some(name.clone()),
            encoding: None,
            rows,
            merges,
        };
        if grid.is_blank() {
            sink(passed(&name, PassReason::EmptySheet));
            continue;
        }
        grids += 1;
        sink(Stream::Head(grid));
    }
    if grids == 0 && hidden == 0 {
        return Err(IngestError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(true)
}

/// How an XLSX worksheet read as a stream ended.
enum Streamed {
    /// Handed on: its head, then its batches.
    Sent,
    /// Nothing of it handed on (it is shorter than a head, or its merged cells came only
    /// at its end): its rows, and its merged cells when they were taken already.
    Whole(Vec<GridRow>, Option<Vec<Merge>>),
    /// A cell came above a row already read: the sheet is to be read whole.
    Unordered,
}

/// The rows of an XLSX worksheet as [`xlsx_rows`] reads them (the same cells, limits,
/// progress and errors), handed to `sink` as they are read: the sheet's first
/// `head_rows` rows, more until one is not blank, once its merged cells are known
/// ([`MergesAhead`]; without that thread, or when it fails, nothing is handed on and the
/// caller reads them after the cells, as [`xlsx_rows`]' caller does); then batches of
/// `batch_rows` rows (see [`StreamSizes`]). Each piece holds the merged regions whose top row is in it (the
/// head also those above its first row, the last piece those below the last row).
fn xlsx_stream(
    book: &mut Xlsx<BookBytes>,
    path: &Path,
    name: &str,
    (limits, table, progress): (&Limits, &dyn Fn() -> String, &ProgressHook),
    ((head_rows, batch_rows), wait): StreamSizes,
    mut ahead: Option<&mut MergesAhead>,
    sink: &mut dyn FnMut(Stream),
) -> Result<Streamed, IngestError> {
    let Some(mut cells) = SheetCells::open(book, (path, name), (limits, table, progress))? else {
        return Ok(Streamed::Whole(Vec::new(), None));
    };
    let mut out = RowStream::default();
    // The sheet's merged cells not yet handed on, once known.
    let mut merges: Option<Vec<Merge>> = None;
    // The head, as rows; then the row being read, in the first batch.
    let head = loop {
        let Some((r, c, cell)) = cells.next()? else {
            break None;
        };
        match &mut out.current {
            Some((at, _)) if *at > r => return Ok(Streamed::Unordered),
            Some((at, cells)) if *at == r => put_cell(cells, c, cell),
            _ => {
                out.start_row(r);
                if let Some((_, cells)) = &mut out.current {
                    put_cell(cells, c, cell);
                }
                // The rows before this one are complete: hand them on when due.
                if out.rows.len() < head_rows || !out.filled {
                    continue;
                }
                if merges.is_none() {
                    if let Some(a) = ahead.as_deref_mut() {
                        let got = if wait {
                            a.take(name).map_or(Ahead::Gone, Ahead::Ready)
                        } else {
                            a.try_take(name)
                        };
                        match got {
                            Ahead::Ready(m) => merges = Some(merges_of(m)),
                            Ahead::NotYet => {}
                            Ahead::Gone => ahead = None,
                        }
                    }
                }
                if let Some(m) = &mut merges {
                    let rows = std::mem::take(&mut out.rows);
                    let merges = merges_to(m, &rows);
                    sink(Stream::Head(Grid {
                        file: path.to_path_buf(),
                        sheet: Some(name.to_string()),
                        encoding: None,
                        rows,
                        merges,
                    }));
                    let mut batch = CellBatch::from_row(r);
                    if let Some((_, cells)) = out.current.take() {
                        for (col, cell) in (0u32..).zip(cells) {
                            if cell != Cell::Empty {
                                let v = batch.own(cell);
                                batch.cells.push((r, col, v));
                            }
                        }
                    }
                    break Some((r, batch));
                }
            }
        }
    };
    let Some((mut at, mut batch)) = head else {
        drop(cells);
        out.end_row();
        return Ok(Streamed::Whole(out.rows, merges));
    };
    // Batches of cells, cut where a row starts.
    while let Some((r, c, v)) = cells.next_with(|v| batch.store(v))? {
        if r < at {
            return Ok(Streamed::Unordered);
        }
        let mut v = v;
        if r > at {
            at = r;
            batch.rows.1 = r;
            if batch.len() >= batch_rows {
                let mut next = CellBatch::from_row(r);
                next.cells.reserve(batch.cells.len());
                next.text.reserve(batch.text.len());
                // This cell's text was put into the batch handed on: it starts the next.
                if let Stored::Text(a, b) = v {
                    v = next.text(batch.text.get(a..b).unwrap_or_default());
                    batch.text.truncate(a);
                }
                let full = std::mem::replace(&mut batch, next);
                let merges = merges
                    .as_mut()
                    .map(|m| merges_upto(m, r))
                    .unwrap_or_default();
                sink(Stream::Cells(full, merges));
            }
        }
        batch.cells.push((r, c, v));
    }
    drop(cells);
    batch.rows.1 = at.saturating_add(1);
    sink(Stream::Cells(batch, merges.unwrap_or_default()));
    Ok(Streamed::Sent)
}

/// The rows of an XLSX worksheet read as a stream ([`xlsx_stream`]), as [`SparseRows`]
/// finishes them when the cells come in row order.
#[derive(Default)]
struct RowStream {
    /// Complete rows not yet handed on.
    rows: Vec<GridRow>,
    /// The row being read: its 0-based number and cells by 0-based column.
    current: Option<(u32, Vec<Cell>)>,
    /// Whether a row that is not blank was read (before the head is handed on).
    filled: bool,
    /// The room the last row's cells took: the next row's is reserved at once, instead of
    /// growing it cell by cell (a sheet's rows are mostly of one width).
    width: usize,
}

impl RowStream {
    /// Complete the row being read, its trailing empty cells dropped.
    fn end_row(&mut self) {
        let Some((at, mut cells)) = self.current.take() else {
            return;
        };
        self.width = cells.len();
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        let row = GridRow {
            number: at.saturating_add(1),
            cells,
        };
        self.filled = self.filled || !row.is_blank();
        self.rows.push(row);
    }

    /// Complete the row being read and start row `r` (below it), the rows between them
    /// empty.
    fn start_row(&mut self, r: u32) {
        let next = self.current.as_ref().map(|(at, _)| at.saturating_add(1));
        self.end_row();
        if let Some(next) = next {
            self.rows.extend((next..r).map(|gap| GridRow {
                number: gap.saturating_add(1),
                cells: Vec::new(),
            }));
        }
        self.current = Some((r, Vec::with_capacity(self.width)));
    }
}

/// One stored cell into its row, as [`SparseRows::put`] does.
fn put_cell(cells: &mut Vec<Cell>, col: u32, cell: Cell) {
    let col = col as usize;
    if col == cells.len() {
        // The common case: the next column.
        if cell != Cell::Empty {
            cells.push(cell);
        }
        return;
    }
    if col > cells.len() {
        if cell == Cell::Empty {
            return;
        }
        cells.resize(col + 1, Cell::Empty);
    }
    if let Some(slot) = cells.get_mut(col) {
        *slot = cell;
    }
}

/// The cells of a sheet's rows after its head, as the reader thread reads them: every
/// text in one buffer, not a `String` per cell. The rows are built of them
/// ([`CellBatch::into_rows`]) where they are parsed, so that building them does not wait
/// on the thread that reads the sheet (it is the slower one).
#[derive(Debug, Default)]
pub(crate) struct CellBatch {
    /// The texts, end to end.
    text: String,
    /// The stored cells in reading order: 0-based row and column, value.
    cells: Vec<(u32, u32, Stored)>,
    /// The 0-based rows the batch holds, blank ones included: `rows.0 .. rows.1`.
    rows: (u32, u32),
}

/// A cell of a [`CellBatch`], as [`convert_ref`] makes it; a text is its span in the
/// batch's buffer.
#[derive(Debug, Clone, Copy)]
enum Stored {
    Empty,
    Text(usize, usize),
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl CellBatch {
    /// An empty batch from the 0-based row `first` on.
    fn from_row(first: u32) -> Self {
        CellBatch {
            rows: (first, first),
            ..CellBatch::default()
        }
    }

    /// The number of rows held (rows before the row being read, blank ones included).
    fn len(&self) -> usize {
        (self.rows.1 - self.rows.0) as usize
    }

    fn text(&mut self, s: &str) -> Stored {
        let start = self.text.len();
        self.text.push_str(s);
        Stored::Text(start, self.text.len())
    }

    /// A cell's value, stored.
    fn store(&mut self, v: Value<'_>) -> Stored {
        match v {
            Value::Text(t) => self.text(&t),
            Value::Cell(c) => self.own(c),
        }
    }

    /// A cell already made, stored.
    fn own(&mut self, cell: Cell) -> Stored {
        match cell {
            Cell::Empty => Stored::Empty,
            Cell::Text(s) => self.text(&s),
            Cell::Number(f) => Stored::Number(f),
            Cell::DateTime(t) => Stored::DateTime(t),
            Cell::Bool(b) => Stored::Bool(b),
        }
    }

    /// The rows, as [`RowStream`] would have made them of the same cells.
    pub(crate) fn into_rows(self) -> Vec<GridRow> {
        let CellBatch { text, cells, rows } = self;
        let mut out: Vec<GridRow> = (rows.0..rows.1)
            .map(|r| GridRow {
                number: r.saturating_add(1),
                cells: Vec::new(),
            })
            .collect();
        let mut width = 0;
        let mut at = None;
        for (r, c, v) in cells {
            let cell = match v {
                Stored::Empty => Cell::Empty,
                Stored::Text(a, b) => Cell::Text(text.get(a..b).unwrap_or_default().to_string()),
                Stored::Number(f) => Cell::Number(f),
                Stored::DateTime(t) => Cell::DateTime(t),
                Stored::Bool(b) => Cell::Bool(b),
            };
            let Some(row) = r.checked_sub(rows.0).and_then(|i| out.get_mut(i as usize)) else {
                continue;
            };
            if at != Some(r) {
                at = Some(r);
                row.cells.reserve_exact(width);
            }
            put_cell(&mut row.cells, c, cell);
            width = row.cells.len();
        }
        for row in &mut out {
            while row.cells.last().is_some_and(|c| *c == Cell::Empty) {
                row.cells.pop();
            }
        }
        out
    }
}

/// The merged regions of `merges` whose top row is at or above the last of `rows`, taken
/// out of `merges` (in their order).
fn merges_to(merges: &mut Vec<Merge>, rows: &[GridRow]) -> Vec<Merge> {
    match rows.last() {
        Some(r) => merges_upto(merges, r.number),
        None => Vec::new(),
    }
}

/// The merged regions of `merges` whose top row is at or above the 1-based row `last`,
/// taken out of `merges` (in their order).
fn merges_upto(merges: &mut Vec<Merge>, last: u32) -> Vec<Merge> {
    let (now, later) = std::mem::take(merges)
        .into_iter()
        .partition(|m| m.rows.0 <= last);
    *merges = later;
    now
}

/// Re-read the tables named by the origins and return the original cells of those rows
/// (as text, see [`Cell::text`]). Origins whose table or row is not found are left out.
pub fn original_cells(
    tables: &[TableInfo],
    origins: &[Origin],
    opts: &IngestOptions,
) -> Result<super::OriginalCells, IngestError> {
    let mut by_file: BTreeMap<&Path, Vec<Origin>> = BTreeMap::new();
    for o in origins {
        if let Some(t) = tables.get(o.table as usize) {
            by_file.entry(t.file.as_path()).or_default().push(*o);
        }
    }
    let mut out = BTreeMap::new();
    for (file, wanted) in by_file {
        if let Some(found) = csv_cells(file, &wanted, opts)? {
            out.extend(found);
            continue;
        }
        if let Some(found) = xlsx_cells(file, tables, &wanted, opts)? {
            out.extend(found);
            continue;
        }
        let grids = read_grids(file, opts)?;
        let mut index: HashMap<(Option<&str>, u32), &GridRow> = HashMap::new();
        for g in &grids.grids {
            for r in &g.rows {
                index.insert((g.sheet.as_deref(), r.number), r);
            }
        }
        for o in wanted {
            let Some(t) = tables.get(o.table as usize) else {
                continue;
            };
            if let Some(row) = index.get(&(t.sheet.as_deref(), o.row)) {
                let cells = row.cells.iter().map(|c| c.text()).collect();
                out.insert(o, cells);
            }
        }
    }
    Ok(out)
}

/// [`original_cells`] of a CSV file, streamed: only the wanted rows are kept, and the
/// reading stops after the last of them. `None` when the file is not read as a CSV.
fn csv_cells(
    path: &Path,
    wanted: &[Origin],
    opts: &IngestOptions,
) -> Result<Option<super::OriginalCells>, IngestError> {
    if !is_csv(path) {
        return Ok(None);
    }
    let mut file = open_input(path, opts.limits.input)?;
    let head = head_of(path, &mut file, WEB_HEAD_BYTES)?;
    if head.is_empty() || !reads_as_csv(path, &head) {
        return Ok(None);
    }
    let mut by_row: BTreeMap<u32, Vec<Origin>> = BTreeMap::new();
    for o in wanted {
        by_row.entry(o.row).or_default().push(*o);
    }
    let last = by_row.keys().next_back().copied().unwrap_or(0);
    let mut csv = CsvRows::open_file(
        path,
        file,
        opts.encoding,
        opts.limits,
        ProgressHook::default(),
    )?;
    let mut out = BTreeMap::new();
    while let Some(row) = csv.next_row()? {
        if let Some(origins) = by_row.get(&row.number) {
            let cells: super::OriginalRow = row.cells.iter().map(|c| c.text()).collect();
            for o in origins {
                out.insert(*o, cells.clone());
            }
        }
        if row.number >= last {
            break;
        }
    }
    Ok(Some(out))
}

/// [`original_cells`] of an XLSX workbook, streamed: each sheet named by the origins is
/// read cell by cell and only the wanted rows' cells are kept, never the sheet's rows.
/// `None` when the file is not read as an XLSX (another format, or a sheet not found:
/// the caller reads it whole).
fn xlsx_cells(
    path: &Path,
    tables: &[TableInfo],
    wanted: &[Origin],
    opts: &IngestOptions,
) -> Result<Option<super::OriginalCells>, IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !is_spreadsheet(path) || ext == "ods" || ext == "csv" {
        return Ok(None);
    }
    let bytes = read_bytes(path, opts.limits.input)?;
    if !bytes.starts_with(ZIP_MAGIC) || web_format(&bytes, false).is_some() {
        return Ok(None);
    }
    check_zip_parts(path, &bytes, opts.limits.input)?;
    // Sheet → row → the origins of that row.
    let mut by_sheet: BTreeMap<&str, HashMap<u32, Vec<Origin>>> = BTreeMap::new();
    for o in wanted {
        let Some(sheet) = tables
            .get(o.table as usize)
            .and_then(|t| t.sheet.as_deref())
        else {
            return Ok(None);
        };
        by_sheet
            .entry(sheet)
            .or_default()
            .entry(o.row)
            .or_default()
            .push(*o);
    }
    // calamine is well behaved, but a damaged file must never bring the program down.
    let read = catch_unwind(AssertUnwindSafe(|| {
        let Ok(mut book) = Xlsx::new(Cursor::new(bytes)) else {
            return Ok(None);
        };
        let mut out = BTreeMap::new();
        for (sheet, rows) in &by_sheet {
            let Ok(mut reader) = book.worksheet_cells_reader(sheet) else {
                return Ok(None);
            };
            let table = || format!("{}#{sheet}", path.display());
            let mut kept: HashMap<u32, Vec<Cell>> = HashMap::new();
            loop {
                let cell = match reader.next_cell() {
                    Ok(Some(cell)) => cell,
                    Ok(None) => break,
                    Err(e) => return Err(sheet_error(path, sheet, &e)),
                };
                let (r, c) = cell.get_position();
                let number = r.saturating_add(1);
                let value = cell.get_value();
                if !rows.contains_key(&number) || *value == DataRef::Empty {
                    continue;
                }
                let cell = convert_ref(value);
                opts.limits.check_row(&table, u64::from(number))?;
                opts.limits
                    .check(&table, u64::from(number), u64::from(c) + 1, &cell)?;
                let cells = kept.entry(number).or_default();
                let col = c as usize;
                if col >= cells.len() {
                    cells.resize(col + 1, Cell::Empty);
                }
                if let Some(slot) = cells.get_mut(col) {
                    *slot = cell;
                }
            }
            for (number, origins) in rows {
                // A row without cells is blank: no cells, as a blank row of a grid.
                let mut cells = kept.remove(number).unwrap_or_default();
                while cells.last().is_some_and(|c| *c == Cell::Empty) {
                    cells.pop();
                }
                let texts: super::OriginalRow = cells.iter().map(|c| c.text()).collect();
                for o in origins {
                    out.insert(*o, texts.clone());
                }
            }
        }
        Ok(Some(out))
    }));
    read.unwrap_or_else(|_| {
        Err(bad(
            path,
            "不是有效的 XLSX 文件（读取时出错） / not a valid workbook (reading failed)",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> PathBuf {
        PathBuf::from("t.csv")
    }

    /// The first-byte shortcut of `Cell::is_blank` agrees with the definition (every
    /// character whitespace or a zero-width one) for every character, alone, before a
    /// letter and after a blank.
    #[test]
    fn blank_shortcut_agrees_with_definition() {
        let blank_char = |c: char| {
            c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        };
        let mut blanks = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("{c}x"), format!(" {c}")] {
                let expected = s.chars().all(blank_char);
                assert_eq!(Cell::Text(s.clone()).is_blank(), expected, "{s:?}");
            }
            blanks += usize::from(blank_char(c));
        }
        // 25 Unicode whitespace characters and the 5 zero-width ones.
        assert_eq!(blanks, 30);
        assert!(Cell::Text(String::new()).is_blank());
        assert!(Cell::Text("\u{3000}\u{FEFF}\t".into()).is_blank());
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let (t, e) = decode_csv(&p(), "市,县区\n太原市,鄠邑区\n".as_bytes(), None).unwrap();
        assert_eq!(e, "UTF-8");
        assert!(t.starts_with("市,"));
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("市".as_bytes());
        let (t, e) = decode_csv(&p(), &b, None).unwrap();
        assert_eq!(e, "UTF-8 (BOM)");
        assert_eq!(t, "市");
    }

    #[test]
    fn gbk_detected_with_rare_characters() {
        let text = "市,县区,街道乡镇,社区\n西安市,鄠邑区,甘亭街道,城关社区\n忻州市,五寨县,薛圐圙乡,赤泥窊村\n";
        let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
        assert!(!had_errors);
        assert!(std::str::from_utf8(&bytes).is_err());
        let (decoded, enc) = decode_csv(&p(), &bytes, None).unwrap();
        assert_eq!(decoded, text);
        assert!(enc == "GBK" || enc == "GB18030", "{enc}");
    }

    #[test]
    fn forced_encoding_is_used() {
        let (bytes, _, _) = encoding_rs::GBK.encode("赤泥窊乡");
        let (t, e) = decode_csv(&p(), &bytes, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(t, "赤泥窊乡");
        assert_eq!(e, "GBK");
        let err = decode_csv(&p(), &bytes, Some(encoding_rs::UTF_8)).unwrap_err();
        assert!(
            matches!(err, IngestError::Decode { offset: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn undecodable_bytes_are_an_error_with_offset() {
        // "ab," then 0xFF 0xFF: invalid in UTF-8 and in GB18030.
        let bytes = [b'a', b'b', b',', 0xFF, 0xFF, b'\n'];
        match decode_csv(&p(), &bytes, None) {
            Err(IngestError::Decode { offset, .. }) => assert_eq!(offset, 3),
            other => panic!("{other:?}"),
        }
        match decode_csv(&p(), &[b'a', 0, b'b'], None) {
            Err(IngestError::Decode { offset, .. }) => assert_eq!(offset, 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn csv_rows_keep_line_numbers() {
        let text = "标题\n\n市,县区\n\"太原\n市\",小店区\n,,\n";
        let g = read_csv(&p(), text.as_bytes(), None).unwrap();
        let numbers: Vec<u32> = g.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4, 6]);
        assert_eq!(g.rows[2].cells[0], Cell::Text("太原\n市".into()));
        assert!(g.rows[3].is_blank());
    }

    #[test]
    fn empty_csv_is_an_error() {
        assert!(matches!(
            read_csv(&p(), b" \n,,\n", None),
            Err(IngestError::EmptyFile { .. })
        ));
    }

    #[test]
    fn numbers_as_text() {
        assert_eq!(Cell::Number(44256.0).text(), "44256");
        assert_eq!(Cell::Number(140105001001.0).text(), "140105001001");
        assert_eq!(Cell::Number(12.5).text(), "12.5");
        let dt = NaiveDate::from_ymd_opt(2021, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(Cell::DateTime(dt).text(), "2021-03-01");
    }

    #[test]
    fn sizes_as_people_write_them() {
        assert_eq!(parse_size("500000"), Ok(500_000));
        assert_eq!(parse_size("64K"), Ok(64 * 1024));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size(" 4 GiB "), Ok(4 << 30));
        assert_eq!(parse_size("2GB"), Ok(2 << 30));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        for bad in ["", "G", "1.5G", "-1", "0", "12X", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(size_text(2 << 30), "2 GiB");
        assert_eq!(size_text(1536), "1536 bytes");
        assert_eq!(size_text(3 << 10), "3 KiB");
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        std::fs::write(&path, vec![b'a'; 1000]).unwrap();
        assert_eq!(read_bytes(&path, 1000).unwrap().len(), 1000);
        match read_bytes(&path, 999) {
            Err(IngestError::TooLarge { limit, flag, .. }) => {
                assert_eq!((limit.as_str(), flag), ("999 bytes", "--max-input-size"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_refused_before_opening() {
        match read_bytes(Path::new("/dev/zero"), 1 << 20) {
            Err(IngestError::SpecialFile { what, .. }) => assert_eq!(what, "device"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_file(Path::new("/dev/zero"), 1, "--max-plan-size"),
            Err(IngestError::SpecialFile { .. })
        ));
    }

    #[test]
    fn a_workbook_part_larger_than_the_limit_is_refused() {
        use std::io::Write as _;
        // A ZIP whose one part unpacks to 1 MiB of zeros (deflated to a few KiB).
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            zip.write_all(&vec![0u8; 1 << 20]).unwrap();
            zip.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 1 << 16);
        match check_zip_parts(Path::new("b.xlsx"), &bytes, 1 << 19) {
            Err(IngestError::TooLarge { part, .. }) => {
                assert_eq!(part.as_deref(), Some("xl/worksheets/sheet1.xml"))
            }
            other => panic!("{other:?}"),
        }
        assert!(check_zip_parts(Path::new("b.xlsx"), &bytes, 1 << 20).is_ok());
    }

    /// DIMENSIONS records as calamine reads them: BIFF8's full 65,536 × 256 passes, one
    /// row or column more, or an end before the start (which calamine's arithmetic wraps
    /// into billions of rows), is refused.
    #[test]
    fn xls_dimensions_within_the_format_pass() {
        let biff8 = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut b = Vec::new();
            b.extend(rf.to_le_bytes());
            b.extend(rl.to_le_bytes());
            b.extend(cf.to_le_bytes());
            b.extend(cl.to_le_bytes());
            b.extend([0, 0]);
            b
        };
        assert_eq!(xls_dimensions(&biff8(0, 65_536, 0, 256)), None);
        assert_eq!(xls_dimensions(&biff8(0, 0, 0, 0)), None);
        assert_eq!(
            xls_dimensions(&biff8(0, 65_537, 0, 256)),
            Some(XlsFault::Dimensions {
                rows: 65_537,
                cols: 256
            })
        );
        assert_eq!(
            xls_dimensions(&biff8(0, 10, 0, 257)),
            Some(XlsFault::Dimensions {
                rows: 10,
                cols: 257
            })
        );
        // rows 5..=2: (2 - 5 + 1) wraps to 4,294,967,294.
        assert_eq!(
            xls_dimensions(&biff8(5, 3, 0, 1)),
            Some(XlsFault::Dimensions {
                rows: 4_294_967_294,
                cols: 1
            })
        );
    }

    /// Web exports are told apart by content: SpreadsheetML by its processing
    /// instruction or namespace, Excel's "Save as Web Page" HTML (office:excel) is HTML,
    /// and a file named .csv must look like a page to be read as one.
    #[test]
    fn web_exports_are_recognized_by_content() {
        let ss = "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook>";
        assert_eq!(
            web_format(ss.as_bytes(), false),
            Some(WebFormat::SpreadsheetMl)
        );
        let ns = "<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">";
        assert_eq!(
            web_format(ns.as_bytes(), true),
            Some(WebFormat::SpreadsheetMl)
        );
        let excel_html = "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"\n\
            xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta name=ProgId content=Excel.Sheet>";
        assert_eq!(
            web_format(excel_html.as_bytes(), false),
            Some(WebFormat::Html)
        );
        assert_eq!(
            web_format(b"\xEF\xBB\xBF \r\n<table>", true),
            Some(WebFormat::Html)
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "<html><table>".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        assert_eq!(web_format(&utf16, true), Some(WebFormat::Html));
        // A CSV whose first cell starts with '<' stays a CSV.
        assert_eq!(web_format(b"<b>,x\n1,2\n", true), None);
        assert_eq!(web_format(b"<b>,x\n1,2\n", false), Some(WebFormat::Html));
        assert_eq!(web_format(b"name,x\n", false), None);
        assert_eq!(web_format(b"", false), None);
        assert!(reads_as_csv(Path::new("a.csv"), b"a,b\n"));
        assert!(!reads_as_csv(Path::new("a.csv"), b"<html><table>"));
        assert!(!reads_as_csv(Path::new("a.xls"), b"a,b\n"));
        // .htm/.html/.xml are read when named, not in folders.
        assert!(is_web_page(Path::new("a.HTM")) && !is_spreadsheet(Path::new("a.html")));
        assert!(check_extension(Path::new("a.xml")).is_ok());
    }

    #[test]
    fn garbage_workbooks_are_errors_not_panics() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("x.xlsx", b"this is not a workbook".to_vec()),
            ("x.xlsx", {
                let mut v = CFB_MAGIC.to_vec();
                v.extend(std::iter::repeat_n(0x5Au8, 4000));
                v
            }),
            ("x.xls", vec![0xFF; 1000]),
            ("x.ods", b"PK\x03\x04garbage".to_vec()),
            ("x.xlsx", b"PK\x03\x04garbage".to_vec()),
            ("x.xls", b"<html><table></table></html>".to_vec()),
        ];
        for (name, bytes) in cases {
            let ext = name.rsplit('.').next().unwrap();
            let err = read_workbook(Path::new(name), ext, bytes).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("不是有效的"), "{name}: {msg}");
        }
        let mut v = CFB_MAGIC.to_vec();
        v.extend(std::iter::repeat_n(0x5Au8, 4000));
        let msg = read_workbook(Path::new("secret.xlsx"), "xlsx", v)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("password"), "{msg}");
    }

    /// The streamed XLSX rows are the rows calamine's dense range gave, for every sheet
    /// of the demo workbooks (title rows, merged two-row headers, gaps, notes).
    #[test]
    fn streamed_xlsx_rows_equal_the_dense_range() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let mut sheets = 0;
        for name in [
            "阳泉市社区社会组织台账.xlsx",
            "社区名单.xlsx",
            "项目与活动.xlsx",
        ] {
            let path = demo.join(name);
            let bytes = std::fs::read(&path).unwrap();
            let shared = SharedBytes(std::sync::Arc::new(bytes));
            let mut book = Xlsx::new(Cursor::new(shared)).unwrap();
            let table = || name.to_string();
            for sheet in book.sheet_names() {
                let range = book.worksheet_range(&sheet).unwrap();
                let dense = range_rows(&range, &Limits::default(), &table).unwrap();
                let streamed = xlsx_rows(
                    &mut book,
                    &path,
                    &sheet,
                    &Limits::default(),
                    &table,
                    &ProgressHook::default(),
                )
                .unwrap();
                assert_eq!(streamed, dense, "{name}#{sheet}");
                sheets += 1;
            }
        }
        assert!(sheets >= 3);
    }

    #[test]
    fn sparse_rows_out_of_order_and_gaps() {
        let t = |s: &str| Cell::Text(s.into());
        let mut rows = SparseRows::new();
        rows.put(2, 1, t("c"));
        rows.put(0, 0, t("a"));
        rows.put(2, 3, Cell::Empty); // an empty string: the row exists, no cell
        rows.put(5, 2, Cell::Empty);
        rows.put(2, 0, t("b"));
        let got = rows.finish();
        let numbers: Vec<u32> = got.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
        assert_eq!(got[0].cells, [t("a")]);
        assert!(got[1].cells.is_empty());
        assert_eq!(got[2].cells, [t("b"), t("c")]);
        assert!(got[5].cells.is_empty());
    }

    #[test]
    fn counts_are_whole_numbers_above_zero() {
        assert_eq!(parse_count("1048576"), Ok(1 << 20));
        assert_eq!(parse_count("2_000_000"), Ok(2_000_000));
        for bad in ["", "0", "-1", "1.5", "many", "99999999999"] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }

    /// All the rows of a CSV streamed from its file.
    fn file_rows(
        bytes: &[u8],
        forced: Option<&'static Encoding>,
    ) -> Result<Vec<GridRow>, IngestError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let file = open_input(&path, Limits::default().input)?;
        let mut csv = CsvRows::open_file(
            &p(),
            file,
            forced,
            Limits::default(),
            ProgressHook::default(),
        )?;
        csv.next_rows(usize::MAX)
    }

    /// A CSV streamed from its file gives the rows and line numbers worked out while the
    /// text was written, and the rows of the same bytes read from memory: the text is
    /// longer than the scan block and the line window, characters straddle block
    /// boundaries, quoted fields span lines, blank lines sit between records. A bad byte
    /// far into the file is the error, offset and line of the whole-file check.
    #[test]
    fn csv_streamed_from_file_equals_the_expected_rows() {
        let mut text = String::from("标题\n\n市,县区,名称\n");
        let mut lines = vec![1u32, 3];
        let mut line = 4u32;
        let mut i = 0u32;
        while text.len() < 3 * SCAN_BLOCK + TAP_KEEP {
            match i % 7 {
                0 => {
                    text.push_str("\r\n");
                    line += 1;
                }
                3 => {
                    text.push_str(&format!("太原市,\"小店\n区{i}\",组织{i}\n"));
                    lines.push(line);
                    line += 2;
                }
                _ => {
                    text.push_str(&format!("太原市,小店区,鄠邑组织{i}\n"));
                    lines.push(line);
                    line += 1;
                }
            }
            i += 1;
        }
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for (bytes, label) in [
            (text.as_bytes().to_vec(), "UTF-8"),
            (gbk.into_owned(), "GBK"),
            (bom, "UTF-8 (BOM)"),
        ] {
            let streamed = file_rows(&bytes, None).unwrap();
            let numbers: Vec<u32> = streamed.iter().map(|r| r.number).collect();
            assert_eq!(numbers, lines, "{label}");
            let mut mem = CsvRows::open(
                &p(),
                &bytes,
                None,
                Limits::default(),
                ProgressHook::default(),
            )
            .unwrap();
            assert_eq!(mem.label, label);
            assert_eq!(mem.next_rows(usize::MAX).unwrap(), streamed, "{label}");
            let last = streamed.last().unwrap();
            assert_eq!(last.cells[2], Cell::Text(format!("鄠邑组织{}", i - 1)));
        }
        // A bad byte past the first two scan blocks: neither UTF-8 nor GB18030.
        let at = text.len() - 100;
        let at = (at..).find(|&k| text.is_char_boundary(k)).unwrap();
        let mut bad = text.as_bytes().to_vec();
        bad.insert(at, 0xFF);
        let line = 1 + text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        for forced in [None, Some(encoding_rs::UTF_8)] {
            match file_rows(&bad, forced) {
                Err(IngestError::Decode {
                    offset, line: l, ..
                }) => {
                    assert_eq!((offset, l), (at, line), "{forced:?}")
                }
                other => panic!("{:?}", other.map(|r| r.len())),
            }
        }
        // A NUL byte there instead: binary data.
        bad[at] = 0;
        match file_rows(&bad, None) {
            Err(IngestError::Decode {
                offset,
                line: l,
                message,
                ..
            }) => {
                assert_eq!((offset, l), (at, line));
                assert!(message.contains("NUL"), "{message}");
            }
            other => panic!("{:?}", other.map(|r| r.len())),
        }
    }

    /// The original cells of an XLSX's rows, streamed ([`xlsx_cells`]), are those of the
    /// sheets read whole: every row of every table (header, data, blank, totals and note
    /// rows, merged cells, rows past the last one) of workbooks with several sheets.
    #[test]
    fn original_cells_of_an_xlsx_equal_the_whole_sheets() {
        let opts = IngestOptions::default();
        for file in [
            "fixtures/demo/阳泉市社区社会组织台账.xlsx",
            "fixtures/demo/项目与活动.xlsx",
            "fixtures/demo/社区名单.xlsx",
            "fixtures/messy/title-merged-totals.xlsx",
            "fixtures/messy/two-row-header.xlsx",
            "fixtures/messy/dates.xlsx",
        ] {
            let path = Path::new(file);
            let grids = read_grids(path, &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut tables = Vec::new();
            let mut origins = Vec::new();
            let mut whole = BTreeMap::new();
            for g in &grids.grids {
                let table = u32::try_from(tables.len()).unwrap_or(u32::MAX);
                tables.push(TableInfo::new(
                    path.to_path_buf(),
                    g.sheet.clone(),
                    super::super::TableKind::Organizations,
                ));
                let last = g.rows.last().map_or(0, |r| r.number);
                for row in 1..=last + 2 {
                    let o = Origin { table, row };
                    origins.push(o);
                    if let Some(r) = g.rows.iter().find(|r| r.number == row) {
                        let cells: super::super::OriginalRow =
                            r.cells.iter().map(|c| c.text()).collect();
                        whole.insert(o, cells);
                    }
                }
            }
            assert!(whole.len() > 10, "{file}");
            let streamed = xlsx_cells(path, &tables, &origins, &opts)
                .unwrap_or_else(|e| panic!("{file}: {e}"))
                .unwrap_or_else(|| panic!("{file}: not read as an XLSX"));
            // Rows past the sheet's last come back blank (the report writes them so).
            for o in &origins {
                let want = whole.get(o).cloned().unwrap_or_default();
                assert_eq!(
                    streamed.get(o).cloned().unwrap_or_default(),
                    want,
                    "{file} {o:?}"
                );
            }
            assert_eq!(
                original_cells(&tables, &origins, &opts).ok(),
                Some(streamed)
            );
        }
    }

    /// A row's original cells, kept in one text, are given back as they were: empty cells
    /// (at the start, inside and at the end), a line break, none past the last.
    #[test]
    fn an_original_row_gives_back_its_cells() {
        let cells = ["", "太原市", "", "小店\r\n区", ""];
        let row: crate::ingest::OriginalRow = cells.into_iter().collect();
        assert_eq!(row.len(), 5);
        assert_eq!(row.iter().collect::<Vec<_>>(), cells);
        assert_eq!(
            (row.get(0), row.get(3), row.get(4), row.get(5)),
            (Some(""), Some("小店\r\n区"), Some(""), None)
        );
        let none: crate::ingest::OriginalRow = std::iter::empty::<&str>().collect();
        assert!(none.is_empty() && none.get(0).is_none() && none.iter().next().is_none());
    }

    /// The original cells of a CSV's rows are read as a stream and equal the rows of the
    /// whole grid, for rows asked for in any order, twice, past a quoted line break, and
    /// beyond the last row (left out).
    #[test]
    fn original_cells_of_a_csv_are_streamed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("组织.csv");
        let (gbk, _, _) = encoding_rs::GBK.encode(
            "标题\r\n\r\n市,县区,名称\r\n太原市,\"小店\r\n区\",甲\r\n,,\r\n阳泉市,城区,乙\r\n",
        );
        std::fs::write(&path, &gbk).unwrap();
        let opts = IngestOptions::default();
        let at = |row| Origin { table: 0, row };
        let wanted = [at(7), at(4), at(1), at(4), at(6), at(99)];
        let found = csv_cells(&path, &wanted, &opts).unwrap().unwrap();
        let grid = read_grids(&path, &opts).unwrap().grids.remove(0);
        let whole = |n: u32| -> Option<crate::ingest::OriginalRow> {
            let r = grid.rows.iter().find(|r| r.number == n)?;
            Some(r.cells.iter().map(|c| c.text()).collect())
        };
        for o in wanted {
            assert_eq!(found.get(&o).cloned(), whole(o.row), "row {}", o.row);
        }
        let cells = |o| found[&o].iter().collect::<Vec<_>>();
        assert_eq!(cells(at(4)), ["太原市", "小店\r\n区", "甲"]);
        assert_eq!(cells(at(7)), ["阳泉市", "城区", "乙"]);
        assert!(!found.contains_key(&at(99)) && !found.contains_key(&at(2)));
        // Not a CSV: left to the grid readers.
        assert!(csv_cells(&dir.path().join("x.xlsx"), &wanted, &opts)
            .unwrap()
            .is_none());
    }

    #[test]
    fn csv_fields_decoded_one_by_one() {
        // GBK, CRLF, a quoted field over two lines, a blank line: line numbers as before.
        let text = "标题\r\n\r\n市,县区\r\n\"赤泥\r\n窊村\",薛圐圙乡\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let g = read_csv(&p(), &gbk, None).unwrap();
        let numbers: Vec<u32> = g.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4]);
        assert_eq!(g.rows[2].cells[0], Cell::Text("赤泥\r\n窊村".into()));
        assert_eq!(g.rows[2].cells[1], Cell::Text("薛圐圙乡".into()));
        assert_eq!(g.encoding.as_deref(), Some("GBK"));
        // UTF-16 with a BOM (not ASCII-compatible: decoded first), tab-separated.
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "市\t县区\n太原市\t小店区\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let g = read_csv(&p(), &utf16, None).unwrap();
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[1].cells[1], Cell::Text("小店区".into()));
        // A forced encoding that does not fit is still an error with its offset.
        let err = read_csv(&p(), &gbk, Some(encoding_rs::UTF_8)).unwrap_err();
        assert!(
            matches!(err, IngestError::Decode { offset: 0, .. }),
            "{err}"
        );
    }
}

#[cfg(test)]
mod strict_tests {
    use super::Strict;

    /// The offset of the first malformed sequence as encoding_rs's own decoder finds it, fed
    /// the bytes whole (the reference: it decoded every check before UTF-8 was validated
    /// where it lies).
    fn decoder_offset(bytes: &[u8]) -> Option<u64> {
        let mut decoder = encoding_rs::UTF_8.new_decoder_without_bom_handling();
        let mut out = vec![0u8; bytes.len() * 3 + 16];
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(bytes, &mut out, true);
        match result {
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                Some(read as u64 - u64::from(bad) - u64::from(extra))
            }
            _ => None,
        }
    }

    /// UTF-8 fed in blocks cut anywhere (inside a character too) finds the same first
    /// malformed offset as the decoder: valid text, a bad byte at every place, a character
    /// cut short inside the text and at its end, a stray continuation byte, an overlong
    /// and a surrogate sequence, four-byte characters.
    #[test]
    fn utf8_in_blocks_finds_the_decoders_offset() {
        let text = "太原市,小店区,坞城街道 𠀋 社区a\n".as_bytes().to_vec();
        let mut cases: Vec<Vec<u8>> = vec![text.clone(), Vec::new()];
        for at in 0..=text.len() {
            for bad in [
                &[0xFFu8][..],
                &[0x80],
                &[0xE5, 0x41],
                &[0xC0, 0x80],
                &[0xED, 0xA0, 0x80],
            ] {
                let mut b = text.clone();
                b.splice(at..at, bad.iter().copied());
                cases.push(b);
            }
            cases.push(text.get(..at).unwrap_or_default().to_vec());
        }
        for bytes in &cases {
            let expected = decoder_offset(bytes);
            for cut in 0..=bytes.len() {
                for second in cut..=bytes.len() {
                    let mut strict = Strict::new(encoding_rs::UTF_8);
                    let blocks = [
                        bytes.get(..cut).unwrap_or_default(),
                        bytes.get(cut..second).unwrap_or_default(),
                        bytes.get(second..).unwrap_or_default(),
                    ];
                    for b in blocks {
                        if !strict.feed(b, false) {
                            break;
                        }
                    }
                    strict.feed(&[], true);
                    assert_eq!(
                        strict.failed, expected,
                        "{bytes:x?} cut at {cut} and {second}"
                    );
                }
            }
        }
    }
}
