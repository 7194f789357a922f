//! Snapshot dates: the as-of date of a quarterly export, from how analysts name its folder
//! or file (`2023Q3`, `2023-Q3`, `2023-09`, `2023年第三季度`, `2023年三季度`, `2023年9月`) —
//! the last day of that period — or a full date in the name (`2023-09-30`, `20230930`).

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::text::fold;

/// The last day of the period a name denotes, or the date it spells out. The period may
/// stand anywhere in the name ("阳泉市2023年三季度台账", "export-2023Q3.xlsx"); a name with
/// none, or with two that disagree, gives `None`.
pub(crate) fn period_end(name: &str) -> Option<NaiveDate> {
    let chars: Vec<char> = fold(name).chars().collect();
    let mut found: Option<NaiveDate> = None;
    let mut i = 0;
    while i + 4 <= chars.len() {
        // A year: four digits, not inside a longer number.
        let starts_number = i == 0 || !chars[i - 1].is_ascii_digit();
        let year_digits = chars[i..i + 4].iter().all(char::is_ascii_digit);
        if !(starts_number && year_digits) {
            i += 1;
            continue;
        }
        let year: i32 = chars[i..i + 4].iter().collect::<String>().parse().ok()?;
        if !(1990..=2100).contains(&year) {
            i += 4;
            continue;
        }
        if let Some((date, used)) = after_year(year, &chars[i + 4..]) {
            if found.is_some_and(|f| f != date) {
                return None;
            }
            found = Some(date);
            i += 4 + used;
        } else {
            i += 4;
        }
    }
    found
}

