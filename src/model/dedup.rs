//! Duplicate records inside a table, and duplicate submissions across tables.
//!
//! Every located row of a kind passes through one [`Dedup`]: a record already seen (same
//! 统一社会信用代码 where both rows have one, else the same normalized key — name and
//! place, plus kind and date for projects and events) is a duplicate, and the message names
//! the row of its first occurrence. Matches between two different tables are counted per
//! pair: when more than half of the smaller table's records match records of the other
//! table, the two tables are the same submission sent twice (a ledger and its corrected
//! resubmission), and summing them would inflate every figure — the model then refuses to
//! build ([`Submission`]).
//!
//! Keys and codes are kept as hashes ([`key`]: 128 bits, of which a
//! [`crate::keytable::KeyTable`] keeps 96), not as owned strings: a national ledger has
//! millions of rows, and two different records share those 96 bits with a probability of
//! about n² / 2⁹⁷ (below 10⁻¹⁶ for ten million rows).

use foldhash::HashMap;
use foldhash::HashMapExt;

use crate::ingest::Origin;
use crate::keytable::KeyTable;

/// Share of the smaller table's records that must match the other table for the two to be
/// one submission sent twice: strictly more than `NUM / DEN` ("most of its records").
pub const OVERLAP_NUM: u32 = 1;
/// See [`OVERLAP_NUM`].
pub const OVERLAP_DEN: u32 = 2;

/// The first occurrence of a record seen again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct First {
    /// Where it was first listed.
    pub origin: Origin,
    /// Whether the match is by 统一社会信用代码 (else by name and place).
    pub by_code: bool,
}

/// Two tables of one kind that overlap beyond the threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The table read first (index into the model's tables).
    pub first: u32,
    /// The table read later.
    pub second: u32,
    /// Records of either table matching a record of the other.
    pub matches: u32,
    /// Located records of the first table.
    pub first_records: u32,
    /// Located records of the second table.
    pub second_records: u32,
}

/// A record's identity: a 128-bit hash of its normalized parts.
pub(crate) type Key = crate::keytable::Key;

pub(crate) use crate::keytable::key;

/// The code hash of a record without a credit code (a code's own hash is never this).
const NO_CODE: u32 = 0;

/// The 32-bit hash of a credit code's key, never [`NO_CODE`].
fn code_hash(code: Key) -> u32 {
    (code as u32).max(1)
}

/// Duplicate detection for one table kind.
#[derive(Debug, Default)]
pub(crate) struct Dedup {
    /// Normalized key → first occurrence and its credit code's 32-bit hash ([`NO_CODE`]
    /// when it has none): only compared when two records share name and place and both
    /// carry a code, where a false match has odds of 2⁻³²; 24 bytes an entry (with a 64-bit
    /// hash, 32: a national table's 4 million entries are 32 MB more, each page of them
    /// touched once at random).
    by_key: KeyTable<(Origin, u32)>,
    /// Credit code's key → first occurrence.
    by_code: KeyTable<Origin>,
    /// Located records per table.
    located: Vec<u32>,
    /// (table of the first occurrence, table of the later one) → matches.
    overlap: HashMap<(u32, u32), u32>,
}

impl Dedup {
    /// Check one located record. `key` is its normalized identity (name and place …),
    /// `code` its credit code when it has one. Returns the first occurrence when the record
    /// was seen before. (The model hashes its keys itself: [`Dedup::check_key`].)
    #[cfg(test)]
    pub fn check(&mut self, origin: Origin, key: String, code: Option<&str>) -> Option<First> {
        let code = code.filter(|c| !c.is_empty()).map(self::key);
        self.check_key(origin, self::key(key.as_str()), code)
    }

