// Data tools on the page: the 63 ↔ 34 geography switch (re-basing the loaded
// data onto the 34 units of 1/7/2025) and COINr import with data preparation
// (imputation, outlier treatment, normalisation range), with the log and the
// imputed / treated cells flagged. Strings in both languages live here.
//
// The 34 view is derived in the calculator (`setGeography`); the loaded data
// never changes. Calls that rebuild the calculator's session from the loaded
// data (year, loading, options) are followed by re-applying the 34 view.
//
// The data tools live in the tools module: the first use of the card (the
// 34 view, a COINr import, opening the import form, or `geo=34` in the link)
// loads it through tools.js, which moves the calculator onto it.

import { getLang, t } from './i18n.js';
import { LIMIT_BYTES, tooBigText } from './load.js';
import { hashExtras } from './share.js';
import { useTools, toolsCalculator, method } from './tools.js';

const STRINGS = {
  vi: {
    title: 'Địa giới và chuẩn bị dữ liệu',
    geo: 'Địa giới',
    geo63: '63 tỉnh (trước 1/7/2025)',
    geo34: '34 đơn vị (từ 1/7/2025)',
    level: 'Lấy trung bình ở',
    leaves: 'chỉ số thành phần',
    pillars: 'trụ cột',
    geoNote34: '{n} đơn vị, mỗi đơn vị là trung bình của các tỉnh cũ hợp thành; dữ liệu đã tải không thay đổi.',
    geoHelp: 'Tính lại bảng xếp hạng theo 34 đơn vị hành chính cấp tỉnh mới.',
    coinr: 'Nhập chỉ số COINr (iData, iMeta)',
    idata: 'Tệp iData',
    imeta: 'Tệp iMeta',
    group: 'Cột nhóm',
    noGroup: '(không có)',
    impute: 'Điền giá trị thiếu',
    imNone: 'không điền',
    imMean: 'trung bình',
    imMedian: 'trung vị',
    imGroupMean: 'trung bình trong nhóm',
    imGroupMedian: 'trung vị trong nhóm',
    treat: 'Xử lý giá trị ngoại lai',
    trNone: 'không xử lý',
    trCoinr: 'mặc định COINr',
    trWins: 'winsorise (5%–95%)',
    range: 'Khoảng chuẩn hóa',
    run: 'Chuẩn bị và tính',
    exportPrep: 'Xuất dữ liệu đã chuẩn bị',
    needFiles: 'Cần chọn cả tệp iData và tệp iMeta.',
    tooBigCli: 'Với tệp lớn, hãy dùng công cụ dòng lệnh: ictindex prepare IDATA --coinr-meta IMETA.',
    log: 'Nhật ký chuẩn bị ({n} dòng)',
    prepared: 'Dữ liệu đã chuẩn bị: {units} đơn vị × {ind} chỉ số; {imp} ô được điền, {tr} ô được xử lý ngoại lai.',
    legend: '* ô được điền giá trị thiếu · † ô được xử lý ngoại lai',
    imputed: 'giá trị được điền',
    high: 'đã hạ xuống (ngoại lai trên)',
    low: 'đã nâng lên (ngoại lai dưới)',
    logT: 'đã lấy logarit',
    unit: 'Đơn vị',
    errGeo: 'Không chuyển được địa giới',
    errCoinr: 'Không nhập được dữ liệu COINr',
    errTools: 'Không tải được mô-đun công cụ: {msg}',
    geoDropped: 'Dữ liệu mới không chuyển được sang 34 đơn vị; đang hiển thị theo dữ liệu gốc.',
    exported: 'Đã xuất {file}',
  },
  en: {
    title: 'Geography and data preparation',
    geo: 'Geography',
    geo63: '63 provinces (before 1/7/2025)',
    geo34: '34 units (from 1/7/2025)',
    level: 'Average at',
    leaves: 'indicators',
    pillars: 'pillars',
    geoNote34: '{n} units, each the mean of the former provinces it comprises; the loaded data is unchanged.',
    geoHelp: 'Recompute the ranking for the 34 new provincial units.',
    coinr: 'Import a COINr index (iData, iMeta)',
    idata: 'iData file',
    imeta: 'iMeta file',
    group: 'Group column',
    noGroup: '(none)',
    impute: 'Impute missing values',
    imNone: 'none',
    imMean: 'mean',
    imMedian: 'median',
    imGroupMean: 'group mean',
    imGroupMedian: 'group median',
    treat: 'Outlier treatment',
    trNone: 'none',
    trCoinr: 'COINr default',
    trWins: 'winsorise (5%–95%)',
    range: 'Normalisation range',
    run: 'Prepare and score',
    exportPrep: 'Export prepared data',
    needFiles: 'Choose both an iData and an iMeta file.',
    tooBigCli: 'For large files use the command-line tool: ictindex prepare IDATA --coinr-meta IMETA.',
    log: 'Preparation log ({n} lines)',
    prepared: 'Prepared data: {units} units × {ind} indicators; {imp} cells imputed, {tr} cells treated.',
    legend: '* imputed cell · † treated outlier',
    imputed: 'imputed value',
    high: 'lowered (high outlier)',
    low: 'raised (low outlier)',
    logT: 'log-transformed',
    unit: 'Unit',
    errGeo: 'Could not switch the geography',
    errCoinr: 'Could not import the COINr data',
    errTools: 'Could not load the tools module: {msg}',
    geoDropped: 'The new data cannot be re-based onto the 34 units; showing it as loaded.',
    exported: 'Exported {file}',
  },
};

