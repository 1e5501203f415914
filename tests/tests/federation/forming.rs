//! Tier 3: a federation of real `tiepdan` processes forms, discovers itself and heals.

use std::time::Duration;

use tiepdan_tests::{eventually, federation, metric_value, metrics, stdout, tiepdan, DEADLINE};

#[test]
fn demo_federation_forms() {
    let dir = tempfile::tempdir().unwrap();
    let out = tiepdan(&[
        "demo",
        "--dir",
        dir.path().to_str().unwrap(),
        "--exit-when-formed",
    ]);
    assert!(
        out.status.success(),
        "demo failed: {}\n{}",
        stdout(&out),
        tiepdan_tests::stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("the federation formed in"), "{text}");
    // The communes' receptions of the quarter so far, for the supervision page.
    let seeded: usize = text
        .split("Đã vào sổ ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no demo receptions: {text}"));
    assert!(seeded > 0, "{text}");
    // Central, both provinces and two communes of each, every one with its own web UI link.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap())
            .unwrap();
    let sites: Vec<&str> = summary
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites.len(), 7, "{sites:?}");
    for code in ["VN", "01", "79"] {
        assert!(sites.contains(&code), "{sites:?}");
    }
    assert!(
        text.contains("Thành phố Hồ Chí Minh")
            && text.contains("/dang-nhap")
            && text.contains(tiepdan_node::lab::processes::DEMO_PASSWORD),
        "{text}"
    );
}

#[test]
fn a_commune_that_knows_only_its_parent_learns_central_and_a_sibling() {
    let (_dir, mut fed) = federation(&["VN", "01", "00070", "00073"]);
    fed.start_all().unwrap();
    // Communes were started with --parent <province> only.
    assert!(
        eventually(DEADLINE, || {
            let c = fed.connected("00070");
            c.contains(&"VN".to_owned())
                && c.contains(&"00073".to_owned())
                && c.contains(&"01".to_owned())
        }),
        "00070 is linked to {:?}",
        fed.connected("00070")
    );
    assert!(eventually(DEADLINE, || fed
        .connected("00073")
        .contains(&"00070".to_owned())));
    let status = fed.api("00070", "status").unwrap();
    assert_eq!(status["site"], "00070");
    assert_eq!(status["level"], "commune");
    assert!(
        status["parent_connected_after_ms"].as_u64().is_some(),
        "{status}"
    );
    let m = metrics(&fed, "00070");
    assert!(
        metric_value(&m, "tiepdan_peers_connected", &[]) >= 3.0,
        "{m}"
    );
    assert!(
        metric_value(
            &m,
            "tiepdan_channel_bytes_total",
            &["channel=\"control\"", "direction=\"rx\""]
        ) > 0.0,
        "{m}"
    );
}

#[test]
fn a_node_killed_and_restarted_reconnects() {
    let (_dir, mut fed) = federation(&["VN", "01", "00070"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed
        .connected("00070")
        .contains(&"01".to_owned())));

    // kill -9 the province: its commune sees the link die, then reconnects once it is back.
    fed.sites
        .get_mut("01")
        .unwrap()
        .child
        .as_mut()
        .unwrap()
        .kill()
        .unwrap();
    let _ = fed
        .sites
        .get_mut("01")
        .unwrap()
        .child
        .take()
        .unwrap()
        .wait();
    assert!(
        eventually(DEADLINE, || !fed
            .connected("00070")
            .contains(&"01".to_owned())),
        "the dead link was not noticed"
    );
    fed.start("01").unwrap();
    assert!(
        eventually(DEADLINE, || fed
            .connected("00070")
            .contains(&"01".to_owned())),
        "commune did not reconnect"
    );
    assert!(
        eventually(DEADLINE, || fed.connected("01").contains(&"VN".to_owned())),
        "province did not reconnect to central"
    );

    // And the commune itself, killed and restarted, comes back with no help.
    fed.sites
        .get_mut("00070")
        .unwrap()
        .child
        .as_mut()
        .unwrap()
        .kill()
        .unwrap();
    let _ = fed
        .sites
        .get_mut("00070")
        .unwrap()
        .child
        .take()
        .unwrap()
        .wait();
    fed.start("00070").unwrap();
    assert!(eventually(DEADLINE, || fed
        .connected("00070")
        .contains(&"01".to_owned())));
}

