//! Outputs that never destroy anything.
//!
//! Every report, `--rejects` file and standard-output write of the CLI goes through here:
//!
//! - [`check`] runs before any input is read. It refuses an output that is one of the
//!   inputs (directly, through a symbolic or hard link, or spelled `./a/../a/x`) or a
//!   ledger file inside an input folder, the same output given twice (`--rejects X -o X`
//!   too), an output whose folder does not exist, a folder, a read-only file and a folder
//!   that cannot be written to. `-` is standard output.
//! - [`write_files`] writes every output to a temporary file in its target's folder,
//!   flushed to disk, and renames them into place only once all of them were written: an
//!   interrupted or failing run leaves each target as it was or complete, never torn,
//!   and a full disk leaves no partial file. An existing target keeps its permissions.
//!   A FIFO or device named as output (`-o /dev/null`) is written directly.
//! - [`print`] writes to standard output; once the reader has gone (`zhibiao … | head`)
//!   the rest of the output is dropped silently and the run finishes its files.
//! - [`install_interrupt_handler`]: Ctrl-C (SIGINT), SIGTERM and SIGHUP remove the
//!   temporary files not yet renamed and exit 130.
//! - [`fatal`]: what a panic prints.

pub mod fatal;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::ingest;

/// Suffix of the temporary files (a run killed with SIGKILL may leave one; the next run
/// in that folder lists it as not a spreadsheet).
pub(crate) const TEMP_SUFFIX: &str = ".zhibiao-tmp";

/// Why an output cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output would replace an input.
    #[error("{flag} {path}: 这是输入文件 {input}，zhibiao 不会覆盖输入 / this is the input {input}; zhibiao never overwrites its inputs")]
    IsInput {
        /// The option (`-o`, `--rejects`, `--history`).
        flag: &'static str,
        /// The output as given.
        path: PathBuf,
        /// The input it is.
        input: PathBuf,
    },
    /// The same output given twice.
    #[error("{flag} {path}: 与 {other_flag} {other} 是同一个文件，每个输出只能给一次 / the same file as {other_flag} {other}; give each output once")]
    Duplicate {
        /// The second option.
        flag: &'static str,
        /// The second output as given.
        path: PathBuf,
        /// The first option.
        other_flag: &'static str,
        /// The first output as given.
        other: PathBuf,
    },
    /// The output's folder does not exist.
    #[error("{flag} {path}: 文件夹 {dir} 不存在 / the folder {dir} does not exist")]
    NoFolder {
        /// The option.
        flag: &'static str,
        /// The output as given.
        path: PathBuf,
        /// The missing folder.
        dir: PathBuf,
    },
    /// The output is a folder, or names none (`.`, `..`, `/`).
    #[error("{flag} {path}: 这是文件夹，请给出文件名 / is a folder; give a file name")]
    IsFolder {
        /// The option.
        flag: &'static str,
        /// The output as given.
        path: PathBuf,
    },
    /// `-` where standard output cannot be used.
    #[error("{flag} -: {why}")]
    Stdout {
        /// The option.
        flag: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// Cannot be written (read-only, full disk, no permission …).
    #[error("{path}: 无法写入 / cannot write: {message}")]
    Write {
        /// The output as given (or "standard output").
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// An output as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The option that named it (`-o`, `--rejects`, `--history`), for messages.
    pub flag: &'static str,
    /// The path as given; `-` is standard output.
    pub path: PathBuf,
}

impl Requested {
    /// An output named by `flag`.
    pub fn new(flag: &'static str, path: &Path) -> Requested {
        Requested {
            flag,
            path: path.to_path_buf(),
        }
    }
}

/// Where a checked output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output (`-`).
    Stdout,
    /// A file.
    File {
        /// The path as given (for messages).
        given: PathBuf,
        /// Where to write: the existing file with symbolic links resolved, or the new
        /// file's name in its canonical folder.
        real: PathBuf,
        /// An existing FIFO or device (`/dev/null`): written directly, not renamed over.
        special: bool,
    },
}

