// Loads the wasm module built for Node by scripts/build-node-pkg.
//
//   ICTINDEX_NODE_PKG=size|speed   which build (default: size, the page's
//                                  size-tuned, wasm-opt'd module)
//
// The tests never build: run `scripts/build-node-pkg` first (scripts/test does).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const variant = process.env.ICTINDEX_NODE_PKG ?? 'size';
export const pkgDir = path.join(root, 'target/node-pkg', variant);

const entry = path.join(pkgDir, 'ictindex.js');
if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: run scripts/build-node-pkg ${variant}`);
}
const require = createRequire(import.meta.url);
/** The wasm-bindgen exports: `Calculator`, `AnalysisRun`. */
export const wasm = require(entry);
