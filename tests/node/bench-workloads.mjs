// The wasm half of scripts/bench-wasm: times, through the page's JS API in
// Node, the workloads examples/workloads.rs timed natively, on the CSV files
// it wrote, with the same sampling rule (the first call timed on its own, a
// warm-up of ≥ 300 ms and ≥ 3 calls that also calibrates, then samples of
// ≥ 20 ms, median of up to 21, at least 5, BUDGET_MS per workload, default
// 3000). The warm-up matters here: V8 first runs wasm in its baseline
// compiler (Liftoff) and tiers hot functions up to its optimising one
// (TurboFan) in the background, so the first calls measure the baseline code.
//
//   node tests/node/bench-workloads.mjs time DIR [BUDGET_MS]
//        (ICTINDEX_NODE_PKG=size|speed picks the build) → DIR/wasm-<variant>.json
//   node tests/node/bench-workloads.mjs report DIR
//        → DIR/round*/{native-1,native-2,wasm-size,wasm-speed}.json: per
//          workload and side the median over rounds of the per-round medians,
//          and the wasm / native ratios (median over rounds, with their range)
//
// Every workload's check value (a score or a median rank) must equal the
// native one bit for bit, or the run fails: both sides did the same work.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [mode, dir, flag] = process.argv.slice(2);
if (!['time', 'report'].includes(mode) || !dir) {
  console.error('usage: bench-workloads.mjs time|report DIR [BUDGET_MS]');
  process.exit(2);
}

const SAMPLE_NS = 20e6;
const BUDGET_NS = (flag ? Number(flag) : 3000) * 1e6;
const MIN_SAMPLES = 5;
const MAX_SAMPLES = 21;
const WARM_UP_NS = 300e6;
const WARM_UP_CALLS = 3;
const now = () => Number(process.hrtime.bigint());