    /// Room for `n` more records checked by name and place (their credit codes are not
    /// known to be given): a table grown from empty puts every key it holds again at each
    /// doubling, a national table's millions of them at random places.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.by_key.reserve(n);
    }

    /// Have the lines a later [`Dedup::check_key`] of `key` and `code` will probe brought
    /// into the cache, changing nothing and waiting for nothing: asked a few rows ahead,
    /// each check then finds its entries at hand.
    pub(crate) fn warm(&self, key: Key, code: Option<Key>) {
        self.by_key.warm(key);
        if let Some(code) = code {
            self.by_code.warm(code);
        }
    }

    /// [`Dedup::check`] with the key and the credit code (when not blank) already hashed
    /// ([`key`]). Each map is probed once (a national table's keys are millions of random
    /// places in memory).
    pub(crate) fn check_key(
        &mut self,
        origin: Origin,
        key: Key,
        code: Option<Key>,
    ) -> Option<First> {
        // By table number: a count per row of millions (a hashed entry each was a tenth of
        // the admitting thread's own work).
        let t = origin.table as usize;
        if self.located.len() <= t {
            self.located.resize(t + 1, 0);
        }
        if let Some(n) = self.located.get_mut(t) {
            *n += 1;
        }
        let by_code = code.map(|c| (c, self.by_code.find(c)));
        let first = match by_code {
            Some((_, Ok(o))) => Some(First {
                origin: o,
                by_code: true,
            }),
            by_code => {
                let first = match self.by_key.find(key) {
                    Ok((o, first_code)) => {
                        // Both rows carry a credit code and the codes differ: two records.
                        if first_code != NO_CODE && code.is_some_and(|c| code_hash(c) != first_code)
                        {
                            None
                        } else {
                            Some(First {
                                origin: o,
                                by_code: false,
                            })
                        }
                    }
                    Err(at) => {
                        self.by_key
                            .insert(at, key, (origin, code.map_or(NO_CODE, code_hash)));
                        None
                    }
                };
                if first.is_none() {
                    if let Some((c, Err(at))) = by_code {
                        self.by_code.insert(at, c, origin);
                    }
                }
                first
            }
        };
        if let Some(f) = first {
            if f.origin.table != origin.table {
                *self
                    .overlap
                    .entry((f.origin.table, origin.table))
                    .or_insert(0) += 1;
            }
        }
        first
    }

    /// The pair of tables that overlaps most, when it overlaps beyond the threshold.
    pub fn submission(&self) -> Option<Submission> {
        let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
        for (&(a, b), &n) in &self.overlap {
            let key = (a.min(b), a.max(b));
            *pairs.entry(key).or_insert(0) += n;
        }
        let mut worst: Option<Submission> = None;
        for ((a, b), matches) in pairs {
            let na = self.located.get(a as usize).copied().unwrap_or(0);
            let nb = self.located.get(b as usize).copied().unwrap_or(0);
            let smaller = na.min(nb);
            if u64::from(matches) * u64::from(OVERLAP_DEN)
                > u64::from(smaller) * u64::from(OVERLAP_NUM)
            {
                let s = Submission {
                    first: a,
                    second: b,
                    matches,
                    first_records: na,
                    second_records: nb,
                };
                let better = match &worst {
                    None => true,
                    Some(w) => {
                        (s.matches, std::cmp::Reverse((s.first, s.second)))
                            > (w.matches, std::cmp::Reverse((w.first, w.second)))
                    }
                };
                if better {
                    worst = Some(s);
                }
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(table: u32, row: u32) -> Origin {
        Origin { table, row }
    }

    #[test]
    fn same_key_is_a_duplicate_naming_the_first_row() {
        let mut d = Dedup::default();
        assert_eq!(d.check(o(0, 2), "甲|7".into(), None), None);
        assert_eq!(
            d.check(o(0, 9), "甲|7".into(), None),
            Some(First {
                origin: o(0, 2),
                by_code: false
            })
        );
        // Inside one table: no submission overlap.
        assert_eq!(d.submission(), None);
    }

    #[test]
    fn credit_code_matches_a_renamed_record_and_different_codes_keep_two() {
        let mut d = Dedup::default();
        assert_eq!(d.check(o(0, 2), "甲|7".into(), Some("C1")), None);
        // Renamed, same code: the same organization.
        assert_eq!(
            d.check(o(1, 2), "甲协会|7".into(), Some("C1")),
            Some(First {
                origin: o(0, 2),
                by_code: true
            })
        );
        // Same name and place, another code: two organizations.
        assert_eq!(d.check(o(1, 3), "甲|7".into(), Some("C2")), None);
        // Same name and place, one without a code: matched by name.
        assert!(d.check(o(1, 4), "甲|7".into(), None).is_some());
    }

    /// Table 0 has 10 records; table 1 has 10 records of which `k` repeat table 0's.
    fn overlap_of(k: u32) -> Option<Submission> {
        let mut d = Dedup::default();
        for i in 0..10 {
            d.check(o(0, i + 2), format!("org{i}"), None);
        }
        for i in 0..10 {
            let key = if i < k {
                format!("org{i}")
            } else {
                format!("new{i}")
            };
            d.check(o(1, i + 2), key, None);
        }
        d.submission()
    }

    #[test]
    fn more_than_half_of_the_smaller_table_is_a_resubmission() {
        // 5 of 10 = exactly half: not "most".
        assert_eq!(overlap_of(5), None);
        // 6 of 10: most.
        assert_eq!(
            overlap_of(6),
            Some(Submission {
                first: 0,
                second: 1,
                matches: 6,
                first_records: 10,
                second_records: 10
            })
        );
    }

    #[test]
    fn the_smaller_table_decides() {
        // A 3-record table wholly inside a 100-record one is a resubmission of part of it.
        let mut d = Dedup::default();
        for i in 0..100 {
            d.check(o(0, i + 2), format!("org{i}"), None);
        }
        for i in 0..3 {
            d.check(o(1, i + 2), format!("org{i}"), None);
        }
        let s = d.submission();
        assert_eq!(s.map(|s| (s.matches, s.second_records)), Some((3, 3)));
    }
}
