// npm run bench — rewardfuse against TensorFlow.js (wasm and cpu backends) in
// one process, on the same data and the same initial weights. A validation
// pass first shows every pair of contenders computes the same thing (outputs
// within 1e-5 relative, ‖a − b‖∞ / ‖b‖∞); it throws if not. Then benchmark.js
// times each case; we quote medians of its samples. Prints one markdown table
// and writes bench/results.json.
import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { trainFusion, simulateEnsemble, simPairs } from '../dist/index.js';
import { subsetPairs } from '../dist/data.js';
import { Mlp, newKernels, Arena } from '../dist/engine.js';
import { tf, useBackend, BACKENDS, WASM_FLAGS } from './tfjs.mjs';

const QUICK = process.argv.includes('--quick');
const TOL = 1e-5;
const rows = [];
const results = { machine: machine(), tfjsWasm: WASM_FLAGS, date: new Date().toISOString(), tolerance: TOL, rows };

// ------------------------------------------------------------------ tools

function relErr(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / (den || 1);
}

function validate(what, a, b) {
  if (a.length !== b.length) throw new Error(`validation failed: ${what}: ${a.length} values against ${b.length}`);
  const e = relErr(a, b);
  if (!(e <= TOL) && process.env.BENCH_DEBUG) {
    for (let i = 0; i < b.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6) console.error(i, a[i], b[i]);
  }
  if (!(e <= TOL)) throw new Error(`validation failed: ${what}: relative error ${e.toExponential(2)} > ${TOL}`);
  return e;
}

const median = (xs) => { const s = [...xs].sort((p, q) => p - q); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

/** Median seconds per call of fn (sync, or async when it returns a promise). */
function time(fn, slow = false) {
  const async = fn.constructor.name === 'AsyncFunction';
  const opts = { minSamples: QUICK ? 3 : slow ? 5 : 20, maxTime: QUICK ? 0.2 : slow ? 1 : 1.5, initCount: 1 };
  return new Promise((resolve, reject) => {
    const b = async
      ? new Benchmark({ defer: true, fn: (d) => fn().then(() => d.resolve(), reject), ...opts })
      : new Benchmark({ fn, ...opts });
    b.on('complete', () => (b.error ? reject(b.error) : resolve(median(b.stats.sample))));
    b.on('error', () => reject(b.error));
    b.run({ async: true });
  });
}

function det(n, seed) {
  // deterministic inputs in [-1, 1)
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2147483648 - 1; });
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

// ----------------------------------------------------------------- matmul

async function matmulRows() {
  const shapes = [[1, 256, 256], [64, 8, 32], [256, 8, 64], [256, 64, 64], [1024, 32, 32], [4096, 32, 1], [512, 512, 512]];
  for (const [B, K, N] of shapes) {
    const x = det(B * K, 1), w = det(K * N, 2);
    const k = newKernels(), arena = new Arena(k);
    const px = arena.alloc(B * K), pw = arena.alloc(K * N), py = arena.alloc(B * N);
    arena.f32.set(x, px >> 2);
    arena.f32.set(w, pw >> 2);
    k.matmulForward(py, px, pw, 0, B, K, N, 0);
    const ours = arena.f32.slice(py >> 2, (py >> 2) + B * N);
    const flops = 2 * B * K * N;
    const row = { case: `matmul [${B}×${K}]·[${K}×${N}]`, unit: 'GFLOP/s', rewardfuse: flops / (await time(() => k.matmulForward(py, px, pw, 0, B, K, N, 0))) / 1e9 };
    for (const backend of BACKENDS) {
      await useBackend(backend);
      const xt = tf.tensor2d(x, [B, K]), wt = tf.tensor2d(w, [K, N]);
      // tfjs's fastest idiom: dataSync outside tf.tidy (inside, it costs ~3 ms a call on wasm)
      const mm = () => { const y = tf.matMul(xt, wt); const v = y.dataSync(); y.dispose(); return v; };
      row[`err ${backend}`] = validate(`${row.case} on tfjs-${backend}`, ours, mm());
      row[`tfjs-${backend}`] = flops / (await time(mm, B * K * N > 1e7 && backend === 'cpu')) / 1e9;
      xt.dispose();
      wt.dispose();
    }
    report(row);
  }
}

// --------------------------------------------------------- training steps

const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

// tfjs variables holding the same initial weights as our Mlp
function tfParams(mlp) {
  const f32 = mlp.graph.arena.f32;
  return mlp.layers.map((l) => ({
    W: tf.variable(tf.tensor2d(f32.slice(l.W.ptr >> 2, (l.W.ptr >> 2) + l.W.size), [l.x.cols, l.N])),
    b: tf.variable(tf.tensor1d(f32.slice(l.b.ptr >> 2, (l.b.ptr >> 2) + l.b.size))),
  }));
}

