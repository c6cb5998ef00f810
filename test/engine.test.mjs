// The engine end to end: finite-difference gradient checks for every op and
// for a whole two-hidden-layer MLP under each loss, the golden bits, training
// that converges, and errors for bad input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Graph } from '../dist/engine/graph.js';
import { Linear, Activation, Softmax, WeightedSum, Scale, Add, ACTIVATIONS, LOSSES } from '../dist/engine/ops.js';
import { Mlp } from '../dist/engine.js';
import { rng, fill, awayFromZero } from './kernel-list.mjs';
import { goldenRun, GOLDEN_FORMAT } from './golden-run.mjs';

// Central differences in f32 with step EPS; a gradient passes when
// |analytic − numeric| ≤ ABS + REL·|numeric| (ggml's grad_eps/grad_precise, stated once).
const EPS = 1e-2, ABS = 1e-3, REL = 1e-2;

function expectGradient(name, analytic, f, values, at) {
  // values: a Float32Array view getter; at: index into it; f: loss as a number
  const v = values()[at];
  values()[at] = v + EPS;
  const up = f();
  values()[at] = v - EPS;
  const down = f();
  values()[at] = v;
  const numeric = (up - down) / (2 * EPS);
  if (!(Math.abs(analytic - numeric) <= ABS + REL * Math.abs(numeric))) {
    assert.unreachable(`${name}: analytic ${analytic}, numeric ${numeric}`);
  }
}

const view = (g, ptr, n) => () => g.arena.f32.subarray(ptr >> 2, (ptr >> 2) + n);

// One op on input tensors, each { cols, values, grad }: grad false makes it data
// (no gradient flows there, as the gated head's scores and masks). The loss is
// L = Σ c·y over the op's output; every input that takes a gradient and every
// parameter is checked against central differences.
function checkOp(label, B, inputs, build, prepare) {
  const g = new Graph(B);
  const t = Object.fromEntries(Object.entries(inputs).map(([name, { cols, grad = true }]) => [name, g.tensor(name, cols, grad)]));
  const op = g.add(build(g, t));
  g.layout();
  g.init(5);
  for (const [name, { values }] of Object.entries(inputs)) g.write(t[name], values, B);
  prepare?.(g, op);
  const n = B * op.out.cols;
  const c = fill(n, rng(11));
  const L = () => {
    g.forward(B);
    const y = view(g, op.out.ptr, n)();
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i] * y[i];
    return s;
  };
  g.zeroGrad();
  L();
  view(g, op.out.grad, n)().set(c);
  g.backward(B);
  // every analytic gradient first: each forward below zeroes the inputs' gradients
  const checks = [
    ...Object.values(t).filter((x) => x.grad).map((x) => ({ name: x.name, ptr: x.ptr, size: B * x.cols, grad: x.grad })),
    ...g.params.map((p) => ({ name: p.name, ptr: p.ptr, size: p.size, grad: p.grad })),
  ].map((c) => ({ ...c, analytic: view(g, c.grad, c.size)().slice() }));
  for (const { name, ptr, size, analytic } of checks) {
    for (let i = 0; i < size; i++) expectGradient(`${label} d${name}[${i}]`, analytic[i], L, view(g, ptr, size), i);
  }
}

// Scores of K models and their masks, as the gated head reads them: columns
// [0, K) scores, [K, 2K) masks, row 0 with every model present, row 1 with one.
function scoresAndMasks(B, K, r) {
  const v = new Float32Array(B * 2 * K);
  for (let i = 0; i < B; i++) for (let k = 0; k < K; k++) {
    const present = i === 0 || (i === 1 ? k === 0 : k === 0 || r() > -0.4);
    v[i * 2 * K + k] = present ? r(-2, 2) : 0;
    v[i * 2 * K + K + k] = present ? 1 : 0;
  }
  return v;
}

