//! Inputs → files read: folders expanded, `--exclude` applied, each content read once,
//! and the files of an input folder that are not ledgers passed over with their reason.
//!
//! The rules (see README "Input tables"):
//! - A table of a file found in an input folder whose header fits no table kind is passed
//!   over ([`PassReason::Unrecognized`]); in a file named on the command line it is an
//!   error.
//! - A file whose first row is the header of a zhibiao output (gap table, rejects; the
//!   headers are listed in `[own_outputs]` of `rules/columns.toml`) is passed over in a
//!   folder and an error when named.
//! - Files with the same bytes (SHA-256) are read once: the one with the shortest file
//!   name (then the first in input order) is read, the others are passed over naming it.
//! - The 说明 sheet of a `zhibiao template` workbook (its first cell starts with
//!   [`TEMPLATE_NOTES_TITLE`]) is passed over, in a folder or in a file named.
//! - `--strict` makes the passed-over spreadsheets of the three rules above errors.
//! - `--exclude PATH` leaves out a file given directly or found in a folder: by path, or
//!   by file name when `PATH` has no directory. One that matches nothing is an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::schema;
use super::source::{self, Grid, InputFile};
use super::text::{clean_cell, header_key};
use super::{rows, Dataset, IngestError, IngestOptions, PassReason, PassedOver};

/// What reading every input gave: the data of the files that could be read, and an
/// error for each file that could not.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Everything read.
    pub dataset: Dataset,
    /// One error per file that failed (nothing of that file is in `dataset`).
    pub failures: Vec<IngestError>,
}