#[test]
fn a_revocation_closes_live_links_everywhere() {
    let (_dir, mut fed) = federation(&["VN", "01", "00070", "00073"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    assert!(eventually(DEADLINE, || fed
        .connected("00070")
        .contains(&"00073".to_owned())));

    // The province's operator revokes one of its communes while everything runs (through the API).
    let data = fed
        .site("01")
        .unwrap()
        .data
        .root()
        .to_str()
        .unwrap()
        .to_owned();
    let out = tiepdan(&["revoke", "--data", &data, "--site", "00073"]);
    assert!(out.status.success(), "{}", tiepdan_tests::stderr(&out));

    for code in ["VN", "01", "00070"] {
        assert!(
            eventually(DEADLINE, || !fed
                .connected(code)
                .contains(&"00073".to_owned())),
            "{code} still holds a link to the revoked site"
        );
    }
    // Nobody lets it back in.
    std::thread::sleep(Duration::from_secs(2));
    for code in ["VN", "01", "00070"] {
        assert!(
            !fed.connected(code).contains(&"00073".to_owned()),
            "{code} let the revoked site back in"
        );
    }
    let closed: f64 = ["VN", "01", "00070"]
        .iter()
        .map(|c| {
            metric_value(
                &metrics(&fed, c),
                "tiepdan_connections_closed_revoked_total",
                &[],
            )
        })
        .sum();
    assert!(
        closed >= 1.0,
        "no live link was closed because of the revocation"
    );
    let revoked = fed.api("VN", "revocations").unwrap();
    assert!(
        revoked.to_string().contains("00073"),
        "central never received the revocation: {revoked}"
    );
    // It also travelled by libp2p gossip, not only over the QUIC links.
    assert!(
        eventually(DEADLINE, || ["VN", "00070"]
            .iter()
            .map(|c| metric_value(
                &metrics(&fed, c),
                "tiepdan_revocations_received_total",
                &["via=\"gossip\""]
            ))
            .sum::<f64>()
            >= 1.0),
        "no node received the revocation by gossip"
    );
}

#[test]
fn a_revocation_made_offline_spreads_when_links_come_up() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    // The province's node is stopped: the revocation goes into its store.
    let data = fed
        .site("01")
        .unwrap()
        .data
        .root()
        .to_str()
        .unwrap()
        .to_owned();
    let out = tiepdan(&["revoke", "--data", &data, "--site", "00073"]);
    assert!(out.status.success(), "{}", tiepdan_tests::stderr(&out));
    assert!(
        stdout(&out).contains("khi nút chạy lại"),
        "{}",
        stdout(&out)
    );
    fed.start_all().unwrap();
    assert!(
        eventually(DEADLINE, || fed
            .api("VN", "revocations")
            .map(|v| v.to_string().contains("00073"))
            .unwrap_or(false)),
        "central never learned the revocation"
    );
    assert!(
        metric_value(
            &metrics(&fed, "VN"),
            "tiepdan_revocations_received_total",
            &["via=\"hello\""]
        ) >= 1.0
    );
}

#[test]
fn the_demo_stops_every_node_cleanly_on_ctrl_c() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut demo = std::process::Command::new(tiepdan_tests::tiepdan_bin())
        .args(["demo", "--dir", dir.path().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(demo.stdout.take().unwrap()).lines();
    let formed = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("the federation formed in"));
    assert!(formed, "the demo never reported a formed federation");
    let running: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("run.json").exists())
        .collect();
    assert_eq!(running.len(), 7, "every site should be running");

    // SAFETY: signalling the child we spawned.
    unsafe { libc::kill(demo.id() as i32, libc::SIGINT) };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = demo.wait().unwrap();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    // Every node shut down cleanly (a clean shutdown removes run.json).
    for e in std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
    {
        assert!(
            !e.path().join("run.json").exists(),
            "{} is still running",
            e.path().display()
        );
    }
}
