use super::*;

fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn write(path: &Path, text: &str) {
    if let Err(e) = fs::write(path, text) {
        panic!("{}: {e}", path.display());
    }
}

fn req(flag: &'static str, path: &Path) -> Requested {
    Requested::new(flag, path)
}

fn any_stdout(_: &Requested) -> Result<(), &'static str> {
    Ok(())
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn an_input_file_is_refused_by_any_spelling() {
    let d = tempdir();
    let ledger = d.path().join("a.csv");
    write(&ledger, "市,县区\n");
    let dotted = d.path().join("x").join("..").join("a.csv");
    fs::create_dir(d.path().join("x")).ok();
    for out in [ledger.clone(), dotted] {
        let err = check(
            &[req("-o", &out)],
            std::slice::from_ref(&ledger),
            any_stdout,
        );
        assert!(matches!(err, Err(OutputError::IsInput { .. })), "{err:?}");
    }
}

#[cfg(unix)]
#[test]
fn links_to_an_input_are_refused() {
    let d = tempdir();
    let ledger = d.path().join("a.csv");
    write(&ledger, "市,县区\n");
    let soft = d.path().join("soft.csv");
    let hard = d.path().join("hard.csv");
    std::os::unix::fs::symlink(&ledger, &soft).ok();
    fs::hard_link(&ledger, &hard).ok();
    for out in [soft, hard] {
        let err = check(
            &[req("-o", &out)],
            std::slice::from_ref(&ledger),
            any_stdout,
        );
        assert!(matches!(err, Err(OutputError::IsInput { .. })), "{err:?}");
    }
}

#[test]
fn in_an_input_folder_only_ledgers_are_protected() {
    let d = tempdir();
    let folder = d.path().join("台账");
    fs::create_dir(&folder).ok();
    write(
        &folder.join("经费.csv"),
        "市,年度,金额（万元）\n阳泉市,2023,1\n",
    );
    write(&folder.join("notes.md"), "# notes\n");
    // A gap CSV written earlier: zhibiao's own output, passed over by the reader.
    let header = crate::report::COLUMNS.join(",");
    write(&folder.join("gaps.csv"), &format!("{header}\n"));
    let inputs = [folder.clone()];
    let err = check(&[req("-o", &folder.join("经费.csv"))], &inputs, any_stdout);
    assert!(matches!(err, Err(OutputError::IsInput { .. })), "{err:?}");
    for ok in ["gaps.csv", "notes.md", "new.pdf"] {
        let got = check(&[req("-o", &folder.join(ok))], &inputs, any_stdout);
        assert!(got.is_ok(), "{ok}: {got:?}");
    }
}

#[test]
fn the_same_output_twice_is_refused() {
    let d = tempdir();
    let x = d.path().join("x.csv");
    let again = d.path().join(".").join("x.csv");
    let err = check(&[req("-o", &x), req("--rejects", &again)], &[], any_stdout);
    match err {
        Err(OutputError::Duplicate {
            flag, other_flag, ..
        }) => assert_eq!((flag, other_flag), ("--rejects", "-o")),
        other => panic!("{other:?}"),
    }
    let dash = Path::new("-");
    let err = check(&[req("-o", dash), req("-o", dash)], &[], any_stdout);
    assert!(matches!(err, Err(OutputError::Duplicate { .. })), "{err:?}");
}

#[test]
fn a_missing_folder_is_named_and_a_folder_is_not_a_file() {
    let d = tempdir();
    let out = d.path().join("nodir").join("r.pdf");
    match check(&[req("-o", &out)], &[], any_stdout) {
        Err(OutputError::NoFolder { dir, .. }) => assert_eq!(dir, d.path().join("nodir")),
        other => panic!("{other:?}"),
    }
    let err = check(&[req("-o", d.path())], &[], any_stdout);
    assert!(matches!(err, Err(OutputError::IsFolder { .. })), "{err:?}");
    let err = check(&[req("-o", Path::new(".."))], &[], any_stdout);
    assert!(matches!(err, Err(OutputError::IsFolder { .. })), "{err:?}");
}

