// The one list of kernels that drives test/kernels.test.mjs, and every export
// of the module is in it (a test checks). An entry gives
//   name, twin   the kernel and its scalar twin, if it has one;
//   cases()      named sizes and flags, e.g. { B, K, N, bias, relu }: tails 1, 3, 4, 5, 8, 17, 64, 65;
//   inputs(c, r) the arrays its pointers point at (Float32Array, Int32Array for
//                indices, Float64Array for f64), null for a pointer 0;
//   args         the kernel's arguments by name: an input's pointer, else c[name],
//                else a number as written;
//   outputs      the inputs it writes, compared after the call; `returns` names its return value;
//   before       calls made first, the same way (e.g. seeding the generator);
//   ref(inputs, c) a float64 (or exact JS) reference, within (|ref| + 1)·tol.
// `exact` means the twin sums in the same order: equal bits.
// Kernels on bytes (text in, text out) have no float reference: an entry names
// its twin in TypeScript and the test that holds the two to the same bytes.

export const TAILS = [1, 3, 4, 5, 8, 17, 64, 65];

// A deterministic generator for test inputs (tests may do JS math; the
// library's numeric path may not).
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return (lo = -1, hi = 1) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return lo + (hi - lo) * (s / 4294967296);
  };
}

const fill = (n, r, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => r(lo, hi));
// values kept away from 0, so relu's kink is never inside a finite difference
const awayFromZero = (n, r) => Float32Array.from({ length: n }, () => { const v = r(0.05, 2); return r() < 0 ? -v : v; });

function matmulRef({ x, w, b }, { B, K, N, relu }) {
  const y = new Float64Array(B * N);
  for (let i = 0; i < B; i++) for (let j = 0; j < N; j++) {
    let s = b ? b[j] : 0;
    for (let k = 0; k < K; k++) s += x[i * K + k] * w[k * N + j];
    y[i * N + j] = relu ? Math.max(s, 0) : s;
  }
  return { y };
}

function matmulBackRef({ dy, x, w, dx, dw, db }, { B, K, N }) {
  const ox = Float64Array.from(dx), ow = Float64Array.from(dw), ob = Float64Array.from(db);
  for (let i = 0; i < B; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) {
    ox[i * K + k] += dy[i * N + j] * w[k * N + j];
    ow[k * N + j] += x[i * K + k] * dy[i * N + j];
  }
  for (let i = 0; i < B; i++) for (let j = 0; j < N; j++) ob[j] += dy[i * N + j];
  return { dx: ox, dw: ow, db: ob };
}

// every tail, and one large shape for the paths that only larger problems take
// (row blocks past the panel's cache budget; dW as a GEMM on Xᵀ)
const matmulShapes = () => {
  const shapes = [];
  for (const B of [1, 3, 4, 5, 17, 65]) for (const K of TAILS) for (const N of TAILS) shapes.push({ B, K, N });
  shapes.push({ B: 257, K: 129, N: 131 });
  return shapes;
};

const sig = (x) => 1 / (1 + Math.exp(-x));
const G = Math.sqrt(2 / Math.PI);
const act = {
  relu: { f: (x) => Math.max(x, 0), d: (x) => (x > 0 ? 1 : 0), savesY: false },
  tanh: { f: Math.tanh, d: (y) => 1 - y * y, savesY: true },
  sigmoid: { f: sig, d: (y) => y * (1 - y), savesY: true },
  gelu: {
    f: (x) => 0.5 * x * (1 + Math.tanh(G * (x + 0.044715 * x ** 3))),
    d: (x) => { const u = G * (x + 0.044715 * x ** 3), t = Math.tanh(u); return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * G * (1 + 3 * 0.044715 * x * x); },
    savesY: false,
  },
};

const activationEntries = Object.entries(act).flatMap(([name, a]) => [
  {
    name: `${name}Forward`, twin: `${name}ForwardScalar`, exact: true, tol: 2e-6,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => ({ y: new Float32Array(n), x: fill(n, r, -6, 6) }),
    args: ['y', 'x', 'n'], outputs: ['y'],
    ref: ({ x }) => ({ y: Float64Array.from(x, a.f) }),
  },
  {
    name: `${name}Backward`, twin: `${name}BackwardScalar`, exact: true, tol: 2e-6,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => {
      const x = fill(n, r, -6, 6);
      return { dx: fill(n, r), dy: fill(n, r), s: a.savesY ? Float32Array.from(x, a.f) : x };
    },
    args: ['dx', 'dy', 's', 'n'], outputs: ['dx'],
    ref: ({ dx, dy, s }) => ({ dx: Float64Array.from(dx, (v, i) => v + dy[i] * a.d(s[i])) }),
  },
]);

