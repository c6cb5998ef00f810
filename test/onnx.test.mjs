// exportOnnx and `rewardfuse export`: every kind of model, run in
// onnxruntime-node on real and simulated items with judges missing at random,
// gives what score gives; onnx's own full checker accepts every file.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx, loadModel, modelFromJSON, modelToJSON, parseData, saveModel, simItems, simPairs, simulateEnsemble, trainFusion } from '../dist/index.js';
import { hasShared, readShared, SHARED } from './shared-data.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-onnx-'));
const RULES = ['best', 'mean', 'median', 'min', 'meanStd', 'stacking', 'bma', 'tbma'];

// a fixed generator for which scores go missing (not the numeric path)
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** items: both sides of each pair, each score hidden with probability p */
function itemsOf(pairs, p, seed) {
  const K = pairs.models.length, F = pairs.features.length, n = pairs.ids.length, u = lcg(seed);
  const scores = new Float32Array(2 * n * K);
  scores.set(pairs.a);
  scores.set(pairs.b, n * K);
  for (let i = 0; i < scores.length; i++) if (u() < p) scores[i] = NaN;
  const feats = new Float32Array(2 * n * F);
  feats.set(pairs.feats);
  feats.set(pairs.feats, n * F);
  return { models: pairs.models, features: pairs.features, scores, feats, ids: [...pairs.ids, ...pairs.ids] };
}

/** the same items, row i of `rows` from row rows[i] */
function pick(items, rows) {
  const K = items.models.length, F = items.features.length;
  const scores = new Float32Array(rows.length * K), feats = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    scores.set(items.scores.subarray(r * K, (r + 1) * K), i * K);
    feats.set(items.feats.subarray(r * F, (r + 1) * F), i * F);
  });
  return { ...items, scores, feats, ids: rows.map((r) => items.ids[r]) };
}

/** rows with every judge missing but one (each judge in turn), and one row with none */
function alone(items) {
  const K = items.models.length, rows = [];
  for (let k = 0; k <= K; k++) rows.push(k % (items.ids.length));
  const x = pick(items, rows);
  for (let k = 0; k <= K; k++) for (let j = 0; j < K; j++) if (j !== k) x.scores[k * K + j] = NaN;
  for (let k = 0; k < K; k++) if (Number.isNaN(x.scores[k * K + k])) x.scores[k * K + k] = 0.5 + k;
  return x;
}

const close = (a, b) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

/** run the exported model on `items` in onnxruntime-node and compare every output with score's */
async function agree(label, model, session, items) {
  const K = model.models.length, F = model.features.length, n = items.ids.length;
  const want = model.score(items);
  const feeds = { scores: new ort.Tensor('float32', items.scores, [n, K]) };
  if (session.inputNames.includes('features')) feeds.features = new ort.Tensor('float32', items.feats, [n, F]);
  const got = await session.run(feeds);
  const outs = ['reward', 'uncertainty', 'conservative', ...(want.weights ? ['weights'] : [])];
  assert.equal(session.outputNames, outs, `${label}: outputs`);
  for (const k of outs) {
    const a = got[k].data, b = want[k];
    assert.is(a.length, b.length, `${label}: ${k} length`);
    for (let i = 0; i < b.length; i++) if (!close(a[i], b[i])) assert.unreachable(`${label}: ${k}[${i}] is ${a[i]} in onnxruntime, ${b[i]} from score`);
  }
}

/** every rule on one library's fitted state, each with its own calibration; the library's own choice as trained */
function ruleModels(pairs, seed) {
  const lib = trainFusion(pairs, { seed, epochs: 3 });
  const json = modelToJSON(lib);
  const rule = json.rule ?? { ...json.train.baselines };
  const out = { [`library (${lib.name})`]: lib };
  RULES.forEach((r, i) => {
    const calibration = i % 3 === 0 ? { scale: -0.8, offset: 0.25 } : { scale: 1.7, offset: -0.3 };
    out[r] = modelFromJSON({ ...json, scorer: r, rule, arch: undefined, ensemble: undefined, weights: undefined, calibration });
  });
  return out;
}

