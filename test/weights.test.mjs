// Weighted rules (BMA, tempered BMA) keep their weights in log space and
// normalise them over the judges present with a log-sum-exp: a judge's weight
// may be tiny but never makes the sum 0, so the reward is never a silent
// constant. A file whose weights cannot fuse is refused on load, naming the
// field; an older file's weight that did underflow to 0 makes an item only
// that judge scored a "no usable judge" error, not a reward of 0.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseData, trainFusion, saveModel, loadModel } from '../dist/index.js';
import { pairsFromRecords, itemsFromRecords } from '../dist/data.js';
import { fitBaselines } from '../dist/eval.js';
import { scorePiece } from '../dist/score/score-piece.js';
import { withShared, readShared } from './shared-data.mjs';

const throwsWith = (fn, pattern) => {
  try { fn(); } catch (e) { assert.match(e.message, pattern); return; }
  assert.unreachable(`expected an error matching ${pattern}`);
};

// 4,000 pairs: `good` orders them perfectly, `weak` is noise (a fixed LCG: the same data every run)
let state = 12345;
const rand = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
const records = Array.from({ length: 4000 }, (_, i) => {
  const qa = rand(), qb = rand();
  return { id: `p${i}`, a: { good: qa * 10, weak: rand() }, b: { good: qb * 10, weak: rand() }, label: qa > qb ? 'a' : 'b' };
});
const pairs = pairsFromRecords(records, 'pairs');
const items = itemsFromRecords([-3, 3, 0.5].map((w, i) => ({ id: `w${i}`, scores: { weak: w }, target: 0 })), 'items');

const W = suite('log-space weights');

W('BMA on a perfect judge and a noisy one: the noisy one\'s weight is tiny, in log space, never 0', () => {
  const f = fitBaselines(pairs);
  assert.is(f.bmaWeights[1], 0, 'the linear weight underflows (as it always did)');
  assert.ok(Number.isFinite(f.bmaLogWeights[1]) && f.bmaLogWeights[1] < -700, `log weight ${f.bmaLogWeights[1]}`);
  assert.is(f.bmaLogWeights[0], 0, 'the best judge: log weight 0');
  assert.ok(Number.isFinite(f.tbmaLogWeights[1]));
});

W('a BMA model scores items only the noisy judge scored: different rewards, weights summing to 1', () => {
  for (const rule of ['bma', 'tbma']) {
    const m = loadModel(saveModel(trainFusion(pairs, { candidates: [rule], seed: 0 })));
    assert.is(m.name, rule);
    const s = m.score(items);
    assert.ok(s.reward[0] !== s.reward[1] && s.reward[1] !== s.reward[2], `${rule}: rewards ${Array.from(s.reward)}`);
    for (let i = 0; i < 3; i++) {
      assert.equal([s.weights[2 * i], s.weights[2 * i + 1]], [0, 1], `${rule}: the weights over the judges present sum to 1`);
    }
    // both judges present: the shares still sum to 1
    const both = m.score(itemsFromRecords([{ id: 'x', scores: { good: 3, weak: 0.2 }, target: 0 }]));
    assert.ok(Math.abs(both.weights[0] + both.weights[1] - 1) < 1e-6);
  }
});

W('bits stay as they were where the linear sum is a normal number: the old formula, to the bit', () => {
  for (const rule of ['bma', 'tbma']) {
    const m = trainFusion(pairs, { candidates: [rule], seed: 0 });
    const f = m.scorer.baselines, w = f[`${rule}Weights`], beta = f[`${rule}Beta`];
    for (const scores of [{ good: 3, weak: 0.2 }, { good: -1.5 }, { good: 7, weak: -2 }]) {
      // what the code before log weights computed: z in f32, Σ w·β·z / Σ w over the judges present, then the calibration
      let num = 0, den = 0;
      ['good', 'weak'].forEach((name, k) => {
        if (scores[name] === undefined) return;
        const z = Math.fround(Math.fround(Math.fround(scores[name]) - f.norm.center[k]) * f.norm.scale[k]);
        num += w[k] * beta[k] * z;
        den += w[k];
      });
      const want = Math.fround(m.calibration.offset + m.calibration.scale * (num / den));
      assert.is(m.score(itemsFromRecords([{ id: 'x', scores, target: 0 }])).reward[0], want, `${rule} ${JSON.stringify(scores)}`);
    }
  }
});

