//! Value synonyms (from `rules/values.toml`): urban/rural words, yes/no, categories,
//! project and event kinds, statuses, registration forms.

use std::collections::BTreeMap;

/// The value tables: looked up for a cell of every row, so with a fast hash (the words
/// are the rules', not the input's).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::sync::OnceLock;

use serde::Deserialize;

use super::text::{edit_distance, fold, header_key, header_key_cow};
use super::{Registration, Status, UrbanRural};

/// Value domains with a canonical list, for plan validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// 组织类别.
    Category,
    /// 项目类型.
    ProjectKind,
    /// 活动类型.
    EventKind,
}

/// The canonical values of a domain, e.g. ["枢纽型", "支持型", "社会工作服务机构", …].
pub(crate) fn canonical_values(domain: Domain) -> Vec<&'static str> {
    rules()
        .domains
        .get(domain_index(domain))
        .map(|d| d.canonical.clone())
        .unwrap_or_default()
}

/// Canonical form of a value (synonyms folded), or `None` if unknown.
pub(crate) fn canonicalize(domain: Domain, value: &str) -> Option<&'static str> {
    rules()
        .domains
        .get(domain_index(domain))
        .and_then(|d| d.lookup.get(header_key_cow(value).as_ref()).copied())
}

/// The canonical value of `domain` nearest to `value`, when it is one or two edits away
/// (for "did you mean" hints). `None` when nothing is that close or the value is known.
pub(crate) fn nearest(domain: Domain, value: &str) -> Option<&'static str> {
    let key = header_key(value);
    let d = rules().domains.get(domain_index(domain))?;
    if d.lookup.contains_key(&key) {
        return None;
    }
    d.lookup
        .iter()
        .map(|(k, canon)| (edit_distance(&key, k), *canon))
        .filter(|(dist, _)| *dist <= 2 && *dist * 2 < key.chars().count())
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, canon)| canon)
}

/// Urban/rural from the committee type at the end of a community's name
/// (…居民委员会/…居委会/…社区 → urban; …村民委员会/…村委会/…村 → rural); a trailing
/// bracketed remark such as "（史）" is ignored. `None` when the name says neither.
pub(crate) fn urban_rural_from_name(name: &str) -> Option<UrbanRural> {
    let name = header_key(name);
    let mut stem = name.as_str();
    // Drop trailing bracketed remarks: "冯家岔村委会(史)" → "冯家岔村委会"; a name that is
    // entirely bracketed, "(高家坪村委会)", is tested on what the brackets hold.
    while let Some(inner) = stem.strip_suffix(')') {
        let Some(open) = inner.rfind('(') else { break };
        let before = &inner[..open];
        if before.is_empty() {
            stem = &inner[open + 1..];
            break;
        }
        stem = before;
    }
    rules()
        .suffixes
        .iter()
        .find(|(suffix, _)| stem.ends_with(suffix.as_str()))
        .map(|(_, ur)| *ur)
}

/// Urban/rural from an NBS 城乡分类代码: 1xx urban, 2xx rural.
pub(crate) fn urban_rural_from_code(code: u16) -> Option<UrbanRural> {
    match code {
        100..=199 => Some(UrbanRural::Urban),
        200..=299 => Some(UrbanRural::Rural),
        _ => None,
    }
}

/// Urban/rural from a 城乡类型 cell (城市, 农村社区, 村委会, urban, …); `None` if unknown.
pub(crate) fn urban_rural_word(value: &str) -> Option<UrbanRural> {
    rules()
        .urban_rural
        .get(header_key_cow(value).as_ref())
        .copied()
}

/// Yes/no from a cell (是/否, Y/N, √/×, 1/0, true/false, 有/无); `None` if unknown.
pub(crate) fn yes_no(value: &str) -> Option<bool> {
    rules().yes_no.get(header_key_cow(value).as_ref()).copied()
}

