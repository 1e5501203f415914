//! libFuzzer entry of the `signed_event` target; the checks are `tiepdan_fuzzing::signed_event`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::signed_event(data));
