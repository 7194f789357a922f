//! Command-line definitions (clap). Dispatch lives in `main.rs`.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit status:
  0  every error-severity target is met at its assessed level (or --fail-on never)
  1  some target is unmet or a reporting unit has no data
  2  the audit could not run: bad plan, unreadable input, missing columns, bad arguments

Examples:
  zhibiao audit fixtures/demo --as-of 2023-12-31
  zhibiao audit --plan shanxi-2021-2023 --scope 阳泉市 --by county 台账/
  zhibiao audit fixtures/demo -o 报告.pdf -o gaps.csv -o gaps.xlsx -o report.html -o junit.xml
  zhibiao audit fixtures/demo --format csv --no-bom > gaps.csv
  zhibiao inspect fixtures/demo --rejects rejects.csv
  zhibiao template --scope 阳泉市 社区名单.xlsx -o 台账模板.xlsx
  zhibiao plan show shanxi-2021-2023";

/// zhibiao (指标): audit community social-organization ledgers (台账) against the
/// quantitative targets of a policy plan.
///
/// Give it the spreadsheets counties send up (XLSX, XLS, ODS, CSV in UTF-8 or GBK, or
/// folders of them): a community list (社区/村), organizations (社区社会组织), incubation
/// bases, projects, events and funds. It prints where each region stands against each
/// target: value, required, gap, met or not.
#[derive(Debug, Parser)]
#[command(name = "zhibiao", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the inputs against a plan and print the gap report.
    #[command(after_help = AFTER_HELP)]
    Audit(AuditArgs),
    /// Audit several quarterly snapshots with one plan and show each region's movement:
    /// `zhibiao trend 2023Q2/ 2023Q3/ 2023Q4/` (folders or files; the as-of date of each is
    /// the period in its name, or give it as `PATH=2023-09-30`). Prints per target the value
    /// at each date, a sparkline, the change and the outlook; `--format csv|json` or
    /// `-o trend.csv` gives every snapshot's rows with the movement from the one before.
    /// The options are those of `audit` (--as-of and --baseline excepted); the exit code is
    /// that of the last snapshot's audit. With `--history FILE` and no snapshots, the trend
    /// is drawn from the audits recorded there (`--plan` and `--scope` select the series);
    /// with snapshots, each is also recorded.
    #[command(
        mut_arg("as_of", |a| a.hide(true)),
        mut_arg("baseline", |a| a.hide(true)),
        mut_arg("baseline_as_of", |a| a.hide(true)),
        mut_arg("issues_out", |a| a.hide(true)),
    )]
    Trend(AuditArgs),
    /// Show what was read from each file and sheet: table kind, header row, column
    /// mapping, row accounting and data issues.
    Inspect(InspectArgs),
    /// List every data issue to send back to the counties: code, file, sheet, row,
    /// column, the cell as written, what zhibiao did with the row and a suggested fix,
    /// one sheet per county (or city) with identical issues on one line with their count
    /// and rows (`-o 问题清单.xlsx`), or one line per issue (`-o issues.csv`).
    #[command(after_help = ISSUES_AFTER_HELP)]
    Issues(IssuesArgs),
    /// Compare two exports of the ledgers (a quarter and the one before): organizations
    /// and incubators added, dissolved, moved and renamed, and per-region counts that
    /// explain the change.
    #[command(after_help = DIFF_AFTER_HELP)]
    Diff(DiffArgs),
    /// Write an empty ledger workbook (台账模板) for a plan: one sheet per table the plan
    /// reads, canonical headers, drop-down lists for the enumerated columns (and, given a
    /// community list, for the street and community names of --scope), date formats,
    /// frozen headers and a 说明 sheet on each column and the targets that use it.
    /// zhibiao reads the filled-in workbook back as it is.
    #[command(after_help = TEMPLATE_AFTER_HELP)]
    Template(TemplateArgs),
    /// List the built-in plans.
    Plans {
        /// Wrap lines longer than N display columns, at spaces and between CJK characters,
        /// never inside a word or number (default: the terminal's width; not wrapped when
        /// piped or redirected, one line per item for grep).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
        width: Option<u16>,
    },
    /// Print a shell completion script, generated from these definitions:
    /// `zhibiao completions bash > ~/.local/share/bash-completion/completions/zhibiao`.
    Completions {
        /// The shell.
        #[arg(value_parser = Localized::<Shell>::new())]
        shell: Shell,
    },
    /// Print the manual page (roff), generated from these definitions:
    /// `zhibiao man > ~/.local/share/man/man1/zhibiao.1`; with `--dir`, write it and a page
    /// for each subcommand (zhibiao-audit.1, …) into that folder.
    Man {
        /// Folder to write zhibiao.1 and the subcommands' pages into (created if missing).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Show or check a plan.
    Plan {
        /// What to do with the plan.
        #[command(subcommand)]
        action: PlanAction,
    },
}

