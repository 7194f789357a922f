//! The `zhibiao` binary: argument parsing, dispatch and exit codes.

mod cli;
mod diff_cmd;
mod progress;

// mimalloc: a run allocates and frees millions of small strings (cells, names); the system
// allocator spent about a quarter of a national-scale audit in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::Parser;

use cli::{
    AuditArgs, ByLevel, Cli, ColorArg, Command, FailOn, FormatArg, InputArgs, IssuesArgs, IssuesBy,
    IssuesFormat, LangArg, PlanAction, Scope, TemplateArgs, UrbanRuralRoute,
};
use zhibiao::audit::{self, AuditOptions};
use zhibiao::ingest::{self, Dataset, IngestOptions};
use zhibiao::memory;
use zhibiao::model::{self, provinces, BuildOptions, Level, Model};
use zhibiao::output::{self, Requested, Target};
use zhibiao::plan::{self, Plan, Severity};
use zhibiao::report::{
    self, csv::CsvOptions, pdf::PdfOptions, table::TableOptions, Format, InputDigest, Lang,
    ReportMeta,
};

fn main() -> ExitCode {
    // Panics inside third-party readers are caught and turned into errors naming the file;
    // the hook only records where a panic happened. One that reaches here is a bug in
    // zhibiao: its location is printed with a request to report it, and the exit is 2.
    output::fatal::install_hook();
    // Ctrl-C removes the temporary files of outputs not yet in place. Should the handler
    // not install, Ctrl-C still stops the run (and may leave a `.….zhibiao-tmp`).
    let _ = output::install_interrupt_handler();
    // The value parsers' errors speak the run's language (`--lang`), known before parsing.
    cli::set_lang_from_args(std::env::args_os());
    let cli = Cli::parse();
    // Messages go through `writeln!`, not `eprintln!`, which would panic on a closed
    // standard error.
    let outcome = std::panic::catch_unwind(move || run(cli));
    progress::finish();
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            let _ = writeln!(std::io::stderr(), "{}", error_text(&format!("{e:#}")));
            ExitCode::from(2)
        }
        Err(payload) => {
            let fatal = output::fatal::Fatal::caught(payload.as_ref());
            if fatal.is_closed_pipe() {
                // A `print!` that escaped `output::print` met a closed pipe: the reader
                // has gone, as in `zhibiao … | head`; end quietly.
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "{fatal}");
            ExitCode::from(2)
        }
    }
}

/// The text of an error for stderr, with one "错误 error:" prefix: plan-family diagnostics
/// carry their own, one per diagnostic, so a context before the first (`--places: 错误
/// error: …`) goes after it instead (`错误 error: --places: …`).
fn error_text(text: &str) -> String {
    let prefix = format!("{}: ", plan::diag::ERROR_PREFIX);
    if text.starts_with(&prefix) {
        return text.to_string();
    }
    let first_line = text.lines().next().unwrap_or_default();
    match first_line.find(&format!(": {prefix}")) {
        Some(i) => format!("{prefix}{}: {}", &text[..i], &text[i + 2 + prefix.len()..]),
        None => format!("{prefix}{text}"),
    }
}

/// The outputs of `audit` and `trend`, checked before anything is read.
struct Outputs {
    /// One per `-o`, in order.
    reports: Vec<Target>,
    /// `--rejects`.
    rejects: Option<Target>,
    /// `--issues-out`, and whether it is a workbook (else a CSV).
    issues: Option<(Target, bool)>,
}

/// `-` for a report: any text format, once (`--format` or the extension-less default).
fn report_stdout_ok(format: Option<FormatArg>) -> impl Fn(&Requested) -> Result<(), &'static str> {
    move |r: &Requested| match (r.flag, format) {
        ("-o", Some(FormatArg::Pdf | FormatArg::Xlsx)) => {
            Err("PDF 和 XLSX 是二进制格式，请写入文件 / PDF and XLSX are binary: give a file name")
        }
        ("-o", _) => Ok(()),
        _ => Err("只能写入文件 / needs a file name"),
    }
}

/// The outputs `-o` and `--rejects` ask for, in that order.
fn requested(outputs: &[std::path::PathBuf], rejects: Option<&Path>) -> Vec<Requested> {
    let mut wanted: Vec<Requested> = outputs.iter().map(|p| Requested::new("-o", p)).collect();
    if let Some(r) = rejects {
        wanted.push(Requested::new("--rejects", r));
    }
    wanted
}

