//! Place forms and renamed divisions (`rules/places.toml`, and a user file given with
//! `--places`): the rules, their parsing, and the per-parent lookup maps built from them
//! once per run.
//!
//! [`PlaceForms`] holds, for every city, county and street of the region tree, the other
//! ways it is written (short form, office name, former name) keyed by the written text
//! under its parent, and the names of every region that may stand as a prefix of a lower
//! cell. Resolving a cell is then a hash lookup plus at most a few `strip_prefix` calls.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::provinces;
use super::region::{Level, RegionId, RegionIndex};
use crate::ingest::text;
use crate::plan::Diagnostic;

/// The shipped rules.
const PLACES_TOML: &str = include_str!("../../rules/places.toml");

/// Which route resolved a place. Ordered from the most to the least direct: a row's route
/// is the least direct route any of its cells took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Every cell is the list's name (a community may omit its committee suffix).
    Exact,
    /// A prefix of the enclosing region dropped, an office name (街道办事处, 人民政府), or
    /// a cell repeating the enclosing region.
    Variant,
    /// A shortened name: 阳泉 for 阳泉市, 泽州 for 泽州县.
    Short,
    /// A former name (大同县 → 云州区).
    Alias,
}

impl Route {
    /// Every route, in order.
    pub(crate) const ALL: [Route; 4] = [Route::Exact, Route::Variant, Route::Short, Route::Alias];

    /// English name.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Exact => "exact",
            Route::Variant => "variant",
            Route::Short => "short form",
            Route::Alias => "alias",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Route::Exact => "原名",
            Route::Variant => "变体",
            Route::Short => "简称",
            Route::Alias => "旧名",
        }
    }
}

/// Errors in a places file.
#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Malformed or invalid, located in the file.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

/// One `[[form]]` rule.
#[derive(Debug, Clone)]
pub struct FormRule {
    /// Level of the divisions it applies to.
    pub level: Level,
    /// The ending of the name that may be written otherwise.
    pub ends: String,
    /// What the ending may be written as ("" = left off).
    pub written: Vec<String>,
    /// Variant or short.
    pub route: Route,
    /// Characters that must stay before the ending.
    pub min_stem: usize,
}

/// One `[[alias]]`: a former name.
#[derive(Debug, Clone)]
pub struct Alias {
    /// Province of the parent region.
    pub province: String,
    /// City of the parent region (`None`: `old` was a city).
    pub city: Option<String>,
    /// County of the parent region (`Some`: `old` was a street).
    pub county: Option<String>,
    /// The former name.
    pub old: String,
    /// The current name(s) under the same parent.
    pub current: Vec<String>,
    /// Year of the change.
    pub year: Option<i32>,
}

/// Place rules: forms and aliases.
#[derive(Debug, Clone, Default)]
pub struct PlaceRules {
    /// Form rules.
    pub forms: Vec<FormRule>,
    /// Aliases.
    pub aliases: Vec<Alias>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    form: Vec<RawForm>,
    #[serde(default)]
    alias: Vec<RawAlias>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    level: Spanned<String>,
    ends: Spanned<String>,
    written: Vec<String>,
    route: Spanned<String>,
    #[serde(default)]
    min_stem: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlias {
    province: Spanned<String>,
    city: Option<String>,
    county: Option<String>,
    old: Spanned<String>,
    current: Spanned<Vec<String>>,
    year: Option<i32>,
}

impl PlaceRules {
    /// The shipped rules (`rules/places.toml`).
    pub fn builtin() -> Result<&'static PlaceRules, &'static PlacesError> {
        static RULES: OnceLock<Result<PlaceRules, PlacesError>> = OnceLock::new();
        RULES
            .get_or_init(|| PlaceRules::parse("rules/places.toml", PLACES_TOML))
            .as_ref()
    }