function tfForward(params, x) {
  let h = x;
  params.forEach((p, i) => {
    h = tf.add(tf.matMul(h, p.W), p.b);
    if (i < params.length - 1) h = tf.relu(h);
  });
  return h;
}

function tfLoss(kind, r, t) {
  if (kind === 'mse') return tf.losses.meanSquaredError(t, r.reshape([-1]));
  const P = r.shape[0] / 2;
  const d = tf.sub(r.slice([0, 0], [P, 1]), r.slice([P, 0], [P, 1])).reshape([-1]);
  return tf.losses.sigmoidCrossEntropy(t, d);
}

function tfLayersModel(mlp, kind) {
  const model = tf.sequential();
  mlp.layers.forEach((l, i) => model.add(tf.layers.dense({ units: l.N, inputShape: i ? undefined : [l.x.cols], activation: i < mlp.layers.length - 1 ? 'relu' : 'linear' })));
  const f32 = mlp.graph.arena.f32;
  model.setWeights(mlp.layers.flatMap((l) => [
    tf.tensor2d(f32.slice(l.W.ptr >> 2, (l.W.ptr >> 2) + l.W.size), [l.x.cols, l.N]),
    tf.tensor1d(f32.slice(l.b.ptr >> 2, (l.b.ptr >> 2) + l.b.size)),
  ]));
  // the Bradley–Terry loss over a batch of [a rows; b rows], as a Keras loss of (yTrue, yPred)
  const bt = (yTrue, yPred) => {
    const P = yPred.shape[0] / 2;
    return tfLoss('bt', yPred, yTrue.slice([0, 0], [P, 1]).reshape([-1]));
  };
  model.compile({ optimizer: tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps), loss: kind === 'mse' ? 'meanSquaredError' : bt });
  return model;
}

function ourParams(mlp, which = 'ptr') {
  const f32 = mlp.graph.arena.f32;
  return mlp.layers.flatMap((l) => [...f32.slice(l.W[which] >> 2, (l.W[which] >> 2) + l.W.size), ...f32.slice(l.b[which] >> 2, (l.b[which] >> 2) + l.b.size)]);
}

// Adam's first step is lr·g/(|g| + ε): for a gradient that is zero up to
// roundoff (the last bias under Bradley–Terry, which cancels between a and b)
// it turns roundoff into a step of either sign. Weights are compared where the
// gradient is well above roundoff; the gradients themselves are compared whole.
function wellConditioned(grads) {
  const top = Math.max(...grads.map(Math.abs));
  return (v) => v.filter((_, i) => Math.abs(grads[i]) > 1e-5 * top);
}

async function stepRows() {
  for (const [K, H] of [[8, 32], [64, 256]]) {
    for (const B of [64, 1024]) {
      for (const kind of ['mse', 'bt']) {
        const x = det(B * K, 3);
        const nt = kind === 'bt' ? B / 2 : B;
        const t = kind === 'bt' ? Float32Array.from({ length: nt }, (_, i) => [1, 0, 0.5, 1][i % 4]) : det(nt, 4);
        const make = () => new Mlp({ inputs: K, hidden: [H, H], seed: 5, maxBatch: B });
        const ours = make();
        const step = () => { ours.zeroGrad(); ours.forward(x, B); ours.loss(kind, t); ours.backward(); ours.step({ lr: ADAM.lr, beta1: ADAM.beta1, beta2: ADAM.beta2, eps: ADAM.eps }); };
        // validation: one step from the same weights
        const ref = make();
        const params0 = ourParams(ref);
        ref.forward(x, B);
        const out0 = ref.outputs();
        ref.zeroGrad();
        ref.forward(x, B);
        const loss0 = ref.loss(kind, t);
        ref.backward();
        const grads = ourParams(ref, 'grad');
        const keep = wellConditioned(grads);
        ref.step({ ...ADAM });
        const params1 = keep(ourParams(ref));
        const row = { case: `train step K=${K}→${H}→${H}→1, batch ${B}, ${kind === 'bt' ? 'Bradley–Terry' : 'MSE'}`, unit: 'µs/step' };
        row.rewardfuse = (await time(step)) * 1e6;
        for (const backend of BACKENDS) {
          await useBackend(backend);
          const slow = backend === 'cpu' && H === 256;
          const xt = tf.tensor2d(x, [B, K]), tt = tf.tensor1d(t);
          // optimizer.minimize on variables
          const vars = tfParams(make());
          const flat = vars.flatMap((p) => [p.W, p.b]);
          const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
          const out = tf.tidy(() => tfForward(vars, xt).dataSync());
          validate(`${row.case}: forward on tfjs-${backend}`, out0, out);
          const { value, grads: g } = tf.variableGrads(() => tfLoss(kind, tfForward(vars, xt), tt), flat);
          validate(`${row.case}: loss on tfjs-${backend}`, [loss0], value.dataSync());
          validate(`${row.case}: gradients on tfjs-${backend}`, grads, flat.flatMap((v) => [...g[v.name].dataSync()]));
          tf.dispose([value, ...Object.values(g)]);
          opt.minimize(() => tfLoss(kind, tfForward(vars, xt), tt), false, flat);
          row[`err ${backend}`] = validate(`${row.case}: weights after one Adam step on tfjs-${backend}`, params1, keep(flat.flatMap((v) => [...v.dataSync()])));
          row[`tfjs-${backend} minimize`] = (await time(() => { opt.minimize(() => tfLoss(kind, tfForward(vars, xt), tt), false, flat); }, slow)) * 1e6;
          // model.fit for one step
          const model = tfLayersModel(make(), kind);
          const y = kind === 'mse' ? tf.tensor2d(t, [B, 1]) : tf.tensor2d(Float32Array.from({ length: B }, (_, i) => t[i % nt]), [B, 1]);
          await model.fit(xt, y, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 });
          validate(`${row.case}: weights after model.fit on tfjs-${backend}`, params1, keep(model.getWeights().flatMap((w) => [...w.dataSync()])));
          row[`tfjs-${backend} fit`] = (await time(async () => { await model.fit(xt, y, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 }); }, slow)) * 1e6;
          tf.dispose([xt, tt, y, ...flat]);
          model.dispose();
          opt.dispose();
        }
        report(row);
      }
    }
  }
}

