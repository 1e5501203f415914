//! libFuzzer entry of the `calendar` target; the checks are `tiepdan_fuzzing::calendar`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::calendar(data));
