// Scoring in wasm (src/score/score-fast.ts; assembly/text/jsonl.ts, assembly/text/dtoa.ts)
// against the long way (the reader, the checks, template strings): the same
// bytes out, or the same error, on generated pieces that are mostly plain and
// partly anything else. And a float32 printed in wasm is String() of it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { newKernels } from '../dist/engine/wasm.js';
import { scorePiece } from '../dist/score/score-piece.js';
import { FastItems } from '../dist/score/score-fast.js';
import { trainFusion } from '../dist/index.js';
import { pairsFromRecords } from '../dist/data.js';

/** the wasm path took the piece (else FastItems.score names its Fallback) */
const took = (r) => typeof r === 'object';

const Print = suite('writeFloat32: a float32 as String() prints it');

/** String(x) for each x, as the wasm prints them. */
function printed(k, xs) {
  const base = k.heapBase(), n = xs.length, need = base + 4 * n + 26 * n; // at most 25 bytes a number, and a line feed
  if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  new Float32Array(k.memory.buffer, base, n).set(xs);
  const len = k.formatFloat32s(base + 4 * n, base, n);
  return new TextDecoder().decode(new Uint8Array(k.memory.buffer, base + 4 * n, len)).split('\n').slice(0, n);
}

Print('a sweep of bit patterns, every exponent, and the edges of each layout', () => {
  const k = newKernels();
  const bits = new Uint32Array(1 << 20);
  // every 4099th pattern (4099 is prime: all exponents, both signs, NaNs), 2^20 in all
  for (let i = 0; i < bits.length; i++) bits[i] = Math.imul(i, 4099) >>> 0;
  const sweep = new Float32Array(bits.buffer);
  const edges = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 1 / 3, 2 ** -149, -(2 ** -149), 2 ** -126, 3.4028234663852886e38,
    16777216, 16777217, 123456792, 1e21, 1e-7, 1.0000001e-7, 9.999999e-7, 1e-6, 1e20, 9.99999e20, 1.5e21, 2 ** 53, 2 ** 60, 5e-324];
  for (let e = -45; e <= 38; e++) for (const d of [1, 2, 5, 9.5]) edges.push(d * 10 ** e, -d * 10 ** e);
  for (const xs of [sweep, Float32Array.from(edges)]) {
    const got = printed(k, xs);
    for (let i = 0; i < xs.length; i++) if (got[i] !== String(xs[i])) assert.unreachable(`${xs[i]} (bits ${new Uint32Array(xs.buffer)[i].toString(16)}): wasm printed ${got[i]}`);
  }
});

Print('assembly/text/pow5.ts is what scripts/gen-pow5.mjs computes with BigInt (Ryū\'s definitions)', async () => {
  const { tables } = await import('../scripts/gen-pow5.mjs');
  const { pow5, inv } = tables();
  const text = readFileSync(new URL('../assembly/text/pow5.ts', import.meta.url), 'utf8');
  const entries = (name) => {
    const body = text.slice(text.indexOf(`export const ${name} =`)).split(']);')[0];
    const words = [...body.matchAll(/0x([0-9a-f]{16})/g)].map((m) => BigInt(`0x${m[1]}`));
    return Array.from({ length: words.length / 2 }, (_, i) => words[2 * i] + (words[2 * i + 1] << 64n));
  };
  assert.equal(entries('POW5'), pow5);
  assert.equal(entries('POW5_INV'), inv);
  // and two of Ryū's published entries (d2s_full_table.h): 5^1 and 5^-1
  assert.is(pow5[1], 1441151880758558720n << 64n);
  assert.is(inv[1], 11068046444225730970n + (1844674407370955161n << 64n));
});

Print.run();

// ---
const Fast = suite('score: a JSONL piece in wasm, or the long way: the same bytes or the same error');

const names = ['m1', 'rm-two', 'three'];
const records = Array.from({ length: 60 }, (_, i) => ({
  id: `p${i}`, label: i % 3 ? 'a' : 'b',
  a: { m1: Math.sin(i), 'rm-two': i % 5 ? Math.cos(i) * 3 : null, three: (i % 7) - 3 },
  b: { m1: Math.sin(i + 1), 'rm-two': Math.cos(i + 2) * 3, three: (i % 4) - 2 },
  features: { len: i % 9 },
}));
const pairs = pairsFromRecords(records);
const models = {
  gated: trainFusion(pairs, { seed: 0, arch: 'gated', ensemble: 2, epochs: 3 }), // weights in its lines, and a feature
  mlp: trainFusion(pairs, { seed: 1, arch: 'mlp', ensemble: 1, epochs: 3, useFeatures: false }),
};

