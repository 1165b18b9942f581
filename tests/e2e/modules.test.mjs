// End-to-end test of the two WebAssembly modules in Debian's headless
// Chromium: the table needs only the page module; the tools module comes
// after the first paint and takes over the same state (an edit made before it
// arrives is kept); without the tools module the table and what-if still work
// and the charts say why they are missing.
//
//   scripts/build-www && node --test tests/e2e/modules.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { wasmFile, serve, CHROMIUM } from './harness.mjs';

describe('the page and tools modules in headless Chromium', () => {
  let server;
  let base;
  let ctx;
  let profile;

  before(async () => {
    assert.ok(existsSync(wasmFile), 'www/pkg is missing: run scripts/build-www first');
    server = await serve();
    base = `http://127.0.0.1:${server.address().port}/`;
    profile = mkdtempSync(join(tmpdir(), 'ictindex-e2e-modules-'));
    ctx = await chromium.launchPersistentContext(profile, { ...CHROMIUM, viewport: { width: 1440, height: 1000 } });
  });

  after(async () => {
    await ctx?.close();
    server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /**
   * A fresh page that records errors and holds the tools module until
   * `release()`. `block`: its requests fail; `invalid`: its `.wasm` is a module
   * the browser cannot compile (as an old browser without wasm SIMD finds it).
   */
  async function open({ block = false, invalid = false } = {}) {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requested = [];
    let release;
    const held = new Promise((ok) => {
      release = ok;
    });
    await page.route(/ictindex_tools/, async (route) => {
      requested.push(route.request().url());
      if (block) return route.abort();
      if (invalid && route.request().url().endsWith('.wasm')) {
        // The wasm magic and version, then a section the compiler refuses.
        const body = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x7f, 0xff, 0xff]);
        return route.fulfill({ status: 200, contentType: 'application/wasm', body });
      }
      await held;
      return route.continue();
    });
    await page.goto(base);
    await page.waitForSelector('body[data-ready]');
    return { page, errors, requested, release };
  }

  /** Selects Vĩnh Phúc and raises its IT application value (it moves up). */
  async function edit(page) {
    await page.locator('button[data-select="26"]').click();
    const input = page.locator('input[data-key="edit:26:UD"]');
    await input.fill('0.9');
    await input.press('Enter');
    await page.waitForFunction(() => location.hash.includes('v=26:UD=0.9'));
  }

  it('draws the table on the page module and hands over to the tools module', async () => {
    const { page, errors, requested, release } = await open();
    try {
      // Ready without the tools module: the table is there, the charts wait.
      assert.equal(await page.locator('#table tbody tr').count(), 63);
      assert.equal(await page.locator('body[data-tools]').count(), 0);
      assert.ok(requested.length > 0, 'the tools module is asked for after the first paint');
      assert.match(await page.locator('#chart-map-tip').textContent(), /Đang tải biểu đồ/);
      // An edit made before the tools module arrives survives the switch.
      const before = await page.evaluate(() => document.querySelector('#table tbody tr[data-code="26"] .c-rank').textContent);
      await edit(page);
      const edited = await page.locator('#panel-sentence').textContent();
      release();
      await page.waitForSelector('body[data-tools]');
      await page.waitForFunction(() => document.querySelectorAll('#chart-map svg .tile').length === 63);
      assert.equal(await page.locator('#panel-sentence').textContent(), edited);
      const after = await page.evaluate(() => document.querySelector('#table tbody tr[data-code="26"] .c-rank').textContent);
      assert.notEqual(after, before, 'the edit still applies after the switch');
      // Undo runs on the tools module and takes back the edit made on the page module.
      await page.evaluate(() => document.getElementById('undo').click());
      await page.waitForFunction((r) => document.querySelector('#table tbody tr[data-code="26"] .c-rank').textContent === r, before);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  for (const [why, how] of [
    ['cannot load', { block: true }],
    ['cannot compile (a browser without wasm SIMD)', { invalid: true }],
  ]) {
    it(`keeps the table and what-if working when the tools module ${why}`, async () => {
      const { page, errors, release } = await open(how);
      release();
      try {
        await page.waitForFunction(() => /Không vẽ được biểu đồ/.test(document.querySelector('#chart-map-tip')?.textContent ?? ''));
        assert.equal(await page.locator('body[data-tools]').count(), 0);
        assert.equal(await page.locator('#table tbody tr').count(), 63);
        await page.locator('button[data-select="26"]').click();
        assert.match(await page.locator('#panel-sentence').textContent(), /Năm 2016, Vĩnh Phúc xếp thứ 26\/63/);
        await edit(page);
        assert.doesNotMatch(await page.locator('#panel-sentence').textContent(), /xếp thứ 26\/63/);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }
});
