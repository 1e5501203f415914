//! Export to the national database (CSDL quốc gia về tiếp công dân, xử lý đơn, giải quyết khiếu
//! nại, tố cáo; NĐ 55/2022 Arts 6 and 8): each case this site received or handles, as the
//! database's three records — `TiepCongDan` (the reception), `XuLyDonThu` (the processing of
//! the đơn) and `VuViecDonThu` (the case) — in the field names of its data model (DOMAIN.md §5),
//! with an idempotency key per case version, so a delivery repeated after a lost answer is
//! counted once.
//!
//! Incremental: a case goes out when its version (the BLAKE3 of its event ids in order) differs
//! from the one last delivered, which the store keeps. A denouncer's identity never leaves in
//! plaintext: a sealed reception is exported with `BaoMat: true` and "(bảo mật)" in place of
//! the name, address, paper and content, as the printed forms show it.

use serde_json::{json, Value};
use tiepdan_protocol::case::{CaseState, Direction, Identity, Kind, ReceptionForm, SessionType};
use tiepdan_protocol::sites::Registry;

/// What stands for a sealed detail.
pub const SEALED: &str = "(bảo mật)";

/// One case as the national database takes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalRecord {
    /// `{case_id}:{version}`: the same case version delivered twice is one record.
    pub idempotency_key: String,
    pub case_id: String,
    pub version: String,
    pub record: Value,
}

/// The version of a case: the BLAKE3 of its event ids in the DAG's order.
pub fn version(ids: &[[u8; 32]]) -> String {
    let mut h = blake3::Hasher::new();
    for id in ids {
        h.update(id);
    }
    h.finalize().to_hex()[..32].to_owned()
}

fn unit(code: &str) -> Value {
    let name = Registry::official()
        .get(code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    json!({ "Ma": code, "Ten": name })
}

fn che_do(t: SessionType) -> &'static str {
    match t {
        SessionType::Regular => "thuong_xuyen",
        SessionType::Periodic => "dinh_ky",
        SessionType::AdHoc => "dot_xuat",
        SessionType::Authorised => "uy_quyen",
    }
}

fn loai(k: Kind) -> &'static str {
    match k {
        Kind::Complaint => "khieu_nai",
        Kind::Denunciation => "to_cao",
        Kind::Petition => "kien_nghi",
        Kind::Feedback => "phan_anh",
    }
}

/// The three records of one case, or `None` for a case without its reception yet.
pub fn national_record(state: &CaseState, ids: &[[u8; 32]]) -> Option<NationalRecord> {
    let r = state.reception.as_ref()?;
    let version = version(ids);
    let sealed = matches!(r.identity, Identity::Sealed(_));
    let nguoi = match &r.identity {
        Identity::Plain(c) if !r.anonymous => json!([{
            "TenGoi": c.name,
            "DiaChi": c.address,
            "GiayToChungNhan": { "Loai": c.id_type.as_str(), "So": c.id_number },
        }]),
        Identity::Plain(_) => json!([]),
        Identity::Sealed(_) => json!([{
            "TenGoi": SEALED, "DiaChi": SEALED,
            "GiayToChungNhan": { "Loai": SEALED, "So": SEALED },
        }]),
    };
    let noi_dung = if sealed { SEALED } else { r.summary.as_str() };
    let kien_nghi = if sealed { SEALED } else { r.request.as_str() };
    let (ket_qua, huong_dan) = match (&r.refusal, &r.direction) {
        (Some(reason), _) => ("tu_choi", json!({ "LyDo": reason.label_vi() })),
        (None, Some(Direction::Accept)) => ("thu_ly", Value::Null),
        (None, Some(Direction::Guide { to_body, letter_no })) => (
            "tra_don_huong_dan",
            json!({ "CoQuan": to_body, "SoVanBan": letter_no }),
        ),
        (None, Some(Direction::Transfer { to_body, letter_no })) => (
            "chuyen_don",
            json!({ "CoQuan": to_body, "SoVanBan": letter_no }),
        ),
        (None, None) => ("tiep_nhan", Value::Null),
    };
    let date = |d: Option<tiepdan_protocol::case::Date>| d.map(|d| d.to_string());
    let record = json!({
        "TiepCongDan": {
            "MaDinhDanh": state.case_id,
            "NgayTiepCongDan": r.date.to_string(),
            "CheDoTiepCongDan": che_do(r.session_type),
            "HinhThucTiep": match r.form { ReceptionForm::InPerson => "truc_tiep", ReceptionForm::Online => "truc_tuyen" },
            "CoQuanTiepCongDan": unit(&state.origin),
            "NguoiTiepCongDan": r.officer,
            "SoLuongCongDan": r.people_count,
            "NguoiDuocTiep": nguoi,
            "BaoMat": sealed,
            "KetQuaTiepCongDan": ket_qua,
            "NoiDungHuongDan": huong_dan,
        },
        "XuLyDonThu": {
            "MaDonThu": state.case_id,
            "NgayTiepNhan": r.date.to_string(),
            "HinhThucNhanDonThu": r.source.as_str(),
            "DonNacDanh": r.anonymous,
            "LoaiDon": loai(r.kind),
            "DonViGiaiQuyet": unit(&state.current_site),
            "TinhTrangXuLyDonThu": state.status.as_str(),
        },
        "VuViecDonThu": {
            "MaVuViec": state.case_id,
            "NgayTiepNhan": state.received_on.to_string(),
            "LoaiVuViecDonThu": loai(r.kind),
            "NoiDungVuViec": noi_dung,
            "KienNghiCongDan": kien_nghi,
            "SoNguoi": r.people_count,
            "CoQuanThamQuyen": unit(&state.current_site),
            "DonViDaXuLy": state.holders.iter().map(|h| unit(h)).collect::<Vec<_>>(),
            "LanGiaiQuyet": state.instance,
            "PhucTap": state.complex,
            "VungSauVungXa": state.remote_area,
            "NgayThuLy": date(state.accepted_on),
            "NgayTamDinhChi": date(state.suspended_since),
            "NgayQuyetDinh": date(state.decided_on),
            "NgayKetLuan": date(state.concluded_on),
            "NgayKetThuc": date(state.closed_on),
            "TinhTrangXuLyVuViec": state.status.as_str(),
            "TinhTrangXuLyVuViecVi": state.status.label_vi(),
        },
    });
    Some(NationalRecord {
        idempotency_key: format!("{}:{version}", state.case_id),
        case_id: state.case_id.clone(),
        version,
        record,
    })
}
