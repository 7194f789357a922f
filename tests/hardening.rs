//! Outputs that never destroy anything, pipes and signals, and folder contents all
//! accounted for — each hostile case through the real binary, on temporary copies of
//! `fixtures/demo`. Every refusal asserts its error class (the message's words), exit 2,
//! and that the file that was there before is intact and no temporary file is left.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

mod common;
use common::{root, zhibiao};

const ASOF: [&str; 2] = ["--as-of", "2023-12-31"];

fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// A copy of the files of fixtures/demo (subfolders of it are not copied) in `dir/demo`.
fn demo_in(dir: &Path) -> PathBuf {
    let demo = dir.join("demo");
    if let Err(e) = std::fs::create_dir(&demo) {
        panic!("{e}");
    }
    let entries = match std::fs::read_dir(root().join("fixtures/demo")) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_file()) {
            if let Err(err) = std::fs::copy(e.path(), demo.join(e.file_name())) {
                panic!("{err}");
            }
        }
    }
    demo
}

fn bytes(path: &Path) -> Vec<u8> {
    match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

fn write(path: &Path, content: &[u8]) {
    if let Err(e) = std::fs::write(path, content) {
        panic!("{}: {e}", path.display());
    }
}

/// Run the binary in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = match zhibiao().current_dir(dir).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every name under `dir` (recursively) that is a temporary file of zhibiao.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if p.to_string_lossy().contains(".zhibiao-") {
                found.push(p);
            }
        }
    }
    found
}

/// Exit 2 with `class` in the message, and stdout empty (nothing was audited).
fn assert_refused(got: &(i32, String, String), class: &str) {
    let (code, out, err) = got;
    assert_eq!(*code, 2, "stderr: {err}");
    assert!(err.contains(class), "expected {class:?} in: {err}");
    assert!(!err.contains("internal error"), "{err}");
    assert!(out.is_empty(), "nothing should be audited: {out}");
}

const IS_INPUT: &str = "never overwrites its inputs";

