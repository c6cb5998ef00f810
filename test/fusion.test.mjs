// The fusion API: normalisation, the three architectures, losses, training
// controls, missing models, uncertainty, baselines and the model file. (The
// default's choice from the library: library.test.mjs; quality on the real
// sets is measured by npm run bench:quality, not asserted here.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { trainFusion, simulateEnsemble, simPairs, simItems, saveModel, loadModel, crossValidate } from '../dist/index.js';
import { fitBaselines, scoreBaselines, fitItemBaselines, baselineItemScores, BASELINES, pairReport, pairwiseAccuracy, pearson } from '../dist/eval.js';
import { fitNormaliser } from '../dist/models/normalise.js';
import { assignFolds } from '../dist/train/folds.js';

const sim = simulateEnsemble({ prompts: 300, seed: 5 });
const promptIds = Array.from({ length: sim.prompts }, (_, i) => i);
const train = simPairs(sim, promptIds.slice(0, 200), 1);
const test = simPairs(sim, promptIds.slice(200), 2);
const K = sim.models.length;
const acc = (margin, set = test) => pairwiseAccuracy(margin, set.label);
const throwsWith = (fn, pattern) => {
  try { fn(); } catch (e) { assert.match(e.message, pattern); return; }
  assert.unreachable(`expected an error matching ${pattern}`);
};

const Norm = suite('normalisation');

Norm('robust z-score: median and IQR, immune to an outlier; fallbacks for flat columns', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 1e6, NaN].flatMap((v, i) => [v, i % 3, 7]));
  const n = fitNormaliser(3, x);
  assert.is(n.center[0], 5); // median of 1..8 and 1e6; NaN ignored
  assert.ok(Math.abs(1 / n.scale[0] - 4 / 1.349) < 1e-5);
  assert.ok(n.scale[1] > 0 && n.scale[2] === 1, 'a constant column keeps scale 1');
});

Norm('the model fits it on training data only and keeps it in the file', () => {
  const m = trainFusion(train, { arch: 'linear', ensemble: 1, epochs: 5 });
  const again = fitNormaliser(K, train.a, train.b);
  assert.equal(Array.from(m.norm.center), Array.from(again.center));
  assert.equal(loadModel(saveModel(m)).norm.scale, m.norm.scale);
});

Norm.run();

// ---

const Arch = suite('architectures and losses');

const mean = scoreBaselines(fitBaselines(train), test).margin.mean;

for (const arch of ['mlp', 'gated', 'linear']) {
  Arch(`${arch}: Bradley–Terry on pairs beats the mean of the models on held-out pairs`, () => {
    const m = trainFusion(train, { arch, seed: 1 });
    const a = acc(m.scorePairs(test).margin);
    assert.ok(a > acc(mean) + (arch === 'linear' ? 0 : 0.02), `${arch} ${a} vs mean ${acc(mean)}`);
  });
}

Arch('gated: weights are non-negative, sum to 1 over the models present, and 0 for a missing one', () => {
  const m = trainFusion(train, { arch: 'gated', seed: 2, ensemble: 1 });
  const items = simItems(sim, [250]);
  items.scores[3 * K + 2] = NaN;
  const s = m.score(items);
  for (let i = 0; i < items.ids.length; i++) {
    const w = s.weights.subarray(i * K, i * K + K);
    assert.ok(w.every((v) => v >= 0));
    assert.ok(Math.abs(w.reduce((p, v) => p + v, 0) - 1) < 1e-5);
  }
  assert.is(s.weights[3 * K + 2], 0);
});

Arch('gated learns the domain: math-expert weighs more on math than elsewhere', () => {
  const m = trainFusion(simPairs(sim, promptIds, 3), { arch: 'gated', seed: 3, ensemble: 1 });
  const items = simItems(sim, promptIds);
  const w = m.score(items).weights, math = sim.models.indexOf('math-expert');
  let onMath = 0, nMath = 0, off = 0, nOff = 0;
  items.groups.forEach((g, i) => { if (g === 'math') { onMath += w[i * K + math]; nMath++; } else { off += w[i * K + math]; nOff++; } });
  assert.ok(onMath / nMath > 2 * (off / nOff), `math ${onMath / nMath} elsewhere ${off / nOff}`);
});

Arch('MSE on pointwise items: correlates with gold better than any single model', () => {
  const items = simItems(sim, promptIds.slice(0, 200)), held = simItems(sim, promptIds.slice(200));
  const m = trainFusion(items, { loss: 'mse', seed: 4 });
  const r = pearson(m.score(held).reward, held.target);
  for (let j = 0; j < K; j++) {
    const col = [], gold = [];
    for (let i = 0; i < held.ids.length; i++) if (!Number.isNaN(held.scores[i * K + j])) { col.push(held.scores[i * K + j]); gold.push(held.target[i]); }
    assert.ok(r > pearson(col, gold), `fusion ${r} vs ${sim.models[j]}`);
  }
});

