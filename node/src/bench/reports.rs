//! `tiepdan bench --suite reports`: Biểu 01/TCD over a province of 168 communes holding
//! 100,000 cases, and over central holding 1,000,000 (issue 13; targets under 1 s and under
//! 10 s).
//!
//! The cases are signed events of a year's mixed workload (channels, the head's sessions,
//! crowds, repeats, guidance and acceptance at the desk, later acceptances and closings),
//! written straight into the store of a real province and a real central node, which then
//! start as `tiepdan run` does and load them. It prints, for each:
//! - the report computed by `protocol::report` alone over the same index, and the memory that
//!   computing it takes beyond the index;
//! - the node's start-up with that store, its RSS, and `GET /api/v1/reports/01-tcd` over HTTP
//!   (JSON), whose totals must equal the pure computation's.
//!
//! Denunciations are left out: their identity is sealed to the audience's keys, and a report
//! counts them as any other line.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use ed25519_dalek::SigningKey;
use tiepdan_protocol::case::reception::{
    Classification, DonSource, Representative, RepresentativeRole, CROWD_MIN_PEOPLE,
};
use tiepdan_protocol::case::{
    self, CaseEvent, CaseState, Citizen, Date, Direction, IdType, Identity, Kind, Reception,
    SessionType,
};
use tiepdan_protocol::log::{decode_event, event_id, sign_event, EventBody};
use tiepdan_protocol::records::Records;
use tiepdan_protocol::report::{self, ReportForm, ReportInput, ReportPeriod, Scope};
use tiepdan_protocol::session::SessionState;
use tiepdan_protocol::sites::{Level, Registry};

use crate::lab::processes::{LocalFederation, Staff};
use crate::site::store::Store;

/// The province of the benchmark: Thành phố Hồ Chí Minh, 168 communes and wards.
const PROVINCE: &str = "79";
/// Central holds this many times the province's cases.
const CENTRAL_FACTOR: usize = 10;
/// The quarter every figure is for (15/9 → 14/12), and the year the cases are spread over.
const QUARTER: &str = "2026-Q4";

/// xorshift64*: the same workload on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One case: its id and its signed events, genesis first.
type SignedCase = (String, Vec<Vec<u8>>);

fn key_of(site: &str) -> SigningKey {
    SigningKey::from_bytes(blake3::hash(format!("bench-reports {site}").as_bytes()).as_bytes())
}

/// Noon in Việt Nam (UTC+7) on `d`, in Unix ms: when the bench's officer signs.
fn noon_ms(d: Date) -> u64 {
    let midnight = d.to_time().midnight().assume_utc().unix_timestamp();
    midnight as u64 * 1000 + 5 * 3_600_000
}

/// The `n`-th case received at `site`, with the events that follow it.
fn one_case(site: &str, n: u64, key: &SigningKey, rng: &mut Rng) -> SignedCase {
    // 15/12/2025 → 14/12/2026: the reporting year 2026.
    let year_start = Date::from_ymd(2025, 12, 15).expect("a date");
    let date = year_start.add_days(rng.below(365) as i64);
    let case_id = format!("{site}-{}-{n:05}", date.year());
    let kind = match rng.below(100) {
        0..=39 => Kind::Complaint,
        40..=94 => Kind::Petition,
        _ => Kind::Feedback,
    };
    let source = match rng.below(100) {
        0..=64 => DonSource::InPerson,
        65..=79 => DonSource::Post,
        80..=89 => DonSource::Forwarded,
        90..=94 => DonSource::Deputy,
        _ => DonSource::Online,
    };
    let session_type = match rng.below(100) {
        0..=74 => SessionType::Regular,
        75..=89 => SessionType::Periodic,
        90..=94 => SessionType::AdHoc,
        _ => SessionType::Authorised,
    };
    let people_count = match rng.below(100) {
        0..=92 => 1,
        93..=97 => 2 + rng.below(3) as u32,
        _ => 5 + rng.below(26) as u32,
    };
    let direction = match rng.below(100) {
        0..=39 => Some(Direction::Accept),
        40..=59 => Some(Direction::Guide {
            to_body: "Tòa án nhân dân khu vực".into(),
            letter_no: String::new(),
        }),
        _ => None,
    };
    let later = direction.is_none();
    // A crowd speaks through representatives it chose (Luật TCD 2013 Art 29).
    let representatives = if people_count >= CROWD_MIN_PEOPLE {
        vec![Representative {
            name: format!("Người đại diện {n}"),
            role: RepresentativeRole::CrowdRepresentative,
            document: "Văn bản cử người đại diện".into(),
        }]
    } else {
        vec![]
    };
    let reception = Reception {
        date,
        identity: Identity::Plain(Citizen {
            name: format!("Công dân {n}"),
            address: "Thành phố Hồ Chí Minh".into(),
            id_type: IdType::Cccd,
            id_number: format!("079{:09}", n % 1_000_000_000),
        }),
        summary: "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất".into(),
        kind,
        people_count,
        prior_bodies: vec![],
        request: "Xem xét, giải quyết".into(),
        direction,
        notes: String::new(),
        officer: "Cán bộ tiếp dân".into(),
        representatives,
        evidence: vec![],
        refusal: None,
        session_type,
        form: Default::default(),
        identity_protection: false,
        source,
        anonymous: false,
        classification: Classification {
            repeat: rng.below(100) < 15,
            ..Default::default()
        },
    };
    let at = noon_ms(date);
    let mut events = Vec::new();
    let mut sign = |parents: &[[u8; 32]], at_ms: u64, ev: CaseEvent| -> [u8; 32] {
        let body = EventBody::new(
            case_id.clone(),
            site,
            parents,
            at_ms,
            case::encode_event(&ev),
        );
        let bytes = sign_event(&body, key);
        let id = event_id(&bytes);
        events.push(bytes);
        id
    };
    let genesis = sign(&[], at, CaseEvent::Received { reception });
    let week = 7 * 86_400_000;
    match rng.below(100) {
        0..=24 if later => {
            sign(
                &[genesis],
                at + week,
                CaseEvent::Accepted {
                    decision_no: format!("{n}/QĐ-UBND"),
                },
            );
        }
        25..=34 => {
            sign(
                &[genesis],
                at + 2 * week,
                CaseEvent::Closed {
                    note: "Đã trả lời công dân".into(),
                },
            );
        }
        _ => {}
    }
    (case_id, events)
}

