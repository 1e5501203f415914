//! Reports and supervision (issue 13): what the head of a site owes the level above, and what
//! the level above sees of the levels below.
//!
//! Owns:
//! - the report periods as the API names them ([`period`]);
//! - the site's submitted reports: signing one, and reading those of the sites below
//!   ([`submissions`]);
//! - the supervision table of the sites below and its plots ([`supervision`], [`plot`]);
//! - the biểu computed from the records held here, and their submission ([`forms`]);
//! - the official layout of a biểu, as XLSX and print ([`table`]);
//! - the records of the national database and their delivery ([`national`], [`export`]).
//!
//! It computes from the records this site holds (every case and session of a site below is in
//! its audience, so a province needs no other source) with the pure functions of
//! `tiepdan_protocol::{report, submission, supervision}`. May use `language`, `site` and `records`.

pub mod export;
pub mod forms;
pub mod national;
pub mod period;
pub mod plot;
pub mod submissions;
pub mod supervision;
pub mod table;

use std::sync::Arc;

use crate::records::SiteRecords;
use crate::site::LocalSite;

/// The reports desk of a site.
pub struct Reports {
    pub site: Arc<LocalSite>,
    pub records: Arc<SiteRecords>,
}

impl Reports {
    pub fn new(site: Arc<LocalSite>, records: Arc<SiteRecords>) -> Reports {
        Reports { site, records }
    }
}