    /// Read a places file.
    pub fn load_path(path: &Path) -> Result<PlaceRules, PlacesError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlacesError::Read {
            path: path.display().to_string(),
            source,
        })?;
        PlaceRules::parse(&path.display().to_string(), &text)
    }

    /// Parse the text of a places file; `file` names it in errors.
    pub fn parse(file: &str, src: &str) -> Result<PlaceRules, PlacesError> {
        let bad = |span: Option<std::ops::Range<usize>>, message: String| {
            PlacesError::Invalid(Box::new(Diagnostic::new(file, src, span, message)))
        };
        let raw: RawFile = toml::from_str(src).map_err(|e| bad(e.span(), e.message().into()))?;
        let mut rules = PlaceRules::default();
        for f in raw.form {
            let level = match f.level.get_ref().as_str() {
                "city" => Level::City,
                "county" => Level::County,
                "street" => Level::Street,
                other => {
                    return Err(bad(
                        Some(f.level.span()),
                        format!("level {other:?}: expected city, county or street"),
                    ))
                }
            };
            let route = match f.route.get_ref().as_str() {
                "variant" => Route::Variant,
                "short" => Route::Short,
                other => {
                    return Err(bad(
                        Some(f.route.span()),
                        format!("route {other:?}: expected variant or short"),
                    ))
                }
            };
            let ends = text::fold(f.ends.get_ref());
            if ends.is_empty() {
                return Err(bad(Some(f.ends.span()), "ends must not be empty".into()));
            }
            rules.forms.push(FormRule {
                level,
                ends,
                written: f.written.iter().map(|w| text::fold(w)).collect(),
                route,
                min_stem: f.min_stem.unwrap_or(1),
            });
        }
        for a in raw.alias {
            let old = text::fold(a.old.get_ref());
            if old.is_empty() {
                return Err(bad(Some(a.old.span()), "old must not be empty".into()));
            }
            let current: Vec<String> = a
                .current
                .get_ref()
                .iter()
                .map(|c| text::fold(c))
                .filter(|c| !c.is_empty())
                .collect();
            if current.is_empty() {
                return Err(bad(
                    Some(a.current.span()),
                    "current must name at least one division".into(),
                ));
            }
            if current.contains(&old) {
                return Err(bad(
                    Some(a.current.span()),
                    format!("current names the old name {old:?} itself"),
                ));
            }
            let province = text::fold(a.province.get_ref());
            if province.is_empty() {
                return Err(bad(
                    Some(a.province.span()),
                    "province must not be empty".into(),
                ));
            }
            let city = a.city.map(|c| text::fold(&c)).filter(|c| !c.is_empty());
            let county = a.county.map(|c| text::fold(&c)).filter(|c| !c.is_empty());
            if city.is_none() && county.is_some() {
                return Err(bad(
                    Some(a.old.span()),
                    "an alias with a county needs its city".into(),
                ));
            }
            rules.aliases.push(Alias {
                province,
                city,
                county,
                old,
                current,
                year: a.year,
            });
        }
        Ok(rules)
    }

    /// These rules followed by `user`'s: user forms are added, a user alias replaces a
    /// shipped one with the same province, city, county and old name.
    pub fn with(&self, user: &PlaceRules) -> PlaceRules {
        let mut out = self.clone();
        out.forms.extend(user.forms.iter().cloned());
        for a in &user.aliases {
            out.aliases.retain(|b| {
                !(provinces::same_province(&a.province, &b.province)
                    && a.city == b.city
                    && a.county == b.county
                    && a.old == b.old)
            });
            out.aliases.push(a.clone());
        }
        out
    }
}

/// What a written form under a parent stands for.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The region(s): one, or several for a split (alias) or an ambiguous form.
    pub targets: Vec<RegionId>,
    /// How the form was produced.
    pub route: Route,
    /// Two siblings share this form: it is never resolved.
    pub ambiguous: bool,
    /// Year of the change (aliases).
    pub year: Option<i32>,
}