/// `zhibiao plan …`.
#[derive(Debug, Subcommand)]
pub enum PlanAction {
    /// Print each target of a plan with its clause and interpretation.
    Show {
        /// Built-in plan id or path to a plan file.
        plan: String,
        /// Largest plan file read (K, M, G suffixes).
        #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
        max_plan_size: u64,
        /// Wrap lines longer than N display columns, at spaces and between CJK characters,
        /// never inside a word or number (default: the terminal's width; not wrapped when
        /// piped or redirected, one line per item for grep).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
        width: Option<u16>,
    },
    /// Validate a plan file; errors are reported as file:line:column.
    Check {
        /// Path to a plan file (TOML).
        path: PathBuf,
        /// Largest plan file read (K, M, G suffixes).
        #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
        max_plan_size: u64,
    },
}

/// Options shared by every command that reads inputs.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Files (.xlsx .xls .ods .csv) or folders (their spreadsheet files, in name order).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Encoding of every CSV instead of detecting it (utf-8, gbk, gb18030).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<String>,
    /// Force the table kind of a file or sheet whose header is not recognized, or skip it:
    /// `FILE=KIND` or `FILE#SHEET=KIND`, KIND one of communities, organizations,
    /// incubators, projects, events, funds, skip. Repeatable.
    #[arg(long = "kind", value_name = "FILE[#SHEET]=KIND", value_parser = parse_kind)]
    pub kinds: Vec<KindArg>,
    /// Which route decides urban/rural after the 城乡类型 column: the committee type in
    /// the community name (default), or the NBS 城乡分类代码.
    #[arg(long, value_parser = Localized::<UrbanRuralRoute>::new(), default_value = "name")]
    pub urban_rural: UrbanRuralRoute,
    /// Write every skipped row (file, sheet, row, reason, original cells) to this CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub rejects: Option<PathBuf>,
    /// Make a passed-over spreadsheet an error (for CI): a folder file whose header fits
    /// no table kind, an output of zhibiao, a second copy of the same content.
    #[arg(long)]
    pub strict: bool,
    /// Do not read this file, given directly or found in an input folder: a path, or a
    /// file name alone (e.g. "项目与活动 (1).xlsx"). Repeatable; one that matches no
    /// input is an error.
    #[arg(long = "exclude", value_name = "FILE")]
    pub excludes: Vec<PathBuf>,
    /// Place forms and former names of your own, read after the shipped ones: a TOML file
    /// in the format of rules/places.toml (`[[alias]] province city old current year`).
    #[arg(long, value_name = "FILE.toml")]
    pub places: Option<PathBuf>,
    /// Largest CSV, workbook file or part inside a workbook read (K, M, G suffixes; a
    /// larger one is an error naming it).
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size)]
    pub max_input_size: u64,
    /// Largest plan, --units or --places file read (K, M, G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    pub max_plan_size: u64,
    /// Rows, columns and cell size read.
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Threads that parse a large table's rows and evaluate targets (default: one per
    /// core). Any count gives the same result.
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        default_value = "0",
        hide_default_value = true,
        value_parser = parse_threads
    )]
    pub threads: usize,
    /// No progress bar on stderr (it is shown only on a terminal, once reading takes more
    /// than a second).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Limits of a sheet's or CSV's shape: going over one is an error naming the file, the
