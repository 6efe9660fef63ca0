//! The layout `src/lib.rs` describes, held by tests that read the source as text:
//! - every top-level module imports only modules below it in [`ORDER`], so no module
//!   imports one that imports it back and nothing points up (a domain never reaches for the
//!   HTTP edge, a leaf like `metric` names no domain): every `crate::<module>` path outside
//!   comments and `#[cfg(test)]` code counts;
//! - SQL statements stand only in repo files and the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top, as `src/lib.rs` lists them: vocabulary, the stores, the domains in their
/// dependency order, the read models across domains, the edges, the wiring, and the two
/// front doors that drive a whole app (the demo seed and the command line).
const ORDER: &[&str] = &[
    // Vocabulary.
    "error",
    "money",
    "ids",
    "clock",
    "pagination",
    "shutdown",
    "config",
    "metric",
    // Stores.
    "store",
    // Domains.
    "jobs",
    "auth",
    "catalog",
    "inventory",
    "payment",
    "idempotency",
    "booking",
    "pricing",
    "notify",
    // Read models and upkeep.
    "audit",
    "dashboard",
    "dossier",
    "retention",
    // Edges.
    "telemetry",
    "tls",
    "http",
    // Wiring, then what drives a whole app.
    "app",
    "seed",
    "cli",
];

/// Which top-level modules each top-level module names.
type Imports = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `src`: its path below `src`, and its code without the
/// `#[cfg(test)]` module at its end.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).expect("under src");
                let text = std::fs::read_to_string(&path).expect("source is text");
                let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                files.push((relative.to_string_lossy().replace('\\', "/"), code));
            }
        }
    }
    files
}

fn imports_of_tree() -> Imports {
    let mut imports = Imports::new();
    for (path, code) in sources() {
        let module = path.split('/').next().unwrap_or("").replace(".rs", "");
        let named = imports.entry(module.clone()).or_default();
        for other in crate_paths(&code) {
            if other != module {
                named.insert(other);
            }
        }
    }
    imports
}

/// The top-level modules code names as `crate::<module>`, leaving out comments.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        for (at, _) in line.match_indices("crate::") {
            if line[..at].ends_with('$') {
                continue; // `$crate::` inside a macro: whatever crate uses it
            }
            let name: String = line[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Every import that points up (or sideways to a module listed later), and every module
/// the order does not place.
fn violations(imports: &Imports, order: &[&str]) -> Vec<String> {
    let rank = |m: &str| order.iter().position(|o| *o == m);
    let mut found = Vec::new();
    for (module, named) in imports {
        if module == "lib" || module == "main" {
            continue; // the crate root declares every module; main only calls the CLI
        }
        let Some(own) = rank(module) else {
            found.push(format!("{module} is not placed in the layering"));
            continue;
        };
        for other in named {
            match rank(other) {
                Some(theirs) if theirs < own => {}
                Some(_) => found.push(format!("{module} imports {other}, which is above it")),
                None => found.push(format!("{module} imports {other}, which is not placed")),
            }
        }
    }
    found
}

#[test]
fn no_module_imports_one_above_it() {
    let imports = imports_of_tree();
    assert!(imports.len() > 20, "read {} modules", imports.len());
    let found = violations(&imports, ORDER);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_sees_an_import_that_points_up_or_goes_round() {
    let graph = |edges: &[(&str, &str)]| {
        let mut imports = Imports::new();
        for (from, to) in edges {
            imports
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        imports
    };
    let order = ["error", "metric", "notify"];
    assert!(violations(&graph(&[("notify", "metric"), ("metric", "error")]), &order).is_empty());
    // The leaf names a domain (and so the two import each other).
    let up = graph(&[("notify", "metric"), ("metric", "notify")]);
    assert_eq!(
        violations(&up, &order),
        ["metric imports notify, which is above it"]
    );
    assert_eq!(
        violations(&graph(&[("webhooks", "error")]), &order),
        ["webhooks is not placed in the layering"]
    );
    assert_eq!(
        crate_paths("use crate::a::B; // crate::c\nlet x = crate::d::f();\nmacro!($crate::e::g)"),
        ["a", "d"].iter().map(|s| s.to_string()).collect()
    );
}

/// Whether a file may hold SQL: a domain's `repo.rs`, `repo/` folder or `*_repo.rs`, and the
/// store (its migrations, engine statements and backups).
fn may_hold_sql(path: &str) -> bool {
    path.starts_with("store/")
        || path.ends_with("/repo.rs")
        || path.ends_with("_repo.rs")
        || path.contains("/repo/")
}

/// The SQL statements a file's string literals begin (a quote, then, past whitespace, a
/// statement's first word), each to the end of its line or literal.
fn sql_statements(code: &str) -> Vec<String> {
    const STARTS: [&str; 6] = [
        "SELECT ",
        "INSERT INTO ",
        "UPDATE ",
        "DELETE FROM ",
        "CREATE ",
        "WITH ",
    ];
    code.match_indices('"')
        .filter_map(|(at, _)| {
            let after = code[at + 1..].trim_start();
            STARTS
                .iter()
                .find(|s| after.starts_with(*s))
                .map(|_| after.split(['"', '\n']).next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn sql_stands_only_in_repo_files_and_the_store() {
    let files = sources();
    assert!(
        files
            .iter()
            .any(|(path, code)| may_hold_sql(path) && !sql_statements(code).is_empty())
    );
    let misplaced: Vec<String> = files
        .iter()
        .filter(|(path, _)| !may_hold_sql(path))
        .flat_map(|(path, code)| {
            sql_statements(code)
                .into_iter()
                .map(move |s| format!("{path}: {s}"))
        })
        .collect();
    assert!(misplaced.is_empty(), "{misplaced:#?}");
    let found = sql_statements("let q = \"\n   SELECT id FROM users\"; let w = \"UPDATE soon\";");
    assert_eq!(found, ["SELECT id FROM users", "UPDATE soon"]);
    assert!(sql_statements("println!(\"Select a seat\")").is_empty());
}
