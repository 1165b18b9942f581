// The analysis section: rank uncertainty (Monte Carlo in a Web Worker, with
// progress and cancel), sensitivity (leave one out; variance-based indices in
// the worker), the target solver and the explanation of a change, all on the
// current what-if state. Every text it shows is in STRINGS below, in
// Vietnamese and English; data reaches the DOM through textContent only.
// All of it runs on the tools module: the worker imports it, and the quick
// analyses wait for tools.js to move the calculator onto it.

import { getLang, nodeName, formatScore } from './i18n.js';
import { useTools, toolsCalculator } from './tools.js';

const STRINGS = {
  vi: {
    title: 'Phân tích: thứ hạng chắc chắn đến đâu, điều gì làm nó thay đổi',
    help: 'Mọi phân tích dùng trạng thái giả định hiện tại (trọng số và điểm đã sửa).',
    unit: 'Tỉnh, thành',
    uTitle: '1. Độ bất định của thứ hạng (Monte Carlo)',
    uHelp: 'Trọng số được rút ngẫu nhiên K lần; mỗi tỉnh có khoảng thứ hạng từ phân vị 5 đến 95.',
    noise: 'Nhiễu trọng số',
    uniform: '± một tỷ lệ (đều)',
    dirichlet: 'Dirichlet quanh trọng số gốc',
    share: 'Biên độ ± (%)',
    conc: 'Độ tập trung',
    level: 'Trọng số nào',
    levelAll: 'Tất cả',
    levelPillars: 'Chỉ trụ cột',
    samples: 'Số mẫu K',
    seed: 'Hạt giống',
    top: 'Top N',
    run: 'Chạy',
    cancel: 'Hủy',
    running: 'Đang chạy: {done}/{total} mẫu…',
    cancelled: 'Đã hủy.',
    doneIn: '{k} mẫu, hạt giống {seed}, xong trong {ms} ms (Web Worker).',
    doneInSplit: '{k} mẫu, hạt giống {seed}, xong trong {ms} ms ({n} Web Worker chạy song song).',
    stale: 'Kết quả dưới đây tính cho trạng thái trước đó; bấm Chạy để tính lại.',
    legend: 'Khoảng P5–P95 · ● hạng gốc · | trung vị',
    rankAxis: 'Thứ hạng',
    chartLabel: 'Khoảng thứ hạng của từng tỉnh',
    colUnit: 'Tỉnh, thành',
    colNominal: 'Hạng gốc',
    colMedian: 'Trung vị',
    colInterval: 'P5–P95',
    colTop: 'Tỷ lệ vào top {n}',
    sTitle: '2. Độ nhạy',
    looHelp: 'Bỏ từng trụ cột hoặc chỉ tiêu: thứ hạng các tỉnh dịch chuyển trung bình bao nhiêu bậc.',
    colNode: 'Bỏ đi',
    colMean: 'Dịch chuyển TB |bậc|',
    colMax: 'Lớn nhất',
    sobolRun: 'Tính chỉ số Sobol',
    sobolHelp: 'Chỉ số bậc nhất và toàn phần của từng yếu tố bất định (đầu ra: thay đổi thứ hạng TB), khoảng tin cậy bootstrap.',
    colFactor: 'Yếu tố',
    colFirst: 'Bậc nhất',
    colTotal: 'Toàn phần',
    sobolDone: '{k} hàng thiết kế, {runs} lần tính, {ms} ms.',
    tTitle: '3. Cần cải thiện bao nhiêu?',
    tNode: 'Trụ cột / chỉ tiêu',
    tRank: 'Hạng mục tiêu',
    tNext: 'lên một bậc',
    eTitle: '4. Giải thích thay đổi so với kỳ trước',
    colPillar: 'Trụ cột',
    colBefore: 'Trước',
    colAfter: 'Sau',
    colContribution: 'Đóng góp',
    colRankChange: 'Hạng trụ cột',
    total: 'Tổng',
    weight: 'trọng số {node}',
    weights: 'trọng số con của {node}',
    normalisation: 'chuẩn hóa',
    aggregation: 'tổng hợp',
    values: 'giá trị {node}',
  },
  en: {
    title: 'Analysis: how sure is a rank, and what moves it',
    help: 'Every analysis uses the current what-if state (edited weights and scores).',
    unit: 'Province',
    uTitle: '1. Rank uncertainty (Monte Carlo)',
    uHelp: 'Weights are drawn at random K times; each province gets a rank interval from the 5th to the 95th percentile.',
    noise: 'Weight noise',
    uniform: '± a share (uniform)',
    dirichlet: 'Dirichlet around the nominal weights',
    share: 'Half-width ± (%)',
    conc: 'Concentration',
    level: 'Which weights',
    levelAll: 'All',
    levelPillars: 'Pillars only',
    samples: 'Samples K',
    seed: 'Seed',
    top: 'Top N',
    run: 'Run',
    cancel: 'Cancel',
    running: 'Running: {done}/{total} samples…',
    cancelled: 'Cancelled.',
    doneIn: '{k} samples, seed {seed}, done in {ms} ms (Web Worker).',
    doneInSplit: '{k} samples, seed {seed}, done in {ms} ms ({n} Web Workers side by side).',
    stale: 'The results below are for an earlier state; press Run to update them.',
    legend: 'P5–P95 interval · ● nominal rank · | median',
    rankAxis: 'Rank',
    chartLabel: 'Each province’s rank interval',
    colUnit: 'Province',
    colNominal: 'Nominal',
    colMedian: 'Median',
    colInterval: 'P5–P95',
    colTop: 'Share in top {n}',
    sTitle: '2. Sensitivity',
    looHelp: 'Leave out one pillar or indicator: how many places the provinces’ ranks shift on average.',
    colNode: 'Left out',
    colMean: 'Mean |shift|',
    colMax: 'Max',
    sobolRun: 'Compute Sobol indices',
    sobolHelp: 'First- and total-order indices of each uncertain input (output: mean rank change), bootstrap intervals.',
    colFactor: 'Input',
    colFirst: 'First order',
    colTotal: 'Total order',
    sobolDone: '{k} design rows, {runs} evaluations, {ms} ms.',
    tTitle: '3. What would it take?',
    tNode: 'Pillar / indicator',
    tRank: 'Target rank',
    tNext: 'one place up',
    eTitle: '4. Explaining the change since the previous edition',
    colPillar: 'Pillar',
    colBefore: 'Before',
    colAfter: 'After',
    colContribution: 'Contribution',
    colRankChange: 'Pillar rank',
    total: 'Total',
    weight: '{node} weight',
    weights: 'weights under {node}',
    normalisation: 'normalisation',
    aggregation: 'aggregation',
    values: '{node} values',
  },
};

