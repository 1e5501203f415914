//! The printed documents (issue 12, "Documents"): Form 01/TCD (the refusal notice) and Form
//! 02/TCD (the receipt for documents) of a case, and Form 03/TCD (the log book) as A4 pages,
//! from real processes. Sites: central, province 01 and its commune 00004 (Phường Ba Đình).

use serde_json::{json, Value};
use tiepdan_protocol::case::RefusalReason;
use tiepdan_tests::{call, eventually, federation, reception, LocalFederation, DEADLINE};

/// A GET of a page: status, the headers a page is judged by, and the body.
struct Got {
    status: u16,
    content_type: String,
    frame: String,
    referrer: String,
    csp: String,
    body: String,
}

fn get(fed: &LocalFederation, at: &str, path: &str, token: Option<&str>) -> Got {
    let s = fed.site(at).expect("site");
    let token = token.unwrap_or(&s.officer);
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!("http://{}/api/v1/{path}", s.http))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("the node answers");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    Got {
        status: r.status().as_u16(),
        content_type: header("content-type"),
        frame: header("x-frame-options"),
        referrer: header("referrer-policy"),
        csp: header("content-security-policy"),
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// The JSON error of a refused GET: status and code.
fn refused(fed: &LocalFederation, at: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let (s, v) = call(fed, at, "GET", path, None, token);
    (s, v["code"].as_str().unwrap_or_default().to_owned())
}

fn receive(fed: &LocalFederation, body: &Value) -> String {
    let (s, v) = call(fed, "00004", "POST", "receptions", Some(body), None);
    assert_eq!(s, 201, "{v}");
    v["case_id"].as_str().unwrap().to_owned()
}

fn history_len(fed: &LocalFederation, at: &str, id: &str) -> usize {
    let (_, v) = call(fed, at, "GET", &format!("cases/{id}"), None, None);
    v["history"].as_array().map(Vec::len).unwrap_or(0)
}

const HEADING: [&str; 2] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
];

fn assert_page(g: &Got, what: &str) {
    assert_eq!(g.status, 200, "{what}: {}", g.body);
    assert_eq!(g.content_type, "text/html; charset=utf-8", "{what}");
    assert_eq!(
        (g.frame.as_str(), g.referrer.as_str()),
        ("DENY", "no-referrer"),
        "{what}: the headers of the web pages"
    );
    assert!(
        g.csp.contains("script-src 'nonce-") && g.csp.contains("default-src 'none'"),
        "{what}: {}",
        g.csp
    );
    for h in HEADING {
        assert!(g.body.contains(h), "{what} lacks {h:?}");
    }
    assert!(
        g.body.contains("@page { size: A4") && g.body.contains("@media print"),
        "{what} is not an A4 page with a print style"
    );
    assert!(
        g.body.contains("id=\"print\""),
        "{what} has no print button"
    );
}

