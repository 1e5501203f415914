//! Online reception sessions across the hierarchy, with real processes: scheduling at the
//! central bridge point, replication to the points and their ancestors only, the rules of who
//! may write what, and floor control seen at another point.
//! Sites: central, provinces 01 and 79; communes 00004 and 00008 (of 01), 25747 (of 79).

use serde_json::{json, Value};
use tiepdan_tests::{act, call, eventually, federation, LocalFederation, DEADLINE};

const SITES: [&str; 6] = ["VN", "01", "79", "00004", "00008", "25747"];

fn session(fed: &LocalFederation, at: &str, id: &str) -> Option<Value> {
    let (status, v) = call(fed, at, "GET", &format!("sessions/{id}"), None, None);
    (status == 200).then_some(v)
}

fn joined(point: &str, participant: &str, role: &str) -> Value {
    json!({"participant_joined": {
        "point": point, "participant_id": participant, "display_name": "Nguyễn Thị Bình", "role": role,
        "identity_check": {"checked_by": "Cán bộ Trần Văn Cường", "document": "cccd", "result": "verified"}
    }})
}

#[test]
fn a_session_reaches_its_points_and_floor_control_follows_the_chair() {
    let (_dir, mut fed) = federation(&SITES);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    // Bad schedules change nothing.
    for (body, what) in [
        (
            json!({"title": "Phiên", "points": ["99999"], "starts_at": "2026-12-20 08:00"}),
            "an unknown point",
        ),
        (
            json!({"title": "Phiên", "points": ["00004"], "starts_at": "ngày mai"}),
            "a start that is not a time",
        ),
        (json!({"title": "Phiên", "points": ["00004"]}), "no start"),
        (
            json!({"title": "Phiên", "points": ["00004"], "starts_at": "2026-12-20 08:00", "colour": "red"}),
            "an unknown field",
        ),
    ] {
        let (status, v) = call(&fed, "VN", "POST", "sessions", Some(&body), None);
        assert!((400..500).contains(&status), "{what}: {status} {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {v}"
        );
    }
    assert_eq!(call(&fed, "VN", "GET", "sessions", None, None).1, json!([]));

    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Tiếp công dân định kỳ tháng 12", "points": ["00004", "25747"], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("S-VN-2026-"), "{id}");

    // The points and their ancestors hold it; a sibling commune does not.
    assert!(
        eventually(DEADLINE, || ["00004", "25747", "01", "79"]
            .iter()
            .all(|s| session(&fed, s, &id).is_some())),
        "the session did not reach every point and ancestor"
    );
    assert_eq!(
        call(&fed, "00008", "GET", &format!("sessions/{id}"), None, None).0,
        404
    );
    let v = session(&fed, "00004", &id).unwrap();
    assert_eq!(v["phase"], "scheduled", "{v}");
    assert_eq!(v["points"][0]["site"], "VN", "{v}");

    // Who may write what.
    assert_eq!(
        act(&fed, "VN", &id, json!({"notice_sent": {"at_ms": 1}})).0,
        201
    );
    let (s, v) = act(
        &fed,
        "00004",
        &id,
        json!({"test_connection": {"point": "00004", "ok": true, "at_ms": 2}}),
    );
    assert_eq!(s, 201, "{v}");
    let (s, v) = act(&fed, "00004", &id, joined("00004", "cd-1", "citizen"));
    assert_eq!(s, 201, "{v}");
    // Nobody vouches for an identity but the signed-in officer who joins the person: the body's
    // "checked_by" is replaced by the account's name, and "account" proves only oneself.
    let check = &session(&fed, "00004", &id).unwrap()["state"]["participants"]["00004"]["cd-1"]
        ["identity_check"];
    assert_eq!(
        (check["checked_by"].as_str(), check["result"].as_str()),
        (
            Some("Cán bộ tiếp công dân (Phường Ba Đình)"),
            Some("verified")
        ),
        "{check}"
    );
    let mut vouched = joined("00004", "cd-3", "citizen");
    vouched["participant_joined"]["identity_check"]["result"] = json!("account");
    let (s, v) = act(&fed, "00004", &id, vouched);
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("identity_account")),
        "{v}"
    );
    let (s, v) = act(&fed, "00004", &id, joined("25747", "cd-2", "citizen"));
    assert_eq!(
        s, 403,
        "a participant joins only at their own point's site: {v}"
    );
    assert_eq!(
        call(
            &fed,
            "00008",
            "POST",
            &format!("sessions/{id}/events"),
            Some(&joined("00008", "x", "citizen")),
            None
        )
        .0,
        404,
        "not a point: it does not even hold the session"
    );
    let (s, v) = act(&fed, "00004", &id, json!({"started": {"at_ms": 3}}));
    assert_eq!(s, 403, "only the chair's site starts a session: {v}");
    let (s, v) = act(&fed, "VN", &id, json!({"started": {"at_ms": 3}}));
    assert_eq!(s, 201, "{v}");
    let (s, v) = act(&fed, "VN", &id, json!({"no_such_action": {}}));
    assert!((400..500).contains(&s), "{s} {v}");

    // The chair grants the floor to the citizen at 00004 once it sees them; 25747 sees it.
    assert!(eventually(DEADLINE, || session(&fed, "VN", &id)
        .is_some_and(
            |v| v["state"]["participants"]["00004"]["cd-1"].is_object()
        )));
    let (s, v) = act(
        &fed,
        "00004",
        &id,
        json!({"floor_granted": {"point": "00004", "participant_id": "cd-1"}}),
    );
    assert_eq!(
        s, 403,
        "a component point cannot give itself the floor: {v}"
    );
    let (s, v) = act(
        &fed,
        "VN",
        &id,
        json!({"floor_granted": {"point": "00004", "participant_id": "cd-1"}}),
    );
    assert_eq!(s, 201, "{v}");
    assert!(
        eventually(DEADLINE, || session(&fed, "25747", &id).is_some_and(|v| v
            ["state"]["floor"]
            == json!({"point": "00004", "participant_id": "cd-1"}))),
        "the floor did not reach 25747"
    );
    let v = session(&fed, "79", &id).unwrap();
    assert_eq!(v["phase"], "live", "{v}");
    assert_eq!(v["phase_vi"], "Đang diễn ra", "{v}");

    // Ending is final.
    assert_eq!(act(&fed, "VN", &id, json!({"ended": {"at_ms": 4}})).0, 201);
    let (s, v) = act(&fed, "VN", &id, json!({"started": {"at_ms": 5}}));
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        call(&fed, "VN", "GET", "sessions/S-VN-2026-9999", None, None).0,
        404
    );
}

