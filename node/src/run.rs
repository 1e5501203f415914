//! `tiepdan run`: loads a site, binds its endpoints and runs every task until SIGTERM/Ctrl-C.
//!
//! Owns start-up checks (key permissions, installed certificate, config), the order tasks start
//! in, `run.json` (so CLI commands can find the API) and graceful shutdown: links are closed with
//! a reason, the store is released, `run.json` removed.

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use tiepdan_keys::cert::install_check;
use tiepdan_keys::revocation::{verify_revocation, RevocationList};
use tiepdan_protocol::sites::Registry;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::admin;
use crate::config::{NodeConfig, Overrides};
use crate::datadir::DataDir;
use crate::links;
use crate::metrics::Metrics;
use crate::node::{unix_now, Bound, Node};
use crate::store::Store;

/// Everything `run` needs, parsed and checked before any socket is bound.
pub fn load(data: &DataDir, overrides: &Overrides) -> anyhow::Result<(Node, watch::Sender<bool>)> {
    let config = NodeConfig::load(&data.config_path(), overrides)?;
    let code = admin::site_code(data)?;
    let site = Registry::official().get(&code)?.clone();
    let key = admin::load_key(data)?;
    let token = data.read_secret(&data.token_path())?;
    let chain = admin::load_tls_chain(data)?;
    let now = unix_now();
    // An expired chain still starts the node (the operator sees the warning in the UI and logs,
    // and peers refuse it); any other problem with our own chain is fatal.
    let cert_not_after = match install_check(&key, Some(&code), &chain, now) {
        Ok(v) => v.not_after,
        Err(e) if e.reason() == "expired" => {
            warn!("this site's certificate chain is not valid now: {e}");
            chain.leaf_not_after()
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "the certificate in {} cannot be used",
                data.tls_chain_path().display()
            )))
        }
    };
    let store = Store::open(&data.store_path())?;
    let root = chain.root().clone();
    let mut revs = RevocationList::default();
    for (site, bytes) in store.revocations()? {
        match verify_revocation(&root, &bytes, now) {
            Ok(r) => {
                revs.insert(r, bytes);
            }
            Err(e) => warn!(%site, "ignoring a stored revocation that no longer verifies: {e}"),
        }
    }
    let metrics = Metrics::new();
    metrics.revocations_known.set(revs.len() as i64);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let known = store
        .peers()?
        .into_iter()
        .map(|p| (p.site.clone(), p))
        .collect();
    let peer_id = key.peer_id().to_string();
    let mut cases = crate::cases::Cases::default();
    for (site, k, chain) in store.site_keys()? {
        cases.site_keys.insert(site.clone(), k);
        if let Ok(der) = cbor4ii::serde::from_slice::<Vec<Vec<u8>>>(&chain) {
            cases.site_chains.insert(site, der);
        }
    }
    // Our own chain names our key and our ancestors' (a commune's chain carries its province's
    // CA key and central's root key): enough to seal an identity to a new case's audience.
    for (site, k) in chain.site_keys() {
        cases.site_keys.insert(site, k);
    }
    cases.site_chains.insert(
        code.clone(),
        chain.der_list().iter().map(|c| c.to_vec()).collect(),
    );
    let loaded = cases.load_stored(store.all_events()?);
    if loaded > 0 {
        tracing::info!(
            events = loaded,
            cases = cases.entries.len(),
            "case records loaded"
        );
    }
    let users = store.users()?.into_iter().collect();
    let signing_key = ed25519_dalek::SigningKey::from_bytes(&key.seed());
    let node = Node {
        data: data.clone(),
        site,
        key,
        peer_id,
        chain,
        cert_not_after,
        root,
        revocations: Arc::new(RwLock::new(revs)),
        store,
        metrics,
        config,
        token,
        started: Instant::now(),
        bound: OnceLock::new(),
        links: Mutex::new(Default::default()),
        known: Mutex::new(known),
        p2p_proven: Mutex::new(Default::default()),
        dialing: Mutex::new(Default::default()),
        p2p_commands: OnceLock::new(),
        parent_connected_after_ms: OnceLock::new(),
        shutdown: shutdown_rx,
        dial_requests: OnceLock::new(),
        cases: Mutex::new(cases),
        signing_key,
        push_queue: OnceLock::new(),
        users: Mutex::new(users),
        numbering: Mutex::new(()),
        mesh: Default::default(),
        uploads: Default::default(),
        gateway: OnceLock::new(),
    };
    Ok((node, shutdown_tx))
}

