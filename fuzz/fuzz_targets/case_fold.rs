//! libFuzzer entry of the `case_fold` target; the checks are `tiepdan_fuzzing::case_fold`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::case_fold(data));
