//! Builds GraphiQL's browser assets so that `/graphiql` is served from this binary without any CDN
//! (air-gapped networks). GraphiQL 5 ships ES modules only and runs the Monaco editor, whose
//! language services live in web workers: `npm ci` installs the pinned packages of `graphiql/` into
//! OUT_DIR, then esbuild (pinned there too) bundles `graphiql/main.js` and each worker into a single
//! file. Third-party code is never committed. Without npm the server still builds, with placeholder
//! assets.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The scripts esbuild bundles, as (file served under /graphiql/assets/, entry point). main.js
/// loads the workers from these names.
const SCRIPTS: [(&str, &str); 4] = [
    ("graphiql.js", "./main.js"),
    (
        "editor.worker.js",
        "monaco-editor/esm/vs/editor/editor.worker.js",
    ),
    (
        "json.worker.js",
        "monaco-editor/esm/vs/language/json/json.worker.js",
    ),
    ("graphql.worker.js", "monaco-graphql/esm/graphql.worker.js"),
];

/// The stylesheet: GraphiQL's own, self-contained (Monaco's rules included, fonts inlined). The CSS
/// files Monaco's modules import are therefore left out of graphiql.js.
const STYLESHEET: (&str, &str) = ("graphiql.css", "graphiql/style.css");

/// The files of `graphiql/` that the build reads.
const SOURCES: [&str; 3] = ["package.json", "package-lock.json", "main.js"];

fn main() {
    // The migrations are embedded at compile time (`embed_migrations!`), which cargo does not
    // track by itself.
    println!("cargo:rerun-if-changed=migrations");
    for file in SOURCES {
        println!("cargo:rerun-if-changed=graphiql/{file}");
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let build_dir = out_dir.join("graphiql");
    let assets_dir = out_dir.join("graphiql-assets");
    std::fs::create_dir_all(&build_dir).expect("create OUT_DIR/graphiql");
    std::fs::create_dir_all(&assets_dir).expect("create OUT_DIR/graphiql-assets");
    let names = asset_names();
    if let Err(problem) = build(&build_dir, &assets_dir) {
        println!("cargo:warning=GraphiQL not built, /graphiql will not work: {problem}");
        for name in &names {
            // The server still builds; /graphiql then says how to get the real thing.
            std::fs::write(
                assets_dir.join(name),
                "/* GraphiQL assets missing: install Node.js and npm, then rebuild. */",
            )
            .expect("write placeholder asset");
        }
    }
    write_asset_table(&out_dir, &assets_dir, &names);
}

fn asset_names() -> Vec<&'static str> {
    let scripts = SCRIPTS.iter().map(|(name, _)| *name);
    scripts.chain([STYLESHEET.0]).collect()
}

fn build(build_dir: &Path, assets_dir: &Path) -> Result<(), String> {
    for file in SOURCES {
        std::fs::copy(Path::new("graphiql").join(file), build_dir.join(file))
            .map_err(|error| format!("copying graphiql/{file}: {error}"))?;
    }
    run(
        Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .arg("--loglevel=error")
            .current_dir(build_dir),
        "`npm ci`",
    )?;
    // One iife file per entry point (the workers are classic workers); `graphiql=./main.js`
    // writes graphiql.js.
    let entries = SCRIPTS.map(|(name, entry)| format!("{}={entry}", stem(name)));
    run(
        esbuild(build_dir)
            .args([
                "--bundle",
                "--minify",
                "--format=iife",
                "--legal-comments=none",
            ])
            .arg("--define:process.env.NODE_ENV=\"production\"")
            .arg("--loader:.css=empty")
            .arg(format!("--outdir={}", assets_dir.display()))
            .args(entries),
        "esbuild (scripts)",
    )?;
    let (stylesheet, entry) = STYLESHEET;
    run(
        esbuild(build_dir)
            .args(["--bundle", "--minify", "--legal-comments=none", entry])
            .arg(format!(
                "--outfile={}",
                assets_dir.join(stylesheet).display()
            )),
        "esbuild (stylesheet)",
    )
}

/// esbuild as installed by `npm ci`: its launcher finds the platform's binary, an optional
/// dependency that `--ignore-scripts` still installs.
fn esbuild(build_dir: &Path) -> Command {
    let mut command = Command::new("node");
    command
        .arg("node_modules/esbuild/bin/esbuild")
        .arg("--log-level=warning")
        .current_dir(build_dir);
    command
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{what} failed: {status}")),
        Err(error) => Err(format!(
            "{what} did not start ({error}): install Node.js and npm"
        )),
    }
}

fn stem(name: &str) -> &str {
    name.strip_suffix(".js")
        .expect("a script's name ends with .js")
}

/// `OUT_DIR/graphiql_assets.rs`: the served files as `(name, bytes)`, which src/http/graphiql.rs
/// includes, so that the list of assets lives here only.
fn write_asset_table(out_dir: &Path, assets_dir: &Path, names: &[&str]) {
    let rows: String = names
        .iter()
        .map(|name| {
            format!(
                "    ({name:?}, include_bytes!({:?})),\n",
                assets_dir.join(name)
            )
        })
        .collect();
    std::fs::write(out_dir.join("graphiql_assets.rs"), format!("&[\n{rows}]\n"))
        .expect("write OUT_DIR/graphiql_assets.rs");
}