#[test]
fn the_forms_print_with_the_national_heading_and_escape_what_citizens_typed() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let s = fed.site("00004").unwrap();
    let (operator, chair) = (s.token.clone(), s.chair.clone());

    // A refused visit, whose name carries markup.
    let name = "<script>alert(\"x\")</script><img src=x onerror=alert(1)> Nguyễn Văn Từ Chối";
    let mut refused_visit = reception("complaint", name);
    refused_visit["request"] = json!("");
    refused_visit["refusal"] = json!("already_resolved");
    let refused_id = receive(&fed, &refused_visit);

    let g = get(&fed, "00004", &format!("cases/{refused_id}/forms/01"), None);
    assert_page(&g, "Form 01");
    for want in [
        "Mẫu số 01/TCD",
        "THÔNG BÁO",
        "Về việc từ chối tiếp công dân",
        "Ủy ban nhân dân phường Ba Đình",
        "Ba Đình, ngày ",
        RefusalReason::AlreadyResolved.label_vi(),
        "khoản 3 Điều 9 Luật Tiếp công dân năm 2013",
        "NGƯỜI ĐỨNG ĐẦU CƠ QUAN, TỔ CHỨC, ĐƠN VỊ",
        "(Ký, ghi rõ họ tên và đóng dấu)",
        "Nguyễn Văn Từ Chối",
        "&#60;script&#62;alert(",
        "&#60;img src=x onerror=alert(1)&#62;",
    ] {
        assert!(g.body.contains(want), "Form 01 lacks {want:?}: {}", g.body);
    }
    assert!(
        !g.body.contains("<script>alert") && !g.body.contains("<img"),
        "the name reached the page as markup: {}",
        g.body
    );
    // The chair reads cases too.
    assert_eq!(
        get(
            &fed,
            "00004",
            &format!("cases/{refused_id}/forms/01"),
            Some(&chair)
        )
        .status,
        200
    );
    // No documents were handed in at that visit.
    assert_eq!(
        refused(&fed, "00004", &format!("cases/{refused_id}/forms/02"), None),
        (409, "no_evidence".to_owned())
    );

    // A visit with two documents handed in.
    let mut with_evidence = reception("complaint", "Trần Văn Nộp Giấy");
    with_evidence["evidence"] = json!([
        {"name": "Quyết định thu hồi đất số 12/QĐ-UBND", "pages": 3, "condition": "certified_copy"},
        {"name": "Giấy chứng nhận quyền sử dụng đất", "pages": 2, "condition": "copy"}
    ]);
    let receipt_id = receive(&fed, &with_evidence);
    let g = get(&fed, "00004", &format!("cases/{receipt_id}/forms/02"), None);
    assert_page(&g, "Form 02");
    for want in [
        "Mẫu số 02/TCD",
        "GIẤY BIÊN NHẬN",
        "Trần Văn Nộp Giấy",
        "Trần Thị B",
        "Quyết định thu hồi đất số 12/QĐ-UBND",
        "Bản sao có chứng thực",
        "Giấy chứng nhận quyền sử dụng đất",
        ">3<",
        ">2<",
        "Bản sao<",
        "5 trang",
        "NGƯỜI CUNG CẤP THÔNG TIN, TÀI LIỆU",
        "NGƯỜI TIẾP CÔNG DÂN",
        "(Ký, ghi rõ họ tên)",
    ] {
        assert!(g.body.contains(want), "Form 02 lacks {want:?}: {}", g.body);
    }
    assert_eq!(
        refused(&fed, "00004", &format!("cases/{receipt_id}/forms/01"), None),
        (409, "no_refusal".to_owned())
    );

    // What is not there, and who may not read.
    for form in ["01", "02"] {
        let path = format!("cases/00004-2026-99999/forms/{form}");
        assert_eq!(refused(&fed, "00004", &path, None).0, 404, "{path}");
        let path = format!("cases/{receipt_id}/forms/{form}");
        assert_eq!(
            refused(&fed, "00004", &path, Some(&operator)),
            (403, "role_forbidden".to_owned()),
            "the operator reads no case"
        );
        assert_eq!(
            refused(&fed, "00004", &path, Some("khong-phai-ma-nao-ca")),
            (401, "not_signed_in".to_owned())
        );
    }

    // The province holds the case and prints it under the commune's name, which received it.
    assert!(eventually(DEADLINE, || {
        get(&fed, "01", &format!("cases/{receipt_id}/forms/02"), None).status == 200
    }));
    let g = get(&fed, "01", &format!("cases/{receipt_id}/forms/02"), None);
    assert!(g.body.contains("Ba Đình, ngày "), "{}", g.body);
}

#[test]
fn a_sealed_receipt_prints_for_the_officer_and_the_view_is_recorded() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let name = "Lê Thị Tố Giác";
    let mut denunciation = reception("denunciation", name);
    denunciation["evidence"] = json!([
        {"name": "Ảnh chụp biên lai thu tiền", "pages": 1, "condition": "original"},
        {"name": "Bản tường trình", "pages": 4, "condition": "copy"}
    ]);
    let id = receive(&fed, &denunciation);
    let before = history_len(&fed, "00004", &id);

    let g = get(&fed, "00004", &format!("cases/{id}/forms/02"), None);
    assert_page(&g, "Form 02 of a denunciation");
    for want in [
        name,
        "Ảnh chụp biên lai thu tiền",
        "Bản gốc",
        "Bản tường trình",
    ] {
        assert!(g.body.contains(want), "{want:?} missing: {}", g.body);
    }
    assert_eq!(
        history_len(&fed, "00004", &id),
        before + 1,
        "printing a sealed identity is recorded as a view of it"
    );
    let (_, v) = call(&fed, "00004", "GET", &format!("cases/{id}"), None, None);
    assert!(
        !v.to_string().contains(name),
        "the case view still hides it: {v}"
    );

    // The log book keeps it sealed.
    let g = get(&fed, "00004", "logbook?format=html", None);
    assert_page(&g, "Form 03");
    assert!(
        g.body.contains("(bảo mật)") && !g.body.contains(name),
        "{}",
        g.body
    );
}

