// The page: one Calculator (the Rust core compiled to WebAssembly) and the
// DOM around it. State that a link should reproduce lives in the URL hash.

import init, { Calculator } from './pkg/ictindex.js';
import { t, tParts, showControls, setLang, getLang, translate, nodeName, regionName, formatScore, parseNumber, fold } from './i18n.js';
import { renderHead, renderBody, sortRows, sortKeys, el } from './table.js';
import { renderPanel } from './panel.js';
import { encodeHash, decodeHash } from './share.js';
import { setupLoading, looksLikeFramework, readItem, checkInWorker, formatSize, tooBigText, LIMIT_BYTES, WORKER_BYTES, MAX_UNITS } from './load.js';
import { initAnalysis, updateAnalysis } from './analysis.js';
import { setupDataTools } from './datatools.js';
import { initCharts } from './charts.js';

const SAMPLE = 'sample-vn-ict.csv';
const $ = (id) => document.getElementById(id);

/** @type {Calculator} */
let calc;

const state = {
  /** The current `Table` from the calculator. */
  view: null,
  sort: { key: 'rank', dir: 1 },
  query: '',
  region: '',
  /** Code of the province shown in the panel. */
  selected: null,
  /** The weight slider being dragged: its edits replace each other. */
  gesture: null,
  /** Milliseconds of the last recompute (the core call alone). */
  lastMs: null,
  /** What the static text and the table head were last drawn for. */
  translated: null,
  head: null,
};

// ---------------------------------------------------------------- messages

/** Shows an error; `message` and `more` are text (direction controls in them made visible). */
function showError(title, message, more = []) {
  $('error-title').textContent = title;
  $('error-message').textContent = showControls(message);
  const list = $('error-more');
  const items = more.slice(0, 5).map((m) => el('li', null, showControls(m)));
  if (more.length > 5) items.push(el('li', 'muted', t('errorMoreCount', { n: more.length - 5 })));
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
  $('error').hidden = false;
}

function hideError() {
  $('error').hidden = true;
}

/** Sets the status line: a text, or nodes from `tParts` (data names isolated). */
function status(text) {
  $('status').replaceChildren(...(Array.isArray(text) ? text : [text]));
}

// ---------------------------------------------------------------- state → hash

let hashTimer = 0;

/** Writes the hash soon (history.replaceState is slow to call on every edit). */
function scheduleHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(writeHash, 150);
}

