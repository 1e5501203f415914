//! libFuzzer entry of the `replication_msg` target; the checks are `tiepdan_fuzzing::replication_msg`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::replication_msg(data));
