//! Errors that stop reading.
use std::path::PathBuf;

/// An error that makes an input unusable (as opposed to a [`super::DataIssue`]).
///
/// Messages are bilingual (Chinese first), name the file (and sheet, as `file#sheet`)
/// and, where there is one, the place in it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Cannot open or read the file.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A folder given as input holds no spreadsheet file.
    #[error("{path}: 文件夹中没有表格文件（csv、xlsx、xlsm、xls、ods） / no spreadsheet file in this folder")]
    NoSpreadsheets {
        /// The folder.
        path: PathBuf,
    },
    /// A file whose type zhibiao does not read.
    #[error("{path}: 不支持的文件类型（应为 csv、xlsx、xlsm、xls、ods，或网页导出的 htm、html、xml） / unsupported file type")]
    Unsupported {
        /// File.
        path: PathBuf,
    },
    /// The file is empty (0 bytes, or no cell with content).
    #[error("{path}: 文件为空 / empty file")]
    EmptyFile {
        /// File.
        path: PathBuf,
    },
    /// A CSV that decodes in no supported encoding.
    #[error(
        "{path}: 第 {offset} 字节处（第 {line} 行）无法解码：{message} / cannot decode at byte offset {offset} (line {line})"
    )]
    Decode {
        /// File.
        path: PathBuf,
        /// 0-based byte offset of the first bad sequence.
        offset: usize,
        /// 1-based line of that offset.
        line: usize,
        /// Which encodings were tried, and the hint.
        message: String,
    },
    /// A CSV that the CSV parser rejects.
    #[error("{path}: 第 {line} 行：CSV 格式错误：{message} / malformed CSV at line {line}")]
    Csv {
        /// File.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Parser message.
        message: String,
    },
    /// Not a readable workbook (garbage, wrong extension, password-protected, damaged).
    #[error("{path}: {message}")]
    BadWorkbook {
        /// File.
        path: PathBuf,
        /// One sentence saying what is wrong.
        message: String,
    },
    /// No header row of any table kind was found.
    #[error("{table}: 找不到表头 / no header row found\n{detail}")]
    NoHeader {
        /// `file` or `file#sheet`.
        table: String,
        /// The rows seen and, for the best-matching kind, what is missing.
        detail: String,
    },
    /// The header row fits two table kinds equally well, and neither the sheet or file
    /// name nor the values of the kind column tell them apart.
    #[error("{table}: 第 {row} 行的表头同样符合 {first} 和 {second}，请用 --kind 指定 / header row {row} fits {first} and {second} equally; use --kind\n{clues}")]
    AmbiguousHeader {
        /// `file` or `file#sheet`.
        table: String,
        /// 1-based header row.
        row: u32,
        /// One kind.
        first: &'static str,
        /// The other.
        second: &'static str,
        /// What the sheet name, file name and kind-column values said.
        clues: String,
    },
    /// The header row lacks required columns.
    #[error("{table}: {kind} 表缺少必填列 / missing required columns: {missing}\n{detail}")]
    MissingColumns {
        /// `file` or `file#sheet`.
        table: String,
        /// Table kind (English name).
        kind: &'static str,
        /// The missing columns with the names expected.
        missing: String,
        /// The header row found and the columns seen.
        detail: String,
    },
    /// Two columns map to the same field.
    #[error("{table}: 第 {row} 行的两列“{first}”和“{second}”都对应字段 {field} / columns '{first}' and '{second}' both map to {field}")]
    DuplicateColumn {
        /// `file` or `file#sheet`.
        table: String,
        /// 1-based header row.
        row: u32,
        /// Field name.
        field: &'static str,
        /// First column header.
        first: String,
        /// Second column header.
        second: String,
    },
    /// A file named on the command line that is a report or rejects file of zhibiao.
    #[error("{path}: 这是 zhibiao 的输出文件（{what}），不是台账 / an output of zhibiao ({what}), not a ledger")]
    OwnOutput {
        /// File.
        path: PathBuf,
        /// Which output ("gap_table", "rejects").
        what: String,
    },
    /// `--strict` and a spreadsheet was passed over.
    #[error("{item}\n使用了 --strict，跳过表格文件即为错误；可用 --exclude 排除它 / passed over, which is an error under --strict; use --exclude to leave it out")]
    Strict {
        /// The passed-over entry (file, sheet, reason).
        item: String,
    },
    /// An `--exclude` that matches no input file.
    #[error("--exclude {pattern}: 没有匹配的输入文件（按路径，或不含目录时按文件名） / matches no input file (by path, or by file name when no directory is given)")]
    ExcludeUnmatched {
        /// The pattern as given.
        pattern: String,
    },
    /// A FIFO, device or socket given as an input: reading it would block or never end.
    #[error("{path}: 不是普通文件（{}），不读取 / a {what}, not a regular file: zhibiao reads files and folders only", super::source::special_kind_zh(what))]
    SpecialFile {
        /// The path given.
        path: PathBuf,
        /// What it is ("FIFO", "device", …).
        what: &'static str,
    },
    /// A file (or a part inside a workbook) larger than the size limit.
    #[error("{path}{}: 超过大小上限 {limit} / larger than the limit of {limit}; raise it with {flag}", part.as_ref().map(|p| format!("#{p}")).unwrap_or_default())]
    TooLarge {
        /// File.
        path: PathBuf,
        /// The part of a ZIP workbook (`xl/worksheets/sheet1.xml`), when it is a part.
        part: Option<String>,
        /// The limit, as text (`2 GiB`).
        limit: String,
        /// The option that raises it.
        flag: &'static str,
    },
    /// A CSV read as UTF-8 on the strength of its first bytes alone
    /// ([`super::source::GUESS_BYTES`]) met a byte further on that UTF-8 does not allow (or
    /// a NUL). Never shown: the file is read again from its start, its encoding found
    /// from all its bytes first (which names such a byte when no encoding fits).
    #[error("{path}: 开头是 UTF-8，后文不是；从头按整个文件判定编码重读 / UTF-8 at its start only; read again with its encoding found from the whole file")]
    GuessedEncoding {
        /// File.
        path: PathBuf,
    },
    /// A sheet or CSV beyond a limit of its shape (rows, columns, characters in a cell):
    /// reading stops there rather than exhausting memory.
    #[error("{}", over_limit(.table, *.row, *.column, *.what, *.limit))]
    OverLimit {
        /// `file` or `file#sheet`.
        table: String,
        /// 1-based row (CSV: the line, or for the row limit the record count).
        row: u64,
        /// 1-based column, for a column or cell limit.
        column: Option<u64>,
        /// Which limit.
        what: Limit,
        /// The limit.
        limit: u64,
    },
}

