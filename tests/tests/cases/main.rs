//! Black-box tests of case records: receptions, replication to exactly the audience, hostile
//! peers sending events, and the printed documents (Forms 01–03/TCD). One test binary for the
//! area (the fuzz seed corpora are checked in `tiepdan-fuzzing`).

mod case_pages;
mod documents;
mod hostile;
mod ignored;
mod kill9;
mod language;
mod reception_page;
mod records;
