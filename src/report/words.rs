//! The words of the reports in Chinese and English: one table, chosen by `--lang`.

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

/// Every label the reports print.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// "目标汇总" section title.
    pub summary: &'static str,
    /// Gap-table section title.
    pub gaps: &'static str,
    /// Data issues section title.
    pub issues: &'static str,
    /// Row accounting section title.
    pub accounting: &'static str,
    /// Charts section title.
    pub charts: &'static str,
    /// Inputs section title.
    pub inputs: &'static str,
    /// "Target".
    pub target: &'static str,
    /// "Clause".
    pub clause: &'static str,
    /// "Level".
    pub level: &'static str,
    /// "Region".
    pub region: &'static str,
    /// "Value".
    pub value: &'static str,
    /// "Required".
    pub required: &'static str,
    /// "Gap".
    pub gap: &'static str,
    /// "Status".
    pub status: &'static str,
    /// "Met".
    pub met: &'static str,
    /// "Unmet".
    pub unmet: &'static str,
    /// "No data".
    pub no_data: &'static str,
    /// "未到期" / "not yet due".
    pub not_due: &'static str,
    /// "已说明" / "explained".
    pub explained: &'static str,
    /// "不适用" / "not applicable".
    pub not_applicable: &'static str,
    /// "Info".
    pub info: &'static str,
    /// "Worst regions".
    pub worst: &'static str,
    /// "As of".
    pub as_of: &'static str,
    /// "Generated".
    pub generated: &'static str,
    /// "Province".
    pub province: &'static str,
    /// "Scope".
    pub scope: &'static str,
    /// "Due".
    pub due: &'static str,
    /// "File".
    pub file: &'static str,
    /// "Rows read".
    pub read: &'static str,
    /// "Used".
    pub used: &'static str,
    /// "Skipped".
    pub skipped: &'static str,
    /// "Outcome".
    pub outcome: &'static str,
    /// "Message".
    pub message: &'static str,
    /// Submission checklist section title.
    pub checklist: &'static str,
    /// Checklist's first column header ("报送单位").
    pub reporting_unit: &'static str,
    /// What the checklist's marks mean.
    pub checklist_note: &'static str,
    /// Page footer: prefix, middle and suffix around the page number and count
    /// ("第 ", " 页 / 共 ", " 页" or "Page ", " of ", "").
    pub page: (&'static str, &'static str, &'static str),
    /// Movement section title ("变化与展望").
    pub movement: &'static str,
    /// What the movement section's columns mean; `{b}` and `{a}` are the baseline's and
    /// the audit's as-of dates.
    pub movement_note: &'static str,
    /// "上期" / "Baseline" (column header, the date follows).
    pub baseline: &'static str,
    /// "本期" / "Current".
    pub current: &'static str,
    /// "变化" / "Change".
    pub change: &'static str,
    /// "数量变化" / "Change in count" (records or covered units).
    pub change_count: &'static str,
    /// "所需进度/季" / "Pace needed /qtr".
    pub pace_needed: &'static str,
    /// "实际进度/季" / "Pace achieved /qtr".
    pub pace_actual: &'static str,
    /// "预计达标" / "Projected".
    pub projected: &'static str,
    /// "展望" / "Outlook".
    pub outlook: &'static str,
    /// "展望计数" / "Outlook counts" (the per-target counts table).
    pub outlook_counts: &'static str,
    /// Trend report title ("走势").
    pub trend: &'static str,
    /// "快照" / "Snapshots".
    pub snapshots: &'static str,
    /// What the trend report's charts and columns mean.
    pub trend_note: &'static str,
    /// Outlook labels: met, on track, behind, stalled, no data.
    pub outlooks: [&'static str; 5],
    /// "警告" / "warning": marks an unmet warning-severity target.
    pub warning: &'static str,
    /// "差" / "gap" before a gap count in a cell ("差 351").
    pub gap_short: &'static str,
    /// "未评估" / "not evaluated" (a target above the scope).
    pub not_evaluated: &'static str,
    /// Why a target was not evaluated; `{level}` and `{scope}` are filled in.
    pub above_scope: &'static str,
    /// Summary table header: "考核层级" / "Level".
    pub assessed_level: &'static str,
    /// Summary section title in the terminal ("目标汇总（按各指标的考核层级）").
    pub summary_title: &'static str,
    /// Gap-table title in the terminal; `{level}` is filled in.
    pub gaps_title: &'static str,
    /// Gap-table movement line; `{b}` and `{a}` are filled in.
    pub gaps_movement: &'static str,
    /// "地区（{level}）" / "Region ({level})".
    pub region_at: &'static str,
    /// Columns wrapped into blocks: "（续）" / " (continued)".
    pub continued: &'static str,
    /// "已忽略：" / "Passed over: ".
    pub passed_over: &'static str,
    /// "行数核对：" / "Row accounting: ".
    pub accounting_label: &'static str,
    /// "数据问题 {n} 条" / "Data issues: {n}".
    pub issues_title: &'static str,
    /// "（相同的合并为 {g} 项）" / " (identical ones merged into {g} entries)".
    pub issues_merged: &'static str,
    /// The line after the issues listed; `{n}` is filled in.
    pub issues_more: &'static str,
    /// "（未列出无数据的地区 {n} 个，见汇总）": the `--hide-no-data` note; `{n}` filled in.
    pub hidden_no_data: &'static str,
}

/// Chinese words.
pub(crate) const ZH: Words = Words {
    summary: "目标汇总",
    gaps: "分地区差距",
    issues: "数据问题",
    accounting: "行数核对",
    charts: "图表",
    inputs: "输入文件",
    target: "指标",
    clause: "条款",
    level: "层级",
    region: "地区",
    value: "实际",
    required: "要求",
    gap: "差距",
    status: "状态",
    met: "达标",
    unmet: "未达标",
    no_data: "无数据",
    not_due: "未到期",
    explained: "已说明",
    not_applicable: "不适用",
    info: "信息",
    worst: "差距最大",
    as_of: "审计日",
    generated: "生成时间",
    province: "省份",
    scope: "范围",
    due: "截止",
    file: "文件",
    read: "读取",
    used: "使用",
    skipped: "跳过",
    outcome: "处理",
    message: "说明",
    checklist: "报送清单",
    reporting_unit: "报送单位",
    checklist_note: "✓ 已报送，数字为下列文件编号；✗ 未提供该表；— 数据中没有该单位",
    page: ("第 ", " 页 / 共 ", " 页"),
    movement: "变化与展望",
    movement_note: "与上期（{b}）相比，本期（{a}）：变化 = 本期 − 上期；数量变化 = 记录数（密度、数量指标）或覆盖单位数（覆盖率指标）之差；所需进度 = 差距 ÷ 距截止日的季度数；实际进度 = 两期之间每季度缩小的差距；预计达标 = 按实际进度线性推算的达标日期。各指标内按变化从大到小排列。",
    baseline: "上期",
    current: "本期",
    change: "变化",
    change_count: "数量变化",
    pace_needed: "所需进度/季",
    pace_actual: "实际进度/季",
    projected: "预计达标",
    outlook: "展望",
    outlook_counts: "展望计数",
    trend: "走势",
    snapshots: "快照",
    trend_note: "每个小图为一个地区：横轴为快照日期，纵轴为实际值，同一指标的小图纵轴相同；虚线为要求值；最后一点红色为未达标、绿色为达标。变化 = 最后一期 − 第一期；展望按最后两期之间的进度。",
    outlooks: ["已达标", "按期可达", "进度落后", "停滞", "无数据"],
    warning: "警告",
    gap_short: "差",
    not_evaluated: "未评估",
    above_scope: "在{level}级考核，高于范围 {scope}",
    assessed_level: "层级",
    summary_title: "目标汇总（按各指标的考核层级）",
    gaps_title: "分地区差距（{level}级；每格：实际 / 要求，分子/分母，差 = 尚缺的组织数、单位数或年数）",
    gaps_movement: "与 {b} 相比：▲/▼ 变化，展望 = 按 {b} 至 {a} 的进度能否在截止日前达标（按期可达 / 进度落后 / 停滞）",
    region_at: "地区（{level}）",
    continued: "（续）",
    passed_over: "已忽略：",
    accounting_label: "行数核对：",
    issues_title: "数据问题 {n} 条",
    issues_merged: "（相同的合并为 {g} 项）",
    issues_more: "  … 另有 {n} 项；用 `zhibiao inspect` 查看全部，或 --rejects FILE.csv 导出被跳过的行",
    hidden_no_data: "（--hide-no-data：未列出没有数据的地区 {n} 个，汇总中仍计入）",
};

/// English words.
pub(crate) const EN: Words = Words {
    summary: "Summary of targets",
    gaps: "Gaps by region",
    issues: "Data issues",
    accounting: "Row accounting",
    charts: "Charts",
    inputs: "Input files",
    target: "Target",
    clause: "Clause",
    level: "Level",
    region: "Region",
    value: "Value",
    required: "Required",
    gap: "Gap",
    status: "Status",
    met: "met",
    unmet: "unmet",
    no_data: "no data",
    not_due: "not yet due",
    explained: "explained",
    not_applicable: "not applicable",
    info: "info",
    worst: "Worst regions",
    as_of: "As of",
    generated: "Generated",
    province: "Province",
    scope: "Scope",
    due: "Due",
    file: "File",
    read: "Read",
    used: "Used",
    skipped: "Skipped",
    outcome: "Outcome",
    message: "Message",
    checklist: "Submission checklist",
    reporting_unit: "Reporting unit",
    checklist_note: "✓ supplied (the numbers refer to the files listed below); ✗ table not supplied; — the unit is not in the data",
    page: ("Page ", " of ", ""),
    movement: "Movement and outlook",
    movement_note: "Current ({a}) against the baseline ({b}): change = current − baseline; change in count = records (density and count targets) or covered units (coverage targets), current − baseline; pace needed = gap ÷ quarters left to the due date; pace achieved = gap closed per quarter between the snapshots; projected = the date the gap closes at that pace (linear). Regions ranked by change within each target.",
    baseline: "Baseline",
    current: "Current",
    change: "Change",
    change_count: "Change in count",
    pace_needed: "Pace needed /qtr",
    pace_actual: "Pace achieved /qtr",
    projected: "Projected",
    outlook: "Outlook",
    outlook_counts: "Outlook counts",
    trend: "Trend",
    snapshots: "Snapshots",
    trend_note: "One small chart per region: snapshot dates across, the value up, the same scale for all regions of a target; the dashed line is the required value; the last point is red when unmet, green when met. Change = last − first snapshot; the outlook is from the pace between the last two.",
    outlooks: ["met", "on track", "behind", "stalled", "no data"],
    warning: "warning",
    gap_short: "gap",
    not_evaluated: "not evaluated",
    above_scope: "assessed at {level} level, above the scope {scope}",
    assessed_level: "Level",
    summary_title: "Summary of targets (each at its assessed level)",
    gaps_title: "Gaps by region ({level} level; each cell: value / required, numerator/denominator, gap = organizations, units or years still missing)",
    gaps_movement: "Against {b}: ▲/▼ change; outlook = whether the pace from {b} to {a} reaches the target by its due date (on track / behind / stalled)",
    region_at: "Region ({level})",
    continued: " (continued)",
    passed_over: "Passed over: ",
    accounting_label: "Row accounting: ",
    issues_title: "Data issues: {n}",
    issues_merged: " (identical ones merged into {g} entries)",
    issues_more: "  … {n} more; run `zhibiao inspect` for all, or --rejects FILE.csv for the skipped rows",
    hidden_no_data: "(--hide-no-data: {n} regions without data are not listed; the summary counts them)",
};

impl Lang {
    /// The words of this language.
    pub fn words(self) -> &'static Words {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The label of an outlook in this language ("进度落后" / "behind").
    pub fn outlook(self, o: crate::audit::movement::Outlook) -> &'static str {
        use crate::audit::movement::Outlook;
        let i = match o {
            Outlook::Met => 0,
            Outlook::OnTrack => 1,
            Outlook::Behind => 2,
            Outlook::Stalled => 3,
            Outlook::NoData => 4,
        };
        self.words().outlooks[i]
    }

    /// The label of a status in this language.
    pub fn status(self, s: crate::audit::Status) -> &'static str {
        let w = self.words();
        match s {
            crate::audit::Status::Met => w.met,
            crate::audit::Status::Unmet => w.unmet,
            crate::audit::Status::NotDue => w.not_due,
            crate::audit::Status::Explained => w.explained,
            crate::audit::Status::NoData => w.no_data,
            crate::audit::Status::NotApplicable => w.not_applicable,
            crate::audit::Status::Info => w.info,
        }
    }
}