/// A limit of a sheet's shape ([`IngestError::OverLimit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Rows per sheet or CSV (`--max-rows`).
    Rows,
    /// Columns (`--max-columns`).
    Columns,
    /// Characters in one cell (`--max-cell-chars`), with the count found.
    CellChars(u64),
}

impl Limit {
    /// The option that raises the limit.
    pub fn flag(self) -> &'static str {
        match self {
            Limit::Rows => "--max-rows",
            Limit::Columns => "--max-columns",
            Limit::CellChars(_) => "--max-cell-chars",
        }
    }
}

fn over_limit(table: &str, row: u64, column: Option<u64>, what: Limit, limit: u64) -> String {
    let (at_zh, at_en) = match column {
        Some(c) => (
            format!("第 {row} 行第 {c} 列"),
            format!("row {row}, column {c}"),
        ),
        None => (format!("第 {row} 行"), format!("row {row}")),
    };
    let (what_zh, what_en) = match what {
        Limit::Rows => ("行数".to_string(), "the number of rows is".to_string()),
        Limit::Columns => ("列数".to_string(), "the number of columns is".to_string()),
        Limit::CellChars(n) => (
            format!("单元格有 {n} 个字符，"),
            format!("the cell holds {n} characters,"),
        ),
    };
    let flag = what.flag();
    format!("{table}: {at_zh}：{what_zh}超过上限 {limit} / {at_en}: {what_en} over the limit of {limit}; raise it with {flag}")
}
