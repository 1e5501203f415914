//! Tier 3: the holiday calendar is data. Central publishes a year's calendar, every site
//! receives it over the links and counts deadlines with it; nobody else can publish one, and a
//! forged or malformed calendar a peer sends is refused, counted and not kept.

use std::time::Duration;

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::lab::processes::Staff;
use tiepdan_protocol::calendar::{self, CalendarBody, SignedCalendar, SIGNATURE_CONTEXT};
use tiepdan_protocol::case::deadline::{CalendarRow, DayKind};
use tiepdan_protocol::case::parse_date;
use tiepdan_protocol::control::{encode_frame, ControlFrame};
use tiepdan_tests::hostile::{certify, dial, load_tls};
use tiepdan_tests::{
    call, eventually, federation, metric_value, metrics, stderr, stdout, tiepdan, DEADLINE,
};

/// 2028, with a holiday on Wednesday 8 March.
const CSV_2028: &str = "date,kind,name,source
2028-01-03,off,Nghỉ bù Tết Dương lịch,Bộ luật Lao động 2019 Art 112(1)(a) và Art 111(3)
2028-03-08,off,Ngày nghỉ do Trung ương công bố (thử),Thông báo thử của Bộ Nội vụ
";

fn years(fed: &tiepdan_tests::LocalFederation, code: &str) -> Vec<(i64, String, u64, u64)> {
    match fed.api(code, "calendars") {
        Ok(Value::Array(list)) => list
            .iter()
            .map(|c| {
                (
                    c["year"].as_i64().unwrap_or(0),
                    c["issuer"].as_str().unwrap_or("").to_owned(),
                    c["issued_at"].as_u64().unwrap_or(0),
                    c["days_off"].as_u64().unwrap_or(0),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A record whose body is `body` as given, signed by `key`: what a forger sends.
fn signed_raw(key: &SigningKey, body: &CalendarBody) -> Vec<u8> {
    let body = cbor4ii::serde::to_vec(Vec::new(), body).unwrap();
    let mut message = SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&body);
    let signature = key.sign(&message).to_bytes().to_vec();
    cbor4ii::serde::to_vec(Vec::new(), &SignedCalendar { body, signature }).unwrap()
}

fn refused(fed: &tiepdan_tests::LocalFederation, code: &str, reason: &str) -> f64 {
    metric_value(
        &metrics(fed, code),
        "tiepdan_calendars_refused_total",
        &[&format!("reason=\"{reason}\"")],
    )
}

#[test]
fn central_publishes_a_calendar_every_site_counts_with_and_nobody_else_can() {
    let (dir, mut fed) = federation(&["VN", "01", "00070"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    // Central's operator publishes 2028.
    let vn = fed.site("VN").unwrap();
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "calendars",
        Some(&json!({ "year": 2028, "csv": CSV_2028 })),
        Some(&vn.token),
    );
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["year"].as_i64(), v["days_off"].as_u64()),
        (Some(2028), Some(2))
    );
    assert_eq!(v["issuer"], "VN");
    let issued_at = v["issued_at"].as_u64().unwrap();

    // The commune receives it and lists it.
    assert!(
        eventually(DEADLINE, || years(&fed, "00070")
            == [(2028, "VN".to_owned(), issued_at, 2)]),
        "the commune holds {:?}",
        years(&fed, "00070")
    );
    assert!(eventually(DEADLINE, || years(&fed, "01")
        == [(2028, "VN".to_owned(), issued_at, 2)]));
    // It also travelled by libp2p gossip, as a revocation does, not only over the QUIC links.
    assert!(
        eventually(DEADLINE, || ["01", "00070"]
            .iter()
            .map(|c| metric_value(
                &metrics(&fed, c),
                "tiepdan_calendars_received_total",
                &["via=\"gossip\""]
            ))
            .sum::<f64>()
            >= 1.0),
        "no node received the calendar by gossip"
    );

    // Nobody else publishes: the commune's operator is refused (403, not_central), its officer
    // has no such right at all; a malformed calendar at central is refused before signing.
    let commune = fed.site("00070").unwrap();
    let (status, v) = call(
        &fed,
        "00070",
        "POST",
        "calendars",
        Some(&json!({ "year": 2029, "csv": CSV_2028 })),
        Some(&commune.token),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("not_central")),
        "{v}"
    );
    assert!(v["error"].as_str().unwrap().contains("Trung ương"), "{v}");
    let (status, v) = call(
        &fed,
        "00070",
        "POST",
        "calendars",
        Some(&json!({ "year": 2029, "csv": CSV_2028 })),
        Some(commune.token_of(Staff::Officer)),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "{v}"
    );
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "calendars",
        Some(&json!({ "year": 2029, "csv": CSV_2028 })),
        Some(&vn.token),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("invalid_calendar")),
        "{v}"
    );
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("không thuộc năm 2029"),
        "{v}"
    );

    // A peer in good standing (a commune certified by the province) sends the province forged
    // and malformed calendars: each is refused with its reason, none is kept or passed on.
    let forger = certify(&fed, "01", "00073");
    let key = SigningKey::from_bytes(&forger.key.seed());
    let row = CalendarRow {
        date: parse_date("2029-03-07").unwrap(),
        kind: DayKind::Off,
        name: "Ngày nghỉ giả".into(),
        source: "Không có".into(),
    };
    let body = |issuer: &str| CalendarBody {
        v: calendar::VERSION,
        year: 2029,
        days: vec![row.clone()],
        issuer_site: issuer.into(),
        issued_at: tiepdan_node::site::clock::unix_now(),
    };
    let genuine = call(&fed, "VN", "GET", "calendars", None, Some(&vn.token)).1;
    let mut altered = calendar::publish_csv(
        &key,
        2029,
        "date,kind,name,source\n2029-03-07,off,A,B\n",
        tiepdan_node::site::clock::unix_now(),
    )
    .unwrap();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    let records = [
        signed_raw(&key, &body("VN")), // claims central, signed by the commune
        signed_raw(&key, &body("00073")), // issued by a commune
        b"\xa2not a calendar".to_vec(), // not a record
        altered,                       // claims central, signature broken
    ];
    let province = fed.site("01").unwrap();
    let (_, province_tls) = load_tls(&province.data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = dial(province.quic, &forger.key, &forger.chain, &province_tls)
            .await
            .expect("a certified commune is admitted");
        let (mut control, _recv) = peer_client::admitted(
            &conn,
            &peer_client::hello_frame(&forger.site, &forger.chain),
        )
        .await
        .expect("the province admitted the commune");
        for r in &records {
            let frame = ControlFrame::Calendar(serde_bytes::ByteBuf::from(r.clone()));
            control.write_all(&encode_frame(&frame)).await.unwrap();
        }
        assert!(
            eventually(DEADLINE, || refused(&fed, "01", "bad_signature") >= 2.0
                && refused(&fed, "01", "not_central") >= 1.0
                && refused(&fed, "01", "garbled") >= 1.0),
            "{}",
            metrics(&fed, "01")
        );
        // The link itself stays up: a refused record is not a broken stream.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(conn.close_reason().is_none(), "{:?}", conn.close_reason());
        conn.close(0u32.into(), b"done");
    });
    for code in ["VN", "01", "00070"] {
        assert_eq!(
            years(&fed, code),
            [(2028, "VN".to_owned(), issued_at, 2)],
            "{code} kept a forged calendar"
        );
    }
    assert_eq!(
        call(&fed, "VN", "GET", "calendars", None, Some(&vn.token)).1,
        genuine
    );

    // The commune counts time limits with it: a session of the province on Thursday 9 March
    // 2028 with the commune as a point owes its test connection one working day before, which
    // skips the published holiday of Wednesday 8 March. (A reception cannot be dated 2028: the
    // log book takes no future day.)
    let session_id = tiepdan_tests::schedule(
        &fed,
        "01",
        &json!({"title": "Tiếp công dân định kỳ tháng 3", "points": ["00070"], "starts_at": "2028-03-09 09:00"}),
    );
    tiepdan_tests::wait_held(&fed, "00070", &format!("sessions/{session_id}"));
    let test_due = |fed: &tiepdan_tests::LocalFederation| {
        call(
            fed,
            "00070",
            "GET",
            &format!("sessions/{session_id}"),
            None,
            None,
        )
        .1["timeline"]["test_due"]
            .clone()
    };
    assert_eq!(test_due(&fed), "2028-03-07");

    // Stored: the commune alone, restarted with no peer to send it again, still holds it.
    fed.stop("VN").unwrap();
    fed.stop("01").unwrap();
    fed.stop("00070").unwrap();
    fed.start("00070").unwrap();
    assert!(eventually(DEADLINE, || fed.api("00070", "status").is_ok()));
    assert_eq!(
        years(&fed, "00070"),
        [(2028, "VN".to_owned(), issued_at, 2)]
    );
    assert_eq!(test_due(&fed), "2028-03-07");

    // `tiepdan calendar`: offline at central (stored, sent when the node runs), refused at a
    // commune, through the API while central runs (the later one wins everywhere).
    let file = dir.path().join("lich-2029.csv");
    std::fs::write(
        &file,
        "date,kind,name,source\n2029-03-07,off,Ngày nghỉ,Thông báo\n",
    )
    .unwrap();
    let publish = |fed: &tiepdan_tests::LocalFederation, code: &str| {
        let data = fed.site(code).unwrap().data.root().to_owned();
        tiepdan(&[
            "calendar",
            "--data",
            data.to_str().unwrap(),
            "--year",
            "2029",
            "--csv",
            file.to_str().unwrap(),
        ])
    };
    let out = publish(&fed, "VN");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("khi nút chạy lại"),
        "{}",
        stdout(&out)
    );
    let out = publish(&fed, "00070");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Trung ương"), "{}", stderr(&out));
    // The command speaks English when the terminal's locale is English.
    let data = fed.site("00070").unwrap().data.root().to_owned();
    let out = std::process::Command::new(tiepdan_tests::tiepdan_bin())
        .args([
            "calendar",
            "--data",
            data.to_str().unwrap(),
            "--year",
            "2029",
            "--csv",
        ])
        .arg(&file)
        .env("LC_ALL", "en_US.UTF-8")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Only the Central Citizen Reception Committee (VN)"),
        "{}",
        stderr(&out)
    );
    let bad = dir.path().join("lich-sai.csv");
    std::fs::write(
        &bad,
        "date,kind,name,source\n2029-03-10,off,Thứ Bảy,Thông báo\n",
    )
    .unwrap();
    let out = tiepdan(&[
        "calendar",
        "--data",
        fed.site("VN").unwrap().data.root().to_str().unwrap(),
        "--year",
        "2029",
        "--csv",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Dòng 2 của lịch: ngày 10/03/2029 là thứ Bảy"),
        "{}",
        stderr(&out)
    );
    fed.start("VN").unwrap();
    fed.start("01").unwrap();
    let year_2029 = |fed: &tiepdan_tests::LocalFederation| {
        years(fed, "00070")
            .into_iter()
            .find(|y| y.0 == 2029)
            .map(|y| (y.2, y.3))
    };
    assert!(
        eventually(DEADLINE, || year_2029(&fed)
            .is_some_and(|(_, off)| off == 1)),
        "{:?}",
        years(&fed, "00070")
    );
    let first = year_2029(&fed).unwrap().0;
    std::fs::write(
        &file,
        "date,kind,name,source\n2029-03-07,off,Ngày nghỉ,Thông báo\n2029-03-08,off,Ngày nghỉ thứ hai,Thông báo\n",
    )
    .unwrap();
    let out = publish(&fed, "VN");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("đang gửi"), "{}", stdout(&out));
    assert!(
        eventually(DEADLINE, || year_2029(&fed)
            .is_some_and(|(at, off)| off == 2 && at > first)),
        "{:?}",
        years(&fed, "00070")
    );
}