function s(key, params = {}) {
  const text = STRINGS[getLang()]?.[key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
}

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}

const state = {
  geo: '63',
  level: 'leaves',
  /** The last COINr preparation (PreparedData), or null. */
  prepared: null,
  /** Name of the prepared iData file (for the export's file name). */
  preparedName: '',
  error: null,
};

let calc;
let rerender = () => {};

/** Reads `geo` and `level` from a hash (`#…&geo=34&level=pillars`). */
function readHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  return { geo: p.get('geo') === '34' ? '34' : '63', level: p.get('level') === 'pillars' ? 'pillars' : 'leaves' };
}

function showError(title, message) {
  state.error = { title, message };
  draw();
}

/** Loads the tools module (once); false, with the error shown, when it fails. */
async function tools() {
  try {
    await useTools(calc);
    return true;
  } catch (e) {
    state.error = { title: s('errGeo'), message: s('errTools', { msg: e?.message ?? e }) };
    return false;
  }
}

/** Puts the calculator on the chosen geography; on error keeps the previous view. */
async function applyGeo(geo, level) {
  // The page module shows the 63 view already; only the 34 needs the tools.
  if (geo === '63' && !toolsCalculator()) {
    state.geo = geo;
    state.level = level;
    return true;
  }
  if (!(await tools())) return false;
  try {
    calc.setGeography(geo, { level });
    state.geo = geo;
    state.level = level;
    state.error = null;
    return true;
  } catch (e) {
    state.error = { title: s('errGeo'), message: e.message };
    return false;
  }
}

/** After a call that rebuilt the session from the loaded data: back to the 34 view. */
function reapply() {
  if (state.geo !== '34' || !toolsCalculator() || calc.geography === '34') return;
  try {
    calc.setGeography('34', { level: state.level });
  } catch {
    state.geo = '63';
    state.error = { title: s('errGeo'), message: s('geoDropped') };
  }
}

function wrapCalculator() {
  // `method` finds the page module's or, once loaded, the tools module's method.
  for (const name of ['setYear', 'loadData', 'loadFramework', 'loadDataAndFramework', 'loadSample', 'setOptions']) {
    calc[name] = (...args) => {
      const result = method(calc, name)(...args);
      reapply();
      return result;
    };
  }
  // The panel's sentence names a merged unit's former provinces in the 34 view.
  calc.report = (unit) => (toolsCalculator() ? calc.geoReport(unit) : method(calc, 'report')(unit));
}