function tr(key, params = {}) {
  const lang = getLang() === 'en' ? 'en' : 'vi';
  const s = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'i18n') e.dataset.an = v;
    else if (k === 'className') e.className = v;
    else e.setAttribute(k, v);
  }
  if (text != null) e.textContent = text;
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

function num(v, digits) {
  return formatScore(v, digits).replace(/^-/, '−');
}

function pct(v) {
  return `${num(v * 100, 0)}%`;
}

function field(labelKey, input) {
  const label = el('label', { className: 'an-field' });
  label.append(el('span', { i18n: labelKey }), input);
  return label;
}

function table(id, heads) {
  const t = el('table', { id, className: 'an-table' });
  const tr_ = el('tr');
  for (const h of heads) tr_.append(typeof h === 'string' ? el('th', { i18n: h, scope: 'col' }) : h);
  t.createTHead().append(tr_);
  t.createTBody();
  return t;
}

function row(cells) {
  const r = el('tr');
  for (const c of cells) r.append(el('td', {}, c));
  return r;
}

// ---------------------------------------------------------------- state

let api;
let root;
const ui = {};
const run = { workers: [], id: 0, active: null, result: null, key: null, sobol: null };
let lastLang = null;
let lastData = null;
let lastSelected = null;
let looTimer = 0;

/** A key of the state the analyses depend on (data, edition, edits). */
function stateKey(view) {
  return JSON.stringify([view.source, view.year, view.rows.length, view.edits]);
}

