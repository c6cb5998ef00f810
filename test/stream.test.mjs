// Streaming readers and streaming scoring: reading in pieces gives the same
// set, bit for bit, as reading the whole text (pieces cut mid-line, mid-CRLF,
// mid-quote and mid-character), and `score` through standard input and
// output, or in worker threads, writes the same bytes as the whole-file path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { LineScanner } from '../dist/data/scan.js';
import { Fields } from '../dist/data/build.js';
import { DataReader, parseData, pairsFromRecords, itemsFromRecords } from '../dist/data/index.js';
import { simulateEnsemble, simItems, simPairs, trainFusion, saveModel, loadModel } from '../dist/index.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** A PRNG for the cut points (mulberry32). */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** text through a DataReader in pieces of random lengths (1 to max characters). */
function inPieces(text, source, max, seed, kind) {
  const r = new DataReader(source, kind), next = rng(seed);
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(next() * max);
    r.push(text.slice(i, i + n));
    i += n;
  }
  return r.end();
}

/** Equal sets: every field, and every float bit for bit. */
function same(a, b) {
  assert.equal(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    if (ArrayBuffer.isView(a[k])) {
      assert.is(a[k].constructor, b[k].constructor, k);
      assert.equal(new Uint8Array(a[k].buffer, a[k].byteOffset, a[k].byteLength), new Uint8Array(b[k].buffer, b[k].byteOffset, b[k].byteLength), k);
    } else {
      assert.equal(a[k], b[k], k);
    }
  }
}

const sim = simulateEnsemble({ prompts: 30, seed: 3 });
const prompts = Array.from({ length: 30 }, (_, i) => i);
const pairs = simPairs(sim, prompts, 1), items = simItems(sim, prompts);
const K = sim.models.length;
const na = (v) => (v === v ? v : 'NA');
const scores = (x, i) => Object.fromEntries(sim.models.map((m, k) => [m, x[i * K + k] === x[i * K + k] ? x[i * K + k] : null]));
// CRLF and LF line ends, blank lines, a BOM, a model that appears late, features on some rows
const pairsJsonl = '\ufeff' + pairs.ids.map((id, i) => JSON.stringify({
  id, group: pairs.groups[i], a: scores(pairs.a, i), b: i === 50 ? { ...scores(pairs.b, i), late: 1.5 } : scores(pairs.b, i),
  label: pairs.label[i] ? 'a' : 'b', ...(i % 7 ? {} : { features: { len: i / 3 } }),
})).join(['\n', '\r\n', '\n\n', '\r'][1]) + '\r\n';
const itemsJsonl = items.ids.map((id, i) => JSON.stringify({ id, scores: scores(items.scores, i), target: items.target[i] })).join('\n');
// quoted cells with commas, doubled quotes and line ends inside; spaces around quotes; NA
const csv = '\ufeffid,group,label,a:careful,b:careful,a:big-scale,b:big-scale,f:len\r\n' +
  pairs.ids.map((id, i) => `${i % 3 ? id : `"${id}, ""quoted""\r\nover two lines"`},${i % 5 ? pairs.groups[i] : ` "a,b" `},${pairs.label[i] ? 'a' : 'b'},` +
    `${na(pairs.a[i * K])},${na(pairs.b[i * K])},${na(pairs.a[i * K + 3])},${na(pairs.b[i * K + 3])},${i % 4 ? i : ''}`).join('\r\n');
const itemsCsv = 'id,target,careful,s:big-scale,other\n' +
  items.ids.map((id, i) => `${i % 3 ? id : `"${id}\n""x"""`},,${na(items.scores[i * K])},${na(items.scores[i * K + 3])},${i % 2 ? 1 : ''}`).join('\n');

// ---
const Reading = suite('reading in pieces equals reading the whole text');

Reading('JSONL pairs, CRLF and a BOM, a model first seen on line 51, cut anywhere', () => {
  const whole = parseData(pairsJsonl, 'p.jsonl');
  assert.is(whole.ids.length, pairs.ids.length);
  assert.ok(whole.models.includes('late'));
  for (const [max, seed] of [[1, 1], [7, 2], [64, 3], [1000, 4], [1e6, 5]]) same(inPieces(pairsJsonl, 'p.jsonl', max, seed), whole);
});