/// Read every input; the first file that fails stops the reading.
pub fn read_inputs(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Dataset, IngestError> {
    read_all(inputs, opts, false).map(|o| o.dataset)
}

/// Read every input, going on after a file fails (for `inspect`): the failures are
/// returned beside the data of the other files. Errors about the arguments themselves
/// (a missing input, an `--exclude` that matches nothing, a folder without spreadsheets)
/// still stop at once.
pub fn read_inputs_all(
    inputs: &[PathBuf],
    opts: &IngestOptions,
) -> Result<ReadOutcome, IngestError> {
    read_all(inputs, opts, true)
}

/// Lengths of a dataset's lists, to undo a file that failed half-way.
struct Mark([usize; 9]);

fn mark(ds: &Dataset) -> Mark {
    Mark([
        ds.tables.len(),
        ds.communities.len(),
        ds.organizations.len(),
        ds.incubators.len(),
        ds.projects.len(),
        ds.events.len(),
        ds.funds.len(),
        ds.issues.len(),
        ds.ignored.len(),
    ])
}

fn rollback(ds: &mut Dataset, m: &Mark) {
    let [t, c, o, i, p, e, f, is, ig] = m.0;
    ds.tables.truncate(t);
    ds.communities.truncate(c);
    ds.organizations.truncate(o);
    ds.incubators.truncate(i);
    ds.projects.truncate(p);
    ds.events.truncate(e);
    ds.funds.truncate(f);
    ds.issues.truncate(is);
    ds.ignored.truncate(ig);
}

/// Whether an `--exclude` pattern names this file.
fn excludes(pattern: &Path, file: &Path) -> bool {
    let has_dir = pattern.parent().is_some_and(|d| !d.as_os_str().is_empty());
    if !has_dir {
        return file.file_name() == Some(pattern.as_os_str());
    }
    if pattern == file {
        return true;
    }
    match (pattern.canonicalize(), file.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn read_all(
    inputs: &[PathBuf],
    opts: &IngestOptions,
    keep_going: bool,
) -> Result<ReadOutcome, IngestError> {
    let mut out = ReadOutcome::default();
    let ds = &mut out.dataset;
    let found = source::expand_inputs_found(inputs, &mut ds.ignored)?;

    // --exclude
    let mut matched = vec![false; opts.excludes.len()];
    let mut files: Vec<InputFile> = Vec::with_capacity(found.len());
    for f in found {
        let mut hit = false;
        for (i, pat) in opts.excludes.iter().enumerate() {
            if excludes(pat, &f.path) {
                matched[i] = true;
                hit = true;
            }
        }
        if hit {
            ds.ignored
                .push(PassedOver::file(&f.path, PassReason::Excluded));
        } else {
            files.push(f);
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(IngestError::ExcludeUnmatched {
            pattern: opts
                .excludes
                .get(i)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        });
    }

    // Files of the same content have the same size: only a file whose size another file
    // shares is hashed before reading (one file in memory at a time), to group identical
    // contents; every other file is hashed from the bytes it is read from, so that a
    // ledger is read from disk once.
    let sizes: Vec<Option<u64>> = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).ok().map(|m| m.len()))
        .collect();
    let mut same_size: HashMap<u64, usize> = HashMap::new();
    for s in sizes.iter().flatten() {
        *same_size.entry(*s).or_insert(0) += 1;
    }
    let mut readable: Vec<bool> = Vec::with_capacity(files.len());
    let mut by_hash: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        let size = sizes.get(i).copied().flatten();
        if size.is_some_and(|s| same_size.get(&s).copied().unwrap_or(0) == 1) {
            readable.push(true); // hashed when read
            continue;
        }
        match source::read_bytes(&f.path, opts.limits.input) {
            Ok(b) => {
                let hash: [u8; 32] = Sha256::digest(&b).into();
                by_hash.entry(hash).or_default().push(i);
                ds.hashes.insert(f.path.clone(), hash);
                readable.push(true);
            }
            Err(e) if keep_going => {
                out.failures.push(e);
                readable.push(false);
            }
            Err(e) => return Err(e),
        }
    }
    // For each file that repeats another's content: the file read instead.
    let mut copy_of: Vec<Option<usize>> = vec![None; files.len()];
    for group in by_hash.values().filter(|g| g.len() > 1) {
        let name_len = |i: usize| {
            files
                .get(i)
                .and_then(|f| f.path.file_name())
                .map_or(usize::MAX, |n| n.to_string_lossy().chars().count())
        };
        let Some(&keep) = group.iter().min_by_key(|&&i| (name_len(i), i)) else {
            continue;
        };
        for &i in group.iter().filter(|&&i| i != keep) {
            if let Some(slot) = copy_of.get_mut(i) {
                *slot = Some(keep);
            }
        }
    }

    for (i, f) in files.iter().enumerate() {
        if !readable.get(i).copied().unwrap_or(false) {
            continue; // could not be read; already a failure
        }
        let m = mark(ds);
        let result = match copy_of.get(i).copied().flatten() {
            Some(keep) => {
                let first = files.get(keep).map(|k| k.path.clone()).unwrap_or_default();
                pass(
                    ds,
                    opts,
                    PassedOver::file(&f.path, PassReason::SameContent { first }),
                )
            }
            None => read_file(f, opts, ds),
        };
        if let Err(e) = result {
            if !keep_going {
                return Err(e);
            }
            rollback(ds, &m);
            out.failures.push(e);
        }
    }
    ds.ignored.sort();
    Ok(out)
}

/// Note a passed-over file or sheet, or fail under `--strict` when the reason is one
/// that `--strict` refuses.
fn pass(ds: &mut Dataset, opts: &IngestOptions, p: PassedOver) -> Result<(), IngestError> {
    if opts.strict && p.reason.strict_error() {
        return Err(IngestError::Strict {
            item: p.to_string(),
        });
    }
    ds.ignored.push(p);
    Ok(())
}

/// Rows of a CSV read before its header is looked for: the header is within the first
/// rows (see [`super::header::SCAN_ROWS`]) and a tie between kinds is broken on the
/// values of these rows.
const CSV_HEAD_ROWS: usize = super::header::TIE_ROWS + super::header::SCAN_ROWS;

/// Rows of a CSV read and parsed at a time. (Reading them on a thread of their own while
/// the batch before is parsed measured slower on 2 cores: every cell is then freed by
/// another thread than the one that made it, and the reader competes with the parsers.)
const CSV_BATCH_ROWS: usize = 1 << 16;

/// Read a file that is not a copy of another into `ds`. A CSV is streamed from the file
/// (and hashed on a thread of its own meanwhile, unless it was hashed to find copies):
/// it is never held whole. Any other file is read whole and hashed from its bytes.
fn read_file(f: &InputFile, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
    let limit = opts.limits.input;
    if source::is_csv(&f.path) {
        let mut file = source::open_input(&f.path, limit)?;
        let head = source::head_of(&f.path, &mut file, source::WEB_HEAD_BYTES)?;
        if head.is_empty() {
            return Err(IngestError::EmptyFile {
                path: f.path.clone(),
            });
        }
        if source::reads_as_csv(&f.path, &head) {
            return read_csv_file(f, file, opts, ds);
        }
    }
    let bytes = source::read_bytes(&f.path, limit)?;
    if !ds.hashes.contains_key(&f.path) {
        ds.hashes
            .insert(f.path.clone(), Sha256::digest(&bytes).into());
    }
    read_one(f, bytes, opts, ds)
}

/// Stream a CSV from its open file into `ds`, hashing the file on another thread
/// meanwhile when it has no hash yet.
fn read_csv_file(
    f: &InputFile,
    file: std::fs::File,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let limit = opts.limits.input;
    let hashed = ds.hashes.contains_key(&f.path);
    let (hash, read) = std::thread::scope(|s| {
        let hash = (!hashed).then(|| s.spawn(|| source::hash_file(&f.path, limit)));
        opts.progress.file(&f.path);
        let read = source::CsvRows::open_file(
            &f.path,
            file,
            opts.encoding,
            opts.limits,
            opts.progress.clone(),
        )
        .and_then(|csv| read_csv(f, csv, (CSV_HEAD_ROWS, CSV_BATCH_ROWS), opts, ds));
        (hash.map(|h| h.join()), read)
    });
    read?;
    let hash = match hash {
        None => return Ok(()),
        Some(Ok(hash)) => hash?,
        // The hashing thread does not panic; should it, hash here.
        Some(Err(_)) => source::hash_file(&f.path, limit)?,
    };
    ds.hashes.insert(f.path.clone(), hash);
    Ok(())
}

/// Read one file's bytes into `ds` (all its tables), applying the folder rules.
fn read_one(
    f: &InputFile,
    bytes: Vec<u8>,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    if source::reads_as_csv(&f.path, &bytes) {
        return read_csv_bytes(f, &bytes, (CSV_HEAD_ROWS, CSV_BATCH_ROWS), opts, ds);
    }
    let file = source::read_grids_from(&f.path, bytes, opts)?;
    if let Some(what) = file.grids.iter().find_map(own_output) {
        return own_output_found(f, what, opts, ds);
    }
    ds.ignored.extend(file.ignored);
    for grid in file.grids {
        ingest_table(f, grid, (std::iter::empty(), 0), opts, ds)?;
    }
    Ok(())
}

/// [`read_csv`] on a CSV's bytes.
fn read_csv_bytes(
    f: &InputFile,
    bytes: &[u8],
    sizes: (usize, usize),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::EmptyFile {
            path: f.path.clone(),
        });
    }
    opts.progress.file(&f.path);
    let csv = source::CsvRows::open(
        &f.path,
        bytes,
        opts.encoding,
        opts.limits,
        opts.progress.clone(),
    )?;
    read_csv(f, csv, sizes, opts, ds)
}