#[test]
fn the_log_book_prints_the_years_receptions() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let year = tiepdan_protocol::case::date_from_unix_ms(now).year();
    let this_year = ["Phạm Văn Một", "Hoàng Thị <Hai>"];
    receive(&fed, &reception("petition", this_year[0]));
    // The second came by post, anonymous, and was entered at the head's periodic session.
    let mut by_post = reception("petition", this_year[1]);
    by_post["session_type"] = json!("periodic");
    by_post["source"] = json!("post");
    by_post["anonymous"] = json!(true);
    receive(&fed, &by_post);
    let mut last_year = reception("complaint", "Vũ Văn Năm Trước");
    last_year["date"] = json!(format!("{}-06-15", year - 1));
    receive(&fed, &last_year);

    let g = get(
        &fed,
        "00004",
        &format!("logbook?format=html&year={year}"),
        None,
    );
    assert_page(&g, "Form 03");
    for want in [
        "Mẫu số 03/TCD",
        "SỔ TIẾP CÔNG DÂN",
        &format!("Năm {year}"),
        "size: A4 landscape",
        "Phạm Văn Một",
        "Hoàng Thị &#60;Hai&#62;",
        "Tóm tắt nội dung vụ việc",
        "Kiến nghị",
        "Ủy ban nhân dân phường Ba Đình",
        // How each was held, in the notes column.
        "Tiếp thường xuyên, trực tiếp",
        "Tiếp định kỳ, trực tiếp; đơn qua bưu chính; đơn nặc danh",
    ] {
        assert!(g.body.contains(want), "Form 03 lacks {want:?}: {}", g.body);
    }
    assert!(
        !g.body.contains("Vũ Văn Năm Trước"),
        "last year's reception is in this year's book"
    );
    let g = get(
        &fed,
        "00004",
        &format!("logbook?format=html&year={}", year - 1),
        None,
    );
    assert!(
        g.body.contains("Vũ Văn Năm Trước") && !g.body.contains("Phạm Văn Một"),
        "{}",
        g.body
    );

    // The CSV takes the year too; a year with dates, or out of range, is refused.
    let (s, csv) = call(
        &fed,
        "00004",
        "GET",
        &format!("logbook?year={year}"),
        None,
        None,
    );
    assert_eq!(s, 200);
    let csv = csv.as_str().unwrap_or_default();
    assert!(
        csv.contains("Phạm Văn Một") && !csv.contains("Vũ Văn Năm Trước"),
        "{csv}"
    );
    // The 13 official columns in order, then how each reception was held, one fact a column.
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap().ends_with(
            ",Theo dõi kết quả giải quyết,Ghi chú,Chế độ tiếp,Hình thức tiếp,Nguồn đơn,Đơn nặc danh"
        ),
        "{csv}"
    );
    let line = |name: &str| {
        csv.lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("Phạm Văn Một").ends_with(",Thường xuyên,Trực tiếp,Công dân đến trực tiếp,"),
        "{csv}"
    );
    assert!(
        line("Hoàng Thị <Hai>").ends_with(",Định kỳ,Trực tiếp,Đơn qua bưu chính,x"),
        "{csv}"
    );
    assert_eq!(
        refused(
            &fed,
            "00004",
            &format!("logbook?format=html&year={year}&from={year}-01-01"),
            None
        ),
        (400, "bad_request".to_owned())
    );
    assert_eq!(
        refused(&fed, "00004", "logbook?format=html&year=99999", None).0,
        400
    );
    let operator = fed.site("00004").unwrap().token.clone();
    assert_eq!(
        refused(&fed, "00004", "logbook?format=html", Some(&operator)),
        (403, "role_forbidden".to_owned())
    );
}
