//! Reviewed snapshots of what the binary prints (issue 10 §5): the `--help` of every
//! command, the demo audit's terminal report in Chinese and English, `inspect`, `plan show`,
//! `plan check` errors, and the Markdown and JUnit reports. The `.snap` files are in
//! `tests/snapshots/`; review a change with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test snapshots` and read the diff).
//!
//! Every run has a fixed environment: from the project root, `NO_COLOR=1`, `COLUMNS=100`
//! (clap wraps help to it; the terminal report is 100 columns wide when piped), `--quiet`
//! for the commands that read inputs. What varies between runs or machines (the project's
//! absolute path, the temporary folder, generation times, the version) is redacted by the
//! filters of [`settings`].
//!
//! Figures checked against fixtures/demo/EXPECTED.md when the demo snapshots were accepted
//! (audit-demo-zh/-en, the Markdown and the JUnit): 阳泉市 urban density 1619/157 = 10.31 ✓,
//! rural 3223/620 = 5.20 ✓; 晋城市 urban 1409/176 = 8.01 差 351, rural 8027/1552 = 5.17 ✓;
//! hub-streets 40/43 差 3 and 72/77 差 5; hub-communities 699/777 差 78 and 1624/1728 差 104;
//! socialwork-urban 157/157 ✓ and 158/176 差 18; socialwork-rural 254/620 = 40.97% and
//! 574/1552 = 36.98% (both ✓ at 1/3); rural pilots 1 / 1 ✓ and 0 / 1 差 1; city training and
//! selection 3 / 3 and 2 / 3 差 1; brand organizations 7 / 5 and 3 / 5 差 2; brand projects
//! 12 / 10 and 7 / 10 差 3; county training met 6, unmet 5 and county selection met 4, unmet 7
//! (the JUnit's missing years: 郊区 2022, 盂县 2021 and 2023, 晋城市/城区 2022, 陵川县 2021
//! and 2023, 高平市 2023); the six data issues (rows 333, 473, 2718 of the 阳泉 workbook, rows
//! 729, 2078, 7745 of the 晋城 CSV); name ≠ code 451 of 2505 communities; rows read 17172 =
//! used 17155 + skipped 17 (blank 6, total 4, note 4, duplicate 1, unmatched 2). inspect-messy
//! against fixtures/messy/EXPECTED.md: gbk.csv 15 = 14 + 1 unmatched (row 16, 亲贤社区 suggested),
//! title-merged-totals 24 = 20 + 4 (header row 3), two-row-header rows 1–2, the invalid dates at
//! dates.csv row 11 and dates.xlsx row 13, ambiguous.csv 9 = 7 + 2 (rows 3 and 10).

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

/// The project root (fixtures are addressed from it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `text` as a regular expression matching it literally.
fn literal(text: &str) -> String {
    let mut re = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            re.push('\\');
        }
        re.push(c);
    }
    re
}

/// The filters that redact what varies between runs and machines, and the snapshots'
/// folder and names (`tests/snapshots/NAME.snap`).
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    let root = root();
    for (path, name) in [
        (root.as_path(), "[ROOT]"),
        (std::env::temp_dir().as_path(), "[TEMP]"),
    ] {
        let shown = path.display().to_string();
        let shown = shown.trim_end_matches(std::path::MAIN_SEPARATOR);
        if !shown.is_empty() {
            s.add_filter(&literal(shown), name);
        }
    }
    // Generation times: 2026-12-02 06:45:29 (Markdown), 2026-12-02T06:45:29 (JUnit).
    s.add_filter(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", "[TIMESTAMP]");
    s.add_filter(
        &format!(r"\bzhibiao([ /]v?){}\b", literal(env!("CARGO_PKG_VERSION"))),
        "zhibiao$1[VERSION]",
    );
    s
}

/// The binary with `args`, run from the project root in the fixed environment.
fn zhibiao(args: &[&str]) -> Command {
    let mut c = Command::new(get_cargo_bin("zhibiao"));
    c.current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("LINES")
        .args(args);
    c
}

/// Snapshot `zhibiao ARGS` (exit status, stdout, stderr) as `tests/snapshots/NAME.snap`.
fn snapshot(name: &str, args: &[&str]) {
    settings().bind(|| assert_cmd_snapshot!(name, zhibiao(args)));
}

/// The subcommands, as `src/cli.rs` declares them (`help` is clap's own).
const COMMANDS: &[&[&str]] = &[
    &[],
    &["audit"],
    &["trend"],
    &["inspect"],
    &["issues"],
    &["diff"],
    &["template"],
    &["plans"],
    &["completions"],
    &["man"],
    &["plan"],
    &["plan", "show"],
    &["plan", "check"],
];

#[test]
fn help_of_every_command() {
    for command in COMMANDS {
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help-{}", command.join("-"))
        };
        let mut args = command.to_vec();
        args.push("--help");
        snapshot(&name, &args);
    }
    // The short help: one line per option.
    snapshot("help-audit-short", &["audit", "-h"]);
}

#[test]
fn plans_lists_the_built_in_plans() {
    snapshot("plans", &["plans"]);
}

const DEMO: &[&str] = &["audit", "fixtures/demo", "--as-of", "2023-12-31", "--quiet"];