/// Check every output of `audit`/`trend` (`-o`, `--rejects`, `--history`) against each
/// other and every input (ledgers, baselines, plan and rule files, font), and the plan
/// and rule files' size and kind: all before anything is read.
fn check_audit_outputs(args: &AuditArgs, trend: bool) -> Result<Outputs> {
    let mut inputs: Vec<std::path::PathBuf> = args
        .input
        .inputs
        .iter()
        .map(|p| match p.to_str().and_then(|t| t.rsplit_once('=')) {
            // trend's PATH=DATE
            Some((path, _)) if trend && !p.exists() => std::path::PathBuf::from(path),
            _ => p.clone(),
        })
        .collect();
    inputs.extend(args.baseline.iter().cloned());
    let plan_file = args
        .plan
        .as_deref()
        .filter(|p| plan::builtin(p).is_none())
        .map(std::path::PathBuf::from);
    let rules: Vec<&Path> = [
        plan_file.as_deref(),
        args.units.as_deref(),
        args.input.places.as_deref(),
        args.explain.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for file in &rules {
        ingest::source::check_file(file, args.input.max_plan_size, "--max-plan-size")?;
        inputs.push(file.to_path_buf());
    }
    if let Some(font) = &args.font {
        let (path, _) = parse_font_arg(font);
        ingest::source::check_file(&path, args.input.max_input_size, "--max-input-size")?;
        inputs.push(path);
    }
    let mut wanted = requested(&args.outputs, args.input.rejects.as_deref());
    if let Some(path) = &args.issues_out {
        wanted.push(Requested::new("--issues-out", path));
    }
    if let Some(h) = &args.history {
        wanted.push(Requested::new("--history", h));
    }
    let mut targets = output::check(&wanted, &inputs, report_stdout_ok(args.format))?;
    targets.truncate(
        args.outputs.len()
            + usize::from(args.input.rejects.is_some())
            + usize::from(args.issues_out.is_some()),
    );
    let issues = match &args.issues_out {
        Some(path) => {
            let xlsx = issue_list_is_xlsx(path).ok_or_else(|| {
                anyhow!(
                    "--issues-out {}: the list of data issues is written as .xlsx (one sheet \
                     per county) or .csv (one line per issue)",
                    path.display()
                )
            })?;
            targets.pop().map(|t| (t, xlsx))
        }
        None => None,
    };
    let rejects = if args.input.rejects.is_some() {
        targets.pop()
    } else {
        None
    };
    Ok(Outputs {
        reports: targets,
        rejects,
        issues,
    })
}

/// [`write_outputs`] with the `--rejects` CSV (when asked for) among the files, then say
/// how many rows it lists.
fn write_with_rejects<'t>(
    mut files: Vec<(&'t Target, Vec<u8>)>,
    rejects: Option<&'t Target>,
    opts: &IngestOptions,
    model: &Model,
) -> Result<()> {
    let Some(target) = rejects else {
        return write_outputs(&files);
    };
    let (bytes, n) = rejects_csv(opts, model)?;
    files.push((target, bytes));
    write_outputs(&files)?;
    report_rejects(target, n);
    Ok(())
}

/// Write the rendered outputs all or none (see `output::write_files`) and say so.
fn write_outputs(files: &[(&Target, Vec<u8>)]) -> Result<()> {
    progress::finish();
    let items: Vec<(&Target, &[u8])> = files.iter().map(|(t, b)| (*t, b.as_slice())).collect();
    output::write_files(&items)?;
    for (t, _) in files {
        if let Target::File { given, .. } = t {
            let _ = writeln!(std::io::stderr(), "已写入 wrote {}", given.display());
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Audit(args) => audit_cmd(args),
        Command::Trend(args) => trend_cmd(args),
        Command::Diff(args) => diff_cmd::run(args),
        Command::Template(args) => template_cmd(args),
        Command::Issues(args) => issues_cmd(args),
        Command::Inspect(args) => {
            if args.input.inputs.is_empty() {
                missing_inputs("inspect");
            }
            let mut inputs = args.input.inputs.clone();
            if let Some(places) = &args.input.places {
                ingest::source::check_file(places, args.input.max_plan_size, "--max-plan-size")?;
                inputs.push(places.clone());
            }
            let wanted: Vec<Requested> = args
                .input
                .rejects
                .iter()
                .map(|r| Requested::new("--rejects", r))
                .collect();
            let rejects = output::check(&wanted, &inputs, |_| {
                Err("只能写入文件 / needs a file name")
            })?;
            let opts = ingest_options(&args.input)?;
            // Every file is read and listed; one that fails makes the exit status 2.
            let outcome =
                ingest::read_inputs_all(&args.input.inputs, &opts).map_err(|e| anyhow!("{e}"))?;
            let ds = outcome.dataset;
            let province = detect_province(&ds).unwrap_or_default();
            progress::evaluating();
            let model = build(ds, &args.input, province, Vec::new(), &[])?;
            progress::finish();
            let width = listing_width(args.width);
            let text = report::inspect::render(&model);
            output::print_str(&report::table::wrap_lines(&text, width))?;
            let text = report::inspect::render_failures(&outcome.failures);
            output::print_str(&report::table::wrap_lines(&text, width))?;
            if let Some(target) = rejects.first() {
                let (bytes, n) = rejects_csv(&opts, &model)?;
                output::write_files(&[(target, &bytes)])?;
                report_rejects(target, n);
            }
            if !outcome.failures.is_empty() {
                eprintln!(
                    "错误 error: {} 个文件无法读取（见上） / {} file(s) could not be read (listed above)",
                    outcome.failures.len(),
                    outcome.failures.len()
                );
                return Ok(ExitCode::from(2));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            output::print(&completions(shell))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            if let Some(dir) = dir {
                std::fs::create_dir_all(&dir)
                    .and_then(|()| clap_mangen::generate_to(cmd, &dir))
                    .with_context(|| format!("man pages into {}", dir.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .context("man page")?;
            output::print(&page)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plans { width } => {
            // One plan a line, a longer one continued under its title.
            let width = listing_width(width);
            let mut text = String::new();
            for p in plan::builtins().context("built-in plan")? {
                let line = format!(
                    "{:<18} {} {}（{}，截止 {}，{} 个指标）",
                    p.meta.id,
                    p.meta.province,
                    p.meta.title,
                    if p.meta.document.is_empty() {
                        &p.meta.issuer
                    } else {
                        &p.meta.document
                    },
                    p.meta.due,
                    p.targets.len()
                );
                for l in report::table::wrap_line(&line, width, 19) {
                    text.push_str(&l);
                    text.push('\n');
                }
            }
            output::print_str(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            action:
                PlanAction::Show {
                    plan,
                    max_plan_size,
                    width,
                },
        } => {
            if plan::builtin(&plan).is_none() {
                ingest::source::check_file(Path::new(&plan), max_plan_size, "--max-plan-size")?;
            }
            let p = load_plan(&plan)?;
            let text = plan::show(&p);
            output::print_str(&report::table::wrap_lines(&text, listing_width(width)))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            action:
                PlanAction::Check {
                    path,
                    max_plan_size,
                },
        } => {
            ingest::source::check_file(&path, max_plan_size, "--max-plan-size")?;
            let p = plan::load_path(&path).map_err(|e| anyhow!("{e}"))?;
            output::print_str(&format!(
                "{}: ok — plan {:?}, {} targets\n",
                path.display(),
                p.meta.id,
                p.targets.len()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The completion script for `shell`, from the same definitions as `--help`.
fn completions(shell: cli::Shell) -> Vec<u8> {
    use clap_complete::Shell;
    let shell = match shell {
        cli::Shell::Bash => Shell::Bash,
        cli::Shell::Zsh => Shell::Zsh,
        cli::Shell::Fish => Shell::Fish,
        cli::Shell::Powershell => Shell::PowerShell,
        cli::Shell::Elvish => Shell::Elvish,
    };
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "zhibiao", &mut out);
    out
}

/// `zhibiao template`: the plan, the scope's places from the community list, the workbook.
fn template_cmd(args: TemplateArgs) -> Result<ExitCode> {
    let mut inputs = args.communities.clone();
    let plan_file = args.plan.as_deref().filter(|p| plan::builtin(p).is_none());
    for file in plan_file
        .map(Path::new)
        .into_iter()
        .chain(args.places.as_deref())
    {
        ingest::source::check_file(file, args.max_plan_size, "--max-plan-size")?;
        inputs.push(file.to_path_buf());
    }
    let wanted = [Requested::new("-o", &args.output)];
    let targets = output::check(&wanted, &inputs, |_| {
        Err("XLSX 是二进制格式，请写入文件 / XLSX is binary: give a file name")
    })?;
    if args.communities.is_empty() && args.scope.is_some() {
        bail!(
            "--scope needs a community list to take the street and community names from, e.g. \
             zhibiao template --scope 阳泉市 社区名单.xlsx -o 台账模板.xlsx"
        );
    }
    let input = InputArgs {
        inputs: args.communities.clone(),
        encoding: args.encoding.clone(),
        kinds: Vec::new(),
        urban_rural: UrbanRuralRoute::Name,
        rejects: None,
        strict: false,
        excludes: Vec::new(),
        places: args.places.clone(),
        max_input_size: args.max_input_size,
        max_plan_size: args.max_plan_size,
        shape: args.shape.clone(),
        threads: 0,
        quiet: false,
    };
    let ds = if input.inputs.is_empty() {
        None
    } else {
        let ds = read(&input, &ingest_options(&input)?)?;
        if ds.communities.is_empty() {
            bail!(
                "no community list (社区/村 table) among the inputs: the template takes the \
                 street and community names from one. Columns expected: 市, 县区, 街道乡镇, 社区"
            );
        }
        Some(ds)
    };
    let plan = match (&args.plan, &ds) {
        (Some(p), _) => load_plan(p)?,
        (None, Some(ds)) => auto_plan(ds)?,
        (None, None) => load_plan(plan::BUILTINS[0].id)?,
    };
    let places = match ds {
        Some(ds) => {
            let scope = scope_arg(args.scope.as_ref(), &plan.meta.province)?;
            let model = build(ds, &input, plan.meta.province.clone(), scope, &[])?;
            let places = zhibiao::template::ScopePlaces::from_model(&model);
            if places.communities.is_empty() {
                bail!(
                    "the community list has no community in {} (plan {}): give the plan of the \
                     list's province with --plan, or the list of the plan's",
                    places.label,
                    plan.meta.id
                );
            }
            Some(places)
        }
        None => None,
    };
    let spec = zhibiao::template::TemplateSpec {
        plan: &plan,
        places: places.as_ref(),
    };
    let bytes = zhibiao::template::render(&spec)?;
    let Some(target) = targets.first() else {
        bail!("-o: no output");
    };
    write_outputs(&[(target, bytes)])?;
    Ok(ExitCode::SUCCESS)
}

/// `zhibiao issues`: every data issue, by county (or city), to send back.
fn issues_cmd(args: IssuesArgs) -> Result<ExitCode> {
    if args.input.inputs.is_empty() {
        missing_inputs("issues");
    }
    let mut inputs = args.input.inputs.clone();
    let plan_file = args
        .plan
        .as_deref()
        .filter(|p| plan::builtin(p).is_none())
        .map(std::path::PathBuf::from);
    for file in [plan_file.as_deref(), args.input.places.as_deref()]
        .into_iter()
        .flatten()
    {
        ingest::source::check_file(file, args.input.max_plan_size, "--max-plan-size")?;
        inputs.push(file.to_path_buf());
    }
    // The list's format from -o's extension, known before anything is read.
    let xlsx = match &args.output {
        None => false,
        Some(path) => match issue_list_is_xlsx(path) {
            Some(xlsx) => xlsx,
            None if path.as_os_str() == "-" => false,
            None => bail!(
                "-o {}: issues writes .xlsx (one sheet per county) or .csv (one line per issue)",
                path.display()
            ),
        },
    };
    let wanted = requested(args.output.as_slice(), args.input.rejects.as_deref());
    let targets = output::check(&wanted, &inputs, |_| {
        Err("请给出文件名（.xlsx 或 .csv）；--format csv 把 CSV 打印到标准输出 / give a file name (.xlsx or .csv); --format csv prints the CSV")
    })?;
    let opts = ingest_options(&args.input)?;
    // Every file is read; one that fails is listed (files sheet) and makes the exit 2.
    let outcome = ingest::read_inputs_all(&args.input.inputs, &opts).map_err(|e| anyhow!("{e}"))?;
    let unread: Vec<String> = outcome.failures.iter().map(ToString::to_string).collect();
    let ds = outcome.dataset;
    let province = match &args.plan {
        Some(p) => load_plan(p)?.meta.province,
        None => detect_province(&ds).unwrap_or_default(),
    };
    let scope = scope_arg(args.scope.as_ref(), &province)?;
    progress::evaluating();
    let places = place_rules(&args.input)?;
    let model = build_with(ds, &args.input, province, scope, &[], places.clone())?;
    let level = match args.by {
        IssuesBy::County => Level::County,
        IssuesBy::City => Level::City,
    };
    let list = issue_list(&model, &opts, places.as_ref(), level)?;
    progress::finish();
    let lang = match args.lang {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    };
    let csv_opts = CsvOptions { bom: !args.no_bom };
    let mut files: Vec<(&Target, Vec<u8>)> = Vec::new();
    if let Some(target) = targets.first().filter(|_| args.output.is_some()) {
        let bytes = issue_list_file(&list, &model, &unread, lang, csv_opts, xlsx)?;
        files.push((target, bytes));
    }
    let rejects = targets.last().filter(|_| args.input.rejects.is_some());
    write_with_rejects(files, rejects, &opts, &model)?;
    if args.output.is_none() && args.format == IssuesFormat::Csv {
        let mut buf = Vec::new();
        report::issue_list::write_csv(&mut buf, &list, &model, &unread, lang, csv_opts)?;
        output::print(&buf)?;
    } else {
        output::print_str(&report::issue_list::render_text(
            &list,
            &model,
            &unread,
            lang,
            args.output.is_none(),
            Some(stdout_width()),
        ))?;
    }
    if !unread.is_empty() {
        eprintln!(
            "错误 error: {} 个文件无法读取 / {} file(s) could not be read",
            unread.len(),
            unread.len()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(if list.total() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether a correction list named `path` is a workbook (`.xlsx`) or a CSV (`.csv`); `None`
/// for any other name.
fn issue_list_is_xlsx(path: &Path) -> Option<bool> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => Some(true),
        Some("csv") => Some(false),
        _ => None,
    }
}

/// The correction list of `model`'s data issues (`zhibiao issues`, `audit --issues-out`):
/// the listed issues' rows read again for their cells and placed in their county or city
/// (`level`), with the place rules of `--places`.
fn issue_list<'a>(
    model: &'a Model,
    opts: &IngestOptions,
    places: Option<&model::places::PlaceRules>,
    level: Level,
) -> Result<report::issue_groups::IssueList<'a>> {
    let listed: Vec<_> = model
        .issues
        .iter()
        .filter_map(|i| i.origin.filter(|_| report::issues::is_listed(i)))
        .collect();
    let cells = ingest::original_cells(&model.tables, &listed, opts).map_err(|e| anyhow!("{e}"))?;
    let located = model::issue_rows::places(model, listed.iter().copied(), &cells, places);
    Ok(report::issue_groups::build(model, &cells, &located, level))
}

/// The correction list as a file: the workbook or the CSV.
fn issue_list_file(
    list: &report::issue_groups::IssueList<'_>,
    model: &Model,
    unread: &[String],
    lang: Lang,
    csv_opts: CsvOptions,
    xlsx: bool,
) -> Result<Vec<u8>> {
    if xlsx {
        return Ok(report::issue_list::to_xlsx(list, model, unread, lang)?);
    }
    let mut buf = Vec::new();
    report::issue_list::write_csv(&mut buf, list, model, unread, lang, csv_opts)?;
    Ok(buf)
}

/// One snapshot read, resolved and audited.
struct Audited {
    plan: Plan,
    model: Model,
    result: audit::AuditResult,
    opts: IngestOptions,
    /// The place rules of `--places`, loaded once.
    places: Option<model::places::PlaceRules>,
}

/// Read `input`, build the model and audit it at `as_of` with `plan` (or the plan the
/// arguments name, or the one matching the data). `hashes`: the files' SHA-256 are wanted
/// ([`InputDigest::of_model`]).
fn audit_snapshot(
    args: &AuditArgs,
    input: &InputArgs,
    as_of: NaiveDate,
    plan: Option<Plan>,
    hashes: bool,
) -> Result<Audited> {
    let mut opts = ingest_options(input)?;
    opts.skip_hashes = !hashes;
    progress::phase("start");
    // A plan known before reading (named, or handed in) lets the community tree be made as
    // soon as the community list is read, while the files after it are still being read.
    let handed = plan.is_some();
    let known = match plan {
        Some(p) => Some(p),
        None => args.plan.as_ref().and_then(|p| {
            let mut plan = load_plan(p).ok()?;
            if let Some(path) = &args.units {
                plan::apply_units_path(&mut plan, path).ok()?;
            }
            Some(plan)
        }),
    };
    let early_opts = known.as_ref().and_then(|plan| {
        let scope = scope_arg(args.scope.as_ref(), &plan.meta.province).ok()?;
        let places = place_rules(input).ok()?;
        Some(build_options(
            input,
            plan.meta.province.clone(),
            scope,
            &plan.meta.reporting_units,
            places,
        ))
    });
    let mut early: Option<(usize, Result<model::Tree, model::ModelError>)> = None;
    // The organization rows of the last file go to a build begun as soon as the files
    // before it are in (their communities made into the tree, no organization among them),
    // while that file is still read; `streamed` is that build's model.
    let go = std::sync::Arc::new(std::sync::OnceLock::new());
    let (batch_tx, batch_rx) = std::sync::mpsc::channel();
    let (start_tx, start_rx) = std::sync::mpsc::channel::<(model::Tree, u32)>();
    let (rest_tx, rest_rx) = std::sync::mpsc::channel::<ingest::Dataset>();
    // (Not with one thread: the build would run beside the reading.)
    let stream =
        (early_opts.is_some() && opts.thread_count() > 1).then(|| ingest::inputs::Stream {
            tx: batch_tx,
            go: go.clone(),
            min_bytes: stream_min_bytes(),
        });
    let (outcome, streamed) = std::thread::scope(|s| {
        let builder = s.spawn(move || {
            let (tree, offset) = start_rx.recv().ok()?;
            Some(model::build_streamed(
                tree,
                offset,
                batch_rx.into_iter(),
                || rest_rx.recv().ok(),
            ))
        });
        // Whether the build took the tree (and the community rows were let go).
        let mut streaming = false;
        let read = ingest::read_inputs_then(
            &input.inputs,
            &opts,
            &mut |ds, remaining| {
                if let (Some(bo), None) = (&early_opts, &early) {
                    if remaining > 0 && !ds.communities.is_empty() {
                        let tree = model::tree(&ds.communities, ds.tables.len(), bo);
                        early = Some((ds.communities.len(), tree));
                    }
                }
                if remaining != 1 || go.get().is_some() {
                    return;
                }
                let fits = matches!(&early, Some((rows, Ok(_))) if *rows == ds.communities.len());
                let mut sent = false;
                if fits && ds.organizations.is_empty() {
                    if let Some((_, Ok(tree))) = early.take() {
                        let offset = u32::try_from(ds.tables.len()).unwrap_or(u32::MAX);
                        sent = start_tx.send((tree, offset)).is_ok();
                        // The tree holds what the build needs of the community rows: they
                        // are not held to the end (national-28: ~100 MB).
                        if sent {
                            streaming = true;
                            ds.communities = Default::default();
                        }
                    }
                }
                let _ = go.set(sent);
            },
            stream,
        );
        progress::phase("read");
        drop(start_tx);
        let join = |b: std::thread::ScopedJoinHandle<'_, _>| {
            b.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        };
        match read {
            // No community row came after the tree (the last file held none), and no row
            // handed on was read again: the build goes on with the rest of the dataset.
            Ok(ds) if streaming && ds.communities.is_empty() && !ds.handed_on_then_restarted => {
                let _ = rest_tx.send(ds);
                match join(builder) {
                    Some(Ok(Some(model))) => (None, Some(Ok(model))),
                    Some(Err(e)) => (None, Some(Err(e))),
                    // Not reached: the build had the dataset.
                    _ => (None, None),
                }
            }
            other => {
                drop(rest_tx);
                join(builder);
                // The last file listed communities after all (the tree lacks them, and the
                // rows it was made of were let go), or rows handed on were read again (an
                // XLSX sheet's cells out of row order): read again, without streaming.
                let other = match other {
                    Ok(_) if streaming => None,
                    other => Some(other),
                };
                (other, None)
            }
        }
    });
    let ds = match (outcome, &streamed) {
        (Some(read), _) => Some(read.map_err(|e| anyhow!("{e}"))?),
        (None, Some(_)) => None,
        // Read again: a last file that listed communities after the build took the tree
        // (or a streamed build with the dataset that gave no model, not reached).
        (None, None) => Some(read(input, &opts)?),
    };
    memory::release_freed();
    progress::evaluating();
    if ds.as_ref().is_some_and(|ds| ds.communities.is_empty()) {
        bail!(
            "no community list (社区/村 table) among the inputs: zhibiao needs it to know the \
             communities, streets and counties to audit. Columns expected: 市, 县区, 街道乡镇, 社区, \
             城乡类型 or 城乡分类代码"
        );
    }
    let plan = match known {
        Some(p) => p,
        None => {
            let mut plan = match (&args.plan, &ds) {
                (Some(p), _) => load_plan(p)?,
                (None, Some(ds)) => auto_plan(ds)?,
                // A build streamed while reading had its plan before reading.
                (None, None) => bail!("no plan for a build made while reading"),
            };
            if let Some(path) = &args.units {
                plan::apply_units_path(&mut plan, path).map_err(|e| anyhow!("{e}"))?;
            }
            plan
        }
    };
    // Once per run, though a baseline audit running beside it loads the plan too (a plan
    // handed in was noted where it was loaded).
    static NOTED: std::sync::Once = std::sync::Once::new();
    if !handed {
        NOTED.call_once(|| {
            for u in plan
                .units
                .iter()
                .filter(|u| !u.configured() && args.scope.is_none())
            {
                eprintln!(
                    "注意 note: 报送单位 {}: {}",
                    u.name,
                    audit::UNIT_NOT_CONFIGURED
                );
            }
        });
    }
    let scope = scope_arg(args.scope.as_ref(), &plan.meta.province)?;
    let units = &plan.meta.reporting_units;
    let places = place_rules(input)?;
    let province = plan.meta.province.clone();
    let built = match (streamed, ds, early) {
        (Some(m), _, _) => m.map_err(anyhow::Error::new),
        // The tree made while reading, when no community table was read after it.
        (None, Some(ds), Some((rows, tree))) if rows == ds.communities.len() => tree
            .and_then(|t| model::build_from(ds, t))
            .map_err(anyhow::Error::new),
        (None, Some(ds), _) => build_with(ds, input, province, scope, units, places.clone()),
        (None, None, _) => bail!("no data for a build made while reading"),
    };
    let (model, missing_unit) = match built {
        Ok(m) => (m, None),
        // A reporting unit of the plan with no data: audit the province and show only that
        // unit, as no data (exit 1), instead of refusing the scope.
        Err(e) => match e.downcast_ref::<model::ModelError>() {
            Some(model::ModelError::ScopeNotInData { unit }) => {
                let unit = unit.clone();
                let ds = read(input, &opts)?;
                let province = plan.meta.province.clone();
                let m = build_with(ds, input, province, Vec::new(), units, places.clone())?;
                (m, Some(unit))
            }
            _ => return Err(e),
        },
    };
    let by = match args.by {
        ByLevel::City => Level::City,
        ByLevel::County => Level::County,
        ByLevel::Street => Level::Street,
    };
    progress::phase("build");
    let mut result = audit::run(
        &model,
        &plan,
        AuditOptions {
            as_of,
            by,
            threads: input.threads,
        },
    );
    progress::phase("evaluate");
    if let Some(unit) = &missing_unit {
        result.retain_region(&format!("{}/{unit}", plan.meta.province));
    }
    Ok(Audited {
        plan,
        model,
        result,
        opts,
        places,
    })
}

/// `--as-of` and the like: the ledgers' date spellings or a period.
/// The as-of date the names of a snapshot's inputs give (folders like 2023Q3/, files like
/// 2023年三季度台账.xlsx), when they all agree.
fn snapshot_date_of(inputs: &[std::path::PathBuf]) -> Option<NaiveDate> {
    let dates: Vec<Option<NaiveDate>> = inputs
        .iter()
        .map(|p| ingest::period::snapshot_date(p))
        .collect();
    let first = (*dates.first()?)?;
    dates.iter().all(|d| *d == Some(first)).then_some(first)
}

fn audit_cmd(args: AuditArgs) -> Result<ExitCode> {
    if args.input.inputs.is_empty() {
        missing_inputs("audit");
    }
    let outputs = check_audit_outputs(&args, false)?;
    let cites = cites_input_hashes(&args);
    let as_of = match &args.as_of {
        Some(d) => *d,
        None => match snapshot_date_of(&args.input.inputs) {
            Some(d) => {
                eprintln!("审计日 as-of {d}（取自输入的文件夹或文件名 / from the inputs' names）");
                d
            }
            None if !args.baseline.is_empty() => bail!(
                "--baseline needs the as-of date of the current snapshot: give --as-of 2023-12-31, \
                 or name its folder or files by period (2023Q4/, 2023年四季度台账.xlsx)"
            ),
            None => chrono::Local::now().date_naive(),
        },
    };
    if args.fail_on == FailOn::Behind && args.baseline.is_empty() {
        bail!(
            "--fail-on behind judges the pace between two snapshots: give the previous one with \
             --baseline PREVIOUS (or use zhibiao trend)"
        );
    }
    if args.fail_on == FailOn::Swing && args.baseline.is_empty() {
        bail!(
            "--fail-on swing compares the counts of two snapshots: give the previous one with \
             --baseline PREVIOUS (or use zhibiao trend)"
        );
    }
    // The baseline's date is checked before anything is read.
    let base_as_of = if args.baseline.is_empty() {
        None
    } else {
        let d = match &args.baseline_as_of {
            Some(d) => *d,
            None => snapshot_date_of(&args.baseline).ok_or_else(|| {
                anyhow!(
                    "cannot tell the as-of date of the baseline {}: name its folder or files by \
                     period (2023Q3/, 2023-09, 2023年三季度) or give --baseline-as-of 2023-09-30",
                    args.baseline
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            })?,
        };
        if d >= as_of {
            bail!(
                "the baseline's as-of date {d} is not before the audit's {as_of}: \
                 --baseline takes the previous snapshot"
            );
        }
        Some(d)
    };
    // The two snapshots are audited at the same time (one per core); each picks its plan
    // as a lone audit would, and they must agree.
    let (current, base) = std::thread::scope(|s| {
        let base = base_as_of.map(|d| {
            let mut base_input = args.input.clone();
            base_input.inputs = args.baseline.clone();
            let args = &args;
            s.spawn(move || audit_snapshot(args, &base_input, d, None, false))
        });
        let current = audit_snapshot(&args, &args.input, as_of, None, cites);
        let base = base.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow!("--baseline: the audit of the baseline failed")))
        });
        (current, base)
    });
    let Audited {
        plan,
        model,
        mut result,
        opts,
        places,
    } = current?;
    if let Some(base) = base {
        let base = base.context("--baseline")?;
        if base.plan.meta.id != plan.meta.id {
            bail!(
                "the baseline matches plan {} but the current snapshot plan {}: give --plan",
                base.plan.meta.id,
                plan.meta.id
            );
        }
        audit::movement::apply_baseline(&mut result, &base.result);
        add_swings(&mut result, &plan, &base.model, &model, base.result.as_of);
        // Not freed: the process ends soon (see the end of this function).
        std::mem::forget(base);
    }
    apply_explanations(&args, std::slice::from_mut(&mut result))?;
    progress::finish();

    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    // The terminal's width, 100 columns when piped, or --width.
    let width = Some(args.width.unwrap_or_else(stdout_width));
    let csv_opts = CsvOptions { bom: !args.no_bom };
    let default_format = match args.format {
        Some(FormatArg::Csv) => Format::Csv,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Pdf) => Format::Pdf,
        Some(FormatArg::Html) => Format::Html,
        Some(FormatArg::Markdown) => Format::Markdown,
        Some(FormatArg::Xlsx) => Format::Xlsx,
        Some(FormatArg::Junit) => Format::Junit,
        Some(FormatArg::Table) | None => Format::Table,
    };
    if args.outputs.is_empty() && matches!(default_format, Format::Pdf | Format::Xlsx) {
        bail!("--format pdf/xlsx writes a binary file: give it with -o FILE");
    }
    let meta = ReportMeta {
        generated: chrono::Local::now().naive_local(),
        inputs: if cites {
            InputDigest::of_model(&model)?
        } else {
            Vec::new()
        },
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        hide_no_data: args.hide_no_data,
    };
    let pdf_opts = PdfOptions {
        font: args.font.as_deref().map(parse_font_arg),
    };
    let render = |format: Format, color: bool, width: Option<u16>| -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        match format {
            Format::Table => {
                let t = TableOptions {
                    color,
                    width,
                    lang: meta.lang,
                    hide_no_data: args.hide_no_data,
                    ..TableOptions::default()
                };
                buf.extend_from_slice(report::table::render(&result, &t).as_bytes());
            }
            Format::Csv => report::csv::write(&mut buf, &result, csv_opts)?,
            Format::Json => report::json::write(&mut buf, &result)?,
            Format::Pdf => report::pdf::write(&mut buf, &result, &meta, &pdf_opts)?,
            Format::Html => report::html::write(&mut buf, &result, &meta)?,
            Format::Markdown => report::markdown::write(&mut buf, &result, &meta)?,
            Format::Junit => report::junit::write(&mut buf, &result, &meta)?,
            Format::Xlsx => buf = report::xlsx::to_bytes(&result, &meta)?,
        }
        Ok(buf)
    };
    // `--issues-out`: the list `zhibiao issues` writes, by county, from this audit's model.
    let issues_file = match &outputs.issues {
        Some((target, xlsx)) => {
            let list = issue_list(&model, &opts, places.as_ref(), Level::County)?;
            let bytes = issue_list_file(&list, &model, &[], meta.lang, csv_opts, *xlsx)?;
            Some((target, bytes))
        }
        None => None,
    };
    if args.outputs.is_empty() {
        output::print(&render(default_format, color, width)?)?;
        // The list and the rejects are written all or none.
        let mut files: Vec<(&Target, &[u8])> = Vec::new();
        if let Some((target, bytes)) = &issues_file {
            files.push((*target, bytes.as_slice()));
        }
        let rejects = match &outputs.rejects {
            Some(target) => Some((target, rejects_csv(&opts, &model)?)),
            None => None,
        };
        if let Some((target, (bytes, _))) = &rejects {
            files.push((*target, bytes.as_slice()));
        }
        if !files.is_empty() {
            output::write_files(&files)?;
        }
        if let Some((Target::File { given, .. }, _)) = &issues_file {
            let _ = writeln!(std::io::stderr(), "已写入 wrote {}", given.display());
        }
        if let Some((target, (_, n))) = &rejects {
            report_rejects(target, *n);
        }
    } else {
        // Every output rendered first, then written all or none; `-o -` is standard
        // output in place of the summary table.
        let mut files: Vec<(&Target, Vec<u8>)> = Vec::new();
        let mut to_stdout = None;
        for (path, target) in args.outputs.iter().zip(&outputs.reports) {
            let named = path
                .extension()
                .and_then(|e| e.to_str())
                .and_then(Format::from_extension);
            let format = match args.format {
                Some(_) => match named {
                    Some(n) if n != default_format => bail!(
                        "--format {} but -o {} names the {} format: drop --format, or name the file .{}",
                        format_name(default_format).0,
                        path.display(),
                        format_name(n).0,
                        format_name(default_format).1
                    ),
                    _ => default_format,
                },
                None => match path.extension().and_then(|e| e.to_str()) {
                    Some(ext) => Format::from_extension(ext).ok_or_else(|| {
                        anyhow!(
                            "{}: unknown output format .{ext}; use .csv .json .txt .pdf .html .md .xlsx .xml, or --format",
                            path.display()
                        )
                    })?,
                    None => default_format,
                },
            };
            if target.is_stdout() {
                to_stdout = Some(render(format, color, width)?);
            } else {
                files.push((
                    target,
                    render(format, false, Some(args.width.unwrap_or(100)))?,
                ));
            }
        }
        files.extend(issues_file);
        write_with_rejects(files, outputs.rejects.as_ref(), &opts, &model)?;
        // Still show the summary on the terminal.
        match to_stdout {
            Some(bytes) => output::print(&bytes)?,
            None => output::print(&render(Format::Table, color, width)?)?,
        }
    }
    if let Some(path) = &args.history {
        record_history(path, &args, &result, &meta)?;
    }

    let code = exit_code(&result, args.fail_on);
    // The process ends here and its memory goes back whole: freeing a national model block
    // by block and name by name took a quarter of a second.
    std::mem::forget((model, result));
    Ok(code)
}

/// Whether a report of this audit cites its input files' SHA-256 (an HTML, PDF or XLSX
/// report, a `--history` record). When none does, the files are not hashed (a national
/// ledger's hash is a twentieth of the run's work).
fn cites_input_hashes(args: &AuditArgs) -> bool {
    let cites = |f: Format| matches!(f, Format::Pdf | Format::Html | Format::Xlsx);
    let named = |p: &std::path::PathBuf| {
        p.extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
    };
    args.history.is_some()
        || matches!(
            args.format,
            Some(FormatArg::Pdf | FormatArg::Html | FormatArg::Xlsx)
        )
        || args.outputs.iter().filter_map(named).any(cites)
}

/// The name of an output format as `--format` spells it, and its file extension.
fn format_name(f: Format) -> (&'static str, &'static str) {
    match f {
        Format::Table => ("table", "txt"),
        Format::Csv => ("csv", "csv"),
        Format::Json => ("json", "json"),
        Format::Pdf => ("pdf", "pdf"),
        Format::Html => ("html", "html"),
        Format::Markdown => ("markdown", "md"),
        Format::Xlsx => ("xlsx", "xlsx"),
        Format::Junit => ("junit", "xml"),
    }
}

/// The explanations file: `--explain FILE`, else 说明.toml / explanations.toml in an input
/// folder or beside an input file (the first found), unless `--no-explain`.
fn explanations_file(args: &AuditArgs) -> Option<std::path::PathBuf> {
    if let Some(p) = &args.explain {
        return Some(p.clone());
    }
    if args.no_explain {
        return None;
    }
    args.input.inputs.iter().find_map(|input| {
        let dir = if input.is_dir() {
            input.as_path()
        } else {
            input.parent()?
        };
        ["说明.toml", "explanations.toml"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    })
}

/// Read the explanations (if any) and apply them to each result (expiry judged today).
fn apply_explanations(args: &AuditArgs, results: &mut [audit::AuditResult]) -> Result<()> {
    let Some(path) = explanations_file(args) else {
        return Ok(());
    };
    let Some(first) = results.first() else {
        return Ok(());
    };
    let plan_id = first.plan.id.clone();
    let ids: Vec<String> = first.targets.iter().map(|t| t.target.id.clone()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ingest::source::check_file(&path, args.input.max_plan_size, "--max-plan-size")?;
    // Not UTF-8: a diagnostic naming the byte offset, like a plan file's.
    let text = plan::read_text(&path).map_err(|e| anyhow!("{e}"))?;
    let ex = plan::parse_explanations(&path.display().to_string(), &text, &plan_id, &ids)
        .map_err(|e| anyhow!("{e}"))?;
    let today = chrono::Local::now().date_naive();
    for r in results.iter_mut() {
        if let Err(diags) = audit::explain::apply(r, &ex, today) {
            let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            bail!("{}", text.join("\n"));
        }
    }
    if args.explain.is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "说明 explanations: {}（{} 条 / entries）",
            path.display(),
            ex.entries.len()
        );
    }
    Ok(())
}

/// The swings of `current` against the baseline `previous` (at `baseline_as_of`), added to
/// `result`'s data issues.
fn add_swings(
    result: &mut audit::AuditResult,
    plan: &Plan,
    previous: &Model,
    current: &Model,
    baseline_as_of: NaiveDate,
) {
    let as_of = result.as_of;
    for issue in audit::swing::check(previous, current, &plan.swing, baseline_as_of, as_of) {
        let region = match issue.kind() {
            zhibiao::issue::IssueKind::Swing { region, .. } => Some(region.clone()),
            _ => None,
        };
        result.push_issue(issue, region);
    }
}

/// The exit code of an audit under `--fail-on`: 1 when it fails, else 0.
fn exit_code(result: &audit::AuditResult, fail_on: FailOn) -> ExitCode {
    let fails = match fail_on {
        FailOn::Never => false,
        FailOn::Error => result.fails(Severity::Error),
        FailOn::Warning => result.fails(Severity::Warning),
        FailOn::Behind => result.fails(Severity::Error) || result.behind(),
        FailOn::Swing => result.fails(Severity::Error) || result.unexplained_swings() > 0,
    };
    if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `zhibiao trend SNAPSHOT...`.
fn trend_cmd(args: AuditArgs) -> Result<ExitCode> {
    let outputs = check_audit_outputs(&args, true)?;
    if args.issues_out.is_some() {
        bail!(
            "trend does not write --issues-out: list a snapshot's data issues with \
             zhibiao issues SNAPSHOT -o FILE, or zhibiao audit SNAPSHOT --issues-out FILE"
        );
    }
    if args.as_of.is_some() || !args.baseline.is_empty() || args.baseline_as_of.is_some() {
        bail!("trend takes the as-of date of each snapshot from its name or PATH=DATE, not --as-of or --baseline");
    }
    let from_history = args.input.inputs.is_empty();
    if from_history && args.fail_on == FailOn::Swing {
        bail!(
            "--fail-on swing compares the records of the snapshots, which a history does not \
             keep: give the snapshots (zhibiao trend 2023Q3/ 2023Q4/)"
        );
    }
    let (mut results, inputs) = if from_history {
        match &args.history {
            Some(path) => history_results(path, &args)?,
            None => missing_inputs("trend"),
        }
    } else {
        audit_snapshots(&args)?
    };
    for i in 1..results.len() {
        let (before, after) = results.split_at_mut(i);
        if let (Some(b), Some(a)) = (before.last(), after.first_mut()) {
            audit::movement::apply_baseline(a, b);
        }
    }
    apply_explanations(&args, &mut results)?;
    render_trend(&args, &outputs, &results, inputs)
}

/// `trend` given snapshots: audit each at its date (recording each in `--history`).
type Snapshots = (Vec<audit::AuditResult>, Vec<InputDigest>);

fn audit_snapshots(args: &AuditArgs) -> Result<Snapshots> {
    let mut snapshots: Vec<(std::path::PathBuf, NaiveDate)> = Vec::new();
    for arg in &args.input.inputs {
        let text = arg.to_string_lossy();
        let explicit = text
            .rsplit_once('=')
            .and_then(|(p, d)| ingest::period::parse_as_of(d).map(|d| (p.to_string(), d)));
        let (path, date) = match explicit {
            Some((p, d)) => (std::path::PathBuf::from(p), d),
            None => {
                let d = ingest::period::snapshot_date(arg).ok_or_else(|| {
                    anyhow!(
                        "cannot tell the as-of date of snapshot {text}: name its folder or file by \
                         period (2023Q3/, 2023-09, 2023年三季度) or give it as {text}=2023-09-30"
                    )
                })?;
                (arg.clone(), d)
            }
        };
        snapshots.push((path, date));
    }
    snapshots.sort_by_key(|(_, d)| *d);
    if snapshots.len() < 2 {
        bail!("trend needs two or more snapshots, e.g. zhibiao trend 2023Q3/ 2023Q4/");
    }
    if let Some(w) = snapshots.windows(2).find(|w| w[0].1 == w[1].1) {
        bail!(
            "two snapshots have the same as-of date {}: {} and {}",
            w[0].1,
            w[0].0.display(),
            w[1].0.display()
        );
    }
    let mut results: Vec<audit::AuditResult> = Vec::new();
    let mut plan: Option<Plan> = None;
    let mut inputs: Vec<InputDigest> = Vec::new();
    // The model of the snapshot before, for its swings (two models held at a time).
    let mut previous: Option<(Model, NaiveDate)> = None;
    for (path, date) in &snapshots {
        let mut input = args.input.clone();
        input.inputs = vec![path.clone()];
        let mut a = audit_snapshot(args, &input, *date, plan.clone(), true)?;
        if let Some((model, d)) = &previous {
            add_swings(&mut a.result, &a.plan, model, &a.model, *d);
        }
        eprintln!("已审计 audited {} as of {date}", path.display());
        let digests = InputDigest::of_model(&a.model)?;
        if let Some(h) = &args.history {
            let meta = ReportMeta {
                generated: chrono::Local::now().naive_local(),
                inputs: digests.clone(),
                lang: Lang::Zh,
                hide_no_data: false,
            };
            record_history(h, args, &a.result, &meta)?;
        }
        for d in digests {
            if !inputs
                .iter()
                .any(|x| x.path == d.path && x.sha256 == d.sha256)
            {
                inputs.push(d);
            }
        }
        plan = Some(a.plan);
        previous = Some((a.model, *date));
        results.push(a.result);
    }
    Ok((results, inputs))
}

/// `trend --history FILE` without snapshots: the newest revision of every recorded as-of
/// of one plan and scope.
fn history_results(path: &Path, args: &AuditArgs) -> Result<Snapshots> {
    use zhibiao::history::{to_result, History};
    if !path.exists() {
        bail!(
            "{}: no such history (record audits into it with --history first)",
            path.display()
        );
    }
    let h = History::open(path).context("--history")?;
    let plans = h.plans().context("--history")?;
    let plan = match &args.plan {
        Some(spec) => load_plan(spec)?,
        None => match plans.as_slice() {
            [] => bail!("{}: the history holds no audits yet", path.display()),
            [(id, _)] => match plan::builtin(id) {
                Some(p) => p.map_err(|e| anyhow!("{e}"))?,
                None => bail!(
                    "{}: plan {id} is not built in: give its file with --plan",
                    path.display()
                ),
            },
            many => bail!(
                "{}: the history holds several plans; choose one with --plan: {}",
                path.display(),
                many.iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let snaps = h.snapshots(&plan.meta.id).context("--history")?;
    let mut scopes: Vec<&str> = snaps.iter().map(|s| s.scope.as_str()).collect();
    scopes.dedup();
    let scope = match &args.scope {
        Some(want) => {
            let want = want.below(&plan.meta.province).join("/");
            let want = want.as_str();
            scopes
                .iter()
                .copied()
                .find(|s| {
                    *s == want
                        || s.ends_with(&format!("/{want}"))
                        || s.replace('/', "").ends_with(want)
                })
                .ok_or_else(|| {
                    anyhow!(
                        "{}: no audits of plan {} for scope {want}; recorded scopes: {}",
                        path.display(),
                        plan.meta.id,
                        scopes.join(", ")
                    )
                })?
        }
        None => scopes
            .iter()
            .copied()
            .find(|s| !s.contains('/'))
            .or(match scopes.as_slice() {
                [one] => Some(*one),
                _ => None,
            })
            .ok_or_else(|| {
                anyhow!(
                    "{}: audits of several scopes are recorded; choose one with --scope: {}",
                    path.display(),
                    scopes.join(", ")
                )
            })?,
    };
    let mut out = Vec::new();
    let mut inputs: Vec<InputDigest> = Vec::new();
    for info in snaps.iter().filter(|s| s.scope == scope) {
        for i in &info.inputs {
            if !inputs
                .iter()
                .any(|x| x.path == i.path && x.sha256 == i.sha256)
            {
                inputs.push(InputDigest {
                    path: i.path.clone(),
                    sha256: i.sha256.clone(),
                });
            }
        }
        let rows = h.rows(info.id).context("--history")?;
        let (result, dropped) = to_result(info, rows, &plan);
        if dropped > 0 {
            eprintln!(
                "注意 note: snapshot {} ({}) has {dropped} row(s) of targets plan {} no longer has; left out",
                info.id, info.as_of, plan.meta.id
            );
        }
        eprintln!(
            "取自历史 from history: {} as of {} (revision {}, recorded {})",
            info.scope, info.as_of, info.revision, info.recorded_at
        );
        out.push(result);
    }
    if out.len() < 2 {
        bail!(
            "{}: trend needs two or more recorded as-of dates of plan {} ({scope}); found {}",
            path.display(),
            plan.meta.id,
            out.len()
        );
    }
    Ok((out, inputs))
}

/// A command that needs inputs got none: clap's own error (exit 2).
fn missing_inputs(command: &str) -> ! {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let hint = if command == "trend" {
        "trend needs snapshots (folders or files), or --history FILE to read recorded audits"
    } else {
        "give the ledgers: files (.xlsx .xls .ods .csv) or folders"
    };
    cmd.error(clap::error::ErrorKind::MissingRequiredArgument, hint)
        .exit()
}

/// Print and write the trend of `results` (snapshots in date order, with movement).
fn render_trend(
    args: &AuditArgs,
    outputs: &Outputs,
    results: &[audit::AuditResult],
    inputs: Vec<InputDigest>,
) -> Result<ExitCode> {
    let csv_opts = CsvOptions { bom: !args.no_bom };
    let meta = ReportMeta {
        generated: chrono::Local::now().naive_local(),
        inputs,
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        hide_no_data: args.hide_no_data,
    };
    let pdf_opts = PdfOptions {
        font: args.font.as_deref().map(parse_font_arg),
    };
    let render = |format: &str| -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        match format {
            "csv" => report::trend::write_csv(&mut buf, results, csv_opts)?,
            "pdf" => buf = report::pdf::trend_to_bytes(results, &meta, &pdf_opts)?,
            "html" => buf = report::html::render_trend(results, &meta).into_bytes(),
            "xlsx" => buf = report::xlsx::trend_to_bytes(results, &meta)?,
            "json" => {
                let all: Vec<serde_json::Value> = results
                    .iter()
                    .flat_map(|r| match report::json::to_value(r) {
                        serde_json::Value::Array(a) => a,
                        other => vec![other],
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut buf, &all)?;
                buf.push(b'\n');
            }
            _ => buf.extend_from_slice(report::trend::render(results, None).as_bytes()),
        }
        Ok(buf)
    };
    let default = match args.format {
        Some(FormatArg::Csv) => "csv",
        Some(FormatArg::Json) => "json",
        Some(FormatArg::Html) => "html",
        Some(FormatArg::Table) | None => "table",
        Some(_) => bail!("trend writes table, csv, json or html (pdf and xlsx with -o FILE)"),
    };
    let mut files: Vec<(&Target, Vec<u8>)> = Vec::new();
    let mut to_stdout = false;
    for (path, target) in args.outputs.iter().zip(&outputs.reports) {
        if target.is_stdout() {
            to_stdout = true;
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let format = match ext.as_str() {
            "csv" => "csv",
            "json" => "json",
            "txt" => "table",
            "pdf" => "pdf",
            "html" | "htm" => "html",
            "xlsx" => "xlsx",
            _ => bail!(
                "{}: trend writes .csv, .json, .txt, .pdf, .html or .xlsx",
                path.display()
            ),
        };
        files.push((target, render(format)?));
    }
    write_outputs(&files)?;
    // `-o -` or no -o: the chosen format on standard output; else the table.
    let shown = if args.outputs.is_empty() || to_stdout {
        default
    } else {
        "table"
    };
    progress::finish();
    let width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        None
    };
    if shown == "table" {
        output::print_str(&report::trend::render(results, width))?;
    } else {
        output::print(&render(shown)?)?;
    }
    // The exit code is the last snapshot's, and under --fail-on swing also a swing between
    // any two consecutive snapshots.
    if args.fail_on == FailOn::Swing && results.iter().any(|r| r.unexplained_swings() > 0) {
        return Ok(ExitCode::from(1));
    }
    Ok(results
        .last()
        .map_or(ExitCode::SUCCESS, |last| exit_code(last, args.fail_on)))
}

fn ingest_options(input: &InputArgs) -> Result<IngestOptions> {
    let encoding = match &input.encoding {
        Some(name) => Some(
            encoding_rs::Encoding::for_label(name.trim().as_bytes()).ok_or_else(|| {
                anyhow!("--encoding {name:?}: unknown encoding; use utf-8, gbk or gb18030")
            })?,
        ),
        None => None,
    };
    let kind_overrides = input.kinds.iter().map(|k| k.over.clone()).collect();
    Ok(IngestOptions {
        encoding,
        kind_overrides,
        strict: input.strict,
        excludes: input.excludes.clone(),
        limits: ingest::source::Limits {
            input: input.max_input_size,
            plan: input.max_plan_size,
            rows: input.shape.max_rows,
            columns: input.shape.max_columns,
            cell_chars: input.shape.max_cell_chars,
        },
        threads: input.threads,
        progress: progress::hook(input.quiet),
        skip_hashes: false,
    })
}

fn read(input: &InputArgs, opts: &IngestOptions) -> Result<Dataset> {
    ingest::read_inputs(&input.inputs, opts).map_err(|e| anyhow!("{e}"))
}

fn build(
    ds: Dataset,
    input: &InputArgs,
    province: String,
    scope: Vec<String>,
    reporting_units: &[String],
) -> Result<Model> {
    let places = place_rules(input)?;
    build_with(ds, input, province, scope, reporting_units, places)
}

/// The place rules of `--places`, when given.
fn place_rules(input: &InputArgs) -> Result<Option<model::places::PlaceRules>> {
    input
        .places
        .as_deref()
        .map(|path| {
            model::places::PlaceRules::load_path(path).map_err(|e| anyhow!("--places: {e}"))
        })
        .transpose()
}

/// [`build`] with the place rules already loaded.
fn build_with(
    ds: Dataset,
    input: &InputArgs,
    province: String,
    scope: Vec<String>,
    reporting_units: &[String],
    places: Option<model::places::PlaceRules>,
) -> Result<Model> {
    let opts = build_options(input, province, scope, reporting_units, places);
    model::build(ds, &opts).map_err(anyhow::Error::new)
}

/// The smallest last file whose organization rows go to the model build while it is still
/// read (32 MB: a smaller one is read in one or two windows, with nothing to overlap);
/// `ZHIBIAO_STREAM_MIN` (bytes) sets it for tests.
fn stream_min_bytes() -> u64 {
    std::env::var("ZHIBIAO_STREAM_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32 << 20)
}

/// How the model of `input` is built for a plan's province and reporting units.
fn build_options(
    input: &InputArgs,
    province: String,
    scope: Vec<String>,
    reporting_units: &[String],
    places: Option<model::places::PlaceRules>,
) -> BuildOptions {
    BuildOptions {
        province,
        code_wins: input.urban_rural == UrbanRuralRoute::Code,
        scope,
        reporting_units: reporting_units.to_vec(),
        places,
        threads: input.threads,
    }
}

/// `--scope 太原市/小店区` → its names below the plan's province (a leading province
/// dropped: "山西省/太原市" → ["太原市"] when the plan's province is 山西省).
fn scope_arg(scope: Option<&Scope>, province: &str) -> Result<Vec<String>> {
    let scope = scope.map(|s| s.below(province)).unwrap_or_default();
    if scope.len() > 2 {
        bail!("--scope takes a city or a city/county, e.g. 太原市 or 太原市/小店区");
    }
    Ok(scope)
}

fn detect_province(ds: &Dataset) -> Option<String> {
    for c in &ds.communities {
        if !c.place.province.is_empty() {
            return Some(c.place.province.to_string());
        }
        if let Some(p) = c.code.as_deref().and_then(provinces::province_of_code) {
            return Some(p.to_string());
        }
    }
    let plans = plan::builtins().ok()?;
    let ids = plan::detect(ds, &plans);
    match ids.as_slice() {
        [one] => plans
            .iter()
            .find(|p| &p.meta.id == one)
            .map(|p| p.meta.province.clone()),
        _ => None,
    }
}

fn load_plan(spec: &str) -> Result<Plan> {
    if let Some(p) = plan::builtin(spec) {
        return p.map_err(|e| anyhow!("{e}"));
    }
    let path = Path::new(spec);
    if path.exists() {
        return plan::load_path(path).map_err(|e| anyhow!("{e}"));
    }
    bail!(
        "--plan {spec:?} is neither a built-in plan nor a file; built-in plans: {}",
        plan::BUILTINS
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn auto_plan(ds: &Dataset) -> Result<Plan> {
    let plans = plan::builtins().map_err(|e| anyhow!("{e}"))?;
    let ids = plan::detect(ds, &plans);
    let list = plans
        .iter()
        .map(|p| format!("  {} ({})", p.meta.id, p.meta.province))
        .collect::<Vec<_>>()
        .join("\n");
    match ids.as_slice() {
        [one] => plans
            .into_iter()
            .find(|p| &p.meta.id == one)
            .ok_or_else(|| anyhow!("plan {one} vanished")),
        [] => bail!(
            "no built-in plan matches the province of the data; choose one with --plan:\n{list}"
        ),
        many => bail!(
            "several built-in plans match the data ({}); choose one with --plan:\n{list}",
            many.join(", ")
        ),
    }
}

/// The `--rejects` CSV (see `report::rejects`), the skipped rows' cells read again from
/// the files, and how many rows it holds.
fn rejects_csv(opts: &IngestOptions, model: &Model) -> Result<(Vec<u8>, usize)> {
    let origins = report::rejects::origins(model);
    let cells =
        ingest::original_cells(&model.tables, &origins, opts).map_err(|e| anyhow!("{e}"))?;
    let mut bytes = Vec::new();
    let rows = report::rejects::write_csv(&mut bytes, model, &cells).context("--rejects")?;
    Ok((bytes, rows))
}

fn report_rejects(target: &Target, rows: usize) {
    if let Target::File { given, .. } = target {
        let _ = writeln!(
            std::io::stderr(),
            "已写入被跳过的行 wrote {rows} skipped rows to {}",
            given.display()
        );
    }
}

/// `--history FILE`: record the audit. Its inputs are the tables' files and the files that
/// change the figures for the same tables: a plan file, `--places`, `--units`.
fn record_history(
    path: &Path,
    args: &AuditArgs,
    result: &audit::AuditResult,
    meta: &ReportMeta,
) -> Result<()> {
    use zhibiao::history::{History, InputFile, Recorded, Snapshot};
    let mut inputs: Vec<InputFile> = meta.inputs.iter().map(InputFile::from).collect();
    let plan_file = args
        .plan
        .as_deref()
        .filter(|p| plan::builtin(p).is_none())
        .map(Path::new);
    for file in [
        plan_file,
        args.input.places.as_deref(),
        args.units.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        inputs.push(InputFile::of_path(file)?);
    }
    let mut snapshot = Snapshot::from_result(result, inputs, meta.generated);
    // Options that change what is read change the rows: part of the snapshot's identity.
    if let Some(e) = &args.input.encoding {
        snapshot.settings.push_str(&format!(";encoding={e}"));
    }
    for k in &args.input.kinds {
        snapshot.settings.push_str(&format!(";kind={}", k.text));
    }
    let recorded = History::open(path)
        .and_then(|mut h| h.record(&snapshot))
        .context("--history")?;
    match recorded {
        Recorded::New { id, revision } => eprintln!(
            "已记入历史 recorded in history: {} (snapshot {id}, revision {revision})",
            path.display()
        ),
        Recorded::AlreadyThere {
            id,
            revision,
            latest,
        } => eprintln!(
            "历史中已有相同快照 already in history: {} (snapshot {id}, revision {revision}{})",
            path.display(),
            if latest {
                ""
            } else {
                "; a later revision with other inputs is the one used"
            }
        ),
    }
    Ok(())
}

/// `--font PATH[:INDEX]`.
fn parse_font_arg(s: &str) -> (std::path::PathBuf, u32) {
    match s.rsplit_once(':') {
        Some((p, i)) if !p.is_empty() && i.chars().all(|c| c.is_ascii_digit()) && !i.is_empty() => {
            (p.into(), i.parse().unwrap_or(0))
        }
        _ => (s.into(), 0),
    }
}

/// The width of what is printed on standard output: the terminal's, 100 columns when piped.
fn stdout_width() -> u16 {
    if std::io::stdout().is_terminal() {
        terminal_width().unwrap_or(100)
    } else {
        100
    }
}

/// The width the listings of `inspect`, `plan show` and `plans` are wrapped at: `--width`,
/// else the terminal's; none when piped or redirected (a line per item, for grep).
fn listing_width(given: Option<u16>) -> Option<u16> {
    given.or_else(|| {
        std::io::stdout()
            .is_terminal()
            .then(|| terminal_width().unwrap_or(100))
    })
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0))
        .or(Some(160))
}