// ---------------------------------------------------------------- building

function build() {
  root.replaceChildren();
  const head = el('div', { className: 'card-head' });
  head.append(el('h2', { id: 'analysis-title', i18n: 'title' }));
  ui.unit = el('select', { id: 'an-unit' });
  head.append(field('unit', ui.unit));
  root.append(head, el('p', { className: 'help', i18n: 'help' }));

  // 1. uncertainty
  const u = el('div', { className: 'an-block', id: 'an-uncertainty' });
  u.append(el('h3', { i18n: 'uTitle' }), el('p', { className: 'help', i18n: 'uHelp' }));
  ui.noise = el('select', { id: 'an-noise' });
  ui.noise.append(el('option', { value: 'uniform', i18n: 'uniform' }), el('option', { value: 'dirichlet', i18n: 'dirichlet' }));
  ui.share = el('input', { id: 'an-share', type: 'number', min: '0', max: '99', step: '1', value: '25' });
  ui.conc = el('input', { id: 'an-conc', type: 'number', min: '0.1', step: '1', value: '50' });
  ui.level = el('select', { id: 'an-level' });
  ui.level.append(el('option', { value: 'all', i18n: 'levelAll' }), el('option', { value: 'pillars', i18n: 'levelPillars' }));
  ui.samples = el('input', { id: 'an-samples', type: 'number', min: '1', max: '1000000', step: '1000', value: '10000' });
  ui.seed = el('input', { id: 'an-seed', type: 'number', min: '0', step: '1', value: '1' });
  ui.top = el('input', { id: 'an-top', type: 'number', min: '1', step: '1', value: '20' });
  ui.shareField = field('share', ui.share);
  ui.concField = field('conc', ui.conc);
  const form = el('div', { className: 'an-form' });
  form.append(field('noise', ui.noise), ui.shareField, ui.concField, field('level', ui.level),
    field('samples', ui.samples), field('seed', ui.seed), field('top', ui.top));
  ui.run = el('button', { type: 'button', id: 'an-run', className: 'primary', i18n: 'run' });
  ui.cancel = el('button', { type: 'button', id: 'an-cancel', i18n: 'cancel' });
  ui.cancel.disabled = true;
  ui.progress = el('progress', { id: 'an-progress', max: '1', value: '0' });
  ui.status = el('p', { id: 'an-status', className: 'an-status', 'aria-live': 'polite' });
  const actions = el('div', { className: 'an-actions' });
  actions.append(ui.run, ui.cancel, ui.progress);
  ui.chart = el('div', { id: 'an-chart', className: 'an-chart' });
  ui.uTable = table('an-intervals', ['colUnit', 'colNominal', 'colMedian', 'colInterval', el('th', { scope: 'col' })]);
  const wrap = el('div', { className: 'an-scroll' });
  wrap.append(ui.uTable);
  const results = el('div', { className: 'an-results' });
  results.append(ui.chart, wrap);
  u.append(form, actions, ui.status, results);

  // 2. sensitivity
  const s = el('div', { className: 'an-block', id: 'an-sensitivity' });
  s.append(el('h3', { i18n: 'sTitle' }), el('p', { className: 'help', i18n: 'looHelp' }));
  ui.loo = table('an-loo', ['colNode', 'colMean', 'colMax']);
  ui.sobolRun = el('button', { type: 'button', id: 'an-sobol-run', i18n: 'sobolRun' });
  ui.sobolStatus = el('p', { className: 'an-status', id: 'an-sobol-status', 'aria-live': 'polite' });
  ui.sobol = table('an-sobol', ['colFactor', 'colFirst', 'colTotal']);
  ui.sobol.hidden = true;
  const looWrap = el('div', { className: 'an-wide' });
  looWrap.append(ui.loo);
  s.append(looWrap, el('p', { className: 'help', i18n: 'sobolHelp' }), ui.sobolRun, ui.sobolStatus, ui.sobol);

  // 3. target
  const t = el('div', { className: 'an-block', id: 'an-target-block' });
  ui.node = el('select', { id: 'an-node' });
  ui.rank = el('input', { id: 'an-rank', type: 'number', min: '1', step: '1' });
  ui.target = el('p', { id: 'an-target', className: 'an-sentence', 'aria-live': 'polite' });
  const tf = el('div', { className: 'an-form' });
  tf.append(field('tNode', ui.node), field('tRank', ui.rank));
  t.append(el('h3', { i18n: 'tTitle' }), tf, ui.target);

  // 4. explain
  const e = el('div', { className: 'an-block', id: 'an-explain-block' });
  ui.explain = el('p', { id: 'an-explain', className: 'an-sentence' });
  ui.contrib = table('an-contrib', ['colPillar', 'colBefore', 'colAfter', 'colContribution', 'colRankChange']);
  const cWrap = el('div', { className: 'an-wide' });
  cWrap.append(ui.contrib);
  e.append(el('h3', { i18n: 'eTitle' }), ui.explain, cWrap);

  const grid = el('div', { className: 'an-grid' });
  grid.append(s, t, e);
  root.append(u, grid);

  ui.noise.addEventListener('change', syncNoise);
  ui.run.addEventListener('click', startUncertainty);
  ui.cancel.addEventListener('click', cancel);
  ui.sobolRun.addEventListener('click', startSobol);
  ui.unit.addEventListener('change', () => {
    lastSelected = ui.unit.value;
    if (toolsReady()) quick();
    drawUncertainty();
  });
  ui.node.addEventListener('change', () => toolsReady() && target());
  ui.rank.addEventListener('input', () => toolsReady() && target());
  syncNoise();
}

