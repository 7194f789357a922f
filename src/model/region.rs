//! The region tree (province → city → county → street → community) and its index.

/// The maps' hasher: seeded per run, several times faster than SipHash on short names.
type Fold = foldhash::fast::RandomState;

use std::hash::BuildHasher;

use std::collections::HashMap;

use crate::keytable::{Key, KeyTable};
use serde::Serialize;

use crate::ingest::text::strip_committee_suffix;
use crate::ingest::UrbanRural;

/// Index of a region in [`RegionIndex`].
pub type RegionId = u32;

/// Administrative level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省.
    Province,
    /// 市.
    City,
    /// 县区.
    County,
    /// 街道乡镇.
    Street,
    /// 社区/村.
    Community,
}

impl Level {
    /// Every level, top down.
    pub(crate) const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Street,
        Level::Community,
    ];

    /// English name ("city", …) as used in plans, CSV and `--by`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Street => "street",
            Level::Community => "community",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县区",
            Level::Street => "街道乡镇",
            Level::Community => "社区",
        }
    }

    /// Parse an English level name.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Depth below the province (province = 0).
    pub fn depth(self) -> usize {
        self as usize
    }
}

/// One region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Name as listed (folded), e.g. "太原市", "师范街社区居民委员会".
    pub name: String,
    /// Parent region; `None` for a province.
    pub parent: Option<RegionId>,
    /// Level.
    pub level: Level,
    /// Division code prefix when known (province 2, city 4, county 6, street 9, community 12 digits).
    pub code: Option<String>,
    /// Urban or rural (communities only; `None` when it could not be decided).
    pub kind: Option<UrbanRural>,
    /// Marked as pilot (communities only).
    pub pilot: bool,
    /// Children in insertion order.
    pub children: Vec<RegionId>,
}

/// The region tree with lookups by parent and name.
#[derive(Debug, Clone, Default)]
pub struct RegionIndex {
    regions: Vec<Region>,
    /// Each region's parent and level, beside `regions`: the walks up the tree that every
    /// row takes (its city and county, whether it lies within the scope) read 8 bytes a
    /// region here instead of a whole [`Region`] (a national list has 650,000 of them).
    up: Vec<(Option<RegionId>, Level)>,
    /// Every region, found by its parent and name: one flat table of ids keyed by the
    /// place's hash and tag ([`Place`], [`Place::key`]); a national list's 650,000 regions
    /// cost about 21 bytes each here, against about 100 in maps of copied names nested by
    /// parent. A lookup reads one line of the cache, where a hashbrown table read its
    /// control bytes and then the entry on another line: two misses one after the other,
    /// for each of a national ledger's million places and each community of its list.
    by_name: KeyTable<RegionId>,
    /// Every community given to [`RegionIndex::add_short_name`], found by its street and
    /// its name without the committee suffix, keyed as in `by_name` (one line of the cache
    /// a lookup, and brought in ahead by [`RegionIndex::warm_community`]); [`SEVERAL`] when
    /// more than one community of the street has that short name (then in `several`).
    by_short: KeyTable<RegionId>,
    /// The communities of a street and short name that more than one has, in the order
    /// they were given.
    several: HashMap<Key, Vec<RegionId>>,
    hasher: Fold,
    tagger: Fold,
}

/// A parent and name, by two independently seeded 64-bit hashes: the table's, and a tag
/// kept in the entry. A lookup compares tags and never reads the region or its name (a
/// national audit looks up millions of places among 650,000 regions, and each read of a
/// region and of its name is a cache miss). [`RegionIndex::by_name`] keeps the hash and 32
/// bits of the tag: two places share those 96 bits with a probability below 10⁻¹⁶ at ten
/// million places, as the place names and duplicate keys do.
#[derive(Clone, Copy)]
struct Place {
    hash: u64,
    tag: u64,
}

impl Place {
    /// The place's key in [`RegionIndex::by_name`]: its hash above, its tag below (the
    /// table keeps the hash and 32 bits of the tag).
    fn key(self) -> Key {
        (u128::from(self.hash) << 64) | u128::from(self.tag)
    }
}

/// [`RegionIndex::by_short`]'s value for a short name that several communities of a
/// street have (a region id is never this: ids count the regions).
const SEVERAL: RegionId = RegionId::MAX;

/// The hash of a region's place in [`RegionIndex::by_name`] or [`RegionIndex::by_short`].
fn place_hash(hasher: &Fold, parent: Option<RegionId>, name: &str) -> u64 {
    hasher.hash_one((parent, name))
}

impl RegionIndex {
    fn place(&self, parent: Option<RegionId>, name: &str) -> Place {
        Place {
            hash: place_hash(&self.hasher, parent, name),
            tag: place_hash(&self.tagger, parent, name),
        }
    }