Arch('BCE on binary items; loss must match the data kind', () => {
  const items = simItems(sim, promptIds.slice(0, 100));
  const bin = { ...items, target: items.target.map((t) => (t > 0 ? 1 : 0)) };
  const m = trainFusion(bin, { arch: 'mlp', loss: 'bce', seed: 5, ensemble: 1 });
  const r = m.score(bin).reward;
  assert.ok(pairwiseAccuracy(Float64Array.from(r), bin.target) > 0.75);
  throwsWith(() => trainFusion(train, { arch: 'mlp', loss: 'mse' }), /loss 'mse' does not fit pairs/);
  throwsWith(() => trainFusion(items, { arch: 'mlp', loss: 'bt' }), /loss 'bt' does not fit items/);
});

Arch('ties are trained toward ½', () => {
  const tied = { ...train, label: train.label.map(() => 0.5) };
  const m = trainFusion(tied, { arch: 'linear', seed: 6, ensemble: 1, val: 0 , epochs: 100 });
  const d = m.scorePairs(test).margin;
  assert.ok(d.every((v) => Math.abs(v) < 0.1), `max |margin| ${Math.max(...d.map(Math.abs))}`);
});

Arch.run();

// ---

const Train = suite('training controls');

Train('a seed gives the same bits; another seed other bits', () => {
  const a = trainFusion(train, { arch: 'mlp', seed: 7, ensemble: 2 }).scorePairs(test).margin;
  const b = trainFusion(train, { arch: 'mlp', seed: 7, ensemble: 2 }).scorePairs(test).margin;
  const c = trainFusion(train, { arch: 'mlp', seed: 8, ensemble: 2 }).scorePairs(test).margin;
  assert.equal(a, b);
  assert.not.equal(a, c);
});

Train('early stopping on validation loss ends before the epoch budget and keeps the best epoch', () => {
  const m = trainFusion(train, { arch: 'mlp', hidden: [64, 64], epochs: 400, patience: 5, ensemble: 1, lr: 1e-2, val: 0.15, weightDecay: 0 });
  const f = m.train.fit[0];
  assert.ok(f.epochs < 400, `ran ${f.epochs} epochs`);
  assert.is(f.epochs - f.bestEpoch, 5);
  assert.is(f.bestValLoss, Math.min(...f.valLoss));
});

Train('the cost follows the work: a flat loss ends the fit, else the step budget or the epochs do', () => {
  // ~100 steps an epoch: 1,000 epochs would be 100,000 steps
  const per = Math.ceil(train.ids.length / 32);
  const flat = trainFusion(train, { arch: 'mlp', epochs: 1000, maxSteps: 60_000, ensemble: 1 }).train.fit[0];
  assert.is(flat.ended, 'converged');
  assert.ok(flat.steps >= 6000 && flat.steps < 60_000 && flat.steps % 2000 === 0, `${flat.steps} steps`);
  const budget = trainFusion(train, { arch: 'mlp', epochs: 1000, maxSteps: 2500, converge: false, ensemble: 1 }).train.fit[0];
  assert.is(budget.ended, 'steps');
  assert.is(budget.steps, 2500);
  assert.is(budget.epochs, Math.ceil(2500 / per));
  const epochs = trainFusion(train, { arch: 'mlp', epochs: 3, ensemble: 1 }).train.fit[0];
  assert.is(epochs.ended, 'epochs');
  assert.is(epochs.steps, 3 * per);
  throwsWith(() => trainFusion(train, { converge: 'yes' }), /option "converge" must be true or false/);
});

Train('k-fold cross-validation returns an out-of-fold prediction for every row', () => {
  const folds = assignFolds(50, 10, 1);
  for (let f = 0; f < 10; f++) assert.is(folds.filter((v) => v === f).length, 5);
  const cv = crossValidate(train, { folds: 5, ensemble: 1, epochs: 30 });
  assert.is(cv.margin.length, train.ids.length);
  assert.ok(cv.margin.every(Number.isFinite));
  for (const b of BASELINES) assert.ok(cv.reports[b].accuracy > 0.5, b);
  const icv = crossValidate(simItems(sim, promptIds.slice(0, 60)), { folds: 3, ensemble: 1, epochs: 30 });
  assert.ok(icv.reports.fusion.pearson > 0.5);
  assert.is(icv.prediction.length, 480);
  for (const b of ['best', 'mean', 'median', 'min', 'meanStd', 'stacking', 'bma']) assert.ok(icv.reports[b].spearman > 0.2, b);
});

