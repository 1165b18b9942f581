// The bad-input corpus (tests/bad_inputs/) through the wasm API, as the page
// calls it (www/app.js, www/load.js): a picked or dropped file reaches the
// Calculator as its bytes (`Uint8Array`) with its file name, a pasted range as
// a string. `d*` rows are loaded with `loadData` (then scored with the loaded
// framework: at start the built-in one), `f*` rows with `loadFramework` over
// the bundled sample, as `tests/bad_inputs.rs` does through the CLI. Every
// file must throw exactly its expected message, in English and Vietnamese,
// and leave the calculator as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root, wasm } from './pkg.mjs';

const { Calculator } = wasm;
const dir = path.join(root, 'tests/bad_inputs');

function cases() {
  const [header, ...lines] = readFileSync(path.join(dir, 'expected.tsv'), 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(header, 'file\tkind\ten\tvi');
  return lines.map((l) => {
    const f = l.split('\t');
    assert.equal(f.length, 4, l);
    const [file, kind, en, vi] = f;
    assert.ok(kind === 'data' || kind === 'framework', l);
    return { file, kind, en, vi, bytes: new Uint8Array(readFileSync(path.join(dir, file))) };
  });
}

/** The message `fn` throws (fails the test if it does not throw an Error). */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    return e.message;
  }
  return undefined;
}

/** What the page's `load` does for one file of `kind`. */
function load(calc, kind, input, name) {
  if (kind === 'data') calc.loadData(input, name);
  else calc.loadFramework(input, name);
}

/** A fingerprint of the calculator's visible state. */
function state(calc) {
  return JSON.stringify([calc.lang, calc.year, calc.table()]);
}

const all = cases();
const langs = [
  ['en', 'en'],
  ['vi', 'vi'],
];
/** `new TextDecoder('utf-8', {fatal: true})` refuses these (README of the corpus). */
const notUtf8 = ['d35_latin1_name.csv', 'd36_latin1_header.csv', 'd37_utf16le.csv', 'f26_latin1.csv'];

test('the corpus is complete: every file listed once', () => {
  const onDisk = readdirSync(dir)
    .filter((n) => n !== 'expected.tsv' && n !== 'README.md')
    .sort();
  assert.deepEqual(all.map((c) => c.file).sort(), onDisk);
  assert.ok(all.length >= 80, `${all.length} files`);
});

for (const [lang, key] of langs) {
  test(`bytes (a picked or dropped file), named, ${lang}: the exact message, nothing changes`, () => {
    const calc = new Calculator();
    calc.setLang(lang);
    const before = state(calc);
    const wrong = [];
    for (const c of all) {
      const got = thrown(() => load(calc, c.kind, c.bytes, c.file));
      if (got !== c[key]) wrong.push(`${c.file}: got ${JSON.stringify(got)}\n   want ${JSON.stringify(c[key])}`);
    }
    assert.equal(state(calc), before, 'a failed load changed the calculator');
    assert.deepEqual(wrong, []);
    calc.free();
  });

  test(`text (a pasted range), named, ${lang}: the same message for every UTF-8 file`, () => {
    const calc = new Calculator();
    calc.setLang(lang);
    const before = state(calc);
    const wrong = [];
    let n = 0;
    for (const c of all) {
      let text;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(c.bytes);
      } catch {
        continue;
      }
      n += 1;
      const got = thrown(() => load(calc, c.kind, text, c.file));
      if (got !== c[key]) wrong.push(`${c.file}: got ${JSON.stringify(got)}\n   want ${JSON.stringify(c[key])}`);
    }
    assert.equal(n, all.length - notUtf8.length);
    assert.equal(state(calc), before, 'a failed load changed the calculator');
    assert.deepEqual(wrong, []);
    calc.free();
  });

  test(`check() of a data file, ${lang}: its first problem is the load's message`, () => {
    // `check` reads the file only (no framework): files whose problem is
    // found when scoring (e.g. a missing indicator) may read cleanly.
    const calc = new Calculator();
    calc.setLang(lang);
    const wrong = [];
    const data = all.filter((c) => c.kind === 'data');
    let found = 0;
    for (const c of data) {
      const problems = calc.check(c.bytes, c.file);
      assert.ok(Array.isArray(problems));
      if (problems.length === 0) continue;
      found += 1;
      if (problems[0] !== c[key]) {
        wrong.push(`${c.file}: got ${JSON.stringify(problems[0])}\n   want ${JSON.stringify(c[key])}`);
      }
    }
    assert.deepEqual(wrong, []);
    // Most data files break on reading; keep the check from passing vacuously.
    assert.ok(found >= data.length - 5, `check() found problems in only ${found} of ${data.length} data files`);
    calc.free();
  });
}

test('not UTF-8: a fatal TextDecoder refuses exactly the four files; the bytes path names line and column', () => {
  const refused = all
    .filter((c) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(c.bytes);
        return false;
      } catch (e) {
        return e instanceof TypeError;
      }
    })
    .map((c) => c.file);
  assert.deepEqual(refused.sort(), [...notUtf8].sort());
  // What the page shows for them: it passes the bytes, so the core's located
  // message (checked above); this only pins that it is the UTF-8 message.
  const calc = new Calculator();
  calc.setLang('en');
  for (const c of all.filter((c) => notUtf8.includes(c.file))) {
    const got = thrown(() => load(calc, c.kind, c.bytes, c.file));
    assert.match(got, /: the file is not UTF-8 \(save it again as CSV UTF-8\)$/, c.file);
  }
  calc.free();
});

test('a good file still loads after the whole corpus failed (the calculator is not poisoned)', () => {
  const calc = new Calculator();
  calc.setLang('en');
  for (const c of all) thrown(() => load(calc, c.kind, c.bytes, c.file));
  const sample = readFileSync(path.join(root, 'data/sample-vn-ict.csv'));
  calc.loadData(new Uint8Array(sample), 'sample-vn-ict.csv');
  const t = calc.table();
  assert.equal(t.source, 'sample-vn-ict.csv');
  assert.equal(t.rows.length, 63);
  calc.free();
});