Reading('JSONL items, and every line end alone (LF, CRLF, CR, blank lines)', () => {
  same(inPieces(itemsJsonl, 'i.jsonl', 13, 6), parseData(itemsJsonl, 'i.jsonl'));
  for (const eol of ['\n', '\r\n', '\r', '\n\n', '\r\n\r\n']) {
    const text = itemsJsonl.split('\n').join(eol);
    same(inPieces(text, 'i.jsonl', 5, 7), parseData(text, 'i.jsonl'));
  }
});

Reading('CSV with quoted cells holding commas, quotes and CRLF, cut anywhere (also inside quotes)', () => {
  const whole = parseData(csv, 'p.csv');
  assert.ok(whole.ids.some((id) => id.includes('"quoted"\r\nover')));
  for (const [max, seed] of [[1, 8], [3, 9], [50, 10], [4096, 11]]) same(inPieces(csv, 'p.csv', max, seed), whole);
  same(inPieces(csv.replace(/^\ufeff/, ''), 'noext', 17, 12), parseData(csv.replace(/^\ufeff/, ''), 'noext'));
});

Reading('the first error is the same, with its line and field', () => {
  const bad = pairsJsonl.replace('"label":"b"', '"label":"c"');
  let whole, piecewise;
  try { parseData(bad, 'p.jsonl'); } catch (e) { whole = e.message; }
  try { inPieces(bad, 'p.jsonl', 9, 13); } catch (e) { piecewise = e.message; }
  assert.match(whole, /^p\.jsonl:\d+: field "label": expected "a", "b" or "tie", got "c"$/);
  assert.is(piecewise, whole);
  const badCsv = csv.replace(/,a,/, ',x,');
  try { parseData(badCsv, 'p.csv'); } catch (e) { whole = e.message; }
  try { inPieces(badCsv, 'p.csv', 11, 14); } catch (e) { piecewise = e.message; }
  assert.match(whole, /field "label"/);
  assert.is(piecewise, whole);
});

