//! Black-box tests of case records: receptions, replication to exactly the audience, and
//! hostile peers sending events. One test binary for the area (the fuzz seed corpora are
//! checked in `tiepdan-fuzzing`).

mod hostile;
mod kill9;
mod records;