#[test]
fn stdout_where_not_allowed_says_why() {
    let err = check(&[req("--rejects", Path::new("-"))], &[], |_| {
        Err("needs a file")
    });
    match err {
        Err(OutputError::Stdout { flag, why }) => {
            assert_eq!((flag, why), ("--rejects", "needs a file"))
        }
        other => panic!("{other:?}"),
    }
    let ok = check(&[req("-o", Path::new("-"))], &[], any_stdout);
    assert!(matches!(ok.as_deref(), Ok([Target::Stdout])), "{ok:?}");
}

#[test]
fn files_are_written_whole_and_replace_the_old_ones() {
    let d = tempdir();
    let a = d.path().join("a.csv");
    let b = d.path().join("b.txt");
    write(&a, "old");
    let targets = match check(&[req("-o", &a), req("-o", &b)], &[], any_stdout) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let res = write_files(&[(&targets[0], b"new a"), (&targets[1], b"new b")]);
    assert!(res.is_ok(), "{res:?}");
    assert_eq!(fs::read_to_string(&a).ok().as_deref(), Some("new a"));
    assert_eq!(fs::read_to_string(&b).ok().as_deref(), Some("new b"));
    // No temporary file left, none registered.
    assert_eq!(names(d.path()), ["a.csv", "b.txt"]);
}

#[cfg(unix)]
#[test]
fn an_existing_file_keeps_its_permissions_and_a_new_one_is_readable() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempdir();
    let a = d.path().join("a.csv");
    write(&a, "old");
    fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).ok();
    let n = d.path().join("n.csv");
    let targets = match check(&[req("-o", &a), req("-o", &n)], &[], any_stdout) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    assert!(write_files(&[(&targets[0], b"x"), (&targets[1], b"y")]).is_ok());
    let mode = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&a), 0o640);
    // 0666 less the umask: at least readable by its owner and never 0600 by accident
    // of the temporary file (unless the umask says so).
    assert_ne!(mode(&n) & 0o400, 0);
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_is_written_through_the_link() {
    let d = tempdir();
    let real = d.path().join("real.csv");
    let link = d.path().join("link.csv");
    write(&real, "old");
    std::os::unix::fs::symlink(&real, &link).ok();
    let targets = match check(&[req("-o", &link)], &[], any_stdout) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    assert!(write_files(&[(&targets[0], b"new")]).is_ok());
    assert!(fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
    assert_eq!(fs::read_to_string(&real).ok().as_deref(), Some("new"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_device_is_an_error_and_the_other_files_stay_as_they_were() {
    let d = tempdir();
    let a = d.path().join("a.csv");
    write(&a, "old");
    let full = Path::new("/dev/full");
    let targets = match check(&[req("-o", &a), req("-o", full)], &[], any_stdout) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let err = write_files(&[(&targets[0], b"new"), (&targets[1], b"report")]);
    match err {
        Err(OutputError::Write { path, .. }) => assert_eq!(path, full),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read_to_string(&a).ok().as_deref(), Some("old"));
    assert_eq!(names(d.path()), ["a.csv"]);
}

#[test]
fn the_interrupt_cleanup_removes_registered_temporary_files() {
    let d = tempdir();
    let temp = match TempGuard::create(d.path(), ".r.pdf.", None) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let Some(path) = temp.file.as_ref().map(|f| f.path().to_path_buf()) else {
        panic!("no file");
    };
    assert!(path.exists());
    assert!(path.to_string_lossy().ends_with(TEMP_SUFFIX));
    // Registered (other tests' files may be there too: only this one is removed here).
    assert!(temps().contains(&path));
    let mut mine = vec![path.clone()];
    remove_all(&mut mine);
    assert!(!path.exists() && mine.is_empty());
    drop(temp); // dropping after the cleanup is harmless, and unregisters it
    assert!(!temps().contains(&path));
    assert!(names(d.path()).is_empty());
}