const weights = (n, r) => fill(n, r, 0.1, 2);
const softplus = (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const wsum = (w, n) => (w ? w.reduce((s, v) => s + v, 0) : n);
const lossCases = () => TAILS.flatMap((n) => [{ n, weighted: 0 }, { n, weighted: 1 }]);

const f32 = Math.fround;

// PCG32 as assembly/random.ts, in BigInt: the exact reference for every draw.
function pcg32(seed, stream) {
  const M = (1n << 64n) - 1n;
  let state = 0n;
  const inc = ((BigInt(stream >>> 0) << 1n) | 1n) & M;
  const next = () => {
    const old = state;
    state = (old * 6364136223846793005n + inc) & M;
    const xs = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn), rot = Number(old >> 59n);
    return ((xs >>> rot) | (xs << ((32 - rot) & 31))) >>> 0;
  };
  next();
  state = (state + BigInt(seed >>> 0)) & M;
  next();
  const below = (n) => { // Lemire's multiply and reject
    let m = BigInt(next()) * BigInt(n), low = Number(m & 0xffffffffn);
    if (low < n) {
      const threshold = (2 ** 32 - n) % n;
      while (low < threshold) { m = BigInt(next()) * BigInt(n); low = Number(m & 0xffffffffn); }
    }
    return Number(m >> 32n);
  };
  return { next, below, uniform: () => (next() >>> 8) / 16777216 };
}
const seeded = [['randomSeed', 'seed', 'stream']];
const seeds = (f) => [0, 1, 42].flatMap((seed, i) => f({ seed, stream: i * 7 }));

// a 0/1 mask of (rows, cols), row 0 all ones and row 1 (if any) all zeros
const mask01 = (rows, cols, r) => Float32Array.from({ length: rows * cols }, (_, i) => (i < cols ? 1 : i < 2 * cols ? 0 : r() < 0.3 ? 0 : 1));

function softmaxRef({ x, mask }, { B, K, maskStride, invT }) {
  const w = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    const on = (k) => mask[i * maskStride + k] !== 0;
    let m = -Infinity, s = 0;
    for (let k = 0; k < K; k++) if (on(k)) m = Math.max(m, x[i * K + k] * invT);
    for (let k = 0; k < K; k++) if (on(k)) s += (w[i * K + k] = Math.exp(x[i * K + k] * invT - m));
    for (let k = 0; k < K; k++) w[i * K + k] = s > 0 ? w[i * K + k] / s : 0;
  }
  return { w };
}

