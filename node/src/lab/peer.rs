//! A bare QUIC client that speaks to a node as another site would: for the benchmarks and for
//! tests that play a peer (hostile or not) without running a whole node.
//!
//! Owns the client side of admission: mutual TLS with a given identity, then the hello
//! exchange on the control stream. It reuses the node's own configs and framing, so what it
//! measures or tests is exactly what a real peer goes through.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use serde_bytes::ByteBuf;
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;
use tiepdan_keys::revocation::RevocationList;
use tiepdan_keys::tls::{client_config, FederationVerifier};
use tiepdan_protocol::control::{
    encode_frame, ControlFrame, FrameDecoder, Hello, PROTOCOL_VERSION,
};
use tiepdan_protocol::replication::REPLICATION_CHANNEL;

/// A client endpoint (on any local address, so also inside a lab namespace) presenting (`key`, `chain`) and trusting `root`.
pub fn endpoint_as(
    key: &SiteKey,
    chain: &Chain,
    root: &CertificateDer<'static>,
) -> anyhow::Result<quinn::Endpoint> {
    let verifier = Arc::new(FederationVerifier::new(
        root.clone(),
        Arc::new(RwLock::new(RevocationList::new())),
        None,
    ));
    let tls = client_config(key, chain, verifier)?;
    let mut ep = quinn::Endpoint::client(SocketAddr::from(([0, 0, 0, 0], 0)))?;
    let mut config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(tls)?,
    ));
    // The transport of a real node's links (windows, keep-alive), so a bare peer behaves as one.
    config.transport_config(crate::federation::links::transport());
    ep.set_default_client_config(config);
    Ok(ep)
}

/// The hello `site` sends on its control stream.
pub fn hello_frame(site: &str, chain: &Chain) -> Vec<u8> {
    encode_frame(&ControlFrame::Hello(Hello {
        versions: vec![PROTOCOL_VERSION],
        site: site.to_owned(),
        chain: chain
            .der_list()
            .iter()
            .map(|c| ByteBuf::from(c.to_vec()))
            .collect(),
        quic_addrs: vec![],
        p2p_addrs: vec![],
        http_addr: None,
        revocations: vec![],
    }))
}

/// Opens the control stream, sends `hello` and waits for the node's: once it arrives, the
/// node has admitted us. Returns the control stream, which must stay open with the link.
pub async fn admitted(
    conn: &quinn::Connection,
    hello: &[u8],
) -> anyhow::Result<(quinn::SendStream, quinn::RecvStream)> {
    let (send, recv, _) = admitted_reading(conn, hello).await?;
    Ok((send, recv))
}

/// [`admitted`], with the decoder that read the node's hello: it may already hold the frames
/// that came right after it (the node's introductions), for a caller that goes on reading.
pub async fn admitted_reading(
    conn: &quinn::Connection,
    hello: &[u8],
) -> anyhow::Result<(quinn::SendStream, quinn::RecvStream, FrameDecoder)> {
    let (mut send, mut recv) = conn.open_bi().await?;
    send.write_all(hello).await?;
    let mut decoder = FrameDecoder::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(ControlFrame::Hello(_)) = decoder.next_frame()? {
            return Ok((send, recv, decoder));
        }
        let n = recv
            .read(&mut buf)
            .await?
            .context("the node closed the control stream: refused")?;
        decoder.push(&buf[..n])?;
    }
}

/// Opens a replication stream on an admitted link.
pub async fn replication_stream(
    conn: &quinn::Connection,
) -> anyhow::Result<(quinn::SendStream, quinn::RecvStream)> {
    let (mut send, recv) = conn.open_bi().await?;
    send.write_all(&[REPLICATION_CHANNEL]).await?;
    Ok((send, recv))
}

/// A commune of `province` that is not one of `fed`'s sites, certified by that running
/// province's own key: a bare sibling peer for benchmarks. Returns (code, key, chain).
pub fn certified_sibling(
    fed: &crate::lab::processes::LocalFederation,
    province: &str,
) -> anyhow::Result<(String, SiteKey, Chain)> {
    use anyhow::Context;
    use tiepdan_keys::cert::{issue, make_request, parse_request, Authority};
    let now = crate::site::clock::unix_now();
    let pdata = &fed.site(province)?.data;
    let pkey = SiteKey::load(&pdata.key_path())?;
    let ptls = Chain::from_pem(&std::fs::read_to_string(pdata.tls_chain_path())?)?;
    let authority = Authority::new(pkey, Chain::new(ptls.der_list()[1..].to_vec())?, now)?;
    let sibling = tiepdan_protocol::sites::Registry::official()
        .children(province)
        .iter()
        .find(|c| !fed.sites.contains_key(*c))
        .context("no commune of the province is free")?
        .clone();
    let key = SiteKey::generate();
    let chain = issue(
        &authority,
        &parse_request(&make_request(&key, &sibling)?)?,
        30,
        now,
    )?;
    Ok((sibling, key, chain))
}

/// `n` communes of `province`, certified the real way (central issues the province's CA, the
/// province the communes' leaves) from the central site's data folder: bare peers for
/// benchmarks and tests. The province itself does not need to run.
pub fn certified_communes(
    central: &crate::site::datadir::DataDir,
    province: &str,
    n: usize,
) -> anyhow::Result<Vec<(String, SiteKey, Chain)>> {
    use tiepdan_keys::cert::{issue, make_request, parse_request, Authority};
    let now = crate::site::clock::unix_now();
    let vkey = SiteKey::load(&central.key_path())?;
    let vroot = Chain::from_pem(&std::fs::read_to_string(central.chain_path())?)?;
    let central = Authority::new(vkey, vroot, now)?;
    let pkey = SiteKey::generate();
    let pca = issue(
        &central,
        &parse_request(&make_request(&pkey, province)?)?,
        30,
        now,
    )?;
    let province_ca = Authority::new(pkey, pca, now)?;
    let mut out = Vec::new();
    for code in tiepdan_protocol::sites::Registry::official()
        .children(province)
        .iter()
        .take(n)
    {
        let key = SiteKey::generate();
        let chain = issue(
            &province_ca,
            &parse_request(&make_request(&key, code)?)?,
            30,
            now,
        )?;
        out.push((code.clone(), key, chain));
    }
    anyhow::ensure!(
        out.len() == n,
        "province {province} has fewer than {n} communes"
    );
    Ok(out)
}