function time(name, op) {
  let start = now();
  let check = op();
  const firstNs = now() - start;
  start = now();
  let calls = 0;
  while (calls < WARM_UP_CALLS || now() - start < WARM_UP_NS) {
    check = op();
    calls += 1;
  }
  const one = Math.max((now() - start) / calls, 1);
  const reps = one < SAMPLE_NS ? Math.max(1, Math.floor(SAMPLE_NS / one)) : 1;
  const perOp = [];
  const begun = now();
  while (perOp.length < MAX_SAMPLES && (perOp.length < MIN_SAMPLES || now() - begun < BUDGET_NS)) {
    const t = now();
    for (let i = 0; i < reps; i += 1) check = op();
    perOp.push((now() - t) / reps);
  }
  perOp.sort((a, b) => a - b);
  const median = perOp[Math.floor(perOp.length / 2)];
  console.error(`bench-workloads: ${name.padEnd(28)} median ${(median / 1e3).toFixed(3).padStart(12)} µs  (${perOp.length} × ${reps})`);
  return { name, medianNs: median, minNs: perOp[0], firstNs, reps, samples: perOp.length, check };
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const bits = (x) => {
  if (x === null || x === undefined) return String(x);
  f64[0] = x;
  return u64[0].toString(16);
};

async function timeAll() {
  const { wasm, variant, pkgDir } = await import('./pkg.mjs');
  const { Calculator, AnalysisRun } = wasm;
  const bytes = (f) => new Uint8Array(readFileSync(path.join(dir, f)));
  const out = [];
  const firstIndexScore = (calc) => {
    const t = calc.table();
    return t.rows[0][`${t.index}_score`];
  };

  const sets = {};
  for (const name of ['63x5', '63x50', '10000x100']) {
    const data = bytes(`${name}.data.csv`);
    const fw = bytes(`${name}.framework.csv`);
    const calc = new Calculator();
    calc.loadDataAndFramework(data, `${name}.data.csv`, fw, 'framework.csv');
    const t = time(`score ${name}`, () => calc.setOptions({}));
    t.check = firstIndexScore(calc);
    out.push(t);
    sets[name] = { calc, data, fw };
  }

  {
    const calc = new Calculator();
    let i = 0;
    const t = time('whatif 63 (sample)', () => {
      i += 1;
      calc.setValue('26', 'HTKT', 0.5 + (i % 7) / 20);
      calc.undo();
    });
    calc.setValue('26', 'HTKT', 0.9);
    t.check = firstIndexScore(calc);
    calc.undo();
    out.push(t);
    calc.free();
  }

  const snapshot = sets['63x50'].calc.analysisSnapshot();
  for (const samples of [1000, 10000]) {
    out.push(
      time(`uncertainty 63x50 K=${samples}`, () => {
        const run = new AnalysisRun(snapshot, 'uncertainty', { samples, seed: 1 });
        while (!run.done) run.step(500);
        const r = run.result();
        run.free();
        return r.units[0].medianRank;
      }),
    );
  }

  const { calc, data, fw } = sets['10000x100'];
  const file = '10000x100.data.csv';
  out.push(time('check 10000x100', () => calc.check(data, file).length));
  const t = time('load 10000x100', () => calc.loadDataAndFramework(data, file, fw, 'framework.csv'));
  t.check = firstIndexScore(calc);
  out.push(t);
  for (const s of Object.values(sets)) s.calc.free();

  const wasmBytes = readFileSync(path.join(pkgDir, 'ictindex_bg.wasm')).length;
  writeFileSync(path.join(dir, `wasm-${variant}.json`), JSON.stringify({ variant, wasmBytes, timings: out }, null, 1));
}

function report() {
  const median = (xs) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const rounds = readdirSync(dir)
    .filter((d) => /^round\d+$/.test(d))
    .sort();
  const sides = [
    ['native 1 thread', 'native-1.json'],
    ['native 2 threads', 'native-2.json'],
    ['wasm size (page module build)', 'wasm-size.json'],
    ['wasm speed (tools module build)', 'wasm-speed.json'],
  ];
  // per side: per round: the list of timings
  const data = sides.map(([label, file]) => [
    label,
    rounds.map((r) => {
      const v = JSON.parse(readFileSync(path.join(dir, r, file), 'utf8'));
      return Array.isArray(v) ? { timings: v } : v;
    }),
  ]);
  const find = (list, name) => list.find((t) => t.name === name);
  const names = data[0][1][0].timings.map((t) => t.name);
  const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`);
  // Same work on every side: the check values agree bit for bit.
  let failed = false;
  for (const name of names) {
    const checks = data.flatMap(([, rs]) => rs.map((r) => bits(find(r.timings, name)?.check)));
    if (new Set(checks).size !== 1) {
      console.error(`bench-workloads: ${name}: check values differ: ${[...new Set(checks)].join(' ')}`);
      failed = true;
    }
  }
  /** Median over rounds of one side's `field` for a workload. */
  const time = (side, name, field = 'medianNs') => median(data[side][1].map((r) => find(r.timings, name)[field]));
  /** Per-round ratio side a / side b: [median, min, max]. */
  const ratio = (a, b, name) => {
    const rs = rounds.map((_, i) => find(data[a][1][i].timings, name).medianNs / find(data[b][1][i].timings, name).medianNs);
    return `${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
  };
  const head = ['workload', ...sides.map(([l]) => l), 'size / native 1t', 'speed / native 1t', 'size / native 2t', 'speed / native 2t'];
  console.log(`${rounds.length} rounds; times: median over rounds of each round's median; ratios: median over rounds (range)\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const name of names) {
    const r = [name, ...sides.map((_, i) => fmt(time(i, name)))];
    r.push(ratio(2, 0, name), ratio(3, 0, name), ratio(2, 1, name), ratio(3, 1, name));
    console.log(`| ${r.join(' | ')} |`);
  }
  // The first call of each workload, cold (wasm: V8's baseline code, before tier-up).
  if (data.every(([, rs]) => rs.every((r) => r.timings.every((t) => typeof t.firstNs === 'number')))) {
    const firstHead = ['first call (cold)', ...sides.map(([l]) => l)];
    console.log(`\n| ${firstHead.join(' | ')} |`);
    console.log(`|${firstHead.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const name of names) console.log(`| ${[name, ...sides.map((_, i) => fmt(time(i, name, 'firstNs')))].join(' | ')} |`);
  }
  const bytes = data.filter(([, rs]) => rs[0].wasmBytes).map(([l, rs]) => `${l}: ictindex_bg.wasm ${rs[0].wasmBytes} bytes`);
  console.log(`\n${bytes.join('; ')}`);
  if (failed) process.exit(1);
}

if (mode === 'time') await timeAll();
else report();
