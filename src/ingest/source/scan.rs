//! Cutting a quoteless line into its fields, sixteen bytes at a time.
//!
//! A national ledger is half a billion bytes of lines. Read a byte at a time through a table
//! of each byte's part, the loop was two-thirds of the reading threads' own time (perf,
//! national-28: a seventh of the run), most of it in the branch taken at every delimiter.
//! With SSE2 (every x86-64 processor has it) sixteen bytes are compared at once, and the
//! delimiters, the line end and the suspect bytes come out as bit masks; with AVX2 (found
//! when the cutter is made), thirty-two.

/// A byte's part in a quoteless line ([`Classes`]).
const DELIMITER: u8 = 1;
/// See [`DELIMITER`].
const LINE_END: u8 = 2;
/// See [`DELIMITER`].
const SUSPECT: u8 = 4;

/// Each byte's part in a quoteless line: [`DELIMITER`], [`LINE_END`] (`\n`, `\r`), or
/// [`SUSPECT`] (one that cleaning or folding changes, see [`crate::ingest::text::SUSPECT`]);
/// 0 for the rest (most bytes).
pub(crate) struct Classes {
    delimiter: u8,
    table: [u8; 256],
    /// The processor has AVX2 ([`Classes::cut_avx2`]).
    avx2: bool,
}

impl Classes {
    pub(crate) fn new(delimiter: u8) -> Classes {
        let mut table = [0u8; 256];
        for (b, c) in table.iter_mut().enumerate() {
            if crate::ingest::text::SUSPECT[b] {
                *c = SUSPECT;
            }
        }
        table[usize::from(b'\n')] = LINE_END;
        table[usize::from(b'\r')] = LINE_END;
        table[usize::from(delimiter)] = DELIMITER;
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Classes {
            delimiter,
            table,
            avx2,
        }
    }

    /// [`Classes::new`] that never takes the AVX2 path (the tests hold both paths equal).
    #[cfg(test)]
    fn without_avx2(delimiter: u8) -> Classes {
        Classes {
            avx2: false,
            ..Classes::new(delimiter)
        }
    }

    /// Cut the line at the start of `rest`: the ranges of its fields are pushed to `fields`
    /// (in `rest`); returns the line's length (without its end of line) and whether a byte
    /// of it is suspect.
    pub(crate) fn cut(
        &self,
        rest: &[u8],
        fields: &mut Vec<std::ops::Range<usize>>,
    ) -> (usize, bool) {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            if self.avx2 {
                // SAFETY: `avx2` is set only when the processor was found to have AVX2
                // (`Classes::new`), the function's one target feature.
                #[allow(unsafe_code)]
                return unsafe { self.cut_avx2(rest, fields) };
            }
            // SAFETY: SSE2 is enabled for the whole build (the cfg above), so the function's
            // target feature is present on every processor this code runs on.
            #[allow(unsafe_code)]
            unsafe {
                self.cut_sse2(rest, (0, 0, 0), fields)
            }
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        {
            self.cut_bytes(rest, 0, 0, false, fields)
        }
    }

    /// [`Classes::cut`] a byte at a time from `at`, the fields before `from` already pushed.
    fn cut_bytes(
        &self,
        rest: &[u8],
        at: usize,
        mut from: usize,
        suspect: bool,
        fields: &mut Vec<std::ops::Range<usize>>,
    ) -> (usize, bool) {
        let mut len = rest.len();
        let mut seen = 0;
        for (i, &b) in rest.iter().enumerate().skip(at) {
            match self.table[usize::from(b)] {
                0 => {}
                DELIMITER => {
                    fields.push(from..i);
                    from = i + 1;
                }
                LINE_END => {
                    len = i;
                    break;
                }
                c => seen |= c,
            }
        }
        fields.push(from..len);
        (len, suspect || seen != 0)
    }

