//! Text normalization shared by headers, names and cells.

use std::borrow::Cow;

/// Fold one character: full-width ASCII (U+FF01..U+FF5E) to half-width, the ideographic
/// space U+3000 to a space. Other characters are returned unchanged.
fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Invisible characters that spreadsheet exports leave in cells (zero-width spaces, BOM).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Trim (ASCII and full-width spaces), fold full-width ASCII (Ａ-ｚ, ０-９, punctuation,
/// U+3000) to half-width, and drop every whitespace character inside: the comparison
/// key for names and places. "　迎泽 社区 " → "迎泽社区".
pub fn fold(s: &str) -> String {
    fold_cow(s).into_owned()
}

/// Lead bytes of the characters that [`fold`], [`clean_cell`] and [`header_key`] may
/// change or drop: ASCII whitespace; 0xC2 (U+0085, U+00A0), 0xE1 (U+1680, U+180E),
/// 0xE2 (U+2000–U+206F: spaces, zero-width characters), 0xE3 (U+3000, and the brackets
/// 【】〔〕〖〗), 0xEF (U+FEFF, full-width ASCII U+FF01–U+FF5E). A text without any of
/// these bytes has none of those characters (the test below checks every character), so
/// the common cell, Chinese and ASCII letters, is passed over byte by byte.
pub(crate) const SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x09;
    while b <= 0x0D {
        t[b] = true;
        b += 1;
    }
    t[0x20] = true;
    t[0xC2] = true;
    t[0xE1] = true;
    t[0xE2] = true;
    t[0xE3] = true;
    t[0xEF] = true;
    t
};

/// [`SUSPECT`] and the bytes [`header_key`] changes besides: ASCII capitals and square
/// brackets.
const KEY_SUSPECT: [bool; 256] = {
    let mut t = SUSPECT;
    let mut b = b'A';
    while b <= b'Z' {
        t[b as usize] = true;
        b += 1;
    }
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// No character of `s` is one that folding or cleaning changes (see [`SUSPECT`]).
pub(crate) fn surely_plain(s: &str) -> bool {
    !s.bytes().any(|b| SUSPECT[usize::from(b)])
}

/// [`fold`] without a copy when there is nothing to fold or drop (most cells).
pub(crate) fn fold_cow(s: &str) -> Cow<'_, str> {
    if surely_plain(s) {
        return Cow::Borrowed(s);
    }
    if s.chars()
        .all(|c| !c.is_whitespace() && !is_invisible(c) && !('\u{FF01}'..='\u{FF5E}').contains(&c))
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace() && !is_invisible(*c))
            .collect(),
    )
}

/// Trim and fold full-width ASCII to half-width, keeping inner spaces (single).
pub fn clean_cell(s: &str) -> String {
    clean_cow(s).into_owned()
}

/// [`clean_cell`] without a copy when the cell is already clean (most cells).
pub(crate) fn clean_cow(s: &str) -> Cow<'_, str> {
    let plain = surely_plain(s)
        || (!s.starts_with(char::is_whitespace)
            && !s.ends_with(char::is_whitespace)
            && s.chars().all(|c| {
                !c.is_whitespace() && !is_invisible(c) && !('\u{FF01}'..='\u{FF5E}').contains(&c)
            }));
    if plain {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(fold_char) {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    Cow::Owned(out)
}

/// Key for matching header texts: [`fold`], line breaks and spaces removed, brackets
/// folded (（）→ ()), ASCII lower-cased.
///
/// Square and lenticular brackets (【】〔〕[]) count as round brackets too, and a leading
/// `*` (a "required" marker some templates carry) or a trailing colon is dropped.
pub fn header_key(s: &str) -> String {
    header_key_cow(s).into_owned()
}

/// [`header_key`] without a copy when the text is its own key (most value cells).
pub(crate) fn header_key_cow(s: &str) -> Cow<'_, str> {
    // Most value cells: one pass finds no byte that folding, cleaning or the key changes.
    if !s.starts_with('*')
        && !s.ends_with([':', '*'])
        && !s.bytes().any(|b| KEY_SUSPECT[usize::from(b)])
    {
        return Cow::Borrowed(s);
    }
    let plain = !s.starts_with('*')
        && !s.ends_with([':', '*'])
        && if surely_plain(s) {
            !s.bytes()
                .any(|b| b.is_ascii_uppercase() || b == b'[' || b == b']')
        } else {
            s.chars().all(|c| {
                !c.is_whitespace()
                    && !is_invisible(c)
                    && !('\u{FF01}'..='\u{FF5E}').contains(&c)
                    && !c.is_ascii_uppercase()
                    && !matches!(c, '【' | '〔' | '[' | '〖' | '】' | '〕' | ']' | '〗')
            })
        };
    if plain {
        return Cow::Borrowed(s);
    }
    let folded: String = fold(s)
        .chars()
        .map(|c| match c {
            '【' | '〔' | '[' | '〖' => '(',
            '】' | '〕' | ']' | '〗' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    Cow::Owned(
        folded
            .trim_start_matches('*')
            .trim_end_matches([':', '*'])
            .to_string(),
    )
}

/// Drop a trailing 居民委员会 / 居委会 / 村民委员会 / 村委会 from a folded name:
/// "迎泽社区居民委员会" → "迎泽社区", "新店村村民委员会" → "新店村", "白文居委会" → "白文".
///
/// A name that is nothing but the suffix is returned unchanged.
pub fn strip_committee_suffix(name: &str) -> &str {
    const SUFFIXES: [&str; 4] = ["居民委员会", "村民委员会", "居委会", "村委会"];
    // Every suffix ends in 会: most names (社区, 村) are told apart by one comparison.
    if !name.ends_with('会') {
        return name;
    }
    for suffix in SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix) {
            if !stem.is_empty() {
                return stem;
            }
        }
    }
    name
}

