//! Province names by the first two digits of the statistical division code (GB/T 2260).

/// (code prefix, name) of every provincial-level division.
pub(crate) const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
];

/// The province named by a division code's first two digits.
pub fn province_of_code(code: &str) -> Option<&'static str> {
    let prefix = code.get(0..2)?;
    PROVINCES
        .iter()
        .find(|(c, _)| *c == prefix)
        .map(|(_, n)| *n)
}

/// Whether two province names denote the same province ("山西" = "山西省").
pub fn same_province(a: &str, b: &str) -> bool {
    fn stem(s: &str) -> &str {
        s.trim_end_matches('省').trim_end_matches('市')
    }
    !a.is_empty() && !b.is_empty() && stem(a) == stem(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_provinces() {
        assert_eq!(province_of_code("140105001001"), Some("山西省"));
        assert_eq!(province_of_code("610118"), Some("陕西省"));
        assert_eq!(province_of_code("99"), None);
        assert_eq!(province_of_code("1"), None);
        assert!(same_province("山西", "山西省"));
        assert!(!same_province("山西省", "陕西省"));
    }
}
