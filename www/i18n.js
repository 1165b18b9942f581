// Every piece of text the page shows, in Vietnamese (default) and English,
// and the number and rank-change formats of each language.

const STRINGS = {
  vi: {
    docTitle: 'Chỉ số ICT Việt Nam — xếp hạng và giả định',
    skip: 'Bỏ qua tới bảng xếp hạng',
    title: 'Chỉ số ICT Việt Nam',
    tagline: 'Xếp hạng mức độ sẵn sàng cho phát triển và ứng dụng CNTT-TT — tính ngay trong trình duyệt',
    langButton: 'English',
    langButtonLabel: 'Switch to English',
    year: 'Năm',
    toolsLabel: 'Công cụ',
    dataLabel: 'Dữ liệu',
    search: 'Tìm tỉnh, thành',
    searchHint: 'Gõ tên, ví dụ: vinh phuc',
    region: 'Vùng',
    allRegions: 'Tất cả các vùng',
    openData: 'Mở tệp dữ liệu…',
    openFramework: 'Mở khung chỉ số…',
    paste: 'Dán từ bảng tính…',
    export: 'Xuất CSV',
    sample: 'Dữ liệu mẫu',
    errorTitle: 'Không tải được',
    errorKeep: 'Dữ liệu đang hiển thị vẫn giữ nguyên.',
    errorMore: 'Các lỗi khác trong tệp:',
    errorMoreCount: '… và {n} lỗi khác.',
    editError: 'Không áp dụng được',
    dismiss: 'Đóng',
    weights: 'Giả định: trọng số trụ cột',
    weightsHelp: 'Kéo thanh trượt hoặc sửa điểm bất kỳ trong bảng: xếp hạng được tính lại ngay.',
    weightLabel: 'Trọng số {name}',
    weightShare: '{w} · {p}%',
    undo: 'Hoàn tác',
    reset: 'Đặt lại',
    share: 'Sao chép liên kết',
    noEdits: 'Chưa có giả định nào: đang hiển thị dữ liệu đã tải.',
    editsOne: '1 giả định đang áp dụng. Cột “Giả định” cho biết hạng thay đổi vì nó, tách khỏi thay đổi so với năm trước.',
    edits: '{n} giả định đang áp dụng. Cột “Giả định” cho biết hạng thay đổi vì chúng, tách khỏi thay đổi so với năm trước.',
    ranking: 'Bảng xếp hạng',
    dataInfo: '{source} · {n} đơn vị · năm {year}',
    dataInfoBase: '{source} · {n} đơn vị · năm {year}, so với {base}',
    dataInfoNoYear: '{source} · {n} đơn vị',
    sampleNote: 'Dữ liệu mẫu: chỉ điểm tổng hợp năm 2016 của 6 tỉnh và thứ hạng của Vĩnh Phúc là số liệu đã công bố; các số còn lại là minh họa.',
    count: 'Hiển thị {shown}/{total} đơn vị.',
    countNone: 'Không có đơn vị nào khớp.',
    colRank: 'Hạng',
    colRankLong: 'Hạng chỉ số',
    colChange: 'So với {year}',
    colChangeNone: 'Thay đổi',
    colChangeLong: 'Thay đổi hạng so với năm {year}',
    colWhatif: 'Giả định',
    colWhatifLong: 'Thay đổi hạng do các giả định',
    colName: 'Tỉnh, thành phố',
    colGroup: 'Vùng',
    colScore: 'Điểm',
    colIndex: 'Chỉ số',
    colPillarRank: 'Hạng',
    sortBy: 'Sắp xếp theo {col}',
    scoreOf: 'Điểm {node} của {unit}',
    edited: 'đã sửa (giả định)',
    up: 'tăng {n} bậc',
    down: 'giảm {n} bậc',
    same: 'giữ nguyên',
    isNew: 'mới',
    dropped: 'không có năm này',
    whatifUp: 'tăng {n} bậc do giả định',
    whatifDown: 'giảm {n} bậc do giả định',
    missing: 'không có',
    notNumber: '“{v}” không phải là số.',
    select: 'Xem {unit}',
    panelClose: 'Đóng',
    panelGroupRank: 'Hạng trong vùng: {r}/{n}',
    panelPillars: 'Các trụ cột',
    panelPillar: 'Trụ cột',
    panelScore: 'Điểm',
    panelRank: 'Hạng',
    panelChange: 'So với {year}',
    panelWhatif: 'Với các giả định: hạng {from} → {to}.',
    panelRivals: 'Đối thủ gần nhất',
    panelAbove: 'Xếp trên',
    panelBelow: 'Xếp dưới',
    panelNone: 'Không có',
    gap: '{d} điểm',
    loaded: 'Đã tải {name}.',
    loadedFramework: 'Đã tải khung chỉ số {name}.',
    linkCopied: 'Đã sao chép liên kết tới trạng thái này.',
    linkShown: 'Liên kết: {url}',
    exported: 'Đã xuất {file}.',
    undone: 'Đã hoàn tác một giả định.',
    resetDone: 'Đã quay về dữ liệu đã tải.',
    linkOtherData: 'Liên kết này được tạo với dữ liệu “{name}”; hãy mở tệp đó để thấy đúng kết quả.',
    pasteName: 'bảng dán',
    tooBigTitle: 'Tệp quá lớn cho trang này',
    tooBig: '{name}: {size}, quá giới hạn {limit} của trang. Không có gì được tải; dữ liệu đang hiển thị vẫn giữ nguyên.',
    tooBigCli: 'Với tệp lớn, hãy dùng công cụ dòng lệnh: ictindex validate TỆP, rồi ictindex score TỆP.',
    tooManyUnits: '{name} có {n} đơn vị trong một năm; trang hiển thị tối đa {max} đơn vị.',
    megabytes: '{n} MB',
    checking: 'Đang đọc và kiểm tra {name} ({size}) trong nền… {s} giây',
    loadingCancel: 'Hủy',
    cancelled: 'Đã hủy tải {name}; dữ liệu đang hiển thị vẫn giữ nguyên.',
    pasteTitle: 'Dán bảng từ bảng tính',
    pasteHelp: 'Chép vùng ô có dòng tiêu đề (code, name, year, group, HTKT, HTNL, UD, SXKD, MT) từ Excel hoặc Google Sheets rồi dán vào đây. Chấp nhận dấu phẩy thập phân.',
    pasteArea: 'Bảng dán',
    pasteLoad: 'Tải bảng',
    cancel: 'Hủy',
    drop: 'Thả tệp CSV vào đây (dữ liệu hoặc khung chỉ số)',
    privacy: 'Mọi phép tính chạy trong trình duyệt của bạn (WebAssembly); không có dữ liệu nào được gửi đi.',
    timing: 'Lần tính lại gần nhất: {ms} ms.',
    startFailed: 'Không khởi động được bộ tính: {msg}',
  },
  en: {
    docTitle: 'Vietnam ICT Index — ranks and what-if',
    skip: 'Skip to the ranking',
    title: 'Vietnam ICT Index',
    tagline: 'Readiness for ICT development and application, ranked — computed in your browser',
    langButton: 'Tiếng Việt',
    langButtonLabel: 'Chuyển sang tiếng Việt',
    year: 'Year',
    toolsLabel: 'Tools',
    dataLabel: 'Data',
    search: 'Find a province',
    searchHint: 'Type a name, e.g. vinh phuc',
    region: 'Region',
    allRegions: 'All regions',
    openData: 'Open data file…',
    openFramework: 'Open framework…',
    paste: 'Paste from spreadsheet…',
    export: 'Export CSV',
    sample: 'Sample data',
    errorTitle: 'Could not load',
    errorKeep: 'The data shown is unchanged.',
    errorMore: 'Other problems in the file:',
    errorMoreCount: '… and {n} more.',
    editError: 'Could not apply',
    dismiss: 'Dismiss',
    weights: 'What-if: pillar weights',
    weightsHelp: 'Drag a slider or edit any score in the table: the ranking recomputes at once.',
    weightLabel: 'Weight of {name}',
    weightShare: '{w} · {p}%',
    undo: 'Undo',
    reset: 'Reset',
    share: 'Copy link',
    noEdits: 'No what-if edits: showing the data as loaded.',
    editsOne: '1 what-if edit applied. The “What-if” column shows the rank change it causes, apart from the change against the earlier year.',
    edits: '{n} what-if edits applied. The “What-if” column shows the rank change they cause, apart from the change against the earlier year.',
    ranking: 'Ranking',
    dataInfo: '{source} · {n} units · {year}',
    dataInfoBase: '{source} · {n} units · {year} against {base}',
    dataInfoNoYear: '{source} · {n} units',
    sampleNote: 'Sample data: only six 2016 composite scores and the ranks of Vĩnh Phúc are published figures; every other number is illustrative.',
    count: 'Showing {shown} of {total} units.',
    countNone: 'No unit matches.',
    colRank: 'Rank',
    colRankLong: 'Index rank',
    colChange: 'vs {year}',
    colChangeNone: 'Change',
    colChangeLong: 'Rank change against {year}',
    colWhatif: 'What-if',
    colWhatifLong: 'Rank change caused by the what-if edits',
    colName: 'Province',
    colGroup: 'Region',
    colScore: 'Score',
    colIndex: 'Index',
    colPillarRank: 'Rank',
    sortBy: 'Sort by {col}',
    scoreOf: '{node} score of {unit}',
    edited: 'edited (what-if)',
    up: 'up {n}',
    down: 'down {n}',
    same: 'unchanged',
    isNew: 'new',
    dropped: 'not in this year',
    whatifUp: 'up {n} because of the edits',
    whatifDown: 'down {n} because of the edits',
    missing: 'missing',
    notNumber: '“{v}” is not a number.',
    select: 'Show {unit}',
    panelClose: 'Close',
    panelGroupRank: 'Rank in region: {r} of {n}',
    panelPillars: 'Pillars',
    panelPillar: 'Pillar',
    panelScore: 'Score',
    panelRank: 'Rank',
    panelChange: 'vs {year}',
    panelWhatif: 'With the what-if edits: rank {from} → {to}.',
    panelRivals: 'Nearest rivals',
    panelAbove: 'Above',
    panelBelow: 'Below',
    panelNone: 'None',
    gap: '{d} points',
    loaded: 'Loaded {name}.',
    loadedFramework: 'Loaded framework {name}.',
    linkCopied: 'Link to this view copied.',
    linkShown: 'Link: {url}',
    exported: 'Exported {file}.',
    undone: 'Took back one edit.',
    resetDone: 'Back to the data as loaded.',
    linkOtherData: 'This link was made with the data “{name}”; open that file to see the same results.',
    pasteName: 'pasted table',
    tooBigTitle: 'File too large for this page',
    tooBig: '{name}: {size}, over the page’s limit of {limit}. Nothing was loaded; the data shown is unchanged.',
    tooBigCli: 'For large files use the command-line tool: ictindex validate FILE, then ictindex score FILE.',
    tooManyUnits: '{name} has {n} units in one year; the page shows at most {max} units.',
    megabytes: '{n} MB',
    checking: 'Reading and checking {name} ({size}) in the background… {s} s',
    loadingCancel: 'Cancel',
    cancelled: 'Cancelled loading {name}; the data shown is unchanged.',
    pasteTitle: 'Paste a table from a spreadsheet',
    pasteHelp: 'Copy cells with a header row (code, name, year, group, HTKT, HTNL, UD, SXKD, MT) from Excel or Google Sheets and paste them here. Decimal commas are fine.',
    pasteArea: 'Pasted table',
    pasteLoad: 'Load table',
    cancel: 'Cancel',
    drop: 'Drop a CSV file here (data or framework)',
    privacy: 'Everything is computed in your browser (WebAssembly); no data is sent anywhere.',
    timing: 'Last recompute: {ms} ms.',
    startFailed: 'The calculator could not start: {msg}',
  },
};