// Every op with a gradient: its cases, and how to build it on its inputs.
const OPS = [
  ...[false, true].map((relu) => ({
    name: `linear${relu ? '+relu' : ''}: dx, dW, db`,
    cases: [[1, 3, 1], [5, 4, 3], [4, 17, 8], [3, 5, 1]].map(([B, K, N]) => ({
      label: `${B}x${K}x${N}`, B, inputs: { x: { cols: K, values: fill(B * K, rng(B + K + N)) } },
      build: (g, { x }) => new Linear(g, x, N, 'l', 6, relu),
    })),
  })),
  ...ACTIVATIONS.map((kind) => ({
    name: `${kind}: dx`,
    cases: [[1, 3], [3, 5], [2, 17]].map(([B, K]) => ({
      label: `${B}x${K}`, B, inputs: { x: { cols: K, values: awayFromZero(B * K, rng(B * K)) } }, // no relu kink inside a difference
      build: (g, { x }) => new Activation(g, x, kind),
    })),
  })),
  {
    name: 'softmax over the models present: dlogits',
    cases: [[1, 1, 1], [3, 4, 0.7], [5, 3, 2]].map(([B, K, T]) => ({
      label: `${B}x${K} T=${T}`, B,
      inputs: { logits: { cols: K, values: fill(B * K, rng(B + K)) }, z: { cols: 2 * K, values: scoresAndMasks(B, K, rng(K)), grad: false } },
      build: (g, { logits, z }) => new Softmax(g, logits, z, K, T),
    })),
  },
  {
    name: 'weighted sum of scores: dw',
    cases: [[1, 1], [3, 4], [5, 3]].map(([B, K]) => ({
      label: `${B}x${K}`, B,
      inputs: { w: { cols: K, values: fill(B * K, rng(B * K)) }, z: { cols: 2 * K, values: scoresAndMasks(B, K, rng(K)), grad: false } },
      build: (g, { w, z }) => new WeightedSum(g, w, z),
    })),
  },
  {
    name: 'scale by e^s: dx, ds',
    cases: [[1, 1, 0], [4, 3, 0.4], [3, 5, -0.7]].map(([B, K, s]) => ({
      label: `${B}x${K} s=${s}`, B, inputs: { x: { cols: K, values: fill(B * K, rng(B + K)) } },
      build: (g, { x }) => new Scale(g, x, 'scale'),
      prepare: (g, op) => { view(g, op.s.ptr, 1)()[0] = s; },
    })),
  },
  {
    name: 'add: da, db',
    cases: [[1, 1], [3, 5], [2, 17]].map(([B, K]) => ({
      label: `${B}x${K}`, B, inputs: { a: { cols: K, values: fill(B * K, rng(B)) }, b: { cols: K, values: fill(B * K, rng(K)) } },
      build: (g, { a, b }) => new Add(g, a, b),
    })),
  },
];

const Grad = suite('gradient checks');

for (const { name, cases } of OPS) {
  Grad(name, () => {
    for (const c of cases) checkOp(`${name.split(':')[0]} ${c.label}`, c.B, c.inputs, c.build, c.prepare);
  });
}

for (const kind of Object.keys(LOSSES)) {
  Grad(`${kind} loss: dr, weighted and not`, () => {
    for (const weighted of [false, true]) {
      const B = 10;
      const g = new Graph(B);
      const r = g.tensor('r', 1, true);
      const loss = new LOSSES[kind](g, r);
      g.layout();
      const rr = rng(kind.length);
      g.write(r, fill(B, rr, -2, 2), B);
      const nt = kind === 'bt' ? B / 2 : B;
      const targets = kind === 'mse' ? fill(nt, rr, -2, 2) : Float32Array.from({ length: nt }, (_, i) => [1, 0, 0.5][i % 3]);
      g.arena.f32.set(targets, loss.t.ptr >> 2);
      g.arena.f32.set(fill(nt, rr, 0.2, 2), loss.w.ptr >> 2);
      loss.weighted = weighted;
      const L = () => { g.forward(B); g.run(loss, B); return loss.value; };
      L();
      g.backward(B);
      const dr = view(g, r.grad, B)().slice();
      for (let i = 0; i < B; i++) expectGradient(`${kind} dr[${i}]`, dr[i], L, view(g, r.ptr, B), i);
    }
  });
}

