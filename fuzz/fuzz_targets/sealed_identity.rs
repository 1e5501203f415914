//! libFuzzer entry of the `sealed_identity` target; the checks are `tiepdan_fuzzing::sealed_identity`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tiepdan_fuzzing::sealed_identity(data));
