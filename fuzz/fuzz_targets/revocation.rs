//! libFuzzer entry of the `revocation` target; the checks are `tiepdan_fuzzing::revocation`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::revocation(data));
