//! The demo HTML report in a real browser: headless Chromium renders it to a screenshot.
//! Ignored by default (it needs `chromium` on PATH, Debian package `chromium`); CI runs it
//! with `cargo test --test html_browser -- --ignored`.

use std::path::PathBuf;
use std::process::Command as Process;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
#[ignore = "needs chromium; run with --ignored"]
fn demo_html_renders_in_headless_chromium() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let html = dir.path().join("demo.html");
    let shot = dir.path().join("shot.png");
    let profile = dir.path().join("profile");

    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let out = match c
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args(["audit", "fixtures/demo", "--as-of", "2023-12-31", "-o"])
        .arg(&html)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The sections the screenshot shows, the submission checklist among them.
    let page = match std::fs::read_to_string(&html) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    for id in ["summary", "checklist", "charts", "gaps", "issues"] {
        assert!(
            page.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }

    screenshot(&html, &shot, &profile);
    // Keep a copy for people to look at.
    if let Ok(dest) = std::env::var("ZHIBIAO_SCREENSHOT") {
        if let Err(e) = std::fs::copy(&shot, &dest) {
            panic!("copy to {dest}: {e}");
        }
    }
}

/// Render `html` in headless Chromium to the PNG `shot` (not blank).
fn screenshot(html: &std::path::Path, shot: &std::path::Path, profile: &std::path::Path) {
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    let status = Process::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .status();
    match status {
        Ok(s) => assert!(s.success(), "{browser} exited {s}"),
        Err(e) => panic!("cannot run {browser}: {e} (install the Debian package chromium)"),
    }
    let bytes = match std::fs::read(shot) {
        Ok(b) => b,
        Err(e) => panic!("no screenshot {}: {e}", shot.display()),
    };
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        bytes.len() > 10_000,
        "screenshot is only {} bytes: a blank page?",
        bytes.len()
    );
}

/// The trend report of the demo read at three dates, with its small multiples (44 charts:
/// see tests/reports.rs, `trend_html_and_xlsx`).
#[test]
#[ignore = "needs chromium; run with --ignored"]
fn trend_html_renders_in_headless_chromium() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let html = dir.path().join("trend.html");
    let shot = dir.path().join("trend.png");
    let profile = dir.path().join("profile");
    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let out = match c
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args([
            "trend",
            "fixtures/demo=2023-06-30",
            "fixtures/demo=2023-09-30",
            "fixtures/demo=2023-12-31",
            "-o",
        ])
        .arg(&html)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = match std::fs::read_to_string(&html) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(page.matches("<svg class=\"sm\"").count(), 44);
    screenshot(&html, &shot, &profile);
    if let Ok(dest) = std::env::var("ZHIBIAO_TREND_SCREENSHOT") {
        if let Err(e) = std::fs::copy(&shot, &dest) {
            panic!("copy to {dest}: {e}");
        }
    }
}
