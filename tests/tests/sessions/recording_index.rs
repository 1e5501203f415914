//! The signed recording index reaches every point of a session and their ancestors, like case
//! events, and nowhere is a forged one stored. Real processes: central, provinces 01 and 79,
//! communes 00004 (of 01) and 25747 (of 79); the session's points are 00004, 25747 and a bare
//! commune of province 04 played by this test (it forges indexes).
//! 00004 records; its index reaches 25747, which is neither the hub (central) nor central, and
//! verifies there; forged and tampered indexes offered to 25747 are refused with the reason,
//! and so is one signed with 00004's own key after 00004 was revoked; the index 25747 holds
//! stays as it was.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use tiepdan_keys::cert::{issue, make_request, make_root, parse_request, Authority};
use tiepdan_keys::SiteKey;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::recording::{SignedIndex, Signer};
use tiepdan_node::upload::{send_file, SendProgress};
use tiepdan_tests::{
    act, call, eventually, federation, stderr, stdout, tiepdan_en as tiepdan, LocalFederation,
    DEADLINE,
};

fn recordings(fed: &LocalFederation, at: &str, id: &str) -> Vec<Value> {
    let (status, v) = call(
        fed,
        at,
        "GET",
        &format!("sessions/{id}/recordings"),
        None,
        None,
    );
    assert_eq!(status, 200, "{v}");
    v["recordings"].as_array().cloned().unwrap_or_default()
}

/// The complete recording of 00004's cam-1 as `at` lists it.
fn sealed_at(fed: &LocalFederation, at: &str, id: &str) -> Option<Value> {
    recordings(fed, at, id)
        .into_iter()
        .find(|r| r["site"] == "00004" && r["publisher_id"] == "cam-1" && r["complete"] == true)
}

/// A chain for `site` under a root of our own: self-consistent, but not this federation's.
fn foreign_chain(site: &str, province: &str) -> (SiteKey, tiepdan_keys::cert::Chain) {
    let now = tiepdan_node::site::clock::unix_now();
    let root_key = SiteKey::generate();
    let root_chain = make_root(&root_key, 30, now).unwrap();
    let root = Authority::new(root_key, root_chain, now).unwrap();
    let pkey = SiteKey::generate();
    let pchain = issue(
        &root,
        &parse_request(&make_request(&pkey, province).unwrap()).unwrap(),
        30,
        now,
    )
    .unwrap();
    let province = Authority::new(pkey, pchain, now).unwrap();
    let key = SiteKey::generate();
    let chain = issue(
        &province,
        &parse_request(&make_request(&key, site).unwrap()).unwrap(),
        30,
        now,
    )
    .unwrap();
    (key, chain)
}

fn copy_dir(fed: &LocalFederation, at: &str, id: &str) -> PathBuf {
    fed.site(at)
        .unwrap()
        .data
        .root()
        .join("recordings")
        .join(id)
        .join("00004")
        .join("cam-1")
}

