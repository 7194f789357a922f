//! `zhibiao diff PREVIOUS CURRENT`: read each export with the normal reader, build each
//! into a model (places resolved as in an audit), diff them (`audit::diff`) and render.

use std::io::IsTerminal;
use std::mem::ManuallyDrop;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::{ByLevel, ColorArg, DiffArgs, DiffFormatArg, InputArgs};
use zhibiao::audit::diff::{self, DiffOptions};
use zhibiao::ingest;
use zhibiao::model::{Level, Model};
use zhibiao::output::{self, Requested, Target};
use zhibiao::report::{self, csv::CsvOptions, diff_table::DiffTableOptions};

/// Whether an `--exclude` pattern can name a file of this export: a path inside it (or
/// the export file itself), or a bare file name present in it.
fn exclude_applies(pattern: &Path, side: &Path) -> bool {
    let bare = pattern.parent().is_none_or(|p| p.as_os_str().is_empty());
    if bare {
        let name = pattern.as_os_str();
        side.file_name() == Some(name) || (side.is_dir() && side.join(pattern).exists())
    } else {
        pattern.starts_with(side) || pattern == side
    }
}

/// The reading options of one export, as `audit` would take them.
fn side_input(args: &DiffArgs, side: &Path) -> InputArgs {
    let mut inputs = vec![side.to_path_buf()];
    if let Some(c) = &args.communities {
        inputs.push(c.clone());
    }
    InputArgs {
        inputs,
        encoding: args.encoding.clone(),
        kinds: args.kinds.clone(),
        urban_rural: args.urban_rural,
        rejects: None,
        strict: args.strict,
        excludes: args
            .excludes
            .iter()
            .filter(|p| exclude_applies(p, side))
            .cloned()
            .collect(),
        places: args.places.clone(),
        max_input_size: args.max_input_size,
        max_plan_size: args.max_plan_size,
        shape: args.shape.clone(),
        threads: 0,
        quiet: args.quiet,
    }
}

/// Read and build one export.
fn side_model(input: &InputArgs, label: &str, province: Option<&str>) -> Result<Model> {
    let province = province.map(str::to_string);
    let opts = super::ingest_options(input)?;
    let ds = super::read(input, &opts).with_context(|| label.to_string())?;
    if ds.communities.is_empty() {
        bail!(
            "{label} {}: no community list (社区/村 table): zhibiao needs it to resolve places. \
             Put it in the folder, or give one for both exports with --communities FILE",
            input.inputs[0].display()
        );
    }
    let province = match province {
        Some(p) => p,
        None => super::detect_province(&ds).ok_or_else(|| {
            anyhow!(
                "{label}: cannot tell the province of the data (no 省 column, division code or \
                 known city)"
            )
        })?,
    };
    super::build(ds, input, province, Vec::new(), &[]).with_context(|| label.to_string())
}

