//! Fuzz target `score`: see `ictindex_fuzz::score`.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| ictindex_fuzz::score(input));
