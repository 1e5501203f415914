//! The fuzz corpora in CI, without cargo-fuzz: every committed input of every target is fed to
//! its target (a panic fails the test), every target has a corpus and every corpus a target,
//! and the committed seeds are what today's encoders make. After a deliberate wire change,
//! rewrite the seeds with `TIEPDAN_WRITE_CORPUS=1 cargo test -p tiepdan-fuzzing --test corpus`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tiepdan_fuzzing::{seeds, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The sub-folders of `dir` (none when it does not exist).
fn folders(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The files of `dir`, by name (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    let names: BTreeSet<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(names.len(), TARGETS.len(), "a target is listed twice");
    let corpora = folders(&fuzz_dir().join("corpus"));
    let missing: Vec<&String> = names.difference(&corpora).collect();
    assert!(
        missing.is_empty(),
        "targets without fuzz/corpus/<target>/: {missing:?}"
    );
    let orphans: Vec<&String> = corpora.difference(&names).collect();
    assert!(orphans.is_empty(), "corpora without a target: {orphans:?}");
    let orphans: BTreeSet<String> = folders(&fuzz_dir().join("artifacts"))
        .difference(&names)
        .cloned()
        .collect();
    assert!(
        orphans.is_empty(),
        "artifacts without a target: {orphans:?}"
    );
    for (name, _) in TARGETS {
        assert!(
            !files(&fuzz_dir().join("corpus").join(name)).is_empty(),
            "fuzz/corpus/{name}/ is empty"
        );
        let seed_names: BTreeSet<String> = seeds(name).into_iter().map(|s| s.name).collect();
        assert!(!seed_names.is_empty(), "{name} has no seeds");
        assert_eq!(
            seed_names.len(),
            seeds(name).len(),
            "{name}: two seeds share a name"
        );
    }
    // Every fuzz binary calls its target.
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("tiepdan_fuzzing::{name}(data)")),
            "{} does not call tiepdan_fuzzing::{name}",
            source.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
}

#[test]
fn every_corpus_and_artifact_file_replays_through_its_target() {
    let mut replayed = 0;
    for (name, target) in TARGETS {
        for kind in ["corpus", "artifacts"] {
            for path in files(&fuzz_dir().join(kind).join(name)) {
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(outcome.is_ok(), "{name} panicked on {}", path.display());
                replayed += 1;
            }
        }
    }
    eprintln!(
        "replayed {replayed} inputs through {} targets",
        TARGETS.len()
    );
}

#[test]
fn committed_seeds_are_current() {
    let write = std::env::var_os("TIEPDAN_WRITE_CORPUS").is_some();
    let mut stale = Vec::new();
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        for seed in seeds(name) {
            let path = dir.join(&seed.name);
            let committed = std::fs::read(&path).ok();
            if committed.as_deref().is_some_and(|c| seed.is_current(c)) {
                continue;
            }
            if write {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &seed.bytes).unwrap();
            } else {
                stale.push(format!("{name}/{}", seed.name));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz seeds missing or stale: {stale:?}; rewrite them with TIEPDAN_WRITE_CORPUS=1 cargo test -p tiepdan-fuzzing --test corpus"
    );
}

#[test]
fn seeds_are_small() {
    for (name, _) in TARGETS {
        for seed in seeds(name) {
            assert!(
                seed.bytes.len() <= 16 * 1024,
                "{name}/{} is {} bytes",
                seed.name,
                seed.bytes.len()
            );
        }
    }
}
