//! Fuzzes the parser of certificate requests (PEM text sent by a site asking to join): any
//! input must be refused or accepted without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tiepdan_keys::cert::parse_request(&String::from_utf8_lossy(data));
});