fn verify(dir: &Path, root: &Path, index_only: bool) -> std::process::Output {
    let (dir, root) = (
        dir.to_string_lossy().into_owned(),
        root.to_string_lossy().into_owned(),
    );
    let mut args = vec!["recording", "verify", &dir, "--root-chain", &root];
    if index_only {
        args.push("--index-only");
    }
    tiepdan(&args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_points_signed_index_reaches_the_other_points_and_forgeries_are_refused() {
    let (dir, mut fed) = federation(&["VN", "01", "79", "00004", "25747"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let vn = fed.site("VN").unwrap();
    let raw = peer_client::certified_communes(&vn.data, "04", 1)
        .unwrap()
        .remove(0);
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Phiên ghi hình", "points": ["00004", "25747", raw.0], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    let session = |at: &str| call(&fed, at, "GET", &format!("sessions/{id}"), None, None);
    assert!(eventually(DEADLINE, || ["00004", "25747", "79"]
        .iter()
        .all(|s| session(s).0 == 200)));
    assert_eq!(
        act(&fed, "VN", &id, json!({"started": {"at_ms": 1}})).0,
        201
    );
    assert!(eventually(DEADLINE, || session("00004").1["phase"] == "live"));

    // 00004 publishes for a few seconds, then the chair ends the session: 00004 seals.
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("sessions/{id}/test-signal"),
        Some(&json!({"publisher_id": "cam-1", "seconds": 4})),
        None,
    );
    assert_eq!(s, 202, "{v}");
    assert!(eventually(DEADLINE, || recordings(&fed, "00004", &id)
        .iter()
        .any(
            |r| r["publisher_id"] == "cam-1" && r["bytes"].as_u64() > Some(10_000)
        )));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(act(&fed, "VN", &id, json!({"ended": {"at_ms": 2}})).0, 201);
    let sealed_id = |at: &str| -> Option<String> {
        let v = session(at).1;
        v["state"]["recordings"]
            .as_array()?
            .iter()
            .find(|r| r["site"] == "00004")
            .and_then(|r| r["index_id"].as_str().map(str::to_owned))
    };
    assert!(
        eventually(Duration::from_secs(60), || sealed_id("25747").is_some()),
        "RecordingSealed did not reach 25747"
    );
    let index_id = sealed_id("25747").unwrap();

    // The index the session event names reaches the other point and both provinces; the
    // segments stay with the hub (central).
    for at in ["25747", "79", "01", "VN"] {
        assert!(
            eventually(Duration::from_secs(60), || sealed_at(&fed, at, &id)
                .is_some_and(|r| r["index_id"] == index_id.as_str())),
            "00004's sealed index did not reach {at}: {:?}",
            recordings(&fed, at, &id)
        );
    }
    // 00004 has no link to 25747 (another province's commune): the index was relayed.
    let uploads = |at: &str| {
        call(
            &fed,
            at,
            "GET",
            &format!("sessions/{id}/recordings"),
            None,
            None,
        )
        .1["uploads"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        !uploads("00004").iter().any(|u| u["to"] == "25747"),
        "{:?}",
        uploads("00004")
    );
    let relayed = |u: &Value| {
        u["to"] == "25747"
            && u["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("00004/cam-1/index.cbor"))
            && u["progress"]["done"] == true
    };
    assert!(
        ["VN", "79"]
            .iter()
            .any(|at| uploads(at).iter().any(relayed)),
        "no relay sent the index to 25747"
    );
    let at_point = sealed_at(&fed, "25747", &id).unwrap();
    assert!(
        at_point["segments"].as_u64() >= Some(1)
            && at_point["segments_held"] == 0
            && at_point["error"].is_null(),
        "{at_point}"
    );
    assert!(
        eventually(DEADLINE, || sealed_at(&fed, "VN", &id)
            .is_some_and(|r| r["segments_held"] == r["segments"])),
        "the hub holds the segments"
    );

    // The copy at 25747 verifies as an index-only copy, signed by 00004 under the federation root.
    let root_pem = vn.data.chain_path();
    let copy = copy_dir(&fed, "25747", &id);
    let out = verify(&copy, &root_pem, true);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("INTACT") && stdout(&out).contains("signed by site 00004"),
        "{}",
        stdout(&out)
    );
    // As a full copy it lacks the segments, and says so.
    let out = verify(&copy, &root_pem, false);
    assert!(
        !out.status.success() && stdout(&out).contains("is missing"),
        "{}",
        stdout(&out)
    );

    // Forgeries offered to 25747 by a point of the session (so only the index itself is wrong).
    let genuine = std::fs::read(copy.join("index.cbor")).unwrap();
    let parsed = SignedIndex::from_bytes(genuine.clone()).unwrap();
    let mut forged: Vec<(&str, Vec<u8>, &str, &str)> = Vec::new();
    let mut f = parsed.file().clone();
    f.signature[7] ^= 0x01;
    forged.push((
        "a flipped signature byte",
        f.to_bytes(),
        "cam-1",
        "signature is invalid",
    ));
    // A byte of the signed body changed (inside the hash chain head): the signature no longer fits.
    let mut f = parsed.file().clone();
    let head = parsed.body().chain_head;
    let at = f
        .body
        .windows(32)
        .position(|w| w == head)
        .expect("the chain head in the body");
    f.body[at] ^= 0x01;
    forged.push((
        "an altered body",
        f.to_bytes(),
        "cam-1",
        "altered after it was signed",
    ));
    // Re-signed with a key certified by another root for 00004: consistent, but not ours.
    let (fkey, fchain) = foreign_chain("00004", "01");
    let forger = Signer::from_site_key(&fkey, "00004", &fchain).unwrap();
    let mut body = parsed.body().clone();
    body.signed_at_s += 1;
    forged.push((
        "an index signed under another root",
        SignedIndex::sign(&body, &forger).bytes().to_vec(),
        "cam-1",
        "does not certify",
    ));
    // The genuine index offered for another publisher's folder.
    forged.push((
        "the genuine index in the wrong folder",
        genuine.clone(),
        "cam-2",
        "offered as",
    ));

    let (code, key, chain) = &raw;
    let ep = peer_client::endpoint_as(key, chain, chain.root()).unwrap();
    let conn = ep
        .connect(fed.site("25747").unwrap().quic, "tiepdan.internal")
        .unwrap()
        .await
        .unwrap();
    let _control = peer_client::admitted(&conn, &peer_client::hello_frame(code, chain))
        .await
        .unwrap();
    let uploads = SendProgress::default();
    for (what, bytes, publisher, why) in forged {
        let file = dir.path().join("forged-index.cbor");
        std::fs::write(&file, &bytes).unwrap();
        let rel = format!("{id}/00004/{publisher}/index.cbor");
        let err = send_file(&uploads, "25747", &conn, &file, &rel, None)
            .await
            .expect_err(what);
        assert!(err.to_string().contains(why), "{what}: {err}");
        assert!(
            err.to_string().contains("forged") || publisher != "cam-1",
            "{what}: {err}"
        );
    }
    // Nothing stored was lost or changed.
    assert_eq!(std::fs::read(copy.join("index.cbor")).unwrap(), genuine);
    assert!(!copy.with_file_name("cam-2").exists());
    assert_eq!(
        sealed_at(&fed, "25747", &id).unwrap()["index_id"],
        index_id.as_str()
    );
    assert!(verify(&copy, &root_pem, true).status.success());
    // The genuine index, offered again, is taken as already held.
    let file = dir.path().join("genuine-index.cbor");
    std::fs::write(&file, &genuine).unwrap();
    assert_eq!(
        send_file(
            &uploads,
            "25747",
            &conn,
            &file,
            &format!("{id}/00004/cam-1/index.cbor"),
            None
        )
        .await
        .unwrap(),
        0
    );

    // 00004 is revoked by its province. An index signed afterwards with 00004's own key (as by
    // whoever took it) is refused at 25747, which had learnt that key before the revocation.
    let province_operator = fed.site("01").unwrap().token.clone();
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        "revocations",
        Some(&json!({"site": "00004"})),
        Some(&province_operator),
    );
    assert_eq!(s, 201, "{v}");
    let operator_25747 = fed.site("25747").unwrap().token.clone();
    let knows = || {
        call(
            &fed,
            "25747",
            "GET",
            "revocations",
            None,
            Some(&operator_25747),
        )
        .1
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x["site"] == "00004"))
    };
    assert!(
        eventually(DEADLINE, knows),
        "the revocation did not reach 25747"
    );
    let d = fed.site("00004").unwrap().data.clone();
    let stolen = Signer::from_site_key(
        &SiteKey::load(&d.key_path()).unwrap(),
        "00004",
        &tiepdan_keys::cert::Chain::from_pem(&std::fs::read_to_string(d.chain_path()).unwrap())
            .unwrap(),
    )
    .unwrap();
    let mut body = parsed.body().clone();
    body.signed_at_s += 2;
    std::fs::write(&file, SignedIndex::sign(&body, &stolen).bytes()).unwrap();
    let err = send_file(
        &uploads,
        "25747",
        &conn,
        &file,
        &format!("{id}/00004/cam-1/index.cbor"),
        None,
    )
    .await
    .expect_err("an index under a revoked key");
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(
        std::fs::read(copy.join("index.cbor")).unwrap(),
        genuine,
        "the held index changed"
    );
}
