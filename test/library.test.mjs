// The default fusion model and its honest estimates: grouped folds, hidden
// judges, tempered BMA, the choice from the library and its calibration, the
// version-2 model file with its guards, and cross-validation's two estimates.
// Mechanics on small simulated data; quality on the real sets is measured by
// npm run bench:quality, not asserted here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { trainFusion, crossValidate, simulateEnsemble, simPairs, saveModel, loadModel } from '../dist/index.js';
import { fitBaselines, scoreBaselines, BASELINES } from '../dist/eval.js';
import { assignGroupFolds, makeFolds, judgeSubsets, hideJudges } from '../dist/train/folds.js';
import { chooseFromLibrary } from '../dist/train/library.js';
import { trainNets } from '../dist/train/nets.js';
import { subsetPairs } from '../dist/data/types.js';

const sim = simulateEnsemble({ prompts: 240, seed: 21 });
const ids = Array.from({ length: sim.prompts }, (_, i) => i);
const train = simPairs(sim, ids.slice(0, 160), 1);
const test = simPairs(sim, ids.slice(160), 2);
const K = sim.models.length;
const throwsWith = (fn, pattern) => {
  try { fn(); } catch (e) { assert.match(e.message, pattern); return; }
  assert.unreachable(`expected an error matching ${pattern}`);
};
const FAST = { candidates: ['tbma', 'mean', 'stacking', 'mlp'], epochs: 15 };

const Folds = suite('folds and hidden judges');

Folds('grouped folds keep every group whole, balance rows, and follow the seed', () => {
  const groups = Array.from({ length: 200 }, (_, i) => `g${i % 7}`).concat(Array(50).fill('big'));
  const f = assignGroupFolds(groups, 3, 5);
  const of = new Map();
  groups.forEach((g, i) => { if (of.has(g)) assert.is(f[i], of.get(g), `group ${g} split`); of.set(g, f[i]); });
  const sizes = [0, 1, 2].map((k) => f.filter((v) => v === k).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 50, `sizes ${sizes}`);
  assert.equal(assignGroupFolds(groups, 3, 5), f);
  assert.is(Math.max(...assignGroupFolds(['a', 'b', 'a'], 5, 1)) + 1, 2, 'min(folds, groups) folds');
  const random = makeFolds(Array(30).fill(undefined), 5, 1);
  assert.ok(!random.grouped && random.count === 5 && random.describe === '5 random folds');
  assert.ok(makeFolds(groups, 5, 1).grouped);
  assert.not.ok(makeFolds(groups, 5, 1, false).grouped);
  throwsWith(() => makeFolds(Array(30).fill('one'), 5, 1, true), /grouped folds need at least 2 groups/);
});

Folds('judge subsets keep 12–60% of the judges (at least one), seeded; hidden judges become NaN', () => {
  const subsets = judgeSubsets(65, 50, 3);
  for (const s of subsets) {
    const kept = s.reduce((a, v) => a + v, 0);
    assert.ok(kept >= Math.round(0.12 * 65) && kept <= Math.round(0.6 * 65), `${kept}`);
  }
  assert.equal(judgeSubsets(65, 50, 3), subsets);
  assert.not.equal(judgeSubsets(65, 50, 4), subsets);
  assert.ok(judgeSubsets(2, 20, 1).every((s) => s[0] + s[1] >= 1));
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(hideJudges(x, Uint8Array.from([1, 0, 1]))), [1, NaN, 3, 4, NaN, 6]);
});

Folds.run();

const Tbma = suite('tempered BMA');

