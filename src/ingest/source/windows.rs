//! A CSV's records after its head, read in windows of whole records, each window cut at
//! record boundaries into pieces that are split into records and parsed on their own
//! threads (no thread waits for one that splits the whole file).
//!
//! A window's records are exactly those one reader from the start of the file would give:
//! a window begins where a record begins, and its pieces are cut after a line end that ends
//! a record. When the window holds no quote character, every `\n` ends a record (a
//! delimiter, quote or line end is a single ASCII byte that never occurs inside a character
//! of the encodings read); otherwise the record ends are found by the csv crate's own
//! parser run over the window. Line numbers are counted as [`super::CsvRows`] counts them:
//! the newlines before a record's first byte, after the blank lines it skipped.

use std::borrow::Cow;
use std::io::Read;
use std::path::PathBuf;

use encoding_rs::Encoding;

use super::scan::Classes;
use super::{io_error, too_large, Body, CellRef, CsvRows, Limits, RowCells};
use crate::ingest::{IngestError, ProgressHook};

/// How a CSV's rest is cut: bytes read per window, and the fewest bytes a piece of it is
/// given a thread for (a smaller window is one piece).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowSizes {
    pub window: usize,
    pub min_piece: usize,
}

impl Default for WindowSizes {
    fn default() -> Self {
        WindowSizes {
            window: 16 << 20,
            min_piece: 1 << 20,
        }
    }
}

/// What every piece of a CSV needs to know of it.
pub(crate) struct CsvShape {
    path: PathBuf,
    delimiter: u8,
    encoding: &'static Encoding,
    label: String,
    /// The encoding was guessed from the first bytes: a byte it does not allow, or a NUL,
    /// is [`IngestError::GuessedEncoding`].
    guessed: bool,
    /// Bytes before the text (a BOM), for offsets in errors.
    skip: usize,
    limits: Limits,
    progress: ProgressHook,
}

/// The records of a CSV after its head (see [`CsvRows::rest`]), to be read window by
/// window with [`CsvRest::next_window`].
pub(crate) struct CsvRest<'a> {
    shape: CsvShape,
    body: Body<'a>,
    /// Bytes read from the body but not yet in a window (they begin a record).
    carry: Buf,
    /// The offset in the text of `carry[0]`.
    offset: u64,
    /// Newlines in the text before `carry[0]`.
    newlines: usize,
    /// Records counted so far (the head's and those of every window parsed).
    records: u64,
    /// Text bytes read from the body (the head's too).
    read: u64,
    /// Bytes in the text when it was opened (a file may still grow or shrink).
    len: u64,
    /// The most the text may hold.
    max: u64,
    eof: bool,
    sizes: WindowSizes,
    /// The bytes of a window parsed, handed back ([`CsvRest::recycle`]) to hold the next
    /// one: two buffers in turn instead of a fresh 16 MB a window (no time seen on
    /// national-28, where the allocator kept the freed ones at hand).
    spare: Buf,
}

/// Bytes read into a buffer whose every byte was written once (zeros at first): the bytes
/// read are `data[..len]`. A `Vec` read into by `read_to_end` had its free room written
/// with zeros before every read (the standard library's reading of a `Read` that cannot
/// read into room not yet written): 16 MB a window, a whole national file written twice.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    len: usize,
}

impl Buf {
    fn bytes(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or_default()
    }

    /// `bytes` in place of what it holds.
    fn set(&mut self, bytes: &[u8]) {
        if self.data.len() < bytes.len() {
            self.data.resize(bytes.len(), 0);
        }
        if let Some(to) = self.data.get_mut(..bytes.len()) {
            to.copy_from_slice(bytes);
        }
        self.len = bytes.len();
    }
}

/// The first room a buffer is given for reading ([`CsvRest::fill`]).
const FIRST_ROOM: usize = 64 << 10;

/// A window of whole records, cut into pieces.
pub(crate) struct Window {
    bytes: Buf,
    /// The offset in the text of `bytes[0]`.
    offset: u64,
    /// Newlines in the text before `bytes[0]`.
    newlines: usize,
    /// Where each piece begins; the last piece ends at the end of `bytes`.
    cuts: Vec<usize>,
    /// No byte of the window is a quote: each line is a record (see [`Records::Lines`]).
    quoteless: bool,
}