fn stream(
    fed: &LocalFederation,
    at: &str,
    id: &str,
    origin: &str,
    publisher: &str,
) -> Option<Value> {
    let (status, v) = call(fed, at, "GET", &format!("sessions/{id}/media"), None, None);
    assert_eq!(status, 200, "{v}");
    v["streams"]
        .as_array()?
        .iter()
        .find(|s| s["origin"] == origin && s["publisher_id"] == publisher)
        .map(|s| s["stats"].clone())
}

#[test]
fn media_goes_through_the_hub_and_audio_only_with_the_floor() {
    let (_dir, mut fed) = federation(&SITES);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Phiên thử", "points": ["00004", "25747"], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || session(&fed, "00004", &id).is_some()));
    assert_eq!(
        act(&fed, "00004", &id, joined("00004", "cam-1", "officer")).0,
        201
    );
    assert_eq!(
        act(&fed, "VN", &id, json!({"started": {"at_ms": 1}})).0,
        201
    );
    assert!(eventually(DEADLINE, || session(&fed, "00004", &id)
        .is_some_and(|v| v["phase"] == "live")));

    // Bad test-signal requests.
    assert_eq!(
        call(
            &fed,
            "00004",
            "POST",
            &format!("sessions/{id}/test-signal"),
            Some(&json!({"seconds": 0})),
            None
        )
        .0,
        400
    );
    assert_eq!(
        call(
            &fed,
            "00004",
            "POST",
            "sessions/S-VN-2026-9999/test-signal",
            Some(&json!({})),
            None
        )
        .0,
        404
    );

    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("sessions/{id}/test-signal"),
        Some(&json!({"publisher_id": "cam-1", "seconds": 30})),
        None,
    );
    assert_eq!(s, 202, "{v}");
    // Cameras are always on: video reaches the hub and, through it, the other point.
    assert!(
        eventually(DEADLINE, || stream(&fed, "VN", &id, "00004", "cam-1")
            .is_some_and(|st| st["video_frames"].as_u64() > Some(10))
            && stream(&fed, "25747", &id, "00004", "cam-1")
                .is_some_and(|st| st["video_frames"].as_u64() > Some(10))),
        "video did not flow 00004 → VN → 25747"
    );
    let st = stream(&fed, "25747", &id, "00004", "cam-1").unwrap();
    assert_eq!(st["via"], "VN", "the hub fans out: {st}");
    // No floor, no audio anywhere.
    assert_eq!(
        stream(&fed, "VN", &id, "00004", "cam-1").unwrap()["audio_packets"],
        0
    );
    assert_eq!(
        stream(&fed, "25747", &id, "00004", "cam-1").unwrap()["audio_packets"],
        0
    );

    // The chair gives the floor: audio flows to the hub and the other point.
    assert!(eventually(DEADLINE, || session(&fed, "VN", &id)
        .is_some_and(
            |v| v["state"]["participants"]["00004"]["cam-1"].is_object()
        )));
    assert_eq!(
        act(
            &fed,
            "VN",
            &id,
            json!({"floor_granted": {"point": "00004", "participant_id": "cam-1"}})
        )
        .0,
        201
    );
    assert!(
        eventually(DEADLINE, || stream(&fed, "25747", &id, "00004", "cam-1")
            .is_some_and(|st| st["audio_packets"].as_u64() > Some(10))),
        "audio did not flow once the floor was given"
    );
    // Revoked: audio stops again (within a moment for the floor to replicate).
    assert_eq!(
        act(
            &fed,
            "VN",
            &id,
            json!({"floor_revoked": {"point": "00004", "participant_id": "cam-1"}})
        )
        .0,
        201
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    let before = stream(&fed, "VN", &id, "00004", "cam-1").unwrap()["audio_packets"]
        .as_u64()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let after = stream(&fed, "VN", &id, "00004", "cam-1").unwrap()["audio_packets"]
        .as_u64()
        .unwrap();
    assert_eq!(
        before, after,
        "audio still forwarded after the floor was revoked"
    );
    let video = stream(&fed, "VN", &id, "00004", "cam-1").unwrap()["video_frames"]
        .as_u64()
        .unwrap();
    assert!(video > 20, "video keeps flowing: {video}");
}

