// Getting files into the page: the file pickers, drag and drop anywhere on
// the page, the paste dialog and pasting a copied range straight onto the
// page. Files are passed on as bytes (so the core can say where a file is not
// UTF-8); pasted text as a string.

/** Whether a file's first line looks like a framework (it has a `parent` column). */
export function looksLikeFramework(input) {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input.subarray(0, 4096));
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first.split(/[,;\t]/).some((h) => h.trim().replace(/^"|"$/g, '').toLowerCase() === 'parent');
}

async function read(file) {
  return { name: file.name, input: new Uint8Array(await file.arrayBuffer()) };
}

function isEditable(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/**
 * Wires every way of loading. `onLoad(items, kind)` receives
 * `[{name, input}]` (input: Uint8Array or string) and `kind`
 * ("data", "framework" or "auto").
 */
export function setupLoading({ onLoad, pasteName }) {
  const $ = (id) => document.getElementById(id);
  const fileData = $('file-data');
  const fileFramework = $('file-framework');

  $('open-data').addEventListener('click', () => fileData.click());
  $('open-framework').addEventListener('click', () => fileFramework.click());
  const picked = (input, kind) => async () => {
    const files = [...input.files];
    input.value = '';
    if (files.length) onLoad(await Promise.all(files.map(read)), files.length > 1 ? 'auto' : kind);
  };
  fileData.addEventListener('change', picked(fileData, 'data'));
  fileFramework.addEventListener('change', picked(fileFramework, 'framework'));

  // Paste dialog.
  const dialog = $('paste-dialog');
  const area = $('paste-text');
  $('open-paste').addEventListener('click', () => {
    dialog.showModal();
    area.focus();
  });
  $('paste-cancel').addEventListener('click', () => dialog.close());
  $('paste-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = area.value;
    if (!text.trim()) return;
    dialog.close();
    onLoad([{ name: pasteName(), input: text }], 'data');
  });

  // Paste a copied range anywhere outside a text field.
  document.addEventListener('paste', (ev) => {
    if (isEditable(ev.target)) return;
    const text = ev.clipboardData?.getData('text/plain') ?? '';
    if (/\n/.test(text.trim()) && /[\t;,]/.test(text)) {
      ev.preventDefault();
      onLoad([{ name: pasteName(), input: text }], 'auto');
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
    if (files.length) onLoad(await Promise.all(files.map(read)), 'auto');
  });
}
