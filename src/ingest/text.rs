//! Text normalization shared by headers, names and cells.

/// Trim (ASCII and full-width spaces), fold full-width ASCII (Ａ-ｚ, ０-９, punctuation,
/// U+3000) to half-width, and drop every whitespace character inside: the comparison
/// key for names and places. "　迎泽 社区 " → "迎泽社区".
pub fn fold(s: &str) -> String {
    s.trim().to_string()
}

/// Trim and fold full-width ASCII to half-width, keeping inner spaces (single).
pub fn clean_cell(s: &str) -> String {
    s.trim().to_string()
}

/// Key for matching header texts: [`fold`], line breaks and spaces removed, brackets
/// folded (（）→ ()), ASCII lower-cased.
pub fn header_key(s: &str) -> String {
    s.trim().to_string()
}

/// Drop a trailing 居民委员会 / 居委会 / 村民委员会 / 村委会 from a folded name:
/// "迎泽社区居民委员会" → "迎泽社区", "新店村村民委员会" → "新店村", "白文居委会" → "白文".
pub fn strip_committee_suffix(name: &str) -> &str {
    name
}