// ---------------------------------------------------------------- drawing

function translate() {
  for (const node of document.querySelectorAll('#datatools [data-dt]')) node.textContent = s(node.dataset.dt);
}

function drawGeo() {
  $('dt-geo-63').checked = state.geo === '63';
  $('dt-geo-34').checked = state.geo === '34';
  $('dt-level').value = state.level;
  $('dt-level').disabled = state.geo !== '34';
  const note = $('dt-geo-note');
  if (state.geo === '34' && toolsCalculator() && calc.geography === '34') {
    const units = calc.geoUnits();
    note.textContent = s('geoNote34', { n: units.length });
  } else {
    note.textContent = s('geoHelp');
  }
}

const FLAG_TEXT = { high: 'high', low: 'low', log: 'logT' };

function cell(value, flags) {
  const td = el('td', 'num', value == null ? '—' : formatValue(value));
  const marks = [];
  const titles = [];
  if (flags?.imputed) {
    marks.push('*');
    titles.push(s('imputed'));
    td.classList.add('dt-imputed');
  }
  if (flags?.treated) {
    marks.push('†');
    titles.push(s(FLAG_TEXT[flags.treated] ?? 'high'));
    td.classList.add('dt-treated');
  }
  if (marks.length) {
    td.append(el('sup', 'dt-mark', marks.join('')));
    td.title = titles.join('; ');
    td.dataset.flags = [flags.imputed ? 'imputed' : '', flags.treated ?? ''].filter(Boolean).join('+');
  }
  return td;
}

function formatValue(v) {
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 10 ? 2 : 4;
  return v.toLocaleString(getLang() === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits });
}

function drawPrepared() {
  const p = state.prepared;
  $('dt-result').hidden = !p;
  $('dt-export').disabled = !p;
  if (!p) return;
  let imp = 0;
  let tr = 0;
  for (const r of p.rows) for (const f of r.flags) (imp += f.imputed ? 1 : 0), (tr += f.treated ? 1 : 0);
  $('dt-summary').textContent = s('prepared', { units: p.rows.length, ind: p.indicators.length, imp, tr });
  $('dt-log-title').textContent = s('log', { n: p.log.length });
  $('dt-log').replaceChildren(...p.log.map((m) => el('li', null, m)));
  const head = el('tr');
  head.append(el('th', 'dt-unit', s('unit')), ...p.indicators.map((i) => el('th', 'num', i)));
  const body = p.rows.map((r) => {
    const tr = el('tr');
    tr.dataset.code = r.code;
    const th = el('th', 'dt-unit', r.name || r.code);
    th.scope = 'row';
    tr.append(th, ...r.values.map((v, i) => cell(v, r.flags[i])));
    return tr;
  });
  const table = $('dt-table');
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...body);
}

function drawError() {
  const box = $('dt-error');
  box.hidden = !state.error;
  if (state.error) {
    $('dt-error-title').textContent = state.error.title;
    $('dt-error-message').textContent = state.error.message;
  }
}

let drawnLang = null;

function draw() {
  if (drawnLang !== getLang()) {
    translate();
    drawnLang = getLang();
    $('dt-status').textContent = '';
    if (state.prepared) drawPrepared();
  }
  drawGeo();
  drawError();
}

// ---------------------------------------------------------------- actions

async function onGeo() {
  const geo = $('dt-geo-34').checked ? '34' : '63';
  const level = $('dt-level').value === 'pillars' ? 'pillars' : 'leaves';
  await applyGeo(geo, level);
  rerender();
  draw();
}

/**
 * The file chosen in `input`, read as bytes; a file over the page's limit is
 * not read (`{ name, size, tooBig: true }`), as on the main loading path.
 */
async function readFile(input) {
  const file = input.files?.[0];
  if (!file) return null;
  if (file.size > LIMIT_BYTES) return { name: file.name, size: file.size, tooBig: true };
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}


