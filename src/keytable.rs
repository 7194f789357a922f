//! A flat table of 128-bit keys that are hashes already (the duplicate check's, the place
//! names'), built for millions of random probes: see [`KeyTable`].

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use foldhash::fast::RandomState;

/// A 128-bit hash standing for what it was made of (two 64-bit hashes with seeds of their
/// own: two different values share one with a probability below 10⁻²⁵ at a million; a
/// [`KeyTable`] keeps 96 of its bits, below 10⁻¹⁶ at ten million).
pub(crate) type Key = u128;

/// The [`Key`] of `parts` (two independently seeded foldhash values of them). Inlined: a
/// resolve thread asks it of every row, and a call with its hashing out of line measured
/// 18 M more instructions at 100,000 rows (cachegrind).
#[inline]
pub(crate) fn key(parts: impl Hash) -> Key {
    static STATES: OnceLock<[RandomState; 2]> = OnceLock::new();
    let [a, b] = STATES.get_or_init(|| [RandomState::default(), RandomState::default()]);
    let (mut ha, mut hb) = (a.build_hasher(), b.build_hasher());
    parts.hash(&mut ha);
    parts.hash(&mut hb);
    (u128::from(ha.finish()) << 64) | u128::from(hb.finish())
}

/// A set of [`Key`]s, each with a value: one flat list of slots, a key's slot found from
/// its own bits (a key is a hash already) and the slots after it (linear probing; at most
/// three in four slots are taken). A national table holds millions of keys and each row's
/// probe is a miss of the cache: here one line (a key lies beside its value, and its next
/// slots after it), which [`KeyTable::warm`] brings in with one load that nothing waits
/// on. (A `HashMap` probe reads its control bytes, then the entry on another line: two
/// misses one after the other, and its warming a chain of them; the duplicate check was
/// two-thirds of the admitting thread's time at national scale.)
///
/// A slot keeps 96 of the key's 128 bits (its high 64 and low 32): two keys are one when
/// those agree, which two different values' keys do with a probability of n² / 2⁹⁷ (below
/// 10⁻¹⁶ at ten million keys). With a 4-byte value a slot is 16 bytes, four to a line of
/// the cache, where a whole `u128` (aligned to 16) made it 32: a national run's tables of
/// place names are half the memory to fault in and to miss.
#[derive(Debug, Clone)]
pub(crate) struct KeyTable<V> {
    /// Empty slots have the stored key 0 (a key stored as 0 is kept in `zero`); a power
    /// of two long, or empty before the first key.
    slots: Vec<Slot<V>>,
    len: usize,
    zero: Option<V>,
}

/// A key's stored bits ([`KeyTable`]) and its value.
#[derive(Debug, Clone, Copy, Default)]
struct Slot<V> {
    high: u64,
    low: u32,
    value: V,
}

impl<V> Slot<V> {
    fn is_empty(&self) -> bool {
        self.high == 0 && self.low == 0
    }

    fn holds(&self, (high, low): (u64, u32)) -> bool {
        self.high == high && self.low == low
    }
}

/// The bits of a key a slot keeps: its high 64 and its low 32.
fn stored(key: Key) -> (u64, u32) {
    ((key >> 64) as u64, key as u32)
}

impl<V> Default for KeyTable<V> {
    fn default() -> Self {
        KeyTable {
            slots: Vec::new(),
            len: 0,
            zero: None,
        }
    }
}

/// The most keys [`KeyTable::reserve`] makes room for at once (a national table's: 128 MB
/// of slots at most), so that an estimate far off costs no more than that.
const RESERVE_MAX: usize = 3 << 20;

/// Where a key is in a [`KeyTable`], or the slot it would take.
enum Probe {
    Found(usize),
    Vacant(usize),
}

impl<V: Copy + Default> KeyTable<V> {
    /// The slot a key's probe starts at (its high bits; `mask` is the length less 1).
    fn home(high: u64, mask: usize) -> usize {
        (high as usize) & mask
    }