/// Read a CSV as a stream: its first `head_rows` rows, then batches of `batch_rows` rows,
/// each parsed (on one thread per core) before the next is read.
fn read_csv(
    f: &InputFile,
    mut csv: source::CsvRows<'_>,
    (head_rows, batch_rows): (usize, usize),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let head = csv.next_rows(head_rows)?;
    let complete = head.len() < head_rows;
    let head = csv.grid(head);
    if complete && head.is_blank() {
        return Err(IngestError::EmptyFile {
            path: f.path.clone(),
        });
    }
    if let Some(what) = own_output(&head) {
        return own_output_found(f, what, opts, ds);
    }
    if complete {
        return ingest_table(f, head, (std::iter::empty(), 0), opts, ds);
    }
    let expected = csv.records_expected();
    let mut done = false;
    let batches = std::iter::from_fn(|| {
        if done {
            return None;
        }
        let batch = csv.next_rows(batch_rows);
        done = batch.as_ref().map_or(true, |b| b.len() < batch_rows);
        match batch {
            Ok(b) if b.is_empty() => None,
            other => Some(other),
        }
    });
    ingest_table(f, head, (batches, expected), opts, ds)
}

/// A file that is an output of zhibiao: an error when named, passed over in a folder.
fn own_output_found(
    f: &InputFile,
    what: &str,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    if !f.in_folder {
        return Err(IngestError::OwnOutput {
            path: f.path.clone(),
            what: what.to_string(),
        });
    }
    let reason = PassReason::OwnOutput {
        what: what.to_string(),
    };
    pass(ds, opts, PassedOver::file(&f.path, reason))
}

