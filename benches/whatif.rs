//! What-if edits on 63 provinces: `WhatIf::apply` then `undo` (each
//! recomputes only the edited leaf, its ancestors and their ranks), each
//! followed by `deltas()` (every unit's rank before and after, what a page
//! shows), on the published five sub-scores and on 63 × 50 indicators. One
//! iteration is two edits.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ictindex::{Edit, Options, WhatIf};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("whatif");
    let cases = [
        ("63x5 value", common::subscores(63, 1), Edit::parse_value("26:HTKT=0.9")),
        (
            "63x50 value",
            common::indicators(63, 50, 5, 1),
            Edit::parse_value("U26:ind7=55.5"),
        ),
        (
            "63x50 weight",
            common::indicators(63, 50, 5, 1),
            Edit::parse_weight("P2=3"),
        ),
    ];
    for (name, (f, d), edit) in cases {
        let edit = match edit {
            Ok(e) => e,
            Err(e) => panic!("{name}: {e}"),
        };
        let mut w = match WhatIf::new(&d, &f, &Options::default(), None) {
            Ok(w) => w,
            Err(e) => panic!("{name}: {e}"),
        };
        g.bench_function(format!("{name} apply+undo"), |b| {
            b.iter(|| {
                let applied = w.apply(black_box(&edit));
                let after = w.deltas();
                let undone = w.undo();
                black_box((applied, after, undone, w.deltas()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
