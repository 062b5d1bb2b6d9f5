//! The direction of imports (docs/architecture.md): features depend on plumbing, never on
//! the layers that call them. A feature that imports `crate::http` or `crate::app` closes an
//! import circle through the whole crate, so this test reads the sources and names the
//! offending lines.

use std::fs;
use std::path::{Path, PathBuf};

/// The folders of `src/` that are not features: the layers on top, allowed to know the app.
const CALLING_LAYERS: &[&str] = &["http", "graphql"];

/// What no feature may import.
const FORBIDDEN_IN_FEATURES: &[&str] = &["http", "app"];

#[test]
fn features_import_neither_the_http_layer_nor_the_app() {
    let offenders: Vec<String> = feature_files()
        .iter()
        .flat_map(|file| forbidden_imports(file))
        .collect();
    assert!(
        offenders.is_empty(),
        "features must not import {FORBIDDEN_IN_FEATURES:?} (move what they need into plumbing):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_scan_sees_grouped_and_inline_paths() {
    let source = "use crate::{db, http::request_id};\nfn f(a: &crate::app::App) {}\n\
                  // crate::http in a comment\nuse crate::https_like::X;\n\
                  use crate::{\n    auth::{app, Client},\n    app::App,\n};\n";
    assert_eq!(
        modules_named(source, FORBIDDEN_IN_FEATURES),
        vec![(1, "http"), (2, "app"), (7, "app")]
    );
}

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under a folder of `src/` that is not a calling layer.
fn feature_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(source_root()).expect("src/ is readable") {
        let path = entry.expect("src/ entry").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if path.is_dir() && !CALLING_LAYERS.contains(&name) {
            collect_rust_files(&path, &mut files);
        }
    }
    assert!(
        !files.is_empty(),
        "no feature folders found under {:?}",
        source_root()
    );
    files
}

fn collect_rust_files(folder: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(folder).expect("folder is readable") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

fn forbidden_imports(file: &Path) -> Vec<String> {
    let source = fs::read_to_string(file).expect("source is readable");
    let shown = file
        .strip_prefix(source_root())
        .unwrap_or(file)
        .display()
        .to_string();
    modules_named(&source, FORBIDDEN_IN_FEATURES)
        .into_iter()
        .map(|(line, module)| format!("src/{shown}:{line}: crate::{module}"))
        .collect()
}

/// The (1-based line, module) of every `crate::<module>` path, or item of a `crate::{...}` group
/// (over several lines too), whose first segment is one of `modules`; comments are skipped.
fn modules_named<'a>(source: &str, modules: &[&'a str]) -> Vec<(usize, &'a str)> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    for (start, _) in code.match_indices("crate::") {
        let after = start + "crate::".len();
        let first_segments = match code[after..].strip_prefix('{') {
            Some(_) => group_items(&code, after + 1),
            None => vec![(after, leading_identifier(&code[after..]))],
        };
        for (offset, segment) in first_segments {
            if let Some(module) = modules.iter().find(|module| **module == segment) {
                found.push((line_of(offset), *module));
            }
        }
    }
    found
}

/// The first identifier (and its offset) of each top-level item of the group opening at `start`.
fn group_items(code: &str, start: usize) -> Vec<(usize, &str)> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut item_start = Some(start);
    for (offset, c) in code[start..].char_indices() {
        let offset = start + offset;
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = Some(offset + 1),
            c if c.is_whitespace() => {
                if item_start == Some(offset) {
                    item_start = Some(offset + c.len_utf8());
                }
            }
            _ => {
                if let Some(item) = item_start.take() {
                    items.push((item, leading_identifier(&code[item..])));
                }
            }
        }
    }
    items
}

fn leading_identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}
