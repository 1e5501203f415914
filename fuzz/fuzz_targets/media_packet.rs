//! libFuzzer entry of the `media_packet` target; the checks are `tiepdan_fuzzing::media_packet`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::media_packet(data));