/// One table (a sheet, or a CSV's first rows followed by the batches of the rest) into
/// `ds`, passing over a template's notes sheet and, in a folder, a table without header.
fn ingest_table(
    f: &InputFile,
    head: Grid,
    more: (
        impl Iterator<Item = Result<Vec<source::GridRow>, IngestError>>,
        usize,
    ),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let sheet = head.sheet.clone();
    if template_notes(&head) {
        ds.ignored.push(PassedOver {
            file: f.path.clone(),
            sheet,
            reason: PassReason::TemplateNotes,
        });
        return Ok(());
    }
    let seen = first_row_text(&head);
    match rows::ingest_rows(head, more, opts, ds) {
        Err(IngestError::NoHeader { .. }) if f.in_folder => {
            let p = PassedOver {
                file: f.path.clone(),
                sheet,
                reason: PassReason::Unrecognized { header: seen },
            };
            pass(ds, opts, p)
        }
        other => other,
    }
}

/// The first non-empty row of a grid, cells joined by " | " (at most 8 cells).
fn first_row_text(grid: &Grid) -> String {
    let Some(row) = grid.rows.iter().find(|r| !r.is_blank()) else {
        return String::new();
    };
    let cells: Vec<String> = row
        .cells
        .iter()
        .take(8)
        .map(|c| clean_cell(&c.text()))
        .collect();
    let more = if row.cells.len() > 8 { " | …" } else { "" };
    format!("{}{more}", cells.join(" | "))
}

/// The first cell of the 说明 sheet of a `zhibiao template` workbook: a sheet that starts
/// with it explains the columns and is passed over ([`PassReason::TemplateNotes`]).
pub(crate) const TEMPLATE_NOTES_TITLE: &str = "zhibiao 台账模板说明";

/// Whether a grid is the 说明 sheet of a `zhibiao template` workbook: its first non-empty
/// cell starts with [`TEMPLATE_NOTES_TITLE`].
pub(crate) fn template_notes(grid: &Grid) -> bool {
    grid.rows
        .iter()
        .find(|r| !r.is_blank())
        .and_then(|r| {
            r.cells
                .iter()
                .map(|c| clean_cell(&c.text()))
                .find(|t| !t.is_empty())
        })
        .is_some_and(|t| t.starts_with(TEMPLATE_NOTES_TITLE))
}