/// sheet, the row and the option that raises it.
#[derive(Debug, Clone, Args)]
pub struct ShapeArgs {
    /// Most rows of a sheet or CSV (default: Excel's maximum, 1048576).
    #[arg(long, value_name = "N", default_value = "1048576", value_parser = parse_count)]
    pub max_rows: u32,
    /// Most columns of a sheet or CSV (default: Excel's maximum, 16384).
    #[arg(long, value_name = "N", default_value = "16384", value_parser = parse_count)]
    pub max_columns: u32,
    /// Most characters in one cell (default: Excel's maximum, 32767).
    #[arg(long, value_name = "N", default_value = "32767", value_parser = parse_count)]
    pub max_cell_chars: u32,
}

/// `--max-rows 2000000`.
fn parse_count(s: &str) -> Result<u32, String> {
    zhibiao::ingest::source::parse_count(s).map_err(|en| {
        say(
            format!(
                "“{s}” 不是大于零的整数；可写 2000000 或 2_000_000（最大 {}）",
                u32::MAX
            ),
            en,
        )
    })
}

/// `--max-input-size 4G`, `--max-plan-size 16M`.
fn parse_size(s: &str) -> Result<u64, String> {
    zhibiao::ingest::source::parse_size(s).map_err(|en| {
        say(
            format!(
                "“{s}” 不是有效的大小；可写 500000、64K、512M 或 4G（以 1024 为进位，须大于零）"
            ),
            en,
        )
    })
}

/// `-j 4`: a whole number of threads (0: one per core).
fn parse_threads(s: &str) -> Result<usize, String> {
    s.trim().parse().map_err(|_| {
        say(
            format!("“{s}” 不是线程数；请写整数，如 4（0 表示每核一个）"),
            format!(
                "{s:?} is not a thread count; write a whole number such as 4 (0: one per core)"
            ),
        )
    })
}

/// Whether this run speaks English (`--lang en`); set from the arguments before clap
/// parses them, so that the value parsers' errors are in the run's language.
static ENGLISH: AtomicBool = AtomicBool::new(false);

/// Read `--lang en` / `--lang=en` from the raw arguments (before `--`), for the errors of
/// the value parsers. Anything else leaves the default, Chinese.
pub fn set_lang_from_args<I: IntoIterator<Item = std::ffi::OsString>>(args: I) {
    let mut english = false;
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--" => break,
            "--lang" => english = args.next().is_some_and(|v| v.trim() == "en"),
            _ => {
                if let Some(v) = a.strip_prefix("--lang=") {
                    english = v.trim() == "en";
                }
            }
        }
    }
    ENGLISH.store(english, Ordering::Relaxed);
}

/// The message in the run's language.
fn say(zh: String, en: String) -> String {
    if ENGLISH.load(Ordering::Relaxed) {
        en
    } else {
        zh
    }
}

/// `--as-of` and `--baseline-as-of`: the ledgers' date spellings or a period (its last
/// day).
fn parse_as_of(s: &str) -> Result<chrono::NaiveDate, String> {
    match zhibiao::ingest::period::parse_as_of(s) {
        Some(d) => Ok(d),
        None => Err(say(
            format!(
                "“{s}” 不是日期；可写 2023-12-31、2023/12/31、2023年12月31日、20231231，\
                 或期间 2023Q4、2023年四季度、2023-09（取其最后一天）"
            ),
            format!(
                "{s:?} is not a date; write it as 2023-12-31, 2023/12/31, 2023年12月31日, \
                 20231231, or a period such as 2023Q4, 2023年四季度 or 2023-09 (its last day)"
            ),
        )),
    }
}

/// `--scope 太原市`, `太原市/小店区`, `山西省/太原市/小店区`: one to three place names, as
/// written (each trimmed, empty ones between slashes dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    parts: Vec<String>,
}