Reading('the line scanner reads what JSON.parse reads, bit for bit, or the same error', () => {
  // numbers written every way JSON allows, and some it does not
  // (mostly plain lines, which the scanner reads; the rest it declines)
  const num = fc.oneof(
    { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e16, max: 1e16 }).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(30), fc.integer({ min: -40, max: 40 }), fc.constantFrom('', 'e', 'E', 'e+', 'e-'))
      .map(([m, z, e, E]) => `${m}.${'0'.repeat(z % 5)}${Math.abs(m) % 97}${E && E + Math.abs(e)}`) },
    { weight: 3, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('0', '-0', '0.0', '-0.000', '1e15', '1E-7', '5e-324', '2.5e-8', '123456789012345678', '0.1234567890123456789') },
    fc.constantFrom('0', '-0', '0.0', '-0.000', '1e15', '1e16', '123456789012345678', '0.1234567890123456789', '1E-7', '5e-324', '2.5e-8', '00', '1.', '.5', '+1', '-', '1e', 'NaN', '0x10'),
  );
  const name = fc.oneof({ weight: 40, arbitrary: fc.constantFrom('m1', 'rm-two', 'three') }, fc.constantFrom('2', 'é', 'a\\u0062', ''));
  const ws = fc.constantFrom('', ' ', '  ', '\t');
  const map = fc.array(fc.tuple(name, fc.oneof({ weight: 4, arbitrary: num }, fc.constant('null')), ws), { maxLength: 5 })
    .map((kv) => `{${kv.map(([k, v, w]) => `${w}"${k}"${w}:${w}${v}`).join(',')}}`);
  const str = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('"p1"', '"p2"', '"x y"') }, fc.constantFrom('"é"', '"q\\"r"', '""', '7', 'null'));
  const field = fc.oneof(
    fc.tuple(fc.constant('id'), str), fc.tuple(fc.constant('group'), fc.constantFrom('"g1"', '"g2"', '"g1"', 'null', 'null', '3')),
    fc.tuple(fc.constant('label'), fc.constantFrom('"a"', '"b"', '"tie"', '"a"', '"c"')), fc.tuple(fc.constant('a'), map), fc.tuple(fc.constant('b'), map),
    fc.tuple(fc.constant('features'), map), fc.tuple(fc.constant('note'), fc.constantFrom('"x"', 'true', 'false', 'null', '3.5', '-1e3', '[1,2]', '{"k":1}')),
  );
  const line = fc.tuple(fc.uniqueArray(field, { selector: (f) => f[0], maxLength: 4 }), fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)), fc.nat(99), ws)
    .map(([fields, dup, n, w]) => {
      const all = [...new Map([['id', `"r${n}"`], ['label', '"a"'], ['a', '{"m1":1}'], ['b', '{"m1":0.5,"three":null}'], ...fields])];
      if (dup) all.push(all[n % all.length]);
      return `${w}{${all.map(([k, v]) => `"${k}":${w}${v}`).join(',')}}${w}`;
    });
  const read = (lines) => {
    try {
      return { set: parseData(lines.join('\n'), 'f.jsonl', 'pairs') };
    } catch (e) {
      return { error: e.message };
    }
  };
  // JSON.parse line by line, then the records API, which checks as the reader does; the first fault wins
  const reference = (lines) => {
    const records = [];
    let bad = 0;
    for (const [i, l] of lines.entries()) {
      try { records.push(JSON.parse(l)); } catch { bad = i + 1; break; }
    }
    if (bad && !records.length) return { error: `line ${bad}` };
    try {
      const set = pairsFromRecords(records, 'f.jsonl');
      return bad ? { error: `line ${bad}` } : { set };
    } catch (e) {
      return { error: e.message.replace(/^f\.jsonl: record (\d+)/, 'f.jsonl:$1').replace('first in record', 'first on line') };
    }
  };
  // how many lines the scanner itself reads (the rest go to JSON.parse): the property must test it
  const scanner = new LineScanner('pairs'), fields = new Fields(), enc = new TextEncoder();
  let lines = 0, scanned = 0;
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (ls) => {
    for (const l of ls) { const b = enc.encode(l); lines++; if (scanner.scan(b, 0, b.length, fields)) scanned++; }
    const got = read(ls), want = reference(ls);
    if (want.error?.startsWith('line ')) return assert.ok(got.error?.startsWith(`f.jsonl:${want.error.slice(5)}: not valid JSON`), got.error);
    if (want.error || got.error) return assert.is(got.error, want.error);
    same({ ...got.set, lines: null, source: null }, { ...want.set, lines: null, source: null });
  }), { seed: 20261127, numRuns: 1000 });
  assert.ok(scanned > 0.3 * lines && scanned < 0.9 * lines, `the scanner read ${scanned} of ${lines} lines`);
});

Reading('bytes cut anywhere, also inside a character, read as the whole text', () => {
  const text = pairsJsonl.replace(/"p(\d)/g, '"é€😀p$1');
  const bytes = new TextEncoder().encode(text), next = rng(15);
  const r = new DataReader('p.jsonl');
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(next() * 9);
    r.push(bytes.subarray(i, i + n));
    i += n;
  }
  const whole = parseData(text, 'p.jsonl');
  assert.ok(whole.ids[0].includes('😀'));
  same(r.end(), whole);
});

Reading('pieces in one reused buffer (as the file readers give them), blank lines first: read as the whole text', () => {
  const text = ' \n'.repeat(60) + '\r\n' + pairsJsonl.replace(/^\ufeff/, ''); // a first piece that is all blank waits for the format
  const bytes = new TextEncoder().encode(text), next = rng(16);
  for (const source of ['p.jsonl', 'noext']) {
    const r = new DataReader(source), buf = new Uint8Array(64);
    for (let i = 0; i < bytes.length; ) {
      const n = Math.min(1 + Math.floor(next() * 64), bytes.length - i);
      buf.set(bytes.subarray(i, i + n)); // the last piece's bytes are overwritten now
      r.push(buf.subarray(0, n));
      i += n;
    }
    same(r.end(), parseData(text, source));
  }
});