impl Window {
    /// How many pieces the window is cut into.
    pub(crate) fn pieces(&self) -> usize {
        self.cuts.len()
    }
}

impl<'a> CsvRows<'a> {
    /// The reader's records after those already read, as windows: the bytes it holds past
    /// the last record read begin the first window, and the text is read on from where
    /// the reader stopped.
    pub(crate) fn rest(self, sizes: WindowSizes) -> CsvRest<'a> {
        let next = self.reader.position().byte();
        let tap = self.reader.get_ref();
        let newlines = self.newlines + tap.newlines(self.counted_to, next);
        let from = tap.window_at(next);
        let mut carry = Buf::default();
        carry.set(tap.window.get(from..).unwrap_or_default());
        let read = tap.read;
        let body = self.reader.into_inner().body;
        CsvRest {
            shape: CsvShape {
                path: self.path,
                delimiter: self.delimiter,
                encoding: self.encoding,
                label: self.label,
                guessed: self.guessed,
                skip: self.skip,
                limits: self.limits,
                progress: self.progress,
            },
            body,
            carry,
            offset: next,
            newlines,
            records: self.read,
            read,
            len: self.len,
            max: self.max,
            eof: false,
            sizes,
            spare: Buf::default(),
        }
    }
}

/// The end of the last whole record of `bytes` (all of them at the end of the text), the
/// starts of up to `pieces` pieces of that many bytes, and whether `bytes` holds no quote;
/// `None` when `bytes` holds no whole record yet.
fn cut(bytes: &[u8], eof: bool, pieces: usize, delimiter: u8) -> Option<(usize, Vec<usize>, bool)> {
    let last_newline = memchr::memrchr(b'\n', bytes);
    let quick = memchr::memchr(b'"', bytes).is_none() && (eof || last_newline.is_some());
    if quick {
        let end = if eof {
            bytes.len()
        } else {
            last_newline.map_or(0, |i| i + 1)
        };
        if end == 0 {
            return None;
        }
        let mut cuts = vec![0];
        for k in 1..pieces {
            let target = end / pieces * k;
            let Some(last) = cuts.last().copied() else {
                break;
            };
            let from = target.max(last);
            let at = bytes
                .get(from..end)
                .and_then(|s| memchr::memchr(b'\n', s))
                .map(|i| from + i + 1);
            match at {
                Some(at) if at < end && at > last => cuts.push(at),
                _ => {}
            }
        }
        return Some((end, cuts, true));
    }
    // Quotes: a line end inside a quoted field ends no record. The record ends are those
    // the csv crate's parser finds from the start of the window.
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1 << 10];
    let mut pos = 0;
    let mut record_ends = Vec::new();
    loop {
        let input = bytes.get(pos..).unwrap_or_default();
        let (res, nin, _, _) = reader.read_record(input, &mut out, &mut ends);
        pos += nin;
        match res {
            csv_core::ReadRecordResult::Record => record_ends.push(pos),
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
            }
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => break,
        }
        if nin == 0 && pos >= bytes.len() {
            break;
        }
    }
    let end = if eof {
        bytes.len()
    } else {
        record_ends.last().copied().unwrap_or(0)
    };
    if end == 0 {
        return None;
    }
    let mut cuts = vec![0];
    let mut ends = record_ends.iter().copied().filter(|&e| e < end).peekable();
    for k in 1..pieces {
        let target = end / pieces * k;
        while ends.peek().is_some_and(|&e| e < target) {
            ends.next();
        }
        if let Some(at) = ends.next() {
            if cuts.last().is_some_and(|&last| at > last) {
                cuts.push(at);
            }
        }
    }
    Some((end, cuts, false))
}