/// The result of looking one cell up under a parent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// One region.
    Found(RegionId, Route),
    /// A former name now split among several regions: a lower cell must decide.
    Split(&'a [RegionId], Option<i32>),
    /// The form is shared by several regions.
    Ambiguous(&'a [RegionId]),
    /// The cell names an enclosing region (or nothing is left once its prefixes are
    /// dropped): the row lies at that region.
    Enclosing,
    /// Nothing.
    Missing,
}

/// Written forms of every city, county and street, prepared once per run.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlaceForms {
    /// parent → written form → entry.
    by_parent: HashMap<RegionId, HashMap<Box<str>, Entry>>,
    /// region → the names it may be written as when it prefixes a lower cell, longest
    /// first (its own name and its unambiguous short forms; the province's stem).
    prefixes: HashMap<RegionId, Vec<Box<str>>>,
}

impl PlaceForms {
    /// Build the forms of every region of `province` in `regions` under `rules`.
    pub fn build(regions: &RegionIndex, province: RegionId, rules: &PlaceRules) -> PlaceForms {
        let mut forms = PlaceForms::default();
        let province_name = regions.get(province).name.clone();
        // Aliases first: they are explicit data.
        for a in &rules.aliases {
            if !provinces::same_province(&a.province, &province_name) {
                continue;
            }
            let mut parent = Some(province);
            for name in [&a.city, &a.county].into_iter().flatten() {
                parent = parent.and_then(|p| regions.child(Some(p), name));
            }
            let Some(parent) = parent else { continue };
            if regions.child(Some(parent), &a.old).is_some() {
                continue; // never shadow a current name
            }
            let targets: Option<Vec<RegionId>> = a
                .current
                .iter()
                .map(|c| regions.child(Some(parent), c))
                .collect();
            let Some(targets) = targets else { continue };
            forms.insert(parent, &a.old, targets, Route::Alias, a.year);
        }
        // Then the written forms of every city, county and street.
        for id in regions.ids() {
            let r = regions.get(id);
            let Some(parent) = r.parent else { continue };
            if !matches!(r.level, Level::City | Level::County | Level::Street) {
                continue;
            }
            for rule in rules.forms.iter().filter(|f| f.level == r.level) {
                let Some(stem) = r.name.strip_suffix(rule.ends.as_str()) else {
                    continue;
                };
                if stem.chars().count() < rule.min_stem.max(1) {
                    continue;
                }
                for w in &rule.written {
                    let form = format!("{stem}{w}");
                    if form == r.name || regions.child(Some(parent), &form).is_some() {
                        continue;
                    }
                    forms.insert(parent, &form, vec![id], rule.route, None);
                }
            }
        }
        // Prefix names: the province's name and stem; every city's and county's name and
        // its unambiguous short forms.
        let stem = province_name
            .trim_end_matches('省')
            .trim_end_matches('市')
            .to_string();
        let mut p = vec![province_name.clone().into_boxed_str()];
        if stem.chars().count() >= 2 && stem != province_name {
            p.push(stem.into_boxed_str());
        }
        forms.prefixes.insert(province, p);
        for id in regions.ids() {
            let r = regions.get(id);
            if !matches!(r.level, Level::City | Level::County) {
                continue;
            }
            let Some(parent) = r.parent else { continue };
            let mut names: Vec<Box<str>> = vec![r.name.clone().into_boxed_str()];
            if let Some(m) = forms.by_parent.get(&parent) {
                names.extend(
                    m.iter()
                        .filter(|(_, e)| {
                            e.route == Route::Short && !e.ambiguous && e.targets == [id]
                        })
                        .map(|(k, _)| k.clone()),
                );
            }
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            forms.prefixes.insert(id, names);
        }
        forms
    }

