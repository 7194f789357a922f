//! Where the rows with data issues lie, for the lists sent back to the counties
//! (`zhibiao issues`): the record the model kept for a row (its resolved place), else the
//! place cells of the row resolved as the model resolves them (a row skipped for a bad
//! value still names its county; a misspelt community still lies in its street's county),
//! else the deepest part that did resolve; `None` when not even the city resolved.

use std::collections::HashMap;

use super::places::{PlaceForms, PlaceRules};
use super::resolve::Resolver;
use super::{Model, RegionId};
use crate::ingest::{text, Origin, Place, TableInfo};
use crate::issue::Text;

/// The region each row of `rows` lies in. `cells` holds the rows' original cells (read
/// again, as for `--rejects`); `places` are the `--places` rules the model was built with.
pub fn places(
    model: &Model,
    rows: impl IntoIterator<Item = Origin>,
    cells: &crate::ingest::OriginalCells,
    places: Option<&PlaceRules>,
) -> HashMap<Origin, Option<RegionId>> {
    let regions = &model.regions;
    // Rows the model kept: their resolved place.
    let kept: HashMap<Origin, RegionId> = model.record_places().collect();
    let rules = match (PlaceRules::builtin(), places) {
        (Ok(b), Some(user)) => Some(b.with(user)),
        (Ok(b), None) => Some(b.clone()),
        (Err(_), _) => None,
    };
    let has_province = (model.province as usize) < regions.len();
    let forms = match (&rules, has_province) {
        (Some(r), true) => PlaceForms::build(regions, model.province, r),
        _ => PlaceForms::default(),
    };
    let province_name = if has_province {
        regions.get(model.province).name.clone()
    } else {
        String::new()
    };
    // Remembering each spelling's outcome, as the build does: a misspelt national
    // ledger's 921,692 listed rows are 199,002 spellings, each searched for its "是否为…？"
    // once (searched again on every row, they were a quarter of `--issues-out`'s time).
    let mut resolver = has_province
        .then(|| Resolver::new(regions, &forms, model.province, province_name.as_str()));

    let mut out = HashMap::new();
    for o in rows {
        out.entry(o).or_insert_with(|| {
            kept.get(&o).copied().or_else(|| {
                let table = model.tables.get(o.table as usize)?;
                let place = place_of(table, cells.get(&o)?);
                match resolver.as_mut()?.resolve(&place).as_ref() {
                    Ok((id, _)) => Some(*id),
                    Err(miss) => miss.matched,
                }
            })
        });
    }
    out
}
/// The place cells of a row as the model reads them (trimmed, folded).
fn place_of(table: &TableInfo, cells: &crate::ingest::OriginalRow) -> Place {
    let get = |field: &str| -> Text {
        table
            .columns
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| cells.get(c.column))
            .map(|c| text::fold(&text::clean_cell(c)))
            .unwrap_or_default()
            .into()
    };
    Place {
        province: get("province"),
        city: get("city"),
        county: get("county"),
        street: get("street"),
        community: get("community"),
    }
}
