//! The link test IT staff run before a session: `POST /api/v1/peers/{site}/link-test` sends
//! plain QUIC over the live link to a real peer node, which counts what arrives; the answer
//! gives the rate. Only the operator may run it; a wrong size, an unknown site and an officer's
//! token get clear errors, and nothing else on the link is disturbed.

use serde_json::json;
use tiepdan_tests::{call, eventually, federation, DEADLINE};

#[test]
fn an_operator_measures_a_live_link_and_bad_requests_are_refused() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    let vn_operator = fed.site("VN").unwrap().token.clone();
    let op = Some(vn_operator.as_str());
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "peers/01/link-test",
        Some(&json!({"megabytes": 8})),
        op,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["bytes"], 8_000_000, "{v}");
    assert!(
        v["megabits_per_second"].as_f64().is_some_and(|r| r > 0.0)
            && v["seconds"].as_f64().is_some_and(|t| t > 0.0),
        "{v}"
    );
    // Without a body: the default size.
    let province_operator = fed.site("01").unwrap().token.clone();
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        "peers/VN/link-test",
        None,
        Some(&province_operator),
    );
    assert_eq!((s, v["bytes"].as_u64()), (200, Some(16_000_000)), "{v}");

    for (path, body, status, why) in [
        (
            "peers/01/link-test",
            json!({"megabytes": 0}),
            400,
            "Dung lượng đo từ 1 đến",
        ),
        (
            "peers/01/link-test",
            json!({"megabytes": 100000}),
            400,
            "Dung lượng đo từ 1 đến",
        ),
        (
            "peers/01/link-test",
            json!({"bytes": 5}),
            400,
            "Nội dung yêu cầu không hợp lệ",
        ),
        (
            "peers/79/link-test",
            json!({}),
            404,
            "Không có kết nối đang hoạt động tới đơn vị 79",
        ),
    ] {
        let (s, v) = call(&fed, "VN", "POST", path, Some(&body), op);
        assert_eq!(s, status, "{path} {body}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(why)),
            "{path} {body}: {v}"
        );
    }
    // An officer may not fill the site's links.
    let officer = fed.site("VN").unwrap().officer.clone();
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "peers/01/link-test",
        Some(&json!({})),
        Some(&officer),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "{v}"
    );
    // The link is still up and used: the peers list shows it connected.
    let (_, peers) = call(&fed, "VN", "GET", "peers", None, None);
    assert!(
        peers
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["site"] == "01" && p["connected"] == true),
        "{peers}"
    );
}
