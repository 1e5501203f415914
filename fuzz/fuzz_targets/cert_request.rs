//! libFuzzer entry of the `cert_request` target; the checks are `tiepdan_fuzzing::cert_request`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::cert_request(data));