Tbma('weights do not collapse as pairs repeat (untempered BMA does), and a contrary judge weighs against', () => {
  const twice = (x, r) => { const out = new Float32Array(x.length * r); for (let i = 0; i < r; i++) out.set(x, i * x.length); return out; };
  const rep = { ...train, ids: [...train.ids, ...train.ids, ...train.ids, ...train.ids], groups: [...train.groups, ...train.groups, ...train.groups, ...train.groups], a: twice(train.a, 4), b: twice(train.b, 4), feats: twice(train.feats, 4), label: twice(train.label, 4), lines: Int32Array.from(twice(train.lines, 4)) };
  const one = fitBaselines(train), four = fitBaselines(rep);
  for (let m = 0; m < K; m++) assert.ok(Math.abs(one.tbmaWeights[m] - four.tbmaWeights[m]) < 1e-6, `tbma weight ${m}`);
  const max = (w) => Math.max(...w) / w.reduce((s, v) => s + v, 0);
  assert.ok(max(four.bmaWeights) > max(one.bmaWeights), 'untempered BMA sharpens with repetition');
  // the first judge made contrary (its sides swapped): β < 0, so its scores count against
  const contrary = { ...train, a: train.a.slice(), b: train.b.slice() };
  for (let i = 0; i < train.ids.length; i++) { contrary.a[i * K] = train.b[i * K]; contrary.b[i * K] = train.a[i * K]; }
  assert.ok(fitBaselines(train).tbmaBeta[0] > 0);
  assert.ok(fitBaselines(contrary).tbmaBeta[0] < 0, `β₀ ${fitBaselines(contrary).tbmaBeta[0]}`);
});

Tbma('scoring renormalises the weights over the judges present', () => {
  const f = fitBaselines(train);
  const mask = Uint8Array.from([1, 0, 1, 0, 1, 0]);
  const hidden = { ...test, a: hideJudges(test.a, mask), b: hideJudges(test.b, mask) };
  const m = scoreBaselines(f, hidden).margin.tbma;
  const keep = [0, 2, 4];
  const score = (x, i) => {
    let s = 0, w = 0;
    for (const j of keep) {
      const v = x[i * K + j];
      if (Number.isNaN(v)) continue;
      const z = Math.fround(Math.fround(v - f.norm.center[j]) * f.norm.scale[j]);
      s += f.tbmaWeights[j] * f.tbmaBeta[j] * z;
      w += f.tbmaWeights[j];
    }
    return w > 0 ? s / w : 0;
  };
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(m[i] - (score(test.a, i) - score(test.b, i))) < 1e-9, `pair ${i}`);
});

Tbma.run();

const Library = suite('the default: a choice from the library');

Library('random folds on in-domain data: a fusion net that clearly beats tempered BMA replaces it', () => {
  const c = chooseFromLibrary(train, { ...FAST, grouped: false, seed: 2 });
  assert.ok(c.folds.includes('random'));
  assert.equal(c.candidates.map((e) => e.name), FAST.candidates);
  for (const e of c.candidates) assert.ok(e.full > 0.5 && e.full <= 1 && e.hidden > 0.4 && e.hidden <= 1 && e.perFold.length === 5, e.name);
  // the demo's simulation: domain experts a net can learn to trust, held out within the same domains
  const demo = simulateEnsemble({ prompts: 600, seed: 0 });
  const inDomain = simPairs(demo, Array.from({ length: 420 }, (_, i) => i), 0);
  const won = chooseFromLibrary(inDomain, { candidates: ['tbma', 'mlp'], epochs: 40, grouped: false, seed: 2 });
  assert.is(won.chosen, 'mlp');
  assert.match(won.reason, /^mlp: it beats tbma by [\d.]+ points a fold, more than 2 standard errors/);
  const byName = Object.fromEntries(won.candidates.map((e) => [e.name, e]));
  assert.ok(byName.mlp.score > byName.tbma.score);
});

