//! `tiepdan bench`: the README's figures, measured on loopback and in network namespaces with
//! real `tiepdan` processes (built only with the `lab` feature).
//!
//! Uses `lab` to start federations and bare peers, and the node's own modules as a peer would.
//! Figures are printed, never asserted: targets are judged by reading them (README).

pub mod cases;
pub mod federation;
pub mod media;

/// Runs one suite (`federation`, `cases`, `media`) or `all`.
pub async fn run_suite(suite: &str, handshakes: usize, seconds: u64) -> anyhow::Result<()> {
    match suite {
        "federation" => federation::run(handshakes, seconds).await,
        "cases" => cases::run().await,
        "media" => media::run().await,
        "all" => {
            federation::run(handshakes, seconds).await?;
            cases::run().await?;
            media::run().await
        }
        other => anyhow::bail!("unknown suite {other:?}: federation, cases, media or all"),
    }
}