/// What follows a year: a quarter, a month or a full date. Returns the date and the number
/// of characters used.
fn after_year(year: i32, rest: &[char]) -> Option<(NaiveDate, usize)> {
    let mut k = 0;
    // Separators: "-", "_", ".", "/", " ", "年".
    while k < rest.len() && matches!(rest[k], '-' | '_' | '.' | '/' | ' ' | '年') {
        k += 1;
    }
    let tail = &rest[k..];
    // Quarter: Q3 / q3.
    if let [q, d, ..] = tail {
        if matches!(q, 'Q' | 'q') {
            if let Some(n) = d.to_digit(10).filter(|n| (1..=4).contains(n)) {
                return Some((quarter_end(year, n)?, k + 2));
            }
        }
    }
    // Quarter: 第三季度, 三季度, 3季度, 第3季度.
    let mut j = 0;
    if tail.first() == Some(&'第') {
        j = 1;
    }
    if let Some(&c) = tail.get(j) {
        let n = match c {
            '一' | '1' => Some(1),
            '二' | '2' => Some(2),
            '三' | '3' => Some(3),
            '四' | '4' => Some(4),
            _ => None,
        };
        if let Some(n) = n {
            let word: String = tail
                .get(j + 1..j + 3)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            if word == "季度" {
                return Some((quarter_end(year, n)?, k + j + 3));
            }
        }
    }
    // Month, possibly with a day: 09, 9月, 2023-09-30, 20230930 (the digits right after).
    let digits: String = tail.iter().take_while(|c| c.is_ascii_digit()).collect();
    let n = digits.chars().count();
    if n == 0 {
        return None;
    }
    let after = &tail[n..];
    if n == 4 && k == 0 {
        // 20230930.
        let m: u32 = digits.get(0..2)?.parse().ok()?;
        let d: u32 = digits.get(2..4)?.parse().ok()?;
        return NaiveDate::from_ymd_opt(year, m, d).map(|x| (x, 4));
    }
    if n > 2 {
        return None;
    }
    let m: u32 = digits.parse().ok()?;
    if !(1..=12).contains(&m) {
        return None;
    }
    let mut used = k + n;
    let mut rest2 = after;
    if rest2.first() == Some(&'月') {
        used += 1;
        rest2 = &rest2[1..];
    }
    // A day: "-30", "/30", ".30", "30日".
    let mut s = 0;
    while s < rest2.len() && matches!(rest2[s], '-' | '_' | '.' | '/') {
        s += 1;
    }
    let day: String = rest2[s..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if !day.is_empty() && day.len() <= 2 && (s > 0 || rest2.get(day.len()) == Some(&'日')) {
        let d: u32 = day.parse().ok()?;
        let date = NaiveDate::from_ymd_opt(year, m, d)?;
        return Some((date, used + s + day.len()));
    }
    Some((month_end(year, m)?, used))
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn quarter_end(year: i32, q: u32) -> Option<NaiveDate> {
    month_end(year, q * 3)
}

/// The as-of date of a snapshot given as a path: the period in its file name (without the
/// extension), else in the nearest folder name that has one.
pub fn snapshot_date(path: &Path) -> Option<NaiveDate> {
    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
        if let Some(d) = period_end(stem) {
            return Some(d);
        }
    }
    path.ancestors()
        .skip(1)
        .filter_map(|a| a.file_name().and_then(|s| s.to_str()))
        .find_map(period_end)
}

/// A date as `--as-of` takes it: the spellings of the ledgers (2023-12-31, 2023/12/31,
/// 2023年12月31日, 20231231) or a period (2023Q4, 2023年四季度: its last day).
pub fn parse_as_of(s: &str) -> Option<NaiveDate> {
    let t = fold(s.trim());
    // A bare month ("2023年9月", "2023-09") is a period (its last day), not its first day.
    if let Some(d) = period_end(&t) {
        let whole_date = super::date::parse_date(&t);
        return Some(match whole_date {
            Some(w)
                if w.day() != 1
                    || t.contains('日')
                    || t.chars().filter(|c| c.is_ascii_digit()).count() >= 8 =>
            {
                w
            }
            _ => d,
        });
    }
    super::date::parse_date(&t).filter(|_| t.chars().count() > 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn quarters_months_and_dates_in_names() {
        for (name, want) in [
            ("2023Q3", d(2023, 9, 30)),
            ("2023-Q3", d(2023, 9, 30)),
            ("2023q1", d(2023, 3, 31)),
            ("2023-09", d(2023, 9, 30)),
            ("2023_06", d(2023, 6, 30)),
            ("2023年第三季度", d(2023, 9, 30)),
            ("2023年三季度", d(2023, 9, 30)),
            ("2023年四季度台账", d(2023, 12, 31)),
            ("阳泉市2023年9月台账", d(2023, 9, 30)),
            ("2024年2月", d(2024, 2, 29)),
            ("export-2023Q2.xlsx", d(2023, 6, 30)),
            ("2023-09-15", d(2023, 9, 15)),
            ("20230915", d(2023, 9, 15)),
            ("2023年9月15日", d(2023, 9, 15)),
            // Nothing, or two periods that disagree.
            ("社区社会组织台账", None),
            ("2023Q3与2023Q4", None),
            ("2023", None),
            ("2023-13", None),
            ("12345Q3", None),
        ] {
            assert_eq!(period_end(name), want, "{name}");
        }
        // The same period twice agrees.
        assert_eq!(period_end("2023Q3/2023Q3"), d(2023, 9, 30));
    }

    #[test]
    fn snapshot_dates_from_file_then_folders() {
        assert_eq!(
            snapshot_date(Path::new("data/2023Q3/阳泉市台账.xlsx")),
            d(2023, 9, 30)
        );
        assert_eq!(
            snapshot_date(Path::new("data/2023Q3/2023年8月补报.csv")),
            d(2023, 8, 31)
        );
        assert_eq!(snapshot_date(Path::new("fixtures/demo")), None);
    }

    #[test]
    fn as_of_takes_the_ledger_spellings() {
        for (s, want) in [
            ("2023-12-31", d(2023, 12, 31)),
            ("2023/12/31", d(2023, 12, 31)),
            ("2023年12月31日", d(2023, 12, 31)),
            ("20231231", d(2023, 12, 31)),
            ("2023Q4", d(2023, 12, 31)),
            ("2023年三季度", d(2023, 9, 30)),
            ("2023-09", d(2023, 9, 30)),
            ("2023-09-01", d(2023, 9, 1)),
            ("2023-02-30", None),
            ("yesterday", None),
            ("44256", None),
        ] {
            assert_eq!(parse_as_of(s), want, "{s}");
        }
    }
}