/** The six socio-economic regions, for English labels of Vietnamese data. */
const REGIONS_EN = {
  'Trung du và miền núi phía Bắc': 'Northern Midlands and Mountains',
  'Đồng bằng sông Hồng': 'Red River Delta',
  'Bắc Trung Bộ và duyên hải miền Trung': 'North Central and Central Coast',
  'Tây Nguyên': 'Central Highlands',
  'Đông Nam Bộ': 'Southeast',
  'Đồng bằng sông Cửu Long': 'Mekong River Delta',
};

let lang = 'vi';

/** Sets the language of every later `t` call: "vi" or "en". */
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'vi';
}

/** The current language. */
export function getLang() {
  return lang;
}

/** The text of `key` in the current language, `{name}` replaced from `params`. */
export function t(key, params = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

/**
 * The text of `key` as DOM nodes: the template's text, and each `{name}`
 * replaced by a `<bdi>` holding `params.name` as text, so that data (a file
 * or province name with right-to-left or override characters) cannot reorder
 * the sentence around it. Use with `element.replaceChildren(...)`.
 */
export function tParts(key, params = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  const out = [];
  let last = 0;
  for (const m of s.matchAll(/\{(\w+)\}/g)) {
    out.push(s.slice(last, m.index));
    if (m[1] in params) {
      const b = document.createElement('bdi');
      b.textContent = String(params[m[1]]);
      out.push(b);
    } else out.push(m[0]);
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out.filter((x) => x !== '');
}

/** Invisible direction controls (embeddings, overrides, isolates, marks). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `text` with its invisible direction controls shown as `⟨U+202E⟩`: for
 * messages that quote data (a name holding an override would otherwise turn
 * the rest of the message around).
 */
export function showControls(text) {
  return String(text).replace(BIDI_CONTROLS, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/**
 * `text` as DOM nodes with every occurrence of the strings in `names` (data:
 * a province or region name) in a `<bdi>`, the rest as text.
 */
export function isolateNames(text, names) {
  const list = [...new Set(names.filter((n) => n && n.length))].sort((a, b) => b.length - a.length);
  const out = [];
  let rest = String(text);
  while (rest) {
    let best = -1;
    let found = '';
    for (const n of list) {
      const i = rest.indexOf(n);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
        found = n;
      }
    }
    if (best < 0) {
      out.push(rest);
      break;
    }
    if (best > 0) out.push(rest.slice(0, best));
    const b = document.createElement('bdi');
    b.textContent = found;
    out.push(b);
    rest = rest.slice(best + found.length);
  }
  return out;
}

/** Sets the text of every `[data-i18n]` element, and translated attributes, under `root`. */
export function translate(root = document) {
  document.documentElement.lang = lang;
  document.title = t('docTitle');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

/** A region's name in the current language (data names pass through). */
export function regionName(group) {
  if (!group) return '';
  return lang === 'en' ? (REGIONS_EN[group] ?? group) : group;
}

/** A node's name in the current language. */
export function nodeName(node) {
  if (!node) return '';
  return (lang === 'en' ? node.nameEn : node.nameVi) || node.code;
}

/** A score with `digits` decimals (decimal comma in Vietnamese); "—" when missing. */
export function formatScore(v, digits = 4) {
  if (v == null || Number.isNaN(v)) return '—';
  const s = v.toFixed(digits);
  return lang === 'vi' ? s.replace('.', ',') : s;
}

/** Reads a number typed with a decimal point or comma; `null` for empty, `NaN` if invalid. */
export function parseNumber(text) {
  const s = text.trim().replace(/\s/g, '');
  if (s === '') return null;
  if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s.replace(',', '.'));
}

/**
 * A rank change as text: `{ arrow: "▲3", words: "tăng 3 bậc", dir: "up" }`.
 * `change` is previous rank − current rank (positive = up); `kind` picks the
 * wording ("year" or "whatif").
 */
export function changeText(change, kind = 'year') {
  if (change == null) return { arrow: '', words: '', dir: 'none' };
  if (change === 0) return { arrow: '=', words: t('same'), dir: 'same' };
  const n = Math.abs(change);
  const up = change > 0;
  const key = kind === 'whatif' ? (up ? 'whatifUp' : 'whatifDown') : (up ? 'up' : 'down');
  return { arrow: `${up ? '▲' : '▼'}${n}`, words: t(key, { n }), dir: up ? 'up' : 'down' };
}

/** Text folded for matching: lower case, no diacritics, đ → d. */
export function fold(s) {
  return (s ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[\s\-–—._]+/g, ' ')
    .trim();
}
