// The shift check and the default's gate: a net scores a batch only where the
// batch resembles the training data; a shifted simulated batch falls back to
// the anchor (tempered BMA), an in-domain one keeps the net; single items
// follow a rolling window; the model file keeps the check (version 3) and
// older files still load. Quality on real data: node bench/shift.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { trainFusion, simulateEnsemble, simPairs, simItems, saveModel, loadModel, createHandler } from '../dist/index.js';
import { ShiftWindow, SHIFT_RULE } from '../dist/shift.js';
import { pairwiseAccuracy } from '../dist/eval.js';
import { shiftReference, checkShift, domainAUC, SHIFT_LIMITS } from '../dist/models/shift.js';

const P = 600, cut = 420, ids = Array.from({ length: P }, (_, i) => i);
const simIn = simulateEnsemble({ prompts: P, seed: 0 });
const simSh = simulateEnsemble({ prompts: P, seed: 0, shift: { from: cut } });
const train = simPairs(simIn, ids.slice(0, cut), 0);
const testIn = simPairs(simIn, ids.slice(cut), 1);
const testSh = simPairs(simSh, ids.slice(cut), 1);
// as the demo trains it: random folds; two candidates keep the test short
const model = trainFusion(train, { seed: 0, grouped: false, candidates: ['tbma', 'gated'] });
const throwsWith = (fn, pattern) => {
  try { fn(); } catch (e) { assert.match(e.message, pattern); return; }
  assert.unreachable(`expected an error matching ${pattern}`);
};

const Check = suite('the shift check');

Check('the domain classifier: ≈ ½ on two samples of one distribution, near 1 on moved ones, and the same bits every time', () => {
  const J = 4, n = 600;
  const draw = (seed, move) => {
    const s = simulateEnsemble({ prompts: n / 8, seed }).scores; // 6 judges; use 4, standardised roughly
    return Float64Array.from({ length: n * J }, (_, i) => (s[Math.floor(i / J) * 6 + (i % J)] - (i % J === 3 ? 300 : 0)) / (i % J === 3 ? 50 : 1) + (i % J === 0 ? move : 0));
  };
  const same = domainAUC(draw(1, 0), n, draw(2, 0), n, J);
  const moved = domainAUC(draw(1, 0), n, draw(2, 1.5), n, J);
  assert.ok(same < 0.6, `same distribution: AUC ${same}`);
  assert.ok(moved > 0.8, `moved: AUC ${moved}`);
  assert.is(domainAUC(draw(1, 0), n, draw(2, 1.5), n, J), moved);
});

Check('per-judge changes name the judges that moved; the reference is capped and rounded', () => {
  const ref = model.shift;
  assert.ok(ref && ref.rows <= SHIFT_LIMITS.rows && ref.rows * ref.judges.length <= SHIFT_LIMITS.values);
  assert.ok(ref.sample.every((v) => v !== v || Math.round(v * 100) / 100 === v), 'two decimals');
  const r = model.checkPairs(testSh).shift;
  const fan = r.judges.find((j) => j.model === 'verbose-fan'), careful = r.judges.find((j) => j.model === 'careful');
  assert.ok(Math.abs(fan.location) > 0.4, `verbose-fan moved: ${fan.location}`);
  assert.ok(Math.abs(careful.location) < 0.2 && Math.abs(careful.spread - 1) < 0.2, `careful did not: ${JSON.stringify(careful)}`);
  // a big judge count is capped for the classifier
  const K = 40, x = new Float32Array(300 * K).map((_, i) => (i * 7919) % 13);
  const norm = { center: new Float32Array(K).fill(6), scale: new Float32Array(K).fill(0.25) };
  const big = shiftReference(x, norm, Float64Array.from({ length: K }, (_, k) => k));
  assert.is(big.judges.length, SHIFT_LIMITS.judges);
  assert.is(big.judges[0], K - SHIFT_LIMITS.judges, 'the highest priorities');
  assert.is(checkShift(big, norm, x.subarray(0, 100 * K), new Array(K).fill('m'), 100).auc, null, 'under minRows: no AUC');
});

const Gate = suite('the default\'s gate');

