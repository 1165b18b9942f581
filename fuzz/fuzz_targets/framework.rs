//! Fuzz target `framework`: see `ictindex_fuzz::framework`.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| ictindex_fuzz::framework(input));