impl Scope {
    /// The names below the plan's `province`: a leading name of that province (山西省 or
    /// 山西) is dropped, so `山西省/太原市` is `["太原市"]` for a Shanxi plan.
    pub fn below(&self, province: &str) -> Vec<String> {
        let mut parts = self.parts.clone();
        if parts
            .first()
            .is_some_and(|s| zhibiao::model::provinces::same_province(s, province))
        {
            parts.remove(0);
        }
        parts
    }
}

/// `--scope 太原市`, `太原市/小店区`, `山西省/太原市/小店区`: one to three names.
fn parse_scope(s: &str) -> Result<Scope, String> {
    let parts: Vec<String> = s
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if (1..=3).contains(&parts.len()) {
        Ok(Scope { parts })
    } else {
        Err(say(
            format!("“{s}” 不是范围；请写市或市/县区，如 太原市、太原市/小店区、阳泉、泽州"),
            format!(
                "{s:?} is not a scope; write a city or a city/county, e.g. 太原市, 太原市/小店区, 阳泉 or 泽州"
            ),
        ))
    }
}

/// `--encoding`: a label encoding_rs knows (utf-8, gbk, gb18030, …).
fn parse_encoding(s: &str) -> Result<String, String> {
    match encoding_rs::Encoding::for_label(s.trim().as_bytes()) {
        Some(_) => Ok(s.to_string()),
        None => Err(say(
            format!("“{s}” 不是已知的编码；可写 utf-8、gbk 或 gb18030"),
            format!("{s:?} is not a known encoding; use utf-8, gbk or gb18030"),
        )),
    }
}

/// `--kind FILE=KIND` or `FILE#SHEET=KIND`, parsed: the override ingest applies, and the
/// text as given (part of a `--history` snapshot's identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindArg {
    /// The argument as written.
    pub text: String,
    /// File (or path suffix), optional sheet and kind (`None`: skip).
    pub over: zhibiao::ingest::KindOverride,
}

/// `--kind FILE=KIND` or `FILE#SHEET=KIND`: the target is split at the last `=`, the file
/// from the sheet at the first `#`; KIND `skip` (or `ignore`) leaves the table unread.
fn parse_kind(s: &str) -> Result<KindArg, String> {
    const KINDS: &str = "communities, organizations, incubators, projects, events, funds, skip";
    let parsed = s.rsplit_once('=').and_then(|(target, kind)| {
        if target.trim().is_empty() {
            return None;
        }
        let kind = match kind.trim() {
            "skip" | "ignore" => None,
            other => Some(zhibiao::ingest::TableKind::parse(other)?),
        };
        let (file, sheet) = match target.split_once('#') {
            Some((f, sheet)) => (f.to_string(), Some(sheet.to_string())),
            None => (target.to_string(), None),
        };
        Some(zhibiao::ingest::KindOverride { file, sheet, kind })
    });
    match parsed {
        Some(over) => Ok(KindArg {
            text: s.to_string(),
            over,
        }),
        None => Err(say(
            format!("“{s}” 不是 文件=类型 或 文件#工作表=类型；类型可为 {KINDS}"),
            format!("{s:?} is not FILE=KIND or FILE#SHEET=KIND; KIND is one of {KINDS}"),
        )),
    }
}

/// A clap value parser for a `ValueEnum` whose error, in the run's language, names the
/// accepted values. The values still show in `--help`, the man page and completions.
#[derive(Clone)]
pub struct Localized<E>(PhantomData<E>);

impl<E> Localized<E> {
    /// The parser.
    pub fn new() -> Self {
        Localized(PhantomData)
    }
}