    /// The region at `p` in [`RegionIndex::by_name`].
    fn find(&self, p: Place) -> Option<RegionId> {
        self.by_name.find(p.key()).ok()
    }

    /// An empty index.
    pub fn new() -> RegionIndex {
        RegionIndex::default()
    }

    /// Room for `communities` more communities (and their short names) and the streets,
    /// counties and cities above them (an eighth as many: a street has a dozen or more), so
    /// that the tables are not grown, and rehashed, step by step.
    pub(crate) fn reserve(&mut self, communities: usize) {
        let all = communities.saturating_add(communities / 8);
        self.regions.reserve(all);
        self.up.reserve(all);
        self.by_name.reserve(all);
        self.by_short.reserve(communities);
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether there are no regions.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The region with this id.
    ///
    /// Ids come only from this index, so they are always in range.
    pub fn get(&self, id: RegionId) -> &Region {
        &self.regions[id as usize]
    }

    /// Mutable access to a region.
    pub(crate) fn get_mut(&mut self, id: RegionId) -> &mut Region {
        &mut self.regions[id as usize]
    }

    /// Every region id.
    pub fn ids(&self) -> impl Iterator<Item = RegionId> + '_ {
        (0..self.regions.len()).map(|i| i as RegionId)
    }

    /// The child of `parent` (or the province, for `None`) with exactly this folded name.
    pub fn child(&self, parent: Option<RegionId>, name: &str) -> Option<RegionId> {
        self.find(self.place(parent, name))
    }

    /// The child of `parent` with this name, adding it when missing.
    pub(crate) fn child_or_insert(
        &mut self,
        parent: Option<RegionId>,
        name: &str,
        level: Level,
    ) -> RegionId {
        let p = self.place(parent, name);
        let vacant = match self.by_name.find(p.key()) {
            Ok(id) => return id,
            Err(vacant) => vacant,
        };
        let id = self.regions.len() as RegionId;
        self.regions.push(Region {
            name: name.to_string(),
            parent,
            level,
            code: None,
            kind: None,
            pilot: false,
            children: Vec::new(),
        });
        self.up.push((parent, level));
        self.by_name.insert(vacant, p.key(), id);
        if let Some(p) = parent {
            self.regions[p as usize].children.push(id);
        }
        id
    }

    /// Register a community under its street by its short name (the name without the
    /// committee suffix, [`strip_committee_suffix`]).
    pub(crate) fn add_short_name(&mut self, community: RegionId) {
        let r = &self.regions[community as usize];
        let key = self.place(r.parent, strip_committee_suffix(&r.name)).key();
        match self.by_short.find(key) {
            Err(at) => self.by_short.insert(at, key, community),
            Ok(SEVERAL) => self.several.entry(key).or_default().push(community),
            Ok(first) => {
                self.by_short.replace(key, SEVERAL);
                self.several.insert(key, vec![first, community]);
            }
        }
    }

    /// Communities of `street` whose short name is `short`, in the order they were added.
    pub(crate) fn by_short_name(&self, street: RegionId, short: &str) -> Vec<RegionId> {
        let mut found: Vec<RegionId> = self.short_named(street, short).collect();
        found.sort_unstable();
        found
    }

