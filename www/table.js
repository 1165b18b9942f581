// The ranking table: columns, sorting, and drawing with DOM calls only
// (every piece of data goes in through textContent or a property).

import { t, getLang, nodeName, regionName, formatScore, changeText } from './i18n.js';

/** Creates an element with a class and optional text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

/** Text for screen readers only. */
export function srOnly(text) {
  return el('span', 'sr-only', text);
}

/** A rank change as "▲3" (hidden from screen readers) plus its words. */
export function changeBadge(change, kind = 'year') {
  const c = changeText(change, kind);
  const wrap = el('span', `chg chg-${c.dir}${kind === 'whatif' ? ' chg-whatif' : ''}`);
  if (c.dir === 'none') return wrap;
  const arrow = el('span', null, c.arrow);
  arrow.setAttribute('aria-hidden', 'true');
  wrap.title = c.words;
  wrap.append(arrow, srOnly(c.words));
  return wrap;
}

/** Null-last comparison of two numbers or strings in direction `dir` (1 or −1). */
function compare(a, b, dir) {
  const na = a == null || Number.isNaN(a);
  const nb = b == null || Number.isNaN(b);
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  if (typeof a === 'string') return dir * a.localeCompare(b, 'vi');
  return dir * (a - b);
}

/**
 * The sortable columns for a view: `key`, default direction (1 = ascending)
 * and how to read the sort value from a row.
 */
export function sortKeys(view) {
  const idx = view.index;
  const keys = {
    rank: { dir: 1, value: (r) => r.rec[`${idx}_rank`] },
    change: { dir: -1, value: (r) => r.rec[`${idx}_change`] },
    whatif: { dir: -1, value: (r) => r.whatif },
    name: { dir: 1, value: (r) => r.name },
    group: { dir: 1, value: (r) => regionName(r.group) },
    score: { dir: -1, value: (r) => r.rec[`${idx}_score`] },
  };
  for (const p of view.pillars) {
    keys[`s:${p}`] = { dir: -1, value: (r) => r.rec[`${p}_score`] };
    keys[`r:${p}`] = { dir: 1, value: (r) => r.rec[`${p}_rank`] };
  }
  return keys;
}

/** Sorts `rows` in place by `sort` ({key, dir}); ties by index rank, then name. */
export function sortRows(rows, view, sort) {
  const keys = sortKeys(view);
  const key = keys[sort.key] ?? keys.rank;
  const rank = keys.rank.value;
  rows.sort((a, b) =>
    compare(key.value(a), key.value(b), sort.dir) || compare(rank(a), rank(b), 1) || compare(a.name, b.name, 1));
  return rows;
}

function sortHeader(th, key, label, sort, ariaLabel) {
  const b = el('button', 'sort', label);
  b.type = 'button';
  b.dataset.sort = key;
  b.dataset.key = `sort:${key}`;
  if (ariaLabel) b.setAttribute('aria-label', t('sortBy', { col: ariaLabel }));
  if (sort.key === key) {
    th.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
    b.dataset.dir = sort.dir > 0 ? 'asc' : 'desc';
  }
  th.append(b);
  return th;
}

/** Draws the two header rows. */
export function renderHead(thead, view, sort) {
  const nodes = new Map(view.nodes.map((n) => [n.code, n]));
  const top = el('tr');
  const sub = el('tr');
  const base = view.baseYear;
  const single = (key, label, cls, long) => {
    const th = el('th', cls);
    th.scope = 'col';
    th.rowSpan = 2;
    if (long && long !== label) th.title = long;
    top.append(sortHeader(th, key, label, sort, long && long !== label ? long : null));
  };
  single('rank', t('colRank'), 'c-rank', t('colRankLong'));
  single('name', t('colName'), 'c-name');
  single('change', base != null ? t('colChange', { year: base }) : t('colChangeNone'), 'c-change',
    base != null ? t('colChangeLong', { year: base }) : null);
  single('whatif', t('colWhatif'), 'c-whatif', t('colWhatifLong'));
  single('group', t('colGroup'), 'c-group');
  single('score', nodes.get(view.index)?.code ?? t('colIndex'), 'c-index', `${nodeName(nodes.get(view.index))} – ${t('colScore')}`);
  for (const p of view.pillars) {
    const node = nodes.get(p);
    const th = el('th', 'c-pillar');
    th.scope = 'colgroup';
    th.colSpan = 2;
    th.title = nodeName(node);
    const code = el('span', null, p);
    code.setAttribute('aria-hidden', 'true');
    th.append(code, srOnly(nodeName(node)));
    top.append(th);
    const s = el('th', 'c-pscore');
    s.scope = 'col';
    sub.append(sortHeader(s, `s:${p}`, t('colScore'), sort, `${nodeName(node)} – ${t('colScore')}`));
    const r = el('th', 'c-prank');
    r.scope = 'col';
    sub.append(sortHeader(r, `r:${p}`, t('colPillarRank'), sort, `${nodeName(node)} – ${t('colPillarRank')}`));
  }
  thead.replaceChildren(top, sub);
}

/**
 * Draws the body: one row per entry of `rows` ({rec, code, name, group, whatif}).
 * `edited` holds "code|node" of cells changed by what-if edits.
 */
/** Sets a part of a row only when what it shows changed. */
function put(entry, key, sig, draw) {
  if (entry.sigs.get(key) === sig) return;
  entry.sigs.set(key, sig);
  draw();
}

