//! Fuzz target `whatif`: see `ictindex_fuzz::whatif`.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| ictindex_fuzz::whatif(input));
