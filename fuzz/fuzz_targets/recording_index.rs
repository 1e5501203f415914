//! libFuzzer entry of the `recording_index` target; the checks are `tiepdan_fuzzing::recording_index`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::recording_index(data));
