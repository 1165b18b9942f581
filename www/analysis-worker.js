// Module worker: runs one long analysis (uncertainty or variance-based
// sensitivity) in chunks on its own copy of the core and posts progress.
// The page cancels a run by terminating this worker. The runs live in the
// tools module (the page module has no Monte Carlo or Saltelli code).

import init, { AnalysisRun } from './pkg/ictindex_tools.js';

const ready = init();

self.onmessage = async (ev) => {
  const { id, snapshot, kind, config, chunk } = ev.data;
  try {
    await ready;
    const t0 = performance.now();
    const run = new AnalysisRun(snapshot, kind, config);
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
    const result = run.result();
    const ms = performance.now() - t0;
    run.free();
    self.postMessage({ id, type: 'result', result, ms });
  } catch (e) {
    self.postMessage({ id, type: 'error', message: String(e?.message ?? e) });
  }
};
