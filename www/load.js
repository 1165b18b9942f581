// Getting files into the page: the file pickers, drag and drop anywhere on
// the page, the paste dialog and pasting a copied range straight onto the
// page. Files are passed on as `File`s with their size and first bytes, and
// read only once they are known to fit (as bytes, so the core can say where a
// file is not UTF-8); pasted text as a string.
//
// Size: anything above `LIMIT_BYTES` is refused before it is read (the page
// says the limit and points to the CLI); anything above `WORKER_BYTES` is
// read and trial-loaded in a module worker (`parse-worker.js`), with a
// cancel button, before the page's calculator touches it.

import { t, formatScore } from './i18n.js';

/** The largest file or paste the page loads (bytes; characters for a paste). */
export const LIMIT_BYTES = 1_000_000;
/** Inputs above this are checked in a worker first. */
export const WORKER_BYTES = 100_000;
/** The most units one edition may have to be drawn on the page. */
export const MAX_UNITS = 5_000;

/** A size in megabytes, one decimal (decimal comma in Vietnamese). */
export function formatSize(bytes) {
  return t('megabytes', { n: formatScore(bytes / 1e6, 1) });
}

/** The message for input `name` of `size` bytes, over the page's limit. */
export function tooBigText(name, size) {
  return t('tooBig', { name, size: formatSize(size), limit: formatSize(LIMIT_BYTES) });
}

/** Whether a file's first line looks like a framework (it has a `parent` column). */
export function looksLikeFramework(input) {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input.subarray(0, 4096));
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first.split(/[,;\t]/).some((h) => h.trim().replace(/^"|"$/g, '').toLowerCase() === 'parent');
}

/** A picked or dropped file, not read yet: its name, size and first 4 KB as text. */
async function describe(file) {
  let head = '';
  try {
    if (file.size <= LIMIT_BYTES) head = await file.slice(0, 4096).text();
  } catch {
    head = ''; // unreadable: reading it in full reports the error
  }
  return { name: file.name, size: file.size, file, head };
}

/** A pasted text as a load item. */
function pasted(name, text) {
  return { name, size: text.length, input: text };
}

/** Reads a described file into `item.input` (bytes); pasted text is kept. */
export async function readItem(item) {
  if (item.input == null && item.file) item.input = new Uint8Array(await item.file.arrayBuffer());
  return item;
}

/**
 * Checks `data` (and `framework`: an item, `null` for the bundled default,
 * `undefined` when the page's framework is not known) in a worker. Returns
 * `{promise, cancel}`; the promise resolves to the worker's answer
 * (`{type: "ok", data, framework, units, ms}` or `{type: "error", message,
 * more, ms}`) and rejects with `"cancelled"` after `cancel()`.
 */
let worker = null;
let jobs = 0;
export function checkInWorker({ lang, data, framework }) {
  const id = ++jobs;
  worker ??= new Worker(new URL('./parse-worker.js', import.meta.url), { type: 'module' });
  const w = worker;
  let settle;
  const promise = new Promise((resolve, reject) => {
    settle = { resolve, reject };
    w.onmessage = (ev) => {
      if (ev.data?.id === id) resolve(ev.data);
    };
    w.onerror = (ev) => {
      ev.preventDefault?.();
      if (worker === w) worker = null;
      w.terminate();
      resolve({ type: 'error', message: String(ev.message ?? ev), more: [] });
    };
  });
  const strip = (it) => (it ? { name: it.name, file: it.input == null ? it.file : undefined, input: it.input } : it);
  w.postMessage({ id, lang, data: strip(data), framework: strip(framework) });
  const cancel = () => {
    if (worker === w) worker = null;
    w.terminate();
    settle.reject(new Error('cancelled'));
  };
  return { promise, cancel };
}

function isEditable(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/**
 * Wires every way of loading. `onLoad(items, kind)` receives
 * `[{name, size, input}]` for pasted text (input: a string) or
 * `[{name, size, file, head}]` for files (read them with `readItem`), and
 * `kind` ("data", "framework" or "auto"). `tooBig(size)` is the message the
 * paste dialog shows while its text is over `LIMIT_BYTES`.
 */
export function setupLoading({ onLoad, pasteName, tooBig }) {
  const $ = (id) => document.getElementById(id);
  const fileData = $('file-data');
  const fileFramework = $('file-framework');

  $('open-data').addEventListener('click', () => fileData.click());
  $('open-framework').addEventListener('click', () => fileFramework.click());
  const picked = (input, kind) => async () => {
    const files = [...input.files];
    input.value = '';
    if (files.length) onLoad(await Promise.all(files.map(describe)), files.length > 1 ? 'auto' : kind);
  };
  fileData.addEventListener('change', picked(fileData, 'data'));
  fileFramework.addEventListener('change', picked(fileFramework, 'framework'));

  // Paste dialog.
  const dialog = $('paste-dialog');
  const area = $('paste-text');
  const note = $('paste-size');
  // Says at once when a paste is over the limit (length only: no reading).
  const sizeNote = () => {
    const over = area.value.length > LIMIT_BYTES;
    note.textContent = over ? tooBig(area.value.length) : '';
    note.hidden = !over;
    area.toggleAttribute('aria-invalid', over);
  };
  area.addEventListener('input', sizeNote);
  $('open-paste').addEventListener('click', () => {
    sizeNote();
    dialog.showModal();
    area.focus();
  });
  $('paste-cancel').addEventListener('click', () => dialog.close());
  $('paste-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    // Over the limit: the dialog's own message says so; nothing is read.
    if (area.value.length > LIMIT_BYTES) {
      sizeNote();
      area.focus();
      return;
    }
    const text = area.value;
    if (!text.trim()) return;
    dialog.close();
    onLoad([pasted(pasteName(), text)], 'data');
  });

  // Paste a copied range anywhere outside a text field.
  document.addEventListener('paste', (ev) => {
    if (isEditable(ev.target)) return;
    const text = ev.clipboardData?.getData('text/plain') ?? '';
    if (text.length > LIMIT_BYTES || (/\n/.test(text.trim()) && /[\t;,]/.test(text))) {
      ev.preventDefault();
      onLoad([pasted(pasteName(), text)], 'auto');
    }
  });

  // Drag and drop anywhere.
  const drop = $('drop');
  let depth = 0;
  const hasFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth += 1;
    drop.hidden = false;
  });
  document.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) drop.hidden = true;
  });
  document.addEventListener('drop', async (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    drop.hidden = true;
    const files = [...ev.dataTransfer.files];
    if (files.length) onLoad(await Promise.all(files.map(describe)), 'auto');
  });
}