Library("the library's gated net starts at tempered BMA's weighting: its gate is that rule before any learning", () => {
  const f = fitBaselines(train);
  const logits = Float32Array.from(f.tbmaWeights, (w, k) => Math.log(Math.max(w * Math.max(f.tbmaBeta[k], 0), 1e-6)));
  const m = trainNets(train, 'gated', { gatePrior: { logits, logScale: 0.5 }, ensemble: 1, epochs: 1, lr: 1e-8, modelDropout: 0, useFeatures: false });
  const plain = trainNets(train, 'gated', { ensemble: 1, epochs: 1, lr: 1e-8, modelDropout: 0, useFeatures: false });
  const z = (i, k) => Math.fround(Math.fround(test.a[i * K + k] - m.norm.center[k]) * m.norm.scale[k]);
  // the prior's reward e^s·Σ softmax(logits)·z over the models present; the gate's
  // near-zero last-layer weights add a correction of about a percent
  const gap = (model) => {
    const r = model.score({ ...test, scores: test.a }).reward;
    let worst = 0;
    for (let i = 0; i < 40; i++) {
      let num = 0, den = 0;
      for (let k = 0; k < K; k++) if (!Number.isNaN(test.a[i * K + k])) { num += Math.exp(logits[k]) * z(i, k); den += Math.exp(logits[k]); }
      const want = Math.exp(0.5) * num / den;
      worst = Math.max(worst, Math.abs(r[i] - want) / (1 + Math.abs(want)));
    }
    return worst;
  };
  assert.ok(gap(m) < 0.03, `with the prior: ${gap(m)}`);
  assert.ok(gap(plain) > 0.1, `without it the gate starts elsewhere: ${gap(plain)} (with: ${gap(m)})`);
  throwsWith(() => trainNets(train, 'mlp', { gatePrior: { logits, logScale: 0 } }), /gatePrior is for the gated architecture/);
});

Library('under 10 rows: no cross-validation, the anchor, said so', () => {
  const few = subsetPairs(train, [0, 1, 2, 3, 4]);
  const m = trainFusion(few, { seed: 1 });
  assert.is(m.name, 'tbma');
  assert.match(m.train.library.reason, /under 10 rows are too few to cross-validate/);
  assert.ok(m.scorePairs(test).margin.every(Number.isFinite));
});

Library('two groups: two folds cannot tell, so tempered BMA stays', () => {
  const two = { ...train, groups: train.groups.map((g) => (g === 'math' ? 'math' : 'other')) };
  const c = chooseFromLibrary(two, { ...FAST, seed: 1 });
  assert.is(c.folds, '2 folds by group (2 groups)');
  assert.is(c.chosen, 'tbma');
});

Library('trainFusion by default: calibrated rule or nets, the choice in the file, and the same bits after loading', () => {
  const m = trainFusion(train, { ...FAST, seed: 3 });
  const lib = m.train.library;
  assert.ok(lib && lib.candidates.length === 4 && typeof lib.reason === 'string');
  assert.ok(m.calibration.scale > 0 && m.calibration.offset === 0);
  const text = saveModel(m);
  const json = JSON.parse(text);
  assert.is(json.version, 4, "the default keeps its shift check, and its rules' stacking net as weights");
  assert.is(json.scorer, m.scorer.kind === 'nets' ? 'nets' : m.scorer.rule);
  const back = loadModel(text, 'm.json');
  assert.equal(back.scorePairs(test).margin, m.scorePairs(test).margin);
  assert.equal(saveModel(back), text);
  if (m.scorer.kind === 'rule') {
    // reward = τ · the rule's raw score
    const raw = scoreBaselines(m.scorer.baselines, test).margin[m.scorer.rule];
    const got = m.scorePairs(test).margin;
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(got[i] - m.calibration.scale * raw[i]) < 1e-4 * (1 + Math.abs(got[i])));
  }
});

Library('a rule model: tempered BMA saved, loaded, guarded', () => {
  const m = trainFusion(train, { candidates: ['tbma'], seed: 4 });
  assert.is(m.name, 'tbma');
  assert.is(m.arch, null);
  const text = saveModel(m);
  const edit = (fn) => { const j = JSON.parse(text); fn(j); return JSON.stringify(j); };
  assert.equal(loadModel('\ufeff' + text).scorePairs(test).margin, m.scorePairs(test).margin, 'a BOM is fine');
  throwsWith(() => loadModel(edit((j) => (j.rule.tbmaBeta[1] = 'x')), 'm.json'), /m\.json: field "rule\.tbmaBeta\[1\]": expected a temperature/);
  throwsWith(() => loadModel(edit((j) => (j.rule.tbmaWeights[0] = 2)), 'm.json'), /field "rule\.tbmaWeights\[0\]": expected a weight in \[0, 1\]/);
  throwsWith(() => loadModel(edit((j) => (j.scorer = 'oracle')), 'm.json'), /field "scorer": expected "nets" or one of best, mean/);
  throwsWith(() => loadModel(edit((j) => (j.calibration.scale = 1e300)), 'm.json'), /field "calibration\.scale"/);
  throwsWith(() => loadModel(edit((j) => (j.normalisation.center[0] = 1e39)), 'm.json'), /field "normalisation\.center\[0\]": expected a finite f32/);
});

