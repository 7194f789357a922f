//! Value synonyms (from `rules/values.toml`): urban/rural words, yes/no, categories,
//! project and event kinds, statuses, registration forms.

use super::UrbanRural;

/// Value domains with a canonical list, for plan validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// 组织类别.
    Category,
    /// 项目类型.
    ProjectKind,
    /// 活动类型.
    EventKind,
}

/// The canonical values of a domain, e.g. ["枢纽型", "支持型", "社会工作服务机构", …].
pub fn canonical_values(domain: Domain) -> Vec<&'static str> {
    let _ = domain;
    Vec::new()
}

/// Canonical form of a value (synonyms folded), or `None` if unknown.
pub fn canonicalize(domain: Domain, value: &str) -> Option<&'static str> {
    let _ = (domain, value);
    None
}

/// Urban/rural from the committee type at the end of a community's name
/// (…居民委员会/…居委会/…社区 → urban; …村民委员会/…村委会/…村 → rural); a trailing
/// bracketed remark such as "（史）" is ignored. `None` when the name says neither.
pub fn urban_rural_from_name(name: &str) -> Option<UrbanRural> {
    let _ = name;
    None
}

/// Urban/rural from an NBS 城乡分类代码: 1xx urban, 2xx rural.
pub fn urban_rural_from_code(code: u16) -> Option<UrbanRural> {
    match code {
        100..=199 => Some(UrbanRural::Urban),
        200..=299 => Some(UrbanRural::Rural),
        _ => None,
    }
}
