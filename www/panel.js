// The panel on one province: its report sentence, its pillars' ranks and
// changes, the what-if effect, and its nearest rivals above and below.

import { t, getLang, nodeName, regionName, formatScore, isolateNames } from './i18n.js';
import { el, changeBadge } from './table.js';

/** How many rivals to list on each side. */
const RIVALS = 2;

/**
 * Draws the panel for `row` into `panel`.
 * - `report`: the unit's `UnitReport` (working copy), `sentence`: its sentence;
 * - `ranked`: every row of the edition sorted by index rank;
 * - `view`: the current `Table`.
 */
export function renderPanel(panel, { view, row, report, sentence, ranked }) {
  const idx = view.index;
  const nodes = new Map(view.nodes.map((n) => [n.code, n]));
  const parts = [];

  const head = el('div', 'panel-head');
  const title = el('h2', null, row.name);
  title.id = 'panel-title';
  const close = el('button', 'ghost close', t('panelClose'));
  close.type = 'button';
  close.dataset.close = 'panel';
  close.dataset.key = 'panel:close';
  head.append(title, close);
  parts.push(head);

  // Data text goes in <bdi>: a name holding direction controls stays in its place.
  const meta = el('p', 'meta');
  const bits = [];
  if (row.group) bits.push(el('bdi', null, regionName(row.group)));
  if (report.groupRank) bits.push(t('panelGroupRank', { r: report.groupRank[0], n: report.groupRank[1] }));
  meta.replaceChildren(...bits.flatMap((b, i) => (i ? [' · ', b] : [b])));
  parts.push(meta);

  const big = el('p', 'big-rank');
  if (report.index.rank != null) {
    big.append(el('span', 'rank-num', report.index.rank), el('span', 'rank-of', `/${report.index.n}`));
    big.append(el('span', 'rank-score', formatScore(report.index.score)));
    big.append(changeBadge(report.index.change));
  } else {
    big.append(el('span', 'rank-num', '—'));
  }
  parts.push(big);

  const s = el('p', 'sentence');
  const names = [row.name, row.group && regionName(row.group), report.group, ...report.pillars.map((p) => nodeName(nodes.get(p.code) ?? p))];
  s.replaceChildren(...isolateNames(sentence, names));
  s.lang = getLang();
  s.id = 'panel-sentence';
  parts.push(s);

  if (row.whatif != null && view.edits.length > 0) {
    const d = view.deltas.find((x) => x.code === row.code);
    if (d && d.baselineRank != null && d.rank != null) {
      const note = el('p', 'whatif-note', t('panelWhatif', { from: d.baselineRank, to: d.rank }));
      note.append(' ', changeBadge(d.delta, 'whatif'));
      parts.push(note);
    }
  }

  parts.push(el('h3', null, t('panelPillars')));
  const table = el('table', 'pillars');
  const thead = el('thead');
  const hr = el('tr');
  const base = report.baseYear;
  for (const h of [t('panelPillar'), t('panelScore'), t('panelRank'), base != null ? t('panelChange', { year: base }) : '']) {
    const th = el('th', null, h);
    th.scope = 'col';
    hr.append(th);
  }
  thead.append(hr);
  const tbody = el('tbody');
  for (const p of report.pillars) {
    const tr = el('tr');
    const th = el('th', null, nodeName(nodes.get(p.code) ?? p));
    th.scope = 'row';
    tr.append(th, el('td', 'num', formatScore(p.score)));
    tr.append(el('td', 'num', p.rank == null ? '—' : `${p.rank}/${p.n}`));
    const c = el('td');
    c.append(changeBadge(p.change));
    tr.append(c);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  parts.push(table);

  parts.push(el('h3', null, t('panelRivals')));
  const score = row.rec[`${idx}_score`];
  const rivals = el('div', 'rivals');
  const list = (label, items) => {
    const box = el('div', 'rival-list');
    box.append(el('h4', null, label));
    if (items.length === 0) {
      box.append(el('p', 'muted', t('panelNone')));
      return box;
    }
    const ol = el('ol');
    for (const r of items) {
      const li = el('li');
      li.append(el('span', 'rival-rank', r.rec[`${idx}_rank`] ?? '—'));
      const b = el('button', 'unit', r.name);
      b.type = 'button';
      b.dataset.select = r.code;
      b.dataset.key = `rival:${r.code}`;
      li.append(b);
      const other = r.rec[`${idx}_score`];
      if (score != null && other != null) {
        const d = other - score;
        const text = Math.abs(d) < 0.00005 ? `< ${formatScore(0.0001)}` : (d > 0 ? '+' : '−') + formatScore(Math.abs(d));
        li.append(el('span', 'gap', t('gap', { d: text })));
      }
      ol.append(li);
    }
    box.append(ol);
    return box;
  };
  const ranks = ranked.filter((r) => r.rec[`${idx}_rank`] != null);
  const pos = ranks.findIndex((r) => r.code === row.code);
  const above = pos < 0 ? [] : ranks.slice(Math.max(0, pos - RIVALS), pos);
  const below = pos < 0 ? [] : ranks.slice(pos + 1, pos + 1 + RIVALS);
  rivals.append(list(t('panelAbove'), above), list(t('panelBelow'), below));
  parts.push(rivals);

  panel.replaceChildren(...parts);
}