Library('a version-1 file (nets, no calibration) still loads and scores the same', () => {
  const m = trainFusion(train, { arch: 'mlp', ensemble: 2, epochs: 5, seed: 5 });
  const j = JSON.parse(saveModel(m));
  j.version = 1;
  delete j.scorer;
  delete j.calibration;
  const back = loadModel(JSON.stringify(j), 'old.json');
  assert.equal(back.scorePairs(test).margin, m.scorePairs(test).margin);
});

Library('sizes are checked before allocating, and a model whose rewards overflow is refused', () => {
  const m = trainFusion(train, { arch: 'mlp', ensemble: 1, epochs: 2, seed: 6 });
  const text = saveModel(m);
  const edit = (fn) => { const j = JSON.parse(text); fn(j); return JSON.stringify(j); };
  // refused without allocating: no wasm memory grows while the oversized files are refused (counted, not timed)
  const grow = WebAssembly.Memory.prototype.grow;
  let grownPages = 0;
  WebAssembly.Memory.prototype.grow = function (pages) { grownPages += pages; return grow.call(this, pages); };
  try {
    throwsWith(() => loadModel(edit((j) => (j.arch.hidden = [4096, 4096, 4096])), 'm.json'), /field "arch\.hidden": \d+ parameters is more than/);
    throwsWith(() => loadModel(edit((j) => (j.arch.hidden = Array(200).fill(16))), 'm.json'), /field "arch\.hidden": expected at most 16 widths/);
    throwsWith(() => loadModel(edit((j) => (j.ensemble = 100000)), 'm.json'), /field "ensemble": expected an integer from 1 to 64/);
  } finally {
    WebAssembly.Memory.prototype.grow = grow;
  }
  assert.is(grownPages, 0, 'refused without allocating');
  const big = edit((j) => { const b = Uint8Array.from(atob(j.weights), (c) => c.charCodeAt(0)); const v = new DataView(b.buffer); for (let i = 0; i < b.length; i += 4) v.setFloat32(i, 3e38, true); j.weights = btoa(String.fromCharCode(...b)); });
  throwsWith(() => loadModel(big, 'm.json'), /m\.json: field "weights": the model's rewards are not finite/);
  throwsWith(() => loadModel(edit((j) => (j.arch.temperature = 1e-40)), 'm.json'), /field "arch\.temperature"/);
  throwsWith(() => loadModel(edit((j) => (j.lambda = -1e300)), 'm.json'), /field "lambda"/);
});

Library.run();

const Cv = suite('cross-validation: grouped, and with judges hidden');

Cv('every scorer gets an estimate with every judge and one with judges hidden', () => {
  const cv = crossValidate(train, { ...FAST, folds: 3, hideDraws: 2, seed: 7 });
  assert.is(cv.describe, '3 folds by group (3 groups)');
  for (const name of ['fusion', ...BASELINES]) {
    assert.ok(cv.reports[name].accuracy > 0.5, name);
    assert.ok(cv.hidden[name] > 0.4 && cv.hidden[name] <= 1, `${name} hidden ${cv.hidden[name]}`);
  }
  const none = crossValidate(train, { ...FAST, folds: 3, hideDraws: 0, grouped: false, seed: 7 });
  assert.is(none.describe, '3 random folds');
  assert.ok(Number.isNaN(none.hidden.fusion));
});

Cv.run();