// The gated head's kernels: K models (small), B rows.
const gateCases = () => [1, 3, 5].flatMap((B) => [1, 3, 4, 5, 8].flatMap((K) => [{ B, K, stride: K, invT: 1 }, { B, K, stride: 2 * K + 1, invT: 0.5 }]));
const gateEntries = [
  {
    name: 'softmaxForward', tol: 2e-6, cases: gateCases,
    inputs: ({ B, K, stride }, r) => ({ w: fill(B * K, r), x: fill(B * K, r, -3, 3), mask: mask01(B, stride, r) }),
    args: ['w', 'x', 'mask', 'B', 'K', 'stride', 'invT'], outputs: ['w'],
    ref: (v, { B, K, stride, invT }) => softmaxRef(v, { B, K, maskStride: stride, invT }),
  },
  {
    name: 'softmaxBackward', tol: 1e-6, cases: gateCases,
    inputs: ({ B, K }, r) => ({ dx: fill(B * K, r), dw: fill(B * K, r), w: fill(B * K, r, 0, 1) }),
    args: ['dx', 'dw', 'w', 'B', 'K', 'invT'], outputs: ['dx'],
    ref: ({ dx, dw, w }, { K, invT }) => ({
      dx: Float64Array.from(dx, (d, j) => {
        const i = Math.floor(j / K);
        let dot = 0;
        for (let k = 0; k < K; k++) dot += w[i * K + k] * dw[i * K + k];
        return d + invT * w[j] * (dw[j] - dot);
      }),
    }),
  },
  {
    name: 'weightedSumForward', tol: 1e-6, cases: gateCases,
    inputs: ({ B, K, stride }, r) => ({ r: fill(B, r), w: fill(B * K, r), z: fill(B * stride, r, -3, 3) }),
    args: ['r', 'w', 'z', 'B', 'K', 'stride'], outputs: ['r'],
    ref: ({ w, z }, { B, K, stride }) => ({ r: Float64Array.from({ length: B }, (_, i) => w.slice(i * K, i * K + K).reduce((s, v, k) => s + v * z[i * stride + k], 0)) }),
  },
  {
    name: 'weightedSumBackward', tol: 1e-6, cases: gateCases,
    inputs: ({ B, K, stride }, r) => ({ dw: fill(B * K, r), dr: fill(B, r), z: fill(B * stride, r, -3, 3) }),
    args: ['dw', 'dr', 'z', 'B', 'K', 'stride'], outputs: ['dw'],
    ref: ({ dw, dr, z }, { K, stride }) => ({ dw: Float64Array.from(dw, (d, j) => d + dr[Math.floor(j / K)] * z[Math.floor(j / K) * stride + (j % K)]) }),
  },
  {
    name: 'scaleForward', tol: 2e-6,
    cases: () => TAILS.flatMap((n) => [{ n, s: 0 }, { n, s: -1.5 }, { n, s: 2 }]),
    inputs: ({ n, s }, r) => ({ y: fill(n, r), x: fill(n, r, -3, 3), s: Float32Array.of(s) }),
    args: ['y', 'x', 's', 'n'], outputs: ['y'],
    ref: ({ x, s }) => ({ y: Float64Array.from(x, (v) => Math.exp(s[0]) * v) }),
  },
  {
    name: 'scaleBackward', tol: 1e-5, // ds sums n products in f32
    cases: () => TAILS.flatMap((n) => [{ n, s: 0.5, skipDx: 0 }, { n, s: -1, skipDx: 1 }]),
    inputs: ({ n, s, skipDx }, r) => ({ dx: skipDx ? null : fill(n, r), ds: fill(1, r), dy: fill(n, r), y: fill(n, r, -3, 3), s: Float32Array.of(s) }),
    args: ['dx', 'ds', 'dy', 'y', 's', 'n'], outputs: ['dx', 'ds'],
    ref: ({ dx, ds, dy, y, s }) => ({
      dx: dx && Float64Array.from(dx, (d, i) => d + Math.exp(s[0]) * dy[i]),
      ds: [ds[0] + dy.reduce((a, d, i) => a + d * y[i], 0)],
    }),
  },
  {
    name: 'addForward', twin: 'addForwardScalar', exact: true, tol: 1e-6,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => ({ y: fill(n, r), a: fill(n, r), b: fill(n, r) }),
    args: ['y', 'a', 'b', 'n'], outputs: ['y'],
    ref: ({ a, b }) => ({ y: Float64Array.from(a, (v, i) => v + b[i]) }),
  },
  {
    name: 'addBackward', twin: 'addBackwardScalar', exact: true, tol: 1e-6,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => ({ da: fill(n, r), db: fill(n, r), dy: fill(n, r) }),
    args: ['da', 'db', 'dy', 'n'], outputs: ['da', 'db'],
    ref: ({ da, db, dy }) => ({ da: Float64Array.from(da, (v, i) => v + dy[i]), db: Float64Array.from(db, (v, i) => v + dy[i]) }),
  },
  {
    // exact: one f32 subtraction and one multiplication, rounded as the kernel rounds
    name: 'normalizeColumns', tol: 0,
    cases: () => [1, 3, 5].flatMap((B) => [1, 3, 4, 5].flatMap((K) => [{ B, K, stride: K + 1, maskAt: -1 }, { B, K, stride: 2 * K + 1, maskAt: K }])),
    inputs: ({ B, K, stride }, r) => ({
      out: fill(B * stride, r),
      x: Float32Array.from({ length: B * K }, () => (r() < -0.6 ? NaN : r(-5, 5))),
      center: fill(K, r), scale: fill(K, r, 0.1, 3),
    }),
    args: ['out', 'x', 'center', 'scale', 'B', 'K', 'stride', 'maskAt'], outputs: ['out'],
    ref: ({ out, x, center, scale }, { B, K, stride, maskAt }) => {
      const o = Float64Array.from(out);
      for (let i = 0; i < B; i++) for (let j = 0; j < K; j++) {
        const v = x[i * K + j], present = v === v;
        o[i * stride + j] = present ? f32(f32(v - center[j]) * scale[j]) : 0;
        if (maskAt >= 0) o[i * stride + maskAt + j] = present ? 1 : 0;
      }
      return { out: o };
    },
  },
];