Train('bad options get clear errors', () => {
  throwsWith(() => trainFusion(train, { arch: 'transformer' }), /option "arch" must be one of library, auto, linear, mlp, gated, got "transformer"/);
  throwsWith(() => trainFusion(train, { epochs: 0 }), /option "epochs" must be an integer from 1/);
  throwsWith(() => trainFusion(train, { lr: -1 }), /option "lr" must be a number from/);
  throwsWith(() => trainFusion(train, { ensemble: 0 }), /option "ensemble" must be an integer from 1 to 64/);
  throwsWith(() => trainFusion(train, { arch: 'gated', temperature: 0 }), /option "temperature" must be/);
  for (const hidden of [[0], [1.5], 'x', [5000]]) throwsWith(() => trainFusion(train, { arch: 'mlp', hidden }), /option "hidden" must be an array of at most 16 integers from 1 to 4096/);
  for (const seed of [1.5, NaN, -1, 2 ** 32, 1e20]) throwsWith(() => trainFusion(train, { seed }), /option "seed" must be an integer from 0 to 4294967231/);
  throwsWith(() => trainFusion(train, { lambda: NaN }), /option "lambda" must be a number/);
  throwsWith(() => trainFusion(train, { epoch: 3 }), /unknown option "epoch"/);
  throwsWith(() => crossValidate(train, { folds: 1 }), /crossValidate: option "folds" must be an integer from 2/);
});

Train.run();

// ---

const Missing = suite('missing models');

Missing('scoring with any subset of the trained models works and degrades gracefully', () => {
  const m = trainFusion(train, { seed: 9, modelDropout: 0.2 });
  const full = acc(m.scorePairs(test).margin);
  for (let drop = 0; drop < K; drop++) {
    const keep = sim.models.filter((_, j) => j !== drop);
    const cols = keep.map((name) => sim.models.indexOf(name));
    const sub = (x) => Float32Array.from({ length: test.ids.length * cols.length }, (_, i) => x[Math.floor(i / cols.length) * K + cols[i % cols.length]]);
    const part = { ...test, models: keep, a: sub(test.a), b: sub(test.b) };
    const a = acc(m.scorePairs(part).margin);
    assert.ok(a > full - 0.08 && a > 0.7, `without ${sim.models[drop]}: ${a} (all: ${full})`);
  }
});