Reading.run();

// ---
const Scoring = suite('score: standard input and output, pieces, threads');
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-stream-'));
const model = trainFusion(pairs, { seed: 0, arch: 'mlp', ensemble: 2, epochs: 3 });
writeFileSync(join(dir, 'model.json'), saveModel(model));
// enough items for several pieces of 1 MiB, and several buffers of the reader
const many = simItems(simulateEnsemble({ prompts: 1500, seed: 4 }), Array.from({ length: 1500 }, (_, i) => i));
const manyText = many.ids.map((id, i) => JSON.stringify({ id, scores: scores(many.scores, i), pad: 'x'.repeat(i % 300) })).join('\r\n') + '\r\n';
writeFileSync(join(dir, 'many.jsonl'), manyText);
writeFileSync(join(dir, 'i.csv'), itemsCsv);
const cli = (args, input) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input, maxBuffer: 1 << 28, encoding: 'utf8' });

/** What the whole-file path writes: parse all, score all, one JSON.stringify a row. */
function wholeFile(text, source) {
  const set = parseData(text, source, 'items', { targets: false });
  const m = loadModel(readFileSync(join(dir, 'model.json'), 'utf8'));
  const s = m.score(set);
  return set.ids.map((id, i) => JSON.stringify({ id, reward: s.reward[i], uncertainty: s.uncertainty[i], conservative: s.conservative[i] })).join('\n') + '\n';
}

Scoring('a file of several pieces: the bytes of the whole-file path', () => {
  assert.ok(manyText.length > 2.5 * (1 << 20));
  const r = cli(['score', 'model.json', 'many.jsonl', '-o', 'out.jsonl']);
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(join(dir, 'out.jsonl'), 'utf8'), wholeFile(manyText, 'many.jsonl'));
});

Scoring('- reads standard input, -o - writes standard output', () => {
  const r = cli(['score', 'model.json', '-', '-o', '-'], manyText);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, readFileSync(join(dir, 'out.jsonl'), 'utf8'));
  const bad = cli(['score', 'model.json', '-'], '{"id": "x", "scores": {"careful": "high"}}\n');
  assert.is(bad.status, 1);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /^rewardfuse: <stdin>:1: field "scores\.careful": expected a number or null, got "high"\n$/);
});

Scoring('--threads 2 writes the same bytes as one thread, JSONL and CSV', () => {
  const two = cli(['score', 'model.json', 'many.jsonl', '--threads', '2']);
  assert.is(two.status, 0, two.stderr);
  assert.is(two.stdout, readFileSync(join(dir, 'out.jsonl'), 'utf8'));
  const one = cli(['score', 'model.json', 'i.csv', '--ignore-unknown']);
  assert.is(one.status, 0, one.stderr);
  assert.is(one.stdout, wholeFile(itemsCsv, 'i.csv'));
  assert.is(cli(['score', 'model.json', 'i.csv', '--ignore-unknown', '--threads', '2']).stdout, one.stdout);
});

Scoring('an error in a later piece names its line in the file, and leaves no output', () => {
  const lines = manyText.split('\r\n');
  lines[11000] = '{"id": "late", "scores": {"careful": 1e400}}';
  writeFileSync(join(dir, 'late.jsonl'), lines.join('\r\n'));
  for (const threads of ['1', '2']) {
    const r = cli(['score', 'model.json', 'late.jsonl', '-o', 'late-out.jsonl', '--threads', threads]);
    assert.is(r.status, 1);
    // a timed progress line may come first on a slow machine: the error is a line of its own
    assert.match(r.stderr, /^rewardfuse: late\.jsonl:11001: field "scores\.careful"/m);
    assert.not.ok(readdirSync(dir).some((f) => f.startsWith('late-out')));
  }
});

Scoring.after(() => rmSync(dir, { recursive: true, force: true }));
Scoring.run();
