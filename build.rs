//! Installs the pinned GraphiQL bundles from the npm registry (`npm ci` into OUT_DIR) so that
//! `/graphiql` is served from this binary without any CDN. Third-party bundles are never committed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Bundle files served under /graphiql/assets/, as (name served, path inside node_modules).
const ASSETS: [(&str, &str); 4] = [
    ("react.js", "react/umd/react.production.min.js"),
    ("react-dom.js", "react-dom/umd/react-dom.production.min.js"),
    ("graphiql.js", "graphiql/graphiql.min.js"),
    ("graphiql.css", "graphiql/graphiql.min.css"),
];

fn main() {
    // The migrations are embedded at compile time (`embed_migrations!`), which cargo does not
    // track by itself.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=graphiql/package.json");
    println!("cargo:rerun-if-changed=graphiql/package-lock.json");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let install_dir = out_dir.join("graphiql");
    let assets_dir = out_dir.join("graphiql-assets");
    std::fs::create_dir_all(&install_dir).expect("create OUT_DIR/graphiql");
    std::fs::create_dir_all(&assets_dir).expect("create OUT_DIR/graphiql-assets");
    let installed = install(&install_dir);
    for (name, source) in ASSETS {
        let target = assets_dir.join(name);
        let copied = installed
            && std::fs::copy(install_dir.join("node_modules").join(source), &target).is_ok();
        if !copied {
            // The server still builds; /graphiql then says how to get the real thing.
            std::fs::write(
                &target,
                "/* GraphiQL assets missing: install Node.js and npm, then rebuild. */",
            )
            .expect("write placeholder asset");
        }
    }
    println!(
        "cargo:rustc-env=PARVIS_GRAPHIQL_ASSETS={}",
        assets_dir.display()
    );
}

fn install(dir: &Path) -> bool {
    for file in ["package.json", "package-lock.json"] {
        if std::fs::copy(Path::new("graphiql").join(file), dir.join(file)).is_err() {
            return false;
        }
    }
    let status = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .status();
    match status {
        Ok(status) if status.success() => true,
        _ => {
            println!(
                "cargo:warning=`npm ci` for GraphiQL failed: /graphiql will not work (install Node.js and npm)"
            );
            false
        }
    }
}