impl CsvRest<'_> {
    /// What every piece needs to know of the CSV.
    pub(crate) fn shape(&self) -> &CsvShape {
        &self.shape
    }

    /// Read on until `carry` holds at least `want` bytes or the text ends.
    fn fill(&mut self, want: usize) -> Result<(), IngestError> {
        while !self.eof && self.carry.len < want {
            // Room for what the text still holds, up to the window (a small file never
            // writes a whole window of zeros; grown by doubling from 64 KB past the size
            // the file had), each byte of it written once for the buffer's life.
            if self.carry.data.len() == self.carry.len {
                let left = usize::try_from(self.len.saturating_sub(self.read)).unwrap_or(want);
                let grown = (self.carry.len * 2)
                    .max(self.carry.len.saturating_add(left))
                    .clamp(FIRST_ROOM, want.max(FIRST_ROOM));
                self.carry.data.resize(grown, 0);
            }
            let end = self.carry.data.len().min(want);
            let room = self
                .carry
                .data
                .get_mut(self.carry.len..end)
                .unwrap_or_default();
            let n = match self.body.read(room) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(&self.shape.path, &e)),
            };
            self.carry.len += n;
            self.read += n as u64;
            if self.read > self.max {
                return Err(too_large(
                    &self.shape.path,
                    self.shape.limits.input,
                    "--max-input-size",
                ));
            }
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The next window of whole records, cut into at most `pieces` pieces (fewer when it is
    /// small); `None` at the end of the text.
    pub(crate) fn next_window(&mut self, pieces: usize) -> Result<Option<Window>, IngestError> {
        let mut want = self.sizes.window.max(1);
        loop {
            self.fill(want)?;
            if self.carry.len == 0 {
                return Ok(None);
            }
            let pieces = pieces
                .min(self.carry.len / self.sizes.min_piece.max(1))
                .max(1);
            let delimiter = self.shape.delimiter;
            if let Some((end, cuts, quoteless)) =
                cut(self.carry.bytes(), self.eof, pieces, delimiter)
            {
                let mut rest = std::mem::take(&mut self.spare);
                rest.set(self.carry.bytes().get(end..).unwrap_or_default());
                self.carry.len = end;
                let bytes = std::mem::replace(&mut self.carry, rest);
                // UTF-8 guessed: a NUL is binary data, for the reading from the start to
                // name (each record's UTF-8 is checked as it is parsed).
                if self.shape.guessed && memchr::memchr(0, bytes.bytes()).is_some() {
                    return Err(IngestError::GuessedEncoding {
                        path: self.shape.path.clone(),
                    });
                }
                let window = Window {
                    offset: self.offset,
                    newlines: self.newlines,
                    cuts,
                    bytes,
                    quoteless,
                };
                self.offset += end as u64;
                self.newlines += memchr::memchr_iter(b'\n', window.bytes.bytes()).count();
                return Ok(Some(window));
            }
            // No record ends in the window: one record is longer than it.
            want = want.saturating_mul(2);
        }
    }

    /// A window parsed: its bytes hold a later one.
    pub(crate) fn recycle(&mut self, window: Window) {
        self.spare = window.bytes;
    }

    /// Count `n` more records of the CSV against the row limit.
    pub(crate) fn count(&mut self, n: u64) -> Result<(), IngestError> {
        self.records = self.records.saturating_add(n);
        // The first record over the limit is the one named, as when read one by one.
        let first_over = u64::from(self.shape.limits.rows) + 1;
        let path = &self.shape.path;
        self.shape
            .limits
            .check_row(&|| path.display().to_string(), self.records.min(first_over))
    }
}

/// How a piece's records are cut out of its bytes.
enum Records<'w> {
    /// A window with no quote: every line is a record (a line ends at `\n`, `\r\n` or a
    /// lone `\r`; blank lines are passed over) and its fields lie between the delimiters,
    /// which is what the csv crate makes of such text (a test holds the two equal), cut in
    /// one pass without copying the record (national-28: the csv parser was an eighth of
    /// the reading thread).
    Lines {
        /// Where the next record's reading starts (past the last one's end of line).
        at: usize,
        /// Newlines before `at`.
        newlines: usize,
        /// The current record's bytes.
        record: std::ops::Range<usize>,
    },
    /// Text with quotes: the csv crate's reader.
    Csv {
        reader: csv::Reader<&'w [u8]>,
        record: csv::ByteRecord,
    },
}

