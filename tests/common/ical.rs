//! A standards-checking iCalendar parser for the tests: Python's `icalendar` with
//! `recurring_ical_events` (pinned in tests/ical/requirements.txt), run by tests/ical/check_ics.py
//! in a virtual environment made once under the cargo tmp dir.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

static INSTALL: Mutex<()> = Mutex::new(());

fn python() -> PathBuf {
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ical");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ical-venv");
    let python = venv.join("bin/python");
    let requirements = std::fs::read(source.join("requirements.txt")).expect("requirements");
    let installed = venv.join("installed-requirements.txt");
    if std::fs::read(&installed).ok().as_deref() != Some(requirements.as_slice()) {
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the iCalendar checks");
        assert!(created.success(), "python3 -m venv failed");
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(source.join("requirements.txt"))
            .status()
            .expect("pip");
        assert!(
            status.success(),
            "pip install of tests/ical/requirements.txt failed"
        );
        std::fs::write(&installed, requirements).expect("record the installation");
    }
    python
}

/// Checks `calendar` strictly and lists its occurrences in `[from, to)` (ISO datetimes):
/// `[{uid, summary, start, end, status}]`. Panics with the parser's errors when it is invalid.
pub fn occurrences(calendar: &str, from: &str, to: &str) -> Vec<Value> {
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ical/check_ics.py");
    let mut child = Command::new(python)
        .arg(script)
        .args([from, to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run check_ics.py");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(calendar.as_bytes())
        .expect("write the calendar");
    let output = child.wait_with_output().expect("check_ics.py output");
    assert!(
        output.status.success(),
        "the iCalendar file was refused: {}\n{calendar}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON occurrences")
}
