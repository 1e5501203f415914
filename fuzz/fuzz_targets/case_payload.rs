//! libFuzzer entry of the `case_payload` target; the checks are `tiepdan_fuzzing::case_payload`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::case_payload(data));
