//! Workbook bytes (XLSX/XLS/ODS) → calamine → grids → header detection → typed rows.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use zhibiao::ingest::{rows, source, Dataset, IngestOptions};

fn options() -> IngestOptions {
    IngestOptions {
        limits: source::Limits {
            input: 1 << 20,
            plan: 1 << 20,
            rows: 2_000,
            columns: 200,
            cell_chars: 2_000,
        },
        ..IngestOptions::default()
    }
}

/// libfuzzer-sys aborts on every panic, even one caught: a panic inside calamine is
/// caught by the reader (`read_workbook_limited`) and becomes a "not a valid workbook"
/// error, which is the designed outcome, so only panics elsewhere abort.
fn init() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_calamine = info
            .location()
            .is_some_and(|l| l.file().contains("calamine"));
        if in_calamine {
            eprintln!("caught calamine panic: {info}");
            return;
        }
        default(info);
        std::process::abort();
    }));
}

fuzz_target!(
    init: init(),
    |data: &[u8]| {
    // The extension decides which reader is tried first; the content's magic picks it.
    let name = if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "fuzz.xls"
    } else if data.windows(8).take(200).any(|w| w == b"opendocu") {
        "fuzz.ods"
    } else {
        "fuzz.xlsx"
    };
    let opts = options();
    let Ok(file) = source::read_grids_from(Path::new(name), data.to_vec(), &opts) else {
        return;
    };
    let mut ds = Dataset::default();
    for grid in file.grids {
        let _ = rows::ingest_grid(grid, &opts, &mut ds);
    }
}
);
