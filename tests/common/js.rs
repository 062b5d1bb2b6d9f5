//! The pinned npm packages of tests/js (JavaScript clients, the OpenID provider), installed in
//! place with `npm ci` when missing or older than the lock file (`.ci/run` installs them first).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static INSTALL: Mutex<()> = Mutex::new(());

pub fn js_dir() -> PathBuf {
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let modified = |path: PathBuf| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
    };
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if installed.is_none() || installed < locked {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm is needed for the JavaScript tests");
        assert!(status.success(), "npm ci in tests/js failed");
    }
    dir
}
