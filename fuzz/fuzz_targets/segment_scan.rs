//! libFuzzer entry of the `segment_scan` target; the checks are `tiepdan_fuzzing::segment_scan`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::segment_scan(data));
