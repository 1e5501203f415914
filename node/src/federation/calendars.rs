//! Holiday calendars between sites: central publishes one per year, and every site takes it,
//! keeps it and passes it on exactly as received, like a revocation.
//!
//! Owns [`Federation::apply_calendar`] (verify against central's key, keep it in the site's
//! calendar if it is newer, store it, send it to every live link), [`Federation::publish_calendar`]
//! (central's operator signs one) and what a new link is sent ([`Federation::calendar_frames`]:
//! every calendar held). A record that fails is refused, counted in
//! `tiepdan_calendars_refused_total{reason}` and neither kept nor passed on. The calendar
//! itself, and the deadlines counted with it, are `site::calendar`'s.

use serde_bytes::ByteBuf;
use tiepdan_protocol::calendar::{self, CalendarError, PublishedCalendar};
use tiepdan_protocol::control::ControlFrame;
use tiepdan_protocol::sites::CENTRAL_CODE;
use tracing::{info, warn};

use super::{Federation, RevocationPath};
use crate::language::Message;

/// Why this site may not publish a calendar, or the calendar it tried was refused.
#[derive(Debug)]
pub enum PublishError {
    /// Only central publishes.
    NotCentral { site: String },
    /// The calendar itself is wrong.
    Calendar(CalendarError),
}

/// English, for logs.
impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::NotCentral { site } => write!(
                f,
                "only central ({CENTRAL_CODE}) publishes holiday calendars; site {site} receives them"
            ),
            PublishError::Calendar(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PublishError {}

/// What the person who tried to publish reads.
impl From<&PublishError> for Message {
    fn from(e: &PublishError) -> Message {
        match e {
            PublishError::NotCentral { site } => Message::new("error-calendar-publish-not-central")
                .arg("central", CENTRAL_CODE)
                .arg("site", site),
            PublishError::Calendar(e) => e.into(),
        }
    }
}

impl Federation {
    /// Verifies and takes a calendar record that arrived by `via` (from site `from`): kept,
    /// stored and sent on to every live link when it is newer than the one held for its year.
    /// Returns the calendar when it was new.
    pub fn apply_calendar(
        &self,
        bytes: &[u8],
        via: RevocationPath,
        from: &str,
    ) -> Result<Option<PublishedCalendar>, CalendarError> {
        let site = &self.site;
        let fresh = site
            .calendar
            .accept(bytes, self.now())
            .inspect_err(|e| site.metrics.calendar_refused(e.reason()))?;
        site.metrics.calendar_received(via.as_str());
        let Some(cal) = fresh else {
            return Ok(None);
        };
        site.metrics
            .calendars_known
            .set(site.calendar.published().len() as i64);
        info!(
            year = cal.year,
            issued_at = cal.issued_at,
            days = cal.days.len(),
            via = via.as_str(),
            %from,
            "holiday calendar accepted"
        );
        if let Err(e) = site.store.put_calendar(cal.year, bytes) {
            warn!(year = cal.year, "cannot store the holiday calendar: {e}");
        }
        self.broadcast(&ControlFrame::Calendar(ByteBuf::from(bytes.to_vec())));
        // And over libp2p gossip, as a revocation: a site with no QUIC link up still hears it.
        self.p2p(super::P2pCommand::PublishCalendar(bytes.to_vec()));
        Ok(Some(cal))
    }

    /// Central's operator publishes the calendar of `year` from the text of a calendar file:
    /// signed with central's key, issued now (or just after the one held for that year, so the
    /// latest publication always wins), then taken and spread like any other.
    pub fn publish_calendar(
        &self,
        year: i32,
        csv: &str,
    ) -> Result<PublishedCalendar, PublishError> {
        let site = &self.site;
        if site.site.code != CENTRAL_CODE {
            return Err(PublishError::NotCentral {
                site: site.site.code.clone(),
            });
        }
        let issued_at = match site.calendar.issued_at(year) {
            Some(held) => self.now().max(held.saturating_add(1)),
            None => self.now(),
        };
        let bytes = calendar::publish_csv(&site.signing_key, year, csv, issued_at)
            .map_err(PublishError::Calendar)?;
        self.apply_calendar(&bytes, RevocationPath::Operator, &site.site.code)
            .map_err(PublishError::Calendar)?
            .ok_or_else(|| {
                // Cannot happen: it is newer than the one held by construction.
                PublishError::Calendar(CalendarError::Garbled("not newer".into()))
            })
    }

    /// The frames a new link is sent: every calendar held.
    pub fn calendar_frames(&self) -> Vec<ControlFrame> {
        self.site
            .calendar
            .records()
            .into_iter()
            .map(|b| ControlFrame::Calendar(ByteBuf::from(b)))
            .collect()
    }
}