/** The piece scored both ways: the lines (as text) or the error message. */
function bothWays(model, text) {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const run = (fast) => {
    try {
      const r = scorePiece(model, { text: bytes, source: 'i.jsonl', format: 'jsonl', ignoreUnknown: true, modelFile: 'm.json', fast });
      return { out: typeof r.out === 'string' ? r.out : new TextDecoder().decode(r.out), items: r.items, lines: r.lines, unknown: r.unknown };
    } catch (e) {
      return { error: e.message };
    }
  };
  return [run(true), run(false)];
}

Fast('generated pieces: plain lines (numbers of every length, nulls, blanks) and every kind the scanner declines', () => {
  // numbers: 17-digit doubles (Python's repr), short decimals, integers, exponents,
  // float32 midpoints and their neighbours (where a double rounds to a float32 tie), and some that are not JSON
  const midpoint = fc.tuple(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: -3, max: 3 })).map(([x, d]) => {
    const b = new Float64Array([Math.fround(x)]), u = new BigInt64Array(b.buffer);
    u[0] += (1n << 28n) + BigInt(d); // halfway to the next float32 (29 bits below a float32's last), d doubles away
    return String(b[0]);
  });
  // plain lines the wasm reads, and lines with one thing it declines (so the piece goes the long way)
  const plainNum = fc.oneof(
    { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(30), fc.integer({ min: -50, max: 50 }), fc.constantFrom('', 'e', 'E', 'e+', 'e-'))
      .map(([m, z, e, E]) => `${m}.${'0'.repeat(z % 5)}${Math.abs(m) % 97}${E && E + Math.abs(Math.min(e, 8))}`) },
    { weight: 2, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map(String) },
    fc.constantFrom('0', '-0', '0.0', '-0.000', '1e15', '-1E-7', '0e999', '0.1234567890123456789', '1234567.89012345678901', '1e-45', '3e-46'),
  );
  const oddNum = fc.oneof(midpoint, fc.constantFrom('1e16', '123456789012345678901', '5e-324', '1e-70', '00', '1.', '.5', '+1', '-', '1e', 'NaN'));
  const num = (odd) => (odd ? oddNum : plainNum);
  const ws = fc.constantFrom('', ' ', '\t');
  const map = (key, value) => fc.array(fc.tuple(key, value, ws), { maxLength: 4 })
    .map((kv) => `{${kv.map(([k, v, w]) => `${w}"${k}"${w}:${w}${v}`).join(',')}}`);
  const plainName = fc.constantFrom(...names), oddName = fc.constantFrom('other', '2', 'é', 'm\\u0031', '');
  // texts as JSON.stringify writes them: escapes, any language, lone surrogates as \\udXXX
  const text = fc.string({ unit: 'binary', maxLength: 12 }).map((t) => JSON.stringify(t));
  const plainFields = [
    fc.tuple(fc.constant('id'), fc.oneof({ weight: 3, arbitrary: fc.constantFrom('"p1"', '"p2"', '"x y"', '"é/€"', '"😀-1"') }, text)),
    fc.tuple(fc.constantFrom('prompt', 'response', 'ünïcode key'), text),
    fc.tuple(fc.constant('meta'), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))),
    fc.tuple(fc.constant('group'), fc.constantFrom('"g1"', 'null')),
    fc.tuple(fc.constant('scores'), map(plainName, fc.oneof({ weight: 4, arbitrary: plainNum }, fc.constant('null')))),
    fc.tuple(fc.constant('features'), map(fc.constantFrom('len', 'len', 'other'), plainNum)),
    fc.tuple(fc.constant('target'), fc.oneof(plainNum, fc.constant('null'))),
    fc.tuple(fc.constantFrom('note', 'a', 'label'), fc.constantFrom('"x"', 'true', 'false', 'null', '3.5')),
  ];
  const oddFields = [
    fc.tuple(fc.constant('id'), fc.constantFrom('"q\\"r"', '"\\u0041"', '""', '7')),
    fc.tuple(fc.constantFrom('prompt', '\\u0069d'), fc.constantFrom('"a\\x"', '"\\u12"', '"\\u00G0"', '"tab\there"', '"a\u0001"', '[1,]', '{"k":}', '"\\"')),
    fc.tuple(fc.constant('group'), fc.constantFrom('3', 'true')),
    fc.tuple(fc.constant('scores'), map(fc.oneof(plainName, oddName), fc.oneof(plainNum, oddNum, fc.constant('null')))),
    fc.tuple(fc.constant('scores'), fc.constantFrom('{}', '{"m1":null}', '[]', 'null')),
    fc.tuple(fc.constant('features'), map(fc.constantFrom('len', '', '7', 'other'), fc.oneof(oddNum, fc.constant('null')))),
    fc.tuple(fc.constant('target'), fc.oneof(oddNum, fc.constant('"x"'))),
    fc.tuple(fc.constantFrom('note', 'a', 'label'), fc.constantFrom('[1,2]', '{"k":1}', 'nul')),
  ];
  const line = (odd) => fc.tuple(fc.uniqueArray(fc.oneof(...plainFields), { selector: (f) => f[0], maxLength: 3 }),
    odd ? fc.oneof(...oddFields).map((f) => [f]) : fc.constant([]), fc.nat(99), ws,
    odd ? fc.constantFrom('', '', '', 'dup', 'cr', 'lead') : fc.constantFrom('', '', '', '', 'blank'))
    .map(([fields, more, n, w, how]) => {
      if (how === 'blank') return w;
      const all = [...new Map([['id', `"i${n}"`], ['scores', '{"m1":1,"three":-0.5}'], ...fields, ...more])];
      if (how === 'dup') all.push(all[n % all.length]);
      return `${how === 'lead' ? ' ' : ''}{${all.map(([k, v]) => `"${k}":${w}${v}`).join(',')}}${w}${how === 'cr' ? '\r' : ''}`;
    });
  const piece = fc.tuple(fc.array(fc.oneof({ weight: 12, arbitrary: line(false) }, line(true)), { minLength: 1, maxLength: 8 }), fc.boolean())
    .map(([ls, end]) => ls.join('\n') + (end ? '\n' : ''));
  let pieces = 0, fast = 0;
  fc.assert(fc.property(piece, fc.constantFrom('gated', 'mlp'), (text, which) => {
    const model = models[which];
    pieces++;
    if (took(FastItems.for(model).score(new TextEncoder().encode(text), 'i.jsonl', 'm.json'))) fast++;
    const [got, want] = bothWays(model, text);
    assert.equal(got, want, text);
  }), { seed: 20261128, numRuns: 1500 });
  // the property must test both ways: most pieces hold some line the scanner declines
  assert.ok(fast > 0.15 * pieces && fast < 0.9 * pieces, `the wasm path scored ${fast} of ${pieces} pieces`);
});

