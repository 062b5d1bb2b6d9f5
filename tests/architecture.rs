//! The direction of imports (docs/architecture.md): features depend on plumbing, never on
//! the layers that call them. A feature that imports `crate::http` or `crate::app` closes an
//! import circle through the whole crate, and a feature that calls a function of another
//! feature's GraphQL module finds a rule hidden in a resolver; so these tests read the sources
//! and name the offending lines.

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
fn features_call_no_function_of_another_features_graphql_module() {
    let offenders: Vec<String> = feature_files()
        .iter()
        .flat_map(|file| foreign_graphql_calls(file))
        .collect();
    assert!(
        offenders.is_empty(),
        "a feature may name another feature's GraphQL types, nothing else of its GraphQL module \
         (move the function into that feature's service or loading module):\n{}",
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

#[test]
fn the_scan_sees_what_a_feature_takes_from_another_graphql_module() {
    let source = "use crate::groups::graphql::GroupView;\n\
                  use crate::{db, posts::graphql::{PostView, load_visible}};\n\
                  use crate::{\n    files::{graphql::{self, FolderView}},\n};\n\
                  use crate::attachments::graphql as attachments;\n\
                  use crate::users::graphql::*;\n\
                  let g = crate::groups::graphql::load_visible(ctx, id);\n\
                  let t = crate::surveys::graphql::SurveyView::pending(ctx);\n\
                  use crate::events_calendar::graphql::TYPE_NAME;\n\
                  use crate::own::graphql::load_visible;\n\
                  // crate::groups::graphql::load_visible in a comment\n\
                  fn f(filter: Option<crate::notifications::graphql::NotificationFilter>) {}\n";
    assert_eq!(
        foreign_graphql_items(source, "own"),
        vec![
            (2, "posts::graphql::load_visible".to_string()),
            (4, "files::graphql::self".to_string()),
            (6, "attachments::graphql as attachments".to_string()),
            (7, "users::graphql::*".to_string()),
            (8, "groups::graphql::load_visible".to_string()),
            (9, "surveys::graphql::SurveyView::pending".to_string()),
            (10, "events_calendar::graphql::TYPE_NAME".to_string()),
        ]
    );
}

/// Past this many lines a source file must say at its top why it stays whole.
const LONG_FILE_LINES: usize = 600;

#[test]
fn files_over_600_lines_say_why_at_their_top() {
    let mut files = Vec::new();
    collect_rust_files(&source_root(), &mut files);
    let unexplained: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let source = fs::read_to_string(file).expect("source is readable");
            let lines = source.lines().count();
            let generated = source.starts_with("// @generated");
            let explained = source
                .lines()
                .take_while(|line| line.starts_with("//!"))
                .any(|line| line.contains("Over 600 lines"));
            (lines > LONG_FILE_LINES && !generated && !explained)
                .then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "split these by theme, or say at the top (`//! Over 600 lines ...`) why they stay whole:\n{}",
        unexplained.join("\n")
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

/// `src/<path>` of a feature file, as the failures name it.
fn shown(file: &Path) -> String {
    let relative = file.strip_prefix(source_root()).unwrap_or(file);
    format!("src/{}", relative.display())
}

fn forbidden_imports(file: &Path) -> Vec<String> {
    let source = fs::read_to_string(file).expect("source is readable");
    let shown = shown(file);
    modules_named(&source, FORBIDDEN_IN_FEATURES)
        .into_iter()
        .map(|(line, module)| format!("{shown}:{line}: crate::{module}"))
        .collect()
}

fn foreign_graphql_calls(file: &Path) -> Vec<String> {
    let source = fs::read_to_string(file).expect("source is readable");
    let own_feature = file
        .strip_prefix(source_root())
        .ok()
        .and_then(|relative| relative.components().next())
        .and_then(|folder| folder.as_os_str().to_str())
        .unwrap_or_default();
    let shown = shown(file);
    foreign_graphql_items(&source, own_feature)
        .into_iter()
        .map(|(line, path)| format!("{shown}:{line}: crate::{path}"))
        .collect()
}

/// The (1-based line, module) of every `crate::<module>` path, or item of a `crate::{...}` group
/// (over several lines too), whose first segment is one of `modules`; comments are skipped.
fn modules_named<'a>(source: &str, modules: &[&'a str]) -> Vec<(usize, &'a str)> {
    crate_paths(&without_comments(source))
        .into_iter()
        .filter_map(|path| {
            let module = modules.iter().find(|module| **module == path.segments[0])?;
            Some((path.line, *module))
        })
        .collect()
}

/// The (line, path) of everything a file takes from the GraphQL module of a feature other than
/// `own_feature` that is not a type named in CamelCase (renamed or not): functions, constants, a
/// `Type::function`, the module itself (aliased or not) and globs.
fn foreign_graphql_items(source: &str, own_feature: &str) -> Vec<(usize, String)> {
    crate_paths(&without_comments(source))
        .into_iter()
        .filter(|path| {
            path.segments.len() >= 2
                && path.segments[1] == "graphql"
                && path.segments[0] != own_feature
        })
        .filter(|path| path.segments.len() != 3 || !is_camel_case(path.segments[2]))
        .map(|path| {
            let joined = path.segments.join("::");
            let shown = match path.renamed_as {
                Some(alias) => format!("{joined} as {alias}"),
                None => joined,
            };
            (path.line, shown)
        })
        .collect()
}

/// A type name: an upper-case letter first, and not all upper case (`TYPE_NAME` is a constant).
fn is_camel_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_lowercase())
}