/// Organization status from a 状态 cell (正常/存续 → active, 注销/撤销 → dissolved).
pub fn status(value: &str) -> Option<Status> {
    rules().status.get(header_key_cow(value).as_ref()).copied()
}

/// Registration form from a 登记形式 cell (登记 → registered, 备案 → filed).
pub(crate) fn registration(value: &str) -> Option<Registration> {
    rules()
        .registration
        .get(header_key_cow(value).as_ref())
        .copied()
}

/// The totals marker (合计, 总计, 小计, …) a cell is or ends with ("合计", "太原市合计",
/// "合计：" ), if any.
#[cfg(test)]
pub(crate) fn total_marker(cell: &str) -> Option<&'static str> {
    total_marker_of(&super::text::fold_cow(cell))
}

/// [`total_marker`] of a cell already folded.
pub(crate) fn total_marker_of(folded: &str) -> Option<&'static str> {
    let key = folded.trim_end_matches([':', '：']);
    let r = rules();
    // Every row's first cells are asked: most share no end and no start with any marker.
    if !(r.totals_ends.could_end(key) || r.totals_ends.could_start(key)) {
        return None;
    }
    r.totals
        .iter()
        .find(|m| {
            key.ends_with(m.as_str())
                || key
                    .strip_prefix(m.as_str())
                    .is_some_and(|rest| rest.starts_with('('))
        })
        .map(|m| m.as_str())
}

/// The note marker (注：, 填表人, 说明：, …) a cell starts with, if any.
#[cfg(test)]
pub(crate) fn note_marker(cell: &str) -> Option<&'static str> {
    note_marker_of(&super::text::fold_cow(cell))
}

/// [`note_marker`] of a cell already folded.
pub(crate) fn note_marker_of(key: &str) -> Option<&'static str> {
    let r = rules();
    if !r.notes_ends.could_start(key) {
        return None;
    }
    r.notes
        .iter()
        .find(|m| key.starts_with(m.as_str()))
        .map(|m| m.as_str())
}

/// Problems found when loading `rules/values.toml` (empty when it is sound).
pub fn problems() -> &'static [String] {
    &rules().problems
}

fn domain_index(domain: Domain) -> usize {
    match domain {
        Domain::Category => 0,
        Domain::ProjectKind => 1,
        Domain::EventKind => 2,
    }
}

const VALUES_TOML: &str = include_str!("../../rules/values.toml");

