//! The terminal view of a [`DiffResult`]: per-region counts with the identity
//! `本期 − 上期 = 新增 − 注销 + 迁入 − 迁出` checked on every row, totals, the first records of
//! each change and the row accounting of both exports. Every record is in the CSV/XLSX.

use std::fmt::Write as _;

use comfy_table::{presets, Cell, CellAlignment, Color, ContentArrangement, Table};

use super::issues::accounting_line;
use crate::audit::diff::{Accounting, Change, DiffRecord, DiffResult, RecordKind, RegionDiff};

/// Terminal options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiffTableOptions {
    /// ANSI colours (a row whose identity fails is red; it never should).
    pub color: bool,
    /// Terminal width (`None`: no limit).
    pub width: Option<u16>,
    /// Records listed per change before "… N more".
    pub examples: usize,
}

/// "阳泉市/城区" for "山西省/阳泉市/城区"; the province row keeps its name; a region's own
/// records shown at a deeper level get "（本级）".
pub fn region_label(r: &RegionDiff) -> String {
    let label = match r.path.split_once('/') {
        Some((_, rest)) => rest.to_string(),
        None => r.path.clone(),
    };
    if r.own {
        format!("{label}（本级）")
    } else {
        label
    }
}

/// "+3", "0", "-2".
pub(crate) fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// `after − before`.
pub fn net(r: &RegionDiff) -> i64 {
    i64::from(r.after) - i64::from(r.before)
}

/// Column names of the region table.
pub(crate) const REGION_HEADER: [&str; 10] = [
    "地区 region",
    "上期 before",
    "本期 after",
    "变化 net",
    "新增 added",
    "注销 dissolved",
    "迁入 moved in",
    "迁出 moved out",
    "更名 renamed",
    "核对 check",
];

/// One line of a record: "名称（地点）→ 名称（地点）".
pub(crate) fn record_line(r: &DiffRecord) -> String {
    let side = |s: &crate::audit::diff::Side| {
        let place = s.place.split_once('/').map(|(_, p)| p).unwrap_or(&s.place);
        format!("{}（{place}）", s.name)
    };
    let mut line = match (&r.before, &r.after) {
        (Some(b), Some(a)) if r.change == Change::Moved || r.change == Change::Renamed => {
            format!("{} → {}", side(b), side(a))
        }
        (_, Some(a)) if r.change == Change::Added => side(a),
        (Some(b), _) => side(b),
        (None, Some(a)) => side(a),
        (None, None) => String::new(),
    };
    if let Some(reason) = r.reason {
        let _ = write!(line, " —— {}", reason.zh());
    }
    if r.change == Change::Moved && r.renamed {
        line.push_str(" —— 并更名");
    }
    if let Some(code) = r
        .after
        .as_ref()
        .and_then(|s| s.credit_code)
        .or(r.before.as_ref().and_then(|s| s.credit_code))
    {
        let _ = write!(line, " [{code}]");
    }
    line
}

fn accounting(label: &str, a: &Accounting) -> String {
    format!(
        "{label}：{}；数据问题 {} 条（zhibiao inspect 可查看）",
        accounting_line(a.read, a.used, &a.skipped),
        a.issues
    )
}

/// Render the diff for a terminal.
pub fn render(result: &DiffResult, opts: &DiffTableOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "上期 previous 截止 as of {} → 本期 current 截止 as of {}",
        result.baseline_as_of, result.as_of
    );
    for kind in [RecordKind::Organization, RecordKind::Incubator] {
        let Some(t) = result.totals.get(&kind) else {
            continue;
        };
        if t.previous == 0 && t.current == 0 {
            continue;
        }
        let n = |c: Change| t.changes.get(&c).copied().unwrap_or(0);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{}：上期 {} 条，本期 {} 条；按统一社会信用代码匹配 {}，按名称+地点匹配 {}",
            kind.zh(),
            t.previous,
            t.current,
            t.by_code,
            t.by_name
        );
        let _ = writeln!(
            s,
            "  新增 added {}，注销/消失 dissolved {}，迁移 moved {}，更名 renamed {}（另有迁移并更名 {}），未变 unchanged {}，两期均未生效 inactive {}",
            n(Change::Added),
            n(Change::Dissolved),
            n(Change::Moved),
            n(Change::Renamed),
            result
                .records
                .iter()
                .filter(|r| r.kind == kind && r.change == Change::Moved && r.renamed)
                .count(),
            n(Change::Unchanged),
            n(Change::Inactive),
        );
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        match opts.width {
            Some(w) => {
                table.set_content_arrangement(ContentArrangement::Dynamic);
                table.set_width(w);
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        if opts.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(REGION_HEADER);
        let rows: Vec<&RegionDiff> = result
            .regions
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, r)| r)
            .collect();
        for r in &rows {
            let ok = r.balanced();
            let check = Cell::new(if ok { "✓" } else { "✗" });
            let check = if opts.color && !ok {
                check.fg(Color::Red)
            } else {
                check
            };
            let num = |n: u32| Cell::new(n).set_alignment(CellAlignment::Right);
            table.add_row(vec![
                Cell::new(region_label(r)),
                num(r.before),
                num(r.after),
                Cell::new(signed(net(r))).set_alignment(CellAlignment::Right),
                num(r.added),
                num(r.dissolved),
                num(r.moved_in),
                num(r.moved_out),
                num(r.renamed),
                check,
            ]);
        }
        let _ = writeln!(s, "{table}");
        let bad = rows.iter().filter(|r| !r.balanced()).count();
        if bad == 0 {
            let _ = writeln!(
                s,
                "每行 本期 − 上期 = 新增 − 注销 + 迁入 − 迁出（{} 行全部成立 / holds on every row）",
                rows.len()
            );
        } else {
            let _ = writeln!(
                s,
                "✗ {bad} 行 本期 − 上期 ≠ 新增 − 注销 + 迁入 − 迁出（内部错误，请报告 / internal error, please report）"
            );
        }
        for change in [
            Change::Added,
            Change::Dissolved,
            Change::Moved,
            Change::Renamed,
        ] {
            let recs: Vec<&DiffRecord> = result
                .records
                .iter()
                .filter(|r| r.kind == kind && r.change == change)
                .collect();
            if recs.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "{} {}（{} 条）:",
                change.zh(),
                change.as_str(),
                recs.len()
            );
            for r in recs.iter().take(opts.examples) {
                let _ = writeln!(s, "  {}", record_line(r));
            }
            if recs.len() > opts.examples {
                let _ = writeln!(
                    s,
                    "  … 另 {} 条（完整清单：-o diff.csv 或 -o diff.xlsx）",
                    recs.len() - opts.examples
                );
            }
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", accounting("上期 previous", &result.previous));
    let _ = writeln!(s, "{}", accounting("本期 current", &result.current));
    s
}
