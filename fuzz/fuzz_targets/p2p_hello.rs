//! libFuzzer entry of the `p2p_hello` target; the checks are `tiepdan_fuzzing::p2p_hello`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::p2p_hello(data));