/// The records of one piece of a window, each handed on as a [`RecordRow`]: the record's
/// text where the window holds it (a record that is not UTF-8 decoded into one reused
/// string) and its fields' ranges.
pub(crate) struct Piece<'w> {
    shape: &'w CsvShape,
    bytes: &'w [u8],
    /// `bytes` as text, when the piece is UTF-8 lines and valid all through (checked once:
    /// record by record, the checks were 3 % of a national audit's samples).
    text: Option<&'w str>,
    records: Records<'w>,
    /// Where the current record's fields lie, in its bytes.
    fields: Vec<std::ops::Range<usize>>,
    /// Each byte's part in a quoteless line.
    classes: Classes,
    /// The offset in the text of `bytes[0]`.
    offset: u64,
    /// Newlines in the text before `bytes[0]`.
    base: usize,
    /// Newlines (from `bytes[0]`) before the current record's first byte.
    before_start: usize,
    /// Records read.
    read: u64,
    /// The current record's text when it is not UTF-8: its fields decoded end to end.
    decoded: String,
    /// Where the current record's fields lie in `decoded`.
    decoded_fields: Vec<std::ops::Range<usize>>,
}

/// A CSV record as the row parsers read it ([`RowCells`]): its cells are ranges of its
/// text, read where the window holds them (each used to be copied into a string of its
/// own: a seventh of a national audit's instructions went to making rows).
pub(crate) struct RecordRow<'a> {
    number: u32,
    /// The record's text (each field's range lies on character boundaries).
    text: &'a str,
    fields: &'a [std::ops::Range<usize>],
}

impl RowCells for RecordRow<'_> {
    #[inline(always)]
    fn number(&self) -> u32 {
        self.number
    }

    #[inline(always)]
    fn width(&self) -> usize {
        self.fields.len()
    }

    #[inline(always)]
    fn cell_ref(&self, col: usize) -> CellRef<'_> {
        match self.fields.get(col).and_then(|r| self.text.get(r.clone())) {
            Some(t) if !t.is_empty() => CellRef::Text(t),
            _ => CellRef::Empty,
        }
    }
}

