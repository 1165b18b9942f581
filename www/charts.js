// The charts area: the tile map, the province profile, ranks over time and
// the score distribution. The SVG is drawn by the Rust core (src/chart.rs,
// every data text XML-escaped) on the session's working results, so the
// charts follow the what-if state. SVG reaches the DOM only through
// DOMParser + importNode, never innerHTML.

import { getLang, nodeName } from './i18n.js';
import { useTools, toolsCalculator } from './tools.js';

const STRINGS = {
  vi: {
    title: 'Biểu đồ',
    node: 'Chỉ tiêu',
    value: 'Tô màu theo',
    score: 'Điểm',
    rank: 'Thứ hạng',
    change: 'Thay đổi thứ hạng',
    map: 'Bản đồ 63 tỉnh, thành',
    profile: 'Hồ sơ tỉnh',
    bump: 'Thứ hạng qua các năm',
    distribution: 'Phân bố điểm',
    mapHelp: 'Di chuột hoặc dùng phím Tab để xem số liệu; nhấn hoặc Enter để chọn tỉnh.',
    pick: 'Chọn một tỉnh trên bản đồ hoặc trong bảng để xem biểu đồ này.',
    svg: 'SVG',
    png: 'PNG',
    saveSvg: 'Tải {chart} dạng SVG',
    savePng: 'Tải {chart} dạng PNG',
    saved: 'Đã lưu {file}.',
    failed: 'Không vẽ được biểu đồ: {msg}',
    loading: 'Đang tải biểu đồ…',
  },
  en: {
    title: 'Charts',
    node: 'Indicator',
    value: 'Colour by',
    score: 'Score',
    rank: 'Rank',
    change: 'Rank change',
    map: 'Map of the 63 provinces',
    profile: 'Province profile',
    bump: 'Ranks over time',
    distribution: 'Score distribution',
    mapHelp: 'Hover or Tab to a province to see its figures; click or press Enter to select it.',
    pick: 'Select a province on the map or in the table to see this chart.',
    svg: 'SVG',
    png: 'PNG',
    saveSvg: 'Download {chart} as SVG',
    savePng: 'Download {chart} as PNG',
    saved: 'Saved {file}.',
    failed: 'Could not draw the chart: {msg}',
    loading: 'Loading the charts…',
  },
};

const CHARTS = ['map', 'profile', 'bump', 'distribution'];

function s(key, params = {}) {
  const str = STRINGS[getLang()]?.[key] ?? STRINGS.vi[key] ?? key;
  return str.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/** Parses an SVG document and returns its root imported into this document. */
function parseSvg(svg) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
    throw new Error('SVG');
  }
  return document.importNode(root, true);
}

function download(blob, file) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = file;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/** Draws an SVG string onto a canvas (white background, 2×) and resolves to a PNG blob. */
function svgToPng(svg, width, height) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }));
    const img = new Image();
    img.onload = () => {
      const scale = 2;
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG'))), 'image/png');
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('PNG'));
    };
    img.src = url;
  });
}

/**
 * Builds the charts area in `#charts` and keeps it in step with the page.
 * `onUpdate(cb)` registers `cb({calc, view, selected})`, called after every
 * redraw of the page; `select(code, opts)` selects a province like the table.
 */