Gate('the library chose a net here, and keeps tempered BMA as its anchor', () => {
  assert.is(model.scorer.kind, 'nets', model.train.library.reason);
  assert.is(model.anchor.name, 'tbma');
  assert.ok(model.anchor.calibration.scale > 0);
});

Gate('an in-domain batch keeps the net; a shifted one falls back to the anchor, and does not lose to it', () => {
  const a = model.scorePairsBatch(testIn);
  assert.is(a.combiner, 'net', a.shift.reason);
  assert.ok(a.shift.auc < SHIFT_RULE.threshold);
  assert.equal(a.margin, model.scorePairs(testIn).margin);
  const anchorIn = pairwiseAccuracy(model.anchor.scorePairs(testIn).margin, testIn.label);
  assert.ok(pairwiseAccuracy(a.margin, testIn.label) > anchorIn + 0.02, 'the net\'s in-domain gain is kept');
  const b = model.scorePairsBatch(testSh);
  assert.is(b.combiner, 'anchor', b.shift.reason);
  assert.ok(b.shift.auc >= SHIFT_RULE.threshold);
  assert.equal(b.margin, model.anchor.scorePairs(testSh).margin);
  const netSh = pairwiseAccuracy(model.scorePairs(testSh).margin, testSh.label);
  assert.ok(pairwiseAccuracy(b.margin, testSh.label) > netSh, 'here the net loses under the shift');
});

Gate('items: a batch decides for itself; a single item gets the anchor; a rolling window agrees with the batch on clear cases', () => {
  const itemsIn = simItems(simIn, ids.slice(cut)), itemsSh = simItems(simSh, ids.slice(cut));
  assert.is(model.scoreBatch(itemsIn).combiner, 'net');
  assert.is(model.scoreBatch(itemsSh).combiner, 'anchor');
  const one = (items, i) => ({ ...items, ids: [items.ids[i]], scores: items.scores.subarray(i * 6, i * 6 + 6), feats: items.feats.subarray(i * 3, i * 3 + 3) });
  const single = model.scoreBatch(one(itemsIn, 0));
  assert.is(single.combiner, 'anchor');
  assert.is(single.shift.auc, null);
  for (const [items, want] of [[itemsIn, 'net'], [itemsSh, 'anchor']]) {
    const w = new ShiftWindow(model);
    assert.is(w.score(one(items, 0)).combiner, 'anchor', 'an empty window: the anchor');
    let last;
    for (let i = 1; i < 400; i++) last = w.score(one(items, i));
    assert.is(last.decidedBy, 'window');
    assert.is(last.combiner, want);
    assert.is(w.rows, 400);
    const r = (want === 'net' ? model : model.anchor).score(one(items, 399)).reward;
    assert.equal(last.reward, r);
  }
  throwsWith(() => new ShiftWindow(model, { size: 10 }), /size must be an integer from 200/);
});

const File = suite('model file, versions 3 and 4');

File('the check and the anchor are saved and loaded to the same bits and decisions; old files still load', () => {
  const text = saveModel(model);
  const json = JSON.parse(text);
  assert.is(json.version, 4);
  assert.ok(json.shift && json.anchor && json.anchor.scorer === 'tbma');
  assert.ok(text.length < 200_000, `${text.length} characters`);
  const back = loadModel(text, 'm.json');
  assert.is(saveModel(back), text);
  for (const t of [testIn, testSh]) {
    const x = model.scorePairsBatch(t), y = back.scorePairsBatch(t);
    assert.is(y.combiner, x.combiner);
    assert.is(y.shift.auc, x.shift.auc);
    assert.equal(y.margin, x.margin);
  }
  // a version-2 file (no check, no anchor) loads and the net always scores
  const old = JSON.parse(text);
  old.version = 2;
  delete old.shift;
  delete old.anchor;
  delete old.train.baselines; // version 4's form: a version-2 file nests a model file there
  const v2 = loadModel(JSON.stringify(old), 'old.json');
  assert.is(v2.shift, null);
  const c = v2.scorePairsBatch(testSh);
  assert.is(c.combiner, 'net');
  assert.equal(c.margin, model.scorePairs(testSh).margin);
  assert.is(JSON.parse(saveModel(v2)).version, 2, 'written back as it was');
  // a rule model keeps the reference (eval reports shift) and no anchor
  const rule = trainFusion(train, { seed: 0, candidates: ['tbma'] });
  assert.ok(rule.shift && !rule.anchor);
  assert.is(rule.scorePairsBatch(testSh).combiner, 'rule');
});

