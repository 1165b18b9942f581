// The ranking table: columns, sorting, and drawing with DOM calls only
// (every piece of data goes in through textContent or a property).

import { t, nodeName, regionName, formatScore, changeText } from './i18n.js';

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
export function renderBody(tbody, view, rows, { edited, selected }) {
  const idx = view.index;
  const nodes = new Map(view.nodes.map((n) => [n.code, n]));
  const frag = document.createDocumentFragment();
  for (const row of rows) {
    const { rec, code } = row;
    const tr = el('tr');
    tr.dataset.code = code;
    if (code === selected) tr.className = 'selected';
    if (rec.status === 'dropped') tr.classList.add('dropped');

    tr.append(el('td', 'c-rank num', rec[`${idx}_rank`] ?? '—'));

    const name = el('th', 'c-name');
    name.scope = 'row';
    const pick = el('button', 'unit', row.name);
    pick.type = 'button';
    pick.dataset.select = code;
    pick.dataset.key = `select:${code}`;
    if (code === selected) pick.setAttribute('aria-current', 'true');
    name.append(pick);
    tr.append(name);

    const change = el('td', 'c-change');
    if (rec.status === 'new') change.append(el('span', 'chg chg-new', t('isNew')));
    else if (rec.status === 'dropped') change.append(el('span', 'chg chg-new', t('dropped')));
    else change.append(changeBadge(rec[`${idx}_change`]));
    tr.append(change);

    const whatif = el('td', 'c-whatif');
    if (row.whatif) whatif.append(changeBadge(row.whatif, 'whatif'));
    tr.append(whatif);

    tr.append(el('td', 'c-group', regionName(row.group)));
    tr.append(el('td', 'c-index num', formatScore(rec[`${idx}_score`])));

    for (const p of view.pillars) {
      const cell = el('td', 'c-pscore num');
      if (nodes.get(p)?.leaf && rec.status !== 'dropped') {
        const input = el('input', 'score');
        input.type = 'text';
        input.inputMode = 'decimal';
        input.autocomplete = 'off';
        input.spellcheck = false;
        input.value = rec[p] == null ? '' : formatScore(rec[p]);
        input.defaultValue = input.value;
        input.dataset.unit = code;
        input.dataset.node = p;
        input.dataset.key = `edit:${code}:${p}`;
        const isEdited = edited.has(`${code}|${p}`);
        let label = t('scoreOf', { node: nodeName(nodes.get(p)), unit: row.name });
        if (isEdited) {
          input.classList.add('edited');
          input.title = t('edited');
          label += ` (${t('edited')})`;
        }
        input.setAttribute('aria-label', label);
        cell.append(input);
      } else {
        cell.textContent = formatScore(rec[`${p}_score`]);
      }
      tr.append(cell);
      const rank = el('td', 'c-prank');
      rank.append(el('span', 'prank', rec[`${p}_rank`] ?? '—'), changeBadge(rec[`${p}_change`]));
      tr.append(rank);
    }
    frag.append(tr);
  }
  tbody.replaceChildren(frag);
}