    /// [`Classes::cut`] sixteen bytes at a time from `at`, the fields before `from` already
    /// pushed and `suspect` the suspect bytes met before `at` (as a mask, 0 for none).
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[target_feature(enable = "sse2")]
    fn cut_sse2(
        &self,
        rest: &[u8],
        (mut at, mut from, mut suspect): (usize, usize, u32),
        fields: &mut Vec<std::ops::Range<usize>>,
    ) -> (usize, bool) {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
            _mm_set_epi64x, _mm_sub_epi8,
        };
        let delimiter = _mm_set1_epi8(self.delimiter as i8);
        let newline = _mm_set1_epi8(b'\n' as i8);
        let cr = _mm_set1_epi8(b'\r' as i8);
        // The suspect bytes (text::SUSPECT): 0x09..=0x0D, 0x20, 0xC2, 0xE1..=0xE3, 0xEF.
        let (tab, four) = (_mm_set1_epi8(0x09), _mm_set1_epi8(4));
        let (e1, two) = (_mm_set1_epi8(0xE1_u8 as i8), _mm_set1_epi8(2));
        let space = _mm_set1_epi8(0x20);
        let c2 = _mm_set1_epi8(0xC2_u8 as i8);
        let ef = _mm_set1_epi8(0xEF_u8 as i8);
        while let Some(block) = rest.get(at..at + 16) {
            let (lo, hi) = block.split_at(8);
            let (Ok(lo), Ok(hi)) = (<[u8; 8]>::try_from(lo), <[u8; 8]>::try_from(hi)) else {
                break;
            };
            let v = _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo));
            let ends = _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, newline),
                _mm_cmpeq_epi8(v, cr),
            )) as u32;
            let delimiters = _mm_movemask_epi8(_mm_cmpeq_epi8(v, delimiter)) as u32;
            // x - lo <= n (unsigned) as min(x - lo, n) == x - lo.
            let from_tab = _mm_sub_epi8(v, tab);
            let controls = _mm_cmpeq_epi8(_mm_min_epu8(from_tab, four), from_tab);
            let from_e1 = _mm_sub_epi8(v, e1);
            let leads = _mm_cmpeq_epi8(_mm_min_epu8(from_e1, two), from_e1);
            let singles = _mm_or_si128(
                _mm_cmpeq_epi8(v, space),
                _mm_or_si128(_mm_cmpeq_epi8(v, c2), _mm_cmpeq_epi8(v, ef)),
            );
            let suspects =
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(controls, leads), singles)) as u32;
            let masks = (ends, delimiters, suspects);
            if let Some(len) = take_block((at, 0xFFFF), masks, (&mut from, &mut suspect), fields) {
                return (len, suspect != 0);
            }
            at += 16;
        }
        self.cut_bytes(rest, at, from, suspect != 0, fields)
    }

    /// [`Classes::cut`] thirty-two bytes at a time ([`Classes::cut_sse2`] with AVX2's
    /// registers), the last bytes of `rest` by [`Classes::cut_sse2`].
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[target_feature(enable = "avx2")]
    fn cut_avx2(&self, rest: &[u8], fields: &mut Vec<std::ops::Range<usize>>) -> (usize, bool) {
        use std::arch::x86_64::{
            _mm256_cmpeq_epi8, _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256,
            _mm256_set1_epi8, _mm256_set_epi64x, _mm256_sub_epi8,
        };
        let delimiter = _mm256_set1_epi8(self.delimiter as i8);
        let newline = _mm256_set1_epi8(b'\n' as i8);
        let cr = _mm256_set1_epi8(b'\r' as i8);
        let (tab, four) = (_mm256_set1_epi8(0x09), _mm256_set1_epi8(4));
        let (e1, two) = (_mm256_set1_epi8(0xE1_u8 as i8), _mm256_set1_epi8(2));
        let space = _mm256_set1_epi8(0x20);
        let c2 = _mm256_set1_epi8(0xC2_u8 as i8);
        let ef = _mm256_set1_epi8(0xEF_u8 as i8);
        let mut from = 0;
        let mut suspect = 0;
        let mut at = 0;
        while let Some(block) = rest.get(at..at + 32) {
            let Ok(block) = <&[u8; 32]>::try_from(block) else {
                break;
            };
            let word = |i: usize| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&block[i * 8..i * 8 + 8]);
                i64::from_le_bytes(w)
            };
            let v = _mm256_set_epi64x(word(3), word(2), word(1), word(0));
            let ends = _mm256_movemask_epi8(_mm256_or_si256(
                _mm256_cmpeq_epi8(v, newline),
                _mm256_cmpeq_epi8(v, cr),
            )) as u32;
            let delimiters = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, delimiter)) as u32;
            let from_tab = _mm256_sub_epi8(v, tab);
            let controls = _mm256_cmpeq_epi8(_mm256_min_epu8(from_tab, four), from_tab);
            let from_e1 = _mm256_sub_epi8(v, e1);
            let leads = _mm256_cmpeq_epi8(_mm256_min_epu8(from_e1, two), from_e1);
            let singles = _mm256_or_si256(
                _mm256_cmpeq_epi8(v, space),
                _mm256_or_si256(_mm256_cmpeq_epi8(v, c2), _mm256_cmpeq_epi8(v, ef)),
            );
            let suspects =
                _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(controls, leads), singles))
                    as u32;
            let masks = (ends, delimiters, suspects);
            if let Some(len) = take_block((at, u32::MAX), masks, (&mut from, &mut suspect), fields)
            {
                return (len, suspect != 0);
            }
            at += 32;
        }
        self.cut_sse2(rest, (at, from, suspect), fields)
    }
}