function writeHash() {
  clearTimeout(hashTimer);
  const v = state.view;
  const hash = encodeHash({
    lang: getLang(),
    year: v.years.length > 1 ? v.year : null,
    unit: state.selected,
    edits: v.edits,
    data: v.source === SAMPLE ? null : v.source,
  });
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

/** Applies a hash (language, year, edits, selection) to the calculator. */
function applyHash(hash) {
  const h = decodeHash(hash);
  const lang = h.lang === 'en' ? 'en' : 'vi';
  setLang(lang);
  calc.setLang(lang);
  const problems = [];
  if (h.year != null && h.year !== calc.year) {
    try {
      calc.setYear(h.year);
    } catch (e) {
      problems.push(e.message);
    }
  }
  calc.reset();
  if (h.edits.length) {
    try {
      calc.applyEdits(h.edits);
    } catch (e) {
      problems.push(e.message);
    }
  }
  for (const b of h.bad) problems.push(t('notNumber', { v: b }));
  state.selected = h.unit;
  if (problems.length) showError(t('editError'), problems[0], problems.slice(1));
  if (h.data && h.data !== calc.table().source) status(tParts('linkOtherData', { name: h.data }));
}

// ---------------------------------------------------------------- drawing

/** Callbacks run after every render with `{calc, view, selected}`. */
const updateHooks = [];

/** Registers `cb`, called after every render with `{calc, view, selected}`. */
export function onUpdate(cb) {
  updateHooks.push(cb);
}

/** Rows of the view with their what-if rank change, for the table and panel. */
function enrich(view) {
  const deltas = new Map(view.deltas.map((d) => [d.code, d.delta]));
  return view.rows.map((rec) => ({
    rec,
    code: String(rec.code),
    name: String(rec.name ?? rec.code),
    group: rec.group,
    whatif: deltas.get(String(rec.code)) ?? null,
    folded: fold(`${rec.name} ${rec.code}`),
  }));
}

function renderControls(view) {
  // Year picker.
  const years = view.years.filter((y) => y != null);
  $('year-wrap').hidden = years.length < 2;
  const yearSel = $('year');
  if (yearSel.dataset.years !== years.join()) {
    yearSel.replaceChildren(...years.map((y) => new Option(String(y), String(y))));
    yearSel.dataset.years = years.join();
  }
  if (view.year != null) yearSel.value = String(view.year);

  // Region filter.
  const groups = [...new Set(view.rows.map((r) => r.group).filter(Boolean))];
  const regionSel = $('region');
  const key = `${getLang()}|${groups.join('|')}`;
  if (regionSel.dataset.key !== key) {
    regionSel.replaceChildren(new Option(t('allRegions'), ''), ...groups.map((g) => new Option(regionName(g), g)));
    regionSel.dataset.key = key;
  }
  if (!groups.includes(state.region)) state.region = '';
  regionSel.value = state.region;
  regionSel.disabled = groups.length === 0;

  // Language button (named in the other language).
  const langBtn = $('lang');
  langBtn.textContent = t('langButton');
  langBtn.lang = getLang() === 'vi' ? 'en' : 'vi';
  langBtn.setAttribute('aria-label', t('langButtonLabel'));

  // Edits.
  const n = view.edits.length;
  $('undo').disabled = n === 0;
  $('reset').disabled = n === 0;
  $('edit-summary').textContent = n === 0 ? t('noEdits') : t(n === 1 ? 'editsOne' : 'edits', { n });
  $('edit-summary').classList.toggle('active', n > 0);

  // Data line.
  const units = view.rows.filter((r) => r.status !== 'dropped').length;
  const info = view.year == null
    ? tParts('dataInfoNoYear', { source: view.source, n: units })
    : view.baseYear == null
      ? tParts('dataInfo', { source: view.source, n: units, year: view.year })
      : tParts('dataInfoBase', { source: view.source, n: units, year: view.year, base: view.baseYear });
  $('data-info').replaceChildren(...info);
  $('sample-note').hidden = view.source !== SAMPLE;
  $('timing').textContent = state.lastMs == null ? '' : t('timing', { ms: formatScore(state.lastMs, 2) });
}

function renderSliders(view) {
  const box = $('sliders');
  const nodes = new Map(view.nodes.map((n) => [n.code, n]));
  const key = view.pillars.join('|');
  if (box.dataset.key !== key) {
    box.replaceChildren();
    for (const p of view.pillars) {
      const row = el('div', 'slider');
      const id = `w-${p}`;
      const label = el('label', null);
      label.htmlFor = id;
      const name = el('span', 'slider-name');
      const value = el('output', 'slider-value');
      value.htmlFor = id;
      label.append(name);
      const input = el('input');
      input.type = 'range';
      input.id = id;
      input.min = '0';
      input.max = '3';
      input.step = '0.1';
      input.dataset.node = p;
      input.dataset.key = `weight:${p}`;
      row.append(label, input, value);
      box.append(row);
    }
    box.dataset.key = key;
  }
  const total = view.pillars.reduce((s, p) => s + (nodes.get(p)?.weight ?? 0), 0);
  for (const row of box.children) {
    const input = row.querySelector('input');
    const node = nodes.get(input.dataset.node);
    if (!node) continue;
    const share = total > 0 ? Math.round((100 * node.weight) / total) : 0;
    const w = formatScore(node.weight, 1);
    row.querySelector('.slider-name').textContent = `${node.code} · ${nodeName(node)}`;
    row.querySelector('output').textContent = t('weightShare', { w, p: share });
    row.classList.toggle('changed', node.weight !== node.baselineWeight);
    input.setAttribute('aria-valuetext', t('weightShare', { w, p: share }));
    if (state.gesture !== node.code) input.value = String(node.weight);
  }
}

function render() {
  const view = calc.table();
  state.view = view;
  const focusKey = document.activeElement?.dataset?.key;
  const rows = enrich(view);

  if (state.translated !== getLang()) {
    translate();
    state.translated = getLang();
  }
  renderControls(view);
  renderSliders(view);
  if (!sortKeys(view)[state.sort.key]) state.sort = { key: 'rank', dir: 1 };
  const head = [getLang(), state.sort.key, state.sort.dir, view.index, view.baseYear, ...view.pillars].join('|');
  if (state.head !== head) {
    renderHead($('table').tHead, view, state.sort);
    state.head = head;
  }

  const q = fold(state.query);
  const shown = rows.filter((r) => (!state.region || r.group === state.region) && (!q || r.folded.includes(q)));
  sortRows(shown, view, state.sort);
  const edited = new Set(view.edits.filter((e) => e.kind === 'value').map((e) => `${e.unit}|${e.node}`));
  if (state.selected && !rows.some((r) => r.code === state.selected)) state.selected = null;
  renderBody($('table').tBodies[0], view, shown, { edited, selected: state.selected });
  $('result-count').textContent = shown.length ? t('count', { shown: shown.length, total: rows.length }) : t('countNone');

  const panel = $('panel');
  const row = rows.find((r) => r.code === state.selected);
  if (row) {
    const ranked = sortRows([...rows], view, { key: 'rank', dir: 1 });
    renderPanel(panel, { view, row, report: calc.unitReport(row.code), sentence: calc.report(row.code), ranked });
    panel.hidden = false;
  } else {
    panel.hidden = true;
    panel.replaceChildren();
  }
  panel.parentElement.classList.toggle('with-panel', Boolean(row));
  if (state.analysis) updateAnalysis();

  const focused = focusKey && document.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
  if (focused && focused !== document.activeElement) focused.focus({ preventScroll: true });
  for (const cb of updateHooks) cb({ calc, view, selected: state.selected });
  scheduleHash();
}

// ---------------------------------------------------------------- actions

/** Runs a what-if call on the calculator, timing it; shows its error if any. */
function recompute(call) {
  try {
    const t0 = performance.now();
    call();
    state.lastMs = performance.now() - t0;
    hideError();
    return true;
  } catch (e) {
    showError(t('editError'), e.message);
    return false;
  } finally {
    render();
  }
}

function select(code, { focusPanel = true } = {}) {
  state.selected = code;
  render();
  if (code && focusPanel) {
    const panel = $('panel');
    panel.focus({ preventScroll: true });
    panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }
}

function onEdit(input) {
  const { unit, node } = input.dataset;
  const value = parseNumber(input.value);
  if (Number.isNaN(value)) {
    showError(t('editError'), t('notNumber', { v: input.value }));
    input.value = input.defaultValue;
    return;
  }
  recompute(() => calc.setValue(unit, node, value));
}

function onWeight(input) {
  const node = input.dataset.node;
  const weight = Number(input.value);
  const edits = state.view.edits;
  const last = edits[edits.length - 1];
  const replace = state.gesture === node && last?.kind === 'weight' && last.node === node;
  state.gesture = node;
  recompute(() => {
    if (replace) calc.undo();
    try {
      calc.setWeight(node, weight);
    } catch (e) {
      if (replace) calc.setWeight(last.node, last.weight);
      throw e;
    }
  });
}

// ---------------------------------------------------------------- loading

/**
 * The framework file the calculator scores by: `null` for the bundled
 * default, an item `{name, input}` for a loaded one, `undefined` when some
 * other part of the page changed it (the worker then checks the data alone).
 */
let frameworkFile = null;
/** The framework's shape when `frameworkFile` was set, to notice other changes. */
let frameworkKey = '';
const shapeOf = (view) => view.nodes.map((n) => `${n.code}<${n.parent ?? ''}:${n.baselineWeight}`).join('|');

/** The framework a data file is checked against in the worker. */
function currentFramework() {
  return state.view && shapeOf(state.view) === frameworkKey ? frameworkFile : undefined;
}

function rememberFramework(item) {
  frameworkFile = item;
  frameworkKey = shapeOf(calc.table());
}

/** The check running in the worker: `{job, name}` (`job.cancel()` stops it). */
let pending = null;

/** Stops the check running in the worker, if any, and hides its progress line; returns it. */
function cancelPending() {
  const p = pending;
  pending = null;
  if (p) {
    p.job.cancel();
    $('loading').hidden = true;
  }
  return p;
}

/** The Cancel button of the progress line. */
function cancelByUser() {
  const p = cancelPending();
  if (p) status(tParts('cancelled', { name: p.name }));
}

/** Shows the progress line of a check in the worker (elapsed seconds, cancel). */
function showProgress(name, size) {
  const box = $('loading');
  const t0 = performance.now();
  const tick = () => {
    const s = (performance.now() - t0) / 1000;
    $('loading-text').textContent = t('checking', { name, size: formatSize(size), s: formatScore(s, 1) });
  };
  tick();
  box.hidden = false;
  return setInterval(tick, 200);
}

/** The message for an input of `size` bytes over the page's limit. */
function tooBig(size, name = t('pasteName')) {
  return tooBigText(name, size);
}

/**
 * Loads files or pasted text; `kind`: "data", "framework" or "auto". Inputs
 * over `LIMIT_BYTES` are refused unread; data over `WORKER_BYTES` is
 * trial-loaded in the worker first. The loaded data changes only when a load
 * succeeds.
 */
async function load(items, kind) {
  cancelPending();
  const big = items.find((it) => it.size > LIMIT_BYTES);
  if (big) {
    showError(t('tooBigTitle'), tooBig(big.size, big.name), [t('tooBigCli')]);
    return;
  }
  const tagged = items.map((it) => ({
    ...it,
    kind: kind === 'auto' ? (looksLikeFramework(it.head ?? it.input) ? 'framework' : 'data') : kind,
  }));
  let data = tagged.find((i) => i.kind === 'data');
  let framework = tagged.find((i) => i.kind === 'framework');
  if (!data && !framework) return;

  const size = tagged.reduce((n, it) => n + it.size, 0);
  if (data && size > WORKER_BYTES) {
    performance.mark('ictindex:check');
    const job = checkInWorker({ lang: getLang(), data, framework: framework ?? currentFramework() });
    const timer = showProgress(data.name, size);
    const mine = { job, name: data.name };
    pending = mine;
    let answer;
    try {
      answer = await job.promise;
      performance.mark('ictindex:checked');
    } catch {
      return; // cancelled: by the user, or by a later load
    } finally {
      clearInterval(timer);
      if (pending === mine) {
        pending = null;
        $('loading').hidden = true;
      }
    }
    if (answer.type === 'error') {
      showError(t('errorTitle'), answer.message, answer.more);
      return;
    }
    if (answer.units != null && answer.units > MAX_UNITS) {
      showError(t('tooBigTitle'), t('tooManyUnits', { name: data.name, n: answer.units, max: MAX_UNITS }), [t('tooBigCli')]);
      return;
    }
    data = { ...data, input: answer.data.input };
    if (framework) framework = { ...framework, input: answer.framework.input };
  } else if (tagged.some((it) => it.input == null)) {
    try {
      await Promise.all(tagged.map(readItem));
    } catch (e) {
      showError(t('errorTitle'), String(e?.message ?? e));
      return;
    }
  }
  apply(data, framework);
  performance.mark('ictindex:loaded');
}

/** Loads checked inputs into the calculator; on error the old data stays. */
function apply(data, framework) {
  try {
    if (data && framework) calc.loadDataAndFramework(data.input, data.name, framework.input, framework.name);
    else if (framework) calc.loadFramework(framework.input, framework.name);
    else calc.loadData(data.input, data.name);
    if (framework) rememberFramework({ name: framework.name, input: framework.input });
    hideError();
    state.gesture = null;
    status(framework && !data ? tParts('loadedFramework', { name: framework.name }) : tParts('loaded', { name: data.name }));
  } catch (e) {
    let more = [];
    if (data) {
      try {
        more = calc.check(data.input, data.name).filter((m) => m !== e.message);
      } catch {
        more = [];
      }
    }
    showError(t('errorTitle'), e.message, more);
  }
  render();
}

function exportCsv() {
  const csv = calc.exportCsv();
  const blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const base = fold(state.view.source.replace(/\.(csv|tsv|txt)$/i, '')).replace(/[^a-z0-9_-]+/g, '-');
  a.download = `${base || 'ictindex'}${state.view.year != null ? `-${state.view.year}` : ''}-ketqua.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  status(t('exported', { file: a.download }));
}

async function share() {
  writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    status(t('linkCopied'));
  } catch {
    status(t('linkShown', { url: location.href }));
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('lang').addEventListener('click', () => {
    const lang = getLang() === 'vi' ? 'en' : 'vi';
    setLang(lang);
    calc.setLang(lang);
    hideError();
    status('');
    render();
  });
  $('year').addEventListener('change', (ev) => {
    recompute(() => calc.setYear(Number(ev.target.value)));
  });
  const search = $('search');
  search.addEventListener('input', () => {
    state.query = search.value;
    render();
  });
  search.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    const first = $('table').tBodies[0].querySelector('button.unit');
    if (first) select(first.dataset.select);
  });
  $('region').addEventListener('change', (ev) => {
    state.region = ev.target.value;
    render();
  });
  $('export').addEventListener('click', exportCsv);
  $('open-sample').addEventListener('click', () => {
    cancelPending();
    state.gesture = null;
    if (recompute(() => calc.loadSample())) {
      rememberFramework(null);
      status(t('loaded', { name: SAMPLE }));
    }
  });
  $('undo').addEventListener('click', () => {
    state.gesture = null;
    if (recompute(() => calc.undo())) status(t('undone'));
  });
  $('reset').addEventListener('click', () => {
    state.gesture = null;
    recompute(() => calc.reset());
    status(t('resetDone'));
  });
  $('share').addEventListener('click', share);
  $('error-close').addEventListener('click', hideError);

  const table = $('table');
  table.addEventListener('click', (ev) => {
    const sort = ev.target.closest('button[data-sort]');
    if (sort) {
      const key = sort.dataset.sort;
      const dir = state.sort.key === key ? -state.sort.dir : sortKeys(state.view)[key].dir;
      state.sort = { key, dir };
      render();
      return;
    }
    const pick = ev.target.closest('button[data-select]');
    if (pick) select(pick.dataset.select);
  });
  table.addEventListener('change', (ev) => {
    if (ev.target.matches('input.score')) onEdit(ev.target);
  });
  table.addEventListener('keydown', (ev) => {
    if (ev.target.matches('input.score') && ev.key === 'Escape') {
      ev.target.value = ev.target.defaultValue;
    }
  });
  table.addEventListener('focusin', (ev) => {
    if (ev.target.matches('input.score')) ev.target.select();
  });

  const panel = $('panel');
  panel.addEventListener('click', (ev) => {
    if (ev.target.closest('[data-close]')) {
      const code = state.selected;
      state.selected = null;
      render();
      document.querySelector(`[data-key="${CSS.escape(`select:${code}`)}"]`)?.focus();
      return;
    }
    const pick = ev.target.closest('button[data-select]');
    if (pick) select(pick.dataset.select);
  });
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') panel.querySelector('[data-close]')?.click();
  });

  const sliders = $('sliders');
  sliders.addEventListener('input', (ev) => {
    if (ev.target.matches('input[type=range]')) onWeight(ev.target);
  });
  sliders.addEventListener('change', () => {
    state.gesture = null;
  });

  setupLoading({ onLoad: load, pasteName: () => t('pasteName'), tooBig: (n) => tooBig(n) });
  $('loading-cancel').addEventListener('click', cancelByUser);

  window.addEventListener('hashchange', () => {
    applyHash(location.hash);
    render();
  });
}

async function main() {
  try {
    await init();
    performance.mark('ictindex:wasm');
    calc = new Calculator();
  } catch (e) {
    showError(t('startFailed', { msg: '' }), String(e?.message ?? e));
    return;
  }
  rememberFramework(null);
  applyHash(location.hash);
  wire();
  initCharts({ onUpdate, select, status });
  render();
  initAnalysis({ calc: () => calc, view: () => state.view, selected: () => state.selected });
  state.analysis = true;
  setupDataTools(calc, render);
  performance.mark('ictindex:table');
  document.body.dataset.ready = 'true';
}

main();
