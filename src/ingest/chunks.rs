//! A list of rows kept as the blocks they were parsed in.
//!
//! A national organizations table is millions of rows. Kept as one `Vec`, each parsed
//! block is copied into it (and the list copied again whenever it outgrows its room), and
//! none of it can be freed until the model has taken the last row. Kept as blocks, a block
//! parsed on another thread is added without a copy, and the model frees each block as soon
//! as it has taken its rows ([`Chunks::into_chunks`]).

/// Rows in reading order, held as a list of blocks.
#[derive(Debug, Clone)]
pub struct Chunks<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

/// Rows a block grows to by [`Chunks::push`] before a new one is begun.
const BLOCK: usize = 1 << 16;

impl<T> Chunks<T> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Add one row at the end.
    pub fn push(&mut self, row: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < BLOCK.max(last.capacity()) => last.push(row),
            _ => self.chunks.push(vec![row]),
        }
        self.len += 1;
    }

    /// [`Chunks::push`], a new block given room for a whole block at once: for lists that
    /// grow a row at a time to hundreds of thousands (a misspelt national ledger's data
    /// issues), where a block grown by doubling was copied into fresh memory at each step
    /// (room not used is never touched, so it costs no memory).
    pub(crate) fn push_in_blocks(&mut self, row: T) {
        if self
            .chunks
            .last()
            .is_none_or(|last| last.len() >= BLOCK.max(last.capacity()))
        {
            self.chunks.push(Vec::with_capacity(BLOCK));
        }
        self.push(row);
    }

    /// Room for `n` more rows in the last block, when a part's rows are about to be parsed
    /// and their number is known within a bound: grown a row at a time, a block of 65,536
    /// rows was copied into fresh memory at every doubling (a fifth of national-7's page
    /// faults). Room not used is never touched, so it costs no memory.
    pub(crate) fn reserve(&mut self, n: usize) {
        match self.chunks.last_mut() {
            Some(last) if last.capacity() - last.len() >= n => {}
            Some(last) if last.is_empty() => last.reserve(n),
            _ => self.chunks.push(Vec::with_capacity(n)),
        }
    }

    /// Keep only the rows `keep` accepts, in their order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        for chunk in &mut self.chunks {
            chunk.retain(&mut keep);
        }
        self.chunks.retain(|c| !c.is_empty());
        self.len = self.chunks.iter().map(Vec::len).sum();
    }

    /// Add a block of rows at the end, without copying them.
    pub(crate) fn append(&mut self, block: Vec<T>) {
        if !block.is_empty() {
            self.len += block.len();
            self.chunks.push(block);
        }
    }

    /// Add every row of `other` at the end: a block that fits in the room left in the last
    /// one is moved into it (a part of a few rows does not make a block of its own, as one
    /// pass would not have), a larger one is added without copying its rows.
    pub(crate) fn append_chunks(&mut self, other: Chunks<T>) {
        for block in other.chunks {
            match self.chunks.last_mut() {
                Some(last) if last.len() + block.len() <= BLOCK => {
                    self.len += block.len();
                    last.extend(block);
                }
                _ => self.append(block),
            }
        }
    }

    /// Keep the first `n` rows.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        let mut kept = 0;
        let mut blocks = 0;
        for block in &mut self.chunks {
            if kept + block.len() >= n {
                block.truncate(n - kept);
                blocks += 1;
                break;
            }
            kept += block.len();
            blocks += 1;
        }
        self.chunks.truncate(blocks);
        self.chunks.retain(|b| !b.is_empty());
        self.len = n;
    }

    /// The rows in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// The rows in order, to change.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.chunks.iter_mut().flatten()
    }

    /// The row at `index`.
    pub fn get(&self, mut index: usize) -> Option<&T> {
        for block in &self.chunks {
            if index < block.len() {
                return block.get(index);
            }
            index -= block.len();
        }
        None
    }

    /// The blocks in order, each freed when the caller drops it.
    pub(crate) fn into_chunks(self) -> impl Iterator<Item = Vec<T>> {
        self.chunks.into_iter()
    }
}

impl<T> std::ops::Index<usize> for Chunks<T> {
    type Output = T;

    /// The row at `index`; panics when out of range, like a slice (tests only index rows
    /// they know are there).
    fn index(&self, index: usize) -> &T {
        match self.get(index) {
            Some(row) => row,
            None => panic!("row {index} of {}", self.len),
        }
    }
}

impl<T> std::ops::IndexMut<usize> for Chunks<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        let (len, mut at) = (self.len, index);
        for block in &mut self.chunks {
            if at < block.len() {
                return &mut block[at];
            }
            at -= block.len();
        }
        panic!("row {index} of {len}")
    }
}

impl<T> IntoIterator for Chunks<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a Chunks<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T> From<Vec<T>> for Chunks<T> {
    fn from(rows: Vec<T>) -> Self {
        let mut c = Chunks::default();
        c.append(rows);
        c
    }
}

impl<T> FromIterator<T> for Chunks<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Chunks::default();
        for row in iter {
            c.push(row);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(c: &Chunks<u32>) -> Vec<u32> {
        c.iter().copied().collect()
    }

    #[test]
    fn pushed_and_appended_rows_keep_their_order() {
        let mut c = Chunks::default();
        c.push(1);
        c.append(vec![2, 3]);
        c.append(Vec::new());
        c.push(4);
        let mut other = Chunks::default();
        other.append(vec![5]);
        other.push(6);
        c.append_chunks(other);
        assert_eq!(rows(&c), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(c.len(), 6);
        assert_eq!((c[0], c[3], c[5]), (1, 4, 6));
        assert_eq!(c.get(6), None);
        assert_eq!(c.clone().into_iter().collect::<Vec<_>>(), rows(&c));
        // The appended part's rows fit in the last block: moved into it.
        let blocks: Vec<Vec<u32>> = c.clone().into_chunks().collect();
        assert_eq!(blocks, vec![vec![1], vec![2, 3, 4, 5, 6]]);
        // A part that does not fit keeps its blocks (not copied).
        let full: Vec<u32> = (0..BLOCK as u32).collect();
        c.append_chunks(Chunks::from(full.clone()));
        let blocks: Vec<usize> = c.into_chunks().map(|b| b.len()).collect();
        assert_eq!(blocks, vec![1, 5, BLOCK]);
    }

    #[test]
    fn truncate_at_every_length() {
        let whole: Vec<u32> = (0..7).collect();
        for n in 0..=8 {
            let mut c = Chunks::default();
            c.append(vec![0, 1]);
            c.append(vec![2]);
            c.append(vec![3, 4, 5]);
            c.push(6);
            c.truncate(n);
            let want: Vec<u32> = whole.iter().copied().take(n).collect();
            assert_eq!(rows(&c), want, "truncate({n})");
            assert_eq!(c.len(), want.len());
            // Rows added afterwards follow the kept ones.
            c.push(99);
            assert_eq!(c.iter().last(), Some(&99));
            assert_eq!(c.len(), want.len() + 1);
        }
    }

    #[test]
    fn push_begins_a_new_block_when_the_last_is_full() {
        let mut c: Chunks<u32> = (0..(BLOCK as u32 + 3)).collect();
        assert_eq!(c.len(), BLOCK + 3);
        c.push(7);
        let sizes: Vec<usize> = c.into_chunks().map(|b| b.len()).collect();
        assert_eq!(sizes, vec![BLOCK, 4]);
    }
}