impl Target {
    /// Whether the output is standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Target::Stdout)
    }
}

/// Whether the path is `-` (standard output).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// What makes two paths the same file: the canonical path, and (unix) the device and
/// inode, which also catch hard links.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    path: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Identity {
    fn same(&self, other: &Identity) -> bool {
        self.path == other.path || (self.inode.is_some() && self.inode == other.inode)
    }

    /// The identity of an existing file (links followed); `None` when it does not exist.
    fn of_existing(path: &Path) -> Option<Identity> {
        let meta = fs::metadata(path).ok()?;
        let real = fs::canonicalize(path).ok()?;
        Some(Identity {
            path: real,
            inode: inode(&meta),
        })
    }
}

#[cfg(unix)]
fn inode(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn inode(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn write_error(path: &Path, e: &std::io::Error) -> OutputError {
    let message = match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("没有写入权限（只读？） / permission denied (read-only?): {e}")
        }
        std::io::ErrorKind::StorageFull => format!("磁盘已满 / disk full: {e}"),
        std::io::ErrorKind::ReadOnlyFilesystem => {
            format!("只读文件系统 / read-only file system: {e}")
        }
        _ => e.to_string(),
    };
    OutputError::Write {
        path: path.to_path_buf(),
        message,
    }
}

/// Find where one file output goes and what it is (see [`check`]); nothing is opened.
fn resolve(r: &Requested) -> Result<(Target, Identity), OutputError> {
    let path = &r.path;
    let folder_error = || OutputError::IsFolder {
        flag: r.flag,
        path: path.clone(),
    };
    // "out/" or "..": no file name (std drops a trailing "." and keeps "..").
    let name = match path.file_name() {
        Some(n) if !path.as_os_str().to_string_lossy().ends_with(['/', '\\']) => n,
        _ => return Err(folder_error()),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(folder_error()),
        Ok(meta) => {
            let real = fs::canonicalize(path).map_err(|e| write_error(path, &e))?;
            let id = Identity {
                path: real.clone(),
                inode: inode(&meta),
            };
            let target = Target::File {
                given: path.clone(),
                real,
                special: !meta.is_file(),
            };
            Ok((target, id))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                _ => {
                    return Err(OutputError::NoFolder {
                        flag: r.flag,
                        path: path.clone(),
                        dir: dir.to_path_buf(),
                    })
                }
            }
            let real_dir = fs::canonicalize(dir).map_err(|e| write_error(path, &e))?;
            let real = real_dir.join(name);
            let id = Identity {
                path: real.clone(),
                inode: None,
            };
            let target = Target::File {
                given: path.clone(),
                real,
                special: false,
            };
            Ok((target, id))
        }
        Err(e) => Err(write_error(path, &e)),
    }
}

/// Whether an output can be written, found now rather than after the whole audit: an
/// existing file is opened for writing without truncating (which changes nothing), and
/// a temporary file is made and removed in the folder that will take the new file.
fn probe(target: &Target) -> Result<(), OutputError> {
    let Target::File {
        given,
        real,
        special: false,
    } = target
    else {
        return Ok(());
    };
    if real.exists() {
        fs::OpenOptions::new()
            .write(true)
            .open(real)
            .map_err(|e| write_error(given, &e))?;
    }
    probe_folder(given, real.parent().unwrap_or(Path::new(".")))
}

/// Whether a temporary file can be made in the folder (a read-only folder is an error
/// before the audit, not after).
fn probe_folder(given: &Path, dir: &Path) -> Result<(), OutputError> {
    let probe =
        TempGuard::create(dir, ".zhibiao-probe", None).map_err(|e| write_error(given, &e))?;
    drop(probe);
    Ok(())
}

