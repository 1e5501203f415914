//! A small blocking HTTP client for CLI commands that talk to a running node's API.
//!
//! Owns finding the node (its `run.json`), presenting the operator token and the command's
//! language (`Accept-Language`, so the node's refusals come back in it), and turning JSON
//! errors from the API back into readable messages.

use std::time::Duration;

use serde_json::Value;

use crate::language::Message;
use crate::site::datadir::DataDir;
use crate::site::Bound;

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Reads a JSON answer, or turns `{"error": ...}` into an error naming the status.
pub fn json_call(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> anyhow::Result<Value> {
    let mut resp = r.map_err(|e| {
        super::fail(Message::new("cli-node-unreachable").arg("detail", e.to_string()))
    })?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    if status >= 400 {
        return Err(answered(status, text));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The error a node answered with: its status and its message (`{"error": ...}`).
fn answered(status: u16, text: String) -> anyhow::Error {
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let msg = v
        .get("error")
        .and_then(|e| e.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string());
    super::fail(
        Message::new("cli-node-answered")
            .arg("status", status.to_string())
            .arg("message", msg),
    )
}

/// One API call with `token`, whatever the answer: (status, JSON body — or the text as a JSON
/// string; status 0 when the node cannot be reached). For tests and labs that check statuses.
pub fn api_status(
    http: std::net::SocketAddr,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    api_status_with(
        &agent(),
        &format!("http://{http}"),
        token,
        method,
        path,
        body,
    )
}

/// An agent for a node served over HTTPS, trusting only `ca_pem` (the site's web CA), with our
/// one crypto provider.
pub fn agent_trusting(ca_pem: &[u8]) -> anyhow::Result<ureq::Agent> {
    let ca = ureq::tls::Certificate::from_pem(ca_pem)
        .map_err(|e| super::fail(Message::new("cli-web-ca-not-pem").arg("detail", e.to_string())))?
        .to_owned();
    agent_with_root(ca)
}

/// [`agent_trusting`] a DER certificate.
pub fn agent_trusting_der(ca_der: &[u8]) -> anyhow::Result<ureq::Agent> {
    agent_with_root(ureq::tls::Certificate::from_der(ca_der).to_owned())
}

fn agent_with_root(ca: ureq::tls::Certificate<'static>) -> anyhow::Result<ureq::Agent> {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
        .build();
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls)
        .build()
        .into())
}

/// [`api_status`] against a base URL (`https://host:port`) with the given agent.
pub fn api_status_with(
    a: &ureq::Agent,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let url = format!("{base}/api/v1/{path}");
    let auth = format!("Bearer {token}");
    let r = match (method, body) {
        ("GET", _) => a.get(&url).header("Authorization", &auth).call(),
        ("DELETE", _) => a.delete(&url).header("Authorization", &auth).call(),
        (_, Some(b)) => a.post(&url).header("Authorization", &auth).send_json(b),
        (_, None) => a.post(&url).header("Authorization", &auth).send_empty(),
    };
    match r {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
        Err(e) => (0, Value::String(e.to_string())),
    }
}

/// A running node's API, found through its data folder.
pub struct NodeClient {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl NodeClient {
    /// The same node, called with another token (an officer's or a chair's).
    pub fn with_token(mut self, token: &str) -> NodeClient {
        self.token = token.to_owned();
        self
    }

    pub fn for_data(data: &DataDir) -> anyhow::Result<NodeClient> {
        let path = data.runtime_path().display().to_string();
        let text = std::fs::read_to_string(data.runtime_path()).map_err(|_| {
            super::fail(Message::new("cli-runtime-missing").arg("path", path.clone()))
        })?;
        let bound: Bound = serde_json::from_str(&text).map_err(|e| {
            super::fail(
                Message::new("cli-runtime-damaged")
                    .arg("path", path.clone())
                    .arg("detail", e.to_string()),
            )
        })?;
        let token = data.read_token()?;
        Ok(NodeClient {
            base: format!("http://{}/api/v1", bound.local_http.unwrap_or(bound.http)),
            token,
            agent: agent(),
        })
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        json_call(
            self.agent
                .get(&format!("{}/{path}", self.base))
                .header("Authorization", &format!("Bearer {}", self.token))
                .header("Accept-Language", super::lang().tag())
                .call(),
        )
    }

    /// A file the API answers (XLSX, HTML): its bytes, or the error it answered instead.
    pub fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let mut resp = self
            .agent
            .get(&format!("{}/{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept-Language", super::lang().tag())
            .call()
            .map_err(|e| {
                super::fail(Message::new("cli-node-unreachable").arg("detail", e.to_string()))
            })?;
        let status = resp.status().as_u16();
        if status >= 400 {
            return Err(answered(
                status,
                resp.body_mut().read_to_string().unwrap_or_default(),
            ));
        }
        resp.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| {
                super::fail(Message::new("cli-node-unreachable").arg("detail", e.to_string()))
            })
    }

    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        json_call(
            self.agent
                .post(&format!("{}/{path}", self.base))
                .header("Authorization", &format!("Bearer {}", self.token))
                .header("Accept-Language", super::lang().tag())
                .send_json(body),
        )
    }
}