Grad('a whole MLP (two hidden layers) under each loss', () => {
  for (const kind of ['mse', 'bce', 'bt']) {
    for (const activation of ['tanh', 'gelu']) { // smooth: no relu kink inside a finite difference
      const K = 5, B = 12;
      const mlp = new Mlp({ inputs: K, hidden: [8, 6], activation, seed: 3, maxBatch: B });
      const rr = rng(17);
      const x = fill(B * K, rr);
      const nt = kind === 'bt' ? B / 2 : B;
      const t = kind === 'mse' ? fill(nt, rr) : Float32Array.from({ length: nt }, (_, i) => [1, 0, 0.5][i % 3]);
      const L = () => { mlp.forward(x, B); return mlp.loss(kind, t); };
      mlp.zeroGrad();
      L();
      mlp.backward();
      const g = mlp.graph;
      const grads = view(g, g.gradPtr, g.paramCount)().slice();
      for (let i = 0; i < g.paramCount; i++) {
        expectGradient(`mlp ${activation} ${kind} dθ[${i}]`, grads[i], L, view(g, g.paramPtr, g.paramCount), i);
      }
    }
  }
});

Grad.run();

// ---

const Golden = suite('golden');

Golden('fixed seed and data give the stored f32 bits after 20 steps', () => {
  const want = JSON.parse(readFileSync(new URL('./fixtures/golden.json', import.meta.url), 'utf8'));
  assert.is(want.format, GOLDEN_FORMAT.format);
  assert.is(want.version, GOLDEN_FORMAT.version, 'golden fixture format version');
  const got = goldenRun();
  assert.is(got.loss, want.loss, 'loss bits');
  assert.equal(got.predictions, want.predictions, 'prediction bits');
  for (const arch of Object.keys(got.fusion)) assert.equal(got.fusion[arch], want.fusion?.[arch], `${arch} fusion net: margin bits`);
});

Golden.run();

// ---

const Train = suite('training');

Train('MSE on a smooth synthetic task falls below 0.01', () => {
  const N = 256, K = 4;
  const r = rng(1);
  const x = fill(N * K, r);
  const t = Float32Array.from({ length: N }, (_, i) => x[i * K] - 2 * x[i * K + 1] + x[i * K + 2] * x[i * K + 3]);
  const mlp = new Mlp({ inputs: K, hidden: [16, 16], seed: 1, maxBatch: N });
  let first = 0, last = 0;
  for (let e = 0; e < 400; e++) {
    mlp.zeroGrad();
    mlp.forward(x, N);
    last = mlp.loss('mse', t);
    if (e === 0) first = last;
    mlp.backward();
    mlp.step({ lr: 1e-2 });
  }
  assert.ok(first > 0.5, `initial loss ${first}`);
  assert.ok(last < 0.01, `final loss ${last}`);
});

Train('Bradley–Terry on pairs from a hidden reward: loss below 0.35, accuracy above 90%', () => {
  const P = 200, K = 3;
  const r = rng(2);
  const reward = (v, o) => Math.tanh(v[o]) + 0.5 * v[o + 1] * v[o + 2];
  const x = fill(2 * P * K, r, -2, 2);
  const t = Float32Array.from({ length: P }, (_, i) => (reward(x, i * K) > reward(x, (P + i) * K) ? 1 : 0));
  const mlp = new Mlp({ inputs: K, hidden: [16, 16], seed: 2, maxBatch: 2 * P });
  let loss = 0;
  for (let e = 0; e < 400; e++) {
    mlp.zeroGrad();
    mlp.forward(x, 2 * P);
    loss = mlp.loss('bt', t);
    mlp.backward();
    mlp.step({ lr: 1e-2 });
  }
  const s = mlp.predict(x);
  let right = 0;
  for (let i = 0; i < P; i++) right += (s[i] > s[P + i]) === (t[i] === 1) ? 1 : 0;
  assert.ok(loss < 0.35, `loss ${loss}`);
  assert.ok(right / P > 0.9, `accuracy ${right / P}`);
});

