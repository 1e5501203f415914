//! libFuzzer entry of the `control_frame` target; the checks are `tiepdan_fuzzing::control_frame`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::control_frame(data));
