//! libFuzzer entry of the `link_state` target; the checks are `tiepdan_fuzzing::link_state`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::link_state(data));
