// Same answer everywhere: the wasm module (as the page calls it) and the
// native CLI give bit-identical results on 1,000 generated data sets
// (tests/node/gen.mjs: sizes, missing values, ties, editions, groups, every
// normalisation and aggregation, weights, options).
//
// For each data set, the wasm side loads data and framework
// (`loadDataAndFramework`, as text), sets the options (`setOptions`) and
// reads `table().rows` of every edition (`setYear`). The native side is one
// batch run of examples/score_batch.rs over all data sets (what `ictindex
// score --format json` does, per edition, in one process: 1,000 CLI runs per
// edition take minutes on a busy machine); every 20th data set also goes
// through the CLI itself (`ictindex score … --year Y`), which must match the
// batch. Every cell is compared: numbers by their 64-bit patterns (so -0 and
// 0 differ, as do scores one ulp apart), ranks, rank changes, text. A data
// set the core refuses must be refused by both with the same message. Every
// tenth data set also gets a what-if sequence (value edits, a missing value,
// a weight edit): `table().deltas` against `ictindex whatif --format json`.
//
// Data sets with a geometric mean are checked in a test of their own: the
// core once took `ln` and `exp` from the platform (glibc natively, Rust's libm
// port in wasm), which differ in the last bit for some inputs and moved 64
// ranks; it now uses the `libm` crate on every target.
//
//   ICTINDEX_BIN        the native CLI (default target/release/ictindex)
//   ICTINDEX_BATCH      the batch scorer (default target/release/examples/score_batch)
//                       build both: cargo build --release --bin ictindex --example score_batch
//   ICTINDEX_SETS       how many data sets (default 1000)
//   ICTINDEX_SEED       the generator's seed (default 20261122)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { root, wasm } from './pkg.mjs';
import { dataset, Rng } from './gen.mjs';

const { Calculator } = wasm;
const run = promisify(execFile);
// Relative paths are taken from the repository root (the CLI runs in temporary directories).
const BIN = path.resolve(root, process.env.ICTINDEX_BIN ?? 'target/release/ictindex');
const BATCH = path.resolve(root, process.env.ICTINDEX_BATCH ?? 'target/release/examples/score_batch');
const SETS = Number(process.env.ICTINDEX_SETS ?? 1000);
const SEED = Number(process.env.ICTINDEX_SEED ?? 20261122);
const JOBS = 2;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
/** The IEEE-754 bit pattern of `x`, as hex. */
function bits(x) {
  f64[0] = x;
  return u64[0].toString(16).padStart(16, '0');
}

/** Differences between two JSON-like values, by path; numbers bit for bit. */
function differences(a, b, where, out) {
  if (out.length > 20) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    if (bits(a) !== bits(b)) out.push(`${where}: native ${a} (${bits(a)}) wasm ${b} (${bits(b)})`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${where}: native ${a.length} items, wasm ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i += 1) differences(a[i], b[i], `${where}[${i}]`, out);
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) out.push(`${where}: native keys ${ka} wasm keys ${kb}`);
    for (const k of ka) if (k in b) differences(a[k], b[k], `${where}.${k}`, out);
  } else if (!Object.is(a, b)) {
    out.push(`${where}: native ${JSON.stringify(a)} wasm ${JSON.stringify(b)}`);
  }
  return out;
}

/** Runs the native CLI in `cwd`: `{ok: parsed JSON}` or `{error: stderr}`. */
async function native(cwd, args) {
  try {
    const { stdout } = await run(BIN, args, { cwd, maxBuffer: 1 << 28 });
    return { ok: JSON.parse(stdout) };
  } catch (e) {
    if (e.code !== 1) throw e;
    return { error: e.stderr.replace(/\n$/, '') };
  }
}

function optionArgs(o) {
  const args = ['--lang', 'en', '--precision', o.precision === null ? 'full' : String(o.precision), '--min-share', String(o.minShare)];
  if (o.baseYear !== null) args.push('--base-year', String(o.baseYear));
  return args;
}

/** The wasm side of one data set: per edition `{year, rows}`, or `{error}`. */
function wasmScore(d) {
  const calc = new Calculator();
  try {
    calc.setLang('en');
    calc.loadDataAndFramework(d.data, 'data.csv', d.framework, 'framework.csv');
    calc.setOptions(d.options);
    return {
      editions: calc.years().map((y) => {
        calc.setYear(y);
        return { year: y, rows: calc.table().rows };
      }),
    };
  } catch (e) {
    return { error: e.message };
  } finally {
    calc.free();
  }
}

/** A what-if sequence on the latest edition: value edits (one missing), then a weight edit. */
function edits(d, k) {
  const rng = new Rng(SEED ^ (k * 2654435761));
  const values = [];
  for (let i = 0; i < 3; i += 1) {
    const unit = rng.pick(d.units);
    const node = rng.pick(d.leaves);
    const value = i === 2 ? null : Math.round(rng.normal() * 1e6) / 1e4;
    values.push({ unit, node, value });
  }
  const node = rng.pick(d.inner.slice(1).concat(d.leaves));
  const weight = rng.pick([0.5, 2, 1e-3, Math.round(rng.uniform() * 1e3) / 1e2 + 0.01]);
  return { values, weight: { node, weight } };
}

