//! The biểu of TT 01/2024 (issue 13 items 1–4) at real processes: receptions typed with the new
//! fields at two communes of Hà Nội in Q3 2026, counted by hand; the province's `01-tcd` and
//! `01-xld` over itself and its communes as JSON, as an XLSX that a third-party reader
//! (openpyxl) opens, and as a print page; wrong asks refused with a code; a commune's chair
//! submits its report, which reaches the province, which sees it match and then differ once a
//! late line is entered; `tiepdan report` writes the same offline.

use serde_json::{json, Value};
use tiepdan_tests::{
    call, eventually, federation, get_raw, reception, stderr, tiepdan, wait_held, LocalFederation,
    DEADLINE,
};

fn post(fed: &LocalFederation, site: &str, body: Value) -> (u16, Value) {
    call(fed, site, "POST", "receptions", Some(&body), None)
}

fn line(kind: &str, name: &str, date: &str, extra: Value) -> Value {
    let mut b = reception(kind, name);
    b["date"] = json!(date);
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

#[test]
fn reports_are_computed_printed_submitted_and_compared_up_the_hierarchy() {
    let (dir, mut fed) = federation(&["VN", "01", "00004", "00008"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    // What the officer may not state: corruption in a complaint, several signatories alone,
    // an earlier case nobody holds.
    for (extra, want) in [
        (json!({"sector": "corruption"}), "tham nhũng"),
        (json!({"several_signatories": true}), "nhiều người đứng tên"),
        (
            json!({"repeat": true, "earlier_case": "00004-2020-00001"}),
            "00004-2020-00001",
        ),
    ] {
        let (s, v) = post(
            &fed,
            "00004",
            line("complaint", "Sai Sót", "2026-07-01", extra),
        );
        assert_eq!(s, 422, "{v}");
        assert!(v["error"].as_str().unwrap().contains(want), "{v}");
    }

    // Q3 2026 (15/6 → 14/9). 00004: a complaint on land; a petition of two signatories,
    // repeat, at the head's periodic reception; a crowd of six; an anonymous denunciation by
    // post on corruption; one line after the period. 00008: one complaint.
    let mut ids = Vec::new();
    let crowd_rep = json!([{"name": "Ngô Văn Dũng", "role": "crowd_representative", "document": "Văn bản cử đại diện"}]);
    for (site, body) in [
        (
            "00004",
            line(
                "complaint",
                "Nguyễn Văn Một",
                "2026-07-01",
                json!({"sector": "land_housing"}),
            ),
        ),
        (
            "00004",
            line(
                "petition",
                "Trần Thị Hai",
                "2026-08-03",
                json!({"people_count": 2, "several_signatories": true, "repeat": true, "prior_status": "resolved_once", "session_type": "periodic"}),
            ),
        ),
        (
            "00004",
            line(
                "complaint",
                "Lê Văn Ba",
                "2026-08-10",
                json!({"people_count": 6, "representatives": crowd_rep}),
            ),
        ),
        (
            "00004",
            json!({"kind": "denunciation", "summary": "Tố cáo cán bộ nhận hối lộ", "people_count": 1, "request": "Xử lý", "officer": "Trần Thị B", "date": "2026-08-20", "source": "post", "anonymous": true, "sector": "corruption"}),
        ),
        (
            "00004",
            line("complaint", "Vũ Văn Năm", "2026-09-15", json!({})),
        ),
        (
            "00008",
            line("complaint", "Phạm Thị Sáu", "2026-07-02", json!({})),
        ),
    ] {
        let (s, v) = post(&fed, site, body);
        assert_eq!(s, 201, "{v}");
        ids.push(v["case_id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        wait_held(&fed, "01", &format!("cases/{id}"));
    }

    let (s, v) = call(
        &fed,
        "01",
        "GET",
        "reports/01-tcd?period=2026-Q3&scope=descendants",
        None,
        None,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["form"].as_str(), v["scope"].as_str()),
        (Some("01-tcd"), Some("descendants"))
    );
    assert_eq!(
        (v["period"]["from"].as_str(), v["period"]["to"].as_str()),
        (Some("2026-06-15"), Some("2026-09-14"))
    );
    let communes = tiepdan_protocol::sites::Registry::official()
        .children("01")
        .len();
    assert_eq!(v["sites"], 1 + communes as u64);
    let t = &v["totals"];
    for (col, n) in [
        ("visits", 3),
        ("persons", 4),
        ("cases_first", 2),
        ("cases_repeat", 1),
        ("crowds", 1),
        ("crowd_persons", 6),
        ("periodic_sessions", 1),
        ("refused", 0),
        ("don_complaint", 3),
        ("don_petition", 1),
    ] {
        assert_eq!(t[col], n, "01-tcd {col}: {t}");
    }
    let row = |v: &Value, code: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&v, "00004")["values"]["visits"], 2);
    assert_eq!(row(&v, "00004")["name"], "Phường Ba Đình");
    assert_eq!(row(&v, "00008")["values"]["visits"], 1);

    let (s, x) = call(
        &fed,
        "01",
        "GET",
        "reports/01-xld?period=2026-Q3&scope=descendants",
        None,
        None,
    );
    assert_eq!(s, 200, "{x}");
    let t = &x["totals"];
    for (col, n) in [
        ("received", 5),
        ("carried_over", 0),
        ("total", 5),
        ("several_signatories", 1),
        ("one_signatory", 4),
        ("eligible", 4),
        ("complaint", 3),
        ("denunciation", 1),
        ("petition", 1),
        ("resolved_once", 1),
        ("not_resolved", 4),
    ] {
        assert_eq!(t[col], n, "01-xld {col}: {t}");
    }
    let (s, x3) = call(
        &fed,
        "01",
        "GET",
        "reports/03-xld?period=2026-Q3&scope=descendants",
        None,
        None,
    );
    assert_eq!(
        (s, &x3["totals"]["sector_corruption"]),
        (200, &json!(1)),
        "{x3}"
    );

    // The XLSX, read by openpyxl: the official heading and the totals row.
    let (s, kind, xlsx) = get_raw(
        &fed,
        "01",
        "reports/01-tcd?period=2026-Q3&scope=descendants&format=xlsx",
    );
    assert_eq!(s, 200);
    assert!(kind.starts_with("application/vnd.openxmlformats"), "{kind}");
    let file = dir.path().join("bieu.xlsx");
    std::fs::write(&file, &xlsx).unwrap();
    let script = "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1]).active\nfor row in ws.iter_rows(values_only=True):\n    print('\\t'.join('' if c is None else str(c) for c in row))";
    let out = std::process::Command::new("python3")
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .expect("python3 runs (CI installs openpyxl: python3 -m pip install openpyxl)");
    let sheet = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "openpyxl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        sheet.contains("Biểu số 01/TCD") && sheet.contains("TỔNG HỢP KẾT QUẢ TIẾP CÔNG DÂN"),
        "{sheet}"
    );
    assert!(
        sheet.contains("Quý III/2026 (số liệu từ ngày 15/06/2026 đến ngày 14/09/2026)"),
        "{sheet}"
    );
    let totals_row = sheet
        .lines()
        .find(|l| l.starts_with("Tổng cộng"))
        .unwrap_or_default();
    assert!(
        totals_row.starts_with("Tổng cộng\t\t3\t4\t2\t1\t1\t6\t"),
        "{totals_row:?}"
    );
    assert!(sheet.contains("Phường Ba Đình (00004)"), "{sheet}");

    // The print page: A4 landscape with the letterhead.
    let (s, kind, html) = get_raw(
        &fed,
        "01",
        "reports/01-xld?period=2026-Q3&scope=descendants&format=html",
    );
    let html = String::from_utf8(html).unwrap();
    assert_eq!(s, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    for want in [
        "Biểu số 01/XLD",
        "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN",
        "Ban Tiếp công dân",
        "Tổng cộng",
        "A4 landscape",
    ] {
        assert!(html.contains(want), "{want}");
    }

    // Wrong asks, each with its code.
    for (path, status, code) in [
        ("reports/05-xld?period=2026-Q3", 400, "bad_form"),
        ("reports/01-tcd?period=2026-H2", 422, "bad_period"),
        ("reports/01-tcd?period=2026-Q3&scope=all", 400, "bad_scope"),
        (
            "reports/01-tcd?period=2026-Q3&format=pdf",
            400,
            "bad_format",
        ),
    ] {
        let (s, v) = call(&fed, "01", "GET", path, None, None);
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{path}: {v}");
    }
    let (s, v) = call(
        &fed,
        "00004",
        "GET",
        "reports/01-tcd?period=2026-Q3&site=00008",
        None,
        None,
    );
    assert_eq!(s, 403, "a commune reports on nobody else: {v}");

    // Submission: the chair's, after the cut-off; the officer may not.
    let submit = json!({"period": "2026-Q3", "scope": "site", "note": "Số liệu đầy đủ"});
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "reports/01-tcd/submissions",
        Some(&submit),
        None,
    );
    assert_eq!(s, 403, "{v}");
    let chair = fed.site("00004").unwrap().chair.clone();
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "reports/01-tcd/submissions",
        Some(&json!({"period": "2026-Q4"})),
        Some(&chair),
    );
    assert_eq!(s, 409, "Q4 2026 is not cut off yet: {v}");
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "reports/01-tcd/submissions",
        Some(&submit),
        Some(&chair),
    );
    assert_eq!(s, 201, "{v}");
    let line_of = |fed: &LocalFederation| -> Value {
        let (_, v) = call(
            fed,
            "01",
            "GET",
            "reports/submissions?period=2026-Q3&form=01-tcd",
            None,
            None,
        );
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["site"] == "00004")
            .cloned()
            .unwrap()
    };
    assert!(
        eventually(DEADLINE, || !line_of(&fed)["record"].is_null()),
        "the submission never reached the province"
    );
    let l = line_of(&fed);
    assert_eq!(l["differences"], json!([]), "{l}");
    assert!(
        ["on_time", "late"].contains(&l["timeliness"]["status"].as_str().unwrap()),
        "{l}"
    );
    // A line entered late for Q3: the province now counts one visit more than was submitted.
    let (s, v) = post(
        &fed,
        "00004",
        line("complaint", "Đỗ Văn Bảy", "2026-09-01", json!({})),
    );
    assert_eq!(s, 201, "{v}");
    wait_held(
        &fed,
        "01",
        &format!("cases/{}", v["case_id"].as_str().unwrap()),
    );
    let l = line_of(&fed);
    assert!(
        l["differences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["column"] == "visits" && d["submitted"] == 2 && d["computed"] == 3),
        "{l}"
    );

    // `tiepdan report` offline, on the stopped commune's data folder.
    fed.stop("00008").unwrap();
    let data = fed.site("00008").unwrap().data.root().to_path_buf();
    let token = dir.path().join("canbo.token");
    std::fs::write(&token, &fed.site("00008").unwrap().officer).unwrap();
    let out_file = dir.path().join("bieu.json");
    let report = |args: &[&str]| {
        let mut all = vec![
            "report",
            "--data",
            data.to_str().unwrap(),
            "--token-file",
            token.to_str().unwrap(),
            "--out",
            out_file.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        tiepdan(&all)
    };
    let out = report(&["01-tcd", "--period", "2026-Q3", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(
        (v["totals"]["visits"].as_u64(), v["sites"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let out = report(&["05-xld"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Không có biểu báo cáo"),
        "{}",
        stderr(&out)
    );
}