    fn insert(
        &mut self,
        parent: RegionId,
        form: &str,
        targets: Vec<RegionId>,
        route: Route,
        year: Option<i32>,
    ) {
        let map = self.by_parent.entry(parent).or_default();
        match map.get_mut(form) {
            None => {
                map.insert(
                    form.into(),
                    Entry {
                        targets,
                        route,
                        ambiguous: false,
                        year,
                    },
                );
            }
            Some(e) if e.targets == targets => {}
            Some(e) => {
                for t in targets {
                    if !e.targets.contains(&t) {
                        e.targets.push(t);
                    }
                }
                e.ambiguous = true;
            }
        }
    }

    /// Look `cell` up among the children of `parent`, whose ancestors from the province
    /// down (`parent` last) are `enclosing`: the exact name, a written form, or either
    /// after dropping prefixes of the enclosing regions.
    pub(crate) fn lookup<'a>(
        &'a self,
        regions: &RegionIndex,
        parent: RegionId,
        enclosing: &[RegionId],
        cell: &str,
    ) -> Lookup<'a> {
        if let Some(id) = regions.child(Some(parent), cell) {
            return Lookup::Found(id, Route::Exact);
        }
        let here = self.by_parent.get(&parent);
        let find = |s: &str, rewritten: bool| -> Option<Lookup<'a>> {
            if rewritten {
                if let Some(id) = regions.child(Some(parent), s) {
                    return Some(Lookup::Found(id, Route::Variant));
                }
            }
            let e = here?.get(s)?;
            Some(if e.ambiguous {
                Lookup::Ambiguous(&e.targets)
            } else if e.targets.len() > 1 {
                Lookup::Split(&e.targets, e.year)
            } else {
                let route = if rewritten {
                    e.route.max(Route::Variant)
                } else {
                    e.route
                };
                Lookup::Found(e.targets[0], route)
            })
        };
        if let Some(l) = find(cell, false) {
            return l;
        }
        let mut rest = cell;
        for a in enclosing {
            let Some(names) = self.prefixes.get(a) else {
                continue;
            };
            let Some(stripped) = names.iter().find_map(|n| rest.strip_prefix(&**n)) else {
                continue;
            };
            if stripped.is_empty() {
                return Lookup::Enclosing;
            }
            rest = stripped;
            if let Some(l) = find(rest, true) {
                return l;
            }
        }
        Lookup::Missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rules_parse() {
        let r = match PlaceRules::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        // 4 county-level endings + city + 3 street office rules; 22 lines of RENAMES.csv.
        assert_eq!(r.forms.len(), 7);
        assert_eq!(r.aliases.len(), 22);
        let split = r
            .aliases
            .iter()
            .find(|a| a.old == "南郊区")
            .map(|a| a.current.clone());
        assert_eq!(
            split,
            Some(vec!["平城区".to_string(), "云冈区".to_string()])
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let src = "[[alias]]\nprovince = \"山西省\"\ncity = \"大同市\"\nold = \"大同县\"\ncurrent = [\"云州区\"]\nyeer = 2018\n";
        let e = match PlaceRules::parse("my.toml", src) {
            Err(PlacesError::Invalid(d)) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!((e.line, e.column), (6, 1), "{e}");
        assert!(e.message.contains("yeer"), "{e}");
        let src =
            "[[form]]\nlevel = \"village\"\nends = \"村\"\nwritten = [\"\"]\nroute = \"short\"\n";
        let e = match PlaceRules::parse("my.toml", src) {
            Err(PlacesError::Invalid(d)) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!((e.line, e.column), (2, 9), "{e}");
    }

    #[test]
    fn user_alias_replaces_shipped_one() {
        let Ok(base) = PlaceRules::builtin() else {
            panic!("builtin")
        };
        let user = match PlaceRules::parse(
            "u.toml",
            "[[alias]]\nprovince = \"山西\"\ncity = \"大同市\"\nold = \"大同县\"\ncurrent = [\"平城区\"]\n",
        ) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        };
        let all = base.with(&user);
        assert_eq!(all.aliases.len(), 22);
        let a: Vec<_> = all.aliases.iter().filter(|a| a.old == "大同县").collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].current, vec!["平城区".to_string()]);
    }
}
