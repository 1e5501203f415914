//! The committed seed corpus of the `control_frame` fuzz target is what today's encoder makes,
//! so the fuzzer starts from real frames. After a deliberate wire change, rewrite the seeds
//! with `TIEPDAN_WRITE_CORPUS=1 cargo test -p tiepdan-tests --test cases fuzz_corpus`.

#[test]
fn fuzz_seed_corpus_is_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/control_frame");
    let seeds = tiepdan_protocol::control::seeds::fuzz_seed_corpus();
    if std::env::var_os("TIEPDAN_WRITE_CORPUS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in &seeds {
        let committed = std::fs::read(dir.join(name)).unwrap_or_else(|e| {
            panic!("fuzz seed {name} missing ({e}); rewrite with TIEPDAN_WRITE_CORPUS=1")
        });
        assert_eq!(
            &committed, bytes,
            "fuzz seed {name} is stale; rewrite with TIEPDAN_WRITE_CORPUS=1"
        );
    }
}
