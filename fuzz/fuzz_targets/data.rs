//! Fuzz target `data`: see `ictindex_fuzz::data`.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| ictindex_fuzz::data(input));