    /// [`RegionIndex::by_short_name`] in no order, without a list.
    pub(crate) fn short_named(
        &self,
        street: RegionId,
        short: &str,
    ) -> impl Iterator<Item = RegionId> + '_ {
        let key = self.place(Some(street), short).key();
        let (one, many): (Option<RegionId>, &[RegionId]) = match self.by_short.find(key) {
            Ok(SEVERAL) => (None, self.several.get(&key).map_or(&[], Vec::as_slice)),
            Ok(id) => (Some(id), &[]),
            Err(_) => (None, &[]),
        };
        one.into_iter().chain(many.iter().copied())
    }

    /// Have the lines that looking up the community `name` of `street` reads, by its name
    /// and by its short name, brought into the cache, changing nothing and waiting for
    /// nothing (asked for several places back to back, their misses overlap).
    pub(crate) fn warm_community(&self, street: RegionId, name: &str) {
        self.by_name.warm(self.place(Some(street), name).key());
        self.by_short
            .warm(self.place(Some(street), strip_committee_suffix(name)).key());
    }

    /// Province roots.
    pub fn provinces(&self) -> impl Iterator<Item = RegionId> + '_ {
        self.ids()
            .filter(|&id| self.get(id).level == Level::Province)
    }

    /// The parent and level of `id` (read from the few bytes a region of `up`).
    pub(crate) fn parent_and_level(&self, id: RegionId) -> Option<(Option<RegionId>, Level)> {
        self.up.get(id as usize).copied()
    }

    /// The parent of `id` (as `get(id).parent`, read from the 8 bytes a region of `up`).
    pub(crate) fn parent_of(&self, id: RegionId) -> Option<RegionId> {
        self.up.get(id as usize).and_then(|&(parent, _)| parent)
    }

    /// The ancestor of `id` at `level` (itself if it is at that level).
    pub(crate) fn ancestor_at(&self, id: RegionId, level: Level) -> Option<RegionId> {
        let mut cur = Some(id);
        while let Some(c) = cur {
            let &(parent, l) = self.up.get(c as usize)?;
            if l == level {
                return Some(c);
            }
            if l < level {
                return None;
            }
            cur = parent;
        }
        None
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub fn is_within(&self, id: RegionId, ancestor: RegionId) -> bool {
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.up.get(c as usize).and_then(|u| u.0);
        }
        false
    }

    /// [`RegionIndex::is_within`]`(id, scope)` of every region, one bit each (bit `id % 64`
    /// of word `id / 64`), in one pass in the order of the ids: a region comes after its
    /// parent (it is added under it), so its parent's bit is already known.
    pub(crate) fn within_bits(&self, scope: RegionId) -> Vec<u64> {
        let mut bits = vec![0u64; self.up.len().div_ceil(64)];
        for (i, &(parent, _)) in self.up.iter().enumerate() {
            let id = i as RegionId;
            let inside = id == scope
                || parent.is_some_and(|p| {
                    if p < id {
                        bits.get(p as usize / 64)
                            .is_some_and(|w| w & (1u64 << (p % 64)) != 0)
                    } else {
                        self.is_within(p, scope)
                    }
                });
            if let (true, Some(w)) = (inside, bits.get_mut(i / 64)) {
                *w |= 1u64 << (i % 64);
            }
        }
        bits
    }

    /// Names from the province down joined by "/", e.g. "山西省/太原市/小店区".
    pub fn path(&self, id: RegionId) -> String {
        let mut names = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            let r = self.get(c);
            names.push(r.name.as_str());
            cur = r.parent;
        }
        names.reverse();
        names.join("/")
    }

    /// Every region at `level` lying within `root` (pre-order, children in insertion order).
    pub(crate) fn descendants_at(&self, root: RegionId, level: Level) -> Vec<RegionId> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            let r = self.get(id);
            if r.level == level {
                out.push(id);
                continue;
            }
            if r.level > level {
                continue;
            }
            stack.extend(r.children.iter().rev().copied());
        }
        out
    }
}