export function initCharts({ onUpdate, select, status = () => {} }) {
  const root = document.getElementById('charts');
  if (!root) return;
  const ui = { figures: {} };
  let current = null;
  let drawnKey = null;
  const chosen = { node: '', value: 'score' };
  /** The SVG strings last drawn, for export. */
  const drawn = {};

  const head = el('div', 'card-head');
  ui.title = el('h2', null);
  ui.title.id = 'charts-title';
  const controls = el('div', 'chart-controls');
  const pick = (id) => {
    const label = el('label');
    label.htmlFor = id;
    const name = el('span');
    const sel = el('select');
    sel.id = id;
    label.append(name);
    controls.append(label, sel);
    return { name, sel };
  };
  ui.node = pick('chart-node');
  ui.value = pick('chart-value');
  head.append(ui.title, controls);
  const grid = el('div', 'chart-grid');
  for (const kind of CHARTS) {
    const fig = el('figure', `chart chart-${kind}`);
    const bar = el('div', 'chart-bar');
    const h = el('h3');
    h.id = `chart-${kind}-title`;
    const tools = el('div', 'chart-tools');
    const svgBtn = el('button', 'ghost');
    svgBtn.type = 'button';
    svgBtn.dataset.export = 'svg';
    const pngBtn = el('button', 'ghost');
    pngBtn.type = 'button';
    pngBtn.dataset.export = 'png';
    tools.append(svgBtn, pngBtn);
    bar.append(h, tools);
    const box = el('div', 'chart-svg');
    box.id = `chart-${kind}`;
    const alt = el('p', 'sr-only');
    alt.id = `chart-${kind}-alt`;
    const note = el('p', 'chart-note');
    fig.append(bar, box, alt, note);
    fig.dataset.chart = kind;
    fig.setAttribute('aria-labelledby', h.id);
    grid.append(fig);
    ui.figures[kind] = { fig, h, box, alt, note, svgBtn, pngBtn };
  }
  ui.tip = el('p', 'chart-tip');
  ui.tip.id = 'chart-map-tip';
  ui.tip.setAttribute('aria-live', 'polite');
  ui.figures.map.box.after(ui.tip);
  root.setAttribute('aria-labelledby', ui.title.id);
  root.replaceChildren(head, grid);

  function label(kind) {
    return s(kind);
  }

  function fileName(kind, ext) {
    const year = current?.view?.year;
    const who = kind === 'profile' || kind === 'bump' ? current?.selected : null;
    return ['ictindex', kind, who, year].filter((x) => x != null && x !== '').join('-') + `.${ext}`;
  }

  function show(kind, chart) {
    const f = ui.figures[kind];
    if (!chart) {
      drawn[kind] = null;
      f.box.replaceChildren();
      f.alt.textContent = '';
      f.note.textContent = s('pick');
      f.note.hidden = false;
      f.svgBtn.disabled = true;
      f.pngBtn.disabled = true;
      return;
    }
    const svg = parseSvg(chart.svg);
    svg.setAttribute('aria-describedby', f.alt.id);
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('focusable', 'false');
    const focused = f.box.contains(document.activeElement) ? document.activeElement.dataset?.code : null;
    f.box.replaceChildren(svg);
    if (focused) f.box.querySelector(`[data-code="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    f.alt.textContent = chart.alt;
    f.note.textContent = '';
    f.note.hidden = true;
    f.svgBtn.disabled = false;
    f.pngBtn.disabled = false;
    drawn[kind] = chart.svg;
  }

  function draw(force = false) {
    if (!current) return;
    const { calc, view, selected } = current;
    // The charts are drawn by the tools module: load it (once), then draw.
    if (!toolsCalculator()) {
      ui.tip.textContent = s('loading');
      useTools(calc).then(() => draw(true), (e) => {
        ui.tip.textContent = s('failed', { msg: e?.message ?? e });
      });
      return;
    }
    const nodes = [view.index, ...view.pillars];
    if (!nodes.includes(chosen.node)) chosen.node = view.index;
    const key = JSON.stringify([getLang(), view.source, view.year, view.edits, selected, chosen, nodes]);
    if (!force && key === drawnKey) return;
    drawnKey = key;

    ui.title.textContent = s('title');
    ui.node.name.textContent = s('node');
    ui.value.name.textContent = s('value');
    const byCode = new Map(view.nodes.map((n) => [n.code, n]));
    ui.node.sel.replaceChildren(...nodes.map((c) => new Option(`${c} · ${nodeName(byCode.get(c))}`, c)));
    ui.node.sel.value = chosen.node;
    const values = view.baseYear == null ? ['score', 'rank'] : ['score', 'rank', 'change'];
    if (!values.includes(chosen.value)) chosen.value = 'score';
    ui.value.sel.replaceChildren(...values.map((v) => new Option(s(v), v)));
    ui.value.sel.value = chosen.value;
    for (const kind of CHARTS) {
      const f = ui.figures[kind];
      f.h.textContent = label(kind);
      f.svgBtn.textContent = s('svg');
      f.pngBtn.textContent = s('png');
      f.svgBtn.setAttribute('aria-label', s('saveSvg', { chart: label(kind) }));
      f.pngBtn.setAttribute('aria-label', s('savePng', { chart: label(kind) }));
    }
    ui.figures.map.note.hidden = true;
    if (!ui.tip.dataset.code) ui.tip.textContent = s('mapHelp');

    const node = chosen.node === view.index ? null : chosen.node;
    const attempts = {
      map: () => calc.mapSvg(node, chosen.value, selected ?? null),
      profile: () => (selected ? calc.profileSvg(selected) : null),
      bump: () => (selected && view.years.length > 1 ? calc.bumpSvg(selected, node, 4) : null),
      distribution: () => calc.distributionSvg(node, selected ?? null),
    };
    for (const kind of CHARTS) {
      try {
        show(kind, attempts[kind]());
      } catch (e) {
        show(kind, null);
        ui.figures[kind].note.textContent = s('failed', { msg: e?.message ?? e });
      }
    }
    if (ui.tip.dataset.code) describe(ui.tip.dataset.code);
  }

  function describe(code) {
    const tile = ui.figures.map.box.querySelector(`.tile[data-code="${CSS.escape(code)}"]`);
    ui.tip.dataset.code = tile ? code : '';
    ui.tip.textContent = tile ? tile.getAttribute('aria-label') ?? '' : s('mapHelp');
  }

  const mapBox = ui.figures.map.box;
  const tileOf = (ev) => ev.target.closest?.('.tile[data-code]');
  mapBox.addEventListener('mouseover', (ev) => {
    const tile = tileOf(ev);
    if (tile) describe(tile.dataset.code);
  });
  mapBox.addEventListener('focusin', (ev) => {
    const tile = tileOf(ev);
    if (tile) describe(tile.dataset.code);
  });
  mapBox.addEventListener('click', (ev) => {
    const tile = tileOf(ev);
    if (tile) select(tile.dataset.code, { focusPanel: false });
  });
  mapBox.addEventListener('keydown', (ev) => {
    const tile = tileOf(ev);
    if (tile && (ev.key === 'Enter' || ev.key === ' ')) {
      ev.preventDefault();
      select(tile.dataset.code, { focusPanel: false });
    }
  });

  ui.node.sel.addEventListener('change', () => {
    chosen.node = ui.node.sel.value;
    draw();
  });
  ui.value.sel.addEventListener('change', () => {
    chosen.value = ui.value.sel.value;
    draw();
  });

  grid.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-export]');
    if (!btn) return;
    const kind = btn.closest('figure')?.dataset.chart;
    const svg = kind && drawn[kind];
    if (!svg) return;
    const type = btn.dataset.export;
    const file = fileName(kind, type);
    if (type === 'svg') {
      download(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }), file);
    } else {
      const root = parseSvg(svg);
      const vb = root.viewBox?.baseVal;
      const w = Number(root.getAttribute('width')) || vb?.width || 600;
      const h = Number(root.getAttribute('height')) || vb?.height || 400;
      try {
        download(await svgToPng(svg, w, h), file);
      } catch (e) {
        status(s('failed', { msg: e?.message ?? e }));
        return;
      }
    }
    status(s('saved', { file }));
  });

  onUpdate((state) => {
    current = state;
    draw();
  });
}