function netModels(pairs, seed) {
  const o = { seed, epochs: 3 };
  return {
    'linear × 2': trainFusion(pairs, { ...o, arch: 'linear', ensemble: 2 }),
    'mlp relu × 3': trainFusion(pairs, { ...o, arch: 'mlp', ensemble: 3 }),
    'mlp gelu [8,4] × 1': trainFusion(pairs, { ...o, arch: 'mlp', ensemble: 1, hidden: [8, 4], activation: 'gelu' }),
    'mlp sigmoid × 2': trainFusion(pairs, { ...o, arch: 'mlp', ensemble: 2, activation: 'sigmoid' }),
    'gated tanh × 3': trainFusion(pairs, { ...o, arch: 'gated', ensemble: 3 }),
    'gated relu T=2 × 1': trainFusion(pairs, { ...o, arch: 'gated', ensemble: 1, activation: 'relu', temperature: 2 }),
  };
}

/** every model on: all items (judges missing at random), one judge at a time, N = 1, N = 10,000 (when `big`) */
async function checkAll(where, models, items, big = true) {
  for (const [name, model] of Object.entries(models)) {
    const label = `${where}: ${name}`;
    const session = await ort.InferenceSession.create(exportOnnx(model));
    await agree(`${label}, all items`, model, session, items);
    await agree(`${label}, one judge present`, model, session, alone(items));
    await agree(`${label}, N = 1`, model, session, pick(items, [1]));
    if (big) await agree(`${label}, N = 10,000`, model, session, pick(items, Array.from({ length: 10_000 }, (_, i) => (i * 7919) % items.ids.length)));
  }
}

const Score = suite('exportOnnx in onnxruntime-node');

Score('simulated items with features: every rule, net and ensemble gives what score gives', async () => {
  const sim = simulateEnsemble({ prompts: 40, seed: 5, missing: 0.1 });
  const ids = Array.from({ length: 40 }, (_, i) => i);
  const pairs = simPairs(sim, ids, 2);
  assert.ok(pairs.features.length > 0);
  const models = { ...ruleModels(pairs, 1), ...netModels(pairs, 2) };
  await checkAll('simulated', models, itemsOf(pairs, 0.3, 9));
  // and items as simItems makes them
  const items = simItems(sim, ids.slice(0, 10));
  await agree('simulated items: mlp', models['mlp relu × 3'], await ort.InferenceSession.create(exportOnnx(models['mlp relu × 3'])), items);
});

// N = 10,000 on one of the two: the test stays light
for (const [file, seed, big] of [['judgebench-dev.jsonl', 3, true], ['llmbar-dev.jsonl', 4, false]]) {
  const name = `real items from ${file}, 30% of scores missing at random: every rule, net and ensemble gives what score gives`;
  if (!hasShared(file)) {
    console.log(`skip: "${name}": ${SHARED}${file} absent`);
    Score.skip(name, () => {});
    continue;
  }
  Score(name, async () => {
    const pairs = parseData(readShared(file), file, 'pairs');
    const models = { ...ruleModels(pairs, seed), ...netModels(pairs, seed) };
    await checkAll(file, models, itemsOf(pairs, 0.3, seed), big);
  });
}

Score('an older file (linear BMA weights, exact zeros, no log weights): as score where it scores; a row only weight-0 judges scored has all-zero weights', async () => {
  const sim = simulateEnsemble({ prompts: 30, seed: 8, missing: 0.1 });
  const pairs = simPairs(sim, Array.from({ length: 30 }, (_, i) => i), 1);
  const json = modelToJSON(trainFusion(pairs, { seed: 2, epochs: 2 }));
  const K = pairs.models.length;
  const base = json.rule ?? json.train.baselines;
  // judge 1 weighs exactly 0, judge 2 a weight whose share underflows next to judge 0's
  const w = Array.from({ length: K }, (_, k) => (k === 1 ? 0 : k === 2 ? 1e-300 : 1 / K));
  const rule = { ...base, bmaWeights: w, tbmaWeights: w, bmaLogWeights: undefined, tbmaLogWeights: undefined };
  for (const scorer of ['bma', 'tbma']) {
    const model = modelFromJSON({ ...json, scorer, rule, arch: undefined, ensemble: undefined, weights: undefined });
    const session = await ort.InferenceSession.create(exportOnnx(model));
    const items = itemsOf(pairs, 0.3, 4);
    // rows where judge 1 is the only one present would be refused by score: give them judge 2 too
    for (let i = 0; i < items.ids.length; i++) {
      const row = items.scores.subarray(i * K, i * K + K);
      if (row.every((v, k) => (k === 1) === (v === v))) row[2] = 0.25;
    }
    await agree(`older ${scorer}`, model, session, items);
    await agree(`older ${scorer}, judge 2 alone (a share of 1 from a weight of 1e-300)`, model, session, pick({ ...items, scores: items.scores.map((v, i) => (i % K === 2 ? 0.5 : NaN)) }, [0, 1]));
    const only1 = new Float32Array(K).fill(NaN);
    only1[1] = 1.5;
    assert.throws(() => model.score({ ...pick(items, [0]), scores: only1 }), /no usable judge/);
    const got = await session.run({ scores: new ort.Tensor('float32', only1, [1, K]) });
    assert.equal(Array.from(got.weights.data), new Array(K).fill(0), `${scorer}: weights of a row no usable judge scored`);
  }
});

