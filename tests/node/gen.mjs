// A seeded generator of varied data sets and frameworks (text files, as a
// user would load them) for the native-vs-wasm comparison:
// sizes from 1 to ~400 units, 1 to ~15 indicators, two or three levels,
// editions (none, one or several; units dropping out and joining), groups,
// missing values (empty and `NA`), ties (copied units, coarse values,
// constant columns), every normalisation (none, minmax, zscore, goalposts,
// reference with and without a fixed value, rank, percentile) and every
// aggregation (arithmetic, geometric, harmonic, the defaults), weights
// (integers, fractions, zero), both directions, three delimiters (decimal
// comma with `;` and tab), and options (precision 0–6 or full, min share,
// base year).

/** SplitMix32-style generator: 32-bit state updates, deterministic for a seed. */
export class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32() {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  uniform() {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }
  chance(p) {
    return this.uniform() < p;
  }
  pick(xs) {
    return xs[Math.floor(this.uniform() * xs.length)];
  }
  normal() {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

const NORMALISATIONS = ['', 'none', 'minmax', 'zscore', 'goalposts', 'reference', 'rank', 'percentile'];
/** Normalisations whose results are > 0 on positive data (for geometric and harmonic means). */
const POSITIVE = ['reference', 'rank'];
const AGGREGATIONS = ['', 'arithmetic', 'mean', 'geometric', 'harmonic'];

function weight(rng) {
  const r = rng.uniform();
  if (r < 0.35) return '1';
  if (r < 0.5) return '';
  if (r < 0.6) return '0';
  if (r < 0.8) return String(rng.int(1, 8) / 4);
  return String(Math.round(rng.uniform() * 3000) / 1000);
}

/** One indicator's value generator: kinds of columns people have. */
function column(rng, positive) {
  const kind = positive ? rng.pick(['percent', 'count', 'ratio', 'coarse']) : rng.pick(['percent', 'count', 'ratio', 'coarse', 'signed', 'constant', 'wide']);
  const loading = rng.uniform();
  return (q) => {
    const z = q * loading + rng.normal() * Math.sqrt(1 - loading * loading);
    switch (kind) {
      case 'percent':
        return Math.round(1000 / (1 + Math.exp(-z))) / 10 + (positive ? 0.1 : 0);
      case 'count':
        return Math.round(Math.exp(3 + z)) + (positive ? 1 : 0);
      case 'ratio':
        return Math.round(Math.exp(z) * 1e4) / 1e4 + (positive ? 1e-4 : 0);
      case 'coarse':
        return Math.max(1, Math.min(5, Math.round(3 + z)));
      case 'signed':
        return z * 7.3;
      case 'constant':
        return 2.5;
      default: // wide: values from 1e-6 to 1e6
        return Math.exp(z * 6);
    }
  };
}

/**
 * Data set `k` of the sequence for `seed`: `{ data, framework, options, years,
 * leaves, inner, units }` with `data` and `framework` as CSV text, `options`
 * as the page passes them to `setOptions`, `units` the codes, `leaves` and
 * `inner` the node codes.
 */
export function dataset(seed, k) {
  const rng = new Rng((seed * 1000003 + k * 7919) >>> 0);

  // Framework: IDX → pillars → (sub-pillars →) leaves.
  const nodes = []; // {code, parent, weight, direction, method, lo, hi}
  const leaves = [];
  const inner = ['IDX'];
  const pillars = rng.int(1, 4);
  const rootAgg = rng.pick(AGGREGATIONS);
  nodes.push({ code: 'IDX', parent: '', weight: '', direction: '', method: rootAgg, lo: '', hi: '' });
  const positiveRoot = rootAgg === 'geometric' || rootAgg === 'harmonic';
  const addLeaves = (parent, positive) => {
    const count = rng.int(1, 4);
    for (let i = 0; i < count; i += 1) {
      const code = `ind${leaves.length + 1}`;
      const method = positive ? rng.pick(POSITIVE) : rng.pick(NORMALISATIONS);
      // Direction −1 needs a normalisation (the core refuses it with none).
      const direction = method === '' || method === 'none' ? rng.pick(['', '1']) : rng.pick(['', '1', '-1', '1']);
      let lo = '';
      let hi = '';
      if (method === 'goalposts') {
        const a = rng.normal() * 20;
        lo = String(Math.round(a * 100) / 100);
        hi = String(Math.round((a + 1 + rng.uniform() * 60) * 100) / 100);
      } else if (method === 'reference' && rng.chance(0.5)) {
        hi = String(Math.round((0.5 + rng.uniform() * 50) * 1000) / 1000);
      }
      leaves.push({ code, positive: positive || method === 'reference' || rng.chance(0.3), gen: null });
      nodes.push({ code, parent, weight: weight(rng), direction, method, lo, hi });
    }
  };
  for (let p = 1; p <= pillars; p += 1) {
    const code = `P${p}`;
    const agg = positiveRoot ? rng.pick(['geometric', 'harmonic', 'arithmetic']) : rng.pick(AGGREGATIONS);
    // Now and then a geometric or harmonic mean over values that can be 0:
    // the core refuses it, and both builds must say so alike.
    const positive = (positiveRoot || agg === 'geometric' || agg === 'harmonic') && !rng.chance(0.03);
    inner.push(code);
    nodes.push({ code, parent: 'IDX', weight: weight(rng), direction: '', method: agg, lo: '', hi: '' });
    if (rng.chance(0.2)) {
      const subs = rng.int(1, 3);
      for (let s = 1; s <= subs; s += 1) {
        const sub = `${code}S${s}`;
        const subAgg = positive ? rng.pick(['geometric', 'harmonic', 'arithmetic']) : rng.pick(AGGREGATIONS);
        inner.push(sub);
        nodes.push({ code: sub, parent: code, weight: weight(rng), direction: '', method: subAgg, lo: '', hi: '' });
        addLeaves(sub, positive || subAgg === 'geometric' || subAgg === 'harmonic');
      }
    } else {
      addLeaves(code, positive);
    }
  }
  // Not every weight among siblings may be zero: make the first of each family 1.
  const seenParent = new Set();
  for (const n of nodes) {
    if (n.parent && !seenParent.has(n.parent)) {
      seenParent.add(n.parent);
      if (n.weight === '0') n.weight = '1';
    }
  }
  for (const l of leaves) l.gen = column(rng, l.positive);

  // Units and editions.
  const r = rng.uniform();
  const n = r < 0.08 ? rng.int(1, 3) : r < 0.8 ? rng.int(4, 80) : rng.int(81, 400);
  const width = String(n).length;
  const units = Array.from({ length: n }, (_, i) => `U${String(i + 1).padStart(width, '0')}`);
  const editions = rng.pick([0, 1, 1, 2, 2, 3, 4]);
  const years = [];
  for (let y = 2015 + rng.int(0, 3), e = 0; e < editions; e += 1, y += rng.int(1, 2)) years.push(y);
  const withName = rng.chance(0.7);
  const withGroup = rng.chance(0.4);
  const groups = ['Bắc', 'Trung', 'Nam'];
  const groupOf = units.map(() => rng.pick(groups));
  const quality = units.map(() => rng.normal());
  const missing = rng.pick([0, 0, 0.01, 0.05, 0.15, 0.3]);

  const rows = []; // arrays of cells (strings), header first
  const header = ['code'];
  if (withName) header.push('name');
  if (editions > 0) header.push('year');
  if (withGroup) header.push('group');
  for (const l of leaves) header.push(l.code);
  const delimiter = rng.pick([',', ',', ',', ';', '\t']);
  const decimalComma = delimiter !== ',' && rng.chance(0.5);
  const number = (x) => {
    const s = String(x);
    return decimalComma ? s.replace('.', ',') : s;
  };
  for (const year of editions > 0 ? years : [null]) {
    const present = units.map((_, i) => i).filter(() => !rng.chance(0.08));
    if (present.length === 0) present.push(0);
    const block = [];
    for (const i of present) {
      const cells = [units[i]];
      if (withName) cells.push(`Tỉnh ${i + 1}`);
      if (year !== null) cells.push(String(year));
      if (withGroup) cells.push(groupOf[i]);
      for (const l of leaves) {
        if (rng.chance(missing)) cells.push(rng.chance(0.8) ? '' : 'NA');
        else cells.push(number(l.gen(quality[i] + rng.normal() * 0.1)));
      }
      block.push(cells);
    }
    // Ties: a unit copies another's values.
    if (block.length >= 2 && rng.chance(0.5)) {
      const a = rng.int(0, block.length - 1);
      const b = rng.int(0, block.length - 1);
      const skip = header.length - leaves.length;
      for (let j = skip; j < header.length; j += 1) block[b][j] = block[a][j];
    }
    rows.push(...block);
  }
  if (editions > 1 && rng.chance(0.3)) {
    // Editions interleaved rather than in blocks.
    for (let i = rows.length - 1; i > 0; i -= 1) {
      const j = rng.int(0, i);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  }
  const quote = (c) => (c.includes(delimiter) || c.includes('"') ? `"${c.replaceAll('"', '""')}"` : c);
  const data = [header, ...rows].map((r) => r.map(quote).join(delimiter)).join('\n') + '\n';

  const fwHeader = 'code,parent,weight,direction,method,lo,hi,name_vi,name_en';
  const framework =
    [fwHeader, ...nodes.map((x) => [x.code, x.parent, x.weight, x.direction, x.method, x.lo, x.hi, `Nút ${x.code}`, `Node ${x.code}`].join(','))].join(
      '\n',
    ) + '\n';

  const options = {
    precision: rng.chance(0.35) ? null : rng.int(0, 6),
    minShare: rng.pick([0.5, 0.5, 0, 1, 0.25, 0.7]),
    baseYear: years.length > 1 && rng.chance(0.25) ? rng.pick(years) : null,
  };
  return { data, framework, options, years, leaves: leaves.map((l) => l.code), inner, units };
}
