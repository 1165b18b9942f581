// The what-if state in the URL hash, so that a link reopens the same view:
//   #lang=en&year=2016&unit=26&v=26:HTKT=0.95&w=MT=2&data=my.csv
// `v` (unit:node=value, empty value = missing) and `w` (node=weight) are the
// edits, in the order they were made; `data` names the loaded file when it is
// not the bundled sample.

/** Characters left readable in a hash value (allowed in a URL fragment). */
function encode(s) {
  return encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%3D/gi, '=').replace(/%2C/gi, ',');
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Functions adding `[key, value]` pairs of other page features to the hash. */
export const hashExtras = [];

/** The hash for `state` ({lang, year, unit, edits, data}). */
export function encodeHash({ lang, year, unit, edits = [], data }) {
  const pairs = [['lang', lang]];
  if (year != null) pairs.push(['year', String(year)]);
  if (unit) pairs.push(['unit', unit]);
  for (const e of edits) {
    if (e.kind === 'value') pairs.push(['v', `${e.unit}:${e.node}=${e.value ?? ''}`]);
    else if (e.kind === 'weight') pairs.push(['w', `${e.node}=${e.weight}`]);
  }
  for (const extra of hashExtras) pairs.push(...extra());
  if (data) pairs.push(['data', data]);
  return '#' + pairs.map(([k, v]) => `${k}=${encode(v)}`).join('&');
}

function splitLast(s, sep) {
  const i = s.lastIndexOf(sep);
  return i < 0 ? null : [s.slice(0, i), s.slice(i + 1)];
}

/** Reads a hash written by `encodeHash`; unknown or malformed parts are skipped. */
export function decodeHash(hash) {
  const out = { lang: null, year: null, unit: null, edits: [], data: null, bad: [] };
  const text = hash.replace(/^#/, '');
  if (!text) return out;
  for (const part of text.split('&')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const key = part.slice(0, i);
    const value = decode(part.slice(i + 1));
    if (key === 'lang') out.lang = value;
    else if (key === 'year') out.year = /^-?\d+$/.test(value) ? Number(value) : null;
    else if (key === 'unit') out.unit = value;
    else if (key === 'data') out.data = value;
    else if (key === 'v') {
      const lhs = splitLast(value, '=');
      const un = lhs && splitLast(lhs[0], ':');
      const v = lhs && lhs[1] !== '' ? Number(lhs[1]) : null;
      if (un && un[0] && un[1] && (v === null || Number.isFinite(v))) {
        out.edits.push({ kind: 'value', unit: un[0], node: un[1], value: v });
      } else out.bad.push(value);
    } else if (key === 'w') {
      const nw = splitLast(value, '=');
      const w = nw ? Number(nw[1]) : NaN;
      if (nw && nw[0] && nw[1] !== '' && Number.isFinite(w)) out.edits.push({ kind: 'weight', node: nw[0], weight: w });
      else out.bad.push(value);
    }
  }
  return out;
}