Score('the graph\'s signature and metadata', async () => {
  const sim = simulateEnsemble({ prompts: 12, seed: 1 });
  const pairs = simPairs(sim, Array.from({ length: 12 }, (_, i) => i), 1);
  const gated = trainFusion(pairs, { arch: 'gated', ensemble: 1, epochs: 2 });
  const s = await ort.InferenceSession.create(exportOnnx(gated));
  assert.equal(s.inputNames, ['scores', 'features']);
  assert.equal(s.outputNames, ['reward', 'uncertainty', 'conservative', 'weights']);
  const rule = trainFusion(pairs, { epochs: 2 });
  const r = await ort.InferenceSession.create(exportOnnx(modelFromJSON({ ...modelToJSON(rule), scorer: 'mean' })));
  assert.equal(r.inputNames, ['scores']); // a rule reads no features
  assert.equal(r.outputNames, ['reward', 'uncertainty', 'conservative']);
});

Score('a default that chose a net keeps its anchor rule: the graph is the net, or the anchor when asked, and says which', async () => {
  const sim = simulateEnsemble({ prompts: 40, seed: 5, missing: 0.1 });
  const pairs = simPairs(sim, Array.from({ length: 40 }, (_, i) => i), 2);
  const net = modelToJSON(trainFusion(pairs, { seed: 1, epochs: 3, arch: 'mlp', ensemble: 2 }));
  const rule = modelToJSON(trainFusion(pairs, { seed: 1, candidates: ['tbma'] }));
  const m = modelFromJSON({ ...net, version: 3, shift: rule.shift, anchor: { ...rule, shift: undefined, version: 2 } });
  const items = itemsOf(pairs, 0.3, 9);
  const asNet = exportOnnx(m), asAnchor = exportOnnx(m, { combiner: 'anchor' });
  await agree('the net', m, await ort.InferenceSession.create(asNet), items);
  await agree('its anchor', m.anchor, await ort.InferenceSession.create(asAnchor), items);
  const meta = (bytes) => Buffer.from(bytes).toString('latin1');
  assert.match(meta(asNet), /rewardfuse\.combiner[\s\S]{1,4}net/);
  assert.match(meta(asAnchor), /rewardfuse\.combiner[\s\S]{1,4}anchor/);
  assert.not.match(meta(exportOnnx(m.anchor)), /rewardfuse\.combiner/);
  assert.throws(() => exportOnnx(m.anchor, { combiner: 'anchor' }), /combiner "anchor": this tbma model keeps no anchor rule/);
  assert.throws(() => exportOnnx(m, { combiner: 'blend' }), /option "combiner" must be "net" or "anchor"/);
  assert.throws(() => exportOnnx(m, { anchor: true }), /unknown option "anchor"/);
});

Score('a kind of model it does not know is refused by name', () => {
  const sim = simulateEnsemble({ prompts: 12, seed: 1 });
  const pairs = simPairs(sim, Array.from({ length: 12 }, (_, i) => i), 1);
  const rule = trainFusion(pairs, { epochs: 2 });
  const vote = Object.assign(Object.create(Object.getPrototypeOf(rule)), rule, { scorer: { ...rule.scorer, kind: 'rule', rule: 'vote', baselines: rule.scorer.baselines ?? modelFromJSON({ ...modelToJSON(rule), scorer: 'mean' }).scorer.baselines } });
  assert.throws(() => exportOnnx(vote), /cannot export a model scored by the rule "vote"/);
  const net = trainFusion(pairs, { arch: 'linear', ensemble: 1, epochs: 1 });
  const odd = Object.assign(Object.create(Object.getPrototypeOf(net)), net, { nets: net.nets.map((n) => Object.assign(Object.create(Object.getPrototypeOf(n)), n, { arch: { ...n.arch, type: 'moe' } })) });
  assert.throws(() => exportOnnx(odd), /cannot export nets of architecture "moe"/);
  for (const bad of [null, {}, modelToJSON(net), '{}']) assert.throws(() => exportOnnx(bad), (e) => e instanceof TypeError && /^rewardfuse: exportOnnx: model must be a FusionModel/.test(e.message));
});