#[test]
fn an_output_naming_an_input_directly_is_refused_and_the_input_is_intact() {
    let dir = tempdir();
    let demo = demo_in(dir.path());
    let list = demo.join("社区名单.xlsx");
    let before = bytes(&list);
    let got = run_in(
        dir.path(),
        &[
            "audit",
            "demo",
            ASOF[0],
            ASOF[1],
            "-o",
            "demo/社区名单.xlsx",
        ],
    );
    assert_refused(&got, IS_INPUT);
    assert_eq!(bytes(&list), before);
    let got = run_in(
        dir.path(),
        &["inspect", "demo", "--rejects", "demo/经费.csv"],
    );
    assert_refused(&got, IS_INPUT);
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn an_output_naming_an_input_by_another_spelling_is_refused() {
    let dir = tempdir();
    let demo = demo_in(dir.path());
    let funds = demo.join("经费.csv");
    let before = bytes(&funds);
    // ./x/../x
    let got = run_in(
        dir.path(),
        &["audit", "demo", "-o", "./demo/../demo/经费.csv"],
    );
    assert_refused(&got, IS_INPUT);
    // A file named on the command line, through another folder spelling.
    let got = run_in(
        dir.path(),
        &[
            "inspect",
            "demo/经费.csv",
            "demo/社区名单.xlsx",
            "--rejects",
            "demo/./经费.csv",
        ],
    );
    assert_refused(&got, IS_INPUT);
    assert_eq!(bytes(&funds), before);
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_symbolic_or_hard_link_to_an_input_is_refused() {
    let dir = tempdir();
    let demo = demo_in(dir.path());
    let funds = demo.join("经费.csv");
    let before = bytes(&funds);
    if let Err(e) = std::os::unix::fs::symlink("demo/经费.csv", dir.path().join("soft.csv")) {
        panic!("{e}");
    }
    if let Err(e) = std::fs::hard_link(&funds, dir.path().join("hard.csv")) {
        panic!("{e}");
    }
    for out in ["soft.csv", "hard.csv"] {
        let got = run_in(dir.path(), &["audit", "demo", ASOF[0], ASOF[1], "-o", out]);
        assert_refused(&got, IS_INPUT);
        let got = run_in(dir.path(), &["inspect", "demo", "--rejects", out]);
        assert_refused(&got, IS_INPUT);
    }
    assert_eq!(bytes(&funds), before);
}

#[test]
fn the_same_output_twice_is_refused_before_reading() {
    let dir = tempdir();
    demo_in(dir.path());
    let x = dir.path().join("x.csv");
    write(&x, b"earlier");
    let got = run_in(
        dir.path(),
        &["audit", "demo", "--rejects", "x.csv", "-o", "x.csv"],
    );
    assert_refused(&got, "give each output once");
    let got = run_in(
        dir.path(),
        &["audit", "demo", "-o", "x.csv", "-o", "./x.csv"],
    );
    assert_refused(&got, "give each output once");
    let got = run_in(dir.path(), &["audit", "demo", "-o", "-", "-o", "-"]);
    assert_refused(&got, "give each output once");
    assert_eq!(bytes(&x), b"earlier");
}

#[test]
fn an_output_in_a_missing_folder_fails_before_any_other_is_touched() {
    let dir = tempdir();
    demo_in(dir.path());
    let ok = dir.path().join("ok.csv");
    write(&ok, b"earlier");
    let got = run_in(
        dir.path(),
        &[
            "audit",
            "demo",
            ASOF[0],
            ASOF[1],
            "-o",
            "ok.csv",
            "-o",
            "nodir/r.pdf",
        ],
    );
    assert_refused(&got, "the folder nodir does not exist");
    assert_eq!(bytes(&ok), b"earlier");
    assert!(!dir.path().join("nodir").exists());
    assert!(temp_files(dir.path()).is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_partial_file() {
    let dir = tempdir();
    demo_in(dir.path());
    let ok = dir.path().join("ok.csv");
    write(&ok, b"earlier");
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "audit",
            "demo",
            ASOF[0],
            ASOF[1],
            "-o",
            "ok.csv",
            "-o",
            "/dev/full",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/dev/full") && err.contains("cannot write"),
        "{err}"
    );
    assert!(!err.contains("internal error"), "{err}");
    // Written all or none: the CSV was not renamed into place.
    assert_eq!(bytes(&ok), b"earlier");
    assert!(temp_files(dir.path()).is_empty());
    // Standard output on a full disk too.
    let full = match std::fs::OpenOptions::new().write(true).open("/dev/full") {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    let out = match StdCommand::new(assert_cmd::cargo::cargo_bin("zhibiao"))
        .arg("plans")
        .stdout(full)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("standard output") && !err.contains("internal error"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_or_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    demo_in(dir.path());
    let locked = dir.path().join("locked");
    if let Err(e) = std::fs::create_dir(&locked) {
        panic!("{e}");
    }
    let old = locked.join("r.csv");
    write(&old, b"earlier");
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555));
    // Root writes anyway: then there is nothing to test.
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        let _ = std::fs::remove_file(&probe);
        let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
        eprintln!("skipped: running as root, permissions are not enforced");
        return;
    }
    let got = run_in(dir.path(), &["audit", "demo", "-o", "locked/r.csv"]);
    assert_refused(&got, "locked/r.csv");
    assert!(got.2.contains("cannot write"), "{}", got.2);
    assert_eq!(bytes(&old), b"earlier");
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
    // A read-only file in a writable folder is not replaced.
    let _ = std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o444));
    let got = run_in(dir.path(), &["audit", "demo", "-o", "locked/r.csv"]);
    assert_refused(&got, "cannot write");
    assert_eq!(bytes(&old), b"earlier");
}

#[test]
fn an_existing_report_is_replaced_whole() {
    let dir = tempdir();
    demo_in(dir.path());
    let csv = dir.path().join("gaps.csv");
    write(&csv, b"earlier");
    let (code, _, err) = run_in(
        dir.path(),
        &["audit", "demo", ASOF[0], ASOF[1], "-o", "gaps.csv"],
    );
    assert_eq!(code, 1, "{err}");
    let text = String::from_utf8_lossy(&bytes(&csv)).into_owned();
    let rows = common::csv_rows(&text);
    assert_eq!(rows.first().map(|r| r[0].as_str()), Some("plan"));
    assert!(rows.len() > 10, "{}", rows.len());
    assert!(temp_files(dir.path()).is_empty());
    // Into the ledger folder, over its own earlier output: allowed, and passed over by the
    // next run (README: -o into the ledger folder does not change the next run).
    let (code, _, err) = run_in(
        dir.path(),
        &["audit", "demo", ASOF[0], ASOF[1], "-o", "demo/gaps.csv"],
    );
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run_in(
        dir.path(),
        &["audit", "demo", ASOF[0], ASOF[1], "-o", "demo/gaps.csv"],
    );
    assert_eq!(code, 1, "{err}");
}