/// Which zhibiao output a grid is, from its first non-empty row: that row starts with
/// the columns of one of `[own_outputs]` (more columns may follow).
pub(crate) fn own_output(grid: &Grid) -> Option<&'static str> {
    let row = grid.rows.iter().find(|r| !r.is_blank())?;
    let keys: Vec<String> = row
        .cells
        .iter()
        .map(|c| header_key(&clean_cell(&c.text())))
        .collect();
    schema::own_outputs().iter().find_map(|(name, cols)| {
        let fits =
            cols.len() <= keys.len() && cols.iter().zip(&keys).all(|(want, have)| want == have);
        fits.then_some(*name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::GridRow;

    fn grid(first: &[&str]) -> Grid {
        Grid {
            file: PathBuf::from("x.csv"),
            sheet: None,
            encoding: None,
            rows: vec![GridRow::from_texts(1, &[]), GridRow::from_texts(2, first)],
            merges: vec![],
        }
    }

    /// A CSV read in a head and batches of a few rows gives exactly what one grid gives:
    /// blank rows inside the table (also at the end of a batch, waiting for the next)
    /// are counted, blank rows after the last non-empty row are not, totals and notes
    /// are skipped wherever they fall; a bad byte in a later batch is the same error.
    #[test]
    fn csv_read_in_batches_equals_one_grid() {
        let mut text =
            String::from("标题：组织台账\n组织名称,市,县区,街道乡镇,社区,组织类别,成立日期\n");
        for i in 0..40 {
            match i % 9 {
                3 => text.push_str(",,,,,,\n"),
                7 => text.push_str("合计,,,,,,\n"),
                _ => text.push_str(&format!(
                    "组织{i},太原市,小店区,坞城街道,师范街社区,文体活动类,2020-0{}-01\n",
                    1 + i % 9
                )),
            }
        }
        text.push_str("注：本表由街道填报\n,,,,,,\n\n,,,,,,\n");
        let f = InputFile {
            path: PathBuf::from("组织.csv"),
            in_folder: false,
        };
        let opts = IngestOptions::default();
        let mut one = Dataset::default();
        let grid = source::read_grids_from(&f.path, text.clone().into_bytes(), &opts)
            .unwrap()
            .grids
            .remove(0);
        rows::ingest_grid(grid, &opts, &mut one).unwrap();
        let shape =
            |ds: &Dataset| format!("{:?}\n{:?}\n{:?}", ds.tables, ds.organizations, ds.issues);
        assert_eq!(one.organizations.len(), 31, "{}", shape(&one));
        for (head, batch) in [(3, 1), (3, 2), (5, 4), (7, 9), (12, 5), (2, 1000)] {
            let mut ds = Dataset::default();
            read_csv_bytes(&f, text.as_bytes(), (head, batch), &opts, &mut ds).unwrap();
            assert_eq!(shape(&ds), shape(&one), "head {head}, batch {batch}");
        }
        // A limit reached far below the header (in a later batch) is the same error.
        let mut opts = IngestOptions::default();
        opts.limits.rows = 30;
        let whole = source::read_grids_from(&f.path, text.clone().into_bytes(), &opts).unwrap_err();
        assert!(whole.to_string().contains("30"), "{whole}");
        let mut ds = Dataset::default();
        let streamed = read_csv_bytes(&f, text.as_bytes(), (3, 2), &opts, &mut ds).unwrap_err();
        assert_eq!(streamed.to_string(), whole.to_string());
    }

    #[test]
    fn own_outputs_are_recognized_by_their_first_row() {
        // The gap table's columns are the report's own (checked against report::csv).
        let cols: Vec<&str> = crate::report::COLUMNS.to_vec();
        assert_eq!(own_output(&grid(&cols)), Some("gap_table"));
        let mut more = cols.clone();
        more.push("detail");
        assert_eq!(own_output(&grid(&more)), Some("gap_table"));
        // A BOM left in the first cell would be folded away by clean_cell.
        let mut bom = cols.clone();
        let first = format!("\u{feff}{}", cols[0]);
        bom[0] = &first;
        assert_eq!(own_output(&grid(&bom)), Some("gap_table"));
        let rejects = [
            "file", "sheet", "row", "reason", "message", "cell_A", "cell_B",
        ];
        assert_eq!(own_output(&grid(&rejects)), Some("rejects"));
        // Fewer columns, or a ledger: not an output.
        assert_eq!(own_output(&grid(&cols[..5])), None);
        assert_eq!(own_output(&grid(&["市", "县区", "年度", "金额"])), None);
    }

    #[test]
    fn template_notes_are_recognized_by_their_first_cell() {
        assert!(template_notes(&grid(&[TEMPLATE_NOTES_TITLE])));
        assert!(template_notes(&grid(&[
            "",
            "zhibiao 台账模板说明（方案 x）"
        ])));
        assert!(!template_notes(&grid(&["说明"])));
        assert!(!template_notes(&grid(&["市", TEMPLATE_NOTES_TITLE])));
    }

    #[test]
    fn exclude_patterns() {
        assert!(excludes(
            Path::new("a (1).xlsx"),
            Path::new("dir/a (1).xlsx")
        ));
        assert!(!excludes(Path::new("a.xlsx"), Path::new("dir/a (1).xlsx")));
        assert!(excludes(Path::new("dir/a.xlsx"), Path::new("dir/a.xlsx")));
        assert!(excludes(Path::new("dir//a.xlsx"), Path::new("dir/a.xlsx")));
        assert!(!excludes(
            Path::new("other/a.xlsx"),
            Path::new("dir/a.xlsx")
        ));
    }
}