impl<E> Default for Localized<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for Localized<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<E, clap::Error> {
        let text = value.to_string_lossy();
        if let Some(v) = E::value_variants().iter().find(|v| {
            v.to_possible_value()
                .is_some_and(|p| p.matches(&text, false))
        }) {
            return Ok(v.clone());
        }
        let names: Vec<String> = E::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .filter(|p| !p.is_hide_set())
            .map(|p| p.get_name().to_string())
            .collect();
        let flag = arg.map_or_else(String::new, |a| match a.get_long() {
            Some(l) => format!("--{l} "),
            None => format!("<{}> ", a.get_id()),
        });
        let message = say(
            format!("{flag}“{text}” 无效；可选：{}", names.join("、")),
            format!(
                "{flag}{text:?} is not accepted; use one of: {}",
                names.join(", ")
            ),
        );
        Err(
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{message}\n"))
                .with_cmd(cmd),
        )
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// `zhibiao completions SHELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// Which route decides urban/rural first after the 城乡类型 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrbanRuralRoute {
    /// …居委会/…社区 urban, …村委会/…村 rural; the NBS code when the name says neither.
    Name,
    /// NBS 城乡分类代码 1xx urban, 2xx rural; the name when there is no code.
    Code,
}

/// `zhibiao audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Inputs and reading options.
    #[command(flatten)]
    pub input: InputArgs,
    /// Built-in plan id (see `zhibiao plans`) or a plan file; default: the built-in plan
    /// whose province matches the data.
    #[arg(long, value_name = "ID|PATH")]
    pub plan: Option<String>,
    /// Count records active on this date: 2023-12-31, 2023/12/31, 2023年12月31日, 20231231,
    /// or a period's last day (2023Q4, 2023年四季度, 2023-09). Default: the period in the
    /// inputs' folder or file names (2023Q3/, 2023年三季度台账.xlsx), else today.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// The previous snapshot to measure movement from: its files or folder (repeatable),
    /// audited with the same plan at its own as-of date. Adds the change, the pace needed and
    /// achieved, the projected date and an outlook (met, on_track, behind, stalled, no_data)
    /// to every row.
    #[arg(long, value_name = "PREVIOUS", num_args = 1..)]
    pub baseline: Vec<PathBuf>,
    /// As-of date of the baseline; default: the period in its folder or file names.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub baseline_as_of: Option<chrono::NaiveDate>,
    /// Level of the per-region gap table.
    #[arg(long, value_parser = Localized::<ByLevel>::new(), default_value = "city")]
    pub by: ByLevel,
    /// Restrict to one city or county, e.g. 太原市, 太原市/小店区, or as people write them:
    /// 阳泉, 泽州 (a county alone, when it names one place), 阳泉市城区.
    #[arg(long, value_name = "CITY[/COUNTY]", value_parser = parse_scope)]
    pub scope: Option<Scope>,
    /// Places of the plan's reporting units declared `places = "user"` (西咸新区 in
    /// shaanxi-2019): a TOML file of `[[unit]]` tables with `name` and `places`, e.g.
    /// docs/units-xixian-example.toml. Without it such a unit is "not configured" (no data).
    #[arg(long, value_name = "FILE.toml")]
    pub units: Option<PathBuf>,
    /// Format of standard output, and of -o files whose extension says nothing.
    #[arg(long, value_parser = Localized::<FormatArg>::new())]
    pub format: Option<FormatArg>,
    /// Write the report to FILE, the format taken from its extension: .csv .json .txt .pdf
    /// .html .md .xlsx .xml (JUnit). Repeatable: `-o 报告.pdf -o gaps.csv -o gaps.xlsx`.
    /// `-o -` is standard output (a text format, once). Each file is written in full
    /// beside its target and renamed into place; an input is never overwritten.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Also write the list of data issues to send back to the counties, as `zhibiao issues
    /// INPUT… -o FILE` writes it from the same inputs: .xlsx (a summary and one sheet per
    /// county) or .csv (one line per issue). Written with the reports; an input is never
    /// overwritten.
    #[arg(long, value_name = "FILE")]
    pub issues_out: Option<PathBuf>,
    /// When to exit 1.
    #[arg(long, value_parser = Localized::<FailOn>::new(), default_value = "error")]
    pub fail_on: FailOn,
    /// Write CSV without the UTF-8 byte-order mark (the BOM lets Excel on Chinese Windows
    /// open it correctly).
    #[arg(long)]
    pub no_bom: bool,
    /// Language of the reports' words (CSV/JSON column names stay as they are).
    #[arg(long, value_parser = Localized::<LangArg>::new(), default_value = "zh")]
    pub lang: LangArg,
    /// Width of the terminal report in display columns (default: the terminal's width,
    /// 100 when piped or written to a file). The gap table is printed in blocks of targets
    /// that fit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
    /// Leave reporting units without data out of the per-region tables (they stay in
    /// the summary).
    #[arg(long)]
    pub hide_no_data: bool,
    /// Font for the PDF instead of the embedded Noto Sans SC: PATH or PATH:INDEX for a
    /// face of a collection (.ttc), e.g. /usr/share/fonts/simfang.ttf.
    #[arg(long, value_name = "PATH[:INDEX]")]
    pub font: Option<String>,
    /// Colour the terminal table: auto (when a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_parser = Localized::<ColorArg>::new(), default_value = "auto")]
    pub color: ColorArg,
    /// Record this audit (plan, as-of, input SHA-256s, every result row) in a SQLite
    /// history, created if missing. The same inputs again are not duplicated; other
    /// inputs for the same as-of are kept as a newer revision. `trend --history FILE`
    /// without snapshots reads the trend from it.
    #[arg(long, value_name = "FILE.sqlite")]
    pub history: Option<PathBuf>,
    /// Explanations of unmet targets (TOML: target, region, reason, by, expires): a row
    /// they match is `explained` (value and gap unchanged) and does not fail the run. An
    /// entry with `issue = "V104"` (a data-issue code) and a region and/or `file` explains
    /// data issues instead (an explained swing, S501, no longer fails `--fail-on swing`).
    /// Without this flag, 说明.toml or explanations.toml in an input folder (or beside an
    /// input file) is used.
    #[arg(long, value_name = "FILE.toml")]
    pub explain: Option<PathBuf>,
    /// Do not look for 说明.toml / explanations.toml beside the inputs.
    #[arg(long, conflicts_with = "explain")]
    pub no_explain: bool,
}

