//! Delivering the national database's records: which cases changed since the last delivery,
//! marking them delivered, and the HTTPS push to the configured endpoint with retries and
//! idempotency keys (`[national_db]` in `tiepdan.toml`).

use std::sync::Mutex;
use std::time::Duration;

use tiepdan_protocol::backoff::Backoff;

use super::national::{national_record, NationalRecord};
use super::Reports;
use crate::language::Message;
use crate::records::OpError;
use crate::site::config::NationalDbConfig;

/// Most attempts at one record in one push cycle before the cycle stops (the next cycle tries
/// again from where this one stopped).
pub const ATTEMPTS_PER_CYCLE: u32 = 5;

/// What the last push cycle did, for the status API and the operator.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PushStatus {
    /// Records waiting for delivery after the last cycle.
    pub pending: usize,
    pub delivered_total: u64,
    pub last_cycle_ms: Option<u64>,
    pub last_delivered: usize,
    /// The last failure, for the log and the operator (English, with the endpoint's answer).
    pub last_error: Option<String>,
}

/// Why a record was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Worth another try: the endpoint is down, slow, or answered 5xx or 429.
    #[error("the national database did not take record {key}: {detail}")]
    Retry { key: String, detail: String },
    /// The endpoint refused the record itself (4xx): trying again changes nothing.
    #[error("the national database refused record {key} ({status}): {body}")]
    Refused {
        key: String,
        status: u16,
        body: String,
    },
}

impl Reports {
    /// The records of the cases this site received or handles whose version was not delivered
    /// yet (every one when `all`), oldest case id first.
    pub fn pending_national(&self, all: bool) -> Result<Vec<NationalRecord>, OpError> {
        let here = self.site.site.code.clone();
        let delivered = if all {
            Default::default()
        } else {
            self.site
                .store
                .exported()
                .map_err(|e| OpError::Store(e.to_string()))?
        };
        let held = self.records.held();
        Ok(held
            .entries
            .values()
            .filter(|e| e.state.origin == here || e.state.current_site == here)
            .filter_map(|e| national_record(&e.state, &e.ids))
            .filter(|r| delivered.get(&r.case_id) != Some(&r.version))
            .collect())
    }

    /// Marks records delivered: the next incremental export leaves them out.
    pub fn mark_delivered(&self, records: &[NationalRecord]) -> Result<(), OpError> {
        let versions: Vec<(String, String)> = records
            .iter()
            .map(|r| (r.case_id.clone(), r.version.clone()))
            .collect();
        self.site
            .store
            .put_exported(&versions)
            .map_err(|e| OpError::Store(e.to_string()))
    }
}

/// The pusher of one site: its endpoint, its HTTPS client and its last status.
pub struct NationalPush {
    endpoint: String,
    token: Option<String>,
    agent: ureq::Agent,
    pub status: Mutex<PushStatus>,
}

impl NationalPush {
    /// A pusher for `cfg`, trusting only its CA file for HTTPS; `None` when no endpoint is set.
    /// A wrong `[national_db]` section is refused, naming what is wrong.
    pub fn new(cfg: &NationalDbConfig) -> Result<Option<NationalPush>, OpError> {
        let Some(endpoint) = cfg.endpoint.clone() else {
            return Ok(None);
        };
        let wrong = |id: &'static str| OpError::BadInput(Message::new(id));
        if !endpoint.starts_with("https://") {
            return Err(OpError::BadInput(
                Message::new("error-national-https").arg("endpoint", endpoint.as_str()),
            ));
        }
        let ca_file = cfg
            .ca_file
            .as_ref()
            .ok_or_else(|| wrong("error-national-ca-missing"))?;
        let unreadable = |p: &std::path::Path, e: String| {
            OpError::BadInput(
                Message::new("error-national-file")
                    .arg("path", p.display().to_string())
                    .arg("detail", e),
            )
        };
        let pem = std::fs::read(ca_file).map_err(|e| unreadable(ca_file, e.to_string()))?;
        let ca = ureq::tls::Certificate::from_pem(&pem)
            .map_err(|e| unreadable(ca_file, e.to_string()))?
            .to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let token = match &cfg.token_file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map_err(|e| unreadable(p, e.to_string()))?
                    .trim()
                    .to_owned(),
            ),
            None => None,
        };
        Ok(Some(NationalPush {
            endpoint,
            token,
            agent,
            status: Mutex::new(PushStatus::default()),
        }))
    }

    /// Sends one record: taken when the endpoint answers 2xx, or 409 (it holds that key).
    fn send(&self, r: &NationalRecord) -> Result<(), PushError> {
        let mut req = self
            .agent
            .post(&self.endpoint)
            .header("Idempotency-Key", &r.idempotency_key)
            .header("Content-Type", "application/json");
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let body = serde_json::json!({
            "idempotency_key": r.idempotency_key,
            "case_id": r.case_id,
            "version": r.version,
            "record": r.record,
        });
        match req.send_json(&body) {
            Err(e) => Err(PushError::Retry {
                key: r.idempotency_key.clone(),
                detail: e.to_string(),
            }),
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) || status == 409 {
                    return Ok(());
                }
                let text: String = resp
                    .body_mut()
                    .read_to_string()
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                if status == 429 || status >= 500 {
                    Err(PushError::Retry {
                        key: r.idempotency_key.clone(),
                        detail: format!("HTTP {status}: {text}"),
                    })
                } else {
                    Err(PushError::Refused {
                        key: r.idempotency_key.clone(),
                        status,
                        body: text,
                    })
                }
            }
        }
    }

    /// One cycle: every pending record in order, each retried with backoff up to
    /// [`ATTEMPTS_PER_CYCLE`] times; a record refused outright is skipped (and logged) so it
    /// does not hold the others back. Delivered records are marked one by one.
    pub fn cycle(&self, reports: &Reports, now_ms: u64) -> PushStatus {
        let pending = match reports.pending_national(false) {
            Ok(p) => p,
            Err(e) => {
                let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
                s.last_error = Some(e.to_string());
                return s.clone();
            }
        };
        let mut delivered = 0usize;
        let mut left = pending.len();
        let mut last_error = None;
        'records: for r in &pending {
            let mut backoff = Backoff::new(200, 5_000);
            loop {
                match self.send(r) {
                    Ok(()) => {
                        if let Err(e) = reports.mark_delivered(std::slice::from_ref(r)) {
                            last_error = Some(e.to_string());
                            break 'records;
                        }
                        delivered += 1;
                        left -= 1;
                        break;
                    }
                    Err(e @ PushError::Refused { .. }) => {
                        tracing::warn!("{e}");
                        last_error = Some(e.to_string());
                        break;
                    }
                    Err(e @ PushError::Retry { .. }) => {
                        tracing::warn!(attempt = backoff.attempt() + 1, "{e}");
                        last_error = Some(e.to_string());
                        if backoff.attempt() + 1 >= ATTEMPTS_PER_CYCLE {
                            break 'records;
                        }
                        let jitter = rand::random::<u64>();
                        std::thread::sleep(Duration::from_millis(backoff.next_delay_ms(jitter)));
                    }
                }
            }
        }
        let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        s.pending = left;
        s.delivered_total += delivered as u64;
        s.last_delivered = delivered;
        s.last_cycle_ms = Some(now_ms);
        s.last_error = if left == 0 { None } else { last_error };
        if delivered > 0 {
            tracing::info!(delivered, left, "national database push");
        }
        s.clone()
    }
}