Missing('a model never seen in training is reported, not used', () => {
  const m = trainFusion(train, { arch: 'linear', ensemble: 1, epochs: 5 });
  const extra = { ...test, models: [...test.models, 'stranger'], a: widen(test.a), b: widen(test.b) };
  const s = m.scorePairs(extra);
  assert.equal(s.unknownModels, ['stranger']);
  assert.equal(s.margin, m.scorePairs(test).margin);
  throwsWith(() => m.scorePairs({ ...test, models: ['x', 'y', 'z', 'u', 'v', 'w'] }), /none of the data's models/);
});

function widen(x) {
  const n = x.length / K, out = new Float32Array(n * (K + 1));
  for (let i = 0; i < n; i++) { out.set(x.subarray(i * K, i * K + K), i * (K + 1)); out[i * (K + 1) + K] = 1e3; }
  return out;
}

Missing.run();

// ---

const Unc = suite('uncertainty');

Unc('ensemble spread, disagreement for one net, and the conservative score', () => {
  const items = simItems(sim, promptIds.slice(200, 220));
  const ens = trainFusion(train, { arch: 'mlp', seed: 10, ensemble: 4, lambda: 2 }).score(items);
  assert.ok(ens.uncertainty.every((u) => u >= 0) && ens.uncertainty.some((u) => u > 0));
  ens.reward.forEach((r, i) => assert.is(ens.conservative[i], Math.fround(r - 2 * ens.uncertainty[i])));
  const one = trainFusion(train, { arch: 'mlp', seed: 10, ensemble: 1 }).score(items);
  // one net: the spread of the present models' z-scores; large where they disagree
  const agree = { ...items, ids: ['x'], scores: Float32Array.from(sim.models.map((_, j) => [0.1, 0.1, 0, 305, 0.1, 0.1][j])), feats: items.feats.subarray(0, 3) };
  const fight = { ...agree, scores: Float32Array.from([3, -3, 0, 200, 3, -3]) };
  const m1 = trainFusion(train, { arch: 'mlp', seed: 10, ensemble: 1 });
  assert.ok(m1.score(fight).uncertainty[0] > m1.score(agree).uncertainty[0]);
  assert.ok(one.uncertainty.every((u) => u >= 0));
});

Unc.run();

// ---

const Base = suite('baselines');

Base('every baseline scores, on the same normalisation; best picks the best training model; BMA weights sum to 1', () => {
  const f = fitBaselines(train);
  const single = sim.models.map((_, j) => acc(Float64Array.from(train.label, (_, i) => { const d = train.a[i * K + j] - train.b[i * K + j]; return d === d ? d : 0; }), train));
  assert.is(f.best, single.indexOf(Math.max(...single)));
  assert.ok(Math.abs(f.bmaWeights.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  const out = scoreBaselines(f, test);
  for (const b of BASELINES) {
    assert.is(out.margin[b].length, test.ids.length);
    assert.ok(out.prob[b].every((p) => p >= 0 && p <= 1), b);
    const r = pairReport(out.margin[b], test.label, out.prob[b]);
    assert.ok(r.accuracy > 0.55 && r.ci95[0] < r.accuracy && r.accuracy < r.ci95[1], `${b} ${r.accuracy}`);
  }
  assert.ok(acc(out.margin.min) < acc(out.margin.stacking));
});

Base('pointwise baselines: best by correlation, BMA weights sum to 1, every scorer correlates with gold', () => {
  const items = simItems(sim, promptIds.slice(0, 200)), held = simItems(sim, promptIds.slice(200));
  const f = fitItemBaselines(items);
  assert.ok(Math.abs(f.bmaWeights.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  const out = baselineItemScores(f, held.scores);
  for (const [name, s] of Object.entries(out)) assert.ok(pearson(s, held.target) > 0.3, name);
  const r = sim.models.map((_, j) => { const c = [], g = []; items.ids.forEach((_, i) => { const v = items.scores[i * K + j]; if (!Number.isNaN(v)) { c.push(v); g.push(items.target[i]); } }); return pearson(c, g); });
  assert.is(f.best, r.indexOf(Math.max(...r)));
});

Base.run();

// ---

const File = suite('model file');

File('save then load gives bit-identical scores, for every architecture', () => {
  for (const arch of ['mlp', 'gated', 'linear']) {
    const m = trainFusion(train, { arch, seed: 11, ensemble: 2, epochs: 20 });
    const text = saveModel(m);
    const json = JSON.parse(text);
    assert.is(json.format, 'rewardfuse-model');
    assert.is(json.version, 4, 'pairs: the baselines eval compares with, their stacking net stored as weights');
    assert.is(json.scorer, 'nets');
    assert.equal(json.models, sim.models);
    const back = loadModel(text, 'm.json');
    assert.equal(back.scorePairs(test).margin, m.scorePairs(test).margin);
    assert.equal(saveModel(back), text);
  }
});

File('a corrupt file names the field', () => {
  const text = saveModel(trainFusion(train, { arch: 'linear', ensemble: 1, epochs: 3 }));
  const edit = (fn) => { const j = JSON.parse(text); fn(j); return JSON.stringify(j); };
  throwsWith(() => loadModel('{"format": "rewardfuse-model", ', 'm.json'), /^m\.json: not a rewardfuse model file: not valid JSON/);
  throwsWith(() => loadModel(edit((j) => (j.format = 'onnx')), 'm.json'), /m\.json: field "format"/);
  throwsWith(() => loadModel(edit((j) => (j.version = 99)), 'm.json'), /field "version": this rewardfuse reads versions 1 to 4, the file is version 99/);
  throwsWith(() => loadModel(edit((j) => (j.weights = j.weights.slice(0, 8))), 'm.json'), /field "weights": expected \d+ f32 values/);
  throwsWith(() => loadModel(edit((j) => (j.normalisation.scale[2] = -1)), 'm.json'), /field "normalisation\.scale\[2\]": expected a positive f32/);
  throwsWith(() => loadModel(edit((j) => (j.normalisation.center.pop())), 'm.json'), /field "normalisation\.center": expected 6 numbers/);
  throwsWith(() => loadModel(edit((j) => (j.arch.type = 'rnn')), 'm.json'), /field "arch\.type"/);
  throwsWith(() => loadModel(edit((j) => (j.models = [1, 2])), 'm.json'), /field "models": expected an array of strings/);
  throwsWith(() => loadModel(edit((j) => (j.weights = '%%%')), 'm.json'), /field "weights": not valid base64/);
  const nan = edit((j) => { const b = Uint8Array.from(atob(j.weights), (c) => c.charCodeAt(0)); new DataView(b.buffer).setFloat32(0, NaN, true); j.weights = btoa(String.fromCharCode(...b)); });
  throwsWith(() => loadModel(nan, 'm.json'), /field "weights": weight 0 is NaN/);
});

File.run();

// ---


