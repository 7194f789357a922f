//! Reporting units beside the cities: `[[unit]]` tables of a plan, and the `--units` file
//! that gives the places of units the plan declares as `places = "user"`.
//!
//! A document may address units that are not cities of the NBS hierarchy (the Shaanxi
//! opinion: 杨凌示范区, 西咸新区, 韩城市, 神木市, 府谷县). Each is declared as a set of places
//! given by their path from the city down (`"咸阳市/杨陵区"`, `"西安市/未央区/六村堡街道"`).
//! Its rows are additional rows beside the cities: its records still count in their city.
//!
//! ```toml
//! [[unit]]
//! name = "杨凌示范区"
//! places = ["咸阳市/杨陵区"]
//! note = "……"            # optional: how the unit is understood
//!
//! [[unit]]
//! name = "西咸新区"
//! places = "user"        # given with --units FILE; not configured without it
//! ```

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Diagnostic, Plan, PlanError};
use crate::ingest::text::fold;
use crate::model::provinces;

/// A reporting unit addressed by the document beside the cities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportingUnit {
    /// Name as the document writes it, e.g. "杨凌示范区".
    pub name: String,
    /// Its places, each as names from the city down (folded), e.g. `["咸阳市", "杨陵区"]`.
    /// Empty for a unit whose places the user has not supplied.
    pub places: Vec<Vec<String>>,
    /// Whether the plan leaves the places to the user (`places = "user"`).
    pub from_user: bool,
    /// The `--units` file the places came from (empty when the plan gives them).
    pub source: String,
    /// How the unit is understood (optional).
    pub note: String,
}

impl ReportingUnit {
    /// Whether the unit has places to evaluate.
    pub fn configured(&self) -> bool {
        !self.places.is_empty()
    }

    /// The places as written in paths: "咸阳市/杨陵区", …
    pub(crate) fn place_paths(&self) -> Vec<String> {
        self.places.iter().map(|p| p.join("/")).collect()
    }
}

/// One `[[unit]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUnit {
    name: Spanned<String>,
    places: Spanned<RawPlaces>,
    #[serde(default)]
    note: String,
}

