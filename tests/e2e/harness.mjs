// What every end-to-end test shares: the paths, a static server over www/ on a
// free 127.0.0.1 port, Debian's headless Chromium, and a median.
//
// The server also watches the Content-Security-Policy: into every HTML page
// it serves it adds one script of its own (`/__harness/csp-watch.js`, allowed
// by `script-src 'self'`) that reports each `securitypolicyviolation` event
// back to the server and keeps it in `window.__cspViolations`. The
// violations are in `server.cspViolations`, and `server.close()` throws when
// there was any, so every test file that closes its server in `after` fails on
// a CSP violation without asking for it.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const www = join(root, 'www');
export const out = join(here, 'out');
export const wasmFile = join(www, 'pkg', 'ictindex_bg.wasm');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
};

/** The page-side half of the CSP watch (see the top of this file). */
const CSP_WATCH = `(() => {
  const seen = (window.__cspViolations = []);
  const report = (e) => {
    const v = { directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
      line: e.lineNumber, sample: e.sample, page: location.pathname };
    seen.push(v);
    navigator.sendBeacon('/__harness/csp', JSON.stringify(v));
  };
  document.addEventListener('securitypolicyviolation', report);
})();
`;
const CSP_TAG = '<script src="/__harness/csp-watch.js"></script>';

/** `html` with the CSP watch added right after the CSP meta (or first in `<head>`). */
function withCspWatch(html) {
  const meta = /<meta http-equiv="Content-Security-Policy"[^>]*>/i.exec(html);
  if (meta) return html.replace(meta[0], `${meta[0]}\n  ${CSP_TAG}`);
  return html.replace(/<head>/i, `<head>\n  ${CSP_TAG}`);
}

/** The CSP violations reported so far by pages served by `server`, as text. */
export function cspReport(server) {
  return server.cspViolations.map((v) => `${v.directive} blocked ${v.blocked || '(inline)'} at ${v.source}:${v.line} ${v.sample ?? ''}`).join('\n');
}

/**
 * A static file server over www/ on a free port of 127.0.0.1, watching the
 * page's CSP: `server.cspViolations` lists every violation reported, and
 * `server.close()` throws if there was any.
 */
export function serve() {
  const violations = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/__harness/csp-watch.js') {
      res.writeHead(200, { 'content-type': TYPES['.js'] }).end(CSP_WATCH);
      return;
    }
    if (path === '/__harness/csp' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          violations.push(JSON.parse(body));
        } catch {
          violations.push({ directive: '?', sample: body });
        }
        res.writeHead(204).end();
      });
      return;
    }
    const file = normalize(join(www, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(www + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(extname(file) === '.html' ? withCspWatch(readFileSync(file, 'utf8')) : readFileSync(file));
  });
  server.cspViolations = violations;
  const close = server.close.bind(server);
  server.close = (cb) => {
    close(cb);
    if (violations.length) throw new Error(`Content-Security-Policy violations:\n${cspReport(server)}`);
    return server;
  };
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Launch options for Debian's Chromium on these machines (TOOLCHAIN.md). */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/**
 * What a test file opens in `before`: the server over www/ and a fresh
 * Chromium profile (named from `prefix`) with one page, whose uncaught
 * exceptions and console errors are pushed to `errors`. `options` are added
 * to the launch options (a 1440 × 1000 viewport, downloads accepted).
 * `close()` closes the browser, removes the profile and closes the server,
 * which throws on a Content-Security-Policy violation.
 */
export async function openBrowser(prefix, errors, options = {}) {
  assert.ok(existsSync(wasmFile), 'www/pkg is missing: run scripts/build-www first');
  mkdirSync(out, { recursive: true });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = mkdtempSync(join(tmpdir(), prefix));
  const ctx = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM,
    viewport: { width: 1440, height: 1000 },
    acceptDownloads: true,
    ...options,
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const close = async () => {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  };
  return { server, base, ctx, page, close };
}

/** The median of a list of numbers. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