#[test]
fn dash_is_standard_output() {
    let dir = tempdir();
    demo_in(dir.path());
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "audit", "demo", ASOF[0], ASOF[1], "--format", "csv", "-o", "-",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(!dir.path().join("-").exists());
    let rows = common::csv_rows(&out);
    assert_eq!(rows.first().map(|r| r[0].as_str()), Some("plan"), "{out}");
    // Only the CSV: no summary table after it.
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{out}");
    // With a file too: the file gets its format, stdout the CSV.
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "audit", "demo", ASOF[0], ASOF[1], "--format", "json", "-o", "-", "-o", "r.json",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.trim_start().starts_with('['), "{out}");
    assert!(dir.path().join("r.json").exists());
    // A binary format cannot go to standard output.
    let got = run_in(dir.path(), &["audit", "demo", "--format", "pdf", "-o", "-"]);
    assert_refused(&got, "binary");
    let got = run_in(dir.path(), &["inspect", "demo", "--rejects", "-"]);
    assert_refused(&got, "needs a file name");
}

/// Spawn the binary with stdout piped, read one line, close the pipe; the rest of the
/// output meets a closed pipe.
fn close_early(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("zhibiao");
    let mut child = match StdCommand::new(bin)
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let Some(stdout) = child.stdout.take() else {
        panic!("no stdout");
    };
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    assert!(!line.is_empty(), "no first line from {args:?}");
    drop(reader);
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_pipe_closed_early_ends_quietly() {
    let dir = tempdir();
    demo_in(dir.path());
    let gaps = dir.path().join("gaps.csv");
    for (args, expected) in [
        (vec!["inspect", "demo"], 0),
        (vec!["plan", "show", "shanxi-2021-2023"], 0),
        (vec!["plans"], 0),
        // The audit finishes its files and exits with its own status: 1, targets unmet.
        (
            vec![
                "audit",
                "demo",
                "--as-of",
                "2023-12-31",
                "--by",
                "street",
                "-o",
                "gaps.csv",
            ],
            1,
        ),
    ] {
        let (code, err) = close_early(dir.path(), &args);
        assert!(!err.contains("internal error"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(!err.contains("错误 error"), "{args:?}: {err}");
        assert_eq!(code, Some(expected), "{args:?}: {err}");
    }
    assert!(gaps.exists());
}

#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    match StdCommand::new("mkfifo").arg(path).status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("skipped: mkfifo: {e}");
            false
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_given_as_input_is_refused_without_blocking() {
    let dir = tempdir();
    demo_in(dir.path());
    let fifo = dir.path().join("in.csv");
    if !mkfifo(&fifo) {
        return;
    }
    // No writer ever comes: opening it would block forever.
    let got = run_in(dir.path(), &["inspect", "in.csv"]);
    assert_refused(&got, "a FIFO, not a regular file");
    let got = run_in(dir.path(), &["audit", "demo", "--plan", "in.csv"]);
    assert_refused(&got, "a FIFO, not a regular file");
    #[cfg(target_os = "linux")]
    {
        if let Err(e) = std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.csv")) {
            panic!("{e}");
        }
        let got = run_in(dir.path(), &["inspect", "zero.csv"]);
        assert_refused(&got, "a device, not a regular file");
        let got = run_in(dir.path(), &["audit", "demo", "--plan", "/dev/zero"]);
        assert_refused(&got, "a device, not a regular file");
        let got = run_in(dir.path(), &["plan", "check", "zero.csv"]);
        assert_refused(&got, "a device, not a regular file");
    }
}

#[test]
fn inputs_larger_than_the_limit_are_refused_naming_the_flag() {
    let dir = tempdir();
    demo_in(dir.path());
    // The GBK organizations CSV is about 1 MB.
    let got = run_in(
        dir.path(),
        &[
            "audit",
            "demo/晋城市社区社会组织台账.csv",
            "--max-input-size",
            "100K",
        ],
    );
    assert_refused(
        &got,
        "larger than the limit of 100 KiB; raise it with --max-input-size",
    );
    let plan = dir.path().join("plan.toml");
    write(&plan, &vec![b'#'; 4096]);
    let got = run_in(
        dir.path(),
        &[
            "audit",
            "demo",
            "--plan",
            "plan.toml",
            "--max-plan-size",
            "1K",
        ],
    );
    assert_refused(&got, "raise it with --max-plan-size");
    let (code, _, err) = run_in(dir.path(), &["inspect", "demo", "--max-input-size", "lots"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("不是有效的大小") && err.contains("64K"),
        "{err}"
    );
}

/// The "passed over" lines of `inspect` (已忽略 ignored: …).
fn passed_over(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.strip_prefix("已忽略 ignored: "))
        .collect()
}

#[cfg(unix)]
#[test]
fn every_entry_of_an_input_folder_is_read_or_listed_as_passed_over() {
    let dir = tempdir();
    let demo = demo_in(dir.path());
    let sub = demo.join("2023Q3");
    if let Err(e) = std::fs::create_dir(&sub) {
        panic!("{e}");
    }
    write(&sub.join("经费.csv"), &bytes(&demo.join("经费.csv")));
    let link = |target: &str, name: &str| {
        if let Err(e) = std::os::unix::fs::symlink(target, demo.join(name)) {
            panic!("{e}");
        }
    };
    link("nowhere.xlsx", "断链.xlsx");
    link("loop-b.csv", "loop-a.csv");
    link("loop-a.csv", "loop-b.csv");
    #[cfg(target_os = "linux")]
    link("/dev/zero", "zero.csv");
    let have_fifo = mkfifo(&demo.join("pipe.csv"));
    let (code, out, err) = run_in(dir.path(), &["inspect", "demo"]);
    assert_eq!(code, 0, "{err}");
    let listed = passed_over(&out);
    let has = |name: &str, reason: &str| {
        listed
            .iter()
            .any(|l| l.starts_with(&format!("demo/{name}: ")) && l.contains(reason))
    };
    assert!(
        has("2023Q3", "folder: give it as its own input"),
        "{listed:#?}"
    );
    assert!(
        has("断链.xlsx", "dangling link (to nowhere.xlsx)"),
        "{listed:#?}"
    );
    assert!(has("loop-a.csv", "symbolic link loop"), "{listed:#?}");
    assert!(has("loop-b.csv", "symbolic link loop"), "{listed:#?}");
    #[cfg(target_os = "linux")]
    assert!(has("zero.csv", "special file (device)"), "{listed:#?}");
    if have_fifo {
        assert!(has("pipe.csv", "special file (FIFO)"), "{listed:#?}");
    }
    assert!(has("EXPECTED.md", "not a spreadsheet"), "{listed:#?}");
    // And every entry of the folder is either read (a file of a table) or listed.
    let entries: Vec<String> = match std::fs::read_dir(&demo) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => panic!("{e}"),
    };
    for name in entries {
        let read = out.contains(&format!("demo/{name}"));
        assert!(read, "{name} is neither read nor passed over:\n{out}");
    }
    // The audit lists them too (its "passed over" lines), and still runs.
    let (code, out, err) = run_in(dir.path(), &["audit", "demo", ASOF[0], ASOF[1]]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("demo/2023Q3"), "{out}");
}

/// Send SIGINT to a process with `kill`; false when it could not be sent.
#[cfg(unix)]
fn interrupt(pid: u32) -> bool {
    StdCommand::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_outputs_are_written_removes_the_temporary_files() {
    let dir = tempdir();
    demo_in(dir.path());
    let pdf = dir.path().join("r.pdf");
    write(&pdf, b"earlier");
    // A FIFO as the second output: with no reader, writing to it waits, while the PDF
    // sits written in full in its temporary file, not yet renamed into place.
    let fifo = dir.path().join("fifo.txt");
    if !mkfifo(&fifo) {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("zhibiao");
    let child = match StdCommand::new(&bin)
        .current_dir(dir.path())
        .args([
            "audit",
            "demo",
            "--as-of",
            "2023-12-31",
            "-o",
            "r.pdf",
            "-o",
            "fifo.txt",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let started = std::time::Instant::now();
    while temp_files(dir.path()).is_empty() && started.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let staged = temp_files(dir.path());
    let sent = interrupt(child.id());
    if !sent {
        // Let the run end: open the FIFO for reading.
        let _ = std::fs::read(&fifo);
    }
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    if !sent {
        eprintln!("skipped: kill -INT could not be sent");
        return;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(staged.len(), 1, "the PDF's temporary file: {staged:?}");
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert_eq!(bytes(&pdf), b"earlier");
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_reading_exits_130_and_leaves_the_earlier_report() {
    let dir = tempdir();
    demo_in(dir.path());
    let pdf = dir.path().join("r.pdf");
    write(&pdf, b"earlier");
    let bin = assert_cmd::cargo::cargo_bin("zhibiao");
    let child = match StdCommand::new(&bin)
        .current_dir(dir.path())
        .args(["audit", "demo", "--as-of", "2023-12-31", "-o", "r.pdf"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let sent = interrupt(child.id());
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    if !sent {
        eprintln!("skipped: kill -INT could not be sent");
        return;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    // Interrupted (130), or on a fast machine already finished (1): never torn.
    match out.status.code() {
        Some(130) => assert_eq!(bytes(&pdf), b"earlier"),
        Some(1) => assert!(bytes(&pdf).starts_with(b"%PDF")),
        other => panic!("exit {other:?}: {err}"),
    }
    assert!(temp_files(dir.path()).is_empty());
}
