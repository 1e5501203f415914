//! tiepdan-node: the async shell around `tiepdan-protocol` and `tiepdan-keys`.
//!
//! It owns sockets, files, tasks and the clock. Protocol decisions (framing, topology,
//! backoff, dial winner, admission, folds) come from `tiepdan-protocol`, so the simulator
//! replays them. The folders are capabilities, each owning its state; imports run one way
//! (ARCHITECTURE.md, "Layout"):
//!
//! ```text
//! site ← accounts
//! site ← federation ← records ← cases
//!                          ↑  ← reports
//!                          ↑  ← sessions ← recording
//!                          ↑  ← upload   ← recording
//! api (all of the above) ← run (wiring) ← cli ← lab ← bench
//! ```
//!
//! `language` (the message catalogue) sits below them all: any capability may name a message.

pub mod accounts;
pub mod api;
pub mod cases;
pub mod cli;
pub mod federation;
pub mod language;
pub mod recording;
pub mod records;
pub mod reports;
pub mod run;
pub mod sessions;
pub mod site;
pub mod upload;

#[cfg(feature = "lab")]
pub mod bench;
#[cfg(feature = "lab")]
pub mod lab;

pub use site::datadir::DataDir;
pub use site::{Bound, LocalSite};

/// The layout rule, checked: each top-level module names only the modules below it
/// (ARCHITECTURE.md, "Layout"). A `crate::x` in any file of a folder counts, doc links included.
#[cfg(test)]
mod layout {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// What each capability may use. Keep in step with ARCHITECTURE.md.
    const CAPABILITIES: &[(&str, &[&str])] = &[
        ("language", &[]),
        ("site", &["language"]),
        ("accounts", &["language", "site"]),
        ("federation", &["language", "site"]),
        ("records", &["language", "site", "federation"]),
        ("cases", &["language", "site", "records"]),
        ("reports", &["language", "site", "records"]),
        ("recording", &["language", "site"]),
        (
            "sessions",
            &["language", "site", "federation", "records", "recording"],
        ),
        (
            "upload",
            &["language", "site", "federation", "records", "recording"],
        ),
    ];

    /// Above the capabilities, in order: each may use every capability and those before it.
    const TOP: &[&str] = &["api", "run", "cli", "lab", "bench"];

    /// Every top-level module with what it may use, lowest first.
    fn may_use() -> Vec<(&'static str, BTreeSet<&'static str>)> {
        let mut table: Vec<(&str, BTreeSet<&str>)> = CAPABILITIES
            .iter()
            .map(|(m, deps)| (*m, deps.iter().copied().collect()))
            .collect();
        for (i, top) in TOP.iter().enumerate() {
            let below = CAPABILITIES
                .iter()
                .map(|(m, _)| *m)
                .chain(TOP[..i].iter().copied());
            table.push((top, below.collect()));
        }
        table
    }

    fn sources(path: &Path, out: &mut Vec<String>) {
        if path.is_dir() {
            for e in std::fs::read_dir(path).unwrap().flatten() {
                sources(&e.path(), out);
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(std::fs::read_to_string(path).unwrap());
        }
    }

    fn used_by(module: &str, src: &Path) -> BTreeSet<String> {
        let mut texts = Vec::new();
        let folder = src.join(module);
        if folder.is_dir() {
            sources(&folder, &mut texts);
        } else {
            sources(&src.join(format!("{module}.rs")), &mut texts);
        }
        let mut used = BTreeSet::new();
        for text in texts {
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    used.insert(name);
                }
            }
        }
        used
    }

    #[test]
    fn imports_run_one_way() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let allowed: BTreeMap<&str, BTreeSet<&str>> = may_use().into_iter().collect();
        let mut wrong = Vec::new();
        for (module, may) in &allowed {
            for used in used_by(module, &src) {
                if !may.contains(used.as_str()) {
                    wrong.push(format!("{module} uses {used}"));
                }
            }
        }
        assert!(wrong.is_empty(), "imports against the layout: {wrong:?}");
        // Every folder of node/src is in the table, so a new one gets a place in it.
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            if e.path().is_dir() || !matches!(name.as_str(), "lib" | "main") {
                assert!(
                    allowed.contains_key(name.as_str()),
                    "{name} is not in MAY_USE"
                );
            }
        }
    }

    #[test]
    fn the_table_has_no_circle() {
        // Each module may only use modules listed before it.
        let table = may_use();
        let order: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
        for (i, (module, deps)) in table.iter().enumerate() {
            for d in deps {
                let at = order.iter().position(|m| m == d).expect("listed");
                assert!(at < i, "{module} may use {d}, which comes later");
            }
        }
    }
}