#[derive(Deserialize, Default)]
struct RawPair {
    #[serde(default)]
    urban: Vec<String>,
    #[serde(default)]
    rural: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawYesNo {
    #[serde(default)]
    yes: Vec<String>,
    #[serde(default)]
    no: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawStatus {
    #[serde(default)]
    active: Vec<String>,
    #[serde(default)]
    dissolved: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawRegistration {
    #[serde(default)]
    registered: Vec<String>,
    #[serde(default)]
    filed: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawDomain {
    #[serde(default)]
    canonical: Vec<String>,
    #[serde(default)]
    synonyms: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct RawMarkers {
    #[serde(default)]
    totals: Vec<String>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
struct RawValues {
    #[serde(default)]
    urban_rural: RawPair,
    #[serde(default)]
    committee_suffixes: RawPair,
    #[serde(default)]
    yes_no: RawYesNo,
    #[serde(default)]
    status: RawStatus,
    #[serde(default)]
    registration: RawRegistration,
    #[serde(default)]
    category: RawDomain,
    #[serde(default)]
    project_kind: RawDomain,
    #[serde(default)]
    event_kind: RawDomain,
    #[serde(default)]
    markers: RawMarkers,
}

#[derive(Default)]
struct DomainRules {
    canonical: Vec<&'static str>,
    lookup: HashMap<String, &'static str>,
}

#[derive(Default)]
struct Rules {
    urban_rural: HashMap<String, UrbanRural>,
    suffixes: Vec<(String, UrbanRural)>,
    yes_no: HashMap<String, bool>,
    status: HashMap<String, Status>,
    registration: HashMap<String, Registration>,
    domains: Vec<DomainRules>,
    totals: Vec<String>,
    notes: Vec<String>,
    totals_ends: Ends,
    notes_ends: Ends,
    problems: Vec<String>,
}

/// The first and last characters of a list of markers: a text that starts (ends) with
/// none of the first (last) characters starts (ends) with no marker.
#[derive(Default)]
struct Ends {
    first: Vec<char>,
    last: Vec<char>,
    /// A bit for each of `first`'s characters (their code modulo 64, [`bit`]), and for
    /// `last`'s: a character whose bit is clear is in neither list, found with no search
    /// (every data row's first cells are asked, most of them with no marker).
    first_bits: u64,
    last_bits: u64,
    /// An empty marker: every text starts and ends with it.
    empty: bool,
}

/// A character's bit in [`Ends`]'s sets.
fn bit(c: char) -> u64 {
    1 << (u32::from(c) % 64)
}

impl Ends {
    fn of(markers: &[String]) -> Ends {
        let mut e = Ends::default();
        for m in markers {
            match (m.chars().next(), m.chars().next_back()) {
                (Some(f), Some(l)) => {
                    e.first.push(f);
                    e.last.push(l);
                    e.first_bits |= bit(f);
                    e.last_bits |= bit(l);
                }
                _ => e.empty = true,
            }
        }
        e
    }

    /// Whether `text` could start with one of the markers.
    #[inline]
    fn could_start(&self, text: &str) -> bool {
        self.empty
            || text
                .chars()
                .next()
                .is_some_and(|c| self.first_bits & bit(c) != 0 && self.first.contains(&c))
    }

    /// Whether `text` could end with one of the markers.
    #[inline]
    fn could_end(&self, text: &str) -> bool {
        self.empty
            || text
                .chars()
                .next_back()
                .is_some_and(|c| self.last_bits & bit(c) != 0 && self.last.contains(&c))
    }
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| load(VALUES_TOML))
}

fn insert_all<T: Copy>(map: &mut HashMap<String, T>, words: &[String], value: T) {
    for w in words {
        map.insert(header_key(w), value);
    }
}

fn load(text: &str) -> Rules {
    let raw: RawValues = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return Rules {
                problems: vec![format!("rules/values.toml: {e}")],
                ..Rules::default()
            }
        }
    };
    let mut r = Rules::default();
    insert_all(
        &mut r.urban_rural,
        &raw.urban_rural.urban,
        UrbanRural::Urban,
    );
    insert_all(
        &mut r.urban_rural,
        &raw.urban_rural.rural,
        UrbanRural::Rural,
    );
    for s in &raw.committee_suffixes.urban {
        r.suffixes.push((header_key(s), UrbanRural::Urban));
    }
    for s in &raw.committee_suffixes.rural {
        r.suffixes.push((header_key(s), UrbanRural::Rural));
    }
    // Longest first, so 村民委员会 is tested before 村.
    r.suffixes
        .sort_by_key(|s| std::cmp::Reverse(s.0.chars().count()));
    insert_all(&mut r.yes_no, &raw.yes_no.yes, true);
    insert_all(&mut r.yes_no, &raw.yes_no.no, false);
    insert_all(&mut r.status, &raw.status.active, Status::Active);
    insert_all(&mut r.status, &raw.status.dissolved, Status::Dissolved);
    insert_all(
        &mut r.registration,
        &raw.registration.registered,
        Registration::Registered,
    );
    insert_all(
        &mut r.registration,
        &raw.registration.filed,
        Registration::Filed,
    );
    for (name, d) in [
        ("category", raw.category),
        ("project_kind", raw.project_kind),
        ("event_kind", raw.event_kind),
    ] {
        let mut dr = DomainRules::default();
        for c in d.canonical {
            let c: &'static str = Box::leak(c.into_boxed_str());
            dr.canonical.push(c);
            dr.lookup.insert(header_key(c), c);
        }
        for (syn, canon) in d.synonyms {
            match dr.canonical.iter().find(|c| **c == canon) {
                Some(c) => {
                    dr.lookup.insert(header_key(&syn), c);
                }
                None => r
                    .problems
                    .push(format!("{name}: synonym {syn} → unknown value {canon}")),
            }
        }
        r.domains.push(dr);
    }
    r.totals = raw.markers.totals.iter().map(|m| fold(m)).collect();
    r.notes = raw.markers.notes.iter().map(|m| fold(m)).collect();
    r.totals_ends = Ends::of(&r.totals);
    r.notes_ends = Ends::of(&r.notes);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_load_cleanly() {
        assert!(rules().problems.is_empty(), "{:?}", rules().problems);
        assert_eq!(
            canonical_values(Domain::Category),
            [
                "枢纽型",
                "支持型",
                "社会工作服务机构",
                "生活服务类",
                "公益慈善类",
                "文体活动类",
                "专业调处类"
            ]
        );
        assert_eq!(
            canonical_values(Domain::ProjectKind),
            ["品牌项目", "购买服务", "公益创投"]
        );
        assert_eq!(
            canonical_values(Domain::EventKind),
            ["能力培训", "优质项目评选"]
        );
    }

    #[test]
    fn synonyms_canonicalize() {
        assert_eq!(
            canonicalize(Domain::Category, "社工机构"),
            Some("社会工作服务机构")
        );
        assert_eq!(
            canonicalize(Domain::Category, " 文体类 "),
            Some("文体活动类")
        );
        assert_eq!(canonicalize(Domain::Category, "枢纽型"), Some("枢纽型"));
        assert_eq!(canonicalize(Domain::Category, "养老类"), None);
        assert_eq!(
            canonicalize(Domain::ProjectKind, "政府购买服务"),
            Some("购买服务")
        );
        assert_eq!(
            canonicalize(Domain::ProjectKind, "Venture"),
            Some("公益创投")
        );
        assert_eq!(canonicalize(Domain::EventKind, "培训"), Some("能力培训"));
        assert_eq!(nearest(Domain::Category, "文体活动"), None); // a known synonym
        assert_eq!(nearest(Domain::Category, "文体活类"), Some("文体活动类"));
        assert_eq!(nearest(Domain::Category, "养老服务"), None);
    }

    #[test]
    fn urban_rural_words() {
        assert_eq!(urban_rural_word("城市社区"), Some(UrbanRural::Urban));
        assert_eq!(urban_rural_word("居委会"), Some(UrbanRural::Urban));
        assert_eq!(urban_rural_word("村"), Some(UrbanRural::Rural));
        assert_eq!(urban_rural_word("Rural"), Some(UrbanRural::Rural));
        assert_eq!(urban_rural_word("郊区"), None);
    }

    #[test]
    fn urban_rural_names() {
        use UrbanRural::*;
        assert_eq!(urban_rural_from_name("迎泽社区居民委员会"), Some(Urban));
        assert_eq!(urban_rural_from_name("岗头社区居委会"), Some(Urban));
        assert_eq!(
            urban_rural_from_name("太原钢铁（集团）有限公司社区"),
            Some(Urban)
        );
        assert_eq!(urban_rural_from_name("新店村村民委员会"), Some(Rural));
        assert_eq!(urban_rural_from_name("白文村委会"), Some(Rural));
        assert_eq!(urban_rural_from_name("新店村"), Some(Rural));
        assert_eq!(urban_rural_from_name("冯家岔村委会（史）"), Some(Rural));
        assert_eq!(urban_rural_from_name("（高家坪村委会）"), Some(Rural));
        assert_eq!(urban_rural_from_name("郝开村民员委会"), None);
        assert_eq!(urban_rural_from_name("某某农场"), None);
        assert_eq!(urban_rural_from_name(""), None);
        assert_eq!(urban_rural_from_code(111), Some(Urban));
        assert_eq!(urban_rural_from_code(220), Some(Rural));
        assert_eq!(urban_rural_from_code(999), None);
    }

    #[test]
    fn yes_no_status_registration() {
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no("Ｙ"), Some(true));
        assert_eq!(yes_no("√"), Some(true));
        assert_eq!(yes_no("×"), Some(false));
        assert_eq!(yes_no("FALSE"), Some(false));
        assert_eq!(yes_no("0"), Some(false));
        assert_eq!(yes_no("也许"), None);
        assert_eq!(status("存续"), Some(Status::Active));
        assert_eq!(status("已注销"), Some(Status::Dissolved));
        assert_eq!(registration("已备案"), Some(Registration::Filed));
        assert_eq!(registration("登记"), Some(Registration::Registered));
    }

    #[test]
    fn markers() {
        assert_eq!(total_marker("合计"), Some("合计"));
        assert_eq!(total_marker("太原市合计"), Some("合计"));
        assert_eq!(total_marker("总 计："), Some("总计"));
        assert_eq!(total_marker("合计（万元）"), Some("合计"));
        assert_eq!(total_marker("合计划生育协会"), None);
        assert_eq!(note_marker("注：本表数据截至9月30日"), Some("注:"));
        assert_eq!(note_marker("填表人：张三"), Some("填表人"));
        assert_eq!(note_marker("迎泽社区"), None);
    }

    /// The markers as written out in their definitions, every marker tried.
    fn total_by_definition(cell: &str) -> Option<&'static str> {
        let key = fold(cell);
        let key = key.trim_end_matches([':', '：']);
        rules()
            .totals
            .iter()
            .find(|m| {
                key.ends_with(m.as_str())
                    || key
                        .strip_prefix(m.as_str())
                        .is_some_and(|rest| rest.starts_with('('))
            })
            .map(|m| m.as_str())
    }

    fn note_by_definition(cell: &str) -> Option<&'static str> {
        let key = fold(cell);
        rules()
            .notes
            .iter()
            .find(|m| key.starts_with(m.as_str()))
            .map(|m| m.as_str())
    }