/// The fields of one block of a line from the bit masks of its line ends, delimiters and
/// suspect bytes (bit `i` for byte `at + i`; `all` has a bit for each byte of the block):
/// each field ended in the block is pushed, the suspect bytes before the line end are
/// added to `suspect`; the line's length when it ends in the block.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn take_block(
    (at, all): (usize, u32),
    (ends, delimiters, suspects): (u32, u32, u32),
    (from, suspect): (&mut usize, &mut u32),
    fields: &mut Vec<std::ops::Range<usize>>,
) -> Option<usize> {
    // Bytes up to the line end (the whole block when there is none).
    let within = if ends == 0 {
        all
    } else {
        (1u32 << ends.trailing_zeros()) - 1
    };
    let mut d = delimiters & within;
    // A delimiter or line end in the suspect ranges (a tab) is not suspect.
    *suspect |= suspects & within & !delimiters & !ends;
    while d != 0 {
        let i = at + d.trailing_zeros() as usize;
        fields.push(*from..i);
        *from = i + 1;
        d &= d - 1;
    }
    (ends != 0).then(|| {
        let len = at + ends.trailing_zeros() as usize;
        fields.push(*from..len);
        len
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time cut of `rest`.
    fn by_bytes(c: &Classes, rest: &[u8]) -> (usize, bool, Vec<std::ops::Range<usize>>) {
        let mut fields = Vec::new();
        let (len, suspect) = c.cut_bytes(rest, 0, 0, false, &mut fields);
        (len, suspect, fields)
    }

    /// [`Classes::cut`] of `rest`, the same with and without AVX2 (asserted).
    fn by_cut(c: &Classes, rest: &[u8]) -> (usize, bool, Vec<std::ops::Range<usize>>) {
        let cut = |c: &Classes| {
            let mut fields = Vec::new();
            let (len, suspect) = c.cut(rest, &mut fields);
            (len, suspect, fields)
        };
        let narrow = Classes::without_avx2(c.delimiter);
        let (wide, sixteen) = (cut(c), cut(&narrow));
        assert_eq!(wide, sixteen, "AVX2 and SSE2 cut {rest:?} apart");
        wide
    }

    #[test]
    fn a_line_is_cut_as_byte_by_byte() {
        // Worked by hand: "a,b<TAB>c" cut at tabs is "a,b" (0..3) and "c" (4..5), 5 bytes
        // long, not suspect (its one tab is the delimiter).
        let tabs = Classes::new(b'\t');
        assert_eq!(by_cut(&tabs, b"a,b\tc\nrest"), (5, false, vec![0..3, 4..5]));
        // The same line with commas: a tab inside a field is suspect.
        let commas = Classes::new(b',');
        assert_eq!(by_cut(&commas, b"a,b\tc\r\n"), (5, true, vec![0..1, 2..5]));
        // Past sixteen bytes: 20 fields of one letter, then the end; "　" (E3 80 80) at
        // byte 40 of a second line makes it suspect, the first line not.
        let line = "a,".repeat(19) + "z\n" + &"b,".repeat(19) + "　\n";
        let (len, suspect, fields) = by_cut(&commas, line.as_bytes());
        assert_eq!((len, suspect, fields.len()), (39, false, 20));
        assert_eq!(fields[19], 38..39);
        let second = &line.as_bytes()[40..];
        assert_eq!(by_cut(&commas, second).0, 41);
        assert!(by_cut(&commas, second).1);
    }

    #[test]
    fn every_cut_agrees_with_the_byte_by_byte_cut() {
        // Lines made of bytes that matter (each suspect byte, both delimiters, both line
        // ends) and plain ones, of every length up to 70, cut at every start.
        let alphabet: &[u8] = &[
            b'a', b'a', b'a', 0xE4, 0xB8, 0x80, b',', b'\t', b';', b'\n', b'\r', 0x09, 0x0B, 0x0D,
            0x20, 0xC2, 0xE1, 0xE2, 0xE3, 0xEF, 0xE0, 0xE4, 0xEE, 0xF0, 0x08, 0x0E, 0x1F, 0x21,
            0xC1, 0xC3,
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for delimiter in [b',', b'\t', b';'] {
            let c = Classes::new(delimiter);
            for round in 0..4000 {
                let n = round % 131;
                let bytes: Vec<u8> = (0..n)
                    .map(|_| {
                        let r = next();
                        // Mostly plain bytes, so that many lines run past 16 bytes.
                        if r % 4 == 0 {
                            alphabet[(r >> 8) as usize % alphabet.len()]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                for start in 0..=bytes.len().min(3) {
                    let rest = &bytes[start..];
                    assert_eq!(by_cut(&c, rest), by_bytes(&c, rest), "{rest:?}");
                }
            }
        }
        // Every byte value alone in each of the thirty-two places of a block and past them.
        let c = Classes::new(b',');
        for b in 0..=255u8 {
            for at in 0..40 {
                let mut bytes = vec![b'x'; 72];
                bytes[at] = b;
                assert_eq!(by_cut(&c, &bytes), by_bytes(&c, &bytes), "{b:#x} at {at}");
            }
        }
    }
}
