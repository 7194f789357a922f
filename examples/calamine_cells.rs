//! "calamine alone": the baseline of `scripts/bench-xlsx.sh` (issue 9). Opens an XLSX
//! with calamine (the crate's own version) and reads the first sheet's cells in order
//! with the streaming cell reader, as `xlsx_rows` in `src/ingest/source.rs` does, but
//! keeps nothing: it counts the stored cells and the bytes of their text.
//!
//!     cargo run --release --example calamine_cells -- [--merges] FILE.xlsx
//!
//! `--merges` then asks calamine for the sheet's merged cells as `read_workbook_inner`
//! does (`merge_cells_by_sheet_name`, which reads the sheet's XML a second time): the
//! cost of that second pass, measured apart.

use std::process::ExitCode;

use calamine::{open_workbook, DataRef, Reader, Xlsx};

fn main() -> ExitCode {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    let merges = args.first().is_some_and(|a| a == "--merges");
    if merges {
        args.remove(0);
    }
    let [path] = args.as_slice() else {
        eprintln!("usage: calamine_cells [--merges] FILE.xlsx");
        return ExitCode::from(2);
    };
    match count(std::path::Path::new(path), merges) {
        Ok(c) => {
            print!(
                "{}: {} rows with cells, {} cells, {} bytes of text",
                c.sheet, c.rows, c.cells, c.bytes
            );
            match c.merges {
                Some(n) => println!(", {n} merged ranges"),
                None => println!(),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", path.to_string_lossy());
            ExitCode::from(2)
        }
    }
}

/// What was read of the first sheet.
#[derive(Default)]
struct Counts {
    sheet: String,
    /// Rows with a stored cell.
    rows: u64,
    /// Stored (non-empty) cells.
    cells: u64,
    /// Bytes of their text (strings, shared strings, ISO dates and durations).
    bytes: u64,
    /// Merged ranges, when asked for.
    merges: Option<usize>,
}

fn count(path: &std::path::Path, merges: bool) -> Result<Counts, calamine::XlsxError> {
    let mut book: Xlsx<_> = open_workbook(path)?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Ok(Counts::default());
    };
    let mut reader = book.worksheet_cells_reader(&sheet)?;
    let (mut rows, mut cells, mut bytes) = (0u64, 0u64, 0u64);
    let mut last_row = None;
    while let Some(cell) = reader.next_cell()? {
        let value = cell.get_value();
        let text = match value {
            DataRef::Empty => continue,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
            DataRef::SharedString(s) => s.len(),
            _ => 0,
        };
        let (r, _) = cell.get_position();
        if last_row != Some(r) {
            last_row = Some(r);
            rows += 1;
        }
        cells += 1;
        bytes += text as u64;
    }
    drop(reader);
    let merges = if merges {
        Some(book.merge_cells_by_sheet_name(&sheet)?.len())
    } else {
        None
    };
    Ok(Counts {
        sheet,
        rows,
        cells,
        bytes,
        merges,
    })
}