Fast('a long plain piece: every line read in wasm, weights and all, as the long way writes them', () => {
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({
    id: `item-${i}`, group: `g${i % 7}`,
    scores: Object.fromEntries(names.filter((_, k) => (i + k) % 4).map((m, k) => [m, k % 2 ? Math.sin(i * (k + 1)) * 10 ** ((i % 9) - 4) : Math.round(Math.cos(i) * 1e5) / 1e3])),
    features: { len: i % 13 }, target: i % 3 ? null : i / 7,
  }));
  const text = lines.join('\n') + '\n';
  for (const model of Object.values(models)) {
    assert.ok(took(FastItems.for(model).score(new TextEncoder().encode(text), 'i.jsonl', 'm.json')), 'the wasm path reads it');
    const [got, want] = bothWays(model, text);
    assert.equal(got, want);
    assert.is(got.items, 3000);
  }
});

Fast('bytes that are not UTF-8: an id with them is refused naming its line (the wasm path declines it; ids are kept exactly); in a text they read U+FFFD, as the reader reads on', () => {
  const line = (id, prompt) => new Uint8Array([...new TextEncoder().encode('{"id":"'), ...id, ...new TextEncoder().encode('","prompt":"'), ...prompt, ...new TextEncoder().encode('","scores":{"m1":0.5}}\n')]);
  const bad = [[0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98]];
  const good = [[0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0x7f]];
  for (const model of Object.values(models)) {
    for (const b of [...bad, ...good]) {
      for (const bytes of [line([0x61, ...b], [0x70]), line([0x61], [0x70, ...b])]) {
        const [got, want] = bothWays(model, bytes);
        assert.equal(got, want);
      }
      const [inId] = bothWays(model, line([0x61, ...b], [0x70])), [inText] = bothWays(model, line([0x61], [0x70, ...b]));
      if (bad.includes(b)) assert.match(inId.error, /^i\.jsonl:1: field "id": not valid UTF-8/);
      else assert.is(inId.items, 1);
      assert.is(inText.items, 1, 'a text field may hold them');
      const fast = FastItems.for(model);
      const r = fast.score(line([0x61, ...b], [0x70]), 'i.jsonl', 'm.json');
      assert.is(took(r) ? 'wasm' : r, good.includes(b) ? 'wasm' : 'declined', `an id with ${b.map((x) => x.toString(16))}`);
      assert.ok(took(fast.score(line([0x61], [0x70, ...b]), 'i.jsonl', 'm.json')), `a prompt with ${b.map((x) => x.toString(16))}`);
    }
  }
});