// Moves and checks of f32 blocks: exact.
const memoryEntries = [
  {
    name: 'fillZero', tol: 0,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => ({ x: fill(n, r) }),
    args: ['x', 'n'], outputs: ['x'],
    ref: ({ x }) => ({ x: new Float64Array(x.length) }),
  },
  {
    name: 'gatherRows', tol: 0,
    cases: () => [1, 3, 5, 17].flatMap((rows) => [1, 3, 4, 17].map((cols) => ({ rows, cols, srcRows: 7 }))),
    inputs: ({ rows, cols, srcRows }, r) => ({
      out: fill(rows * cols, r), src: fill(srcRows * cols, r),
      idx: Int32Array.from({ length: rows }, () => Math.floor(r(0, srcRows))),
    }),
    args: ['out', 'src', 'idx', 'rows', 'cols'], outputs: ['out'],
    ref: ({ src, idx }, { rows, cols }) => ({ out: Float64Array.from({ length: rows * cols }, (_, i) => src[idx[Math.floor(i / cols)] * cols + (i % cols)]) }),
  },
  {
    // a second bad value after the first: the index must be the first one's
    name: 'firstNonFinite', tol: 0,
    cases: () => TAILS.flatMap((n) => [{ n, at: -1, bad: NaN }, ...[NaN, Infinity, -Infinity].flatMap((bad) => [...new Set([0, n >> 1, n - 1])].map((at) => ({ n, at, bad })))]),
    inputs: ({ n, at, bad }, r) => {
      const x = fill(n, r, -1e30, 1e30);
      if (at >= 0) { x[at] = bad; if (at + 1 < n) x[n - 1] = NaN; }
      return { x, i: null };
    },
    args: ['x', 'n'], returns: 'i', outputs: ['i'],
    ref: (_, { at }) => ({ i: [at] }),
  },
];