    /// The quick test on a text's first and last characters rejects no text a marker
    /// matches: every marker, as written and folded, alone, behind and before other text
    /// (full-width colons, brackets and spaces around), agrees with the definitions; and
    /// it rejects texts that only look near.
    #[test]
    fn markers_quick_test_agrees_with_definitions() {
        let raw: RawValues = toml::from_str(VALUES_TOML).unwrap();
        let mut words: Vec<String> = raw.markers.totals.clone();
        words.extend(raw.markers.notes.iter().cloned());
        words.extend(rules().totals.iter().cloned());
        words.extend(rules().notes.iter().cloned());
        let affixes = [
            "",
            "太原市",
            "迎泽区",
            "：",
            ":",
            "（万元）",
            "(个)",
            " ",
            "　",
            "计",
            "注",
            "合",
        ];
        let mut cells = vec![String::new(), "计".into(), "合".into(), "合 计".into()];
        for w in &words {
            for a in affixes {
                for b in affixes {
                    cells.push(format!("{a}{w}{b}"));
                }
            }
        }
        let (mut totals, mut notes) = (0, 0);
        for c in &cells {
            let t = total_marker(c);
            assert_eq!(t, total_by_definition(c), "{c:?}");
            let n = note_marker(c);
            assert_eq!(n, note_by_definition(c), "{c:?}");
            totals += usize::from(t.is_some());
            notes += usize::from(n.is_some());
        }
        // Both answers occur among the cells for both kinds of marker.
        assert!(
            totals > 0 && totals < cells.len(),
            "{totals} of {}",
            cells.len()
        );
        assert!(
            notes > 0 && notes < cells.len(),
            "{notes} of {}",
            cells.len()
        );
        assert_eq!(total_marker("合计划生育协会"), None);
    }
}
