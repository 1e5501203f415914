//! libFuzzer entry of the `reconcile_msg` target; the checks are `tiepdan_fuzzing::reconcile_msg`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::reconcile_msg(data));
