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
}

/// Chinese words.
pub const ZH: Words = Words {
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
};

/// English words.
pub const EN: Words = Words {
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
};

impl Lang {
    /// The words of this language.
    pub fn words(self) -> &'static Words {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The label of a status in this language.
    pub fn status(self, s: crate::audit::Status) -> &'static str {
        let w = self.words();
        match s {
            crate::audit::Status::Met => w.met,
            crate::audit::Status::Unmet => w.unmet,
            crate::audit::Status::NotDue => w.not_due,
            crate::audit::Status::NoData => w.no_data,
            crate::audit::Status::NotApplicable => w.not_applicable,
            crate::audit::Status::Info => w.info,
        }
    }
}
