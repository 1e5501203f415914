//! Tier 3, issue 12: what `tiepdan` tells the person at the terminal is Vietnamese — set-up
//! (`init`), `recording verify` on a good, a truncated and a missing recording, a wrong line
//! of a holiday calendar, a command that fails and the help — and none of the English it
//! used to print is left; `LC_ALL=en…` still gives English.

use std::path::Path;
use std::process::{Command, Output};

use tiepdan_keys::cert::Chain;
use tiepdan_keys::SiteKey;
use tiepdan_node::recording::{Limits, RecordingWriter, Signer, TrackInfo, TrackKind};
use tiepdan_tests::{federation, stderr, stdout, tiepdan_bin};

/// Runs `tiepdan ARGS…` with a Vietnamese locale, or English when `en`.
fn run(args: &[&str], en: bool) -> Output {
    let mut c = Command::new(tiepdan_bin());
    c.args(args).env_remove("LC_ALL");
    c.env("LANG", if en { "en_US.UTF-8" } else { "vi_VN.UTF-8" });
    c.output().expect("run tiepdan")
}

fn vi(args: &[&str]) -> Output {
    run(args, false)
}

fn all(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// The text has every one of `want` and none of `english`.
fn assert_vietnamese(what: &str, text: &str, want: &[&str], english: &[&str]) {
    for w in want {
        assert!(text.contains(w), "{what}: lacks {w:?}:\n{text}");
    }
    for e in english {
        assert!(!text.contains(e), "{what}: still English {e:?}:\n{text}");
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_terminal_speaks_vietnamese() {
    let (dir, fed) = federation(&["VN", "01", "00070"]);

    // Setting up a site.
    let new_site = dir.path().join("moi-00073");
    let o = vi(&["init", "--data", s(&new_site), "--site", "00073"]);
    assert!(o.status.success(), "{}", all(&o));
    assert_vietnamese(
        "init",
        &all(&o),
        &["Đã tạo điểm", "Yêu cầu cấp chứng thư", "Bước tiếp theo"],
        &[
            "Created site",
            "Certificate request",
            "Next:",
            "send it to the parent",
        ],
    );
    // A command that fails: the key is already there.
    let o = vi(&["init", "--data", s(&new_site), "--site", "00073"]);
    assert!(!o.status.success());
    assert!(stderr(&o).starts_with("lỗi: "), "{}", stderr(&o));
    assert_vietnamese(
        "init twice",
        &stderr(&o),
        &["đã có khóa của điểm"],
        &["error:", "already holds a site key", "refusing"],
    );
    let o = vi(&["init", "--data", s(&dir.path().join("khac"))]);
    assert!(!o.status.success());
    assert_vietnamese(
        "init without --site",
        &stderr(&o),
        &["lỗi: ", "cần ghi --site"],
        &["error:", "is required"],
    );

    // A recording by commune 00070, signed with its key and chain.
    let site = fed.site("00070").unwrap();
    let key = SiteKey::load(&site.data.key_path()).unwrap();
    let chain =
        Chain::from_pem(&std::fs::read_to_string(site.data.tls_chain_path()).unwrap()).unwrap();
    let signer = Signer::from_site_key(&key, "00070", &chain).unwrap();
    let limits = Limits {
        segment_duration_us_max: 1_000_000,
        ..Limits::default()
    };
    let mut w = RecordingWriter::create(
        site.data.root(),
        "00070-2026-12",
        "00070",
        "cong-dan-1",
        &TrackInfo::audio_video(),
        signer,
        limits,
    )
    .unwrap();
    for t in (0..2_500u64).step_by(20) {
        let mut p = vec![0xFC; 80];
        p[1..9].copy_from_slice(&t.to_be_bytes());
        w.write_frame(TrackKind::Audio, t * 1000, false, &p)
            .unwrap();
    }
    let publisher = w.dir().to_path_buf();
    w.close().unwrap();
    let root = fed.site("VN").unwrap().data.chain_path();

    let o = vi(&[
        "recording",
        "verify",
        s(&publisher),
        "--root-chain",
        s(&root),
    ]);
    assert!(o.status.success(), "{}", all(&o));
    assert_vietnamese(
        "verify, intact",
        &all(&o),
        &[
            "NGUYÊN VẸN",
            "đoạn đã niêm phong",
            "mã chỉ mục",
            "đã được xác thực với chứng thư gốc",
            "Đã kiểm tra 1 bản ghi: tất cả còn nguyên vẹn.",
        ],
        &[
            "INTACT",
            "recording(s) checked",
            "sealed segment",
            "index id",
            "signed by site",
            "closed",
        ],
    );
    // Without --root-chain: a note, in Vietnamese.
    let o = vi(&["recording", "verify", s(&publisher)]);
    assert!(o.status.success(), "{}", all(&o));
    assert_vietnamese(
        "verify, note",
        &all(&o),
        &["ghi chú: do điểm 00070 ký", "chưa kiểm tra"],
        &["note:", "not checked", "pass --root-chain"],
    );

    // Truncated: a segment loses its tail.
    let seg = publisher.join("seg-000002.tdrec");
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 7)
        .unwrap();
    let o = vi(&["recording", "verify", s(&publisher)]);
    assert!(!o.status.success(), "{}", all(&o));
    assert!(stderr(&o).starts_with("lỗi: "), "{}", stderr(&o));
    assert_vietnamese(
        "verify, truncated",
        &all(&o),
        &[
            "KHÔNG NGUYÊN VẸN (1 vấn đề)",
            "VẤN ĐỀ: seg-000002.tdrec bị cắt cụt",
            &format!("{} byte, chỉ mục đã ký ghi {len}", len - 7),
            "1 trong 1 bản ghi KHÔNG còn nguyên vẹn",
        ],
        &[
            "NOT INTACT",
            "PROBLEM",
            "is truncated",
            "the signed index says",
            "NOT intact",
            "error:",
        ],
    );
    // The same check in English, for an inspector who asks for it.
    let o = run(&["recording", "verify", s(&publisher)], true);
    assert!(!o.status.success());
    assert!(
        all(&o).contains("NOT INTACT (1 problem(s))")
            && all(&o).contains("seg-000002.tdrec is truncated")
            && stderr(&o).starts_with("error: "),
        "{}",
        all(&o)
    );
    // A folder that holds no recording.
    let o = vi(&["recording", "verify", s(&dir.path().join("khong-co"))]);
    assert!(!o.status.success());
    assert_vietnamese(
        "verify, no recording",
        &stderr(&o),
        &["lỗi: ", "không phải là thư mục bản ghi"],
        &[
            "error:",
            "is not a recording folder",
            "expected a publisher folder",
        ],
    );

    // A wrong line in a holiday calendar: which line, and what is wrong.
    let bad = dir.path().join("lich-sai.csv");
    std::fs::write(
        &bad,
        "date,kind,name,source\n2029-01-01,off,Tết Dương lịch,Bộ luật Lao động\n2029-13-40,off,Ngày sai,Thông báo\n",
    )
    .unwrap();
    let vn = fed.site("VN").unwrap().data.root().to_owned();
    let o = vi(&[
        "calendar",
        "--data",
        s(&vn),
        "--year",
        "2029",
        "--csv",
        s(&bad),
    ]);
    assert!(!o.status.success(), "{}", all(&o));
    assert_vietnamese(
        "calendar line",
        &stderr(&o),
        &["lỗi: ", "Dòng 3", "«2029-13-40» không hợp lệ"],
        &["error:", "line 3", "invalid date", "expected"],
    );

    // The help people read.
    let o = vi(&["--help"]);
    assert_vietnamese(
        "help",
        &stdout(&o),
        &["Tạo một điểm mới", "Ngôn ngữ", "Bản ghi hình"],
        &[
            "Create a new site",
            "Run this site's node",
            "Recordings of online sessions",
        ],
    );
    let o = vi(&["recording", "verify", "--help"]);
    assert_vietnamese(
        "recording verify --help",
        &stdout(&o),
        &["chỉ mục đã ký"],
        &["Check recordings against", "Print the reports as JSON"],
    );
}