/// `zhibiao inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Inputs and reading options.
    #[command(flatten)]
    pub input: InputArgs,
    /// Wrap lines longer than N display columns, at spaces and between CJK characters,
    /// never inside a word or number (default: the terminal's width; not wrapped when
    /// piped or redirected, one line per item for grep).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
}

const ISSUES_AFTER_HELP: &str = "\
Each issue lies in the county (or city, --by city) its row resolved to; a row whose county
cannot be told is listed under 未识别地区 (unresolved place). Without -o a short grouped list
is printed; --format csv prints the CSV (one line per issue) instead.

Exit status: 0 no data issue; 1 there are data issues; 2 a file could not be read (it is
listed under 文件 / files, the rest is listed as usual), bad arguments, -o naming an input.

Examples:
  zhibiao issues fixtures/demo -o 问题清单.xlsx
  zhibiao issues 台账/ --by city -o 问题清单.xlsx
  zhibiao issues 台账/ --scope 阳泉市 -o 阳泉问题.csv
  zhibiao issues 台账/ --format csv --no-bom > issues.csv";

/// `zhibiao issues`.
#[derive(Debug, Args)]
pub struct IssuesArgs {
    /// Inputs and reading options.
    #[command(flatten)]
    pub input: InputArgs,
    /// Built-in plan id or a plan file (as in `audit`): the province audited, hence which
    /// rows lie in another province; default: the province of the community list.
    #[arg(long, value_name = "ID|PATH")]
    pub plan: Option<String>,
    /// Restrict to one city or county (as in `audit`); rows outside it are not listed.
    #[arg(long, value_name = "CITY[/COUNTY]", value_parser = parse_scope)]
    pub scope: Option<Scope>,
    /// One sheet per county (default) or per city.
    #[arg(long, value_parser = Localized::<IssuesBy>::new(), default_value = "county")]
    pub by: IssuesBy,
    /// Write the list to FILE: .xlsx (summary and one sheet per county) or .csv (one
    /// line per issue). Written in full beside its target and renamed into place; an
    /// input is never overwritten.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of standard output without -o: table (a short grouped list) or csv.
    #[arg(long, value_parser = Localized::<IssuesFormat>::new(), default_value = "table")]
    pub format: IssuesFormat,
    /// Write CSV without the UTF-8 byte-order mark.
    #[arg(long)]
    pub no_bom: bool,
    /// Language of the messages and of the workbook's headers (CSV column names stay
    /// English).
    #[arg(long, value_parser = Localized::<LangArg>::new(), default_value = "zh")]
    pub lang: LangArg,
}

