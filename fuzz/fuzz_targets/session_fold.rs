//! libFuzzer entry of the `session_fold` target; the checks are `tiepdan_fuzzing::session_fold`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::session_fold(data));