/// `places = [...]` or `places = "user"`.
enum RawPlaces {
    Word(String),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawPlaces {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawPlaces;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of places such as [\"咸阳市/杨陵区\"], or \"user\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawPlaces, E> {
                Ok(RawPlaces::Word(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPlaces, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<Spanned<String>>()? {
                    out.push(x);
                }
                Ok(RawPlaces::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A `--units` file: `[[unit]]` tables only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnitsFile {
    #[serde(default)]
    unit: Vec<RawUnit>,
}

struct Check<'a> {
    file: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Check<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(
            self.file,
            self.text,
            Some(span),
            message.into(),
        ));
    }

    /// One place path → names from the city down; `None` (with a diagnostic) if malformed.
    fn place(&mut self, p: &Spanned<String>, province: &str) -> Option<Vec<String>> {
        let mut names: Vec<String> = p.get_ref().split('/').map(|s| fold(s.trim())).collect();
        if names.len() > 1 && provinces::same_province(&names[0], province) {
            names.remove(0);
        }
        if names.iter().any(String::is_empty) || !(2..=4).contains(&names.len()) {
            self.err(
                p.span(),
                format!(
                    "a place is a path from the city down: 市/县区, 市/县区/街道乡镇 or \
                     市/县区/街道乡镇/社区 (e.g. \"咸阳市/杨陵区\"); found {:?}",
                    p.get_ref()
                ),
            );
            return None;
        }
        Some(names)
    }

    /// A list of places: at least one, none repeated or lying within another.
    fn places(
        &mut self,
        list: &[Spanned<String>],
        span: Range<usize>,
        province: &str,
    ) -> Vec<Vec<String>> {
        if list.is_empty() {
            self.err(span, "places must list at least one place");
            return Vec::new();
        }
        let mut out: Vec<(Vec<String>, &Spanned<String>)> = Vec::new();
        for p in list {
            let Some(names) = self.place(p, province) else {
                continue;
            };
            let clash = out.iter().find_map(|(q, _)| {
                let (short, long) = if q.len() <= names.len() {
                    (q, &names)
                } else {
                    (&names, q)
                };
                long.starts_with(short).then(|| q.join("/"))
            });
            if let Some(other) = clash {
                let message = if other == names.join("/") {
                    format!("place {other:?} is listed twice")
                } else {
                    format!(
                        "places must not nest: {:?} and {other:?} overlap (a unit's places are summed)",
                        names.join("/")
                    )
                };
                self.err(p.span(), message);
                continue;
            }
            out.push((names, p));
        }
        out.into_iter().map(|(n, _)| n).collect()
    }
}

/// Validate the `[[unit]]` tables of a plan: names unique, not a city of
/// `reporting_units`, places a non-empty list of non-nesting paths or `"user"`.
pub(super) fn validate(
    file: &str,
    text: &str,
    raw: Vec<RawUnit>,
    cities: &[String],
    province: &str,
) -> (Vec<ReportingUnit>, Vec<Diagnostic>) {
    let mut c = Check {
        file,
        text,
        diags: Vec::new(),
    };
    let mut out: Vec<ReportingUnit> = Vec::new();
    for u in raw {
        let name = fold(u.name.get_ref().trim());
        if name.is_empty() {
            c.err(u.name.span(), "a unit needs a name");
            continue;
        }
        if out.iter().any(|x| x.name == name) {
            c.err(u.name.span(), format!("duplicate unit {name:?}"));
            continue;
        }
        if cities.iter().any(|x| fold(x) == name) {
            c.err(
                u.name.span(),
                format!(
                    "unit {name:?} is already a city of reporting_units; a unit is reported beside the cities"
                ),
            );
            continue;
        }
        let span = u.places.span();
        let (places, from_user) = match u.places.get_ref() {
            RawPlaces::Word(w) if w == "user" => (Vec::new(), true),
            RawPlaces::Word(w) => {
                c.err(
                    span,
                    format!(
                        "places must be a list such as [\"咸阳市/杨陵区\"], or \"user\" (given with --units); found {w:?}"
                    ),
                );
                continue;
            }
            RawPlaces::List(list) => (c.places(list, span, province), false),
        };
        out.push(ReportingUnit {
            name,
            places,
            from_user,
            source: String::new(),
            note: u.note,
        });
    }
    (out, c.diags)
}

/// Read a `--units` file and fill in the places of the plan's `places = "user"` units.
pub fn apply_units_path(plan: &mut Plan, path: &Path) -> Result<(), PlanError> {
    let text = super::load::read_text(path)?;
    apply_units(plan, &path.display().to_string(), &text)
}

/// Fill in the places of the plan's `places = "user"` units from the text of a units file
/// (`[[unit]]` tables with `name` and a list of `places`); `file` names it in diagnostics.
/// A name the plan does not declare as `"user"` is an error: the file completes the plan,
/// it does not add units of its own.
pub fn apply_units(plan: &mut Plan, file: &str, text: &str) -> Result<(), PlanError> {
    let raw: RawUnitsFile = toml::from_str(text).map_err(|e| {
        PlanError::Invalid(vec![Diagnostic::new(
            file,
            text,
            e.span(),
            e.message().trim().to_string(),
        )])
    })?;
    let mut c = Check {
        file,
        text,
        diags: Vec::new(),
    };
    if raw.unit.is_empty() {
        c.err(
            0..0,
            "a units file needs at least one [[unit]] with name and places",
        );
    }
    let user: Vec<String> = plan
        .units
        .iter()
        .filter(|u| u.from_user)
        .map(|u| u.name.clone())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut fills: Vec<(usize, Vec<Vec<String>>, String)> = Vec::new();
    for u in raw.unit {
        let name = fold(u.name.get_ref().trim());
        if seen.contains(&name) {
            c.err(u.name.span(), format!("duplicate unit {name:?}"));
            continue;
        }
        seen.push(name.clone());
        let Some(index) = plan
            .units
            .iter()
            .position(|x| x.name == name && x.from_user)
        else {
            let why = if plan.units.iter().any(|x| x.name == name) {
                "the plan gives its places itself"
            } else {
                "the plan declares no such unit"
            };
            c.err(
                u.name.span(),
                format!(
                    "unit {name:?}: {why}; --units gives places only for the plan's units declared places = \"user\": {}",
                    if user.is_empty() {
                        "(none)".to_string()
                    } else {
                        user.join(", ")
                    }
                ),
            );
            continue;
        };
        let span = u.places.span();
        let places = match u.places.get_ref() {
            RawPlaces::List(list) => c.places(list, span, &plan.meta.province),
            RawPlaces::Word(w) => {
                c.err(
                    span,
                    format!(
                        "places must be a list such as [\"西安市/未央区/六村堡街道\"]; found {w:?}"
                    ),
                );
                continue;
            }
        };
        fills.push((index, places, u.note));
    }
    if !c.diags.is_empty() {
        return Err(PlanError::Invalid(c.diags));
    }
    for (index, places, note) in fills {
        let unit = &mut plan.units[index];
        unit.places = places;
        unit.source = file.to_string();
        if !note.is_empty() {
            unit.note = note;
        }
    }
    Ok(())
}

/// Lines describing the plan's units for `zhibiao plan show` (empty when there are none).
pub fn describe(plan: &Plan) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if plan.units.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "另列报送单位 units reported beside the cities (additional rows at city level, not a new \
         roll-up: their records still count in their city):"
    );
    for u in &plan.units {
        let places = if u.configured() {
            u.place_paths().join("、")
        } else {
            "未配置：用 --units 提供街道名单 / not configured: give its streets with --units"
                .to_string()
        };
        let _ = writeln!(s, "  {} = {places}", u.name);
        if !u.note.is_empty() {
            let _ = writeln!(s, "    {}", u.note);
        }
    }
    s
}
