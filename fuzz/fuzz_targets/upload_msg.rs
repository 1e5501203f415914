//! libFuzzer entry of the `upload_msg` target; the checks are `tiepdan_fuzzing::upload_msg`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::upload_msg(data));