W('an older file whose weight underflowed to 0: an item only that judge scored is refused, naming its line', () => {
  const j = JSON.parse(saveModel(trainFusion(pairs, { candidates: ['bma'], seed: 0 })));
  delete j.rule.bmaLogWeights;
  delete j.rule.tbmaLogWeights;
  assert.equal(j.rule.bmaWeights, [1, 0]);
  const old = loadModel(JSON.stringify(j), 'old.json');
  throwsWith(() => old.score(items), /row 0: no usable judge: every model that scored it \(weak\) has weight 0 in this bma model \(rule\.bmaWeights\)/);
  const text = new TextEncoder().encode('{"id":"a","scores":{"good":1,"weak":1}}\n{"id":"b","scores":{"weak":1}}\n');
  for (const fast of [true, false]) {
    throwsWith(() => scorePiece(old, { text, source: 'it.jsonl', format: 'jsonl', ignoreUnknown: false, modelFile: 'old.json', fast }), /^it\.jsonl:2: no usable judge/);
  }
  assert.ok(Number.isFinite(old.score(itemsFromRecords([{ id: 'g', scores: { good: 1 }, target: 0 }])).reward[0]), 'the judge with weight scores');  // saved again, its weight-0 judge's log weight (−∞) is written as null, and the file loads as it was
  const again = saveModel(old);
  assert.equal(JSON.parse(again).rule.bmaLogWeights[1], null);
  assert.is(saveModel(loadModel(again, 'again.json')), again);
  const swapped = JSON.parse(again);
  swapped.rule.bmaLogWeights = [null, 0];
  throwsWith(() => loadModel(JSON.stringify(swapped), 'swapped.json'), /field "rule\.bmaLogWeights\[0\]": -Infinity does not match bmaWeights\[0\] = 1/);
});

W('an item only models the fusion model does not know scored (--ignore-unknown): "no usable judge", not a reward of 0', () => {
  const m = trainFusion(pairs, { candidates: ['tbma'], seed: 0 });
  const text = new TextEncoder().encode('{"id":"a","scores":{"good":1}}\n{"id":"b","scores":{"other":3}}\n');
  for (const fast of [true, false]) {
    throwsWith(() => scorePiece(m, { text, source: 'it.jsonl', format: 'jsonl', ignoreUnknown: true, modelFile: 'm.json', fast }), /^it\.jsonl:2: no usable judge: no model the fusion model knows \(good, weak\) scored this item/);
  }
});

withShared(W, 'tqajudges-dev: every judge keeps a weight (Gemma-2B\'s BMA weight underflowed to 0)', ['tqajudges-dev.jsonl'], () => {
  const t = parseData(readShared('tqajudges-dev.jsonl'), 'tqajudges-dev.jsonl');
  const f = fitBaselines(t);
  const g = t.models.indexOf('Gemma-2B');
  assert.is(f.bmaWeights[g], 0, 'linear: 0, as before');
  assert.ok(Number.isFinite(f.bmaLogWeights[g]), `log weight ${f.bmaLogWeights[g]}`);
  for (const lw of [...f.bmaLogWeights, ...f.tbmaLogWeights]) assert.ok(Number.isFinite(lw));
});

W.run();

const F = suite('model files that cannot fuse are refused');

F('all-zero weights, mismatched log weights, all-zero nets: refused naming the field', () => {
  const text = saveModel(trainFusion(pairs, { candidates: ['tbma'], seed: 0 }));
  const edit = (fn) => { const j = JSON.parse(text); fn(j); return JSON.stringify(j); };
  throwsWith(() => loadModel(edit((j) => { j.rule.tbmaWeights = [0, 0]; delete j.rule.tbmaLogWeights; }), 'm.json'), /m\.json: field "rule\.tbmaWeights": every weight is 0/);
  throwsWith(() => loadModel(edit((j) => { j.rule.bmaWeights = [0, 0]; }), 'm.json'), /field "rule\.bmaWeights": every weight is 0/);
  throwsWith(() => loadModel(edit((j) => { j.rule.tbmaLogWeights = [0, -5]; }), 'm.json'), /field "rule\.tbmaLogWeights\[1\]": -5 does not match tbmaWeights\[1\]/);
  throwsWith(() => loadModel(edit((j) => { j.rule.tbmaLogWeights[1] = null; }), 'm.json'), /field "rule\.tbmaLogWeights\[1\]": -Infinity does not match tbmaWeights\[1\]/);
  throwsWith(() => loadModel(edit((j) => { j.rule.bmaLogWeights[1] = '-1'; }), 'm.json'), /field "rule\.bmaLogWeights\[1\]": expected a finite number \(or null for a weight of 0\)/);
  const nets = JSON.parse(saveModel(trainFusion(pairs, { arch: 'mlp', ensemble: 1, epochs: 1, seed: 0 })));
  nets.weights = Buffer.alloc(Buffer.from(nets.weights, 'base64').length).toString('base64');
  throwsWith(() => loadModel(JSON.stringify(nets), 'n.json'), /n\.json: field "weights": every weight is 0/);
});

F.run();
