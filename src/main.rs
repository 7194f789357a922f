//! The `zhibiao` binary: argument parsing, dispatch and exit codes.

mod cli;
mod diff_cmd;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::Parser;

use cli::{
    AuditArgs, ByLevel, Cli, ColorArg, Command, FailOn, FormatArg, InputArgs, LangArg, PlanAction,
    UrbanRuralRoute,
};
use zhibiao::audit::{self, AuditOptions};
use zhibiao::ingest::{self, Dataset, IngestOptions, KindOverride, Outcome, TableKind};
use zhibiao::model::{self, provinces, BuildOptions, Level, Model};
use zhibiao::plan::{self, Plan, Severity};
use zhibiao::report::{
    self, csv::CsvOptions, pdf::PdfOptions, table::TableOptions, Format, InputDigest, Lang,
    ReportMeta,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Panics inside third-party readers are caught and turned into errors naming the file;
    // keep the default hook from printing Rust debug output for them. A panic that reaches
    // here is a bug in zhibiao: say so plainly and exit 2.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::from(2)
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("内部错误 internal error: {what}（请报告此问题 / please report this）");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Audit(args) => audit_cmd(args),
        Command::Trend(args) => trend_cmd(args),
        Command::Diff(args) => diff_cmd::run(args),
        Command::Inspect(args) => {
            let opts = ingest_options(&args.input)?;
            // Every file is read and listed; one that fails makes the exit status 2.
            let outcome =
                ingest::read_inputs_all(&args.input.inputs, &opts).map_err(|e| anyhow!("{e}"))?;
            let ds = outcome.dataset;
            let province = detect_province(&ds).unwrap_or_default();
            let model = build(ds, &args.input, province, Vec::new(), &[])?;
            print!("{}", report::inspect::render(&model));
            print!("{}", report::inspect::render_failures(&outcome.failures));
            write_rejects(&args.input, &opts, &model)?;
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
        Command::Plans => {
            for p in plan::builtins().context("built-in plan")? {
                println!(
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
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            action: PlanAction::Show { plan },
        } => {
            let p = load_plan(&plan)?;
            print!("{}", show_plan(&p));
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            action: PlanAction::Check { path },
        } => {
            let p = plan::load_path(&path).map_err(|e| anyhow!("{e}"))?;
            println!(
                "{}: ok — plan {:?}, {} targets",
                path.display(),
                p.meta.id,
                p.targets.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One snapshot read, resolved and audited.
struct Audited {
    plan: Plan,
    model: Model,
    result: audit::AuditResult,
    opts: IngestOptions,
}

/// Read `input`, build the model and audit it at `as_of` with `plan` (or the plan the
/// arguments name, or the one matching the data).
fn audit_snapshot(
    args: &AuditArgs,
    input: &InputArgs,
    as_of: NaiveDate,
    plan: Option<Plan>,
) -> Result<Audited> {
    let opts = ingest_options(input)?;
    let ds = read(input, &opts)?;
    if ds.communities.is_empty() {
        bail!(
            "no community list (社区/村 table) among the inputs: zhibiao needs it to know the \
             communities, streets and counties to audit. Columns expected: 市, 县区, 街道乡镇, 社区, \
             城乡类型 or 城乡分类代码"
        );
    }
    let plan = match plan {
        Some(p) => p,
        None => {
            let mut plan = match &args.plan {
                Some(p) => load_plan(p)?,
                None => auto_plan(&ds)?,
            };
            if let Some(path) = &args.units {
                plan::apply_units_path(&mut plan, path).map_err(|e| anyhow!("{e}"))?;
            }
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
            plan
        }
    };
    let scope: Vec<String> = args
        .scope
        .as_deref()
        .map(|s| {
            s.split('/')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let scope = strip_province(scope, &plan.meta.province);
    if scope.len() > 2 {
        bail!("--scope takes a city or a city/county, e.g. 太原市 or 太原市/小店区");
    }
    let units = &plan.meta.reporting_units;
    let (model, missing_unit) = match build(ds, input, plan.meta.province.clone(), scope, units) {
        Ok(m) => (m, None),
        // A reporting unit of the plan with no data: audit the province and show only that
        // unit, as no data (exit 1), instead of refusing the scope.
        Err(e) => match e.downcast_ref::<model::ModelError>() {
            Some(model::ModelError::ScopeNotInData { unit }) => {
                let unit = unit.clone();
                let ds = read(input, &opts)?;
                let m = build(ds, input, plan.meta.province.clone(), Vec::new(), units)?;
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
    let mut result = audit::run(&model, &plan, AuditOptions { as_of, by });
    if let Some(unit) = &missing_unit {
        result.retain_region(&format!("{}/{unit}", plan.meta.province));
    }
    Ok(Audited {
        plan,
        model,
        result,
        opts,
    })
}

/// `--as-of` and the like: the ledgers' date spellings or a period.
fn parse_date_arg(flag: &str, s: &str) -> Result<NaiveDate> {
    ingest::period::parse_as_of(s).ok_or_else(|| {
        anyhow!(
            "{flag} {s:?}: not a date; write it as 2023-12-31, 2023/12/31, 2023年12月31日, 20231231, \
             or a period such as 2023Q4 or 2023年四季度 (its last day)"
        )
    })
}

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
    let as_of = match &args.as_of {
        Some(s) => parse_date_arg("--as-of", s)?,
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
    let Audited {
        plan,
        model,
        mut result,
        opts,
    } = audit_snapshot(&args, &args.input, as_of, None)?;
    if !args.baseline.is_empty() {
        let base_as_of = match &args.baseline_as_of {
            Some(s) => parse_date_arg("--baseline-as-of", s)?,
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
        if base_as_of >= as_of {
            bail!(
                "the baseline's as-of date {base_as_of} is not before the audit's {as_of}: \
                 --baseline takes the previous snapshot"
            );
        }
        let mut base_input = args.input.clone();
        base_input.inputs = args.baseline.clone();
        let base = audit_snapshot(&args, &base_input, base_as_of, Some(plan.clone()))?;
        audit::movement::apply_baseline(&mut result, &base.result);
    }

    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        None
    };
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
        inputs: digests(&model)?,
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
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
    if args.outputs.is_empty() {
        std::io::stdout().write_all(&render(default_format, color, width)?)?;
    } else {
        for path in &args.outputs {
            let format = match args.format {
                Some(_) => default_format,
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
            let bytes = render(format, false, None)?;
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("已写入 wrote {}", path.display());
        }
        // Still show the summary on the terminal.
        std::io::stdout().write_all(&render(Format::Table, color, width)?)?;
    }
    write_rejects(&args.input, &opts, &model)?;
    if let Some(path) = &args.history {
        record_history(path, &args, &result, &meta)?;
    }

    let fails = match args.fail_on {
        FailOn::Never => false,
        FailOn::Error => result.fails(Severity::Error),
        FailOn::Warning => result.fails(Severity::Warning),
    };
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `zhibiao trend SNAPSHOT...`.
fn trend_cmd(args: AuditArgs) -> Result<ExitCode> {
    if args.as_of.is_some() || !args.baseline.is_empty() || args.baseline_as_of.is_some() {
        bail!("trend takes the as-of date of each snapshot from its name or PATH=DATE, not --as-of or --baseline");
    }
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
    for (path, date) in &snapshots {
        let mut input = args.input.clone();
        input.inputs = vec![path.clone()];
        let a = audit_snapshot(&args, &input, *date, plan.clone())?;
        eprintln!("已审计 audited {} as of {date}", path.display());
        for d in digests(&a.model)? {
            if !inputs
                .iter()
                .any(|x| x.path == d.path && x.sha256 == d.sha256)
            {
                inputs.push(d);
            }
        }
        plan = Some(a.plan);
        results.push(a.result);
    }
    for i in 1..results.len() {
        let (before, after) = results.split_at_mut(i);
        if let (Some(b), Some(a)) = (before.last(), after.first_mut()) {
            audit::movement::apply_baseline(a, b);
        }
    }
    let csv_opts = CsvOptions { bom: !args.no_bom };
    let meta = ReportMeta {
        generated: chrono::Local::now().naive_local(),
        inputs,
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
    };
    let pdf_opts = PdfOptions {
        font: args.font.as_deref().map(parse_font_arg),
    };
    let render = |format: &str| -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        match format {
            "csv" => report::trend::write_csv(&mut buf, &results, csv_opts)?,
            "pdf" => buf = report::pdf::trend_to_bytes(&results, &meta, &pdf_opts)?,
            "html" => buf = report::html::render_trend(&results, &meta).into_bytes(),
            "xlsx" => buf = report::xlsx::trend_to_bytes(&results, &meta)?,
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
            _ => buf.extend_from_slice(report::trend::render(&results, None).as_bytes()),
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
    for path in &args.outputs {
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
        std::fs::write(path, render(format)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("已写入 wrote {}", path.display());
    }
    let shown = if args.outputs.is_empty() {
        default
    } else {
        "table"
    };
    let width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        None
    };
    if shown == "table" {
        std::io::stdout().write_all(report::trend::render(&results, width).as_bytes())?;
    } else {
        std::io::stdout().write_all(&render(shown)?)?;
    }
    let fails = results.last().is_some_and(|last| match args.fail_on {
        FailOn::Never => false,
        FailOn::Error => last.fails(Severity::Error),
        FailOn::Warning => last.fails(Severity::Warning),
    });
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
    let mut kind_overrides = Vec::new();
    for k in &input.kinds {
        let (target, kind) = k
            .rsplit_once('=')
            .ok_or_else(|| anyhow!("--kind {k:?}: expected FILE=KIND or FILE#SHEET=KIND"))?;
        let kind = match kind.trim() {
            "skip" | "ignore" => None,
            other => Some(TableKind::parse(other).ok_or_else(|| {
                anyhow!(
                    "--kind {k:?}: unknown kind {other:?}; expected communities, organizations, incubators, projects, events, funds or skip"
                )
            })?),
        };
        let (file, sheet) = match target.split_once('#') {
            Some((f, s)) => (f.to_string(), Some(s.to_string())),
            None => (target.to_string(), None),
        };
        kind_overrides.push(KindOverride { file, sheet, kind });
    }
    Ok(IngestOptions {
        encoding,
        kind_overrides,
        strict: input.strict,
        excludes: input.excludes.clone(),
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
    let places = match &input.places {
        Some(path) => {
            Some(model::places::PlaceRules::load_path(path).map_err(|e| anyhow!("--places: {e}"))?)
        }
        None => None,
    };
    let opts = BuildOptions {
        province,
        code_wins: input.urban_rural == UrbanRuralRoute::Code,
        scope,
        reporting_units: reporting_units.to_vec(),
        places,
    };
    model::build(ds, &opts).map_err(anyhow::Error::new)
}

/// "山西省/太原市" → ["太原市"] when the plan's province is 山西省.
fn strip_province(mut scope: Vec<String>, province: &str) -> Vec<String> {
    if scope
        .first()
        .is_some_and(|s| provinces::same_province(s, province))
    {
        scope.remove(0);
    }
    scope
}

fn detect_province(ds: &Dataset) -> Option<String> {
    for c in &ds.communities {
        if !c.place.province.is_empty() {
            return Some(c.place.province.clone());
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

fn show_plan(p: &Plan) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let m = &p.meta;
    let _ = writeln!(s, "{} — {}", m.id, m.title);
    let _ = writeln!(
        s,
        "{}{}{} · {} · {} 至 {}",
        m.issuer,
        if m.document.is_empty() {
            String::new()
        } else {
            format!(" {}", m.document)
        },
        m.issued.map(|d| format!(" · {d}")).unwrap_or_default(),
        m.province,
        m.period_start,
        m.due
    );
    let _ = writeln!(
        s,
        "报送单位 reporting units: {}",
        m.reporting_units.join("、")
    );
    s.push_str(&plan::describe_units(p));
    for t in &p.targets {
        let _ = writeln!(s);
        let sev = match t.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            s,
            "[{}] {} · {} · {} level · {sev} · due {}",
            t.id,
            t.clause,
            t.measure.name(),
            t.level.as_str(),
            t.due
        );
        let _ = writeln!(s, "  原文：{}", t.text);
        let _ = writeln!(s, "  解释：{}", t.note);
    }
    s
}

fn write_rejects(input: &InputArgs, opts: &IngestOptions, model: &Model) -> Result<()> {
    let Some(path) = &input.rejects else {
        return Ok(());
    };
    let skipped: Vec<_> = model
        .issues
        .iter()
        .filter_map(|i| match (i.origin, i.outcome) {
            (Some(o), Outcome::Skipped(r)) => Some((o, r, i.message.clone())),
            _ => None,
        })
        .collect();
    let origins: Vec<_> = skipped.iter().map(|(o, _, _)| *o).collect();
    let cells =
        ingest::original_cells(&model.tables, &origins, opts).map_err(|e| anyhow!("{e}"))?;
    let width = cells.values().map(Vec::len).max().unwrap_or(0);
    let mut header: Vec<String> = ["file", "sheet", "row", "reason", "message"]
        .map(String::from)
        .to_vec();
    header.extend((0..width).map(|i| format!("cell_{}", report::inspect::excel_column(i))));
    let rows = skipped.iter().map(|(o, r, msg)| {
        let t = &model.tables[o.table as usize];
        let mut row = vec![
            t.file.display().to_string(),
            t.sheet.clone().unwrap_or_default(),
            o.row.to_string(),
            r.as_str().to_string(),
            msg.clone(),
        ];
        row.extend(cells.get(o).cloned().unwrap_or_default());
        row.resize(5 + width, String::new());
        row
    });
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    report::csv::write_rows(
        std::io::BufWriter::new(file),
        CsvOptions::default(),
        &header_refs,
        rows,
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "已写入被跳过的行 wrote {} skipped rows to {}",
        skipped.len(),
        path.display()
    );
    Ok(())
}

/// SHA-256 of every input file read (each file once, in reading order).
/// The hashes were taken while reading (ingest reads each file once for them).
fn digests(model: &Model) -> Result<Vec<InputDigest>> {
    let mut out: Vec<InputDigest> = Vec::new();
    for t in &model.tables {
        let path = t.file.display().to_string();
        if out.iter().any(|d| d.path == path) {
            continue;
        }
        let hash = model
            .hashes
            .get(&t.file)
            .ok_or_else(|| anyhow!("no SHA-256 recorded for {path}"))?;
        let sha256 = hash.iter().map(|b| format!("{b:02x}")).collect();
        out.push(InputDigest { path, sha256 });
    }
    Ok(out)
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
    let snapshot = Snapshot::from_result(result, inputs, meta.generated);
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

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or(Some(160))
}
