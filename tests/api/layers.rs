//! The code's layers point one way: no circle of imports among the top-level
//! modules of `src/` (a module and its own children may refer to each other),
//! and the store returns rows, never wire JSON. Read from the source itself,
//! so the README's code map cannot drift from what the code does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's text without `//` comments, so doc links are not imports.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names right after each `prefix` in `text`, including each name of a
/// `prefix{a, b::c}` group.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = text[at + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        names.push(ident(group[start..i].trim()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(ident(group[start..i].trim()));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Top-level module → the other top-level modules it refers to.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let top = |path: &Path| -> Option<String> {
        let relative = path.strip_prefix(&root).unwrap();
        let first = relative.components().next()?.as_os_str().to_str()?;
        match first {
            "lib.rs" | "main.rs" => None,
            name => Some(name.trim_end_matches(".rs").to_string()),
        }
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(owner) = top(file) else { continue };
        let text = code(file);
        let mut refs = names_after(&text, "crate::");
        // In `src/x.rs` and `src/x/mod.rs`, `super::` is the crate root.
        let depth = file.strip_prefix(&root).unwrap().components().count();
        if depth == 1 || (depth == 2 && file.ends_with("mod.rs")) {
            refs.extend(names_after(&text, "super::"));
        }
        let edges = graph.entry(owner.clone()).or_default();
        for name in refs {
            if name != owner && modules.contains(&name) {
                edges.insert(name);
            }
        }
    }
    graph
}

/// A circle through the graph, if there is one, as the modules along it.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_circle_among_top_level_modules() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the modules were found: {graph:?}");
    assert!(
        graph["api"].contains("service"),
        "references are read: {graph:?}"
    );
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" -> "));
    }
    // Settings are read by config, and nothing but start-up reads config.
    for (module, uses) in &graph {
        if uses.contains("config") {
            assert_eq!(module, "startup", "{module} imports config");
        }
    }
}

#[test]
fn a_circle_is_found_when_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        find_circle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        names_after("use crate::{a::X, b, c::{d, e}};", "crate::"),
        ["a", "b", "c"]
    );
}

#[test]
fn the_store_writes_no_wire_json() {
    let mut files = Vec::new();
    rust_files(&src().join("store"), &mut files);
    for file in files {
        assert!(
            !code(&file).contains("json!"),
            "{} builds JSON with json!: the API renders what the store returns",
            file.display()
        );
    }
}