Score.run();

// ---- onnx's own checker, and the command line ----

const Checked = suite('onnx.checker and rewardfuse export');
const PYTHON = '/usr/bin/python3';
const hasOnnx = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

const checkerName = 'onnx.checker.check_model(full_check=True) accepts every kind, with opset 17, IR 8 and the metadata';
if (!hasOnnx) {
  console.log(`skip: "${checkerName}": ${PYTHON} cannot import onnx (Debian's python3-onnx)`);
  Checked.skip(checkerName, () => {});
} else {
  Checked(checkerName, () => {
    const sim = simulateEnsemble({ prompts: 24, seed: 2 });
    const pairs = simPairs(sim, Array.from({ length: 24 }, (_, i) => i), 1);
    const models = { ...ruleModels(pairs, 1), ...netModels(pairs, 2) };
    const files = Object.entries(models).map(([name, m], i) => {
      const f = join(dir, `check-${i}.onnx`);
      writeFileSync(f, exportOnnx(m));
      return [name, f];
    });
    const script = `import json, sys, onnx
for f in sys.argv[1:]:
    m = onnx.load(f)
    onnx.checker.check_model(m, full_check=True)
    print(json.dumps({"ir": m.ir_version, "opset": [o.version for o in m.opset_import], "meta": {p.key: p.value for p in m.metadata_props}}))`;
    const r = spawnSync(PYTHON, ['-c', script, ...files.map((f) => f[1])], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.length, files.length);
    lines.forEach((l, i) => {
      const m = models[files[i][0]];
      assert.is(l.ir, 8, files[i][0]);
      assert.equal(l.opset, [17]);
      assert.equal(JSON.parse(l.meta['rewardfuse.models']), m.models);
      assert.equal(JSON.parse(l.meta['rewardfuse.features']), m.scorer.kind === 'nets' ? m.features : []);
      assert.is(l.meta['rewardfuse.file_version'], String(JSON.parse(saveModel(m)).version), 'the file version saveModel writes for it');
      assert.is(JSON.parse(l.meta['rewardfuse.train']).rows, m.train.rows);
    });
  });
}

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const cli = (...args) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