Fast('two ids differing only in malformed bytes never become one: refused on any line end, in pairs too; a real U+FFFD is kept', async () => {
  const { DataReader } = await import('../dist/data/stream.js');
  const enc = (s) => new TextEncoder().encode(s);
  const join = (...parts) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));
  const read = (bytes, kind = 'items', source = 'd.jsonl') => {
    const r = new DataReader(source, kind, { targets: false, uniqueIds: false });
    r.push(bytes);
    return r.end();
  };
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = join('{"id":"ok","scores":{"m1":1}}', eol, '{"id":"caf', [0xe9], '","scores":{"m1":1}}', eol, '{"id":"caf', [0xe8], '","scores":{"m1":2}}', eol);
    assert.throws(() => read(text), /d\.jsonl:2: field "id": not valid UTF-8/, JSON.stringify(eol));
    for (const model of Object.values(models)) assert.match(bothWays(model, text)[0].error, /^i\.jsonl:2: field "id": not valid UTF-8/);
  }
  const pair = join('{"id":"p', [0xff], '","a":{"m1":1},"b":{"m1":0},"label":"a"}\n');
  assert.throws(() => read(pair, 'pairs'), /d\.jsonl:1: field "id": not valid UTF-8/);
  const kept = read(join('{"id":"\uFFFD-', [0xef, 0xbf, 0xbd], '","note":"', [0xff], '","scores":{"m1":1}}\n'));
  assert.equal(kept.ids, ['\uFFFD-\uFFFD'], 'an escaped or well-formed U+FFFD in an id, malformed bytes elsewhere: read');
  // CSV: the same, whether read whole, in chunks cut inside a sequence, or in pieces by score (a thread or more)
  const csv = join('id,group,target,m1\nok,g', [0xe9], ',0,1\ncaf', [0xe9], ',g,0,1\n');
  assert.throws(() => read(csv, 'items', 'd.csv'), /d\.csv:3: field "id": not valid UTF-8/);
  assert.throws(() => {
    const r = new DataReader('d.csv', 'items', { targets: false, uniqueIds: false });
    for (let i = 0; i < csv.length; i++) r.push(csv.subarray(i, i + 1));
    r.end();
  }, /d\.csv:3: field "id": not valid UTF-8/);
  const { score } = await import('../dist/cli/score.js');
  const { saveModel } = await import('../dist/index.js');
  const { mkdtempSync, writeFileSync, rmSync, existsSync } = await import('node:fs');
  const dir = mkdtempSync(`${(await import('node:os')).tmpdir()}/rf-ids-`);
  try {
    writeFileSync(`${dir}/m.json`, saveModel(models.mlp));
    writeFileSync(`${dir}/i.csv`, csv);
    for (const threads of ['1', '2']) {
      let err;
      try { await score([`${dir}/m.json`, `${dir}/i.csv`, '-o', `${dir}/out.jsonl`, '--threads', threads]); } catch (e) { err = e; }
      assert.match(err?.message ?? '', /i\.csv:3: field "id": not valid UTF-8/, `score --threads ${threads}`);
      assert.not.ok(existsSync(`${dir}/out.jsonl`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const group = read(join('id,group,target,m1\nok,g', [0xe9], ',0,1\n'), 'items', 'd.csv');
  assert.equal([group.ids, group.groups], [['ok'], ['g\uFFFD']], 'a group may hold them (read U+FFFD)');
});

Fast('the CSV decoder marks malformed bytes where TextDecoder writes U+FFFD, wherever the chunks are cut', async () => {
  const { MarkingDecoder, MALFORMED } = await import('../dist/data/utf8.js');
  const bytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0)), { maxLength: 40 });
  fc.assert(fc.property(bytes, fc.array(fc.nat(40), { maxLength: 5 }), (b, cuts) => {
    const u = Uint8Array.from(b), d = new MarkingDecoder();
    const at = [...new Set(cuts.map((c) => Math.min(c, u.length)))].sort((x, y) => x - y);
    let out = '', p = 0;
    for (const c of at) { out += d.decode(u.subarray(p, c)); p = c; }
    out += d.decode(u.subarray(p)) + d.decode(undefined, true);
    const want = new TextDecoder('utf-8', { ignoreBOM: true }).decode(u);
    assert.is(out.replaceAll(MALFORMED, '\uFFFD'), want);
    assert.is(out.includes(MALFORMED), want.includes('\uFFFD') && !b.some((_, i) => b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd));
  }), { seed: 20261207, numRuns: 2000 });
});