/// Whether an existing file in an input folder is one the folder reading would read: a
/// spreadsheet that is not an output of zhibiao (those are passed over, so a report may
/// be written again over the previous one).
fn read_as_ledger(path: &Path) -> bool {
    if !ingest::source::is_spreadsheet(path) {
        return false;
    }
    match ingest::source::read_grids(path, &ingest::IngestOptions::default()) {
        Ok(file) => !file
            .grids
            .iter()
            .any(|g| ingest::inputs::own_output(g).is_some()),
        Err(_) => true,
    }
}

/// Check the outputs of a command before anything is read, against each other and
/// against its inputs (files and folders: ledgers, plan and rule files, baselines). Returns
/// where each output goes, in the order given. See the module documentation for what is
/// refused; `-` (standard output) may be given once, and only where `stdout_ok` says.
pub fn check(
    outputs: &[Requested],
    inputs: &[PathBuf],
    stdout_ok: impl Fn(&Requested) -> Result<(), &'static str>,
) -> Result<Vec<Target>, OutputError> {
    let mut targets = Vec::with_capacity(outputs.len());
    let mut seen: Vec<(usize, Identity)> = Vec::new();
    let mut stdout_at: Option<usize> = None;
    for (i, r) in outputs.iter().enumerate() {
        if is_stdout(&r.path) {
            stdout_ok(r).map_err(|why| OutputError::Stdout { flag: r.flag, why })?;
            if let Some(j) = stdout_at {
                return Err(duplicate(r, &outputs[j]));
            }
            stdout_at = Some(i);
            targets.push(Target::Stdout);
            continue;
        }
        let (target, id) = resolve(r)?;
        if let Some((j, _)) = seen.iter().find(|(_, other)| other.same(&id)) {
            return Err(duplicate(r, &outputs[*j]));
        }
        seen.push((i, id));
        targets.push(target);
    }
    if seen.is_empty() {
        return Ok(targets);
    }
    let clash = |input: &Identity| seen.iter().find(|(_, o)| o.same(input)).map(|(i, _)| *i);
    for input in inputs {
        let Ok(meta) = fs::metadata(input) else {
            continue; // a missing input is the reader's to report
        };
        if meta.is_dir() {
            let Ok(entries) = fs::read_dir(input) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(id) = Identity::of_existing(&path) else {
                    continue;
                };
                if let Some(i) = clash(&id) {
                    if read_as_ledger(&path) {
                        return Err(is_input(&outputs[i], path));
                    }
                }
            }
        } else if let Some(i) = Identity::of_existing(input).as_ref().and_then(clash) {
            return Err(is_input(&outputs[i], input.clone()));
        }
    }
    for t in &targets {
        probe(t)?;
    }
    Ok(targets)
}

fn duplicate(second: &Requested, first: &Requested) -> OutputError {
    OutputError::Duplicate {
        flag: second.flag,
        path: second.path.clone(),
        other_flag: first.flag,
        other: first.path.clone(),
    }
}

fn is_input(r: &Requested, input: PathBuf) -> OutputError {
    OutputError::IsInput {
        flag: r.flag,
        path: r.path.clone(),
        input,
    }
}

// ------------------------------------------------------------------ temporary files

/// Temporary files not yet renamed into place, removed by the interrupt handler.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file registered for removal on interrupt; dropped, it is removed.
struct TempGuard {
    file: Option<tempfile::NamedTempFile>,
}

impl TempGuard {
    /// Create `dir/.NAME.XXXXXX.zhibiao-tmp`, registered before the interrupt handler
    /// can look (the registry's lock is held while the file is created).
    fn create(
        dir: &Path,
        prefix: &str,
        permissions: Option<fs::Permissions>,
    ) -> std::io::Result<TempGuard> {
        let mut registry = temps();
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix).suffix(TEMP_SUFFIX);
        // Like a file made by `File::create`: 0666 less the umask (tempfile's default
        // is 0600, which would leave a report unreadable to the others).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let file = builder.tempfile_in(dir)?;
        if let Some(p) = permissions {
            file.as_file().set_permissions(p)?;
        }
        registry.push(file.path().to_path_buf());
        Ok(TempGuard { file: Some(file) })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.write_all(bytes)?;
        file.flush()?;
        // Some file systems say "disk full" only here.
        file.as_file().sync_all()
    }

    /// Rename into place (under the registry's lock, so that the interrupt handler sees
    /// either the temporary file or the renamed one, never a half-done state).
    fn persist(mut self, to: &Path) -> std::io::Result<()> {
        let mut registry = temps();
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let path = file.path().to_path_buf();
        let result = file.persist(to).map(|_| ()).map_err(|e| e.error);
        registry.retain(|p| *p != path);
        result
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        let mut registry = temps();
        if let Some(file) = self.file.take() {
            let path = file.path().to_path_buf();
            drop(file); // removes it
            registry.retain(|p| *p != path);
        }
    }
}

