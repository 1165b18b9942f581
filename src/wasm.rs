//! The page's binding (wasm32 only). Written on the `page` branch.
