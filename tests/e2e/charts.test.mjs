// End-to-end test of the charts area in Debian's headless Chromium: click a
// map tile, see the panel follow; edit a value, see the map and distribution
// change; keyboard selection; SVG and PNG export; screenshots.
//
//   scripts/build-www && node --test tests/e2e/charts.test.mjs
//
// Serves www/ itself on a free 127.0.0.1 port and expects www/pkg/ built.
// Screenshots go to tests/e2e/out/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { www, out, openBrowser } from './harness.mjs';


describe('the charts in headless Chromium', () => {
  let browser;
  let base;
  let page;
  const errors = [];

  const shot = (name, target) => (target ?? page).screenshot({ path: join(out, `${name}.png`) });
  const svgOf = (kind) => page.locator(`#chart-${kind} svg`).evaluate((s) => s.outerHTML);

  before(async () => {
    browser = await openBrowser('ictindex-e2e-charts-', errors);
    ({ base, page } = browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('draws the map and the distribution on opening', async () => {
    await page.goto(base);
    await page.waitForSelector('body[data-ready]');
    // The charts come with the tools module, loaded after the first paint.
    await page.waitForSelector('body[data-tools]');
    assert.equal(await page.locator('#chart-map svg .tile').count(), 63);
    assert.ok(await page.locator('#chart-distribution svg rect.bar').count() >= 63);
    assert.match(await page.locator('#chart-map-alt').textContent(), /Đà Nẵng/);
    assert.equal(await page.locator('#chart-map svg').getAttribute('aria-describedby'), 'chart-map-alt');
    // Profile and ranks over time wait for a province.
    assert.equal(await page.locator('#chart-profile svg').count(), 0);
    assert.deepEqual(errors, []);
  });

  it('selects a province by clicking its tile', async () => {
    const tile = page.locator('#chart-map svg .tile[data-code="26"]');
    await tile.hover();
    assert.match(await page.locator('#chart-map-tip').textContent(), /Vĩnh Phúc/);
    await tile.click();
    assert.equal(await page.locator('#panel-title').textContent(), 'Vĩnh Phúc');
    assert.equal(await page.locator('#chart-profile svg').count(), 1);
    assert.equal(await page.locator('#chart-bump svg polyline').count(), 5);
    assert.equal(await page.locator('#chart-distribution svg rect.bar.selected').count(), 1);
    assert.match(await page.locator('#chart-profile-alt').textContent(), /Vĩnh Phúc/);
    await page.locator('#charts').scrollIntoViewIfNeeded();
    await shot('charts-01-selected', page.locator('#charts'));
  });

  it('selects with the keyboard', async () => {
    const tile = page.locator('#chart-map svg .tile[data-code="48"]');
    await tile.focus();
    assert.match(await page.locator('#chart-map-tip').textContent(), /Đà Nẵng/);
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#panel-title').textContent(), 'Đà Nẵng');
    // Focus stays on the (redrawn) tile.
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.code), '48');
    await page.locator('#chart-map svg .tile[data-code="26"]').click();
  });

  it('follows an edited value', async () => {
    const map0 = await svgOf('map');
    const dist0 = await svgOf('distribution');
    const input = page.locator('input[data-key="edit:26:HTKT"]');
    await input.fill('0,95');
    await input.press('Enter');
    assert.notEqual(await svgOf('map'), map0);
    assert.notEqual(await svgOf('distribution'), dist0);
    await page.locator('#chart-value').selectOption('rank');
    assert.match(await page.locator('#chart-map-alt').textContent(), /thứ hạng/);
    await page.locator('#charts').scrollIntoViewIfNeeded();
    await shot('charts-02-edited', page.locator('#charts'));
  });

  it('exports SVG and PNG', async () => {
    const fig = page.locator('figure[data-chart="map"]');
    const [svg] = await Promise.all([page.waitForEvent('download'), fig.locator('button[data-export="svg"]').click()]);
    assert.match(svg.suggestedFilename(), /^ictindex-map-2016\.svg$/);
    const text = readFileSync(await svg.path(), 'utf8');
    assert.ok(text.startsWith('<svg'));
    const [png] = await Promise.all([page.waitForEvent('download'), fig.locator('button[data-export="png"]').click()]);
    assert.match(png.suggestedFilename(), /\.png$/);
    const bytes = readFileSync(await png.path());
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.ok(bytes.length > 5000);
  });

  it('speaks English after switching language', async () => {
    await page.locator('#lang').click();
    assert.equal(await page.locator('#charts-title').textContent(), 'Charts');
    assert.match(await page.locator('#chart-bump-alt').textContent(), /^Ranks over time/);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.locator('#charts').scrollIntoViewIfNeeded();
    await shot('charts-03-narrow-en', page.locator('figure[data-chart="map"]'));
    assert.deepEqual(errors, []);
  });
});
