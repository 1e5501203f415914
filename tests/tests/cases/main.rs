//! Black-box tests of case records: receptions, replication to exactly the audience, hostile
//! peers sending events, and the fuzz seed corpus. One test binary for the area.

mod fuzz_corpus;
mod hostile;
mod records;
