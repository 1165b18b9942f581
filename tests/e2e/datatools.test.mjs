// End-to-end test of the data tools (www/datatools.js) in Debian's headless
// Chromium: the 63 → 34 switch with Phú Thọ's sentence, and the COINr ASEM
// example loaded through the file inputs, prepared with COINr's defaults and
// checked against COINr's results table.
//
//   scripts/build-www && node --test tests/e2e/
//
// The reference files are read from ../shared/reference/coinr-asem/ (never
// copied into the repo). Screenshots go to tests/e2e/out/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root, www, out, openBrowser } from './harness.mjs';

const reference = resolve(root, '../shared/reference/coinr-asem');



/** COINr's results table: unit code → rank of the index. */
function legacyRanks() {
  const [head, ...lines] = readFileSync(join(reference, 'coinr_asem_legacy_results.csv'), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  const code = cols.indexOf('UnitCode');
  const rank = cols.indexOf('Index_rank');
  const score = cols.indexOf('Index');
  return new Map(lines.map((l) => l.split(',')).map((c) => [c[code], { rank: Number(c[rank]), score: Number(c[score]) }]));
}

describe('data tools in headless Chromium', () => {
  let browser;
  let page;
  const errors = [];
  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
  const rankOf = async (code) => Number(await page.locator(`#table tbody tr[data-code="${code}"] .c-rank`).textContent());

  before(async () => {
    assert.ok(existsSync(join(reference, 'coinr_asem_idata.csv')), `reference files missing in ${reference}`);
    browser = await openBrowser('ictindex-e2e-dt-', errors);
    page = browser.page;
    await page.goto(browser.base);
    await page.waitForSelector('body[data-ready]');
  });

  after(async () => {
    await browser?.close();
  });

  it('switches to the 34 units and shows Phú Thọ with its former provinces', async () => {
    assert.equal(await page.locator('#table tbody tr').count(), 63);
    await page.locator('#dt-geo-34').check();
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 34);
    assert.match(await page.locator('#dt-geo-note').textContent(), /^34 đơn vị/);
    await page.locator('#search').fill('phu tho');
    await page.locator('#search').press('Enter');
    const sentence = page.locator('#panel');
    await page.waitForFunction(() => /xếp thứ/.test(document.querySelector('#panel')?.textContent ?? ''));
    const text = await sentence.textContent();
    assert.match(text, /Phú Thọ \(gồm Phú Thọ, Vĩnh Phúc, Hòa Bình\) xếp thứ \d+\/34/);
    await page.waitForFunction(() => location.hash.includes('geo=34'));
    await page.locator('#search').fill('');
    await page.locator('#datatools').scrollIntoViewIfNeeded();
    await shot('dt-01-geo34');

    await page.locator('#dt-level').selectOption('pillars');
    await page.waitForFunction(() => location.hash.includes('level=pillars'));
    assert.equal(await page.locator('#table tbody tr').count(), 34);

    await page.locator('#dt-geo-63').check();
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 63);
    assert.doesNotMatch(await page.locator('#panel').textContent(), /\/34/);
    // The share link follows (the page writes the hash 150 ms after a change).
    await page.waitForFunction(() => !location.hash.includes('geo=34'));

    // A year change keeps the 34 view.
    await page.locator('#dt-geo-34').check();
    await page.locator('#year').selectOption('2015');
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 34);
    await page.locator('#dt-geo-63').check();
    await page.locator('#year').selectOption('2016');
    assert.deepEqual(errors, []);
  });

  it('imports the COINr ASEM example, prepares it with the defaults and matches COINr\'s ranks', async () => {
    await page.locator('#dt-coinr > summary').click();
    await page.locator('#dt-idata').setInputFiles(join(reference, 'coinr_asem_idata.csv'));
    await page.locator('#dt-imeta').setInputFiles(join(reference, 'coinr_asem_imeta.csv'));
    await page.waitForFunction(() => [...document.querySelectorAll('#dt-group option')].some((o) => o.value === 'EurAsia_group'));
    await page.locator('#dt-group').selectOption('EurAsia_group');
    await page.locator('#dt-impute').selectOption('group-mean');
    await page.locator('#dt-treat').selectOption('coinr');
    await page.locator('#dt-range').selectOption('100');
    await page.locator('#dt-run').click();
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 51);

    const legacy = legacyRanks();
    for (const code of ['CHE', 'NLD', 'DNK', 'MMR', 'LAO']) {
      assert.equal(await rankOf(code), legacy.get(code).rank, code);
    }
    const log = await page.locator('#dt-log').textContent();
    assert.match(log, /điền giá trị thiếu: 2018, đơn vị LAO/);
    assert.match(await page.locator('#dt-summary').textContent(), /65 ô được điền/);
    assert.ok((await page.locator('#dt-table td.dt-imputed').count()) === 65);
    assert.ok((await page.locator('#dt-table td.dt-treated').count()) > 0);
    const title = await page.locator('#dt-table td.dt-imputed').first().getAttribute('title');
    assert.match(title, /được điền/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#dt-export').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.split('\n').length > 51);
    await page.locator('#dt-summary').scrollIntoViewIfNeeded();
    await shot('dt-02-coinr');
    assert.deepEqual(errors, []);
  });

  it('reports a broken file in the user\'s language and keeps the view', async () => {
    await page.locator('#lang').click();
    await page.locator('#dt-idata').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('uCode,LPI\nXX,"1,5"\n') });
    await page.locator('#dt-run').click();
    await page.waitForSelector('#dt-error:not([hidden])');
    assert.match(await page.locator('#dt-error-message').textContent(), /broken\.csv/);
    assert.equal(await page.locator('#dt-error-title').textContent(), 'Could not import the COINr data');
    assert.equal(await page.locator('#table tbody tr').count(), 51);
    await page.locator('#datatools').scrollIntoViewIfNeeded();
    await shot('dt-03-error');
    assert.deepEqual(errors, []);
  });

  it('refuses a 50 MB COINr file before reading it and keeps the view', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictindex-dt-'));
    try {
      const path = join(dir, 'big-idata.csv');
      const row = 'XX,1,2,3,4,5,6,7,8,9\n';
      writeFileSync(path, 'uCode,a,b,c,d,e,f,g,h,i\n' + row.repeat(Math.ceil(50e6 / row.length)));
      await page.locator('#dt-idata').setInputFiles(path);
      await page.locator('#dt-imeta').setInputFiles(join(reference, 'coinr_asem_imeta.csv'));
      await page.locator('#dt-run').click();
      await page.waitForSelector('#dt-error:not([hidden])');
      assert.equal(await page.locator('#dt-error-title').textContent(), 'File too large for this page');
      const message = await page.locator('#dt-error-message').textContent();
      assert.match(message, /^big-idata\.csv: 50\.0 MB, over the page’s limit of 1\.0 MB\./);
      assert.match(message, /ictindex prepare IDATA --coinr-meta IMETA/);
      assert.equal(await page.locator('#table tbody tr').count(), 51);
      assert.deepEqual(errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