// The generator: each entry seeds first (so randomSeed is checked by all of
// them), and its reference is PCG32 from the same seed and stream.
const randomEntries = [
  {
    name: 'randomBelow', tol: 0,
    // 2^31 + 1 rejects about half its draws; an i32 argument, read as u32 by the kernel
    cases: () => seeds((s) => [1, 7, 1000, 2 ** 31 + 1].map((n) => ({ ...s, n: n | 0 }))),
    inputs: () => ({ u: null }),
    before: seeded, args: ['n'], returns: 'u', outputs: ['u'],
    ref: (_, { seed, stream, n }) => ({ u: [pcg32(seed, stream).below(n >>> 0) | 0] }), // u32 comes back as i32
  },
  {
    // each resample's mean summed in draw order, as the reference sums it: equal bits
    name: 'bootstrapMeans', tol: 0,
    cases: () => seeds((s) => [1, 3, 17, 65].flatMap((m) => [1, 5].map((resamples) => ({ ...s, m, resamples })))),
    inputs: ({ m, resamples }, r) => ({ out: new Float64Array(resamples), values: Float64Array.from({ length: m }, () => r(-2, 2)) }),
    before: seeded, args: ['out', 'values', 'm', 'resamples'], outputs: ['out'],
    ref: ({ values }, { seed, stream, m, resamples }) => {
      const g = pcg32(seed, stream);
      return { out: Float64Array.from({ length: resamples }, () => { let s = 0; for (let j = 0; j < m; j++) s += values[g.below(m)]; return s / m; }) };
    },
  },
  {
    name: 'randomUniform', tol: 0,
    cases: () => seeds((s) => TAILS.flatMap((n) => [{ ...s, n, lo: -1, hi: 1 }, { ...s, n, lo: 2, hi: 4.5 }])),
    inputs: ({ n }) => ({ out: new Float32Array(n) }),
    before: seeded, args: ['out', 'n', 'lo', 'hi'], outputs: ['out'],
    ref: (_, { seed, stream, n, lo, hi }) => {
      const g = pcg32(seed, stream);
      return { out: Float64Array.from({ length: n }, () => f32(lo + f32(f32(hi - lo) * g.uniform()))) };
    },
  },
  {
    // Box–Muller in f64 through AssemblyScript's log, cos and sin: JS's may differ in the last bit
    name: 'randomNormal', tol: 1e-6,
    cases: () => seeds((s) => TAILS.flatMap((n) => [{ ...s, n, mean: 0, std: 1 }, { ...s, n, mean: 1, std: 2 }])),
    inputs: ({ n }) => ({ out: new Float32Array(n) }),
    before: seeded, args: ['out', 'n', 'mean', 'std'], outputs: ['out'],
    ref: (_, { seed, stream, n, mean, std }) => {
      const g = pcg32(seed, stream), out = new Float64Array(n);
      for (let i = 0; i < n; i += 2) {
        const u1 = ((g.next() >>> 8) + 1) / 16777216, u2 = (g.next() >>> 8) / 16777216;
        const rr = Math.sqrt(-2 * Math.log(u1));
        out[i] = mean + std * rr * Math.cos(2 * Math.PI * u2);
        if (i + 1 < n) out[i + 1] = mean + std * rr * Math.sin(2 * Math.PI * u2);
      }
      return { out };
    },
  },
  {
    name: 'randomPermutation', tol: 0,
    cases: () => seeds((s) => TAILS.map((n) => ({ ...s, n }))),
    inputs: ({ n }) => ({ out: new Int32Array(n) }),
    before: seeded, args: ['out', 'n'], outputs: ['out'],
    ref: (_, { seed, stream, n }) => {
      const g = pcg32(seed, stream), out = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = g.below(i + 1); [out[i], out[j]] = [out[j], out[i]]; }
      return { out };
    },
  },
  {
    name: 'randomBernoulli', tol: 0,
    cases: () => seeds((s) => TAILS.flatMap((n) => [{ ...s, n, p: 0.25 }, { ...s, n, p: 0.9 }])),
    inputs: ({ n }) => ({ out: new Float32Array(n) }),
    before: seeded, args: ['out', 'n', 'p'], outputs: ['out'],
    ref: (_, { seed, stream, n, p }) => {
      const g = pcg32(seed, stream);
      return { out: Float64Array.from({ length: n }, () => (g.uniform() < f32(p) ? 1 : 0)) };
    },
  },
  {
    name: 'dropModels', tol: 0,
    cases: () => seeds((s) => [1, 3, 17].flatMap((rows) => [1, 3, 5].flatMap((K) => [
      { ...s, rows, pairRows: 0, K, stride: 2 * K, maskAt: K, p: 0.5 },
      { ...s, rows, pairRows: rows, K, stride: 2 * K + 1, maskAt: K + 1, p: 0.9 },
    ]))),
    inputs: ({ rows, pairRows, K, stride, maskAt }, r) => {
      const x = fill((rows + pairRows) * stride, r);
      const m = mask01(rows + pairRows, K, r);
      for (let i = 0; i < rows + pairRows; i++) for (let k = 0; k < K; k++) x[i * stride + maskAt + k] = m[i * K + k];
      return { x };
    },
    before: seeded, args: ['x', 'rows', 'pairRows', 'K', 'stride', 'maskAt', 'p'], outputs: ['x'],
    ref: ({ x }, { seed, stream, rows, pairRows, K, stride, maskAt, p }) => {
      const g = pcg32(seed, stream), o = Float64Array.from(x);
      for (let i = 0; i < rows; i++) {
        let left = 0;
        for (let k = 0; k < K; k++) if (o[i * stride + maskAt + k] !== 0) left++;
        for (let k = 0; k < K; k++) {
          if (o[i * stride + maskAt + k] === 0 || left <= 1 || !(g.uniform() < f32(p))) continue;
          left--;
          for (const row of pairRows > 0 ? [i, i + pairRows] : [i]) o[row * stride + k] = o[row * stride + maskAt + k] = 0;
        }
      }
      return { x: o };
    },
  },
];