/// A region path without the province, as the gap table labels it ("山西省/阳泉市/城区"
/// → "阳泉市/城区"; the province itself keeps its name).
pub fn region_label(region: &str) -> String {
    let label = region.split('/').skip(1).collect::<Vec<_>>().join("/");
    if label.is_empty() {
        region.to_string()
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every region's bit says what walking up from it says, for a scope at each level and
    /// for a region added late under an early parent (its parent's bit known first).
    #[test]
    fn within_bits_agree_with_walking_up() {
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        let mut all = vec![p];
        for city in ["太原市", "阳泉市"] {
            let c = ix.child_or_insert(Some(p), city, Level::City);
            all.push(c);
            for county in ["城区", "郊区"] {
                let k = ix.child_or_insert(Some(c), county, Level::County);
                all.push(k);
                for street in ["上站街道", "南山街道"] {
                    let s = ix.child_or_insert(Some(k), street, Level::Street);
                    all.push(s);
                    all.push(ix.child_or_insert(Some(s), "窑坡社区", Level::Community));
                }
            }
        }
        let other = ix.child_or_insert(None, "陕西省", Level::Province);
        all.push(other);
        all.push(ix.child_or_insert(Some(other), "西安市", Level::City));
        let early = all[3];
        all.push(ix.child_or_insert(Some(early), "晚到街道", Level::Street));
        for &scope in &all {
            let bits = ix.within_bits(scope);
            for &id in &all {
                let bit = bits
                    .get(id as usize / 64)
                    .is_some_and(|w| w & (1u64 << (id % 64)) != 0);
                assert_eq!(bit, ix.is_within(id, scope), "{id} in {scope}");
            }
        }
    }

    #[test]
    fn lookups_by_parent_and_name_agree_with_a_plain_map() {
        use std::collections::HashMap;
        // 40 streets under two counties, each with communities whose names recur under
        // other streets, some in both the long and the short form.
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        let c = ix.child_or_insert(Some(p), "太原市", Level::City);
        let mut want: HashMap<(Option<RegionId>, String), RegionId> = HashMap::new();
        let mut short: HashMap<(RegionId, String), Vec<RegionId>> = HashMap::new();
        let mut streets = Vec::new();
        for k in 0..2 {
            let county = ix.child_or_insert(Some(c), &format!("区{k}"), Level::County);
            for s in 0..20 {
                let street = ix.child_or_insert(Some(county), &format!("街道{s}"), Level::Street);
                want.insert((Some(county), format!("街道{s}")), street);
                streets.push(street);
                for n in 0..(1000 + 37 * s) {
                    let name = if n % 3 == 0 {
                        format!("村{}村民委员会", n % 700)
                    } else {
                        format!("村{}", n % 700)
                    };
                    let id = ix.child_or_insert(Some(street), &name, Level::Community);
                    if want.insert((Some(street), name.clone()), id).is_none() {
                        ix.add_short_name(id);
                        let form = strip_committee_suffix(&name).to_string();
                        short.entry((street, form)).or_default().push(id);
                    }
                }
            }
        }
        assert!(want.len() > 40_000, "{}", want.len());
        for ((parent, name), &id) in &want {
            assert_eq!(ix.child(*parent, name), Some(id), "{name}");
            // The same name under another parent is that parent's, or nothing.
            let other = parent.map(|p| p ^ 1);
            assert_eq!(
                ix.child(other, name),
                want.get(&(other, name.clone())).copied()
            );
        }
        for &street in &streets {
            for n in 0..720 {
                let form = format!("村{n}");
                let mut got = ix.by_short_name(street, &form);
                got.sort_unstable();
                let mut expected = short.get(&(street, form)).cloned().unwrap_or_default();
                expected.sort_unstable();
                assert_eq!(got, expected);
            }
        }
        assert_eq!(ix.child(Some(c), "村1"), None);
    }

    #[test]
    fn a_short_name_that_several_communities_share_finds_them_all() {
        let (mut ix, [_, _, k, s, m]) = sample();
        let other = ix.child_or_insert(Some(k), "学府街道", Level::Street);
        // 八一 stands for none of these; 新店 for three of 坞城街道's (and one elsewhere).
        let mut ids = Vec::new();
        for name in ["新店", "新店居委会", "新店村委会"] {
            let id = ix.child_or_insert(Some(s), name, Level::Community);
            ix.add_short_name(id);
            ids.push(id);
        }
        let elsewhere = ix.child_or_insert(Some(other), "新店居民委员会", Level::Community);
        ix.add_short_name(elsewhere);
        ix.add_short_name(m);
        assert_eq!(ix.by_short_name(s, "新店"), ids);
        assert_eq!(ix.short_named(s, "新店").count(), 3);
        assert_eq!(ix.by_short_name(other, "新店"), vec![elsewhere]);
        assert_eq!(ix.by_short_name(s, "八一社区"), vec![m]);
        assert_eq!(ix.by_short_name(s, "八一"), Vec::<RegionId>::new());
        // Warming changes nothing.
        ix.warm_community(s, "新店居委会");
        assert_eq!(ix.child(Some(s), "新店居委会"), Some(ids[1]));
    }

    fn sample() -> (RegionIndex, [RegionId; 5]) {
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        let c = ix.child_or_insert(Some(p), "太原市", Level::City);
        let k = ix.child_or_insert(Some(c), "小店区", Level::County);
        let s = ix.child_or_insert(Some(k), "坞城街道", Level::Street);
        let m = ix.child_or_insert(Some(s), "八一社区居民委员会", Level::Community);
        (ix, [p, c, k, s, m])
    }

    #[test]
    fn paths_and_ancestors() {
        let (ix, [p, c, k, s, m]) = sample();
        assert_eq!(ix.path(k), "山西省/太原市/小店区");
        assert_eq!(ix.ancestor_at(m, Level::City), Some(c));
        assert_eq!(ix.ancestor_at(c, Level::Street), None);
        assert!(ix.is_within(m, p));
        assert!(!ix.is_within(c, s));
        assert_eq!(ix.descendants_at(p, Level::Community), vec![m]);
        assert_eq!(ix.descendants_at(p, Level::County), vec![k]);
    }

    #[test]
    fn same_name_under_different_parents_is_two_regions() {
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        let yq = ix.child_or_insert(Some(p), "阳泉市", Level::City);
        let jc = ix.child_or_insert(Some(p), "晋城市", Level::City);
        let a = ix.child_or_insert(Some(yq), "城区", Level::County);
        let b = ix.child_or_insert(Some(jc), "城区", Level::County);
        assert_ne!(a, b);
        assert_eq!(ix.child(Some(jc), "城区"), Some(b));
        assert_eq!(ix.path(b), "山西省/晋城市/城区");
    }
}
