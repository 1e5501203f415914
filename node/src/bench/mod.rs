//! `tiepdan bench`: the README's figures, measured on loopback and in network namespaces with
//! real `tiepdan` processes (built only with the `lab` feature).
//!
//! Uses `lab` to start federations and bare peers, and the node's own modules as a peer would.
//! Figures are printed, never asserted: targets are judged by reading them (README).

pub mod bare;
pub mod cases;
pub mod federation;
pub mod harness;
pub mod media;
pub mod reports;

/// The sizes a suite runs at.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Handshakes timed one at a time (`federation`).
    pub handshakes: usize,
    /// Seconds of concurrent handshakes (`federation`).
    pub seconds: u64,
    /// Cases at the province in `reports`; central holds ten times as many.
    pub report_cases: usize,
    /// The load harness's fleet, receptions and idle windows (`harness`).
    pub load: harness::Load,
}

/// Runs one suite (`federation`, `cases`, `media`, `reports`, `harness`) or `all`.
pub async fn run_suite(suite: &str, sizes: Sizes) -> anyhow::Result<()> {
    match suite {
        "federation" => federation::run(sizes.handshakes, sizes.seconds).await,
        "cases" => cases::run().await,
        "media" => media::run().await,
        "reports" => reports::run(sizes.report_cases).await,
        "harness" => harness::run(sizes.load).await,
        "all" => {
            federation::run(sizes.handshakes, sizes.seconds).await?;
            cases::run().await?;
            media::run().await?;
            reports::run(sizes.report_cases).await?;
            harness::run(sizes.load).await
        }
        other => {
            anyhow::bail!(
                "unknown suite {other:?}: federation, cases, media, reports, harness or all"
            )
        }
    }
}