// expScalar on values across its range, past both clamps, and at 0.
const expEntry = {
  name: 'expScalar', tol: 2e-7, // relative: the error of a degree-7 polynomial on [-ln2/2, ln2/2]
  cases: () => [...[-100, -87, -50, -1, -1e-3, 0, 1e-3, 0.5, 1, 10, 50, 88, 100].map((x) => ({ x })), ...Array.from({ length: 200 }, (_, i) => ({ x: -87 + (175 * i) / 199 }))],
  inputs: () => ({ y: null }),
  args: ['x'], returns: 'y', outputs: ['y'],
  ref: (_, { x }) => ({ y: [Math.exp(Math.min(Math.max(f32(x), -87), 88))] }),
};

export const KERNELS = [
  {
    name: 'matmulForward', twin: 'matmulForwardScalar', exact: true, tol: 1e-5,
    cases: () => [
      ...matmulShapes().flatMap((s) => [{ ...s, bias: 1, relu: 0 }, { ...s, bias: 1, relu: 1 }]),
      { B: 5, K: 17, N: 17, bias: 0, relu: 0 }, { B: 1, K: 65, N: 1, bias: 0, relu: 1 }, { B: 4, K: 8, N: 8, bias: 0, relu: 0 },
    ],
    inputs: ({ B, K, N, bias }, r) => ({ y: new Float32Array(B * N), x: fill(B * K, r), w: fill(K * N, r), b: bias ? fill(N, r) : null }),
    args: ['y', 'x', 'w', 'b', 'B', 'K', 'N', 'relu'], outputs: ['y'],
    ref: matmulRef,
  },
  {
    name: 'matmulBackward', twin: 'matmulBackwardScalar', exact: true, tol: 1e-5,
    cases: matmulShapes,
    inputs: ({ B, K, N }, r) => ({ dx: fill(B * K, r), dw: fill(K * N, r), db: fill(N, r), dy: fill(B * N, r), x: fill(B * K, r), w: fill(K * N, r), scratch: new Float32Array(Math.max(K * N, B * K)) }),
    args: ['dx', 'dw', 'db', 'dy', 'x', 'w', 'scratch', 'B', 'K', 'N'], outputs: ['dx', 'dw', 'db'],
    ref: matmulBackRef,
  },
  {
    name: 'transpose', tol: 0,
    cases: () => TAILS.flatMap((R) => [{ R, C: 3 }, { R, C: 17 }]),
    inputs: ({ R, C }, r) => ({ out: new Float32Array(R * C), x: fill(R * C, r) }),
    args: ['out', 'x', 'R', 'C'], outputs: ['out'],
    ref: ({ x }, { R, C }) => ({ out: Float64Array.from({ length: R * C }, (_, i) => x[(i % R) * C + Math.floor(i / R)]) }),
  },
  ...activationEntries,
  {
    name: 'reluMask', twin: 'reluMaskScalar', exact: true, tol: 0,
    cases: () => TAILS.map((n) => ({ n })),
    inputs: ({ n }, r) => ({ dy: fill(n, r), y: Float32Array.from(fill(n, r), (v) => Math.max(v, 0)) }),
    args: ['dy', 'y', 'n'], outputs: ['dy'],
    ref: ({ dy, y }) => ({ dy: Float64Array.from(dy, (d, i) => (y[i] > 0 ? d : 0)) }),
  },
  {
    name: 'adamwStep', twin: 'adamwStepScalar', exact: true, tol: 2e-6,
    cases: () => TAILS.flatMap((n) => [{ n, step: 1 }, { n, step: 7 }]),
    inputs: ({ n }, r) => ({ p: fill(n, r), g: fill(n, r), m: fill(n, r, -0.1, 0.1), v: fill(n, r, 0, 0.1) }),
    args: ['p', 'g', 'm', 'v', 'n', 0.01, 0.9, 0.999, 1e-8, 0.1, 'step'], outputs: ['p', 'm', 'v'],
    ref: ({ p, g, m, v }, { n, step: t }) => {
      const P = new Float64Array(n), M = new Float64Array(n), V = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        M[i] = 0.9 * m[i] + 0.1 * g[i];
        V[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const mh = M[i] / (1 - 0.9 ** t), vh = V[i] / (1 - 0.999 ** t);
        P[i] = p[i] * (1 - 0.01 * 0.1) - 0.01 * mh / (Math.sqrt(vh) + 1e-8);
      }
      return { p: P, m: M, v: V };
    },
  },
  // Losses are scalar loops: each is its own reference, checked against float64.
  {
    name: 'mseForward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ out: new Float32Array(1), y: fill(n, r, -3, 3), t: fill(n, r, -3, 3), w: wt ? weights(n, r) : null }),
    args: ['out', 'y', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ y, t, w }, { n }) => ({ out: [y.reduce((s, v, i) => s + (w ? w[i] : 1) * (v - t[i]) ** 2, 0) / wsum(w, n)] }),
  },
  {
    name: 'mseBackward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ dy: fill(n, r), y: fill(n, r, -3, 3), t: fill(n, r, -3, 3), w: wt ? weights(n, r) : null }),
    args: ['dy', 'y', 't', 'w', 'n'], outputs: ['dy'],
    ref: ({ dy, y, t, w }, { n }) => ({ dy: Float64Array.from(dy, (d, i) => d + 2 * (w ? w[i] : 1) * (y[i] - t[i]) / wsum(w, n)) }),
  },
  {
    name: 'bceForward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ out: new Float32Array(1), z: fill(n, r, -30, 30), t: fill(n, r, 0, 1), w: wt ? weights(n, r) : null }),
    args: ['out', 'z', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ z, t, w }, { n }) => ({ out: [z.reduce((s, v, i) => s + (w ? w[i] : 1) * (softplus(v) - t[i] * v), 0) / wsum(w, n)] }),
  },
  {
    name: 'bceBackward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ dz: fill(n, r), z: fill(n, r, -30, 30), t: fill(n, r, 0, 1), w: wt ? weights(n, r) : null }),
    args: ['dz', 'z', 't', 'w', 'n'], outputs: ['dz'],
    ref: ({ dz, z, t, w }, { n }) => ({ dz: Float64Array.from(dz, (d, i) => d + (w ? w[i] : 1) * (sig(z[i]) - t[i]) / wsum(w, n)) }),
  },
  {
    name: 'btForward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ out: new Float32Array(1), ra: fill(n, r, -20, 20), rb: fill(n, r, -20, 20), t: Float32Array.from({ length: n }, (_, i) => [1, 0, 0.5][i % 3]), w: wt ? weights(n, r) : null }),
    args: ['out', 'ra', 'rb', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ ra, rb, t, w }, { n }) => ({ out: [ra.reduce((s, v, i) => { const d = v - rb[i]; return s + (w ? w[i] : 1) * (softplus(d) - t[i] * d); }, 0) / wsum(w, n)] }),
  },
  {
    name: 'btBackward', tol: 1e-6, cases: lossCases,
    inputs: ({ n, weighted: wt }, r) => ({ dra: fill(n, r), drb: fill(n, r), ra: fill(n, r, -20, 20), rb: fill(n, r, -20, 20), t: Float32Array.from({ length: n }, (_, i) => [1, 0, 0.5][i % 3]), w: wt ? weights(n, r) : null }),
    args: ['dra', 'drb', 'ra', 'rb', 't', 'w', 'n'], outputs: ['dra', 'drb'],
    ref: ({ dra, drb, ra, rb, t, w }, { n }) => {
      const g = Float64Array.from(ra, (v, i) => (w ? w[i] : 1) * (sig(v - rb[i]) - t[i]) / wsum(w, n));
      return { dra: Float64Array.from(dra, (d, i) => d + g[i]), drb: Float64Array.from(drb, (d, i) => d - g[i]) };
    },
  },
  expEntry,
  ...gateEntries,
  ...memoryEntries,
  ...randomEntries,
];

/** Kernels on bytes: each against its TypeScript twin, in its own test. */
export const BYTE_KERNELS = [
  { name: 'scanItems', twin: 'LineScanner (src/data/scan.ts) and DataReader', test: 'test/score-fast.test.mjs' },
  { name: 'writeItems', twin: 'the template strings of src/score/score-piece.ts', test: 'test/score-fast.test.mjs' },
  { name: 'formatFloat32s', twin: 'String(x)', test: 'test/score-fast.test.mjs' },
];

export { fill, awayFromZero };
