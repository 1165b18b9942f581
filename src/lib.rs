//! ictindex