/// `DEMO` followed by `more`.
fn demo(more: &[&'static str]) -> Vec<&'static str> {
    [DEMO, more].concat()
}

#[test]
fn demo_audit_terminal_report_in_chinese() {
    snapshot("audit-demo-zh", DEMO);
}

#[test]
fn demo_audit_terminal_report_in_english() {
    snapshot("audit-demo-en", &demo(&["--lang", "en"]));
}

#[test]
fn demo_audit_markdown() {
    snapshot("audit-demo-markdown-zh", &demo(&["--format", "markdown"]));
    snapshot(
        "audit-demo-markdown-en",
        &demo(&["--format", "markdown", "--lang", "en"]),
    );
}

#[test]
fn demo_audit_junit() {
    snapshot("audit-demo-junit-zh", &demo(&["--format", "junit"]));
    snapshot(
        "audit-demo-junit-en",
        &demo(&["--format", "junit", "--lang", "en"]),
    );
}

#[test]
fn inspect_messy_files() {
    // The messy fixtures that read (the others are errors, see tests/cli.rs): a community
    // list and organization tables with title rows, two-row headers, GBK, full-width text,
    // invalid dates, unknown categories and an unmatched place.
    let files = [
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/gbk.csv",
        "fixtures/messy/utf8-bom.csv",
        "fixtures/messy/title-merged-totals.xlsx",
        "fixtures/messy/two-row-header.xlsx",
        "fixtures/messy/dates.csv",
        "fixtures/messy/dates.xlsx",
        "fixtures/messy/fullwidth.csv",
        "fixtures/messy/unknown-values.csv",
    ];
    snapshot(
        "inspect-messy",
        &[&["inspect", "--quiet"], &files[..]].concat(),
    );
    snapshot(
        "inspect-messy-ambiguous",
        &[
            "inspect",
            "--quiet",
            "fixtures/messy/ambiguous-communities.csv",
            "fixtures/messy/ambiguous.csv",
        ],
    );
}

/// The correction lists of `zhibiao issues` as the terminal shows them, grouped by county
/// (figures worked out in tests/issue_list.rs: 14 issues; 城区 of 阳泉市 8 issues on 5 rows
/// with the mangled credit code of rows 2–4 and 9 as one line ×4; 矿区 2; 晋城市/城区 3; the
/// unknown county 平定县 under 未识别地区).
#[test]
fn issues_grouped_by_county() {
    snapshot("issues-zh", &["issues", "--quiet", "tests/data/issue-list"]);
    snapshot(
        "issues-en",
        &["issues", "--quiet", "--lang", "en", "tests/data/issue-list"],
    );
    snapshot(
        "issues-by-city",
        &["issues", "--quiet", "--by", "city", "tests/data/issue-list"],
    );
}

#[test]
fn plan_show_of_the_built_in_plans() {
    snapshot(
        "plan-show-shanxi-2021-2023",
        &["plan", "show", "shanxi-2021-2023"],
    );
    snapshot("plan-show-shaanxi-2019", &["plan", "show", "shaanxi-2019"]);
}

/// The listings wrapped at `--width` (piped without it, as above, they are not): every line
/// at most N display columns, continued four columns in (two past a `- ` item; `plans` under
/// the title), broken after a space or a CJK punctuation mark where one keeps the line two
/// thirds full, else between CJK characters, never inside a word, number, date or path.
#[test]
fn listings_wrap_at_the_given_width() {
    snapshot("plans-width-80", &["plans", "--width", "80"]);
    snapshot(
        "plan-show-shaanxi-2019-width-100",
        &["plan", "show", "shaanxi-2019", "--width", "100"],
    );
    snapshot(
        "inspect-messy-ambiguous-width-80",
        &[
            "inspect",
            "--quiet",
            "--width",
            "80",
            "fixtures/messy/ambiguous-communities.csv",
            "fixtures/messy/ambiguous.csv",
        ],
    );
}

#[test]
fn plan_check_errors() {
    for name in ["misspelt-key", "missing-name", "two-errors", "syntax-error"] {
        let path = format!("tests/data/snapshots/{name}.toml");
        assert!(Path::new(&root()).join(&path).is_file(), "{path}");
        snapshot(&format!("plan-check-{name}"), &["plan", "check", &path]);
    }
    snapshot(
        "plan-check-shanxi-2021-2023",
        &["plan", "check", "rules/shanxi-2021-2023.toml"],
    );
}

/// The plans of tests/data that `audit` also refuses: bad-plan.toml misspells `measure` on
/// line 15 (column 1, "did you mean `measure`?"); bad-values.toml names the category 枢纽性
/// in the `in` list that starts at line 17, column 59 ("did you mean `枢纽型`?") and attaches
/// street coverage by "reaches" (line 30, column 10). One "错误 error:" prefix per
/// diagnostic. The second message gives the coverage reason ("reaches" needs community
/// units), not density's.
#[test]
fn plan_check_locates_bad_keys_and_values() {
    snapshot(
        "plan-check-bad-plan",
        &["plan", "check", "tests/data/bad-plan.toml"],
    );
    snapshot(
        "plan-check-bad-values",
        &["plan", "check", "tests/data/bad-values.toml"],
    );
}