function wasmWhatif(d, e) {
  const calc = new Calculator();
  try {
    calc.setLang('en');
    calc.loadDataAndFramework(d.data, 'data.csv', d.framework, 'framework.csv');
    calc.setOptions(d.options);
    for (const v of e.values) calc.setValue(v.unit, v.node, v.value);
    calc.setWeight(e.weight.node, e.weight.weight);
    return { ok: calc.table().deltas };
  } catch (err) {
    return { error: err.message };
  } finally {
    calc.free();
  }
}

/** Runs `tasks` (async functions) `JOBS` at a time. */
async function pool(tasks) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next];
      next += 1;
      await t();
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
}


/** Runs the batch scorer over `dir`; returns the path of its JSON-lines output. */
async function batch(dir) {
  const outPath = path.join(dir, '..', 'native.jsonl');
  const fd = openSync(outPath, 'w');
  const code = await new Promise((resolve, reject) => {
    const child = spawn(BATCH, [dir], { stdio: ['ignore', fd, 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
  closeSync(fd);
  assert.equal(code, 0, 'score_batch failed');
  return outPath;
}

/** Whether a framework text uses a geometric mean anywhere (ln and exp). */
const geometric = (framework) => framework.split('\n').some((l) => l.split(',')[4]?.trim().toLowerCase() === 'geometric');

/** Compares everything once; both tests read the outcome. */
async function compareAll() {
  assert.ok(existsSync(BIN), `${BIN} is missing: cargo build --release --bin ictindex (or set ICTINDEX_BIN)`);
  assert.ok(existsSync(BATCH), `${BATCH} is missing: cargo build --release --example score_batch (or set ICTINDEX_BATCH)`);
  const work = mkdtempSync(path.join(tmpdir(), 'ictindex-node-'));
  try {
    const setsDir = path.join(work, 'sets');
    mkdirSync(setsDir);
    const sets = [];
    const name = (k) => `set${String(k).padStart(5, '0')}`;
    for (let k = 0; k < SETS; k += 1) {
      const d = dataset(SEED, k);
      const dir = path.join(setsDir, name(k));
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'data.csv'), d.data);
      writeFileSync(path.join(dir, 'framework.csv'), d.framework);
      writeFileSync(path.join(dir, 'options.json'), JSON.stringify(d.options));
      sets.push({ k, d, dir, geo: geometric(d.framework) });
    }
    const nativeOut = await batch(setsDir);
    const buckets = { plain: newBucket(), geo: newBucket() };
    const lines = createInterface({ input: createReadStream(nativeOut), crlfDelay: Infinity });
    let i = 0;
    for await (const line of lines) {
      const n = JSON.parse(line);
      const s = sets[i];
      i += 1;
      assert.equal(n.set, name(s.k));
      compareSet(s, n, buckets[s.geo ? 'geo' : 'plain']);
    }
    assert.equal(i, SETS, 'score_batch wrote a line per data set');

    // The CLI itself on every 20th data set, and the what-if sequences.
    const tasks = [];
    for (const s of sets) {
      const b = buckets[s.geo ? 'geo' : 'plain'];
      if (s.k % 20 === 0) tasks.push(() => cliScore(s, b));
      if (s.k % 10 === 0) tasks.push(() => whatif(s, b));
    }
    await pool(tasks);
    return buckets;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function newBucket() {
  return { wrong: [], sets: 0, refused: 0, editions: 0, rows: 0, numbers: 0, cli: 0, whatifs: 0, scoreDiffs: 0, rankDiffs: 0, whatifRefused: 0, methods: new Set() };
}

/** Compares the batch's line for one data set with the wasm results. */
function compareSet(s, n, b) {
  const { d, k } = s;
  for (const line of d.framework.split('\n').slice(1)) if (line) b.methods.add(line.split(',')[4]);
  const w = wasmScore(d);
  s.wasm = w;
  b.sets += 1;
  if (w.error !== undefined || n.error !== undefined) {
    b.refused += 1;
    if (w.error !== n.error) b.wrong.push(`set ${k}: wasm ${JSON.stringify(w.error ?? 'scored')}, native ${JSON.stringify(n.error ?? 'scored')}`);
    return;
  }
  b.wrong.push(...differences(n.editions.map((e) => e.year), w.editions.map((e) => e.year), `set ${k} years`, []));
  for (const [j, e] of w.editions.entries()) {
    b.editions += 1;
    b.rows += e.rows.length;
    for (const r of e.rows) for (const v of Object.values(r)) if (typeof v === 'number') b.numbers += 1;
    if (!n.editions[j]) continue;
    b.wrong.push(...differences(n.editions[j].rows, e.rows, `set ${k} year ${e.year} rows`, []));
    // Uncapped counts of differing scores and ranks (rank, rank change, rank in group).
    for (const [r, row] of e.rows.entries()) {
      const other = n.editions[j].rows[r] ?? {};
      for (const [key, v] of Object.entries(row)) {
        if (typeof v !== 'number' || typeof other[key] !== 'number' || bits(v) === bits(other[key])) continue;
        if (/_score$/.test(key)) b.scoreDiffs += 1;
        else if (/(_rank|_change|^rank_in_group)$/.test(key)) b.rankDiffs += 1;
      }
    }
  }
}

/** `ictindex score` on one edition of the data set: the CLI agrees with the batch and wasm. */
async function cliScore(s, b) {
  const { d, k, dir, wasm: w } = s;
  const base = ['score', 'data.csv', '-f', 'framework.csv', '--format', 'json', ...optionArgs(d.options)];
  b.cli += 1;
  if (w.error !== undefined) {
    const n = await native(dir, base);
    if (n.error !== w.error) b.wrong.push(`set ${k} CLI: wasm refused with ${JSON.stringify(w.error)}, CLI ${JSON.stringify(n.error ?? 'scored')}`);
    return;
  }
  const e = w.editions[k % w.editions.length];
  const n = await native(dir, e.year === null ? base : [...base, '--year', String(e.year)]);
  if (n.error !== undefined) b.wrong.push(`set ${k} CLI year ${e.year}: refused with ${JSON.stringify(n.error)}`);
  else b.wrong.push(...differences(n.ok, e.rows, `set ${k} CLI year ${e.year} rows`, []));
}

/** A what-if sequence through `ictindex whatif` and through the calculator. */
async function whatif(s, b) {
  const { d, k, dir } = s;
  // Units of the edition the what-if edits (the latest), so most sequences apply.
  const latest = s.wasm.editions?.at(-1)?.rows.filter((r) => r.status !== 'dropped').map((r) => r.code);
  const e = edits(latest?.length ? { ...d, units: latest } : d, k);
  const args = ['whatif', 'data.csv', '-f', 'framework.csv', '--format', 'json', ...optionArgs(d.options)];
  for (const v of e.values) args.push('--set', `${v.unit}:${v.node}=${v.value ?? ''}`);
  args.push('--weight', `${e.weight.node}=${e.weight.weight}`);
  const ww = wasmWhatif(d, e);
  const nw = await native(dir, args);
  b.whatifs += 1;
  if (ww.error !== undefined || nw.error !== undefined) {
    b.whatifRefused += 1;
    if (ww.error !== nw.error) b.wrong.push(`set ${k} what-if: wasm ${JSON.stringify(ww.error)}, native ${JSON.stringify(nw.error)}`);
  } else {
    b.wrong.push(...differences(nw.ok, ww.ok, `set ${k} what-if deltas`, []));
  }
}

const outcome = compareAll();
outcome.catch(() => {}); // reported by the tests that await it

function summary(b) {
  return (
    `${b.sets} sets (${b.refused} refused alike), ${b.editions} editions, ${b.rows} rows, ${b.numbers} numbers ` +
    `compared bit for bit; ${b.cli} also through the CLI; ${b.whatifs} what-if sequences (${b.whatifRefused} refused)`
  );
}

test(`native and wasm agree bit for bit on the generated data sets without a geometric mean`, { timeout: 30 * 60 * 1000 }, async (t) => {
  const { plain: b } = await outcome;
  t.diagnostic(summary(b));
  assert.deepEqual(b.wrong.slice(0, 40), [], `${b.wrong.length} differences`);
  // The comparison must not pass vacuously.
  assert.ok(b.sets >= SETS / 4 && b.editions >= b.sets / 2 && b.numbers > 50 * b.sets, JSON.stringify({ ...b, methods: [...b.methods] }));
  if (SETS >= 200) {
    for (const m of ['', 'none', 'minmax', 'zscore', 'goalposts', 'reference', 'rank', 'percentile', 'arithmetic', 'mean', 'harmonic']) {
      assert.ok(b.methods.has(m), `no data set used method ${JSON.stringify(m)}`);
    }
  }
});

test(
  `native and wasm agree bit for bit on the generated data sets with a geometric mean`,
  { timeout: 30 * 60 * 1000 },
  async (t) => {
    const { geo: b } = await outcome;
    t.diagnostic(summary(b));
    const sets = new Set(b.wrong.map((w) => w.split(' ')[1]));
    t.diagnostic(`${b.scoreDiffs} scores and ${b.rankDiffs} ranks or rank changes differ; differences in ${sets.size} of ${b.sets} data sets`);
    assert.deepEqual(b.wrong.slice(0, 10), [], `${b.wrong.length} differences`);
    assert.ok(b.sets >= SETS / 10 && b.methods.has('geometric'));
  },
);