Train('weight decay shrinks weights and leaves biases alone', () => {
  const mlp = new Mlp({ inputs: 3, hidden: [4], seed: 1, maxBatch: 4 });
  const g = mlp.graph;
  const p0 = mlp.getParameters();
  g.zeroGrad();
  g.step({ lr: 0.1, weightDecay: 0.5 }); // zero gradient: only the decay acts
  const p1 = mlp.getParameters();
  for (let i = 0; i < g.decayCount; i++) assert.ok(Math.abs(p1[i]) <= Math.abs(p0[i]));
  assert.ok(p1.slice(0, g.decayCount).some((v, i) => v !== p0[i]));
  assert.equal(Array.from(p1.slice(g.decayCount)), Array.from(p0.slice(g.decayCount)));
});

Train.run();

// ---

const Errors = suite('bad input');

const throwsWith = (fn, pattern) => {
  try {
    fn();
  } catch (e) {
    assert.instance(e, Error);
    assert.match(e.message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
};

Errors('NaN and Infinity in inputs or targets name the row and column', () => {
  const mlp = new Mlp({ inputs: 3, hidden: [4], maxBatch: 8 });
  const x = new Float32Array(12).fill(0.5);
  x[7] = NaN;
  throwsWith(() => mlp.predict(x), /input row 2 column 1 is NaN/);
  x[7] = 0;
  x[3] = Infinity;
  throwsWith(() => mlp.forward(x, 4), /input row 1 column 0 is Infinity/);
  x[3] = 0;
  mlp.forward(x, 4);
  throwsWith(() => mlp.loss('mse', [0, 1, -Infinity, 0]), /targets\[2\] is -Infinity/);
});

Errors('wrong sizes and batches past the arena throw, never trap', () => {
  const mlp = new Mlp({ inputs: 3, hidden: [4], maxBatch: 8 });
  throwsWith(() => mlp.predict(new Float32Array(7)), /not a multiple of 3/);
  throwsWith(() => mlp.forward(new Float32Array(27), 9), /batch of 9 rows does not fit.*1 to 8/);
  throwsWith(() => mlp.forward(new Float32Array(5), 2), /needs 6 values/);
  mlp.forward(new Float32Array(9), 3);
  throwsWith(() => mlp.loss('bt', [1]), /even number of rows/);
  throwsWith(() => mlp.loss('mse', [1, 2]), /targets needs 3 values, got 2/);
  throwsWith(() => mlp.loss('hinge', [1, 2, 3]), /unknown loss 'hinge'/);
  throwsWith(() => new Mlp({ inputs: 0 }), /inputs must be a positive integer/);
  throwsWith(() => new Mlp({ inputs: 2, hidden: [3, 0] }), /hidden widths/);
  throwsWith(() => new Mlp({ inputs: 2, activation: 'swish' }), /unknown activation 'swish'/);
  throwsWith(() => mlp.setParameters(new Float32Array(3)), /expected \d+ parameters, got 3/);
});

Errors('predict handles more rows than the arena, in chunks, with the same bits', () => {
  const mlp = new Mlp({ inputs: 2, hidden: [5], seed: 4, maxBatch: 4 });
  const x = fill(2 * 11, rng(9));
  const all = mlp.predict(x);
  const one = Float32Array.from({ length: 11 }, (_, i) => mlp.predict(x.subarray(2 * i, 2 * i + 2))[0]);
  assert.equal(Array.from(all), Array.from(one));
});

Errors.run();
