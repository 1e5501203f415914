//! Real rustls handshakes in memory (no network) between federation sites.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection};
use tiepdan_keys::tls::{refusal_reason, RefusalCallback};
use tiepdan_keys::{
    client_config, peer_site, revocation, server_config, verify_revocation, Chain, ChainError,
    FederationVerifier, RevocationList, SiteKey, ALPN,
};

use crate::common::*;

fn real_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Collects refusal reasons seen by a verifier.
fn recorder() -> (RefusalCallback, Arc<Mutex<Vec<&'static str>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let cb: RefusalCallback =
        Arc::new(move |e: &ChainError| sink.lock().expect("lock").push(e.reason()));
    (cb, seen)
}

fn verifier(
    root: &Chain,
    list: &Arc<RwLock<RevocationList>>,
    cb: Option<RefusalCallback>,
) -> Arc<FederationVerifier> {
    Arc::new(FederationVerifier::new(
        root.root().clone(),
        list.clone(),
        cb,
    ))
}

#[derive(Debug)]
enum Failed {
    Client(rustls::Error),
    Server(rustls::Error),
}

/// Moves TLS bytes between the two ends until both finish the handshake or one fails.
fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), Failed> {
    for _ in 0..50 {
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).expect("write to Vec");
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).expect("read from slice");
            server.process_new_packets().map_err(Failed::Server)?;
        }
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).expect("write to Vec");
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            client.read_tls(&mut rd).expect("read from slice");
            client.process_new_packets().map_err(Failed::Client)?;
        }
        if !client.is_handshaking()
            && !server.is_handshaking()
            && !client.wants_write()
            && !server.wants_write()
        {
            return Ok(());
        }
    }
    panic!("handshake did not finish");
}

fn connect(
    client_key: &SiteKey,
    client_chain: &Chain,
    client_verifier: Arc<FederationVerifier>,
    server_key: &SiteKey,
    server_chain: &Chain,
    server_verifier: Arc<FederationVerifier>,
) -> (ClientConnection, ServerConnection, Result<(), Failed>) {
    let cc = client_config(client_key, client_chain, client_verifier).expect("client config");
    let sc = server_config(server_key, server_chain, server_verifier).expect("server config");
    // Sites dial by address; the name is not checked.
    let name = ServerName::try_from("192.0.2.1").expect("ip name");
    let mut client = ClientConnection::new(Arc::new(cc), name).expect("client");
    let mut server = ServerConnection::new(Arc::new(sc)).expect("server");
    let result = pump(&mut client, &mut server);
    (client, server, result)
}

#[test]
fn commune_and_province_authenticate_each_other() {
    let now = real_now() - 60;
    let c = central_at(now);
    let p = province_at(&c, "01", now);
    let s = commune_with_key(&p, "00070", SiteKey::generate(), 30, now);
    let list = Arc::new(RwLock::new(RevocationList::new()));
    let (cb, seen) = recorder();

    let (client, server, result) = connect(
        &s.key,
        &s.tls,
        verifier(&c.ca, &list, Some(cb.clone())),
        &p.key,
        &p.tls,
        verifier(&c.ca, &list, Some(cb)),
    );
    result.expect("mutual TLS handshake");
    assert_eq!(client.alpn_protocol(), Some(ALPN));
    assert_eq!(server.alpn_protocol(), Some(ALPN));
    assert_eq!(
        client.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );

    let empty = RevocationList::new();
    let who = peer_site(
        server.peer_certificates().expect("client certs"),
        c.ca.root(),
        now + 1,
        &empty,
    )
    .expect("client verified");
    assert_eq!((who.site.as_str(), who.peer_id), ("00070", s.key.peer_id()));
    let who = peer_site(
        client.peer_certificates().expect("server certs"),
        c.ca.root(),
        now + 1,
        &empty,
    )
    .expect("server verified");
    assert_eq!((who.site.as_str(), who.peer_id), ("01", p.key.peer_id()));
    assert!(seen.lock().expect("lock").is_empty());
}

#[test]
fn revoked_client_is_refused_and_reported() {
    let now = real_now() - 60;
    let c = central_at(now);
    let p = province_at(&c, "01", now);
    let s = commune_with_key(&p, "00070", SiteKey::generate(), 30, now);
    let bytes = revocation::create(&p.key, &p.tls, "00070", now + 1).expect("revoke");
    let rev = verify_revocation(c.ca.root(), &bytes, now + 2).expect("valid");
    let server_list = Arc::new(RwLock::new(RevocationList::new()));
    assert!(server_list.write().expect("lock").insert(rev, bytes));
    let client_list = Arc::new(RwLock::new(RevocationList::new()));
    let (cb, seen) = recorder();

    let (_, _, result) = connect(
        &s.key,
        &s.tls,
        verifier(&c.ca, &client_list, None),
        &p.key,
        &p.tls,
        verifier(&c.ca, &server_list, Some(cb)),
    );
    match result {
        Err(Failed::Server(e)) => assert_eq!(refusal_reason(&e), Some("revoked"), "{e:?}"),
        other => panic!("server should refuse the revoked commune, got {other:?}"),
    }
    assert_eq!(*seen.lock().expect("lock"), vec!["revoked"]);
}

#[test]
fn other_root_is_refused_both_ways() {
    let now = real_now() - 60;
    let c = central_at(now);
    let p = province_at(&c, "01", now);
    let foreign = central_at(now);
    let fp = province_at(&foreign, "01", now);
    let fs = commune_with_key(&fp, "00070", SiteKey::generate(), 30, now);
    let list = Arc::new(RwLock::new(RevocationList::new()));

    // A commune of another federation (which trusts our root, say) dials our province.
    let (cb, seen) = recorder();
    let (_, _, result) = connect(
        &fs.key,
        &fs.tls,
        verifier(&c.ca, &list, None),
        &p.key,
        &p.tls,
        verifier(&c.ca, &list, Some(cb)),
    );
    match result {
        Err(Failed::Server(e)) => assert_eq!(refusal_reason(&e), Some("unknown_root"), "{e:?}"),
        other => panic!("server should refuse, got {other:?}"),
    }
    assert_eq!(*seen.lock().expect("lock"), vec!["unknown_root"]);

    // Our province dials a foreign server: the client refuses it.
    let (cb, seen) = recorder();
    let (_, _, result) = connect(
        &p.key,
        &p.tls,
        verifier(&c.ca, &list, Some(cb)),
        &fp.key,
        &fp.tls,
        verifier(&foreign.ca, &list, None),
    );
    match result {
        Err(Failed::Client(e)) => assert_eq!(refusal_reason(&e), Some("unknown_root"), "{e:?}"),
        other => panic!("client should refuse, got {other:?}"),
    }
    assert_eq!(*seen.lock().expect("lock"), vec!["unknown_root"]);
}

#[test]
fn configs_refuse_a_key_that_does_not_match_the_chain() {
    let now = real_now() - 60;
    let c = central_at(now);
    let list = Arc::new(RwLock::new(RevocationList::new()));
    let other = SiteKey::generate();
    assert!(matches!(
        server_config(&other, &c.tls, verifier(&c.ca, &list, None)),
        Err(tiepdan_keys::TlsError::KeyMismatch)
    ));
    assert!(client_config(&c.key, &c.tls, verifier(&c.ca, &list, None)).is_ok());
}
