//! Tier 3: the operator's commands — online join, and every bad input getting a clear error
//! while stored state stays as it was.

use tiepdan_tests::{eventually, federation, stderr, tiepdan, tiepdan_bin, DEADLINE};

/// A child process that is killed if the test ends early (a failed assertion must not leave a
/// node running).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn online_join_end_to_end() {
    let (dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let province_http = fed.site("01").unwrap().http.to_string();

    let child = dir.path().join("00070");
    let out = tiepdan(&["init", "--data", s(&child), "--site", "00070"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The child waits for approval in the background, as an officer would leave it running.
    let mut join = Running(
        std::process::Command::new(tiepdan_bin())
            .args([
                "join",
                "--data",
                s(&child),
                "--parent",
                &province_http,
                "--wait-secs",
                "60",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );

    // The parent's operator sees the request and approves it.
    let mut id = 0;
    assert!(eventually(DEADLINE, || {
        let list = fed.api("01", "join-requests").unwrap();
        match list.as_array().and_then(|l| {
            l.iter()
                .find(|r| r["site"] == "00070" && r["state"] == "pending")
        }) {
            Some(r) => {
                id = r["id"].as_u64().unwrap();
                true
            }
            None => false,
        }
    }));
    let token = &fed.site("01").unwrap().token;
    let r = tiepdan_node::cli::client::agent()
        .post(&format!(
            "http://{province_http}/api/v1/join-requests/{id}/approve"
        ))
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({}))
        .unwrap();
    assert_eq!(r.status(), 200);

    // The chain travels back by itself; the child installs it and remembers its parent.
    let status = join.0.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(join.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "join failed: {err}");
    assert!(child.join("tls-chain.pem").exists());
    let config = std::fs::read_to_string(child.join("tiepdan.toml")).unwrap();
    assert!(
        config.contains(&fed.site("01").unwrap().quic.to_string()),
        "{config}"
    );

    // Started with no --parent at all, the new commune connects to its province and central.
    let http = format!(
        "127.0.0.1:{}",
        tiepdan_node::lab::processes::free_port().unwrap()
    );
    let p2p = format!(
        "127.0.0.1:{}",
        tiepdan_node::lab::processes::free_port().unwrap()
    );
    let mut node = std::process::Command::new(tiepdan_bin())
        .args([
            "run",
            "--data",
            s(&child),
            "--listen",
            "127.0.0.1:0",
            "--http",
            &http,
            "--p2p",
            &p2p,
            "--media",
            "127.0.0.1:0",
            "--no-mdns",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ok = eventually(DEADLINE, || {
        fed.connected("01").contains(&"00070".to_owned())
            && fed.connected("VN").contains(&"00070".to_owned())
    });
    let _ = node.kill();
    let _ = node.wait();
    assert!(
        ok,
        "the joined commune did not connect: 01 has {:?}",
        fed.connected("01")
    );
}

#[test]
fn bad_inputs_get_clear_errors_and_leave_state_intact() {
    let (dir, fed) = federation(&["VN", "01", "00070"]);
    let province = fed.site("01").unwrap().data.root().to_path_buf();
    let commune = fed.site("00070").unwrap().data.root().to_path_buf();
    let before = std::fs::read(commune.join("tls-chain.pem")).unwrap();

    // An unknown site code.
    let out = tiepdan(&[
        "init",
        "--data",
        s(&dir.path().join("x")),
        "--site",
        "99999",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not in the official list"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("x").join("site.key").exists(),
        "a failed init left a key behind"
    );

    // A malformed request file.
    let bad_req = dir.path().join("bad-request.pem");
    std::fs::write(
        &bad_req,
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    )
    .unwrap();
    let out_chain = dir.path().join("out.pem");
    let out = tiepdan(&[
        "issue",
        "--data",
        s(&province),
        "--request",
        s(&bad_req),
        "--out",
        s(&out_chain),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("không phải là yêu cầu cấp chứng thư hợp lệ"),
        "{}",
        stderr(&out)
    );
    assert!(!out_chain.exists());

    // A province asked to certify a commune of another province.
    let other = dir.path().join("26506");
    assert!(tiepdan(&["init", "--data", s(&other), "--site", "26506"])
        .status
        .success());
    let out = tiepdan(&[
        "issue",
        "--data",
        s(&province),
        "--request",
        s(&other.join("request.pem")),
        "--out",
        s(&out_chain),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("only to its own communes"),
        "{}",
        stderr(&out)
    );

    // A truncated chain.
    let full = std::fs::read_to_string(commune.join("tls-chain.pem")).unwrap();
    let truncated = dir.path().join("truncated.pem");
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let out = tiepdan(&["install", "--data", s(&commune), s(&truncated)]);
    assert!(!out.status.success());
    assert!(!stderr(&out).is_empty());

    // A chain issued for another site.
    let sibling = dir.path().join("00073");
    assert!(tiepdan(&["init", "--data", s(&sibling), "--site", "00073"])
        .status
        .success());
    let sibling_chain = dir.path().join("sibling-chain.pem");
    assert!(tiepdan(&[
        "issue",
        "--data",
        s(&province),
        "--request",
        s(&sibling.join("request.pem")),
        "--out",
        s(&sibling_chain)
    ])
    .status
    .success());
    let out = tiepdan(&["install", "--data", s(&commune), s(&sibling_chain)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("00073"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(commune.join("tls-chain.pem")).unwrap(),
        before,
        "a refused install changed the stored chain"
    );

    // A config file with a wrong line.
    std::fs::write(
        commune.join("tiepdan.toml"),
        "listen = \"127.0.0.1:0\"\nhttp = 8080\n",
    )
    .unwrap();
    let out = tiepdan(&["run", "--data", s(&commune)]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(e.contains("tiepdan.toml") && e.contains("line 2"), "{e}");
    std::fs::remove_file(commune.join("tiepdan.toml")).unwrap();

    // A key anyone can read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        commune.join("site.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = tiepdan(&["run", "--data", s(&commune)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn the_api_refuses_calls_without_the_token_and_explains_errors() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    let http = fed.site("VN").unwrap().http;
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let agent = tiepdan_node::cli::client::agent();

    let mut r = agent
        .get(&format!("http://{http}/api/v1/status"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("operator.token"),
        "{v}"
    );

    let mut r = agent
        .get(&format!("http://{http}/api/v1/peers"))
        .header("Authorization", "Bearer wrong")
        .call()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.body_mut().read_json::<serde_json::Value>().unwrap()["error"].is_string());

    // A malformed join request gets a 4xx with a reason, and nothing is stored.
    let mut r = agent
        .post(&format!("http://{http}/api/v1/join-requests"))
        .send_json(
            serde_json::json!({ "request_pem": "garbage", "secret": "0123456789abcdef0123" }),
        )
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.body_mut().read_json::<serde_json::Value>().unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("chứng thư")
    );
    assert_eq!(
        fed.api("VN", "join-requests").unwrap(),
        serde_json::json!([])
    );

    // A body that is not JSON.
    let mut r = agent
        .post(&format!("http://{http}/api/v1/join-requests"))
        .header("Content-Type", "application/json")
        .send("{not json")
        .unwrap();
    assert!(r.status().is_client_error());
    assert!(r.body_mut().read_json::<serde_json::Value>().unwrap()["error"].is_string());

    // The status page speaks Vietnamese.
    let mut r = agent.get(&format!("http://{http}/")).call().unwrap();
    let page = r.body_mut().read_to_string().unwrap();
    assert!(page.contains("Các điểm kết nối") && page.contains("Chứng thư số hết hạn"));
    let mut r = agent
        .get(&format!("http://{http}/so-tiep-cong-dan"))
        .call()
        .unwrap();
    let page = r.body_mut().read_to_string().unwrap();
    assert!(page.contains("Vào sổ một lượt tiếp công dân") && page.contains("Mẫu 03/TCD"));
}

#[test]
fn a_node_warns_before_its_certificate_expires_and_stops_cleanly_on_sigterm() {
    let (dir, _fed) = federation(&["VN", "01"]);
    let province = dir.path().join("01");
    let commune = dir.path().join("00070");
    assert!(tiepdan(&["init", "--data", s(&commune), "--site", "00070"])
        .status
        .success());
    let chain = dir.path().join("00070.chain.pem");
    let out = tiepdan(&[
        "issue",
        "--data",
        s(&province),
        "--request",
        s(&commune.join("request.pem")),
        "--out",
        s(&chain),
        "--days",
        "10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tiepdan(&["install", "--data", s(&commune), s(&chain)])
        .status
        .success());

    let http = format!(
        "127.0.0.1:{}",
        tiepdan_node::lab::processes::free_port().unwrap()
    );
    let p2p = format!(
        "127.0.0.1:{}",
        tiepdan_node::lab::processes::free_port().unwrap()
    );
    let log_path = dir.path().join("00070.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut node = Running(
        std::process::Command::new(tiepdan_bin())
            .args([
                "run",
                "--data",
                s(&commune),
                "--listen",
                "127.0.0.1:0",
                "--http",
                &http,
                "--p2p",
                &p2p,
                "--media",
                "127.0.0.1:0",
                "--no-mdns",
            ])
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let token = std::fs::read_to_string(commune.join("operator.token"))
        .unwrap()
        .trim()
        .to_owned();
    let agent = tiepdan_node::cli::client::agent();
    let mut status = serde_json::Value::Null;
    assert!(eventually(DEADLINE, || {
        match agent
            .get(&format!("http://{http}/api/v1/status"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
        {
            Ok(mut r) if r.status() == 200 => {
                status = r.body_mut().read_json().unwrap();
                true
            }
            _ => false,
        }
    }));
    let days = status["cert_expires_in_days"].as_i64().unwrap();
    assert!((9..=10).contains(&days), "{status}");
    assert!(std::fs::read_to_string(&log_path)
        .unwrap()
        .contains("expires soon"));
    assert!(commune.join("run.json").exists());

    // SIGTERM: a clean exit, the store released and run.json removed.
    // SAFETY: signalling the child we spawned.
    unsafe { libc::kill(node.0.id() as i32, libc::SIGTERM) };
    let exit = node.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(std::fs::read_to_string(&log_path)
        .unwrap()
        .contains("stopped cleanly"));
    assert!(!commune.join("run.json").exists());
    // The store was released, and what the node stored is there.
    let store = tiepdan_node::site::store::Store::open(&commune.join("store.redb"))
        .expect("store released");
    assert!(store.peers().is_ok());
}

#[test]
fn case_commands_work_offline_and_through_the_running_node_and_the_log_book_exports() {
    let (dir, mut fed) = federation(&["VN", "01", "00004"]);
    let commune = fed.site("00004").unwrap().data.root().to_path_buf();
    let file = dir.path().join("reception.json");
    std::fs::write(
        &file,
        tiepdan_tests::reception("complaint", "Nguyễn Thị Sổ").to_string(),
    )
    .unwrap();

    let officer = dir.path().join("canbo.token");
    std::fs::write(&officer, &fed.site("00004").unwrap().officer).unwrap();
    let operator = commune.join("operator.token");

    // The account's role is checked offline as the node checks it: IT staff receive nobody.
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&operator),
        "receive",
        s(&file),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("không được ghi nhận lượt tiếp công dân"),
        "{}",
        stderr(&out)
    );

    // Offline: the node is not running; the command works on the store.
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "receive",
        s(&file),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&tiepdan_tests::stdout(&out)).unwrap();
    let offline_id = v["case_id"].as_str().unwrap().to_owned();
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "event",
        &offline_id,
        r#"{"accepted":{"decision_no":"01/QĐ"}}"#,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = dir.path().join("so.csv");
    let out = tiepdan(&[
        "logbook",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "--format",
        "csv",
        "--out",
        s(&csv),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("Ngày tiếp") && text.contains("Nguyễn Thị Sổ") && text.contains("Khiếu nại"),
        "{text}"
    );
    let html = dir.path().join("so.html");
    assert!(tiepdan(&[
        "logbook",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "--format",
        "html",
        "--out",
        s(&html)
    ])
    .status
    .success());
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("SỔ TIẾP CÔNG DÂN"));

    // Online: the same commands go through the API, and the offline case reaches the province.
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "receive",
        s(&file),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "list",
        "--kind",
        "complaint",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_str(&tiepdan_tests::stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let out = tiepdan(&[
        "case",
        "--data",
        s(&commune),
        "--token-file",
        s(&officer),
        "escalate",
        &offline_id,
        "--to",
        "79",
    ]);
    assert!(
        !out.status.success(),
        "escalating to a province without jurisdiction must fail"
    );
    assert!(
        eventually(DEADLINE, || tiepdan_tests::call(
            &fed,
            "01",
            "GET",
            &format!("cases/{offline_id}"),
            None,
            None
        )
        .0 == 200),
        "the case written offline never reached the province"
    );
    let (_, v) = tiepdan_tests::call(
        &fed,
        "01",
        "GET",
        &format!("cases/{offline_id}"),
        None,
        None,
    );
    assert_eq!(v["history"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn a_node_with_an_empty_operator_token_refuses_to_start() {
    let (_dir, fed) = federation(&["VN"]);
    let data = fed.site("VN").unwrap().data.root().to_path_buf();
    let token = data.join("operator.token");
    for text in ["", "\n", "short\n"] {
        std::fs::write(&token, text).unwrap();
        let out = tiepdan(&["run", "--data", s(&data), "--http", "127.0.0.1:0"]);
        assert!(!out.status.success(), "started with token {text:?}");
        assert!(
            stderr(&out).contains("no usable operator token"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn the_operator_manages_accounts_with_tiepdan_user_offline_and_online() {
    let (dir, mut fed) = federation(&["VN"]);
    let data = fed.site("VN").unwrap().data.root().to_path_buf();
    let d = s(&data);
    // Offline, on the store.
    let out = tiepdan(&[
        "user",
        "--data",
        d,
        "add",
        "--name",
        "ngoclan",
        "--full-name",
        "Vũ Ngọc Lan",
        "--role",
        "officer",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = tiepdan_tests::stdout(&out);
    assert!(text.contains("mật khẩu tạm thời"), "{text}");
    let temporary = text.rsplit(": ").next().unwrap().trim().to_owned();
    let out = tiepdan(&[
        "user",
        "--data",
        d,
        "add",
        "--name",
        "ngoclan",
        "--full-name",
        "X",
        "--role",
        "chair",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Đã có tài khoản ngoclan"),
        "{}",
        stderr(&out)
    );
    let out = tiepdan(&[
        "user",
        "--data",
        d,
        "add",
        "--name",
        "x",
        "--full-name",
        "X",
        "--role",
        "admin",
    ]);
    assert!(!out.status.success());
    let token_file = dir.path().join("ngoclan.token");
    let out = tiepdan(&[
        "user",
        "--data",
        d,
        "token",
        "--name",
        "ngoclan",
        "--out",
        s(&token_file),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = tiepdan_tests::stdout(&tiepdan(&["user", "--data", d, "list"]));
    assert!(
        list.contains("Vũ Ngọc Lan") && list.contains("đang dùng"),
        "{list}"
    );

    // Online, through the running node: disabling stops the token at once.
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    let (status, _) = tiepdan_tests::call(&fed, "VN", "GET", "cases", None, Some(&token));
    assert_eq!(status, 200);
    let (status, me) = tiepdan_node::cli::client::api_status(
        fed.site("VN").unwrap().http,
        "",
        "POST",
        "sign-in",
        Some(&serde_json::json!({"name": "ngoclan", "password": temporary})),
    );
    assert_eq!(
        (status, me["full_name"].as_str()),
        (200, Some("Vũ Ngọc Lan")),
        "{me}"
    );
    let out = tiepdan(&["user", "--data", d, "disable", "--name", "ngoclan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (status, _) = tiepdan_tests::call(&fed, "VN", "GET", "cases", None, Some(&token));
    assert_eq!(status, 401);
    let list = tiepdan_tests::stdout(&tiepdan(&["user", "--data", d, "list"]));
    assert!(list.contains("đã khóa"), "{list}");
    let out = tiepdan(&["user", "--data", d, "enable", "--name", "ngoclan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (status, _) = tiepdan_tests::call(&fed, "VN", "GET", "cases", None, Some(&token));
    assert_eq!(status, 200);
}