/** The cells of one row, built once per province and updated in place. */
function buildRow(view, nodes, row) {
  const { code } = row;
  const tr = el('tr');
  tr.dataset.code = code;
  const rank = el('td', 'c-rank num');
  const name = el('th', 'c-name');
  name.scope = 'row';
  const pick = el('button', 'unit');
  pick.type = 'button';
  pick.dataset.select = code;
  pick.dataset.key = `select:${code}`;
  name.append(pick);
  const change = el('td', 'c-change');
  const whatif = el('td', 'c-whatif');
  const group = el('td', 'c-group');
  const index = el('td', 'c-index num');
  tr.append(rank, name, change, whatif, group, index);
  const pillars = new Map();
  for (const p of view.pillars) {
    const score = el('td', 'c-pscore num');
    let input = null;
    if (nodes.get(p)?.leaf && row.rec.status !== 'dropped') {
      input = el('input', 'score');
      input.type = 'text';
      input.inputMode = 'decimal';
      input.autocomplete = 'off';
      input.spellcheck = false;
      input.dataset.unit = code;
      input.dataset.node = p;
      input.dataset.key = `edit:${code}:${p}`;
      score.append(input);
    }
    const prank = el('td', 'c-prank');
    tr.append(score, prank);
    pillars.set(p, { score, input, rank: prank });
  }
  return { tr, rank, pick, change, whatif, group, index, pillars, sigs: new Map() };
}

/** Brings a row's cells up to date with `row`. */
function updateRow(entry, view, nodes, row, edited, selected) {
  const idx = view.index;
  const { rec, code } = row;
  const lang = getLang();
  entry.tr.classList.toggle('selected', code === selected);
  entry.tr.classList.toggle('dropped', rec.status === 'dropped');
  put(entry, 'rank', rec[`${idx}_rank`], () => {
    entry.rank.textContent = rec[`${idx}_rank`] ?? '—';
  });
  put(entry, 'name', `${row.name}|${code === selected}`, () => {
    entry.pick.textContent = row.name;
    if (code === selected) entry.pick.setAttribute('aria-current', 'true');
    else entry.pick.removeAttribute('aria-current');
  });
  put(entry, 'change', `${lang}|${rec.status}|${rec[`${idx}_change`]}`, () => {
    if (rec.status === 'new') entry.change.replaceChildren(el('span', 'chg chg-new', t('isNew')));
    else if (rec.status === 'dropped') entry.change.replaceChildren(el('span', 'chg chg-new', t('dropped')));
    else entry.change.replaceChildren(changeBadge(rec[`${idx}_change`]));
  });
  put(entry, 'whatif', `${lang}|${row.whatif}`, () => {
    entry.whatif.replaceChildren(...(row.whatif ? [changeBadge(row.whatif, 'whatif')] : []));
  });
  put(entry, 'group', `${lang}|${row.group}`, () => {
    entry.group.textContent = regionName(row.group);
  });
  put(entry, 'index', `${lang}|${rec[`${idx}_score`]}`, () => {
    entry.index.textContent = formatScore(rec[`${idx}_score`]);
  });
  for (const [p, cell] of entry.pillars) {
    const isEdited = edited.has(`${code}|${p}`);
    if (cell.input) {
      const input = cell.input;
      put(entry, `s:${p}`, `${lang}|${rec[p]}|${isEdited}|${row.name}`, () => {
        input.value = rec[p] == null ? '' : formatScore(rec[p]);
        input.defaultValue = input.value;
        let label = t('scoreOf', { node: nodeName(nodes.get(p)), unit: row.name });
        input.classList.toggle('edited', isEdited);
        if (isEdited) label += ` (${t('edited')})`;
        input.title = isEdited ? t('edited') : '';
        input.setAttribute('aria-label', label);
      });
    } else {
      put(entry, `s:${p}`, `${lang}|${rec[`${p}_score`]}`, () => {
        cell.score.textContent = formatScore(rec[`${p}_score`]);
      });
    }
    put(entry, `r:${p}`, `${lang}|${rec[`${p}_rank`]}|${rec[`${p}_change`]}`, () => {
      cell.rank.replaceChildren(el('span', 'prank', rec[`${p}_rank`] ?? '—'), changeBadge(rec[`${p}_change`]));
    });
  }
}

/** Rows drawn so far, per table body: the frame they were built for and code → row. */
const drawn = new WeakMap();

/**
 * Draws the body: one row per entry of `rows` ({rec, code, name, group, whatif}),
 * in order. `edited` holds "code|node" of cells changed by what-if edits.
 * Rows are built once and updated cell by cell, so an edit touches only the
 * cells whose text changed, and focus stays where it is.
 */
export function renderBody(tbody, view, rows, { edited, selected }) {
  const nodes = new Map(view.nodes.map((n) => [n.code, n]));
  const frame = [view.source, view.index, view.pillars.join(','), view.nodes.filter((n) => n.leaf).map((n) => n.code).join(',')].join('|');
  let cache = drawn.get(tbody);
  if (!cache || cache.frame !== frame) {
    cache = { frame, rows: new Map() };
    drawn.set(tbody, cache);
  }
  const trs = rows.map((row) => {
    let entry = cache.rows.get(row.code);
    if (!entry || entry.dropped !== (row.rec.status === 'dropped')) {
      entry = buildRow(view, nodes, row);
      entry.dropped = row.rec.status === 'dropped';
      cache.rows.set(row.code, entry);
    }
    updateRow(entry, view, nodes, row, edited, selected);
    return entry.tr;
  });
  // Move rows only when the order changed (keeps focus and scroll steady).
  const current = tbody.children;
  let same = current.length === trs.length;
  for (let i = 0; same && i < trs.length; i += 1) same = current[i] === trs[i];
  if (!same) tbody.replaceChildren(...trs);
}
