//! `tiepdan join`, the child's side of the online join: post our request to the parent node,
//! wait for its operator's approval, install the chain and remember the parent's QUIC address.
//! The parent's side is `federation::join`.
//!
//! A parent beyond loopback is reached over HTTPS only, and only after its web CA matches the
//! SHA-256 fingerprint its operator read out (`--fingerprint`, shown on the parent's status
//! page and in `GET /api/v1/status`): a man in the middle can then neither read the join secret
//! nor hand back a chain of its own (a rogue root every later denunciation would be sealed to).

use std::time::Duration;

use crate::api::federation::JOIN_SECRET_HEADER;

use super::{fail, say};
use crate::federation::pki::install_chain_pem;
use crate::language::Message;
use crate::site::datadir::DataDir;

/// `tiepdan join`: sends our request to the parent node, waits for its operator to approve,
/// installs the chain and records the parent's QUIC address in the config.
pub fn join(
    data: &DataDir,
    parent_http: &str,
    fingerprint: Option<&str>,
    wait: Duration,
) -> anyhow::Result<String> {
    let request_pem = std::fs::read_to_string(data.request_path()).map_err(|_| {
        fail(Message::new("cli-join-no-request").arg("dir", data.root().display().to_string()))
    })?;
    let secret = hex::encode(rand::random::<[u8; 16]>());
    let (base, agent) = parent_api(parent_http, fingerprint)?;
    let resp: serde_json::Value = super::client::json_call(
        agent
            .post(&format!("{base}/join-requests"))
            .send_json(serde_json::json!({ "request_pem": request_pem, "secret": secret })),
    )?;
    let id = resp["id"]
        .as_u64()
        .ok_or_else(|| fail(Message::new("cli-answer-lacks").arg("field", "id")))?;
    eprintln!(
        "{}",
        say(Message::new("cli-join-sent")
            .arg("id", id.to_string())
            .arg("parent", parent_http))
    );
    let deadline = std::time::Instant::now() + wait;
    loop {
        let r = agent
            .get(&format!("{base}/join-requests/{id}/chain"))
            .header(JOIN_SECRET_HEADER, &secret)
            .call();
        match r {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let v: serde_json::Value = resp.body_mut().read_json().unwrap_or_default();
                match status {
                    200 => {
                        let chain = v["chain_pem"].as_str().ok_or_else(|| {
                            fail(Message::new("cli-answer-lacks").arg("field", "chain_pem"))
                        })?;
                        let msg = install_chain_pem(data, chain)?;
                        if let Some(q) = v["parent_quic"]
                            .as_array()
                            .and_then(|a| a.first())
                            .and_then(|a| a.as_str())
                        {
                            remember_parent(data, q)?;
                        }
                        return Ok(msg);
                    }
                    202 => {}
                    _ => {
                        return Err(fail(
                            Message::new("cli-join-refused")
                                .arg("id", id.to_string())
                                .arg("status", status.to_string())
                                .arg("message", v["error"].as_str().unwrap_or("")),
                        ))
                    }
                }
            }
            Err(e) => eprintln!(
                "{}",
                say(Message::new("cli-join-waiting").arg("detail", e.to_string()))
            ),
        }
        if std::time::Instant::now() > deadline {
            return Err(fail(
                Message::new("cli-join-timeout")
                    .arg("id", id.to_string())
                    .arg("seconds", wait.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The parent's API base URL and an agent for it: plain HTTP on loopback, else HTTPS trusting
/// only the web CA whose fingerprint the parent's operator read out.
fn parent_api(
    parent_http: &str,
    fingerprint: Option<&str>,
) -> anyhow::Result<(String, ureq::Agent)> {
    let addr: std::net::SocketAddr = parent_http
        .parse()
        .map_err(|_| fail(Message::new("cli-join-bad-parent").arg("parent", parent_http)))?;
    if addr.ip().is_loopback() {
        return Ok((format!("http://{addr}/api/v1"), super::client::agent()));
    }
    let Some(fingerprint) = fingerprint else {
        return Err(fail(
            Message::new("cli-join-needs-fingerprint").arg("addr", addr.to_string()),
        ));
    };
    let ca = pinned_ca(addr, fingerprint)?;
    Ok((
        format!("https://{addr}/api/v1"),
        super::client::agent_trusting_der(&ca)?,
    ))
}

/// Upper-case hex without separators.
fn normalized(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The certificate of the chain `addr` presents whose SHA-256 is `fingerprint` (DER).
fn pinned_ca(addr: std::net::SocketAddr, fingerprint: &str) -> anyhow::Result<Vec<u8>> {
    let want = normalized(fingerprint);
    if want.len() != 64 {
        return Err(fail(Message::new("cli-join-bad-fingerprint")));
    }
    let chain = presented_chain(addr)?;
    let ca = chain
        .iter()
        .find(|der| {
            hex::encode_upper(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der)) == want
        })
        .ok_or_else(|| {
            fail(
                Message::new("cli-join-fingerprint-mismatch")
                    .arg("addr", addr.to_string())
                    .arg("fingerprint", fingerprint),
            )
        })?;
    Ok(ca.clone())
}

/// The certificate chain a TLS server presents, captured during a handshake that is then
/// abandoned (nothing is sent).
fn presented_chain(addr: std::net::SocketAddr) -> anyhow::Result<Vec<Vec<u8>>> {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::{Arc, Mutex};

    #[derive(Debug)]
    struct Capture(Mutex<Vec<Vec<u8>>>, Arc<rustls::crypto::CryptoProvider>);
    impl ServerCertVerifier for Capture {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            let mut c = self.0.lock().unwrap_or_else(|e| e.into_inner());
            c.push(end_entity.to_vec());
            c.extend(intermediates.iter().map(|d| d.to_vec()));
            Err(rustls::Error::General("captured".into()))
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                cert,
                dss,
                &self.1.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                cert,
                dss,
                &self.1.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.1.signature_verification_algorithms.supported_schemes()
        }
    }

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let capture = Arc::new(Capture(Mutex::default(), provider.clone()));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::IpAddress(addr.ip().into()))?;
    let mut tcp =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| {
            fail(
                Message::new("cli-join-unreachable")
                    .arg("addr", addr.to_string())
                    .arg("detail", e.to_string()),
            )
        })?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    while conn.is_handshaking() {
        if conn.complete_io(&mut tcp).is_err() {
            break;
        }
    }
    let chain = capture.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if chain.is_empty() {
        return Err(fail(
            Message::new("cli-join-no-certificate").arg("addr", addr.to_string()),
        ));
    }
    Ok(chain)
}

/// Adds `parent = "ADDR"` to the config unless one is there. The address comes from the
/// parent's answer: only a well-formed socket address is written (nothing else reaches the
/// file).
fn remember_parent(data: &DataDir, quic: &str) -> anyhow::Result<()> {
    let quic: std::net::SocketAddr = quic
        .parse()
        .map_err(|_| super::fail(Message::new("cli-parent-bad-quic").arg("addr", quic)))?;
    let path = data.config_path();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if text.lines().any(|l| l.trim_start().starts_with("parent")) {
        return Ok(());
    }
    let mut out = text;
    out.push_str(&format!("parent = \"{quic}\"\n"));
    data.write_public(&path, out.as_bytes())?;
    Ok(())
}
