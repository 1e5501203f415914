//! `tiepdan run`: loads a site, binds its endpoints, wires its capabilities and runs every
//! task until SIGTERM/Ctrl-C.
//!
//! The one place that builds the capabilities and connects them: each registers what it serves
//! with the federation's channel registry, and the sessions tell the recorder through its
//! hooks. Owns start-up checks (key permissions, installed certificate, config, in
//! `LocalSite::open`), the order tasks start in, `run.json` (so CLI commands can find the API)
//! and graceful shutdown: links are closed with a reason, the store is released, `run.json`
//! removed.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::accounts::Accounts;
use crate::api::App;
use crate::cases::Cases;
use crate::federation::link_test::LinkTestChannel;
use crate::federation::{links, Federation};
use crate::recording::recorder::{self, RecorderHooks};
use crate::records::replication::Replication;
use crate::records::SiteRecords;
use crate::sessions::mesh::MediaMesh;
use crate::sessions::Sessions;
use crate::site::clock::now_ms;
use crate::site::config::Overrides;
use crate::site::datadir::DataDir;
use crate::site::{Bound, LocalSite};
use crate::upload::Uploads;

pub async fn run(data: DataDir, overrides: Overrides) -> anyhow::Result<()> {
    let term = term_signal();
    let site = Arc::new(LocalSite::open(&data, &overrides)?);
    site.check_expiry();
    let cfg = site.config.clone();
    // A wrong [national_db] section stops the start before anything binds, naming what is wrong.
    let national = crate::reports::export::NationalPush::new(&cfg.national_db)?.map(Arc::new);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (federation, fed_tasks) = Federation::new(site.clone(), shutdown_rx.clone())?;
    let federation = Arc::new(federation);
    let records = Arc::new(SiteRecords::load(site.clone())?);
    let accounts = Arc::new(Accounts::load(&site.store, &site.token)?);

    let endpoint = links::endpoint(&federation, cfg.listen)
        .with_context(|| format!("cannot bind QUIC on {}", cfg.listen))?;
    // Browsers give camera and microphone only to secure origins: beyond loopback, TLS only,
    // and a plain loopback listener for this machine's CLI.
    let tls = if crate::api::tls::needs_tls(cfg.http) {
        Some(crate::api::tls::server_config(
            &data,
            &cfg,
            &site.site.name,
        )?)
    } else {
        None
    };
    let http = tokio::net::TcpListener::bind(cfg.http)
        .await
        .with_context(|| format!("cannot bind HTTP on {}", cfg.http))?;
    let local_http = match tls {
        Some(_) => Some(
            tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
                .await
                .context("cannot bind the CLI's loopback HTTP port")?,
        ),
        None => None,
    };
    let bound = Bound {
        quic: endpoint.local_addr()?,
        p2p: cfg.p2p,
        http: http.local_addr()?,
        tls: tls.is_some(),
        local_http: local_http.as_ref().map(|l| l.local_addr()).transpose()?,
    };
    let _ = site.bound.set(bound);
    // Before anything answers: a CLI command finds the API through it as soon as it can call.
    data.write_public(
        &data.runtime_path(),
        serde_json::to_string(&bound)?.as_bytes(),
    )?;

    // Every capability registers its channels before the first link can come up.
    let _replication = Replication::start(records.clone(), federation.clone());
    LinkTestChannel::register(&federation.channels);
    let sessions = Arc::new(Sessions::new(site.clone(), records.clone()));
    let mesh = MediaMesh::new(site.clone(), federation.clone(), records.clone());
    mesh.start(&federation.channels);
    let uploads = Uploads::new(site.clone(), federation.clone(), records.clone());
    uploads.start(&federation.channels);
    mesh.set_recorder(recorder::start(
        site.clone(),
        recorder_hooks(&mesh, &sessions, shutdown_rx.clone()),
    ));
    // Without its media port a site still keeps its log book and cases; say so loudly.
    let gateway = match crate::sessions::gateway::start(mesh.clone()).await {
        Ok(gateway) => Some(gateway),
        Err(e) => {
            warn!("online sessions unavailable at this site: cannot start the media gateway on UDP {}: {e:#}", cfg.media);
            None
        }
    };
    tokio::spawn(links::accept_loop(federation.clone(), endpoint.clone()));
    tokio::spawn(links::dialer(
        federation.clone(),
        endpoint.clone(),
        fed_tasks.dial_requests,
    ));
    let p2p_fed = federation.clone();
    let p2p_task = tokio::spawn(async move {
        if let Err(e) = crate::federation::p2p::run(p2p_fed, cfg.p2p, fed_tasks.p2p_commands).await
        {
            warn!("libp2p stopped: {e:#}");
        }
    });
    let reports = Arc::new(crate::reports::Reports::new(site.clone(), records.clone()));
    if let Some(push) = national.clone() {
        let (reports, every) = (
            reports.clone(),
            Duration::from_secs(cfg.national_db.interval_s.max(1)),
        );
        let mut stop = shutdown_rx.clone();
        tokio::spawn(async move {
            loop {
                let (p, r) = (push.clone(), reports.clone());
                let _ =
                    tokio::task::spawn_blocking(move || p.cycle(&r, crate::site::clock::now_ms()))
                        .await;
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
    let app = Arc::new(App {
        site: site.clone(),
        federation: federation.clone(),
        cases: Arc::new(Cases::new(site.clone(), records.clone())),
        reports,
        national,
        records,
        sessions,
        mesh,
        uploads,
        gateway,
        accounts,
        https: tls.is_some(),
        sign_in_slots: Arc::new(tokio::sync::Semaphore::new(crate::api::SIGN_INS_AT_ONCE)),
        join_rate: Default::default(),
    });
    let router = crate::api::router(app);
    let mut http_shutdown = shutdown_rx.clone();
    let plain = match (&tls, local_http) {
        (Some(config), local) => {
            tokio::spawn(crate::api::tls::serve(
                http,
                router.clone(),
                config.clone(),
                shutdown_rx.clone(),
            ));
            local
        }
        (None, _) => Some(http),
    };
    let http_task = tokio::spawn(async move {
        let Some(listener) = plain else { return };
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_shutdown.changed().await;
        })
        .await;
    });

    if let Some(parent) = cfg.parent {
        federation.request_dial(parent, site.site.parent.clone());
    }
    federation.dial_remembered();

    info!(
        site = %site.site.code, name = %site.site.name, level = %site.site.level, peer_id = %site.peer_id,
        quic = %bound.quic, http = %bound.http, p2p = %bound.p2p, "node running"
    );

    tokio::spawn(federation.clone().recheck_links());
    let expiry_site = site.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(3600));
        loop {
            t.tick().await;
            expiry_site.check_expiry();
        }
    });

    wait_for_signal(term).await;
    info!("shutting down");
    let _ = shutdown_tx.send(true);
    federation.broadcast(&tiepdan_protocol::control::ControlFrame::Goodbye {
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

/// What the recorder needs to know of sessions: which may still carry media (from the mesh's
/// copy, never the records lock), and where a sealed recording is written down (a
/// `RecordingSealed` session event).
fn recorder_hooks(
    mesh: &Arc<MediaMesh>,
    sessions: &Arc<Sessions>,
    shutdown: watch::Receiver<bool>,
) -> RecorderHooks {
    let (mesh, sessions) = (mesh.clone(), sessions.clone());
    let code = sessions.site.site.code.clone();
    RecorderHooks {
        active_sessions: Box::new(move || mesh.active_ids()),
        sealed: Box::new(move |session, index_id| {
            let event = tiepdan_protocol::session::SessionEvent::RecordingSealed {
                site: code.clone(),
                index_id,
            };
            if let Err(e) = sessions.session_act(session, event, now_ms(), None) {
                tracing::debug!(%session, "recording sealed; the session event was refused: {e}");
            }
        }),
        shutdown,
    }
}

/// SIGTERM's handler, installed before anything answers: a supervisor that stops the node as
/// soon as it serves must get a clean exit, not the default action.
fn term_signal() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
}

async fn wait_for_signal(term: Option<tokio::signal::unix::Signal>) {
    let Some(mut term) = term else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