File("version 4 stores the rules' stacking net as its weights; the nested model file of versions 2 and 3 still loads to the same bits", () => {
  const rule = trainFusion(train, { seed: 0, candidates: ['stacking'] });
  const json = JSON.parse(saveModel(rule));
  assert.is(json.version, 4);
  assert.is(typeof json.rule.stacking, 'string');
  assert.is(typeof json.train.baselines.stacking, 'string');
  // the same net as a version-3 file held it: a whole nets model file, linear, on the rules' normalisation
  const nested = (r) => ({
    format: 'rewardfuse-model', version: 2, models: json.models, features: [],
    normalisation: { center: r.center, scale: r.scale, featureCenter: [], featureScale: [] },
    scorer: 'nets', calibration: { scale: 1, offset: 0 }, seed: 0, lambda: 1,
    arch: { type: 'linear', hidden: [], activation: 'relu', temperature: 1 }, ensemble: 1, weights: r.stacking, train: null,
  });
  const old = { ...json, version: 3, rule: { ...json.rule, stacking: nested(json.rule) }, anchor: json.anchor && { ...json.anchor, version: 2, rule: { ...json.anchor.rule, stacking: nested(json.anchor.rule) } } };
  if (!old.anchor) delete old.anchor;
  const v3 = loadModel(JSON.stringify(old), 'v3.json');
  assert.equal(v3.scorePairsBatch(testSh).margin, rule.scorePairsBatch(testSh).margin);
  assert.equal(v3.scorePairsBatch(testIn).margin, rule.scorePairsBatch(testIn).margin);
  assert.is(saveModel(v3), saveModel(rule), 'written as version 4');
});

File('a corrupt check or anchor names its field', () => {
  const text = saveModel(model);
  const edit = (fn) => { const j = JSON.parse(text); fn(j); return JSON.stringify(j); };
  throwsWith(() => loadModel(edit((j) => (j.shift.missing[1] = 2)), 'm.json'), /m\.json: field "shift\.missing\[1\]": expected a rate in \[0, 1\]/);
  throwsWith(() => loadModel(edit((j) => (j.shift.rows = 5000)), 'm.json'), /field "shift\.rows"/);
  throwsWith(() => loadModel(edit((j) => j.shift.sample.pop()), 'm.json'), /field "shift\.sample": expected \d+ numbers/);
  throwsWith(() => loadModel(edit((j) => (j.anchor.rule.tbmaWeights[0] = 2)), 'm.json'), /field "anchor\.rule\.tbmaWeights\[0\]"/);
  throwsWith(() => loadModel(edit((j) => (j.anchor.models = j.anchor.models.reverse())), 'm.json'), /field "anchor\.models"/);
  throwsWith(() => loadModel(edit((j) => delete j.shift), 'm.json'), /field "shift": a file with an anchor needs/);
});

const Cli = suite('eval and score say so');

