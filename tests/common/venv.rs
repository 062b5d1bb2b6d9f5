//! Python tools the tests run (an S3 server, an SMTP server, an iCalendar checker), each in a
//! virtual environment of its own made once under the cargo tmp dir from the requirements pinned
//! in tests/<tool>/requirements.txt, and made again when those change.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

static INSTALL: Mutex<()> = Mutex::new(());

/// The Python of `tool`'s virtual environment, its requirements installed.
pub fn python(tool: &str) -> PathBuf {
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let requirements_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(tool)
        .join("requirements.txt");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{tool}-venv"));
    let python = venv.join("bin/python");
    let requirements = std::fs::read(&requirements_file)
        .unwrap_or_else(|_| panic!("tests/{tool}/requirements.txt"));
    let installed = venv.join("installed-requirements.txt");
    if std::fs::read(&installed).ok().as_deref() != Some(requirements.as_slice()) {
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 (with its venv module) is needed by the tests");
        assert!(
            created.success(),
            "python3 -m venv failed (on Debian: apt-get install python3-venv)"
        );
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements_file)
            .status()
            .expect("pip");
        assert!(
            status.success(),
            "pip install of tests/{tool}/requirements.txt failed"
        );
        std::fs::write(&installed, requirements).expect("record the installation");
    }
    python
}