/// Remove every temporary file not yet renamed (the interrupt handler). Returns with
/// the registry locked so that no rename starts after it.
fn remove_temps() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut registry = temps();
    remove_all(&mut registry);
    registry
}

fn remove_all(registry: &mut Vec<PathBuf>) {
    for p in registry.drain(..) {
        let _ = fs::remove_file(&p);
    }
}

/// Install the handler of Ctrl-C (SIGINT), SIGTERM and SIGHUP: remove the temporary
/// files, say so on standard error, exit 130. The handler runs on a thread of its own
/// (the `ctrlc` crate), not inside the signal, so it may lock and remove files.
pub fn install_interrupt_handler() -> Result<(), String> {
    ctrlc::set_handler(|| {
        let _held = remove_temps();
        let _ = writeln!(std::io::stderr(), "已中断 interrupted");
        std::process::exit(130);
    })
    .map_err(|e| e.to_string())
}

// ------------------------------------------------------------------------- writing

/// Write outputs, all or none: every file is first written in full to a temporary file
/// beside it and flushed to disk; FIFOs and devices are then written directly; only when
/// all of that succeeded are the temporary files renamed over their targets. On an error
/// (full disk, read-only …) the temporary files are removed and every target is left as
/// it was. [`Target::Stdout`] entries are skipped: standard output is [`print`]'s.
pub fn write_files(items: &[(&Target, &[u8])]) -> Result<(), OutputError> {
    let mut staged: Vec<(TempGuard, &Path)> = Vec::new();
    let mut direct: Vec<(&Path, &Path, &[u8])> = Vec::new();
    for (target, bytes) in items {
        let Target::File {
            given,
            real,
            special,
        } = target
        else {
            continue;
        };
        if *special {
            direct.push((given, real, bytes));
            continue;
        }
        let name = real
            .file_name()
            .map(|n| format!(".{}.", n.to_string_lossy()))
            .unwrap_or_default();
        let dir = real.parent().unwrap_or(Path::new("."));
        let permissions = fs::metadata(real).ok().map(|m| m.permissions());
        let mut temp =
            TempGuard::create(dir, &name, permissions).map_err(|e| write_error(given, &e))?;
        temp.write(bytes).map_err(|e| write_error(given, &e))?;
        staged.push((temp, real));
    }
    for (given, real, bytes) in direct {
        fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(real)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()))
            .map_err(|e| write_error(given, &e))?;
    }
    for (temp, real) in staged {
        temp.persist(real).map_err(|e| write_error(real, &e))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ standard output

/// Set once standard output's reader has gone.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether a write to standard output found the pipe closed.
pub(crate) fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Write to standard output. A closed pipe (`zhibiao … | head`) is not an error: this
/// and every later write are dropped, quietly, as other Unix tools do, and the command
/// goes on with its files. Any other failure (`> /dev/full`) is an error.
pub fn print(bytes: &[u8]) -> Result<(), OutputError> {
    if stdout_closed() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(write_error(Path::new("标准输出 standard output"), &e)),
    }
}

/// [`print`] for text.
pub fn print_str(text: &str) -> Result<(), OutputError> {
    print(text.as_bytes())
}

#[cfg(test)]
mod tests;
