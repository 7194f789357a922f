//! Date and number cells: `parse_date`, `from_serial`, `number_text`, `parse_as_of`, and
//! the year / amount / date columns of fund and event tables read through `ingest_grid`.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use zhibiao::ingest::date::{from_serial, parse_date};
use zhibiao::ingest::period::parse_as_of;
use zhibiao::ingest::source::{number_text, Cell, Grid, GridRow};
use zhibiao::ingest::{rows, Dataset, IngestOptions};

fn grid(header: &[&str], data: Vec<Vec<Cell>>) -> Grid {
    let mut rows = vec![GridRow::from_texts(1, header)];
    for (i, cells) in data.into_iter().enumerate() {
        rows.push(GridRow {
            number: i as u32 + 2,
            cells,
        });
    }
    Grid {
        file: PathBuf::from("fuzz.csv"),
        sheet: None,
        encoding: None,
        rows,
        merges: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let number = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map_or(0.0, f64::from_le_bytes);

    if let Some(d) = parse_date(&text) {
        // A parsed date formats and parses back to itself.
        let again = parse_date(&d.format("%Y-%m-%d").to_string());
        assert_eq!(again, Some(d), "{text:?}");
    }
    let _ = parse_as_of(&text);
    let _ = from_serial(number);
    let shown = number_text(number);
    let _ = parse_date(&shown);
    let _ = Cell::Number(number).text();

    let t = || Cell::Text(text.to_string());
    let opts = IngestOptions::default();
    let mut ds = Dataset::default();
    let funds = grid(
        &["市", "县区", "年度", "金额（万元）"],
        vec![
            vec![Cell::Text("阳泉市".into()), Cell::Empty, t(), t()],
            vec![
                Cell::Text("阳泉市".into()),
                Cell::Empty,
                Cell::Number(number),
                Cell::Number(number),
            ],
        ],
    );
    let _ = rows::ingest_grid(funds, &opts, &mut ds);
    let events = grid(
        &["活动名称", "活动类型", "市", "日期"],
        vec![
            vec![t(), t(), Cell::Text("阳泉市".into()), t()],
            vec![t(), t(), Cell::Text("阳泉市".into()), Cell::Number(number)],
            vec![t(), t(), Cell::Text("阳泉市".into()), Cell::Text(shown)],
        ],
    );
    let _ = rows::ingest_grid(events, &opts, &mut ds);
});
