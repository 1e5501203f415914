//! The holiday calendar this site counts deadlines with: the built-in list, with every year
//! central published (`tiepdan_protocol::calendar`) in place of that year's built-in days.
//!
//! Owns the calendars held (loaded from the store when the site opens, each verified again
//! against central's key, the key of the federation root certificate) and the effective
//! calendar, rebuilt whenever one is added. Receiving, storing and spreading a record is the
//! federation's (`federation::calendars`); this only holds them, so `cases` and `sessions`
//! count with [`SiteCalendar::current`] without naming the federation.

use std::sync::{Arc, RwLock};

use tiepdan_protocol::calendar::{self, CalendarError, PublishedCalendar, PublishedCalendars};
use tiepdan_protocol::case::Calendar;
use tracing::warn;

use super::lock::UnpoisonedRw;
use super::store::{Store, StoreError};

/// The calendars held and the calendar they make.
pub struct SiteCalendar {
    central_key: [u8; 32],
    held: RwLock<Held>,
}

struct Held {
    published: PublishedCalendars,
    effective: Arc<Calendar>,
}

impl Held {
    fn new(published: PublishedCalendars) -> Held {
        let effective = Arc::new(published.effective(Calendar::vietnam()));
        Held {
            published,
            effective,
        }
    }
}

impl SiteCalendar {
    /// The calendars stored in `store` that still verify under `central_key` at `now`.
    pub fn load(
        store: &Store,
        central_key: [u8; 32],
        now: u64,
    ) -> Result<SiteCalendar, StoreError> {
        let mut published = PublishedCalendars::new();
        for (year, bytes) in store.calendars()? {
            match calendar::verify(&bytes, &central_key, now) {
                Ok(c) if c.year == year => {
                    published.insert(c, bytes);
                }
                Ok(c) => warn!(
                    year,
                    "ignoring a stored calendar of another year ({})", c.year
                ),
                Err(e) => warn!(
                    year,
                    "ignoring a stored calendar that no longer verifies: {e}"
                ),
            }
        }
        Ok(SiteCalendar {
            central_key,
            held: RwLock::new(Held::new(published)),
        })
    }

    /// The calendar deadlines are counted with now.
    pub fn current(&self) -> Arc<Calendar> {
        self.held.reading().effective.clone()
    }

    /// Central's public key, which every calendar must be signed with.
    pub fn central_key(&self) -> &[u8; 32] {
        &self.central_key
    }

    /// Verifies a record and keeps it if it is newer than the one held for its year; the
    /// effective calendar changes at once. `Ok(Some(_))` when kept: the caller stores and
    /// spreads it.
    pub fn accept(
        &self,
        bytes: &[u8],
        now: u64,
    ) -> Result<Option<PublishedCalendar>, CalendarError> {
        let cal = calendar::verify(bytes, &self.central_key, now)?;
        let mut held = self.held.writing();
        let mut published = held.published.clone();
        if !published.insert(cal.clone(), bytes.to_vec()) {
            return Ok(None);
        }
        *held = Held::new(published);
        Ok(Some(cal))
    }

    /// Every record held, as received, to send to a peer.
    pub fn records(&self) -> Vec<Vec<u8>> {
        self.held
            .reading()
            .published
            .records()
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// The calendars held, oldest year first.
    pub fn published(&self) -> Vec<PublishedCalendar> {
        self.held.reading().published.iter().cloned().collect()
    }

    /// When the calendar held for `year` was issued.
    pub fn issued_at(&self, year: i32) -> Option<u64> {
        self.held.reading().published.get(year).map(|c| c.issued_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiepdan_protocol::case::parse_date;

    #[test]
    fn a_published_year_changes_the_calendar_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let central = key.verifying_key().to_bytes();
        let now = 1_830_000_000;
        let csv = "date,kind,name,source\n2028-03-08,off,Ngày nghỉ,Quyết định\n";
        let record = calendar::publish_csv(&key, 2028, csv, now).unwrap();
        let day = parse_date("2028-03-08").unwrap();
        let received = parse_date("2028-03-01").unwrap();
        {
            let store = Store::open(&path).unwrap();
            let cal = SiteCalendar::load(&store, central, now).unwrap();
            assert!(cal.current().is_working_day(day));
            // The result notice (10 working days) of a case received on Wednesday 1 March.
            assert_eq!(
                cal.current().add_working_days(received, 10),
                parse_date("2028-03-15").unwrap()
            );
            let forged = calendar::publish_csv(
                &ed25519_dalek::SigningKey::from_bytes(&[4; 32]),
                2028,
                csv,
                now,
            )
            .unwrap();
            assert_eq!(
                cal.accept(&forged, now).unwrap_err().reason(),
                "bad_signature"
            );
            assert!(cal.current().is_working_day(day));
            assert!(cal.accept(&record, now).unwrap().is_some());
            assert!(cal.accept(&record, now).unwrap().is_none(), "held already");
            assert!(!cal.current().is_working_day(day));
            assert_eq!(
                cal.current().add_working_days(received, 10),
                parse_date("2028-03-16").unwrap(),
                "the published holiday is skipped"
            );
            store.put_calendar(2028, &record).unwrap();
            // A stored record that does not verify (another key) is ignored on load.
            store.put_calendar(2029, &forged).unwrap();
        }
        let store = Store::open(&path).unwrap();
        let cal = SiteCalendar::load(&store, central, now).unwrap();
        assert!(!cal.current().is_working_day(day));
        assert_eq!(cal.published().len(), 1);
        assert_eq!(cal.issued_at(2028), Some(now));
        assert_eq!(cal.records(), vec![record]);
    }
}
