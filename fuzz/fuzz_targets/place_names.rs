//! Place-name normalization: the text folds (`fold`, `clean_cell`, `header_key`,
//! `strip_committee_suffix`) and the resolution of a written place against a real
//! community list (`fixtures/places/社区名单.csv`) with the shipped place rules.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhibiao::ingest::source::{self, Cell, Grid, GridRow};
use zhibiao::ingest::text::{clean_cell, fold, header_key, strip_committee_suffix};
use zhibiao::ingest::{rows, Dataset, IngestOptions};
use zhibiao::model::{self, BuildOptions};

static LIST: &[u8] = include_bytes!("../../fixtures/places/社区名单.csv");

/// The community list, read once.
fn communities() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        let opts = IngestOptions::default();
        let file = source::read_grids_from(Path::new("社区名单.csv"), LIST.to_vec(), &opts)
            .expect("the bundled community list reads");
        let mut ds = Dataset::default();
        for g in file.grids {
            rows::ingest_grid(g, &opts, &mut ds).expect("the bundled community list parses");
        }
        ds
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Each normalization is idempotent.
    let f = fold(&text);
    assert_eq!(fold(&f), f, "fold {text:?}");
    let c = clean_cell(&text);
    assert_eq!(clean_cell(&c), c, "clean_cell {text:?}");
    let h = header_key(&text);
    assert_eq!(header_key(&h), h, "header_key {text:?}");
    let s = strip_committee_suffix(&f);
    assert!(f.is_empty() || !s.is_empty(), "strip {text:?}");

    // An organization row whose place cells (省|市|县区|街道乡镇|社区|服务社区|scope) come
    // from the input, resolved against the list by `model::build`.
    let mut parts = text.split(['|', '\t']);
    let mut cells = vec![Cell::Text("某某协会".into())];
    cells.extend(parts.by_ref().take(6).map(|p| Cell::Text(p.to_string())));
    let scope: Vec<String> = parts.take(2).map(str::to_string).collect();
    let grid = Grid {
        file: PathBuf::from("组织.csv"),
        sheet: None,
        encoding: None,
        rows: vec![
            GridRow::from_texts(
                1,
                &[
                    "组织名称",
                    "省",
                    "市",
                    "县区",
                    "街道乡镇",
                    "社区",
                    "服务社区",
                ],
            ),
            GridRow { number: 2, cells },
        ],
        merges: Vec::new(),
    };
    let mut ds = communities().clone();
    if rows::ingest_grid(grid, &IngestOptions::default(), &mut ds).is_err() {
        return;
    }
    let opts = BuildOptions {
        province: "山西省".into(),
        scope,
        ..BuildOptions::default()
    };
    if let Ok(m) = model::build(ds, &opts) {
        for o in &m.organizations {
            assert!(m.regions.is_within(o.place, m.province));
            assert!(o.serves.iter().all(|s| m.regions.is_within(*s, m.province)));
        }
    }
});