/// Run `zhibiao diff`.
pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let targets = check_outputs(&args)?;
    let as_of = match &args.as_of {
        Some(d) => *d,
        None => chrono::Local::now().date_naive(),
    };
    let baseline_as_of = match &args.baseline_as_of {
        Some(d) => *d,
        None => as_of,
    };
    for p in &args.excludes {
        if !exclude_applies(p, &args.previous) && !exclude_applies(p, &args.current) {
            bail!(
                "--exclude {}: 没有匹配的输入文件 / matches no file of either export",
                p.display()
            );
        }
    }
    let current_in = side_input(&args, &args.current);
    let previous_in = side_input(&args, &args.previous);
    // The two exports are read at the same time, each deciding its province as `inspect`
    // does; they must agree.
    let (previous, current) = std::thread::scope(|s| {
        let prev = s.spawn(|| side_model(&previous_in, "上期 previous", None));
        let cur = side_model(&current_in, "本期 current", None);
        let prev = prev
            .join()
            .unwrap_or_else(|_| Err(anyhow!("上期 previous: reading failed")));
        (prev, cur)
    });
    // The process ends after the diff: freeing two models and 200,000 records one
    // allocation at a time would cost more than the diff itself (a tenth of a second on
    // the bench exports), and the system takes the memory back at exit in one go.
    let (previous, current) = (ManuallyDrop::new(previous?), ManuallyDrop::new(current?));
    let province = |m: &Model| m.regions.get(m.province).name.clone();
    if province(&previous) != province(&current) {
        bail!(
            "the exports are of two provinces: {} (previous) and {} (current)",
            province(&previous),
            province(&current)
        );
    }
    let by = match args.by {
        ByLevel::City => Level::City,
        ByLevel::County => Level::County,
        ByLevel::Street => Level::Street,
    };
    let result = ManuallyDrop::new(diff::diff(
        &previous,
        &current,
        DiffOptions {
            baseline_as_of,
            as_of,
            by,
        },
    ));

    crate::progress::finish();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let table_opts = DiffTableOptions {
        color,
        width: if std::io::stdout().is_terminal() {
            super::terminal_width()
        } else {
            None
        },
        examples: 5,
    };
    let csv_opts = CsvOptions { bom: !args.no_bom };
    let render = |format: DiffFormatArg| -> Result<Vec<u8>> {
        Ok(match format {
            DiffFormatArg::Table => report::diff_table::render(&result, &table_opts).into_bytes(),
            DiffFormatArg::Csv => {
                let mut buf = Vec::new();
                report::diff_csv::write(&mut buf, &result, csv_opts, args.all)?;
                buf
            }
            DiffFormatArg::Xlsx => report::diff_xlsx::to_bytes(&result, args.all)?,
        })
    };
    if args.outputs.is_empty() {
        let format = args.format.unwrap_or(DiffFormatArg::Table);
        if format == DiffFormatArg::Xlsx {
            bail!("--format xlsx writes a binary file: give it with -o FILE");
        }
        output::print(&render(format)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Every output rendered first, then written all or none; `-o -` is standard output
    // in place of the summary table.
    let mut files: Vec<(&Target, Vec<u8>)> = Vec::new();
    let mut to_stdout = None;
    for (path, target) in args.outputs.iter().zip(&targets) {
        if target.is_stdout() {
            let format = args.format.unwrap_or(DiffFormatArg::Table);
            to_stdout = Some(render(format)?);
            continue;
        }
        let format = match (args.format, extension(path).as_deref()) {
            (Some(f), _) => f,
            (None, Some("csv")) => DiffFormatArg::Csv,
            (None, Some("xlsx")) => DiffFormatArg::Xlsx,
            (None, Some("txt")) => DiffFormatArg::Table,
            (None, _) => bail!(
                "{}: unknown output format for diff; use .csv, .xlsx or .txt, or --format",
                path.display()
            ),
        };
        files.push((target, render(format)?));
    }
    super::write_outputs(&files)?;
    match to_stdout {
        Some(bytes) => output::print(&bytes)?,
        None => output::print(&render(DiffFormatArg::Table)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Check the outputs against each other and both exports (and the rule files), before
/// anything is read.
fn check_outputs(args: &DiffArgs) -> Result<Vec<Target>> {
    let mut inputs = vec![args.previous.clone(), args.current.clone()];
    inputs.extend(args.communities.iter().cloned());
    if let Some(places) = &args.places {
        ingest::source::check_file(places, args.max_plan_size, "--max-plan-size")?;
        inputs.push(places.clone());
    }
    let wanted: Vec<Requested> = args
        .outputs
        .iter()
        .map(|p| Requested::new("-o", p))
        .collect();
    let format = args.format;
    Ok(output::check(&wanted, &inputs, |_| match format {
        Some(DiffFormatArg::Xlsx) => {
            Err("XLSX 是二进制格式，请写入文件 / XLSX is binary: give a file name")
        }
        _ => Ok(()),
    })?)
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}