Fast('texts and nested fields: what JSON.parse takes is skipped, what it refuses goes the long way (which names it)', () => {
  const ok = ['"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '"\\u00e9\\uD83D\\ude00\\uABCD"', '"é 😀 \u2028"', '{"k":[1,{"j":null}],"e":{}}', '[]', '[true,false,null,"x",-1.5e3]', '""'];
  const refused = ['"a\\x"', '"\\u12"', '"\\u00G0"', '"\\u\u0010\u001000"', '"a\u0001"', '"\\"', '[1,]', '{"k":}', '{"k" 1}', '[1 2]', '{1:2}', 'tru', '"x'];
  for (const model of Object.values(models)) {
    const fast = FastItems.for(model);
    for (const v of [...ok, ...refused]) {
      const text = `{"id":"i1","prompt":${v},"scores":{"m1":0.5}}\n`;
      const [got, want] = bothWays(model, text);
      assert.equal(got, want, text);
      const r = fast.score(new TextEncoder().encode(text), 'i.jsonl', 'm.json');
      assert.is(took(r) ? 'wasm' : r, ok.includes(v) ? 'wasm' : 'declined', text);
      if (refused.includes(v)) assert.match(got.error, /^i\.jsonl:1: /);
    }
  }
});

Fast('a long name guessed at its place, cut short at the end of a piece: the same error as the long way', () => {
  const long = 'judge-' + 'x'.repeat(1000);
  const model = trainFusion(pairsFromRecords(records.map((r) => ({ ...r, a: { m1: r.a.m1, [long]: r.a.three }, b: { m1: r.b.m1, [long]: r.b.three } }))), { seed: 0, arch: 'mlp', ensemble: 1, epochs: 1 });
  // the last line names the model guessed at its place, cut short where the name would run past the text
  for (const cut of [0, 1, 7, 500]) {
    const text = `{"id":"a","scores":{"m1":1,"${long}":2}}\n{"id":"b","scores":{"m1":1,"${long.slice(0, long.length - cut)}`;
    const [got, want] = bothWays(model, text);
    assert.equal(got, want);
    assert.match(got.error, /^i\.jsonl:2: /);
  }
});

Fast('names the wasm path cannot match as the reader does (index-like) leave it to the long way', () => {
  const odd = pairsFromRecords(records.map((r) => ({ ...r, a: { ...r.a, 7: 1 }, b: { ...r.b, 7: 0 } })));
  const model = trainFusion(odd, { seed: 0, arch: 'gated', ensemble: 1, epochs: 1 });
  assert.is(FastItems.for(model), 'names');
  const [got, want] = bothWays(model, '{"id":"x","scores":{"7":1,"m1":0.5}}\n');
  assert.equal(got, want);
  assert.match(got.out, /^\{"id":"x","reward":[^,]+,"uncertainty":[^,]+,"conservative":[^,]+,"weights":\{"7":/);
});

Fast('the fork is named: each piece says which way it went, and why not the wasm one', () => {
  const model = models.gated;
  const way = (text, more = {}) => scorePiece(model, { text: new TextEncoder().encode(text), source: 'i.jsonl', format: 'jsonl', ignoreUnknown: true, modelFile: 'm.json', ...more }).way;
  assert.is(way('{"id":"a","scores":{"m1":0.5}}\n'), 'wasm');
  assert.is(way('{"id":"a","scores":{"m1":0.5}}\n', { fast: false }), 'off');
  assert.is(way('{"id":"a\\u0041","scores":{"m1":0.5}}\n'), 'declined');
  assert.is(scorePiece(model, { text: 'id,m1\na,0.5\n', source: 'i.csv', format: 'csv', ignoreUnknown: true, modelFile: 'm.json' }).way, 'csv');
  // the engine's Kernels type lists the numeric kernels only; the text ones have their own, src/score's
  const engine = readFileSync(new URL('../src/engine/kernels.gen.ts', import.meta.url), 'utf8');
  const text = readFileSync(new URL('../src/score/text-kernels.gen.ts', import.meta.url), 'utf8');
  for (const k of ['scanItems', 'writeItems', 'formatFloat32s']) {
    assert.not.match(engine, new RegExp(`\\b${k}\\(`), `Kernels lists ${k}`);
    assert.match(text, new RegExp(`\\b${k}\\(`), `TextKernels lacks ${k}`);
  }
  assert.match(engine, /\bmatmulForward\(/);
});

Fast.run();