    /// How many keys the table holds.
    pub(crate) fn len(&self) -> usize {
        self.len + usize::from(self.zero.is_some())
    }

    /// Have the line of `key`'s first slot brought in, changing nothing.
    pub(crate) fn warm(&self, key: Key) {
        let mask = self.slots.len().wrapping_sub(1);
        if let Some(slot) = self.slots.get(Self::home(stored(key).0, mask)) {
            crate::memory::prefetch(slot);
        }
    }

    /// The slot of stored bits `k` (never 0), or the empty slot where they would go.
    fn probe(&self, k: (u64, u32)) -> Probe {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = Self::home(k.0, mask);
        // At most three in four slots are taken: an empty one is met.
        for _ in 0..self.slots.len() {
            match self.slots.get(i) {
                Some(s) if s.holds(k) => return Probe::Found(i),
                Some(s) if s.is_empty() => return Probe::Vacant(i),
                Some(_) => i = (i + 1) & mask,
                None => break,
            }
        }
        Probe::Vacant(usize::MAX)
    }

    /// The value of `key`, or where to put it ([`KeyTable::insert`]).
    pub(crate) fn find(&self, key: Key) -> Result<V, Vacant> {
        let k = stored(key);
        if k == (0, 0) {
            return self.zero.ok_or(Vacant(usize::MAX));
        }
        match self.probe(k) {
            Probe::Found(i) => Ok(self.slots.get(i).map(|s| s.value).unwrap_or_default()),
            Probe::Vacant(i) => Err(Vacant(i)),
        }
    }

    /// Put `key` (not in the table: `at` is what [`KeyTable::find`] said of it, with no
    /// insertion since) with its value.
    pub(crate) fn insert(&mut self, at: Vacant, key: Key, value: V) {
        let k = stored(key);
        if k == (0, 0) {
            self.zero = Some(value);
            return;
        }
        let mut at = at.0;
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
            at = usize::MAX;
        }
        if at == usize::MAX {
            match self.probe(k) {
                Probe::Vacant(i) => at = i,
                Probe::Found(_) => return,
            }
        }
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = Slot {
                high: k.0,
                low: k.1,
                value,
            };
            self.len += 1;
        }
    }

    /// Give `key`, already in the table, the value `value` (nothing when it is not).
    pub(crate) fn replace(&mut self, key: Key, value: V) {
        let k = stored(key);
        if k == (0, 0) {
            if self.zero.is_some() {
                self.zero = Some(value);
            }
            return;
        }
        if let Probe::Found(i) = self.probe(k) {
            if let Some(slot) = self.slots.get_mut(i) {
                slot.value = value;
            }
        }
    }

    /// Room for `additional` more keys without growing (at most [`RESERVE_MAX`] keys in
    /// all are made room for at once: beyond, the table grows as keys come).
    pub(crate) fn reserve(&mut self, additional: usize) {
        let want = self.len.saturating_add(additional).min(RESERVE_MAX);
        let mut n = self.slots.len().max(1024);
        while want.saturating_mul(4) > n.saturating_mul(3) {
            n *= 2;
        }
        if n > self.slots.len() {
            self.resize(n);
        }
    }

    /// Twice the slots (1,024 at first), every key put again.
    fn grow(&mut self) {
        self.resize((self.slots.len() * 2).max(1024));
    }

    /// `n` slots (a power of two, more than the keys), every key put again.
    fn resize(&mut self, n: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        let mask = n - 1;
        for slot in old.into_iter().filter(|s| !s.is_empty()) {
            let mut i = Self::home(slot.high, mask);
            while self.slots.get(i).is_some_and(|s| !s.is_empty()) {
                i = (i + 1) & mask;
            }
            if let Some(s) = self.slots.get_mut(i) {
                *s = slot;
            }
        }
    }
}

