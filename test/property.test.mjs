// Properties of scoring over random valid model files (every rule and net
// architecture, weights tiny or not) and random item sets (any subset of
// judges present, unicode ids): every reward is finite; a weighted rule's
// weights sum to 1 over the judges present (0 for the others); and distinct
// ids stay distinct, each written back exactly, on the wasm path and the long
// way alike. fast-check with fixed seeds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { loadModel } from '../dist/index.js';
import { parameterCount } from '../dist/models/file.js';
import { ITEM_BASELINES, BASELINES } from '../dist/models/rules.js';
import { ARCH_NAMES } from '../dist/models/archs.js';
import { scorePiece } from '../dist/score/score-piece.js';

const f32 = (lo, hi) => fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true });
const HEAD = { format: 'rewardfuse-model', version: 2, features: [], seed: 0, lambda: 1, train: null };

// a nets model: small random f32 weights, at least one not 0
const nets = (K, type) => fc.record({
  hidden: fc.constantFrom([], [3]), activation: fc.constantFrom('relu', 'tanh', 'gelu'), ensemble: fc.integer({ min: 1, max: 2 }), seed: fc.nat(1000),
}).chain((a) => {
  const n = parameterCount(type, a.hidden, K, 0) * a.ensemble;
  return fc.array(f32(-0.5, 0.5), { minLength: n, maxLength: n }).map((w) => {
    w[0] = 0.25;
    return { arch: { type, hidden: a.hidden, activation: a.activation, temperature: 1 }, ensemble: a.ensemble, weights: Buffer.from(Float32Array.from(w).buffer).toString('base64') };
  });
});

// log weights with the best at 0, some far below (their linear weights underflow to 0), and the weights they give
const logWeights = (K) => fc.array(fc.oneof(f32(-30, 0), f32(-5000, -700)), { minLength: K, maxLength: K }).map((lw) => {
  const top = Math.max(...lw), log = lw.map((l) => l - top);
  const e = log.map(Math.exp), Z = e.reduce((s, v) => s + v, 0);
  return { log, bma: e.map((v) => v / Z), tbma: e };
});

const modelFile = fc.integer({ min: 1, max: 4 }).chain((K) => {
  const models = Array.from({ length: K }, (_, k) => `m${k}`);
  const vec = (lo, hi) => fc.array(f32(lo, hi), { minLength: K, maxLength: K });
  const norm = fc.record({ center: vec(-5, 5), scale: vec(0.1, 10) });
  const rule = fc.record({
    norm, best: fc.nat(K - 1), bw: logWeights(K), tw: logWeights(K), bb: vec(-5, 5), tb: vec(-5, 5), stacking: nets(K, 'linear'),
    tau: fc.array(f32(0, 5), { minLength: BASELINES.length, maxLength: BASELINES.length }),
  });
  const scorer = fc.constantFrom('nets', ...ITEM_BASELINES);
  return fc.record({ norm, scorer, rule, net: fc.constantFrom(...ARCH_NAMES).chain((t) => nets(K, t)), cal: f32(-3, 3), off: f32(-3, 3) }).map((r) => {
    const normalisation = { center: r.norm.center, scale: r.norm.scale, featureCenter: [], featureScale: [] };
    const head = { ...HEAD, models, normalisation, scorer: r.scorer, calibration: { scale: r.cal, offset: r.off } };
    if (r.scorer === 'nets') return { ...head, ...r.net };
    const x = r.rule;
    const stacking = { ...HEAD, models, normalisation: { center: x.norm.center, scale: x.norm.scale, featureCenter: [], featureScale: [] }, scorer: 'nets', calibration: { scale: 1, offset: 0 }, ...x.stacking };
    return {
      ...head, normalisation: { ...normalisation, center: x.norm.center, scale: x.norm.scale },
      rule: {
        center: x.norm.center, scale: x.norm.scale, best: x.best,
        bmaWeights: x.bw.bma, bmaLogWeights: x.bw.log, bmaBeta: x.bb, tbmaWeights: x.tw.tbma, tbmaLogWeights: x.tw.log, tbmaBeta: x.tb,
        tau: Object.fromEntries(BASELINES.map((b, i) => [b, x.tau[i]])), lambda: 1, stacking,
      },
    };
  });
});