/// `count` cases spread evenly over `sites`, signed on both cores.
fn workload(sites: &[String], count: usize, seed: u64) -> Vec<SignedCase> {
    let keys: Vec<SigningKey> = sites.iter().map(|s| key_of(s)).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let keys = &keys;
                scope.spawn(move || {
                    let mut rng = Rng(seed ^ (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    let end = ((t + 1) * per).min(count);
                    (t * per..end)
                        .map(|i| {
                            let s = i % sites.len();
                            one_case(&sites[s], (i / sites.len()) as u64 + 1, &keys[s], &mut rng)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a workload thread"))
            .collect()
    })
}

/// The in-memory index a node builds at start, from the same events.
fn index(cases: &[SignedCase]) -> anyhow::Result<Records> {
    let mut held = Records::default();
    let events = cases
        .iter()
        .flat_map(|(_, evs)| evs.iter())
        .map(|b| Ok(decode_event(b)?.danger_assume_verified()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    held.insert(events);
    // Every case folds, each event applies: else the workload is not what it says.
    let folded = held
        .entries
        .values()
        .filter(|e| e.state.reception.is_some());
    anyhow::ensure!(
        folded.count() == cases.len(),
        "a generated case did not fold"
    );
    let ignored = held
        .entries
        .values()
        .flat_map(|e| &e.state.history)
        .filter(|h| h.ignored)
        .count();
    anyhow::ensure!(ignored == 0, "{ignored} generated events were ignored");
    Ok(held)
}

/// (VmRSS, VmHWM) of process `pid` in MiB.
fn memory_mib(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets this process's peak RSS (Linux: `5` to clear_refs), so VmHWM then measures a step.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Biểu 01/TCD of `site` over its subtree, by the pure function: the median of three runs in
/// ms, the peak memory it took beyond the index in MiB, and the report.
fn pure_report(held: &Records, site: &str) -> (f64, f64, report::Report) {
    let cases: Vec<&CaseState> = held.entries.values().map(|e| &e.state).collect();
    let sessions: Vec<&SessionState> = held.sessions.values().map(|e| &e.state).collect();
    let input = ReportInput {
        cases: &cases,
        sessions: &sessions,
    };
    let period: ReportPeriod = QUARTER.parse().expect("a period");
    let (before, _) = memory_mib("self");
    reset_peak();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        last = Some(report::report(
            ReportForm::Tcd01,
            period,
            site,
            Scope::Descendants,
            input,
        ));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (_, peak) = memory_mib("self");
    (median(times), peak - before, last.expect("three runs"))
}

/// Writes the cases into the store of a stopped node, 50,000 events a transaction.
fn fill_store(path: PathBuf, cases: &[SignedCase]) -> anyhow::Result<f64> {
    let t = Instant::now();
    let store = Store::open(&path)?;
    let rows: Vec<(&str, [u8; 32], &[u8])> = cases
        .iter()
        .flat_map(|(id, evs)| {
            evs.iter()
                .map(move |b| (id.as_str(), event_id(b), b.as_slice()))
        })
        .collect();
    for chunk in rows.chunks(50_000) {
        store.put_events(chunk, None)?;
    }
    Ok(t.elapsed().as_secs_f64())
}

/// Starts `code` over its filled store and reads the quarter's report over HTTP: start-up
/// seconds, RSS and peak RSS in MiB after the reports, the median of three GETs in ms, and
/// the JSON.
fn node_report(
    fed: &mut LocalFederation,
    code: &str,
) -> anyhow::Result<(f64, f64, f64, f64, serde_json::Value)> {
    let t = Instant::now();
    fed.start(code)?;
    let deadline = Instant::now() + Duration::from_secs(1800);
    while fed.api_as(code, Staff::Chair, "me").is_err() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{code} did not start within 30 min"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = t.elapsed().as_secs_f64();
    let pid = fed
        .site(code)?
        .child
        .as_ref()
        .map(|c| c.id().to_string())
        .context("no node process")?;
    let path = format!("reports/01-tcd?period={QUARTER}&scope=descendants");
    let mut times = Vec::new();
    let mut json = serde_json::Value::Null;
    for _ in 0..3 {
        let t = Instant::now();
        json = fed.api_as(code, Staff::Chair, &path)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (rss, peak) = memory_mib(&pid);
    fed.stop(code)?;
    Ok((started, rss, peak, median(times), json))
}

fn communes_below(code: &str) -> Vec<String> {
    let registry = Registry::official();
    report::subtree(code)
        .into_iter()
        .filter(|s| registry.get(s).is_ok_and(|s| s.level == Level::Commune))
        .collect()
}

/// Runs the suite with `province_cases` at the province and ten times as many at central.
pub async fn run(province_cases: usize) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(province_cases)).await?
}

fn run_blocking(province_cases: usize) -> anyhow::Result<()> {
    println!("tiepdan bench — reports (Biểu 01/TCD, {QUARTER}, scope descendants)");
    let province_communes = communes_below(PROVINCE);
    let others: Vec<String> = communes_below("VN")
        .into_iter()
        .filter(|c| !province_communes.contains(c))
        .collect();

    let t = Instant::now();
    let province = workload(&province_communes, province_cases, 1);
    let rest = workload(&others, province_cases * (CENTRAL_FACTOR - 1), 2);
    let events: usize = province.iter().chain(&rest).map(|(_, e)| e.len()).sum();
    println!(
        "workload: {} cases at {} communes of province {PROVINCE}, {} more at {} other communes; {events} signed events in {:.1} s",
        province.len(),
        province_communes.len(),
        rest.len(),
        others.len(),
        t.elapsed().as_secs_f64()
    );

    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-reports-")
        .tempdir()?;
    let exe = std::env::current_exe()?;
    let mut fed = LocalFederation::create(exe, dir.path(), &["VN", PROVINCE])?;
    let central: Vec<SignedCase> = province.iter().chain(&rest).cloned().collect();
    drop(rest);

    for (code, cases, target) in [(PROVINCE, province, "1 s"), ("VN", central, "10 s")] {
        let (before, _) = memory_mib("self");
        let held = index(&cases)?;
        let (after, _) = memory_mib("self");
        let (ms, extra, pure) = pure_report(&held, code);
        drop(held);
        println!(
            "{code}: protocol::report over {} cases: {ms:.0} ms (target under {target}); index {:.0} MiB, report +{extra:.0} MiB; visits {}, persons {}, crowds {}, periodic sessions {}",
            cases.len(),
            after - before,
            pure.total("visits").unwrap_or(0),
            pure.total("persons").unwrap_or(0),
            pure.total("crowds").unwrap_or(0),
            pure.total("periodic_sessions").unwrap_or(0),
        );
        let store = fed.site(code)?.data.store_path();
        let filled = fill_store(store, &cases)?;
        drop(cases);
        let (started, rss, peak, http_ms, json) = node_report(&mut fed, code)?;
        println!(
            "{code}: tiepdan run over that store: start-up {started:.1} s (store written in {filled:.1} s), GET reports/01-tcd {http_ms:.0} ms; RSS {rss:.0} MiB, peak {peak:.0} MiB"
        );
        for (i, column) in pure.columns.iter().enumerate() {
            anyhow::ensure!(
                json["totals"][column].as_u64() == Some(pure.totals[i]),
                "{code}: the node's {column} is {} where protocol::report counts {}",
                json["totals"][column],
                pure.totals[i]
            );
        }
    }
    fed.stop_all();
    Ok(())
}
