// Module worker: reads and trial-loads a big data file on its own copy of the
// core, so that a slow or broken file never blocks the page. The page hands
// over the file (a File, read here) or the pasted text, the language and the
// framework the page's calculator uses, and gets back either the located
// errors (nothing changes on the page) or the bytes, checked, for the page to
// load. The page cancels a check by terminating this worker.
//
// Message in:  {id, lang, data: {name, file?|input?}, framework: null | {name, file?|input?} | undefined}
//   framework null: the bundled default; undefined: unknown (data checks only).
// Message out: {id, type: "ok", data, framework, units, ms}
//           |  {id, type: "error", message, more, ms}

import init, { Calculator } from './pkg/ictindex.js';

const ready = init();

/** The item's input: pasted text as it is, a File as its bytes. */
async function inputOf(item) {
  if (item.file) return new Uint8Array(await item.file.arrayBuffer());
  return item.input;
}

const message = (e) => String(e?.message ?? e);

self.onmessage = async (ev) => {
  const { id, lang, data, framework } = ev.data;
  const t0 = performance.now();
  let calc = null;
  try {
    await ready;
    calc = new Calculator();
    calc.setLang(lang);
    const d = { name: data.name, input: await inputOf(data) };
    const f = framework ? { name: framework.name, input: await inputOf(framework) } : framework;
    let units = null;
    try {
      if (f) calc.loadDataAndFramework(d.input, d.name, f.input, f.name);
      else if (f === null) calc.loadData(d.input, d.name);
      if (f !== undefined) units = calc.table().rows.filter((r) => r.status !== 'dropped').length;
      else {
        // The page's framework is not known here: check the data file alone.
        const problems = calc.check(d.input, d.name);
        if (problems.length) throw new Error(problems[0]);
      }
    } catch (e) {
      const first = message(e);
      let more = [];
      try {
        more = calc.check(d.input, d.name).filter((m) => m !== first);
      } catch {
        more = [];
      }
      self.postMessage({ id, type: 'error', message: first, more, ms: performance.now() - t0 });
      return;
    }
    const transfer = [d, f].filter((x) => x?.input instanceof Uint8Array).map((x) => x.input.buffer);
    self.postMessage({ id, type: 'ok', data: d, framework: f ?? null, units, ms: performance.now() - t0 }, transfer);
  } catch (e) {
    self.postMessage({ id, type: 'error', message: message(e), more: [], ms: performance.now() - t0 });
  } finally {
    calc?.free();
  }
};
