//! Date cells: the spellings found in ledgers, and Excel serial numbers.

use chrono::{Duration, NaiveDate};

use super::text::{clean_cell, fold};

/// Largest Excel serial date (9999-12-31).
pub(crate) const MAX_SERIAL: i64 = 2_958_465;

/// Parse a date as written in a cell: `2021-03-05`, `2021/3/5`, `2021.3.5`,
/// `2021年3月5日`, `2021年3月` (first of the month), `20210305`, `2021-03-05 00:00:00`,
/// full-width digits, and Excel serial numbers written as up to 5 digits (`44256` →
/// 2021-03-01). Impossible dates (2021-02-30) are `None`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    // The common spelling, `2021-03-05` or `2021/03/05` with nothing around it, read
    // directly: cleaning and folding leave it as it is, and the general path below gives
    // it `ymd` of its three numbers (a national ledger has millions of them).
    plain_ymd(s.as_bytes()).unwrap_or_else(|| parse_written(s))
}

/// [`parse_date`] of any spelling.
fn parse_written(s: &str) -> Option<NaiveDate> {
    let cleaned = clean_cell(s);
    // Drop a time part: "2021-03-05 00:00:00", "2021-03-05T08:00".
    let date_part = fold(strip_time(&cleaned));
    let date_part = date_part.as_str();
    if date_part.is_empty() {
        return None;
    }
    if date_part.bytes().all(|b| b.is_ascii_digit()) {
        return match date_part.len() {
            8 => {
                let y = date_part.get(0..4)?.parse().ok()?;
                let m = date_part.get(4..6)?.parse().ok()?;
                let d = date_part.get(6..8)?.parse().ok()?;
                ymd(y, m, d)
            }
            1..=5 => from_serial(date_part.parse::<i64>().ok()? as f64),
            _ => None,
        };
    }
    // A serial written as a decimal number ("44256.0", "44256.5").
    if let Some((int, frac)) = date_part.split_once('.') {
        if int.len() == 5
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
        {
            return from_serial(date_part.parse::<f64>().ok()?);
        }
    }
    // Split into numbers on any separator: - / . 年 月 日.
    let mut parts = Vec::with_capacity(3);
    let mut cur = String::new();
    let mut seps = String::new();
    for c in date_part.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            if !matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | '号') {
                return None;
            }
            seps.push(c);
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    let num = |i: usize| -> Option<u32> { parts.get(i)?.parse().ok() };
    match parts.len() {
        3 => {
            if parts.first()?.len() != 4 {
                return None;
            }
            ymd(num(0)? as i32, num(1)?, num(2)?)
        }
        // "2021年3月" (and "2021-03"): the first of the month, only in the 年…月 form or a
        // 4-digit year with a dash or slash.
        2 => {
            if parts.first()?.len() != 4 {
                return None;
            }
            let ok = seps.contains('年') || seps == "-" || seps == "/" || seps == ".";
            if !ok {
                return None;
            }
            ymd(num(0)? as i32, num(1)?, 1)
        }
        _ => None,
    }
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` (ASCII digits, one separator): `Some(ymd(…))`; any other
/// text: `None` (left to the general path).
fn plain_ymd(b: &[u8]) -> Option<Option<NaiveDate>> {
    let &[y0, y1, y2, y3, s1, m0, m1, s2, d0, d1] = b else {
        return None;
    };
    if s1 != s2 || !matches!(s1, b'-' | b'/') {
        return None;
    }
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let y = n(&digits[..4]) as i32;
    Some(ymd(y, n(&digits[4..6]), n(&digits[6..])))
}

/// Drop a time of day: the text from the last space or `T` before the first `:`.
fn strip_time(s: &str) -> &str {
    let Some(colon) = s.find(':') else { return s };
    let head = s.get(..colon).unwrap_or(s);
    match head.rfind([' ', 'T']) {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1900..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Date of an Excel serial number (1900 date system, time of day ignored). Serial 60 is
/// Excel's fictitious 1900-02-29 and is rejected; serials outside 1..=2958465 are `None`.
pub fn from_serial(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() {
        return None;
    }
    let days = serial.floor();
    if !(1.0..=MAX_SERIAL as f64).contains(&days) {
        return None;
    }
    let days = days as i64;
    if days == 60 {
        return None;
    }
    // Serials ≥ 61 count the fictitious leap day, so their epoch is 1899-12-30;
    // serials 1..=59 count from 1899-12-31 (serial 1 = 1900-01-01).
    let epoch = if days >= 61 {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    };
    epoch.checked_add_signed(Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn spellings() {
        assert_eq!(parse_date("2021-03-05"), d(2021, 3, 5));
        assert_eq!(parse_date("2021/3/5"), d(2021, 3, 5));
        assert_eq!(parse_date("2021.3.5"), d(2021, 3, 5));
        assert_eq!(parse_date("2021年3月5日"), d(2021, 3, 5));
        assert_eq!(parse_date("2021年3月5号"), d(2021, 3, 5));
        assert_eq!(parse_date("2021年3月"), d(2021, 3, 1));
        assert_eq!(parse_date("2021-03"), d(2021, 3, 1));
        assert_eq!(parse_date("20210305"), d(2021, 3, 5));
        assert_eq!(parse_date("2021-03-05 00:00:00"), d(2021, 3, 5));
        assert_eq!(parse_date("2021-03-05 9:30"), d(2021, 3, 5));
        assert_eq!(parse_date("2021-03-05T08:00:00"), d(2021, 3, 5));
        assert_eq!(parse_date("２０２１年３月５日"), d(2021, 3, 5));
        assert_eq!(parse_date(" 2021 年 3 月 5 日 "), d(2021, 3, 5));
    }

    #[test]
    fn the_plain_spelling_read_directly_as_the_general_path_reads_it() {
        let mut direct = 0;
        for y in [
            "1899", "1900", "2021", "2024", "2100", "9999", "0000", "20a1",
        ] {
            for m in 0..=13 {
                for day in 0..=32 {
                    for (s1, s2) in [('-', '-'), ('/', '/'), ('-', '/'), ('.', '.')] {
                        let s = format!("{y}{s1}{m:02}{s2}{day:02}");
                        if let Some(d) = plain_ymd(s.as_bytes()) {
                            direct += 1;
                            assert_eq!(d, parse_written(&s), "{s}");
                        }
                        assert_eq!(parse_date(&s), parse_written(&s), "{s}");
                    }
                }
            }
        }
        // Every `-`/`-` and `/`/`/` spelling with digits went the direct way.
        assert_eq!(direct, 7 * 14 * 33 * 2);
        assert_eq!(plain_ymd(b" 2021-03-05"), None);
        assert_eq!(plain_ymd("２０２１-03-05".as_bytes()), None);
    }

    #[test]
    fn serials() {
        assert_eq!(parse_date("44256"), d(2021, 3, 1));
        assert_eq!(parse_date("44256.0"), d(2021, 3, 1));
        assert_eq!(parse_date("2021.3"), d(2021, 3, 1));
        assert_eq!(from_serial(44256.75), d(2021, 3, 1));
        assert_eq!(from_serial(1.0), d(1900, 1, 1));
        assert_eq!(from_serial(59.0), d(1900, 2, 28));
        assert_eq!(from_serial(60.0), None);
        assert_eq!(from_serial(61.0), d(1900, 3, 1));
        assert_eq!(from_serial(2_958_465.0), d(9999, 12, 31));
        assert_eq!(from_serial(2_958_466.0), None);
        assert_eq!(from_serial(0.0), None);
        assert_eq!(from_serial(-5.0), None);
        assert_eq!(from_serial(f64::NAN), None);
        // Six digits or more as text are not serials.
        assert_eq!(parse_date("123456"), None);
    }

    #[test]
    fn rejects() {
        assert_eq!(parse_date("2021-13-45"), None);
        assert_eq!(parse_date("2021-02-30"), None);
        assert_eq!(parse_date("20211305"), None);
        assert_eq!(parse_date("21-3-5"), None);
        assert_eq!(parse_date("三月五日"), None);
        assert_eq!(parse_date("2021年"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("abc"), None);
        assert_eq!(parse_date("2021-03-05-07"), None);
    }
}