/// `issues --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IssuesBy {
    /// 县区.
    County,
    /// 市.
    City,
}

/// `issues --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IssuesFormat {
    /// A short grouped list.
    Table,
    /// One line per issue.
    Csv,
}

/// `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByLevel {
    /// 市.
    City,
    /// 县区.
    County,
    /// 街道乡镇.
    Street,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Terminal tables.
    Table,
    /// Long result, one row per (target, region).
    Csv,
    /// Long result as a JSON array.
    Json,
    /// PDF report (needs -o).
    Pdf,
    /// Self-contained HTML report.
    Html,
    /// Markdown (GitHub-flavoured).
    Markdown,
    /// Excel workbook (needs -o).
    Xlsx,
    /// JUnit XML for CI.
    Junit,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Always exit 0 after a successful run.
    Never,
    /// Exit 1 when an error-severity target is unmet or has no data (a reporting unit or a
    /// table it reads was not supplied).
    Error,
    /// Exit 1 when any target, warnings included, is unmet or has no data.
    Warning,
    /// As `error`, and also when an error-severity target that is not yet due is behind or
    /// stalled (its outlook against the baseline: needs --baseline, or `trend`).
    Behind,
    /// As `error`, and also when a county's count of organizations or incubators swung
    /// beyond the plan's `[swing]` bound between the snapshots (S501) and no explanation
    /// says why (needs --baseline, or `trend` with snapshots).
    Swing,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

const TEMPLATE_AFTER_HELP: &str = "\
Exit status: 0 the template was written; 2 it could not be (bad plan or scope, unreadable
community list, -o naming an input).

Examples:
  zhibiao template -o 台账模板.xlsx
  zhibiao template --plan shaanxi-2019 -o 台账模板.xlsx
  zhibiao template --scope 阳泉市 社区名单.xlsx -o 阳泉台账模板.xlsx
  zhibiao template --scope 阳泉市/城区 社区名单.xlsx -o 城区台账模板.xlsx
  zhibiao inspect 阳泉台账模板.xlsx      # after filling it in: every row's problems";

/// `zhibiao template`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// A community list (社区名单: files or folders; other tables in them are not used):
    /// the 市, 县区, 街道乡镇 and 社区 columns offer the names of --scope in it. Without
    /// one those columns have no drop-down list.
    #[arg(value_name = "COMMUNITY_LIST")]
    pub communities: Vec<PathBuf>,
    /// Built-in plan id (see `zhibiao plans`) or a plan file; default: the built-in plan
    /// whose province matches the community list, else shanxi-2021-2023.
    #[arg(long, value_name = "ID|PATH")]
    pub plan: Option<String>,
    /// The city or county whose names the place columns offer, e.g. 阳泉市 or 阳泉市/城区
    /// (as in `audit`; needs a community list). Default: the whole list.
    #[arg(long, value_name = "CITY[/COUNTY]", value_parser = parse_scope)]
    pub scope: Option<Scope>,
    /// The workbook to write (.xlsx); written in full beside its target and renamed into
    /// place; an input is never overwritten.
    #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
    pub output: PathBuf,
    /// Encoding of a CSV community list instead of detecting it (utf-8, gbk, gb18030).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<String>,
    /// Place forms and former names of your own (as in `audit`).
    #[arg(long, value_name = "FILE.toml")]
    pub places: Option<PathBuf>,
    /// Largest CSV, workbook file or part inside a workbook read (as in `audit`).
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size)]
    pub max_input_size: u64,
    /// Largest plan or --places file read (as in `audit`).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    pub max_plan_size: u64,
    /// Rows, columns and cell size read (as in `audit`).
    #[command(flatten)]
    pub shape: ShapeArgs,
}

