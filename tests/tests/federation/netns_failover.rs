//! Failover on real (virtual) links: central, province 01 and its commune 00004 in three
//! network namespaces joined by veth pairs. During a live session the commune–central link is
//! cut; the commune's media must resume through the province, and move back to the direct
//! link after the hold-down once it returns. Needs root and iproute2 (`.ci/run` installs it).

use std::time::Duration;

use serde_json::{json, Value};
use tiepdan_node::lab::netns::NetLab;
use tiepdan_tests::{eventually, tiepdan_bin, Staff};

const DEADLINE: Duration = Duration::from_secs(60);

fn stream(lab: &NetLab, id: &str) -> Option<Value> {
    let (status, v) = lab.call("VN", "GET", &format!("sessions/{id}/media"), None);
    if status != 200 {
        return None;
    }
    v["streams"]
        .as_array()?
        .iter()
        .find(|s| s["origin"] == "00004" && s["publisher_id"] == "cam-1")
        .map(|s| s["stats"].clone())
}

fn frames(lab: &NetLab, id: &str) -> u64 {
    stream(lab, id)
        .and_then(|s| s["video_frames"].as_u64())
        .unwrap_or(0)
}

fn via(lab: &NetLab, id: &str) -> String {
    stream(lab, id)
        .and_then(|s| s["via"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn media_reroutes_through_the_province_when_the_direct_link_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let lab = NetLab::triangle(&tiepdan_bin(), dir.path(), "00004", 1)
        .expect("the network lab needs root and iproute2");
    lab.wait_formed(DEADLINE).unwrap();

    let (s, v) = lab.call_as("VN", Staff::Chair, "POST", "sessions", Some(&json!({"title": "Phiên trực tuyến", "points": ["00004"], "starts_at": "2026-12-20 08:00"})));
    assert_eq!(s, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || lab
        .call("00004", "GET", &format!("sessions/{id}"), None)
        .0
        == 200));
    let joined = json!({"participant_joined": {"point": "00004", "participant_id": "cam-1", "display_name": "Điểm cầu xã", "role": "officer",
        "identity_check": {"checked_by": "Cán bộ", "document": "cccd", "result": "verified"}}});
    assert_eq!(
        lab.call_as(
            "00004",
            Staff::Officer,
            "POST",
            &format!("sessions/{id}/events"),
            Some(&joined)
        )
        .0,
        201
    );
    assert_eq!(
        lab.call_as(
            "VN",
            Staff::Chair,
            "POST",
            &format!("sessions/{id}/events"),
            Some(&json!({"started": {"at_ms": 1}}))
        )
        .0,
        201
    );
    assert!(eventually(DEADLINE, || lab
        .call("00004", "GET", &format!("sessions/{id}"), None)
        .1["phase"]
        == "live"));
    let (s, v) = lab.call(
        "00004",
        "POST",
        &format!("sessions/{id}/test-signal"),
        Some(&json!({"publisher_id": "cam-1", "seconds": 120})),
    );
    assert_eq!(s, 202, "{v}");

    // Direct at first.
    assert!(
        eventually(DEADLINE, || frames(&lab, &id) > 50
            && via(&lab, &id) == "00004"),
        "no direct media: {:?}",
        stream(&lab, &id)
    );

    // Cut: media resumes through the province, and the commune's own recording goes on.
    let recorded = |lab: &NetLab| -> u64 {
        let (_, v) = lab.call("00004", "GET", &format!("sessions/{id}/recordings"), None);
        v["recordings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["publisher_id"] == "cam-1")
            .filter_map(|r| r["bytes"].as_u64())
            .sum()
    };
    lab.cut().unwrap();
    let at_cut = frames(&lab, &id);
    let recorded_at_cut = recorded(&lab);
    assert!(
        eventually(DEADLINE, || via(&lab, &id) == "01"
            && frames(&lab, &id) > at_cut + 50),
        "media did not resume through the province: {:?}",
        stream(&lab, &id)
    );
    assert!(
        eventually(DEADLINE, || recorded(&lab) > recorded_at_cut + 50_000),
        "the commune's recording stopped during the cut"
    );
    let (_, routes) = lab.call("00004", "GET", &format!("sessions/{id}/media"), None);
    assert_eq!(routes["routes"][0]["via"], "01", "{routes}");
    assert_eq!(routes["routes"][0]["direct"], false, "{routes}");

    // Healed: back to the direct link after the hold-down.
    lab.heal().unwrap();
    assert!(
        eventually(DEADLINE, || via(&lab, &id) == "00004"),
        "media did not move back to the direct link: {:?}",
        stream(&lab, &id)
    );
    let after_heal = frames(&lab, &id);
    assert!(eventually(DEADLINE, || frames(&lab, &id) > after_heal + 50));
}