pub async fn run(data: DataDir, overrides: Overrides) -> anyhow::Result<()> {
    let (node, shutdown_tx) = load(&data, &overrides)?;
    let node = Arc::new(node);
    node.check_expiry();
    let cfg = node.config.clone();

    let endpoint = links::endpoint(&node, cfg.listen)
        .with_context(|| format!("cannot bind QUIC on {}", cfg.listen))?;
    let http = tokio::net::TcpListener::bind(cfg.http)
        .await
        .with_context(|| format!("cannot bind HTTP on {}", cfg.http))?;
    let bound = Bound {
        quic: endpoint.local_addr()?,
        p2p: cfg.p2p,
        http: http.local_addr()?,
    };
    let _ = node.bound.set(bound);

    let (dial_tx, dial_rx) = mpsc::channel(links::DIAL_QUEUE_MAX);
    let _ = node.dial_requests.set(dial_tx);
    let (p2p_tx, p2p_rx) = mpsc::channel(crate::node::P2P_COMMANDS_MAX);
    let _ = node.p2p_commands.set(p2p_tx);

    let (push_tx, push_rx) = mpsc::channel(crate::replication::PUSH_QUEUE_MAX);
    let _ = node.push_queue.set(push_tx);
    tokio::spawn(crate::replication::pusher(node.clone(), push_rx));
    tokio::spawn(crate::mediamesh::heartbeat(node.clone()));
    tokio::spawn(crate::upload::uploader(node.clone()));
    crate::mediamesh::start_recorder(node.clone());
    // Without its media port a site still keeps its log book and cases; say so loudly.
    match crate::sessionmedia::start(node.clone()).await {
        Ok(gateway) => {
            let _ = node.gateway.set(gateway);
        }
        Err(e) => warn!("online sessions unavailable at this site: cannot start the media gateway on UDP {}: {e:#}", cfg.media),
    }
    tokio::spawn(links::accept_loop(node.clone(), endpoint.clone()));
    tokio::spawn(links::dialer(node.clone(), endpoint.clone(), dial_rx));
    let p2p_node = node.clone();
    let p2p_task = tokio::spawn(async move {
        if let Err(e) = crate::p2p::run(p2p_node, cfg.p2p, p2p_rx).await {
            warn!("libp2p stopped: {e:#}");
        }
    });
    let app = crate::http::router(node.clone());
    let mut http_shutdown = node.shutdown.clone();
    let http_task = tokio::spawn(async move {
        let _ = axum::serve(http, app)
            .with_graceful_shutdown(async move {
                let _ = http_shutdown.changed().await;
            })
            .await;
    });

    if let Some(parent) = cfg.parent {
        node.request_dial(parent, node.site.parent.clone());
    }
    // Sites remembered from earlier runs: dial the ones the topology wants.
    let known: Vec<_> = node
        .known
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .cloned()
        .collect();
    for p in known {
        if tiepdan_protocol::topology::wants_link(node.registry(), &node.site.code, &p.site) {
            for a in p.quic_addrs.iter().filter_map(|a| a.parse().ok()) {
                node.request_dial(a, Some(p.site.clone()));
            }
        }
    }

    data.write_public(
        &data.runtime_path(),
        serde_json::to_string(&bound)?.as_bytes(),
    )?;
    info!(
        site = %node.site.code, name = %node.site.name, level = %node.site.level, peer_id = %node.peer_id,
        quic = %bound.quic, http = %bound.http, p2p = %bound.p2p, "node running"
    );

    let expiry_node = node.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(3600));
        loop {
            t.tick().await;
            expiry_node.check_expiry();
        }
    });

    wait_for_signal().await;
    info!("shutting down");
    let _ = shutdown_tx.send(true);
    node.broadcast(&tiepdan_protocol::control::ControlFrame::Goodbye {
        reason: "shutdown".into(),
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    endpoint.close(quinn::VarInt::from_u32(links::CLOSE_SHUTDOWN), b"shutdown");
    let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), http_task).await;
    p2p_task.abort();
    let _ = std::fs::remove_file(data.runtime_path());
    info!("stopped cleanly");
    Ok(())
}

async fn wait_for_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
