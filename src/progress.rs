//! The progress bar on stderr: rows read per file, then the evaluation. Drawn only when
//! stderr is a terminal, only once a run has taken more than a second (a small audit
//! shows nothing), and never with `--quiet`.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zhibiao::ingest::{Progress, ProgressHook};

/// How long a run goes before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// A spinner with the file being read and the rows read so far.
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
}

impl Bar {
    /// A bar for this run: `enabled` when stderr is a terminal and `--quiet` is off.
    pub fn new(enabled: bool) -> Arc<Bar> {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {msg} {human_pos} 行 rows {elapsed}")
        {
            bar.set_style(style);
        }
        Arc::new(Bar {
            bar,
            started: Instant::now(),
            enabled,
        })
    }

    /// The hook that reading reports to.
    pub fn hook(self: &Arc<Self>) -> ProgressHook {
        if self.enabled {
            ProgressHook(Some(self.clone() as Arc<dyn Progress>))
        } else {
            ProgressHook::default()
        }
    }

    /// Show the bar once the run has gone on for [`DELAY`].
    fn reveal(&self) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() >= DELAY {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Reading is done: say that the targets are being evaluated.
    pub fn evaluating(&self) {
        if self.enabled {
            self.bar.set_message("评估 evaluating");
            self.reveal();
        }
    }

    /// Remove the bar before the report is printed.
    pub fn finish(&self) {
        if self.enabled {
            self.bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn file(&self, path: &Path) {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        self.bar.set_message(format!("读取 reading {name}"));
        self.reveal();
    }

    fn rows(&self, n: u64) {
        self.bar.inc(n);
        self.reveal();
    }
}

/// The run's bar (one per process: a baseline audit read beside the current one adds its
/// rows to it).
static BAR: OnceLock<Arc<Bar>> = OnceLock::new();

/// The hook for reading, creating the run's bar on first use: shown when stderr is a
/// terminal and `quiet` is off.
pub fn hook(quiet: bool) -> ProgressHook {
    BAR.get_or_init(|| Bar::new(!quiet && std::io::stderr().is_terminal()))
        .hook()
}

/// See [`Bar::evaluating`] (nothing when no input was read).
pub fn evaluating() {
    if let Some(b) = BAR.get() {
        b.evaluating();
    }
}

/// See [`Bar::finish`]: called before anything is printed.
pub fn finish() {
    if let Some(b) = BAR.get() {
        b.finish();
    }
}

/// With `ZHIBIAO_TIMES` set in the environment, print to stderr the time since the
/// process started at the end of each phase (for benchmarking; off by default).
pub fn phase(name: &str) {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    let start = START.get_or_init(|| std::env::var_os("ZHIBIAO_TIMES").map(|_| Instant::now()));
    if let Some(start) = start {
        // Resident and peak memory so far (Linux), to see which phase holds what.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map_or(String::new(), |v| v.trim().to_string())
        };
        // CPU so far (user + system, all threads): /proc/self/stat's 14th and 15th
        // fields, in clock ticks (100 a second on Linux).
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let ticks: u64 = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().skip(11).take(2))
            .into_iter()
            .flatten()
            .filter_map(|t| t.parse::<u64>().ok())
            .sum();
        eprintln!(
            "[times] {name}: {:.3} s, cpu {:.2} s, rss {}, peak {}",
            start.elapsed().as_secs_f64(),
            ticks as f64 / 100.0,
            field("VmRSS:"),
            field("VmHWM:")
        );
    }
}
