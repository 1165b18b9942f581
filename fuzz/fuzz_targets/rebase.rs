//! Fuzz target `rebase`: see `ictindex_fuzz::rebase`.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| ictindex_fuzz::rebase(input));