const DIFF_AFTER_HELP: &str = "\
Matching: by 统一社会信用代码 when both rows have one, else by name and resolved place.
Every region row satisfies 本期 − 上期 = 新增 − 注销 + 迁入 − 迁出 (after − before = added −
dissolved + moved in − moved out).

Exit status: 0 the diff was computed; 2 it could not be (unreadable input, no community list,
bad arguments).

Examples:
  zhibiao diff 2023Q3/ 2023Q4/ --as-of 2023-12-31
  zhibiao diff 2023Q3/组织.xlsx 2023Q4/组织.xlsx --communities 社区名单.xlsx --by street
  zhibiao diff 2023Q3/ 2023Q4/ -o 变化.csv -o 变化.xlsx";

/// `zhibiao diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The previous export: a folder (its spreadsheet files) or one file.
    #[arg(value_name = "PREVIOUS")]
    pub previous: PathBuf,
    /// The current export: a folder (its spreadsheet files) or one file.
    #[arg(value_name = "CURRENT")]
    pub current: PathBuf,
    /// A community list read with both exports, for exports that do not carry their own.
    #[arg(long, value_name = "FILE")]
    pub communities: Option<PathBuf>,
    /// Count records active on this date in the current export (as in `audit`: 2023-12-31,
    /// 2023/12/31, 2023年12月31日, 20231231, or a period's last day, 2023Q4); default today.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Count records active on this date in the previous export; default: --as-of.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub baseline_as_of: Option<chrono::NaiveDate>,
    /// Deepest level of the per-region counts (the province and the levels above are
    /// always shown).
    #[arg(long, value_parser = Localized::<ByLevel>::new(), default_value = "county")]
    pub by: ByLevel,
    /// Format of standard output, and of -o files whose extension says nothing.
    #[arg(long, value_parser = Localized::<DiffFormatArg>::new())]
    pub format: Option<DiffFormatArg>,
    /// Write every changed record to FILE, the format from its extension (.csv, .xlsx;
    /// the XLSX also holds the per-region counts). Repeatable.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Also write the unchanged records and those active on neither side.
    #[arg(long)]
    pub all: bool,
    /// Write CSV without the UTF-8 byte-order mark.
    #[arg(long)]
    pub no_bom: bool,
    /// Colour the terminal table: auto, always, never.
    #[arg(long, value_parser = Localized::<ColorArg>::new(), default_value = "auto")]
    pub color: ColorArg,
    /// Encoding of every CSV instead of detecting it (utf-8, gbk, gb18030).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<String>,
    /// Force the table kind of a file or sheet, or skip it (as in `audit`). Repeatable.
    #[arg(long = "kind", value_name = "FILE[#SHEET]=KIND", value_parser = parse_kind)]
    pub kinds: Vec<KindArg>,
    /// Which route decides urban/rural after the 城乡类型 column.
    #[arg(long, value_parser = Localized::<UrbanRuralRoute>::new(), default_value = "name")]
    pub urban_rural: UrbanRuralRoute,
    /// Make a passed-over spreadsheet an error (as in `audit`).
    #[arg(long)]
    pub strict: bool,
    /// Do not read this file: a path (applies to the export it lies in) or a file name
    /// alone (applies to each export holding a file of that name). Repeatable; one that
    /// matches neither export is an error.
    #[arg(long = "exclude", value_name = "FILE")]
    pub excludes: Vec<PathBuf>,
    /// Place forms and former names of your own (as in `audit`).
    #[arg(long, value_name = "FILE.toml")]
    pub places: Option<PathBuf>,
    /// Largest CSV, workbook file or part inside a workbook read (as in `audit`).
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size)]
    pub max_input_size: u64,
    /// Largest --places file read (as in `audit`).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    pub max_plan_size: u64,
    /// Rows, columns and cell size read (as in `audit`).
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// No progress bar on stderr (see `audit --quiet`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `zhibiao diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormatArg {
    /// Terminal tables.
    Table,
    /// Records as CSV.
    Csv,
    /// Workbook: regions and records (needs -o).
    Xlsx,
}