// --------------------------------------------------------------- inference

async function inferenceRows() {
  const K = 8;
  const mlp = new Mlp({ inputs: K, hidden: [32, 32], seed: 6, maxBatch: 1024 });
  for (const n of [1, 1024]) {
    const x = det(n * K, 7);
    const out = new Float32Array(n);
    const ours = mlp.predict(x, out).slice();
    const row = { case: `inference K=8→32→32→1, ${n} row${n > 1 ? 's' : ''}`, unit: 'µs/call', rewardfuse: (await time(() => mlp.predict(x, out))) * 1e6 };
    for (const backend of BACKENDS) {
      await useBackend(backend);
      const model = tfLayersModel(mlp, 'mse');
      const predict = () => { const y = tf.tidy(() => model.predict(tf.tensor2d(x, [n, K]))); const v = y.dataSync(); y.dispose(); return v; };
      row[`err ${backend}`] = validate(`${row.case} on tfjs-${backend}`, ours, predict());
      row[`tfjs-${backend}`] = (await time(predict)) * 1e6;
      model.dispose();
    }
    report(row);
  }
}

// ----------------------------------------------------------- end to end

// Train an mlp fusion net (hidden 32,32 with a linear skip, one net,
// Bradley–Terry, batches of 32 pairs, AdamW without decay) on the demo's
// training pairs for a fixed number of epochs.
async function endToEndRow() {
  const epochs = QUICK ? 2 : 10;
  const sim = simulateEnsemble({ seed: 0 });
  const pairs = simPairs(sim, Array.from({ length: 420 }, (_, i) => i), 0);
  const n = pairs.ids.length;
  const opts = { arch: 'mlp', hidden: [32, 32], ensemble: 1, val: 0, modelDropout: 0, weightDecay: 0, epochs, batchSize: 32, seed: 0, lr: 3e-3 };
  const row = { case: `end-to-end train, demo data (${n} pairs), ${epochs} epochs`, unit: 'ms' };
  // validation: one full-batch step of both from the same weights, on the
  // first 500 pairs (a batch the arena holds whole)
  const v = subsetPairs(pairs, Array.from({ length: 500 }, (_, i) => i)), nv = 500;
  const ref = trainFusion(v, { ...opts, epochs: 1, batchSize: nv, lr: 1e-3 });
  // the same nets as initialised, through the public API: same seed, same
  // normalisation, one full-batch step at the smallest learning rate the
  // options allow. Adam's first step moves each weight by lr (|m̂/√v̂| = 1), so
  // these are the initial weights within 1e-8, far below the tolerance.
  const model0 = trainFusion(v, { ...opts, epochs: 1, batchSize: nv, lr: 1e-8 });
  row.rewardfuse = (await time(() => trainFusion(pairs, opts), true)) * 1e3;
  const net0 = model0.nets[0];
  const enc = (set) => ({ a: model0.encode(set.a, set.feats, set.ids.length), b: model0.encode(set.b, set.feats, set.ids.length), t: set.label, n: set.ids.length });
  const small = enc(v), all = enc(pairs);
  const C = net0.cols;
  for (const backend of BACKENDS) {
    await useBackend(backend);
    const g = net0.graph, f32 = g.arena.f32;
    const param = (p, shape) => tf.variable(tf.tensor(f32.slice(p.ptr >> 2, (p.ptr >> 2) + p.size), shape));
    const byName = Object.fromEntries(g.params.map((p) => [p.name, p]));
    const V = {
      W0: param(byName['hidden0.W'], [C, 32]), b0: param(byName['hidden0.b'], [32]),
      W1: param(byName['hidden1.W'], [32, 32]), b1: param(byName['hidden1.b'], [32]),
      W2: param(byName['out.W'], [32, 1]), b2: param(byName['out.b'], [1]),
      S: param(byName['skip.W'], [C, 1]), s: param(byName['skip.b'], [1]),
    };
    const vars = Object.values(V);
    const r = (x) => tf.add(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, V.W0), V.b0)), V.W1), V.b1)), V.W2), V.b2), tf.add(tf.matMul(x, V.S), V.s));
    const lossOf = (a, b, tt) => tf.losses.sigmoidCrossEntropy(tt, tf.sub(r(a), r(b)).reshape([-1]));
    const tensors = (e) => [tf.tensor2d(e.a, [e.n, C]), tf.tensor2d(e.b, [e.n, C]), tf.tensor1d(e.t)];
    const [A1, B1, T1] = tensors(small);
    const opt1 = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    opt1.minimize(() => lossOf(A1, B1, T1), false, vars);
    const rg = ref.nets[0].graph;
    const block = (which) => rg.params.flatMap((p) => [...rg.arena.f32.slice(p[which] >> 2, (p[which] >> 2) + p.size)]);
    const keep = wellConditioned(block('grad'));
    const after = keep(block('ptr'));
    const theirs = g.params.flatMap((p) => [...V[{ 'hidden0.W': 'W0', 'hidden0.b': 'b0', 'hidden1.W': 'W1', 'hidden1.b': 'b1', 'out.W': 'W2', 'out.b': 'b2', 'skip.W': 'S', 'skip.b': 's' }[p.name]].dataSync()]);
    row[`err ${backend}`] = validate(`${row.case}: weights after one full-batch step on tfjs-${backend}`, after, keep(theirs));
    // the timed run: all pairs, the same epochs, batches of 32 pairs in a fresh order each epoch
    const [A, Bt, T] = tensors(all);
    const train = async () => {
      const opt = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
      for (let e = 0; e < epochs; e++) {
        const order = tf.util.createShuffledIndices(n);
        for (let b0 = 0; b0 < n; b0 += 32) {
          const idx = tf.tensor1d(Int32Array.from(order.slice(b0, b0 + 32)), 'int32');
          opt.minimize(() => lossOf(tf.gather(A, idx), tf.gather(Bt, idx), tf.gather(T, idx)), false, vars);
          idx.dispose();
        }
      }
      opt.dispose();
    };
    row[`tfjs-${backend} minimize`] = (await time(train, true)) * 1e3;
    tf.dispose([A, Bt, T, A1, B1, T1, ...vars]);
    opt1.dispose();
  }
  report(row);
}