// items: distinct ids (any unicode), each scored by a non-empty subset of the K judges
const itemSet = (K) => fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }).chain((ids) =>
  fc.array(fc.array(fc.option(f32(-100, 100), { nil: null, freq: 3 }), { minLength: K, maxLength: K }), { minLength: ids.length, maxLength: ids.length })
    .map((rows) => ids.map((id, i) => {
      const s = rows[i];
      if (s.every((v) => v === null)) s[i % K] = 1;
      return { id, scores: Object.fromEntries(s.map((v, k) => [`m${k}`, v])) };
    })));

const P = suite('properties of scoring: random valid model files and item sets');

P('every reward finite, rule weights summing to 1 over the judges present, distinct ids kept distinct and exact', () => {
  let rules = 0;
  fc.assert(fc.property(modelFile.chain((file) => fc.tuple(fc.constant(file), itemSet(file.models.length))), ([file, items]) => {
    const model = loadModel(JSON.stringify(file), 'm.json');
    const K = file.models.length;
    const text = new TextEncoder().encode(items.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const fast of [true, false]) {
      const r = scorePiece(model, { text, source: 'i.jsonl', format: 'jsonl', ignoreUnknown: false, modelFile: 'm.json', fast });
      const out = (typeof r.out === 'string' ? r.out : new TextDecoder().decode(r.out)).trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(out.map((o) => o.id), items.map((it) => it.id), 'ids written back exactly, in order');
      assert.is(new Set(out.map((o) => o.id)).size, items.length, 'distinct ids stay distinct');
      out.forEach((o, i) => {
        for (const k of ['reward', 'uncertainty', 'conservative']) assert.ok(Number.isFinite(o[k]), `${k} of item ${i}: ${o[k]}`);
        if (file.scorer !== 'bma' && file.scorer !== 'tbma') return;
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const present = items[i].scores[`m${k}`] !== null;
          if (!present) assert.is(o.weights[`m${k}`], 0, 'an absent judge weighs 0');
          sum += o.weights[`m${k}`];
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `the weights of item ${i} sum to ${sum}`);
      });
    }
    if (file.scorer === 'bma' || file.scorer === 'tbma') rules++;
  }), { seed: 20261207, numRuns: 150 });
  assert.ok(rules >= 15, `weighted rules in ${rules} of 150 runs`);
});

P('ids as raw bytes (well-formed UTF-8 or not): distinct ones come out distinct, or the line is refused naming its id', () => {
  const model = loadModel(JSON.stringify({
    ...HEAD, models: ['m0'], normalisation: { center: [0], scale: [1], featureCenter: [], featureScale: [] }, scorer: 'nets', calibration: { scale: 1, offset: 0 },
    arch: { type: 'linear', hidden: [], activation: 'relu', temperature: 1 }, ensemble: 1, weights: Buffer.from(Float32Array.from([0.5, 0.5, 0.1]).buffer).toString('base64'),
  }));
  const enc = (s) => [...new TextEncoder().encode(s)];
  // bytes that JSON allows in a string: no quote, backslash or control byte; anything from 0x80 up
  const ascii = fc.integer({ min: 0x20, max: 0x7e }).filter((b) => b !== 0x22 && b !== 0x5c).map((b) => [b]);
  const char = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/["\\\u0000-\u001f]/.test(c)).map(enc);
  const stray = fc.integer({ min: 0x80, max: 0xff }).map((b) => [b]);
  const idBytes = fc.array(fc.oneof({ weight: 4, arbitrary: ascii }, { weight: 4, arbitrary: char }, { weight: 1, arbitrary: stray }), { minLength: 1, maxLength: 4 }).map((parts) => parts.flat());
  let refused = 0, scored = 0;
  fc.assert(fc.property(fc.uniqueArray(idBytes, { minLength: 2, maxLength: 6, comparator: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]) }), (ids) => {
    const text = Uint8Array.from(ids.flatMap((id) => [...enc('{"id":"'), ...id, ...enc('","scores":{"m0":1}}\n')]));
    for (const fast of [true, false]) {
      let r;
      try {
        r = scorePiece(model, { text, source: 'i.jsonl', format: 'jsonl', ignoreUnknown: false, modelFile: 'm.json', fast });
      } catch (e) {
        assert.match(e.message, /^i\.jsonl:\d+: field "id": not valid UTF-8/);
        refused++;
        continue;
      }
      const out = (typeof r.out === 'string' ? r.out : new TextDecoder().decode(r.out)).trimEnd().split('\n').map((l) => JSON.parse(l).id);
      assert.is(new Set(out).size, ids.length, 'distinct ids stay distinct');
      scored++;
    }
  }), { seed: 20261208, numRuns: 300 });
  assert.ok(refused > 100 && scored > 100, `refused ${refused}, scored ${scored}`);
});

P.run();