/// Levenshtein distance over characters (for "did you mean" suggestions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte shortcut ([`SUSPECT`]) never passes over a character that folding,
    /// cleaning or a header key changes: checked for every character, alone and among
    /// others, against the definitions written out here.
    #[test]
    fn plain_shortcut_agrees_with_definitions() {
        let changed = |c: char| {
            c.is_whitespace()
                || is_invisible(c)
                || ('\u{FF01}'..='\u{FF5E}').contains(&c)
                || matches!(c, '【' | '〔' | '〖' | '】' | '〕' | '〗')
        };
        let fold_ref = |s: &str| -> String {
            s.chars()
                .map(fold_char)
                .filter(|c| !c.is_whitespace() && !is_invisible(*c))
                .collect()
        };
        let clean_ref = |s: &str| -> String {
            let kept: String = s
                .chars()
                .map(fold_char)
                .filter(|c| !is_invisible(*c))
                .collect();
            kept.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let mut plain = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let alone = c.to_string();
            if surely_plain(&alone) {
                assert!(!changed(c), "{c:?} U+{:04X}", c as u32);
                plain += 1;
            }
            for s in [alone.clone(), format!("迎{c}泽"), format!("{c}a{c}")] {
                assert_eq!(fold_cow(&s), fold_ref(&s), "{s:?}");
                assert_eq!(clean_cow(&s), clean_ref(&s), "{s:?}");
                // Rows fold a cell without cleaning it first (`RowCtx::folded`).
                assert_eq!(fold_cow(&clean_cow(&s)), fold_cow(&s), "{s:?}");
            }
        }
        // Most of Unicode is passed over by the shortcut: all but the 4 × 4,096
        // characters of the lead bytes E1, E2, E3 and EF, the 64 of C2 and the 6 ASCII
        // whitespace characters.
        assert_eq!(plain, 0x110000 - 2048 - 4 * 4096 - 64 - 6, "{plain}");
        for s in [
            "组织名称",
            "Name",
            "[备注]",
            "【备注】",
            "*编号",
            "a：",
            "ｂ",
        ] {
            let key = fold_ref(s)
                .chars()
                .map(|c| match c {
                    '【' | '〔' | '[' | '〖' => '(',
                    '】' | '〕' | ']' | '〗' => ')',
                    c => c.to_ascii_lowercase(),
                })
                .collect::<String>();
            let key = key.trim_start_matches('*').trim_end_matches([':', '*']);
            assert_eq!(header_key_cow(s), key, "{s:?}");
        }
    }

    #[test]
    fn fold_trims_and_folds() {
        assert_eq!(fold("　迎泽 社区 "), "迎泽社区");
        assert_eq!(fold("１０２社区居委会"), "102社区居委会");
        assert_eq!(fold("ＡＢｃ\u{200B}"), "ABc");
        assert_eq!(fold("薛圐圙乡"), "薛圐圙乡");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn clean_cell_keeps_single_inner_spaces() {
        assert_eq!(clean_cell("　太原  市\n文体 "), "太原 市 文体");
        assert_eq!(clean_cell("２０２１年"), "2021年");
        assert_eq!(clean_cell("   "), "");
    }

    #[test]
    fn header_key_folds_brackets_and_breaks() {
        assert_eq!(header_key("县（市、区）"), "县(市、区)");
        assert_eq!(header_key("金额\n（万元）"), "金额(万元)");
        assert_eq!(header_key(" City "), "city");
        assert_eq!(header_key("*组织名称："), "组织名称");
        assert_eq!(header_key("【备注】"), "(备注)");
    }

    #[test]
    fn committee_suffix() {
        assert_eq!(strip_committee_suffix("迎泽社区居民委员会"), "迎泽社区");
        assert_eq!(strip_committee_suffix("新店村村民委员会"), "新店村");
        assert_eq!(strip_committee_suffix("白文居委会"), "白文");
        assert_eq!(strip_committee_suffix("白文村委会"), "白文");
        assert_eq!(strip_committee_suffix("迎泽社区"), "迎泽社区");
        assert_eq!(strip_committee_suffix("居委会"), "居委会");
    }

    #[test]
    fn edit_distance_counts_chars() {
        assert_eq!(edit_distance("文体类", "文体活动类"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("支持型", "支持型"), 0);
    }
}
