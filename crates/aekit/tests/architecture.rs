//! The module graph stays a graph without circles: each top-level module of
//! the library names only modules below it, and the kernels see slices only.
//! Read from the sources, test code (`#[cfg(test)]` modules) left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code before its test module, without comments.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules named as `crate::NAME` in `code`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        names.insert(name);
    }
    names
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .expect("a module name");
        if top == "lib" {
            continue;
        }
        let uses = crate_references(&code_of(&file));
        let entry = graph.entry(top.clone()).or_default();
        // Re-exports at the crate root (`crate::Autoencoder`, `crate::VERSION`, ...) name lib.rs.
        entry.extend(
            uses.into_iter()
                .filter(|u| *u != top && u.chars().next().is_some_and(|c| c.is_lowercase())),
        );
    }
    graph
}

/// Panics with `what` and the circle when `graph` has one (a depth-first
/// search for a back edge).
fn assert_no_circle(graph: &BTreeMap<String, BTreeSet<String>>, what: &str) {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        what: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("{what}: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, what, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, what, &mut Vec::new(), &mut done);
    }
}

#[test]
fn top_level_modules_form_no_circle() {
    let graph = graph();
    assert_no_circle(&graph, "import circle");
    assert!(graph.contains_key("kernel") && graph.contains_key("model"));
}

#[test]
fn kernels_see_slices_only() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kernel");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let code = code_of(&file);
        let uses = crate_references(&code);
        assert!(
            uses.iter().all(|u| u == "kernel"),
            "{} names {uses:?}",
            file.display()
        );
        assert!(!code.contains("burn::"), "{} uses burn", file.display());
    }
}

/// The files of `data/` as module paths (`csv`, `parquet/read`, ...; a
/// folder's `mod.rs` is the folder's path, the root's is empty).
fn data_modules() -> BTreeMap<String, PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/data");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    files
        .into_iter()
        // Unit tests kept in a file of their own (`x/tests.rs`) are not
        // part of the readers' structure, as in-file test modules are not.
        .filter(|file| file.file_name().is_none_or(|f| f != "tests.rs"))
        .map(|file| {
            let relative = file.strip_prefix(&dir).expect("under data");
            let name = relative.with_extension("");
            let name = name.to_str().expect("a UTF-8 path").replace('\\', "/");
            let name = match name.strip_suffix("mod") {
                Some(folder) => folder.trim_end_matches('/').to_string(),
                None => name,
            };
            (name, file)
        })
        .collect()
}

/// The modules of `data/` that `code` (of the file of module `at`, not a
/// `mod.rs`) names with `super::` or `crate::data::`: each path resolved
/// to the longest module it names.
fn data_references(code: &str, at: &str, modules: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let parent = at.rsplit_once('/').map_or("", |(p, _)| p).to_string();
    let mut names = BTreeSet::new();
    for (prefix, base) in [("super::", parent), ("crate::data::", String::new())] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            // Only whole path starts (not `xsuper::`).
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{')
                .collect();
            let heads: Vec<String> = match path.split_once('{') {
                // `super::{a, b::C}`: each name in the braces.
                Some((head, _)) => {
                    let inner: String = rest[path.len()..]
                        .chars()
                        .take_while(|&c| c != '}')
                        .collect();
                    inner
                        .split(',')
                        .map(|n| format!("{head}{}", n.trim()))
                        .collect()
                }
                None => vec![path],
            };
            for head in heads {
                let mut module = base.clone();
                for segment in head.split("::").filter(|s| !s.is_empty()) {
                    let next = if module.is_empty() {
                        segment.to_string()
                    } else {
                        format!("{module}/{segment}")
                    };
                    if !modules.contains_key(&next) {
                        break;
                    }
                    module = next;
                }
                names.insert(module);
            }
        }
    }
    names
}

#[test]
fn data_files_form_no_circle() {
    let modules = data_modules();
    assert!(modules.contains_key("csv") && modules.contains_key("parquet/read"));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, file) in &modules {
        if file.file_name().is_some_and(|f| f == "mod.rs") {
            // Declarations and re-exports only.
            continue;
        }
        let uses = data_references(&code_of(file), name, &modules);
        for target in &uses {
            let target_file = &modules[target];
            assert!(
                target_file.file_name().is_none_or(|f| f != "mod.rs"),
                "data/{name} names 'data/{target}' through its re-exports; name the file instead"
            );
        }
        graph.insert(
            name.clone(),
            uses.into_iter().filter(|u| u != name).collect(),
        );
    }
    assert_no_circle(&graph, "import circle in data/");
    // The readers sit below the table and the dispatcher above them.
    assert!(graph["csv"].contains("table") && graph["source"].contains("csv"));
}