Checked('rewardfuse export writes the file exportOnnx gives; bad input is refused with one line', async () => {
  const sim = simulateEnsemble({ prompts: 12, seed: 1 });
  const pairs = simPairs(sim, Array.from({ length: 12 }, (_, i) => i), 1);
  const model = trainFusion(pairs, { arch: 'mlp', ensemble: 2, epochs: 2 });
  writeFileSync(join(dir, 'm.json'), saveModel(model));
  const ok = cli('export', 'm.json', '-o', 'm.onnx');
  assert.is(ok.code, 0, ok.err);
  assert.is(ok.out, 'wrote m.onnx (mlp [16] × 2, 6 judges)\n');
  assert.equal(new Uint8Array(readFileSync(join(dir, 'm.onnx'))), exportOnnx(loadModel(readFileSync(join(dir, 'm.json'), 'utf8'))));
  const oneLine = (r, pattern) => {
    assert.is(r.code, 1, r.err);
    assert.is(r.out, '');
    assert.match(r.err, pattern);
    assert.is(r.err.split('\n').length, 2, r.err);
  };
  oneLine(cli('export', 'm.onnx', '-o', 'x.onnx'), /^rewardfuse: m\.onnx: not a rewardfuse model file: not valid JSON [^\x00-\x08\x0e-\x1f]*\n$/);
  oneLine(cli('export', 'm.json', '-o', 'm.json'), /^rewardfuse: m\.json: refusing to write over an input/);
  oneLine(cli('export', 'm.json', '-o', join(dir, 'no-such-dir', 'x.onnx')), /^rewardfuse: .*x\.onnx: cannot write \(no such directory/);
  assert.ok(!existsSync(join(dir, 'x.onnx')));
  // -o - is standard output (the note goes to standard error), not a file named "-"
  const piped = spawnSync(process.execPath, [BIN, 'export', 'm.json', '-o', '-'], { cwd: dir, timeout: 60000 });
  assert.is(piped.status, 0, String(piped.stderr));
  assert.equal(new Uint8Array(piped.stdout), exportOnnx(loadModel(readFileSync(join(dir, 'm.json'), 'utf8'))));
  assert.is(String(piped.stderr), 'wrote standard output (mlp [16] × 2, 6 judges)\n');
  assert.ok(!existsSync(join(dir, '-')));
  const noAnchor = cli('export', 'm.json', '--anchor');
  assert.is(noAnchor.code, 2);
  assert.match(noAnchor.err, /--anchor: m\.json keeps no anchor rule/);
  // a default that chose a net: the file is the net, and a note says that score would fall back on unlike input
  const json = JSON.parse(saveModel(model)), rule = JSON.parse(saveModel(trainFusion(pairs, { candidates: ['tbma'] })));
  writeFileSync(join(dir, 'n.json'), JSON.stringify({ ...json, version: 3, shift: rule.shift, anchor: { ...rule, shift: undefined, version: 2 } }));
  const withAnchor = cli('export', 'n.json');
  assert.is(withAnchor.code, 0, withAnchor.err);
  assert.is(withAnchor.out, 'wrote n.onnx (mlp [16] × 2, without its anchor, 6 judges)\n');
  assert.match(withAnchor.err, /^rewardfuse: note: rewardfuse score falls back to the anchor rule \(tbma\) on input unlike the training data/);
  const anchor = cli('export', 'n.json', '--anchor', '-o', 'a.onnx');
  assert.is(anchor.out, 'wrote a.onnx (tbma, the anchor of mlp [16] × 2, 6 judges)\n');
  assert.equal(new Uint8Array(readFileSync(join(dir, 'a.onnx'))), exportOnnx(loadModel(readFileSync(join(dir, 'n.json'), 'utf8')), { combiner: 'anchor' }));
  const usage = cli('export');
  assert.is(usage.code, 2);
  assert.match(usage.err, /^rewardfuse export: export takes one model file/);
});

Checked.run();

// ---- the Python path: examples/onnx/fused_reward.py in onnxruntime (Python) ----

const Python = suite('examples/onnx/fused_reward.py');
const EXAMPLE = fileURLToPath(new URL('../examples/onnx/', import.meta.url));
// REWARDFUSE_PYTHON names an interpreter with numpy and onnxruntime (Debian packages no onnxruntime)
const python = [process.env.REWARDFUSE_PYTHON, 'python3', PYTHON].filter(Boolean)
  .find((p) => spawnSync(p, ['-c', 'import numpy, onnxruntime'], { encoding: 'utf8' }).status === 0);
const pyName = 'verl\'s compute_score(_batch) and a TRL reward function give score\'s rewards, judges missing as None, NaN or absent';
if (!python) {
  console.log(`skip: "${pyName}": no python with numpy and onnxruntime (set REWARDFUSE_PYTHON)`);
  Python.skip(pyName, () => {});
} else {
  Python(pyName, () => {
    const sim = simulateEnsemble({ prompts: 20, seed: 6, missing: 0.1 });
    const pairs = simPairs(sim, Array.from({ length: 20 }, (_, i) => i), 1);
    const items = itemsOf(pairs, 0.3, 2);
    const n = 40, K = items.models.length, F = items.features.length;
    const models = { gated: trainFusion(pairs, { arch: 'gated', ensemble: 2, epochs: 2 }), tbma: modelFromJSON({ ...modelToJSON(trainFusion(pairs, { epochs: 2 })), scorer: 'tbma' }) };
    const rows = [], feats = [];
    for (let i = 0; i < n; i++) {
      const row = {};
      // absent, None or NaN in turn for a missing judge
      items.models.forEach((m, k) => { const v = items.scores[i * K + k]; if (v === v) row[m] = v; else if (k % 2) row[m] = null; });
      rows.push(row);
      feats.push(Object.fromEntries(items.features.map((f, j) => [f, items.feats[i * F + j]])));
    }
    writeFileSync(join(dir, 'rows.json'), JSON.stringify({ rows, feats }));
    for (const [name, model] of Object.entries(models)) {
      writeFileSync(join(dir, `${name}.onnx`), exportOnnx(model));
      const script = `import json, math, sys
sys.path.insert(0, ${JSON.stringify(EXAMPLE)})
import fused_reward as fr
d = json.load(open(sys.argv[2]))
rows = [{k: (float("nan") if (v is None and i % 4 == 0) else v) for k, v in r.items()} for i, r in enumerate(d["rows"])]
verl = fr.compute_score_batch(["x"] * len(rows), [""] * len(rows), [""] * len(rows), [{"judge_scores": r, "features": f} for r, f in zip(rows, d["feats"])], onnx_path=sys.argv[1])
one = fr.compute_score("x", "", "", {"judge_scores": rows[0], "features": d["feats"][0]}, onnx_path=sys.argv[1])
trl = fr.trl_reward(sys.argv[1])(prompts=[""] * len(rows), completions=[""] * len(rows), judge_scores=rows, features=d["feats"])
judges = {m: (lambda m: lambda prompts, completions, **kw: [r.get(m) for r in rows])(m) for m in fr.FusedReward(sys.argv[1]).judges}
trl2 = fr.trl_reward(sys.argv[1], judges=judges, output="conservative")(prompts=[""] * len(rows), completions=[""] * len(rows), features=d["feats"])
print(json.dumps({"verl": verl, "one": one, "trl": trl, "trl2": trl2}))`;
      const r = spawnSync(python, ['-c', script, join(dir, `${name}.onnx`), join(dir, 'rows.json')], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      const want = model.score(pick(items, Array.from({ length: n }, (_, i) => i)));
      for (let i = 0; i < n; i++) {
        for (const [got, w] of [[out.verl[i].score, want.reward[i]], [out.verl[i].uncertainty, want.uncertainty[i]], [out.trl[i], want.reward[i]], [out.trl2[i], want.conservative[i]]]) {
          assert.ok(close(got, w), `${name} row ${i}: ${got} in Python, ${w} from score`);
        }
      }
      assert.ok(close(out.one.score, want.reward[0]));
    }
    // what score refuses is refused, naming the row; fallback= gives such a row a fixed, flagged reward
    writeFileSync(join(dir, 'zero.onnx'), exportOnnx(modelFromJSON({ ...modelToJSON(models.tbma), rule: { ...modelToJSON(models.tbma).rule, tbmaWeights: items.models.map((_, k) => (k ? 0 : 1)), tbmaLogWeights: undefined, bmaLogWeights: undefined } })));
    const [j0, j1] = items.models;
    const refusals = `import json, sys
sys.path.insert(0, ${JSON.stringify(EXAMPLE)})
import fused_reward as fr
f = fr.FusedReward(sys.argv[1])
out = []
for rows in [[{${JSON.stringify(j0)}: 1.0}, {}], [{${JSON.stringify(j0)}: 1.0}, {${JSON.stringify(j1)}: 2.0}], [{"no-such-judge": 1.0}], [{${JSON.stringify(j0)}: float("inf")}], [{${JSON.stringify(j0)}: 1e39}], [{${JSON.stringify(j0)}: "1"}], [{${JSON.stringify(j0)}: True}]]:
    try:
        f(rows)
        out.append(None)
    except ValueError as e:
        out.append(str(e))
g = fr.FusedReward(sys.argv[1], fallback=-2.5)(([{${JSON.stringify(j0)}: 1.0}, {}, {${JSON.stringify(j1)}: 2.0}]))
h = fr.FusedReward(sys.argv[1], ignore_unknown=True)([{${JSON.stringify(j0)}: 1.0, "no-such-judge": 1.0}])
print(json.dumps({"errors": out, "fallback": [float(r) for r in g["reward"]], "unscored": [bool(u) for u in g["unscored"]], "ignored": float(h["reward"][0])}))`;
    const r = spawnSync(python, ['-W', 'ignore', '-c', refusals, join(dir, 'zero.onnx')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    [/^rewardfuse: row 1: no usable judge: none of the model's judges/, /^rewardfuse: row 1: no usable judge: only judges of weight 0 in this model scored it/,
      /^rewardfuse: row 0: 'no-such-judge' is not one of the model's judges .*ignore_unknown=True/, /^rewardfuse: row 0: judge .*: expected a finite float32 number, got inf$/,
      /^rewardfuse: row 0: judge .*: expected a finite float32 number, got 1e\+39$/, /^rewardfuse: row 0: judge .*: expected a number, got '1'$/, /^rewardfuse: row 0: judge .*: expected a number, got True$/,
    ].forEach((p, i) => assert.match(got.errors[i] ?? 'accepted', p));
    assert.equal(got.fallback.slice(1), [-2.5, -2.5]);
    assert.ok(got.fallback[0] !== -2.5 && Number.isFinite(got.fallback[0]));
    assert.equal(got.unscored, [false, true, true]);
    assert.is(got.ignored, got.fallback[0]);
  });
}

Python.run();
