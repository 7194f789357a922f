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
    read_all(inputs, opts, false, &mut |_, _| (), None).map(|o| o.dataset)
}

/// The last file's organization rows handed on as they are parsed, to a build that takes
/// them while the file is still being read ([`read_inputs_then`]).
pub struct Stream {
    /// Where the rows go.
    pub tx: std::sync::mpsc::Sender<super::OrgBatch>,
    /// Set by the caller (from `after`, once the files before the last are in): true to
    /// hand the rows on, false to keep them in the dataset. Rows parsed before it is set
    /// wait in the file's dataset and go with the next block once it is true.
    pub go: std::sync::Arc<std::sync::OnceLock<bool>>,
    /// Only a CSV of at least this many bytes, or an XLSX of one worksheet of at least an
    /// eighth of it (its XML compressed about tenfold), is handed on: one table, so that
    /// nothing read after its first organizations can change the community list.
    pub min_bytes: u64,
}

/// [`read_inputs`], calling `after` each time a file's data has been added (in input
/// order), with the dataset so far and how many files remain to be added: work on the
/// first files can begin while the rest are still being read (and what it has taken out
/// of the dataset need not be held to the end). With `stream`, the last
/// file's organization rows may be handed on instead of added (see [`Stream`]); those not
/// handed on are in the dataset as usual.
pub fn read_inputs_then(
    inputs: &[PathBuf],
    opts: &IngestOptions,
    after: &mut dyn FnMut(&mut Dataset, usize),
    stream: Option<Stream>,
) -> Result<Dataset, IngestError> {
    read_all(inputs, opts, false, after, stream).map(|o| o.dataset)
}

