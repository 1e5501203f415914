//! libFuzzer entry of the `session_payload` target; the checks are `tiepdan_fuzzing::session_payload`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::session_payload(data));
