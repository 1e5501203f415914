//! libFuzzer entry of the `sdp_offer` target; the checks are `tiepdan_fuzzing::sdp_offer`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::sdp_offer(data));