/// One path under `crate::`, its groups expanded: `crate::{a::{b, c as d}}` is `a::b` and
/// `a::c` (renamed `d`).
struct CratePath<'a> {
    /// The line of its last segment (1-based).
    line: usize,
    /// Identifiers, `self` or `*`.
    segments: Vec<&'a str>,
    renamed_as: Option<&'a str>,
}

/// The source with its `//` comments (doc comments too) cut off, lines kept.
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path under `crate::` in `code` (without comments), in use declarations and in code.
fn crate_paths(code: &str) -> Vec<CratePath<'_>> {
    let mut paths = Vec::new();
    for (start, _) in code.match_indices("crate::") {
        let preceded_by_identifier = code[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_identifier {
            use_tree(code, start + "crate::".len(), Vec::new(), &mut paths);
        }
    }
    paths
}

/// Reads the tree (a path, `*`, or a `{...}` group of trees) at `at` under `prefix` into `paths`,
/// and returns where it ends.
fn use_tree<'a>(
    code: &'a str,
    at: usize,
    prefix: Vec<&'a str>,
    paths: &mut Vec<CratePath<'a>>,
) -> usize {
    let at = skip_whitespace(code, at);
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    if code[at..].starts_with('{') {
        let mut at = at + 1;
        loop {
            at = skip_whitespace(code, at);
            match code[at..].chars().next() {
                None => return at,
                Some('}') => return at + 1,
                Some(',') => at += 1,
                Some(_) => {
                    let end = use_tree(code, at, prefix.clone(), paths);
                    // Something that is not a path (a stray character): step over it.
                    at = end.max(at + 1);
                }
            }
        }
    }
    let segment = if code[at..].starts_with('*') {
        "*"
    } else {
        leading_identifier(&code[at..])
    };
    if segment.is_empty() {
        return at;
    }
    let mut segments = prefix;
    segments.push(segment);
    let end = at + segment.len();
    let next = skip_whitespace(code, end);
    if segment != "*" && code[next..].starts_with("::") {
        return use_tree(code, next + 2, segments, paths);
    }
    let renamed_as = code[next..]
        .strip_prefix("as")
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(|rest| leading_identifier(rest.trim_start()));
    paths.push(CratePath {
        line: line_of(at),
        segments,
        renamed_as,
    });
    end
}

fn skip_whitespace(code: &str, at: usize) -> usize {
    at + code[at..].len() - code[at..].trim_start().len()
}

fn leading_identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}
