//! CSV bytes → encoding detection → grid → header detection → typed rows.
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

fuzz_target!(|data: &[u8]| {
    let opts = options();
    let Ok(file) = source::read_grids_from(Path::new("fuzz.csv"), data.to_vec(), &opts) else {
        return;
    };
    let mut ds = Dataset::default();
    for grid in file.grids {
        let _ = rows::ingest_grid(grid, &opts, &mut ds);
    }
});
