// The tools module on the main thread. The page starts on the small page
// module (`./pkg/ictindex.js`: load, score, what-if, reports, exports) so the
// table shows quickly; the charts, the quick analyses and the data tools need
// the tools module (`./pkg/ictindex_tools.js`, everything). `useTools(calc)`
// loads it once (a dynamic import: no bundler, works from any static host),
// rebuilds the calculator's state in it (`Calculator.fromSnapshot` of
// `calc.analysisSnapshot()`: data, framework, options, edition, edits,
// language) and turns `calc` into a front for it: from then on every method
// and getter of `calc` runs on the tools module, so the page keeps one object
// and one state. Methods that another module has already replaced on `calc`
// (as datatools.js does) are left alone; such a module calls
// `method(calc, name)` to reach the current implementation.

let loading = null;
let tools = null;

/** The tools module's calculator once `calc` runs on it, else null. */
export const toolsCalculator = () => tools;

/** `calc`'s method `name` as it runs now: on the tools module once loaded, else the page module's. */
export function method(calc, name) {
  if (tools) return tools[name].bind(tools);
  return Object.getPrototypeOf(calc)[name].bind(calc);
}

/**
 * Loads the tools module (once) and moves `calc` onto it; resolves to the
 * tools calculator. On failure (e.g. offline before the module was cached)
 * the page keeps the page module and a later call tries again.
 */
export function useTools(calc) {
  loading ??= (async () => {
    const mod = await import('./pkg/ictindex_tools.js');
    await mod.default();
    // Snapshot and switch in one task, so no edit made meanwhile is lost.
    const full = mod.Calculator.fromSnapshot(calc.analysisSnapshot());
    const proto = mod.Calculator.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name === 'free' || name.startsWith('__')) continue;
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (d.get) {
        Object.defineProperty(calc, name, {
          configurable: true,
          get: () => full[name],
          ...(d.set ? { set: (v) => { full[name] = v; } } : {}),
        });
      } else if (typeof d.value === 'function' && !Object.hasOwn(calc, name)) {
        calc[name] = (...args) => full[name](...args);
      }
    }
    tools = full;
    // A mark for tests and tools: the charts and analyses can draw now.
    document.body.dataset.tools = 'ready';
    return full;
  })().catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}