/** Lists the iData columns that look like group columns in the group picker. */
async function onIdataChosen() {
  // The header is in the first 4 KB: a big file is not read in full here.
  const file = $('dt-idata').files?.[0];
  const sel = $('dt-group');
  const keep = sel.value;
  const head = file ? await file.slice(0, 4096).text().catch(() => '') : '';
  const header = head.split(/\r?\n/)[0];
  const cols = header
    .replace(/^\uFEFF/, '')
    .split(/[,;\t]/)
    .map((c) => c.trim().replace(/^"|"$/g, ''))
    .filter((c) => /group/i.test(c));
  const none = new Option(s('noGroup'), '');
  none.dataset.dt = 'noGroup';
  sel.replaceChildren(none, ...cols.map((c) => new Option(c, c)));
  sel.value = cols.includes(keep) ? keep : (cols[0] ?? '');
}

async function onRun() {
  // The last run's error goes at once: what shows next is this run's.
  state.error = null;
  drawError();
  const [idata, imeta] = await Promise.all([readFile($('dt-idata')), readFile($('dt-imeta'))]);
  if (!idata || !imeta) {
    showError(s('errCoinr'), s('needFiles'));
    return;
  }
  const big = [idata, imeta].find((f) => f.tooBig);
  if (big) {
    showError(t('tooBigTitle'), `${tooBigText(big.name, big.size)} ${s('tooBigCli')}`);
    return;
  }
  const range = $('dt-range').value === '100' ? [0, 100] : [0, 1];
  const settings = {
    group: $('dt-group').value || null,
    impute: $('dt-impute').value || null,
    treat: $('dt-treat').value || null,
    range,
  };
  if (!(await tools())) {
    state.error = { ...state.error, title: s('errCoinr') };
    draw();
    return;
  }
  try {
    state.prepared = calc.prepareCoinr(idata.bytes, idata.name, imeta.bytes, imeta.name, settings);
    state.preparedName = idata.name;
    state.error = null;
    // A COINr index is not on the map of Vietnam's provinces.
    state.geo = '63';
  } catch (e) {
    showError(s('errCoinr'), e.message);
    return;
  }
  drawPrepared();
  rerender();
  draw();
}

function onExport() {
  const p = state.prepared;
  if (!p) return;
  const blob = new Blob([p.csv], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const base = state.preparedName.replace(/\.(csv|tsv|txt)$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-');
  a.download = `${base || 'coinr'}-prepared.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  $('dt-status').textContent = s('exported', { file: a.download });
}

/** Redraws this section (after the language or the calculator's state changed). */
export function refreshDataTools() {
  if (calc) draw();
}

/**
 * Sets up the section: `calculator` is the page's Calculator, `render` redraws
 * the table and panel. Applies `geo`/`level` from the URL hash.
 */
export function setupDataTools(calculator, render) {
  calc = calculator;
  rerender = () => {
    render();
    draw();
  };
  wrapCalculator();
  hashExtras.push(() => (state.geo === '34' ? [['geo', '34'], ...(state.level === 'pillars' ? [['level', 'pillars']] : [])] : []));

  $('dt-geo-63').addEventListener('change', onGeo);
  $('dt-geo-34').addEventListener('change', onGeo);
  $('dt-level').addEventListener('change', onGeo);
  $('dt-idata').addEventListener('change', onIdataChosen);
  $('dt-run').addEventListener('click', onRun);
  $('dt-export').addEventListener('click', onExport);
  $('dt-error-close').addEventListener('click', () => {
    state.error = null;
    draw();
  });
  $('lang').addEventListener('click', () => draw());

  // Opening the import form fetches the tools module ahead of its use.
  $('dt-coinr').addEventListener('toggle', () => {
    if ($('dt-coinr').open) useTools(calc).catch(() => {});
  });

  const fromHash = async () => {
    const h = readHash(location.hash);
    const shown = toolsCalculator() ? calc.geography : '63';
    if (h.geo !== state.geo || h.level !== state.level || shown !== h.geo) {
      await applyGeo(h.geo, h.level);
      render();
    }
    draw();
  };
  window.addEventListener('hashchange', fromHash);
  fromHash();
}