/// Read every input, going on after a file fails (for `inspect`): the failures are
/// returned beside the data of the other files. Errors about the arguments themselves
/// (a missing input, an `--exclude` that matches nothing, a folder without spreadsheets)
/// still stop at once.
pub fn read_inputs_all(
    inputs: &[PathBuf],
    opts: &IngestOptions,
) -> Result<ReadOutcome, IngestError> {
    read_all(inputs, opts, true, &mut |_, _| (), None)
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
    after: &mut dyn FnMut(&mut Dataset, usize),
    stream: Option<Stream>,
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
    // shares is hashed before reading (read in blocks), to group identical contents; every
    // other file is hashed on a thread of its own while it is read ([`read_file`]).
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
        match source::hash_file(&f.path, opts.limits.input) {
            Ok(hash) => {
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

    // Each file is read into a dataset of its own, on as many threads as `-j` gives (a
    // folder of county files is many small tables, each too small to be split), and the
    // datasets are added in input order: the same dataset, and the same first error, as
    // reading the files one after the other.
    let jobs: Vec<(usize, &InputFile)> = files
        .iter()
        .enumerate()
        .filter(|&(i, _)| readable.get(i).copied().unwrap_or(false))
        .collect();
    let hashed: Vec<bool> = files
        .iter()
        .map(|f| ds.hashes.contains_key(&f.path))
        .collect();
    // The last file read hands its organization rows on when it is a large enough CSV or
    // XLSX (and not a copy of another); a workbook that turns out not to be one XLSX
    // worksheet keeps them ([`read_one`]).
    let sink = stream.and_then(|st| {
        let &(i, f) = jobs.last()?;
        let size = sizes.get(i).copied().flatten().unwrap_or(0);
        let big = if source::is_csv(&f.path) {
            size >= st.min_bytes
        } else {
            source::is_spreadsheet(&f.path) && size >= st.min_bytes / 8
        };
        (big && copy_of.get(i).copied().flatten().is_none()).then(|| {
            (
                i,
                super::OrgSink {
                    tx: st.tx,
                    go: st.go,
                    names_sent: 0,
                    expected: 0,
                },
            )
        })
    });
    let read_one = |&(i, f): &(usize, &InputFile)| -> Result<Dataset, IngestError> {
        let mut part = Dataset {
            sink: sink
                .as_ref()
                .filter(|(at, _)| *at == i)
                .map(|(_, s)| s.clone()),
            ..Dataset::default()
        };
        match copy_of.get(i).copied().flatten() {
            Some(keep) => {
                let first = files.get(keep).map(|k| k.path.clone()).unwrap_or_default();
                pass(
                    &mut part,
                    opts,
                    PassedOver::file(&f.path, PassReason::SameContent { first }),
                )?;
            }
            None => {
                let read = read_file(f, opts, &mut part, hashed.get(i).copied().unwrap_or(false));
                // The build taking the rows waits for every sender to go.
                part.sink = None;
                read?;
            }
        }
        Ok(part)
    };
    let mut failures = Vec::new();
    let mut added = 0;
    in_order(&jobs, opts.thread_count(), read_one, |part| match part {
        Ok(part) => {
            append(ds, part);
            added += 1;
            after(ds, jobs.len().saturating_sub(added));
            Ok(())
        }
        Err(e) if keep_going => {
            failures.push(e);
            Ok(())
        }
        Err(e) => Err(e),
    })?;
    out.failures.extend(failures);
    out.dataset.ignored.sort();
    Ok(out)
}

/// Run `work` on every job, on up to `threads` threads, and hand each result to `take` in
/// the jobs' order (a result that comes early waits for those before it). When `take`
/// fails, no job is begun after it and its error is returned.
fn in_order<J: Sync, T: Send, E>(
    jobs: &[J],
    threads: usize,
    work: impl Fn(&J) -> T + Sync,
    mut take: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    let threads = threads.min(jobs.len());
    if threads <= 1 {
        for j in jobs {
            take(work(j))?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, work) = (&next, &stop, &work);
            s.spawn(move || {
                while !stop.load(Relaxed) {
                    let k = next.fetch_add(1, Relaxed);
                    let Some(j) = jobs.get(k) else { break };
                    if tx.send((k, work(j))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut early = std::collections::BTreeMap::new();
        let mut want = 0;
        for (k, t) in rx {
            early.insert(k, t);
            while let Some(t) = early.remove(&want) {
                want += 1;
                if let Err(e) = take(t) {
                    stop.store(true, Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    })
}

/// Add a file's dataset, read on its own, after what `ds` holds: its tables numbered on
/// from `ds`'s, its organizations' place ids made `ds`'s.
fn append(ds: &mut Dataset, mut part: Dataset) {
    let offset = u32::try_from(ds.tables.len()).unwrap_or(u32::MAX);
    let shift = |o: &mut super::Origin| o.table = o.table.saturating_add(offset);
    if !part.organizations.is_empty() {
        let map = ds.names.absorb(&part.names);
        let id = |id: &mut u32| *id = map.get(*id as usize).copied().unwrap_or(0);
        for row in part.organizations.iter_mut() {
            shift(&mut row.origin);
            row.place.ids_mut().into_iter().for_each(id);
        }
    }
    part.communities
        .iter_mut()
        .for_each(|r| shift(&mut r.origin));
    part.incubators
        .iter_mut()
        .for_each(|r| shift(&mut r.origin));
    part.projects.iter_mut().for_each(|r| shift(&mut r.origin));
    part.events.iter_mut().for_each(|r| shift(&mut r.origin));
    part.funds.iter_mut().for_each(|r| shift(&mut r.origin));
    part.issues
        .iter_mut()
        .for_each(|i| i.origin.iter_mut().for_each(shift));
    let Dataset {
        tables,
        communities,
        organizations,
        incubators,
        projects,
        events,
        funds,
        issues,
        ignored,
        hashes,
        names: _,
        bodies: _,
        sink: _,
        handed_on_then_restarted,
    } = part;
    ds.handed_on_then_restarted |= handed_on_then_restarted;
    ds.tables.extend(tables);
    ds.communities.append_chunks(communities);
    ds.organizations.append_chunks(organizations);
    ds.incubators.extend(incubators);
    ds.projects.extend(projects);
    ds.events.extend(events);
    ds.funds.extend(funds);
    ds.issues.extend(issues);
    ds.ignored.extend(ignored);
    ds.hashes.extend(hashes);
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

/// Read a file that is not a copy of another into `ds`, hashing it on another thread
/// meanwhile (from its own handle) unless it was hashed to find copies or no hash is
/// wanted ([`IngestOptions::skip_hashes`]). A CSV is streamed
/// from the file and never held whole; any other file is read whole.
fn read_file(
    f: &InputFile,
    opts: &IngestOptions,
    ds: &mut Dataset,
    hashed: bool,
) -> Result<(), IngestError> {
    let limit = opts.limits.input;
    let (hash, read) = std::thread::scope(|s| {
        let hash =
            (!hashed && !opts.skip_hashes).then(|| s.spawn(|| source::hash_file(&f.path, limit)));
        let read = read_content(f, opts, ds);
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

/// [`read_file`]'s reading: a CSV streamed from the file, anything else read whole.
fn read_content(f: &InputFile, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
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
            opts.progress.file(&f.path);
            let m = mark(ds);
            let (mut file, mut guess) = (Some(file), true);
            loop {
                let file = match file.take() {
                    Some(file) => file,
                    None => source::open_input(&f.path, limit)?,
                };
                let csv = source::CsvRows::open_file_guessing(
                    &f.path,
                    file,
                    opts.encoding,
                    opts.limits,
                    opts.progress.clone(),
                    guess,
                )?;
                match read_csv(f, csv, (CSV_HEAD_ROWS, Default::default()), opts, ds) {
                    Err(IngestError::GuessedEncoding { .. }) if guess => {}
                    other => return other,
                }
                // UTF-8 at its start only: read again from the start, the encoding found
                // from the whole file first (as `take_pieces` does when a workbook
                // restarts).
                rollback(ds, &m);
                if ds.sink.as_ref().is_some_and(|s| s.names_sent > 0) {
                    ds.sink = None;
                    ds.handed_on_then_restarted = true;
                }
                guess = false;
            }
        }
    }
    let bytes = source::read_bytes(&f.path, limit)?;
    read_one(f, bytes, opts, ds)
}

/// Read one file's bytes into `ds` (all its tables), applying the folder rules.
fn read_one(
    f: &InputFile,
    bytes: Vec<u8>,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    // Only a CSV or an XLSX of one worksheet hands its organization rows on while read.
    if ds.sink.is_some() && !source::single_worksheet(&f.path, &bytes, opts.limits.input) {
        ds.sink = None;
    }
    if opts.thread_count() > 1 && html_page(&f.path, &bytes) {
        return read_html_stream(f, bytes, (CSV_HEAD_ROWS, HTML_BATCH_ROWS), opts, ds);
    }
    if opts.thread_count() > 1 && source::zipped_workbook(&f.path, &bytes) {
        return read_xlsx_stream(
            f,
            bytes,
            ((CSV_HEAD_ROWS, XLSX_BATCH_ROWS), false),
            opts,
            ds,
        );
    }
    read_whole(f, bytes, opts, ds)
}

/// [`read_csv`] on a CSV's bytes (the tests read CSVs from memory; files are streamed).
#[cfg(test)]
fn read_csv_bytes(
    f: &InputFile,
    bytes: &[u8],
    sizes: (usize, source::WindowSizes),
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

/// Read a CSV as a stream: its first `head_rows` rows, then the rest window by window,
/// each window's pieces parsed on one thread per core ([`rows::ingest_csv`]).
fn read_csv(
    f: &InputFile,
    mut csv: source::CsvRows<'_>,
    (head_rows, sizes): (usize, source::WindowSizes),
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
        return ingest_table(f, head, opts, ds, |head, opts, ds| {
            rows::ingest_rows(head, (std::iter::empty(), 0), opts, ds)
        });
    }
    let expected = csv.records_expected();
    let rest = csv.rest(sizes);
    ingest_table(f, head, opts, ds, |head, opts, ds| {
        rows::ingest_csv(head, (rest, expected), opts, ds)
    })
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

/// One table (a sheet; or a CSV's or a streamed HTML table's first rows, `head`, whose
/// rest `ingest` reads) into `ds` by `ingest`, passing over a template's notes sheet and,
/// in a folder, a table without header.
fn ingest_table(
    f: &InputFile,
    head: Grid,
    opts: &IngestOptions,
    ds: &mut Dataset,
    ingest: impl FnOnce(Grid, &IngestOptions, &mut Dataset) -> Result<(), IngestError>,
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
    match ingest(head, opts, ds) {
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

/// Read one file (not a CSV) into `ds` as whole grids, applying the folder rules.
fn read_whole(
    f: &InputFile,
    bytes: Vec<u8>,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let file = source::read_grids_from(&f.path, bytes, opts)?;
    if let Some(what) = file.grids.iter().find_map(own_output) {
        return own_output_found(f, what, opts, ds);
    }
    ds.ignored.extend(file.ignored);
    for grid in file.grids {
        ingest_table(f, grid, opts, ds, |grid, opts, ds| {
            rows::ingest_rows(grid, (std::iter::empty(), 0), opts, ds)
        })?;
    }
    Ok(())
}

/// Rows of an HTML table handed from the reader's thread to the parser at a time.
const HTML_BATCH_ROWS: usize = 1 << 14;

/// Whether [`source::read_grids_from`] reads a file as an HTML page (its extension is one
/// read, it is not empty, and it is a web page that is not SpreadsheetML).
fn html_page(path: &Path, bytes: &[u8]) -> bool {
    let readable = source::is_spreadsheet(path) || source::is_web_page(path);
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let web = source::web_format(bytes, csv)
        .or_else(|| source::is_web_page(path).then_some(source::WebFormat::Html));
    readable && !bytes.is_empty() && web == Some(source::WebFormat::Html)
}

/// Read an HTML page as a stream: the page is read on a thread of its own, which hands
/// on each table's head and then batches of rows ([`Piece`]); each table is parsed
/// here as its rows come ([`read_stream`]).
fn read_html_stream(
    f: &InputFile,
    bytes: Vec<u8>,
    sizes: (usize, usize),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let (encoding, limits, progress) = (opts.encoding, &opts.limits, &opts.progress);
    read_stream(f, opts, ds, move |send| {
        let hooks = (sizes, true);
        super::html::stream_html(&f.path, bytes, encoding, limits, progress, hooks, send)
    })
}

/// Rows of an XLSX worksheet handed from the reader's thread to the parser at a time.
const XLSX_BATCH_ROWS: usize = 1 << 14;

/// Read a zipped workbook ([`source::zipped_workbook`]) as a stream: the workbook is
/// read on a thread of its own, which hands on each XLSX worksheet's head and then
/// batches of rows with their merged cells ([`source::stream_workbook`]); each sheet is
/// parsed here as its rows come ([`read_stream`]), so that reading cells and parsing
/// rows go on at once.
fn read_xlsx_stream(
    f: &InputFile,
    bytes: Vec<u8>,
    sizes: source::StreamSizes,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let hooks = (&opts.limits, &opts.progress);
    read_stream(f, opts, ds, move |send| {
        source::stream_workbook(&f.path, bytes, hooks, sizes, send)
    })
}

/// Read a file as a stream of [`Piece`]s that `read` hands on from a thread of its own;
/// each table is parsed here as its rows come. What is read, passed over or refused is
/// what [`source::read_grids_from`] and the tables one by one give: an error of the
/// file (wherever it is) comes before an output of zhibiao among its tables, which
/// comes before the first error of a table; a failed file leaves nothing in `ds`.
fn read_stream(
    f: &InputFile,
    opts: &IngestOptions,
    ds: &mut Dataset,
    read: impl FnOnce(&mut dyn FnMut(Piece)) -> Result<(), IngestError> + Send,
) -> Result<(), IngestError> {
    opts.progress.file(&f.path);
    let m = mark(ds);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(2);
    let (read, taken) = std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let mut send = |p: Piece| {
                // The receiver is gone only when this thread's result is no longer wanted.
                let _ = tx.send(p);
            };
            read(&mut send)
        });
        let taken = take_pieces(f, &rx, &m, opts, ds);
        drop(rx);
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (read, taken)
    });
    let result = match (read, taken) {
        (Err(e), _) => Err(e),
        (Ok(()), Taken::OwnOutput(what)) => {
            rollback(ds, &m);
            return own_output_found(f, what, opts, ds);
        }
        (Ok(()), Taken::Failed(e)) => Err(e),
        (Ok(()), Taken::Read) => Ok(()),
    };
    if result.is_err() {
        rollback(ds, &m);
    }
    result
}

// The pieces of a file read as a stream.
use super::html::Piece;

/// What the tables of a streamed file gave.
enum Taken {
    /// All read.
    Read,
    /// A table is an output of zhibiao (the first such).
    OwnOutput(&'static str),
    /// The first table that failed.
    Failed(IngestError),
}

/// Take the pieces of a file until the reader is done, parsing each table into `ds`
/// (after a [`Piece::Restart`], from `m` again). After a table fails or one is an
/// output of zhibiao, the rest is only looked through: for an output of zhibiao among
/// the later tables, and to let the reader finish.
fn take_pieces(
    f: &InputFile,
    rx: &std::sync::mpsc::Receiver<Piece>,
    m: &Mark,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Taken {
    let mut taken = Taken::Read;
    // A piece received while a table's batches were taken, not one of them.
    let mut next: Option<Piece> = None;
    loop {
        let Some(piece) = next.take().or_else(|| rx.recv().ok()) else {
            return taken;
        };
        match piece {
            Piece::Restart => {
                rollback(ds, m);
                // Rows handed on to the build cannot be taken back: it is told to let the
                // inputs be read again, without handing on.
                if ds.sink.as_ref().is_some_and(|s| s.names_sent > 0) {
                    ds.sink = None;
                    ds.handed_on_then_restarted = true;
                }
                taken = Taken::Read;
            }
            Piece::Passed(p) => {
                if matches!(taken, Taken::Read) {
                    ds.ignored.push(p);
                }
            }
            // The rows of a table not parsed.
            Piece::Rows(..) | Piece::Cells(..) => {}
            Piece::Head(head) => {
                if matches!(taken, Taken::OwnOutput(_)) {
                    continue;
                }
                if let Some(what) = own_output(&head) {
                    taken = Taken::OwnOutput(what);
                    continue;
                }
                if matches!(taken, Taken::Failed(_)) {
                    continue;
                }
                let batches = std::iter::from_fn(|| match rx.recv() {
                    Ok(Piece::Rows(rows, merges)) => Some(Ok((rows, merges))),
                    // Built here, while the reader thread reads on.
                    Ok(Piece::Cells(cells, merges)) => Some(Ok((cells.into_rows(), merges))),
                    Ok(other) => {
                        next = Some(other);
                        None
                    }
                    Err(_) => None,
                });
                let ingest = |head, opts: &IngestOptions, ds: &mut Dataset| {
                    rows::ingest_merged_rows(head, (batches, 0), opts, ds)
                };
                if let Err(e) = ingest_table(f, head, opts, ds, ingest) {
                    taken = Taken::Failed(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod html_stream_tests {
    use super::*;

    /// An HTML export: a title across the table, a two-row header (所在地 a `colspan`
    /// group over 市 县区 街道乡镇 社区, the other columns `rowspan=2`), then data rows whose
    /// 县区 is merged down over several rows (also from far below the head, also over
    /// blank rows), blank rows, totals rows and a note, a second table with its own
    /// merges, and an empty last table. `late` is put into a cell of the 32nd data row of
    /// the first table, `tail` after its data rows, `third` between the second table and
    /// the empty one.
    fn page(late: &str, tail: &str, third: &str) -> String {
        let mut p = String::from(
            "<html><head><meta charset=utf-8></head><body><h2>组织台账</h2><table>\
             <tr><td colspan=7>标题：组织台账</td></tr>\
             <tr><th rowspan=2>组织名称</th><th colspan=4>所在地</th><th rowspan=2>组织类别</th>\
             <th rowspan=2>成立日期</th></tr>\
             <tr><th>市</th><th>县区</th><th>街道乡镇</th><th>社区</th></tr>\n",
        );
        // Rows whose 县区 cell spans (start, rows).
        let spans = [(0usize, 6usize), (11, 2), (17, 9), (33, 4)];
        for i in 0..40usize {
            let covered = spans.iter().any(|&(s, n)| i > s && i < s + n);
            let county = match spans.iter().find(|&&(s, _)| s == i) {
                Some((_, n)) => format!("<td rowspan={n}>区{i}</td>"),
                None if covered => String::new(),
                None => "<td>小店区</td>".into(),
            };
            let row = match i % 9 {
                3 => format!("<tr><td></td><td>&nbsp;</td>{county}<td></td><td></td><td></td><td></td></tr>\n"),
                7 => format!("<tr><td>合计</td><td></td>{county}<td></td><td></td><td></td><td>{i}</td></tr>\n"),
                _ => format!(
                    "<tr><td>组织{i}{}</td><td>太原市</td>{county}<td>坞城街道</td><td>师范街社区</td>\
                     <td>文体活动类</td><td>2020-0{}-01</td></tr>\n",
                    if i == 31 { late } else { "" },
                    1 + i % 9
                ),
            };
            p.push_str(&row);
        }
        p.push_str(tail);
        p.push_str(
            "<tr><td>注：本表由街道填报</td></tr><tr><td></td></tr><tr></tr></table>\n\
             <table><caption>第二表</caption>\
             <tr><th>组织名称</th><th>市</th><th>县区</th><th>街道乡镇</th><th>社区</th><th>组织类别</th><th>成立日期</th></tr>\n",
        );
        for i in 0..12usize {
            let county = match i {
                2 => "<td rowspan=7>城区</td>",
                3..=8 => "",
                _ => "<td>城区</td>",
            };
            p.push_str(&format!(
                "<tr><td>二表组织{i}</td><td>阳泉市</td>{county}<td>上站街道</td><td>油娄沟社区</td>\
                 <td>公益慈善类</td><td>2019-05-20</td></tr>\n"
            ));
        }
        p.push_str("</table>");
        p.push_str(third);
        p.push_str("<table><tr><td> </td></tr></table></body></html>");
        p
    }

    /// The dataset's text; what was passed over in the order [`read_all`] leaves it.
    fn shape(ds: &Dataset) -> String {
        let mut ignored = ds.ignored.clone();
        ignored.sort();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            ds.tables, ds.organizations, ds.communities, ds.issues, ignored
        )
    }

    /// What the whole-grid reading gives: the dataset, or the error.
    fn whole(f: &InputFile, page: &str, opts: &IngestOptions) -> Result<String, String> {
        let mut ds = Dataset::default();
        match read_whole(f, page.as_bytes().to_vec(), opts, &mut ds) {
            Ok(()) => Ok(shape(&ds)),
            Err(e) => Err(e.to_string()),
        }
    }

    fn streamed(
        f: &InputFile,
        page: &str,
        sizes: (usize, usize),
        opts: &IngestOptions,
    ) -> Result<String, String> {
        let mut ds = Dataset::default();
        let before = shape(&ds);
        match read_html_stream(f, page.as_bytes().to_vec(), sizes, opts, &mut ds) {
            Ok(()) => Ok(shape(&ds)),
            Err(e) => {
                assert_eq!(shape(&ds), before, "a failed page leaves nothing");
                Err(e.to_string())
            }
        }
    }

    const SIZES: [(usize, usize); 8] = [
        (3, 1),
        (3, 2),
        (4, 3),
        (5, 4),
        (7, 9),
        (12, 5),
        (3, 1000),
        (5030, 16384),
    ];

    /// An HTML page read as a stream, in heads and batches of a few rows, gives exactly
    /// what its whole grids give: merged 县区 cells fill the rows below them wherever the
    /// batches are cut (a region across a cut, a region starting far below the head),
    /// blank rows at the end of a batch are counted only when a non-empty row follows,
    /// totals and notes are skipped, tables are named as before; the fast path giving the
    /// page up late (an unknown entity in row 35), a caption after the head, an output
    /// of zhibiao as a later table, and a limit or an over-long cell in a later batch
    /// give the same data or the same error.
    #[test]
    fn html_read_in_batches_equals_one_grid() {
        let f = InputFile {
            path: PathBuf::from("组织.xls"),
            in_folder: false,
        };
        let opts = IngestOptions::default();
        let fast = page("", "", "");
        let one = whole(&f, &fast, &opts).unwrap();
        let mut ds = Dataset::default();
        read_whole(&f, fast.clone().into_bytes(), &opts, &mut ds).unwrap();
        assert_eq!(ds.tables.len(), 2, "{one}");
        assert_eq!(ds.organizations.len(), 31 + 12, "{one}");
        // The merged 县区 fills its rows: 区17 for rows 18–25 (row 21 is blank).
        let county = |ds: &Dataset, name: &str| {
            let org = ds.organizations.iter().find(|o| &*o.name == name);
            org.map(|o| ds.names.name(o.place.county).to_string())
        };
        assert!(
            county(&ds, "组织24").is_some_and(|c| c.contains("区17")),
            "{one}"
        );
        assert!(
            county(&ds, "二表组织8").is_some_and(|c| c.contains("城区")),
            "{one}"
        );
        assert_eq!(ds.ignored.len(), 1, "the empty third table: {one}");
        // The fast path reads the page whole; an unknown entity in row 35 sends it to
        // the tokenizer (after rows were handed on); a caption after the rows renames
        // the table.
        let slow = page(" &copy 1", "", "");
        let renamed = page("", "<caption>晚来的标题</caption>", "");
        let both = page(" &copy 1", "<caption>晚来的标题</caption>", "");
        let none = crate::ingest::ProgressHook::default();
        // How many times the page is read again from its start, in heads of 3 rows and
        // batches of 2: the fast path gives up after rows were handed on, a caption
        // after them renames the table, both (the tokenizer, then whole tables).
        let restarts = |p: &str| {
            let mut n = 0;
            super::super::html::stream_html(
                &f.path,
                p.as_bytes().to_vec(),
                None,
                &opts.limits,
                &none,
                ((3, 2), true),
                &mut |piece| n += usize::from(matches!(piece, Piece::Restart)),
            )
            .map(|()| n)
        };
        assert_eq!(restarts(&fast).ok(), Some(0));
        assert_eq!(restarts(&slow).ok(), Some(1));
        assert_eq!(restarts(&renamed).ok(), Some(1));
        assert_eq!(restarts(&both).ok(), Some(2));
        for p in [&fast, &slow, &renamed, &both] {
            let one = whole(&f, p, &opts);
            assert!(one.is_ok(), "{one:?}");
            for sizes in SIZES {
                assert_eq!(streamed(&f, p, sizes, &opts), one, "{sizes:?}\n{p}");
            }
        }
        // A later table that is an output of zhibiao: the file is passed over in a folder
        // (nothing of its first tables stays), an error when named.
        let gap = format!(
            "<table><tr>{}</tr><tr><td>x</td></tr></table>",
            crate::report::COLUMNS
                .iter()
                .map(|c| format!("<td>{c}</td>"))
                .collect::<String>()
        );
        let own = page("", "", &gap);
        let folder = InputFile {
            path: f.path.clone(),
            in_folder: true,
        };
        for file in [&f, &folder] {
            let one = whole(file, &own, &opts);
            for sizes in SIZES {
                assert_eq!(streamed(file, &own, sizes, &opts), one, "{sizes:?}");
            }
        }
        // A table without a header: an error when named, passed over in a folder.
        let headless = page("", "", "<table><tr><td>甲</td><td>乙</td></tr></table>");
        for file in [&f, &folder] {
            let one = whole(file, &headless, &opts);
            for sizes in SIZES {
                assert_eq!(streamed(file, &headless, sizes, &opts), one, "{sizes:?}");
            }
        }
        // Limits reached far below the head (in a later batch) are the same errors, on
        // the fast path and the tokenizer's.
        let mut rows = IngestOptions::default();
        rows.limits.rows = 30;
        let mut chars = IngestOptions::default();
        chars.limits.cell_chars = 20;
        let long = page(&"长".repeat(30), "", "");
        for (p, opts) in [(&fast, &rows), (&slow, &rows), (&long, &chars)] {
            let one = whole(&f, p, opts);
            assert!(one.is_err(), "{one:?}");
            for sizes in SIZES {
                assert_eq!(streamed(&f, p, sizes, opts), one, "{sizes:?}");
            }
        }
        // A bad byte (the page declares UTF-8, holds GBK after a valid start): the same
        // error, whatever the sizes.
        let mut gbk = fast.clone().into_bytes();
        gbk.extend(
            encoding_rs::GBK
                .encode("<table><tr><td>阳泉</td></tr></table>")
                .0
                .iter(),
        );
        let mut one = Dataset::default();
        let whole_err = read_whole(&f, gbk.clone(), &opts, &mut one).map_err(|e| e.to_string());
        for sizes in SIZES {
            let mut ds = Dataset::default();
            let got = read_html_stream(&f, gbk.clone(), sizes, &opts, &mut ds);
            assert_eq!(got.map_err(|e| e.to_string()), whole_err, "{sizes:?}");
        }
    }
}

#[cfg(test)]
mod xlsx_stream_tests {
    use super::*;
    use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
    use std::io::{Cursor, Read as _, Write as _};

    /// An XLSX workbook like the HTML test's page: a sheet 组织 with a title merged
    /// across, a two-row header (组织名称, 组织类别 and 成立日期 merged down, 所在地 merged
    /// across 市 县区 街道乡镇 社区), then data rows whose 县区 is merged down over several
    /// rows (also from far below the head, also over blank rows), rows without cells and
    /// rows of blank cells, totals rows, a note and blank rows at its end; then a hidden
    /// sheet, a sheet of blank cells, a sheet without cells, a chart sheet, a second
    /// table with its own merged 县区, and the sheets `more` (rows of cells). `late` is
    /// put into a cell of the 32nd data row of 组织.
    fn workbook(late: &str, more: &[(&str, Vec<Vec<String>>)]) -> Vec<u8> {
        let mut book = Workbook::new();
        let f = Format::new();
        let ws = book.add_worksheet().set_name("组织").unwrap();
        ws.merge_range(0, 0, 0, 6, "标题：组织台账", &f).unwrap();
        ws.merge_range(1, 0, 2, 0, "组织名称", &f).unwrap();
        ws.merge_range(1, 1, 1, 4, "所在地", &f).unwrap();
        ws.merge_range(1, 5, 2, 5, "组织类别", &f).unwrap();
        ws.merge_range(1, 6, 2, 6, "成立日期", &f).unwrap();
        for (c, t) in ["市", "县区", "街道乡镇", "社区"].iter().enumerate() {
            ws.write_string(2, 1 + c as u16, *t).unwrap();
        }
        // Rows whose 县区 cell spans (start, rows).
        let spans = [(0u32, 6u32), (11, 2), (17, 9), (33, 4)];
        for i in 0..40u32 {
            let r = 3 + i;
            let covered = spans.iter().any(|&(s, n)| i > s && i < s + n);
            match spans.iter().find(|&&(s, _)| s == i) {
                Some(&(s, n)) => {
                    ws.merge_range(r, 2, r + n - 1, 2, &format!("区{s}"), &f)
                        .unwrap();
                }
                None if covered => {}
                None if i % 9 == 3 => {}
                None => {
                    ws.write_string(r, 2, "小店区").unwrap();
                }
            }
            match i % 9 {
                // No cell at all before row 20, blank cells after.
                3 if i < 20 => {}
                3 => {
                    ws.write_string(r, 1, " ").unwrap();
                    ws.write_string(r, 5, "").unwrap();
                }
                7 => {
                    ws.write_string(r, 0, "合计").unwrap();
                    ws.write_number(r, 6, f64::from(i)).unwrap();
                }
                _ => {
                    let name = format!("组织{i}{}", if i == 31 { late } else { "" });
                    ws.write_string(r, 0, &name).unwrap();
                    ws.write_string(r, 1, "太原市").unwrap();
                    ws.write_string(r, 3, "坞城街道").unwrap();
                    ws.write_string(r, 4, "师范街社区").unwrap();
                    ws.write_string(r, 5, "文体活动类").unwrap();
                    let date = format!("2020-0{}-01", 1 + i % 9);
                    ws.write_string(r, 6, &date).unwrap();
                }
            }
        }
        ws.write_string(44, 0, "注：本表由街道填报").unwrap();
        ws.write_string(46, 3, " ").unwrap();
        ws.write_string(49, 1, "\u{3000}").unwrap();
        let hidden = book.add_worksheet().set_name("隐藏").unwrap();
        hidden.write_string(0, 0, "组织名称").unwrap();
        hidden.set_hidden(true);
        let blank = book.add_worksheet().set_name("空表").unwrap();
        blank.write_string(3, 2, " ").unwrap();
        book.add_worksheet().set_name("空白").unwrap();
        let mut chart = Chart::new(ChartType::Column);
        chart.add_series().set_values("二表!$G$2:$G$5");
        book.add_chartsheet().insert_chart(0, 0, &chart).unwrap();
        let ws = book.add_worksheet().set_name("二表").unwrap();
        let head = [
            "组织名称",
            "市",
            "县区",
            "街道乡镇",
            "社区",
            "组织类别",
            "成立日期",
        ];
        for (c, t) in head.iter().enumerate() {
            ws.write_string(0, c as u16, *t).unwrap();
        }
        ws.merge_range(3, 2, 9, 2, "城区", &f).unwrap();
        for i in 0..12u32 {
            let r = 1 + i;
            let name = format!("二表组织{i}");
            let row = [name.as_str(), "阳泉市", "城区", "上站街道", "油娄沟社区"];
            for (c, t) in row.iter().enumerate() {
                if c != 2 || !(2..=8).contains(&i) {
                    ws.write_string(r, c as u16, *t).unwrap();
                }
            }
            ws.write_string(r, 5, "公益慈善类").unwrap();
            ws.write_string(r, 6, "2019-05-20").unwrap();
        }
        for (name, rows) in more {
            let ws = book.add_worksheet().set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, t) in row.iter().enumerate() {
                    ws.write_string(r as u32, c as u16, t).unwrap();
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    /// The workbook with row `row` of its first sheet moved to the end of the sheet's
    /// XML: its cells come after those of the rows below it.
    fn unordered(bytes: &[u8], row: u32) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut text = Vec::new();
            part.read_to_end(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(text).unwrap();
                let start = xml.find(&format!("<row r=\"{row}\"")).unwrap();
                let end = start + xml[start..].find("</row>").unwrap() + "</row>".len();
                let moved = &xml[start..end];
                let rest = format!("{}{}", &xml[..start], &xml[end..]);
                let moved = format!("{moved}</sheetData>");
                text = rest.replacen("</sheetData>", &moved, 1).into_bytes();
            }
            out.start_file(name, opts).unwrap();
            out.write_all(&text).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// The dataset's text; what was passed over in the order [`read_all`] leaves it.
    fn shape(ds: &Dataset) -> String {
        let mut ignored = ds.ignored.clone();
        ignored.sort();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            ds.tables, ds.organizations, ds.communities, ds.issues, ignored
        )
    }

    /// What the whole-grid reading gives: the dataset, or the error.
    fn whole(f: &InputFile, book: &[u8], opts: &IngestOptions) -> Result<String, String> {
        let mut ds = Dataset::default();
        match read_whole(f, book.to_vec(), opts, &mut ds) {
            Ok(()) => Ok(shape(&ds)),
            Err(e) => Err(e.to_string()),
        }
    }

    fn streamed(
        f: &InputFile,
        book: &[u8],
        sizes: source::StreamSizes,
        opts: &IngestOptions,
    ) -> Result<String, String> {
        let mut ds = Dataset::default();
        let before = shape(&ds);
        match read_xlsx_stream(f, book.to_vec(), sizes, opts, &mut ds) {
            Ok(()) => Ok(shape(&ds)),
            Err(e) => {
                assert_eq!(shape(&ds), before, "a failed workbook leaves nothing");
                Err(e.to_string())
            }
        }
    }

    /// The pieces a workbook is handed on in, waiting for merged cells: heads, batches
    /// and restarts.
    fn pieces(f: &InputFile, book: &[u8], sizes: (usize, usize)) -> [usize; 3] {
        let mut n = [0; 3];
        let opts = IngestOptions::default();
        let hooks = (&opts.limits, &opts.progress);
        source::stream_workbook(&f.path, book.to_vec(), hooks, (sizes, true), &mut |p| {
            let i = match p {
                Piece::Head(_) => 0,
                Piece::Rows(..) | Piece::Cells(..) => 1,
                Piece::Restart => 2,
                Piece::Passed(_) => return,
            };
            n[i] += 1;
        })
        .unwrap();
        n
    }

    const SIZES: [(usize, usize); 8] = [
        (3, 1),
        (3, 2),
        (4, 3),
        (5, 4),
        (7, 9),
        (12, 5),
        (3, 1000),
        (5030, 16384),
    ];

    /// Each of [`SIZES`], waiting for merged cells (the pieces do not depend on timing)
    /// and not (as read for an audit).
    fn all_sizes() -> impl Iterator<Item = source::StreamSizes> {
        SIZES.into_iter().flat_map(|s| [(s, true), (s, false)])
    }

    /// The organization rows of an XLSX read as a stream go to a build as they are
    /// parsed when its sink is open: with the rows kept, all of them, once each. When
    /// the sheet's cells come out of row order after rows were handed on, the workbook
    /// read again keeps them all and says that rows were handed on before (the build is
    /// not to be used). Only a workbook of one worksheet is handed on while read.
    #[test]
    fn xlsx_rows_handed_on_and_read_again() {
        let f = InputFile {
            path: PathBuf::from("组织.xlsx"),
            in_folder: false,
        };
        let opts = IngestOptions::default();
        let book = workbook("", &[]);
        let total = {
            let mut ds = Dataset::default();
            read_whole(&f, book.clone(), &opts, &mut ds).unwrap();
            ds.organizations.len()
        };
        assert_eq!(total, 43);
        let run = |bytes: Vec<u8>| {
            let (tx, rx) = std::sync::mpsc::channel();
            let go = std::sync::Arc::new(std::sync::OnceLock::new());
            go.set(true).unwrap();
            let mut ds = Dataset {
                sink: Some(super::super::OrgSink {
                    tx,
                    go,
                    names_sent: 0,
                    expected: 0,
                }),
                ..Dataset::default()
            };
            read_xlsx_stream(&f, bytes, ((3, 2), true), &opts, &mut ds).unwrap();
            ds.sink = None;
            let sent: usize = rx.try_iter().flat_map(|b| b.blocks).map(|b| b.len()).sum();
            (sent, ds.organizations.len(), ds.handed_on_then_restarted)
        };
        let (sent, kept, again) = run(book.clone());
        assert!(sent > 30, "{sent}");
        assert_eq!((sent + kept, again), (total, false));
        let (sent, kept, again) = run(unordered(&book, 40));
        assert!(sent > 0 && again, "{sent} {again}");
        assert_eq!(kept, total);
        // One worksheet or not.
        let limit = opts.limits.input;
        assert!(!source::single_worksheet(&f.path, &book, limit));
        let mut one = rust_xlsxwriter::Workbook::new();
        one.add_worksheet().write_string(0, 0, "组织名称").unwrap();
        let one = one.save_to_buffer().unwrap();
        assert!(source::single_worksheet(&f.path, &one, limit));
        // Parts declared larger than the limit are not read.
        assert!(!source::single_worksheet(&f.path, &one, 100));
        assert!(!source::single_worksheet(
            Path::new("组织.csv"),
            &one,
            limit
        ));
        assert!(!source::single_worksheet(&f.path, b"a,b\n", limit));
    }

    /// An XLSX workbook read as a stream, in heads and batches of a few rows, gives
    /// exactly what its whole grids give: merged 县区 cells fill the rows below them
    /// wherever the batches are cut (a region across a cut, a region starting far below
    /// the head), rows without cells and blank rows at the end of a batch are counted
    /// only when a non-empty row follows, totals and notes are skipped; hidden, empty
    /// and chart sheets are passed over; cells out of row order (read again whole), an
    /// output of zhibiao or a table without header as a later sheet, and a limit or an
    /// over-long cell in a later batch or a later sheet give the same data or the same
    /// error, and a failed workbook leaves nothing.
    #[test]
    fn xlsx_read_in_batches_equals_one_grid() {
        let f = InputFile {
            path: PathBuf::from("组织.xlsx"),
            in_folder: false,
        };
        let folder = InputFile {
            path: f.path.clone(),
            in_folder: true,
        };
        let opts = IngestOptions::default();
        let book = workbook("", &[]);
        let one = whole(&f, &book, &opts).unwrap();
        let mut ds = Dataset::default();
        read_whole(&f, book.clone(), &opts, &mut ds).unwrap();
        assert_eq!(ds.tables.len(), 2, "{one}");
        assert_eq!(ds.organizations.len(), 31 + 12, "{one}");
        // The merged 县区 fills its rows: 区17 for rows of 组织18–25 (组织21 is blank).
        let county = |ds: &Dataset, name: &str| {
            let org = ds.organizations.iter().find(|o| &*o.name == name);
            org.map(|o| format!("{:?}", ds.names.name(o.place.county)))
        };
        assert!(
            county(&ds, "组织24").is_some_and(|c| c.contains("区17")),
            "{one}"
        );
        assert!(
            county(&ds, "组织35").is_some_and(|c| c.contains("区33")),
            "{one}"
        );
        assert!(
            county(&ds, "二表组织8").is_some_and(|c| c.contains("城区")),
            "{one}"
        );
        // Hidden, blank cells, no cells, a chart.
        assert_eq!(ds.ignored.len(), 4, "{one}");
        for sizes in all_sizes() {
            assert_eq!(
                streamed(&f, &book, sizes, &opts).as_ref(),
                Ok(&one),
                "{sizes:?}"
            );
        }
        // Read in pieces indeed: 组织's head and batches, 二表's head and batches.
        let [heads, batches, restarts] = pieces(&f, &book, (3, 2));
        assert_eq!((heads, restarts), (2, 0));
        assert!(batches > 20, "{batches}");
        // Cells out of row order: the workbook is read again, whole, after a restart
        // when rows were handed on; the rows are put in order as in one grid.
        for row in [40, 5] {
            let moved = unordered(&book, row);
            assert_eq!(whole(&f, &moved, &opts).as_ref(), Ok(&one), "row {row}");
            for sizes in all_sizes() {
                let got = streamed(&f, &moved, sizes, &opts);
                assert_eq!(got.as_ref(), Ok(&one), "row {row}, {sizes:?}");
            }
        }
        assert_eq!(pieces(&f, &unordered(&book, 40), (3, 2))[2], 1);
        assert_eq!(pieces(&f, &unordered(&book, 5), (100, 100)), [2, 0, 0]);
        // A later sheet that is an output of zhibiao: the file is passed over in a folder
        // (nothing of its first sheets stays), an error when named; a table without a
        // header: an error when named, passed over in a folder.
        let gap: Vec<String> = crate::report::COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect();
        let own = workbook("", &[("缺口", vec![gap, vec!["x".into()]])]);
        let headless = workbook("", &[("其他", vec![vec!["甲".into(), "乙".into()]])]);
        for book in [&own, &headless] {
            for file in [&f, &folder] {
                let one = whole(file, book, &opts);
                for sizes in all_sizes() {
                    assert_eq!(streamed(file, book, sizes, &opts), one, "{sizes:?}");
                }
            }
        }
        // Limits reached far below the head (in a later batch), or in a later sheet: the
        // same errors, and nothing read.
        let mut rows = IngestOptions::default();
        rows.limits.rows = 30;
        let mut chars = IngestOptions::default();
        chars.limits.cell_chars = 20;
        let long = workbook(&"长".repeat(30), &[]);
        let late = workbook("", &[("末表", vec![vec!["长".repeat(30)]])]);
        for (book, opts) in [(&book, &rows), (&long, &chars), (&late, &chars)] {
            let one = whole(&f, book, opts);
            assert!(one.is_err(), "{one:?}");
            for sizes in all_sizes() {
                assert_eq!(streamed(&f, book, sizes, opts), one, "{sizes:?}");
            }
        }
    }
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

    /// A dataset's tables, issues and rows as a list (the blocks they were parsed in may
    /// differ), with their places' names (and ids: the same names in the same order).
    fn shape(ds: &Dataset) -> String {
        let orgs: Vec<_> = ds
            .organizations
            .iter()
            .map(|o| (o, ds.names.place(&o.place)))
            .collect();
        format!("{:?}\n{orgs:?}\n{:?}", ds.tables, ds.issues)
    }

    /// A large CSV read from its file as UTF-8 on the strength of its first bytes
    /// ([`source::GUESS_BYTES`]; in tests, a kilobyte of a file of at least eight) gives
    /// what reading it with its encoding found from all its bytes gives: a GBK ledger
    /// whose first kilobyte is ASCII (its bad byte in the head's rows, or in a later
    /// window), a UTF-8 ledger with a GBK row far down (neither: the same error), one with
    /// a NUL far down (binary: the same error), and a UTF-8 ledger (guessed right).
    #[test]
    fn a_guessed_utf8_that_fails_later_reads_as_the_whole_file_says() {
        let dir = tempfile::tempdir().unwrap();
        // An ASCII header (the columns' English aliases), ASCII rows until `from`, then
        // Chinese rows; `pad` ASCII bytes in a title line first. Rows past the head's
        // (`CSV_HEAD_ROWS`) are read in windows.
        const ROWS: usize = CSV_HEAD_ROWS + 1000;
        let ledger = |pad: usize, from: usize| {
            let mut text = format!(
                "{}\nname,city,county,street,community,founded\n",
                "x".repeat(pad)
            );
            for i in 0..ROWS {
                if i < from {
                    text.push_str(&format!(
                        "org{i},Taiyuan,Xiaodian,Wucheng,Shifanjie,2021-01-01\n"
                    ));
                } else {
                    text.push_str(&format!(
                        "组织{i},太原市,小店区,坞城街道,师范街社区,2021-01-01\n"
                    ));
                }
            }
            text
        };
        let gbk = |t: &str| encoding_rs::GBK.encode(t).0.into_owned();
        let utf8_then_gbk = {
            let t = ledger(0, 0);
            let at = t.find(&format!("组织{}", CSV_HEAD_ROWS + 500)).unwrap();
            let mut b = t.as_bytes()[..at].to_vec();
            b.extend(gbk(&t[at..]));
            b
        };
        let nul_far_down = {
            let mut b = ledger(0, ROWS).into_bytes();
            let at = b.len() - 100;
            b[at] = 0;
            b
        };
        let cases: [(&str, Vec<u8>); 5] = [
            ("gbk-in-head", gbk(&ledger(2000, 0))),
            ("gbk-later", gbk(&ledger(0, CSV_HEAD_ROWS + 500))),
            ("neither", utf8_then_gbk),
            ("nul", nul_far_down),
            ("utf8", ledger(0, 100).into_bytes()),
        ];
        for (name, bytes) in cases {
            assert!(
                bytes.len() as u64 >= source::GUESS_MIN,
                "{name}: {}",
                bytes.len()
            );
            assert!(
                std::str::from_utf8(&bytes[..source::GUESS_BYTES]).is_ok(),
                "{name}: its first bytes are UTF-8"
            );
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, &bytes).unwrap();
            let f = InputFile {
                path: path.clone(),
                in_folder: false,
            };
            // Small windows: a bad byte in a later window than the head's.
            let sizes = source::WindowSizes {
                window: 4 << 10,
                min_piece: 1 << 10,
            };
            let opts = IngestOptions {
                threads: 2,
                ..Default::default()
            };
            let mut whole = Dataset::default();
            let want = read_csv_bytes(&f, &bytes, (CSV_HEAD_ROWS, sizes), &opts, &mut whole);
            let mut guessed = Dataset::default();
            let file = source::open_input(&path, opts.limits.input).unwrap();
            let csv = source::CsvRows::open_file_guessing(
                &path,
                file,
                None,
                opts.limits,
                opts.progress.clone(),
                true,
            )
            .unwrap();
            let first = read_csv(&f, csv, (CSV_HEAD_ROWS, sizes), &opts, &mut guessed);
            match (name, &first) {
                ("utf8", Ok(())) => {}
                (_, Err(IngestError::GuessedEncoding { .. })) if name != "utf8" => {}
                _ => panic!("{name}: guessed read gave {first:?}"),
            }
            // Through `read_file`: the guess, then (failed) the reading from the start.
            let mut ds = Dataset::default();
            let got = read_file(&f, &opts, &mut ds, true);
            match (&want, &got) {
                (Ok(()), Ok(())) => assert_eq!(shape(&ds), shape(&whole), "{name}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                _ => panic!("{name}: {want:?} against {got:?}"),
            }
            match name {
                "gbk-in-head" | "gbk-later" => {
                    assert_eq!(ds.organizations.len(), ROWS, "{name}");
                    let label = ds.tables[0].encoding.clone().unwrap_or_default();
                    assert!(label.starts_with("GB"), "{name}: {label}");
                }
                "utf8" => assert_eq!(ds.organizations.len(), ROWS),
                "neither" => assert!(got.unwrap_err().to_string().contains("GBK"), "{name}"),
                _ => assert!(got.unwrap_err().to_string().contains("NUL"), "{name}"),
            }
        }
    }

    /// What reading `bytes` as one grid, record by record, gives.
    fn one_grid(f: &InputFile, bytes: &[u8]) -> Dataset {
        let opts = IngestOptions::default();
        let mut one = Dataset::default();
        let grid = source::read_grids_from(&f.path, bytes.to_vec(), &opts)
            .unwrap()
            .grids
            .remove(0);
        rows::ingest_grid(grid, &opts, &mut one).unwrap();
        one
    }

    /// A CSV larger than the room a window's buffer is first given (64 KB, grown by
    /// doubling as bytes come) reads the same in windows of any size as in one grid: the
    /// buffers are reused from window to window, each holding what was read last.
    #[test]
    fn a_large_csv_reads_the_same_whatever_its_windows() {
        let mut text = String::from("组织名称,市,县区,街道乡镇,社区,组织类别,成立日期\n");
        for i in 0..6000 {
            text.push_str(&format!(
                "组织{i},太原市,小店区,坞城街道,社区{},文体活动类,2020-0{}-01\n",
                i % 97,
                1 + i % 9
            ));
        }
        let bytes = text.into_bytes();
        assert!(bytes.len() > 5 * (64 << 10), "{}", bytes.len());
        let f = InputFile {
            path: PathBuf::from("组织.csv"),
            in_folder: false,
        };
        let one = one_grid(&f, &bytes);
        assert_eq!(one.organizations.len(), 6000);
        for window in [1000, 70 << 10, 100 << 10, 200 << 10, 1 << 20] {
            for threads in [1, 2] {
                let opts = IngestOptions {
                    threads,
                    ..Default::default()
                };
                let sizes = source::WindowSizes {
                    window,
                    min_piece: 1 << 10,
                };
                let mut ds = Dataset::default();
                read_csv_bytes(&f, &bytes, (3, sizes), &opts, &mut ds).unwrap();
                assert_eq!(
                    shape(&ds),
                    shape(&one),
                    "window {window}, threads {threads}"
                );
            }
        }
    }

    /// A CSV read as a head and then windows cut into pieces parsed on several threads
    /// gives exactly what one grid read record by record gives, whatever the sizes: blank
    /// rows inside the table (also at the end of a window or piece) are counted and a run
    /// of them cut between pieces is one issue, blank rows after the last non-empty row are
    /// not rows, totals and notes are skipped wherever they fall, line numbers count the
    /// lines of quoted fields, CRLF and lone-CR line ends and blank lines; in UTF-8 and
    /// GBK. A row limit reached, or a bad byte met, in a later window is the same error.
    #[test]
    fn csv_read_in_windows_equals_one_grid() {
        // 60 records below the header: 24 blank, totals or blank lines (i % 13 in 3, 4,
        // 5, 7, 8), so 36 organizations, 3 of them (i = 22, 35, 48) quoted over two lines
        // and ended by a lone CR.
        let ledger = |quoted: bool| {
            let mut text = String::from(
                "标题：组织台账\r\n组织名称,市,县区,街道乡镇,社区,组织类别,成立日期\n",
            );
            for i in 0..60 {
                match i % 13 {
                    3..=5 => text.push_str(",,,,,,\n"),
                    7 => text.push_str("合计,,,,,,\r\n"),
                    8 => text.push_str("\n\n"),
                    9 if i > 20 && quoted => text.push_str(&format!(
                        "\"组织{i}，\"\"甲\"\"\n乙,丙\",太原市,小店区,坞城街道,师范街社区,文体活动类,2021-01-01\r"
                    )),
                    _ => text.push_str(&format!(
                        "组织{i},太原市,小店区,坞城街道,师范街社区,文体活动类,2020-0{}-01\n",
                        1 + i % 9
                    )),
                }
            }
            text.push_str("注：本表由街道填报\n,,,,,,\n\n,,,,,,\n");
            text
        };
        let text = ledger(true);
        let quoteless = ledger(false);
        assert!(!quoteless.contains('"'));
        let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
        let f = InputFile {
            path: PathBuf::from("组织.csv"),
            in_folder: false,
        };
        for (bytes, orgs) in [
            (text.clone().into_bytes(), 36),
            (quoteless.into_bytes(), 36),
            (gbk, 36),
        ] {
            let one = one_grid(&f, &bytes);
            assert_eq!(one.organizations.len(), orgs, "{}", shape(&one));
            for (head, window, min_piece, threads) in [
                (3, 1, 1, 1),
                (3, 2, 1, 3),
                (5, 40, 7, 2),
                (7, 90, 1, 4),
                (12, 300, 50, 3),
                (2, 1 << 20, 1, 2),
                (2, 1 << 20, 1 << 20, 2),
            ] {
                let opts = IngestOptions {
                    threads,
                    ..Default::default()
                };
                let sizes = source::WindowSizes { window, min_piece };
                let mut ds = Dataset::default();
                read_csv_bytes(&f, &bytes, (head, sizes), &opts, &mut ds).unwrap();
                assert_eq!(
                    shape(&ds),
                    shape(&one),
                    "head {head}, window {window}, piece {min_piece}, threads {threads}"
                );
            }
        }
        // The blank rows 4 to 6 of the table are one issue; those after the note are none.
        let mut ds = Dataset::default();
        let sizes = source::WindowSizes {
            window: 40,
            min_piece: 1,
        };
        let opts = IngestOptions {
            threads: 3,
            ..Default::default()
        };
        read_csv_bytes(&f, text.as_bytes(), (3, sizes), &opts, &mut ds).unwrap();
        let blank: Vec<(u32, u32)> = ds
            .issues
            .iter()
            .filter_map(|i| i.blank_run().map(|(o, rows)| (o.row, rows)))
            .collect();
        assert_eq!(blank.first(), Some(&(6, 3)), "{blank:?}");
        assert!(blank.iter().all(|&(row, n)| row + n <= 80), "{blank:?}");
        // A limit reached far below the header (in a later window) is the same error.
        let mut opts = IngestOptions::default();
        opts.limits.rows = 30;
        opts.threads = 2;
        let whole = source::read_grids_from(&f.path, text.clone().into_bytes(), &opts).unwrap_err();
        assert!(whole.to_string().contains("30"), "{whole}");
        for window in [2, 64, 1 << 20] {
            let sizes = source::WindowSizes {
                window,
                min_piece: 1,
            };
            let mut ds = Dataset::default();
            let streamed =
                read_csv_bytes(&f, text.as_bytes(), (3, sizes), &opts, &mut ds).unwrap_err();
            assert_eq!(streamed.to_string(), whole.to_string());
        }
        // A byte that is not UTF-8 in a later window: the same line and offset.
        let mut bad = text.clone().into_bytes();
        let at = bad.len() - 200;
        let at = at + bad[at..].iter().position(|&b| b == b'1').unwrap();
        bad[at] = 0xff;
        let opts = IngestOptions {
            encoding: Some(encoding_rs::UTF_8),
            threads: 2,
            ..Default::default()
        };
        let whole = source::read_grids_from(&f.path, bad.clone(), &opts).unwrap_err();
        assert!(whole.to_string().contains("UTF-8"), "{whole}");
        for window in [3, 64, 1 << 20] {
            let sizes = source::WindowSizes {
                window,
                min_piece: 1,
            };
            let mut ds = Dataset::default();
            let streamed = read_csv_bytes(&f, &bad, (3, sizes), &opts, &mut ds).unwrap_err();
            assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
        }
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

    /// A dataset as text, its organizations' places by name (ids depend on nothing else
    /// being read, names do not).
    fn dataset_text(ds: &Dataset) -> String {
        let orgs: Vec<String> = ds
            .organizations
            .iter()
            .map(|o| format!("{o:?} {:?}", ds.names.place(&o.place)))
            .collect();
        format!(
            "{:#?}\n{:#?}\n{orgs:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}",
            ds.tables,
            ds.communities,
            ds.incubators,
            ds.projects,
            ds.events,
            ds.funds,
            ds.issues,
            ds.ignored,
            ds.hashes,
        )
    }

    /// A row as text after where it is (`at`), its own table number left out.
    fn debug_at<T: Clone + std::fmt::Debug>(
        r: &T,
        origin: fn(&mut T) -> &mut crate::ingest::Origin,
        at: &dyn Fn(&crate::ingest::Origin) -> String,
    ) -> String {
        let mut r = r.clone();
        let o = *origin(&mut r);
        origin(&mut r).table = 0;
        format!("{} {r:?}", at(&o))
    }

    fn threads(n: usize) -> IngestOptions {
        IngestOptions {
            threads: n,
            ..IngestOptions::default()
        }
    }

    /// Files read side by side on several threads give the dataset, and the failures, of
    /// reading them one after the other: every fixture folder (many files of every format,
    /// copies, passed-over and unreadable files), with the tables numbered across files.
    #[test]
    fn files_read_side_by_side_equal_one_after_the_other() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let inputs: Vec<PathBuf> = [
            "demo",
            "messy",
            "web/csv",
            "web/gb2312",
            "web/utf8",
            "web/xml",
            "shaanxi",
            "stray",
            "demo/2023Q2",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        let one = read_inputs_all(&inputs, &threads(1)).unwrap();
        let text = dataset_text(&one.dataset);
        let failed: Vec<String> = one.failures.iter().map(ToString::to_string).collect();
        assert!(
            one.dataset.tables.len() > 10,
            "{}",
            one.dataset.tables.len()
        );
        assert!(one.dataset.tables.iter().any(|t| t.rows_read > 0), "{text}");
        for n in [2, 8] {
            let many = read_inputs_all(&inputs, &threads(n)).unwrap();
            assert!(dataset_text(&many.dataset) == text, "{n} threads");
            let f: Vec<String> = many.failures.iter().map(ToString::to_string).collect();
            assert_eq!(f, failed, "{n} threads");
        }
        // Every row and issue names the table (file and sheet) it was read from: the same
        // as when its file is read alone (where the tables are numbered from 0).
        let located = |ds: &Dataset| -> Vec<String> {
            let at = |o: &crate::ingest::Origin| {
                let t = &ds.tables[o.table as usize];
                format!("{}#{:?}:{}", t.file.display(), t.sheet, o.row)
            };
            let mut v: Vec<String> = ds
                .issues
                .iter()
                .map(|i| {
                    format!(
                        "{} {}",
                        i.origin.as_ref().map(at).unwrap_or_default(),
                        i.text()
                    )
                })
                .collect();
            v.extend(
                ds.communities
                    .iter()
                    .map(|r| format!("{} {:?}", at(&r.origin), r.place)),
            );
            v.extend(ds.organizations.iter().map(|r| {
                format!(
                    "{} {} {:?}",
                    at(&r.origin),
                    r.name,
                    ds.names.place(&r.place)
                )
            }));
            v.extend(
                ds.incubators
                    .iter()
                    .map(|r| format!("{} {}", at(&r.origin), r.name)),
            );
            v.extend(
                ds.projects
                    .iter()
                    .map(|r| debug_at(r, |r| &mut r.origin, &at)),
            );
            v.extend(
                ds.events
                    .iter()
                    .map(|r| debug_at(r, |r| &mut r.origin, &at)),
            );
            v.extend(ds.funds.iter().map(|r| debug_at(r, |r| &mut r.origin, &at)));
            v.sort();
            v
        };
        let mut files: Vec<&PathBuf> = one.dataset.tables.iter().map(|t| &t.file).collect();
        files.dedup();
        let mut alone = Vec::new();
        for file in files {
            let ds = read_inputs(std::slice::from_ref(file), &threads(1)).unwrap();
            alone.extend(located(&ds));
        }
        alone.sort();
        let got = located(&one.dataset);
        let missing: Vec<&String> = alone.iter().filter(|x| !got.contains(x)).collect();
        let extra: Vec<&String> = got.iter().filter(|x| !alone.contains(x)).collect();
        assert!(
            got == alone,
            "only when alone: {missing:#?}\nonly when together: {extra:#?}"
        );
    }

    /// When two files named fail, the first of them in input order is the error, however
    /// many threads read them (the second may well fail first).
    #[test]
    fn the_first_failing_file_in_order_is_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let good = root.join("孵化基地.csv");
        let bad1 = dir.path().join("b1.xlsx");
        let bad2 = dir.path().join("b2.xlsx");
        // A large broken workbook first, a small one after it.
        std::fs::write(
            &bad1,
            [b"PK\x03\x04".as_slice(), &[7u8; 3_000_000]].concat(),
        )
        .unwrap();
        std::fs::write(&bad2, b"PK\x03\x04 broken").unwrap();
        let inputs = vec![good, bad1, bad2];
        for n in [1, 2, 4] {
            let e = read_inputs(&inputs, &threads(n)).unwrap_err().to_string();
            assert!(
                e.contains("b1.xlsx") && !e.contains("b2.xlsx"),
                "{n} threads: {e}"
            );
        }
    }

    /// Every file read is hashed, unless no hash is wanted: then only the files that share
    /// a size (to find copies) are; the rows, tables and passed-over copies are the same.
    #[test]
    fn files_are_hashed_unless_skipped_and_copies_are_found_either_way() {
        use sha2::Digest;
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a.csv"),
            dir.path().join("b.csv"),
            dir.path().join("c.csv"),
        );
        std::fs::copy(demo.join("经费.csv"), &a).unwrap();
        std::fs::copy(demo.join("经费.csv"), &b).unwrap();
        std::fs::copy(demo.join("孵化基地.csv"), &c).unwrap();
        let sha = |p: &Path| -> [u8; 32] { sha2::Sha256::digest(std::fs::read(p).unwrap()).into() };
        let inputs = vec![dir.path().to_path_buf()];
        let all = read_inputs(&inputs, &IngestOptions::default()).unwrap();
        let skip = IngestOptions {
            skip_hashes: true,
            ..IngestOptions::default()
        };
        let some = read_inputs(&inputs, &skip).unwrap();
        let hashed = |ds: &Dataset| -> Vec<(PathBuf, [u8; 32])> {
            ds.hashes.iter().map(|(p, h)| (p.clone(), *h)).collect()
        };
        assert_eq!(
            hashed(&all),
            vec![
                (a.clone(), sha(&a)),
                (b.clone(), sha(&b)),
                (c.clone(), sha(&c))
            ]
        );
        assert_eq!(
            hashed(&some),
            vec![(a.clone(), sha(&a)), (b.clone(), sha(&b))]
        );
        assert!(!all.incubators.is_empty() && !all.funds.is_empty());
        assert_eq!(all.ignored.len(), 1, "{:?}", all.ignored);
        let mut without = all;
        without.hashes.remove(&c);
        assert_eq!(dataset_text(&without), dataset_text(&some));
    }
}