impl<'w> Piece<'w> {
    /// Piece `k` of a window.
    pub(crate) fn new(shape: &'w CsvShape, window: &'w Window, k: usize) -> Piece<'w> {
        let all = window.bytes.bytes();
        let start = window.cuts.get(k).copied().unwrap_or(all.len());
        let end = window.cuts.get(k + 1).copied().unwrap_or(all.len());
        let bytes = all.get(start..end).unwrap_or_default();
        let before = all.get(..start).unwrap_or_default();
        let records = if window.quoteless {
            Records::Lines {
                at: 0,
                newlines: 0,
                record: 0..0,
            }
        } else {
            Records::Csv {
                reader: csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(shape.delimiter)
                    .from_reader(bytes),
                record: csv::ByteRecord::new(),
            }
        };
        Piece {
            shape,
            bytes,
            text: (shape.encoding == encoding_rs::UTF_8 && window.quoteless)
                .then(|| simdutf8::basic::from_utf8(bytes).ok())
                .flatten(),
            records,
            fields: Vec::new(),
            classes: Classes::new(shape.delimiter),
            offset: window.offset + start as u64,
            base: window.newlines + memchr::memchr_iter(b'\n', before).count(),
            before_start: 0,
            read: 0,
            decoded: String::new(),
            decoded_fields: Vec::new(),
        }
    }

    /// Records read so far (the one an error was met in too).
    pub(crate) fn records(&self) -> u64 {
        self.read
    }

    /// The line of a record whose reading started at byte `start` of the piece, on line
    /// `line` of it (the csv reader's count of newlines before `start`, plus one): the
    /// blank lines it skipped from there are counted too (see `CsvRows::line_of`).
    fn line_of(&mut self, start: usize, line: u64) -> u32 {
        let before = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX);
        self.before_start = before;
        let skipped = self
            .bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        u32::try_from(self.base + before + skipped + 1).unwrap_or(u32::MAX)
    }

    /// The error for a record starting at `start` that is not valid text of the encoding.
    fn undecodable(shape: &CsvShape, (offset, line): (u64, usize), start: usize) -> IngestError {
        if shape.guessed {
            return IngestError::GuessedEncoding {
                path: shape.path.clone(),
            };
        }
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .saturating_add(start);
        IngestError::Decode {
            path: shape.path.clone(),
            offset: offset.saturating_add(shape.skip),
            line,
            message: format!("不是有效的 {0} 编码 / not valid {0}", shape.label),
        }
    }

    /// Read the next record: its fields' places into `fields`, where its reading started (a
    /// byte of the piece) with the csv crate's line there (newlines before it, plus one),
    /// and for a line whether no byte of its fields is one that cleaning or folding changes
    /// (for a record of the csv crate, `None`: not looked at); `None` at the end of the
    /// piece.
    fn next_record(&mut self) -> Result<Option<(usize, u64, Option<bool>)>, IngestError> {
        self.fields.clear();
        match &mut self.records {
            Records::Lines {
                at,
                newlines,
                record,
            } => {
                let bytes = self.bytes;
                let (start, line) = (*at, *newlines as u64 + 1);
                // Blank lines are passed over (the csv crate reads a record's start as
                // where it began to read: the line number counts them in `line_of`).
                let mut first = start;
                while let Some(&b) = bytes.get(first) {
                    match b {
                        b'\n' => *newlines += 1,
                        b'\r' => {}
                        _ => break,
                    }
                    first += 1;
                }
                let rest = bytes.get(first..).unwrap_or_default();
                if rest.is_empty() {
                    *at = first;
                    return Ok(None);
                }
                // One pass over the line: its end, its delimiters, and whether a byte of its
                // fields is suspect.
                let (len, suspect) = self.classes.cut(rest, &mut self.fields);
                *record = first..first + len;
                // The end of line is read with the record (of `\r\n`, the `\r`: the csv
                // crate starts the next record at the `\n`).
                let end = first + len;
                *at = match bytes.get(end) {
                    Some(b'\n') => {
                        *newlines += 1;
                        end + 1
                    }
                    Some(_) => end + 1,
                    None => end,
                };
                Ok(Some((start, line, Some(!suspect))))
            }
            Records::Csv { reader, record } => match reader.read_byte_record(record) {
                Ok(true) => {
                    self.fields
                        .extend((0..record.len()).filter_map(|i| record.range(i)));
                    let (start, line) = record.position().map_or((0, 1), |p| {
                        (usize::try_from(p.byte()).unwrap_or(usize::MAX), p.line())
                    });
                    Ok(Some((start, line, None)))
                }
                Ok(false) => Ok(None),
                Err(e) => {
                    if let csv::ErrorKind::Io(io) = e.kind() {
                        return Err(io_error(&self.shape.path, io));
                    }
                    let line = e.position().map_or(0, |p| p.line());
                    Err(IngestError::Csv {
                        path: self.shape.path.clone(),
                        line: line.saturating_add(self.base as u64),
                        message: e.to_string(),
                    })
                }
            },
        }
    }

    /// The most records the piece can hold (its lines).
    pub(crate) fn lines(&self) -> usize {
        memchr::memchr_iter(b'\n', self.bytes).count() + 1
    }

    /// The next record as a row, and whether the record is surely plain (UTF-8 without a
    /// byte that cleaning or folding changes: then every cell is its own cleaned and folded
    /// text, and need not be scanned again field by field); `None` at the end of the piece.
    pub(crate) fn next_row(&mut self) -> Result<Option<(RecordRow<'_>, bool)>, IngestError> {
        let Some((start, line, plain_bytes)) = self.next_record()? else {
            self.shape.progress.rows(self.read % ProgressHook::BATCH);
            return Ok(None);
        };
        let number = self.line_of(start, line);
        self.read += 1;
        let shape = self.shape;
        let table = || shape.path.display().to_string();
        let line = u64::from(number);
        let n = self.fields.len();
        if n > shape.limits.columns as usize {
            shape.limits.check_column(&table, line, n as u64)?;
        }
        let at = (self.offset, self.base + self.before_start + 1);
        let record = match &self.records {
            Records::Lines { record, .. } => self.bytes.get(record.clone()).unwrap_or_default(),
            Records::Csv { record, .. } => record.as_slice(),
        };
        if self.read.is_multiple_of(ProgressHook::BATCH) {
            shape.progress.rows(ProgressHook::BATCH);
        }
        // A UTF-8 record is checked whole at once, and read where it lies (its fields are
        // whole characters: a line's are cut at ASCII bytes, and a quoted record's ends are
        // checked). Other records, and a UTF-8 record that is not valid, are decoded field
        // by field, so that the first fault found is the one it was always reported as.
        let utf8 = shape.encoding == encoding_rs::UTF_8;
        let whole = match (&self.records, self.text) {
            // A line of a valid piece (cut at ASCII bytes: whole characters).
            (Records::Lines { record, .. }, Some(text)) => text.get(record.clone()),
            _ => utf8
                .then(|| simdutf8::basic::from_utf8(record).ok())
                .flatten(),
        };
        if let Some(whole) = whole {
            let long = shape.limits.cell_chars as usize;
            for (col, r) in self.fields.iter().enumerate() {
                let Some(text) = whole.get(r.clone()) else {
                    return Err(Self::undecodable(shape, at, start));
                };
                // (`check_cell` counts only long cells too; asked here only for those, it is
                // no call per field.)
                if text.len() > long {
                    shape
                        .limits
                        .check_cell(&table, line, col as u64 + 1, text)?;
                }
            }
            let plain = plain_bytes.unwrap_or_else(|| crate::ingest::text::surely_plain(whole));
            let row = RecordRow {
                number,
                text: whole,
                fields: &self.fields,
            };
            return Ok(Some((row, plain)));
        }
        self.decoded.clear();
        self.decoded_fields.clear();
        for (col, range) in self.fields.iter().enumerate() {
            let field = record.get(range.clone()).unwrap_or_default();
            let from = self.decoded.len();
            if !field.is_empty() {
                let text = if utf8 {
                    std::str::from_utf8(field).ok().map(Cow::Borrowed)
                } else {
                    shape
                        .encoding
                        .decode_without_bom_handling_and_without_replacement(field)
                };
                let Some(text) = text else {
                    return Err(Self::undecodable(shape, at, start));
                };
                shape
                    .limits
                    .check_cell(&table, line, col as u64 + 1, &text)?;
                self.decoded.push_str(&text);
            }
            self.decoded_fields.push(from..self.decoded.len());
        }
        let row = RecordRow {
            number,
            text: &self.decoded,
            fields: &self.decoded_fields,
        };
        Ok(Some((row, false)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `bytes` as one piece reads it: (line, cells, plain), or the error.
    fn records(bytes: &[u8], delimiter: u8, quoteless: bool) -> Vec<String> {
        records_in(
            bytes,
            (encoding_rs::UTF_8, Limits::default()),
            delimiter,
            quoteless,
        )
    }

    /// [`records`] of text in `encoding`, read within `limits`.
    fn records_in(
        bytes: &[u8],
        (encoding, limits): (&'static Encoding, Limits),
        delimiter: u8,
        quoteless: bool,
    ) -> Vec<String> {
        let shape = CsvShape {
            path: PathBuf::from("t.csv"),
            delimiter,
            encoding,
            label: encoding.name().into(),
            guessed: false,
            skip: 0,
            limits,
            progress: ProgressHook::default(),
        };
        let mut all = Buf::default();
        all.set(bytes);
        let window = Window {
            bytes: all,
            offset: 0,
            newlines: 0,
            cuts: vec![0],
            quoteless,
        };
        let mut piece = Piece::new(&shape, &window, 0);
        let mut out = Vec::new();
        loop {
            match piece.next_row() {
                Ok(Some((row, plain))) => {
                    let cells: Vec<super::super::Cell> = (0..row.width())
                        .map(|i| match row.cell_ref(i) {
                            CellRef::Text(t) => super::super::Cell::Text(t.to_string()),
                            _ => super::super::Cell::Empty,
                        })
                        .collect();
                    out.push(format!("{} {cells:?} {plain}", row.number))
                }
                Ok(None) => break,
                Err(e) => {
                    out.push(format!("{e:?}"));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn lines_of_a_quoteless_window_are_what_the_csv_reader_makes_of_them() {
        let texts: [&[u8]; 11] = [
            b"a\tb\n\tc\t\n d;e \n",
            b"a,1\r\nb\r\n\r\nc\n\nd\re\r\rf",
            b"\n\r\n\n  q,w ,\r\n,,\n,\n x \n",
            "甲,乙\n\n\n丙,，丁\r\n　\n".as_bytes(),
            b"only",
            b"\r\n\r\n",
            b"",
            b"a,b\n\xff,c\nd\n",
            b"tail,without,end\n\nlast",
            b"1,2,3,4,5,6,7,8,9,10,11,12\n,\n,,\n",
            b"x\n\r\ry\r\n\rz\n",
        ];
        for (i, text) in texts.iter().enumerate() {
            for delimiter in [b',', b'\t', b';'] {
                let csv = records(text, delimiter, false);
                let lines = records(text, delimiter, true);
                assert_eq!(lines, csv, "text {i}, delimiter {delimiter}");
            }
        }
        // The rows are there at all (not two empty lists).
        assert_eq!(records(texts[1], b',', true).len(), 6);
        assert!(records(texts[7], b',', true)
            .last()
            .is_some_and(|e| e.contains("Decode")));
    }

    #[test]
    fn a_gbk_record_has_the_cells_of_its_utf8_text_and_long_cells_are_refused() {
        // The cells of each row without the "plain" flag (a GBK record is never taken as
        // plain: its cells are cleaned and folded as read).
        let cells = |rows: Vec<String>| -> Vec<String> {
            rows.into_iter()
                .map(|r| {
                    r.trim_end_matches(" true")
                        .trim_end_matches(" false")
                        .to_string()
                })
                .collect()
        };
        let quoted = "名称,所属区县,备注\n\"阳光,服务队\",小店区,\n甲,,乙丙\n";
        let lines = "名称,所属区县\n甲乙,小店区\n\n,丙\n";
        for (text, quoteless) in [(quoted, false), (lines, true), (lines, false)] {
            let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
            assert!(!unmappable);
            let utf8 = records(text.as_bytes(), b',', quoteless);
            let from_gbk = records_in(&gbk, (encoding_rs::GBK, Limits::default()), b',', quoteless);
            assert_eq!(cells(from_gbk), cells(utf8.clone()), "{text}");
            assert!(utf8
                .iter()
                .any(|r| r.contains("服务队") || r.contains("甲乙")));
        }
        // Worked by hand: the second line's "阳光,服务队" is 6 characters; with 4 allowed
        // it is refused as column 1 of line 2, in UTF-8 and in GBK alike.
        let tight = Limits {
            cell_chars: 4,
            ..Limits::default()
        };
        let (gbk, _, _) = encoding_rs::GBK.encode(quoted);
        for (bytes, encoding) in [
            (quoted.as_bytes(), encoding_rs::UTF_8),
            (&gbk[..], encoding_rs::GBK),
        ] {
            let rows = records_in(bytes, (encoding, tight), b',', false);
            let last = rows.last().map(String::as_str).unwrap_or_default();
            assert!(
                last.contains("OverLimit") && last.contains("row: 2"),
                "{last}"
            );
            assert!(
                last.contains("column: Some(1)") && last.contains("CellChars(6)"),
                "{last}"
            );
        }
        // A GBK byte pair that is no character is refused as undecodable.
        let rows = records_in(
            b"a,b\n\x81\x20,c\n",
            (encoding_rs::GBK, Limits::default()),
            b',',
            true,
        );
        assert!(
            rows.last().is_some_and(|e| e.contains("Decode")),
            "{rows:?}"
        );
    }
}