// --------------------------------------------------------------- report

function report(row) {
  rows.push(row);
  process.stderr.write(`  ${row.case}: done\n`);
}

function table() {
  const cols = ['tfjs-wasm', 'tfjs-cpu', 'tfjs-wasm minimize', 'tfjs-wasm fit', 'tfjs-cpu minimize', 'tfjs-cpu fit'];
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = [
    `| case | unit | rewardfuse | ${cols.join(' | ')} | rewardfuse vs tfjs-wasm | max rel. err |`,
    `|---|---|---:|${cols.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const r of rows) {
    const higherBetter = r.unit === 'GFLOP/s';
    const wasm = r['tfjs-wasm'] ?? r['tfjs-wasm minimize'];
    const ratio = higherBetter ? r.rewardfuse / wasm : wasm / r.rewardfuse;
    const err = Math.max(...Object.entries(r).filter(([k]) => k.startsWith('err')).map(([, v]) => v));
    lines.push(`| ${r.case} | ${r.unit} | ${fmt(r.rewardfuse)} | ${cols.map((c) => (r[c] === undefined ? '' : fmt(r[c]))).join(' | ')} | ${ratio.toFixed(1)}× | ${err.toExponential(1)} |`);
  }
  return lines.join('\n');
}

process.stderr.write(`rewardfuse bench on ${results.machine}\n`);
await matmulRows();
await stepRows();
await inferenceRows();
await endToEndRow();
const md = table();
console.log(`Machine: ${results.machine}. Medians of benchmark.js samples; ratios are "times faster than tfjs-wasm" (its minimize path for training); every row passed validation within ${TOL} relative.\n`);
console.log(md);
// a quick run validates every row; its timings are too few to keep
if (!QUICK) writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 1) + '\n');
