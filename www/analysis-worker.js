// Module worker: runs one long analysis (uncertainty or variance-based
// sensitivity) in chunks on its own copy of the core and posts progress.
// The page cancels a run by terminating this worker. The runs live in the
// tools module (the page module has no Monte Carlo or Saltelli code).
//
// An uncertainty run may be split across two of these workers: each gets
// `part: [start, end]` of the samples. The `helper` posts its samples as a
// `tally` (a transferred Uint32Array) when done; the page hands them to the
// `lead` as a `merge` message, and the lead adds them and posts the result,
// which is exactly that of one unsplit run.

import init, { AnalysisRun } from './pkg/ictindex_tools.js';

const ready = init();

/** The helper's samples for a lead's run `id`: arrived early, or awaited. */
const arrived = new Map();
const awaited = new Map();

function handOver(id) {
  return new Promise((resolve) => {
    if (arrived.has(id)) {
      resolve(arrived.get(id));
      arrived.delete(id);
    } else {
      awaited.set(id, resolve);
    }
  });
}

function merge({ id, words }) {
  const resolve = awaited.get(id);
  if (resolve) {
    awaited.delete(id);
    resolve(words);
  } else {
    arrived.set(id, words);
  }
}

self.onmessage = async (ev) => {
  if (ev.data.type === 'merge') {
    merge(ev.data);
    return;
  }
  const { id, snapshot, kind, config, chunk, part, role } = ev.data;
  try {
    await ready;
    const t0 = performance.now();
    const run = new AnalysisRun(snapshot, kind, config);
    if (part) run.limit(part[0], part[1]);
    let last = 0;
    while (!run.done) {
      const share = run.step(chunk);
      const now = performance.now();
      if (now - last > 50 || run.done) {
        last = now;
        const [done, total] = run.progress();
        self.postMessage({ id, type: 'progress', share, done, total });
      }
    }
    if (role === 'helper') {
      const words = run.tallyWords();
      const [done] = run.progress();
      run.free();
      self.postMessage({ id, type: 'tally', words, done }, [words.buffer]);
      return;
    }
    if (role === 'lead') run.mergeWords(await handOver(id));
    const result = run.result();
    const ms = performance.now() - t0;
    run.free();
    self.postMessage({ id, type: 'result', result, ms });
  } catch (e) {
    self.postMessage({ id, type: 'error', message: String(e?.message ?? e) });
  }
};
