//! Export to the national database (issue 13 item 6) against a receiver this test starts: an
//! HTTPS endpoint with its own CA, which refuses the first two deliveries with 503. Commune
//! 00004 pushes a complaint and a denunciation; both arrive once each, keyed by case version,
//! the denouncer's name nowhere in what left; a new event on the complaint sends its new
//! version; after a restart nothing is sent again; the NDJSON file holds the same records; an
//! `http://` endpoint stops the node at start with a clear error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tiepdan_node::site::datadir::DataDir;
use tiepdan_tests::{call, eventually, federation, tiepdan, DEADLINE};

#[derive(Default)]
struct Received {
    /// Requests seen, refused ones included.
    requests: usize,
    /// Taken records by idempotency key.
    records: BTreeMap<String, Value>,
    /// Keys delivered more than once (the endpoint answers 409 after the first).
    repeats: usize,
    raw: String,
}

type Shared = Arc<Mutex<Received>>;

async fn take(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut s = seen.lock().unwrap();
    s.requests += 1;
    if s.requests <= 2 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "bảo trì"})),
        );
    }
    assert_eq!(headers.get("authorization").unwrap(), "Bearer csdl-token-1");
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        body["idempotency_key"],
        key.as_str(),
        "the header and the body agree"
    );
    s.raw.push_str(&body.to_string());
    if s.records.contains_key(&key) {
        s.repeats += 1;
        return (StatusCode::CONFLICT, Json(json!({})));
    }
    s.records.insert(key, body);
    (StatusCode::CREATED, Json(json!({"ok": true})))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_cases_reach_the_national_database_once_each_with_the_denouncer_sealed() {
    // The receiver: HTTPS with a CA of its own (made the way a node makes its web CA).
    let receiver_dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(receiver_dir.path());
    let cfg = tiepdan_node::site::config::NodeConfig::default();
    let tls = tiepdan_node::api::tls::server_config(&data, &cfg, "CSDL quốc gia (thử)").unwrap();
    let ca = receiver_dir.path().join("web/ca.pem");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Shared = Default::default();
    let router = Router::new()
        .route("/nhan", post(take))
        .with_state(seen.clone());
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(tiepdan_node::api::tls::serve(
        listener, router, tls, stop_rx,
    ));

    let (dir, mut fed) = federation(&["VN", "01", "00004"]);
    let token_file = dir.path().join("csdl-token");
    std::fs::write(&token_file, "csdl-token-1\n").unwrap();
    let config = fed.site("00004").unwrap().data.config_path();
    let plain = std::fs::read_to_string(&config).unwrap_or_default();
    let section = |endpoint: &str| {
        format!(
            "{plain}\n[national_db]\nendpoint = \"{endpoint}\"\nca_file = \"{}\"\ntoken_file = \"{}\"\ninterval_s = 1\n",
            ca.display(),
            token_file.display()
        )
    };
    // A plain-HTTP endpoint is refused at start, naming the line's section.
    std::fs::write(&config, section(&format!("http://127.0.0.1:{port}/nhan"))).unwrap();
    let data_dir = fed.site("00004").unwrap().data.root().to_owned();
    let out = tiepdan(&["run", "--data", data_dir.to_str().unwrap(), "--no-mdns"]);
    assert!(!out.status.success());
    let err = tiepdan_tests::stderr(&out);
    assert!(
        err.contains("[national_db]") && err.contains("https://"),
        "{err}"
    );

    std::fs::write(&config, section(&format!("https://127.0.0.1:{port}/nhan"))).unwrap();
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let complaint = tiepdan_tests::receive(&fed, "00004", "complaint", "Nguyễn Văn Khiếu");
    let denouncer = "Trần Thị Tố Giác";
    let denunciation = tiepdan_tests::receive(&fed, "00004", "denunciation", denouncer);

    let delivered = |n: usize| eventually(DEADLINE * 2, || seen.lock().unwrap().records.len() >= n);
    assert!(delivered(2), "the two cases never arrived");
    {
        let s = seen.lock().unwrap();
        assert!(
            s.requests >= 4,
            "the two refusals were retried: {}",
            s.requests
        );
        assert_eq!(s.repeats, 0, "a version went twice");
        assert!(
            !s.raw.contains(denouncer),
            "the denouncer's name left the site"
        );
        let sealed = s
            .records
            .values()
            .find(|r| r["case_id"] == denunciation.as_str())
            .expect("the denunciation arrived");
        let t = &sealed["record"]["TiepCongDan"];
        assert_eq!(t["BaoMat"], true);
        assert_eq!(t["NguoiDuocTiep"][0]["TenGoi"], "(bảo mật)");
        assert_eq!(
            sealed["record"]["VuViecDonThu"]["NoiDungVuViec"],
            "(bảo mật)"
        );
        let plain = s
            .records
            .values()
            .find(|r| r["case_id"] == complaint.as_str())
            .expect("the complaint arrived");
        assert_eq!(
            plain["record"]["TiepCongDan"]["NguoiDuocTiep"][0]["TenGoi"],
            "Nguyễn Văn Khiếu"
        );
        assert_eq!(
            plain["record"]["TiepCongDan"]["CheDoTiepCongDan"],
            "thuong_xuyen"
        );
        assert_eq!(plain["record"]["XuLyDonThu"]["LoaiDon"], "khieu_nai");
        assert_eq!(
            plain["record"]["TiepCongDan"]["CoQuanTiepCongDan"]["Ma"],
            "00004"
        );
    }
    let (s, v) = call(&fed, "00004", "GET", "exports/national/status", None, None);
    assert_eq!(s, 200, "{v}");
    assert!(eventually(DEADLINE, || call(
        &fed,
        "00004",
        "GET",
        "exports/national/status",
        None,
        None
    )
    .1["pending"]
        == 0));

    // A new event: the complaint's new version goes, the denunciation does not.
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{complaint}/events"),
        Some(&json!({"note": {"text": "Đã mời công dân bổ sung tài liệu"}})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    assert!(delivered(3), "the new version never arrived");
    let versions: Vec<String> = seen
        .lock()
        .unwrap()
        .records
        .keys()
        .filter(|k| k.starts_with(&format!("{complaint}:")))
        .cloned()
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");

    // After a restart, nothing already delivered is sent again.
    let before = seen.lock().unwrap().requests;
    fed.stop("00004").unwrap();
    fed.start("00004").unwrap();
    assert!(eventually(DEADLINE, || call(
        &fed,
        "00004",
        "GET",
        "exports/national/status",
        None,
        None
    )
    .0 == 200));
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        seen.lock().unwrap().requests,
        before,
        "records went again after the restart"
    );

    // The same records as a file: every case with `all`, nothing pending otherwise.
    let s = fed.site("00004").unwrap();
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!(
            "http://{}/api/v1/exports/national?all=true",
            s.http
        ))
        .header("Authorization", &format!("Bearer {}", s.officer))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.body_mut().read_to_string().unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(!text.contains(denouncer));
}
