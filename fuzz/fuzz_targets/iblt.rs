//! libFuzzer entry of the `iblt` target; the checks are `tiepdan_fuzzing::iblt`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::iblt(data));
