//! A standards-checking iCalendar parser for the tests: Python's `icalendar` with
//! `recurring_ical_events` (pinned in tests/ical/requirements.txt), run by tests/ical/check_ics.py
//! in a virtual environment made once under the cargo tmp dir.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Checks `calendar` strictly and lists its occurrences in `[from, to)` (ISO datetimes):
/// `[{uid, summary, start, end, status}]`. Panics with the parser's errors when it is invalid.
pub fn occurrences(calendar: &str, from: &str, to: &str) -> Vec<Value> {
    let python = super::venv::python("ical");
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