Cli('eval prints the shift section; score warns once on shifted items and --explain-choice names the combiner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-shift-'));
  const at = (f) => join(dir, f);
  const side = (x, i, set) => Object.fromEntries(set.models.map((m, k) => [m, Number.isNaN(x[i * 6 + k]) ? null : x[i * 6 + k]]));
  const feats = (set, i) => Object.fromEntries(set.features.map((f, j) => [f, set.feats[i * 3 + j]]));
  const items = (set) => set.ids.map((id, i) => JSON.stringify({ id, scores: side(set.scores, i, set), features: feats(set, i) })).join('\n') + '\n';
  writeFileSync(at('model.json'), saveModel(model));
  writeFileSync(at('in.jsonl'), items(simItems(simIn, ids.slice(cut))));
  writeFileSync(at('shifted.jsonl'), items(simItems(simSh, ids.slice(cut))));
  writeFileSync(at('pairs.jsonl'), testSh.ids.map((id, i) => JSON.stringify({ id, a: side(testSh.a, i, testSh), b: side(testSh.b, i, testSh), label: testSh.label[i] ? 'a' : 'b', features: feats(testSh, i) })).join('\n') + '\n');
  const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const cli = (...args) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  const e = cli('eval', 'model.json', 'pairs.jsonl');
  assert.is(e.status, 0, e.stderr);
  assert.match(e.stdout, /fusion gated \[16\] × 5 → tbma\s+\d+\.\d%/);
  assert.match(e.stdout, /shift: these scores against the training data's/);
  assert.match(e.stdout, /domain classifier AUC 0\.\d{3} \(1000 items against \d+ training items/);
  assert.match(e.stdout, /scored by: the anchor, tbma, in place of the net gated/);
  assert.match(e.stdout, /with judges hidden \(5 draws, each a batch of its own\): the net scored \d, the anchor \d/);
  assert.match(e.stdout, /verbose-fan\s+-0\.\d\d\s+\d\.\d\d×\s+\d\.\d%\s→\s\d\.\d%\s+←/);
  const sh = cli('score', 'model.json', 'shifted.jsonl', '--explain-choice');
  assert.is(sh.status, 0, sh.stderr);
  assert.is(sh.stderr.split('\n').filter((l) => /warning: these items look unlike/.test(l)).length, 1, sh.stderr);
  const lines = sh.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 180 * 8);
  assert.ok(lines.every((l) => l.combiner === 'anchor'));
  const inn = cli('score', 'model.json', 'in.jsonl', '--explain-choice', '--threads', '2');
  assert.is(inn.status, 0, inn.stderr);
  assert.not.match(inn.stderr, /warning/);
  assert.ok(inn.stdout.trim().split('\n').every((l) => JSON.parse(l).combiner === 'net'));
});

const Serve = suite('the server');

Serve('/v1/fuse: a batch decides for itself, small requests follow the window; per-item combiner and /metrics say which', async () => {
  const h = createHandler(model);
  const body = (set, from, to) => JSON.stringify({ items: Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { scores: Object.fromEntries(set.models.map((m, k) => [m, Number.isNaN(set.scores[i * 6 + k]) ? null : set.scores[i * 6 + k]])), features: Object.fromEntries(set.features.map((f, d) => [f, set.feats[i * 3 + d]])) };
  }) });
  const fuse = async (b) => (await h.fetch(new Request('http://x/v1/fuse', { method: 'POST', body: b, headers: { 'content-type': 'application/json' } }))).json();
  const itemsIn = simItems(simIn, ids.slice(cut)), itemsSh = simItems(simSh, ids.slice(cut));
  const one = await fuse(body(itemsIn, 0, 1));
  assert.is(one.results[0].combiner, 'anchor', 'an empty window: the anchor');
  const sh = await fuse(body(itemsSh, 0, 400));
  assert.ok(sh.results.every((r) => r.combiner === 'anchor'));
  const inn = await fuse(body(itemsIn, 0, 400));
  assert.ok(inn.results.every((r) => r.combiner === 'net'));
  // small requests follow the window: once in-domain rows fill it (requests under 200 rows), the net
  for (let i = 400; i < 1196; i += 199) await fuse(body(itemsIn, i, i + 199));
  const last = await fuse(body(itemsIn, 1196, 1197));
  assert.is(last.results[0].combiner, 'net');
  assert.is(last.results[0].reward, model.score({ ...itemsIn, ids: [0], scores: itemsIn.scores.subarray(1196 * 6, 1197 * 6), feats: itemsIn.feats.subarray(1196 * 3, 1197 * 3) }).reward[0]);
  const m = await (await h.fetch(new Request('http://x/metrics'))).text();
  assert.match(m, /rewardfuse_shift_window_net 1\n/);
  assert.match(m, /rewardfuse_shift_window_rows 1000\n/);
  assert.match(m, /rewardfuse_shift_rows_total\{combiner="anchor",decided_by="batch"\} 400\n/);
});

Check.run();
Serve.run();
Cli.run();
Gate.run();
File.run();
