//! Place lookup: a row's city / county / street / community text → a region.

use crate::ingest::{text, Place, SkipReason};

use super::provinces;
use super::region::{Level, RegionId, RegionIndex};

/// Why a place could not be resolved.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The column at fault (canonical Chinese header).
    pub column: &'static str,
    /// Skip reason (unmatched, ambiguous, out of scope).
    pub reason: SkipReason,
    /// Sentence for the data issue.
    pub message: String,
    /// The deepest region that did match (the street under which a community was not
    /// found, …), so that a row outside `--scope` can be told apart from a wrong name.
    pub matched: Option<RegionId>,
}

/// Looks places up in a region index.
pub struct Resolver<'a> {
    regions: &'a RegionIndex,
    province: RegionId,
    province_name: &'a str,
}

impl<'a> Resolver<'a> {
    /// A resolver for the province `province` of `regions`.
    pub fn new(regions: &'a RegionIndex, province: RegionId, province_name: &'a str) -> Self {
        Resolver {
            regions,
            province,
            province_name,
        }
    }

    /// Resolve a row's place to the most specific region it names.
    pub fn place(&self, p: &Place) -> Result<RegionId, Miss> {
        if !p.province.is_empty()
            && !self.province_name.is_empty()
            && !provinces::same_province(&p.province, self.province_name)
        {
            return Err(Miss {
                column: "省",
                reason: SkipReason::OutOfScope,
                message: format!("属于{}，不在本次审计的{}", p.province, self.province_name),
                matched: None,
            });
        }
        if p.city.is_empty() {
            return Err(Miss {
                column: "市",
                reason: SkipReason::InvalidValue,
                message: "市为空".to_string(),
                matched: None,
            });
        }
        let city = self
            .regions
            .child(Some(self.province), &p.city)
            .or_else(|| {
                self.regions
                    .child(Some(self.province), &format!("{}市", p.city))
            })
            .ok_or_else(|| self.unmatched("市", self.province, &p.city))?;
        if p.county.is_empty() {
            return Ok(city);
        }
        let county = self
            .regions
            .child(Some(city), &p.county)
            .ok_or_else(|| self.unmatched("县区", city, &p.county))?;
        if p.street.is_empty() {
            if p.community.is_empty() {
                return Ok(county);
            }
            return self.community_in(county, &p.community);
        }
        let street = self
            .regions
            .child(Some(county), &p.street)
            .ok_or_else(|| self.unmatched("街道乡镇", county, &p.street))?;
        if p.community.is_empty() {
            return Ok(street);
        }
        self.community_in(street, &p.community)
    }

    /// A community named in an organization's 服务社区 list, looked up among the communities
    /// of the organization's street (or, for one located at a county or city, of that region).
    pub fn served_community(&self, place: RegionId, name: &str) -> Result<RegionId, String> {
        let base = match self.regions.get(place).level {
            Level::Community => self.regions.get(place).parent.unwrap_or(place),
            _ => place,
        };
        self.community_in(base, name).map_err(|m| m.message)
    }

    /// Find a community by name among the communities within `base` (a street, county or
    /// city): the exact name wins; else the name without committee suffix, if unique.
    fn community_in(&self, base: RegionId, name: &str) -> Result<RegionId, Miss> {
        let streets: Vec<RegionId> = if self.regions.get(base).level == Level::Street {
            vec![base]
        } else {
            self.regions.descendants_at(base, Level::Street)
        };
        let exact: Vec<RegionId> = streets
            .iter()
            .filter_map(|&s| self.regions.child(Some(s), name))
            .collect();
        if exact.len() == 1 {
            return Ok(exact[0]);
        }
        let short = text::strip_committee_suffix(name);
        let mut found: Vec<RegionId> = if exact.len() > 1 {
            exact
        } else {
            streets
                .iter()
                .flat_map(|&s| self.regions.by_short_name(s, short).iter().copied())
                .collect()
        };
        found.dedup();
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(self.unmatched("社区", base, name)),
            _ => {
                let names: Vec<String> = found
                    .iter()
                    .map(|&c| format!("“{}”", self.regions.get(c).name))
                    .collect();
                Err(Miss {
                    column: "社区",
                    reason: SkipReason::AmbiguousPlace,
                    message: format!(
                        "社区“{}”在{}不唯一：可能是{}",
                        name,
                        self.regions.path(base),
                        names.join("或")
                    ),
                    matched: Some(base),
                })
            }
        }
    }

    /// An "unmatched" miss with the nearest name among `parent`'s regions at the level
    /// below (or the communities within it) when one is at most two edits away.
    fn unmatched(&self, column: &'static str, parent: RegionId, name: &str) -> Miss {
        let candidates: Vec<RegionId> = if column == "社区" {
            self.regions.descendants_at(parent, Level::Community)
        } else {
            self.regions.get(parent).children.clone()
        };
        let best = candidates
            .iter()
            .filter(|&&c| {
                // Two names whose lengths differ by more than two are never within two edits.
                let n = name.chars().count();
                let full = &self.regions.get(c).name;
                let close = |s: &str| s.chars().count().abs_diff(n) <= 2;
                close(full) || close(text::strip_committee_suffix(full))
            })
            .map(|&c| {
                let full = &self.regions.get(c).name;
                let d = edit_distance(name, full)
                    .min(edit_distance(name, text::strip_committee_suffix(full)));
                (d, full)
            })
            .filter(|(d, _)| *d <= 2)
            .min();
        let hint = match best {
            Some((_, n)) => format!("（是否为“{n}”？）"),
            None => String::new(),
        };
        Miss {
            column,
            reason: SkipReason::UnmatchedPlace,
            message: format!(
                "{column}“{name}”不在{}的名单中{hint}",
                self.regions.path(parent)
            ),
            matched: Some(parent),
        }
    }
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("迎泽社区", "迎泽社区"), 0);
        assert_eq!(edit_distance("迎泽社", "迎泽社区"), 1);
        assert_eq!(edit_distance("迎择社区", "迎泽社区"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