#[test]
fn a_point_records_its_publisher_and_the_sealed_recording_reaches_the_hub() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Phiên ghi hình", "points": ["00004"], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || session(&fed, "00004", &id).is_some()));
    assert_eq!(
        act(&fed, "VN", &id, json!({"started": {"at_ms": 1}})).0,
        201
    );
    assert!(eventually(DEADLINE, || session(&fed, "00004", &id)
        .is_some_and(|v| v["phase"] == "live")));
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("sessions/{id}/test-signal"),
        Some(&json!({"publisher_id": "cam-1", "seconds": 12})),
        None,
    );
    assert_eq!(s, 202, "{v}");
    // Recording at the point while it publishes.
    assert!(eventually(DEADLINE, || {
        let (_, v) = call(
            &fed,
            "00004",
            "GET",
            &format!("sessions/{id}/recordings"),
            None,
            None,
        );
        v["recordings"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["publisher_id"] == "cam-1" && r["bytes"].as_u64() > Some(10_000))
        })
    }));
    // The chair ends the session: the point seals its recording, says so in the session, and
    // its files reach the hub, verified.
    std::thread::sleep(std::time::Duration::from_secs(12));
    assert_eq!(act(&fed, "VN", &id, json!({"ended": {"at_ms": 2}})).0, 201);
    assert!(
        eventually(std::time::Duration::from_secs(60), || {
            let (_, v) = call(
                &fed,
                "VN",
                "GET",
                &format!("sessions/{id}/recordings"),
                None,
                None,
            );
            v["recordings"].as_array().is_some_and(|r| {
                r.iter().any(|r| {
                    r["site"] == "00004"
                        && r["complete"] == true
                        && r["segments"].as_u64() >= Some(1)
                })
            })
        }),
        "the sealed recording did not reach the hub: {}",
        call(
            &fed,
            "VN",
            "GET",
            &format!("sessions/{id}/recordings"),
            None,
            None
        )
        .1
    );
    assert!(eventually(DEADLINE, || session(&fed, "VN", &id)
        .is_some_and(|v| v["state"]["recordings"]
            .as_array()
            .is_some_and(|r| !r.is_empty()))));
    let (_, up) = call(
        &fed,
        "00004",
        "GET",
        &format!("sessions/{id}/recordings"),
        None,
        None,
    );
    assert!(
        up["uploads"].as_array().is_some_and(|u| u
            .iter()
            .any(|u| u["to"] == "VN" && u["progress"]["done"] == true)),
        "{up}"
    );
    // The hub's copy verifies against the point's signed index.
    let copy = fed
        .site("VN")
        .unwrap()
        .data
        .root()
        .join("recordings")
        .join(&id)
        .join("00004")
        .join("cam-1");
    let out = tiepdan_tests::tiepdan(&["recording", "verify", &copy.to_string_lossy()]);
    assert!(
        out.status.success(),
        "{}\n{}",
        tiepdan_tests::stdout(&out),
        tiepdan_tests::stderr(&out)
    );
}