/// The empty slot a key would take ([`KeyTable::find`]).
pub(crate) struct Vacant(usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_table_finds_every_key_after_growing_and_key_zero_too() {
        let mut t: KeyTable<u32> = KeyTable::default();
        // Keys of one home slot at every size (equal high bits), keys of many, and key 0.
        let keys: Vec<Key> = (0..3000u128)
            .map(|i| {
                if i % 3 == 0 {
                    (7 << 64) | (i + 1)
                } else {
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                }
            })
            .chain([0])
            .collect();
        for (v, &k) in keys.iter().enumerate() {
            match t.find(k) {
                Ok(_) => panic!("{k:x} found before it was put"),
                Err(at) => t.insert(at, k, v as u32),
            }
        }
        assert_eq!(t.len, keys.len() - 1, "key 0 is kept beside the slots");
        assert!(t.slots.len() >= 4096 && t.len * 4 <= t.slots.len() * 3);
        for (v, &k) in keys.iter().enumerate() {
            assert_eq!(t.find(k).ok(), Some(v as u32), "{k:x}");
        }
        assert!(t.find(1 << 100).is_err());
    }

    #[test]
    fn a_slot_keeps_96_bits_of_its_key_in_16_bytes() {
        assert_eq!(std::mem::size_of::<Slot<u32>>(), 16);
        // The duplicate check's entry: first occurrence and a 32-bit code hash.
        assert_eq!(
            std::mem::size_of::<Slot<(crate::ingest::Origin, u32)>>(),
            24
        );
        let mut t: KeyTable<u32> = KeyTable::default();
        // Stored bits zero (the middle 32 bits are not kept): kept beside the slots, and
        // found again by any key of the same stored bits.
        let Err(at) = t.find(1 << 40) else {
            panic!("found in an empty table")
        };
        t.insert(at, 1 << 40, 5);
        assert_eq!(t.find(0).ok(), Some(5));
        assert_eq!(t.len(), 1);
        // Keys that differ in their high or their low bits are two keys.
        for (k, v) in [
            ((3u128 << 64) | 9, 1),
            ((3u128 << 64) | 10, 2),
            ((4 << 64) | 9, 3),
        ] {
            let Err(at) = t.find(k) else {
                panic!("{k:x} found before it was put")
            };
            t.insert(at, k, v);
        }
        assert_eq!(t.find((3 << 64) | 9).ok(), Some(1));
        // A value replaced; a key not in the table is not put by replacing.
        t.replace((3 << 64) | 9, 11);
        assert_eq!(t.find((3 << 64) | 9).ok(), Some(11));
        t.replace((3 << 64) | 9, 1);
        t.replace((5 << 64) | 9, 7);
        assert!(t.find((5 << 64) | 9).is_err());
        assert_eq!(t.find((3 << 64) | 10).ok(), Some(2));
        assert_eq!(t.find((4 << 64) | 9).ok(), Some(3));
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn room_made_at_once_is_not_grown_and_is_bounded() {
        let mut t: KeyTable<u32> = KeyTable::default();
        t.reserve(5000);
        let slots = t.slots.len();
        assert_eq!(slots, 8192, "5,000 keys fit three in four of 8,192 slots");
        for i in 1..=5000u128 {
            let k = i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
            let Err(at) = t.find(k) else {
                panic!("{k:x} found before it was put")
            };
            t.insert(at, k, i as u32);
        }
        assert_eq!(t.slots.len(), slots, "no growth");
        assert!((1..=5000u128).all(|i| t
            .find(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
            .is_ok()));
        // Room for fewer keys than held: nothing changes; an estimate far off: bounded.
        t.reserve(10);
        assert_eq!(t.slots.len(), slots);
        let mut big: KeyTable<u32> = KeyTable::default();
        big.reserve(usize::MAX);
        assert_eq!(big.slots.len(), 1 << 22);
    }
}