function syncNoise() {
  const d = ui.noise.value === 'dirichlet';
  ui.shareField.hidden = d;
  ui.concField.hidden = !d;
}

function relabel() {
  for (const e of root.querySelectorAll('[data-an]')) e.textContent = tr(e.dataset.an);
  ui.rank.placeholder = tr('tNext');
  root.setAttribute('aria-label', tr('title'));
}

/** Province and node pickers, rebuilt when the data or language change. */
function fillPickers(view) {
  const keepUnit = ui.unit.value;
  const deltas = [...view.deltas].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  ui.unit.replaceChildren(...deltas.map((d) => el('option', { value: d.code }, d.name)));
  const pick = [lastSelected, keepUnit, '26'].find((c) => c && view.deltas.some((d) => d.code === c));
  if (pick) ui.unit.value = pick;
  const keepNode = ui.node.value;
  const nodes = view.nodes.filter((n) => n.depth >= 1);
  ui.node.replaceChildren(...nodes.map((n) => el('option', { value: n.code }, `${n.depth > 1 ? '· ' : ''}${nodeName(n)}`)));
  if (keepNode && nodes.some((n) => n.code === keepNode)) ui.node.value = keepNode;
}

// ---------------------------------------------------------------- worker runs

/** Worker `i` (0: every run, and the lead of a split one; 1: the helper). */
function worker(i = 0) {
  if (!run.workers[i]) {
    const w = new Worker(new URL('./analysis-worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (ev) => onMessage(ev, i);
    run.workers[i] = w;
  }
  return run.workers[i];
}

function stopWorkers() {
  for (const w of run.workers) w?.terminate();
  run.workers = [];
}

/**
 * How many workers share an uncertainty run: two on a device with two cores
 * or more (the result is the same as with one), one otherwise; `?workers=1`
 * or `?workers=2` in the address decides instead.
 */
function uncertaintyWorkers() {
  const asked = new URLSearchParams(location.search).get('workers');
  if (asked === '1' || asked === '2') return Number(asked);
  return (navigator.hardwareConcurrency || 1) >= 2 ? 2 : 1;
}

function config() {
  const level = ui.level.value;
  const weights = ui.noise.value === 'dirichlet'
    ? { kind: 'dirichlet', concentration: Math.max(0.1, Number(ui.conc.value) || 50), level }
    : { kind: 'uniform', share: Math.min(0.99, Math.max(0, (Number(ui.share.value) || 0) / 100)), level };
  return { weights };
}

function post(kind, cfg, chunk) {
  const calc = api.calc();
  // A new run replaces one still going (whose result would be dropped).
  if (run.active) stopWorkers();
  const id = ++run.id;
  // Split only runs long enough for each worker to take chunks of its own.
  const parts = kind === 'uncertainty' && cfg.samples >= 4 * chunk ? uncertaintyWorkers() : 1;
  run.active = { id, kind, key: stateKey(api.view()), parts, done: new Array(parts).fill(0) };
  root.dataset.workers = String(parts);
  ui.cancel.disabled = false;
  const snapshot = calc.analysisSnapshot();
  if (parts === 1) {
    worker(0).postMessage({ id, snapshot, kind, config: cfg, chunk });
    return;
  }
  const cut = Math.floor(cfg.samples / 2);
  worker(0).postMessage({ id, snapshot, kind, config: cfg, chunk, part: [0, cut], role: 'lead' });
  worker(1).postMessage({ id, snapshot, kind, config: cfg, chunk, part: [cut, cfg.samples], role: 'helper' });
}

function startUncertainty() {
  const samples = Math.max(1, Math.min(1_000_000, Math.round(Number(ui.samples.value) || 1000)));
  const seed = Math.max(0, Math.round(Number(ui.seed.value) || 0));
  const top = Math.max(1, Math.round(Number(ui.top.value) || 10));
  ui.progress.value = 0;
  ui.status.textContent = tr('running', { done: 0, total: samples });
  root.dataset.state = 'running';
  post('uncertainty', { samples, seed, top, perturbation: config() }, 250);
}

function startSobol() {
  ui.progress.value = 0;
  ui.sobolStatus.textContent = tr('running', { done: 0, total: 2000 });
  post('sensitivity', { samples: 2000, seed: Math.round(Number(ui.seed.value) || 1), bootstrap: 100, perturbation: config() }, 50);
}

function cancel() {
  stopWorkers();
  const kind = run.active?.kind;
  run.active = null;
  ui.cancel.disabled = true;
  ui.progress.value = 0;
  (kind === 'sensitivity' ? ui.sobolStatus : ui.status).textContent = tr('cancelled');
  root.dataset.state = 'cancelled';
}

function onMessage(ev, from) {
  const m = ev.data;
  if (!run.active || m.id !== run.active.id) return;
  const status = run.active.kind === 'sensitivity' ? ui.sobolStatus : ui.status;
  if (m.type === 'progress' || m.type === 'tally') {
    // Samples done: the sum over the workers' parts.
    run.active.done[from] = m.done;
    const done = run.active.done.reduce((a, b) => a + b, 0);
    if (m.type === 'tally') {
      // The helper is done: its samples go to the lead, which adds them.
      worker(0).postMessage({ id: m.id, type: 'merge', words: m.words }, [m.words.buffer]);
    } else {
      ui.progress.value = m.total ? done / m.total : 1;
      status.textContent = tr('running', { done, total: m.total });
    }
    return;
  }
  const active = run.active;
  run.active = null;
  ui.cancel.disabled = true;
  if (m.type === 'error') {
    // A split run's other worker would wait for a part that never comes.
    if (active.parts > 1) stopWorkers();
    status.textContent = m.message;
    root.dataset.state = 'error';
    return;
  }
  ui.progress.value = 1;
  if (active.kind === 'uncertainty') {
    run.result = { ...m.result, ms: m.ms, workers: active.parts };
    run.key = active.key;
    const t0 = performance.now();
    root.dataset.resultAt = String(Math.round(t0));
    drawUncertainty();
    root.dataset.drawMs = String(Math.round(performance.now() - t0));
    root.dataset.state = 'done';
  } else {
    run.sobol = { ...m.result, ms: m.ms };
    drawSobol();
  }
}

// ---------------------------------------------------------------- drawing

function drawUncertainty() {
  const r = run.result;
  if (!r) return;
  const stale = run.key !== stateKey(api.view());
  const done = r.workers > 1
    ? tr('doneInSplit', { k: r.samples, seed: r.seed, ms: Math.round(r.ms), n: r.workers })
    : tr('doneIn', { k: r.samples, seed: r.seed, ms: Math.round(r.ms) });
  ui.status.textContent = `${done}${stale ? ` ${tr('stale')}` : ''}`;
  ui.status.classList.toggle('stale', stale);
  const units = r.units.filter((u) => u.nominalRank != null).sort((a, b) => a.nominalRank - b.nominalRank);
  ui.uTable.tHead.rows[0].cells[4].textContent = tr('colTop', { n: r.top });
  const sel = ui.unit.value;
  ui.uTable.tBodies[0].replaceChildren(...units.map((u) => {
    const tr_ = row([u.name, String(u.nominalRank), num(u.medianRank, 1), `${num(u.p5Rank, 0)}–${num(u.p95Rank, 0)}`, pct(u.topShare)]);
    tr_.dataset.code = u.code;
    if (u.code === sel) tr_.className = 'selected';
    return tr_;
  }));
  ui.chart.replaceChildren(chart(units, r.ranked || units.length, sel));
}

function chart(units, n, sel) {
  const rowH = 14;
  const left = 128;
  const right = 14;
  const top = 34;
  const width = 560;
  const height = top + units.length * rowH + 8;
  const x = (rank) => left + ((rank - 1) / Math.max(1, n - 1)) * (width - left - right);
  const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'an-svg', id: 'an-svg' });
  s.append(svg('title', {}, tr('chartLabel')));
  s.append(svg('text', { x: left, y: 12, class: 'an-legend' }, tr('legend')));
  const ticks = [1];
  for (let k = 10; k < n; k += 10) ticks.push(k);
  ticks.push(n);
  for (const k of ticks) {
    s.append(svg('line', { x1: x(k), x2: x(k), y1: top - 6, y2: height - 6, class: 'an-gridline' }));
    s.append(svg('text', { x: x(k), y: top - 10, class: 'an-tick', 'text-anchor': 'middle' }, String(k)));
  }
  units.forEach((u, i) => {
    const y = top + i * rowH + rowH / 2;
    const g = svg('g', { class: u.code === sel ? 'an-row selected' : 'an-row', 'data-code': u.code });
    g.append(svg('title', {}, `${u.name}: ${u.nominalRank} · ${num(u.medianRank, 1)} · ${num(u.p5Rank, 0)}–${num(u.p95Rank, 0)}`));
    if (u.code === sel) g.append(svg('rect', { x: 0, y: y - rowH / 2, width, height: rowH, class: 'an-hl' }));
    g.append(svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end', class: 'an-name' }, u.name));
    if (u.p5Rank != null && u.p95Rank != null) {
      const x1 = x(u.p5Rank);
      g.append(svg('rect', { x: x1 - 1.5, y: y - 3, width: Math.max(3, x(u.p95Rank) - x1 + 3), height: 6, rx: 3, class: 'an-bar' }));
    }
    if (u.medianRank != null) g.append(svg('line', { x1: x(u.medianRank), x2: x(u.medianRank), y1: y - 5, y2: y + 5, class: 'an-median' }));
    g.append(svg('circle', { cx: x(u.nominalRank), cy: y, r: 3.2, class: 'an-nominal' }));
    s.append(g);
  });
  return s;
}

function factorLabel(f, view) {
  const node = f.node ? nodeName(view.nodes.find((n) => n.code === f.node)) || f.node : '';
  return tr(f.kind, { node });
}

function drawSobol() {
  const r = run.sobol;
  if (!r) return;
  const view = api.view();
  ui.sobolStatus.textContent = tr('sobolDone', { k: r.samples, runs: r.runs, ms: Math.round(r.ms) });
  const ci = (v, lo, hi) => `${num(v, 2)} [${num(lo, 2)}; ${num(hi, 2)}]`;
  ui.sobol.tBodies[0].replaceChildren(...r.factors.map((f) => {
    const i = f;
    return row([factorLabel(f.factor, view), ci(i.firstOrder, i.firstOrderLow, i.firstOrderHigh), ci(i.totalOrder, i.totalOrderLow, i.totalOrderHigh)]);
  }));
  ui.sobol.hidden = false;
}

// ---------------------------------------------------------------- quick analyses

function leaveOneOut() {
  const calc = api.calc();
  const view = api.view();
  try {
    const r = calc.leaveOneOut();
    const nodes = [...r.nodes].sort((a, b) => b.meanAbsShift - a.meanAbsShift);
    ui.loo.tBodies[0].replaceChildren(...nodes.map((n) => {
      const info = view.nodes.find((x) => x.code === n.node);
      return row([`${info && info.depth > 1 ? '· ' : ''}${getLang() === 'en' ? n.nameEn : n.nameVi}`, num(n.meanAbsShift, 2), String(n.maxAbsShift)]);
    }));
  } catch (e) {
    ui.loo.tBodies[0].replaceChildren(row([String(e?.message ?? e), '', '']));
  }
}

function target() {
  const calc = api.calc();
  const unit = ui.unit.value;
  if (!unit || !ui.node.value) return;
  const rank = ui.rank.value.trim() === '' ? null : Math.max(1, Math.round(Number(ui.rank.value)));
  try {
    const a = calc.targetFor(unit, ui.node.value, Number.isFinite(rank) ? rank : null);
    ui.target.textContent = a.sentence;
    ui.target.dataset.status = a.status;
  } catch (e) {
    ui.target.textContent = String(e?.message ?? e);
    ui.target.dataset.status = 'error';
  }
}

function explainChange() {
  const calc = api.calc();
  const unit = ui.unit.value;
  if (!unit) return;
  try {
    const x = calc.explainChange(unit);
    ui.explain.textContent = x.sentence;
    const d = Math.max(4, x.decimals ?? 4);
    const rows = x.pillars.map((p) => {
      const r = row([getLang() === 'en' ? p.nameEn : p.nameVi, num(p.before, d), num(p.after, d), signed(p.contribution, d),
        p.rankChange == null ? '—' : `${p.rankBefore ?? '—'} → ${p.rankAfter ?? '—'}`]);
      if (p.code === x.mostMoved) r.className = 'most';
      return r;
    });
    const total = row([tr('total'), num(x.before, d), num(x.after, d), signed(x.change, d), x.rankChange == null || x.rank == null ? '' : `${x.rank + x.rankChange} → ${x.rank}`]);
    total.className = 'total';
    ui.contrib.tBodies[0].replaceChildren(...rows, total);
    ui.contrib.hidden = false;
  } catch (e) {
    ui.explain.textContent = String(e?.message ?? e);
    ui.contrib.hidden = true;
  }
}

function signed(v, d) {
  if (v == null) return '—';
  const s = num(Math.abs(v), d);
  if (/^[0.,]+$/.test(s)) return s;
  return `${v < 0 ? '−' : '+'}${s}`;
}

function quick() {
  target();
  explainChange();
}

/** Whether the quick analyses can run now; if not, loads the tools module and updates after. */
function toolsReady() {
  if (toolsCalculator()) return true;
  useTools(api.calc()).then(updateAnalysis, (e) => {
    ui.target.textContent = String(e?.message ?? e);
    ui.target.dataset.status = 'error';
  });
  return false;
}

// ---------------------------------------------------------------- hook

/** Called by app.js after every render: follows language, data, selection and edits. */
export function updateAnalysis() {
  const view = api.view();
  if (!view) return;
  const langChanged = lastLang !== getLang();
  const dataKey = JSON.stringify([view.source, view.year, view.rows.length, getLang()]);
  if (langChanged) {
    lastLang = getLang();
    relabel();
  }
  if (dataKey !== lastData) {
    lastData = dataKey;
    fillPickers(view);
  }
  const sel = api.selected();
  if (sel && sel !== lastSelected) {
    lastSelected = sel;
    ui.unit.value = sel;
  }
  if (toolsReady()) {
    quick();
    clearTimeout(looTimer);
    looTimer = setTimeout(leaveOneOut, 120);
  }
  drawUncertainty();
  if (langChanged) drawSobol();
}

/**
 * Builds the section into `#analysis`. `api`: `calc()` the Calculator,
 * `view()` the current Table, `selected()` the code of the selected province.
 */
export function initAnalysis(hooks) {
  api = hooks;
  root = document.getElementById('analysis');
  if (!root) return;
  build();
  updateAnalysis();
}
