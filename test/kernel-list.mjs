// The one list of kernels that drives test/kernels.test.mjs. Each entry names
// a fast kernel and its scalar twin, the cases to run (sizes that hit every
// tail: 1, 3, 4, 5, 8, 17, 64, 65), how to make inputs, and a float64
// reference. `exact` means the twin sums in the same order: equal bits.

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

function matmulRef({ x, w, b }, [B, K, N, , relu]) {
  const y = new Float64Array(B * N);
  for (let i = 0; i < B; i++) for (let j = 0; j < N; j++) {
    let s = b ? b[j] : 0;
    for (let k = 0; k < K; k++) s += x[i * K + k] * w[k * N + j];
    y[i * N + j] = relu ? Math.max(s, 0) : s;
  }
  return { y };
}

function matmulBackRef({ dy, x, w, dx, dw, db }, [B, K, N]) {
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
  for (const B of [1, 3, 4, 5, 17, 65]) for (const K of TAILS) for (const N of TAILS) shapes.push([B, K, N]);
  shapes.push([257, 129, 131]);
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
    cases: () => TAILS.map((n) => [n]),
    inputs: ([n], r) => ({ y: new Float32Array(n), x: fill(n, r, -6, 6) }),
    args: ['y', 'x', 'n'], outputs: ['y'],
    ref: ({ x }) => ({ y: Float64Array.from(x, a.f) }),
  },
  {
    name: `${name}Backward`, twin: `${name}BackwardScalar`, exact: true, tol: 2e-6,
    cases: () => TAILS.map((n) => [n]),
    inputs: ([n], r) => {
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
const lossCases = () => TAILS.flatMap((n) => [[n, 0], [n, 1]]); // [n, weighted]

export const KERNELS = [
  {
    name: 'matmulForward', twin: 'matmulForwardScalar', exact: true, tol: 1e-5,
    // [B, K, N, bias?, relu?]
    cases: () => [...matmulShapes().flatMap((s) => [[...s, 1, 0], [...s, 1, 1]]), [5, 17, 17, 0, 0], [1, 65, 1, 0, 1], [4, 8, 8, 0, 0]],
    inputs: ([B, K, N, bias], r) => ({ y: new Float32Array(B * N), x: fill(B * K, r), w: fill(K * N, r), b: bias ? fill(N, r) : null }),
    args: ['y', 'x', 'w', 'b', 'B', 'K', 'N', 'relu'], outputs: ['y'],
    ref: matmulRef,
  },
  {
    name: 'matmulBackward', twin: 'matmulBackwardScalar', exact: true, tol: 1e-5,
    cases: matmulShapes,
    inputs: ([B, K, N], r) => ({ dx: fill(B * K, r), dw: fill(K * N, r), db: fill(N, r), dy: fill(B * N, r), x: fill(B * K, r), w: fill(K * N, r), scratch: new Float32Array(Math.max(K * N, B * K)) }),
    args: ['dx', 'dw', 'db', 'dy', 'x', 'w', 'scratch', 'B', 'K', 'N'], outputs: ['dx', 'dw', 'db'],
    ref: matmulBackRef,
  },
  {
    name: 'transpose', tol: 0,
    cases: () => TAILS.flatMap((R) => [[R, 3], [R, 17]]),
    inputs: ([R, C], r) => ({ out: new Float32Array(R * C), x: fill(R * C, r) }),
    args: ['out', 'x', 'B', 'K'], outputs: ['out'],
    ref: ({ x }, [R, C]) => ({ out: Float64Array.from({ length: R * C }, (_, i) => x[(i % R) * C + Math.floor(i / R)]) }),
  },
  ...activationEntries,
  {
    name: 'reluMask', twin: 'reluMaskScalar', exact: true, tol: 0,
    cases: () => TAILS.map((n) => [n]),
    inputs: ([n], r) => ({ dy: fill(n, r), y: Float32Array.from(fill(n, r), (v) => Math.max(v, 0)) }),
    args: ['dy', 'y', 'n'], outputs: ['dy'],
    ref: ({ dy, y }) => ({ dy: Float64Array.from(dy, (d, i) => (y[i] > 0 ? d : 0)) }),
  },
  {
    name: 'adamwStep', twin: 'adamwStepScalar', exact: true, tol: 2e-6,
    cases: () => TAILS.flatMap((n) => [[n, 1], [n, 7]]),
    inputs: ([n], r) => ({ p: fill(n, r), g: fill(n, r), m: fill(n, r, -0.1, 0.1), v: fill(n, r, 0, 0.1) }),
    args: ['p', 'g', 'm', 'v', 'n', 0.01, 0.9, 0.999, 1e-8, 0.1, 'step'], outputs: ['p', 'm', 'v'],
    ref: ({ p, g, m, v }, [n, t]) => {
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
    inputs: ([n, wt], r) => ({ out: new Float32Array(1), y: fill(n, r, -3, 3), t: fill(n, r, -3, 3), w: wt ? weights(n, r) : null }),
    args: ['out', 'y', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ y, t, w }, [n]) => ({ out: [y.reduce((s, v, i) => s + (w ? w[i] : 1) * (v - t[i]) ** 2, 0) / wsum(w, n)] }),
  },
  {
    name: 'mseBackward', tol: 1e-6, cases: lossCases,
    inputs: ([n, wt], r) => ({ dy: fill(n, r), y: fill(n, r, -3, 3), t: fill(n, r, -3, 3), w: wt ? weights(n, r) : null }),
    args: ['dy', 'y', 't', 'w', 'n'], outputs: ['dy'],
    ref: ({ dy, y, t, w }, [n]) => ({ dy: Float64Array.from(dy, (d, i) => d + 2 * (w ? w[i] : 1) * (y[i] - t[i]) / wsum(w, n)) }),
  },
  {
    name: 'bceForward', tol: 1e-6, cases: lossCases,
    inputs: ([n, wt], r) => ({ out: new Float32Array(1), z: fill(n, r, -30, 30), t: fill(n, r, 0, 1), w: wt ? weights(n, r) : null }),
    args: ['out', 'z', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ z, t, w }, [n]) => ({ out: [z.reduce((s, v, i) => s + (w ? w[i] : 1) * (softplus(v) - t[i] * v), 0) / wsum(w, n)] }),
  },
  {
    name: 'bceBackward', tol: 1e-6, cases: lossCases,
    inputs: ([n, wt], r) => ({ dz: fill(n, r), z: fill(n, r, -30, 30), t: fill(n, r, 0, 1), w: wt ? weights(n, r) : null }),
    args: ['dz', 'z', 't', 'w', 'n'], outputs: ['dz'],
    ref: ({ dz, z, t, w }, [n]) => ({ dz: Float64Array.from(dz, (d, i) => d + (w ? w[i] : 1) * (sig(z[i]) - t[i]) / wsum(w, n)) }),
  },
  {
    name: 'btForward', tol: 1e-6, cases: lossCases,
    inputs: ([n, wt], r) => ({ out: new Float32Array(1), ra: fill(n, r, -20, 20), rb: fill(n, r, -20, 20), t: Float32Array.from({ length: n }, (_, i) => [1, 0, 0.5][i % 3]), w: wt ? weights(n, r) : null }),
    args: ['out', 'ra', 'rb', 't', 'w', 'n'], outputs: ['out'],
    ref: ({ ra, rb, t, w }, [n]) => ({ out: [ra.reduce((s, v, i) => { const d = v - rb[i]; return s + (w ? w[i] : 1) * (softplus(d) - t[i] * d); }, 0) / wsum(w, n)] }),
  },
  {
    name: 'btBackward', tol: 1e-6, cases: lossCases,
    inputs: ([n, wt], r) => ({ dra: fill(n, r), drb: fill(n, r), ra: fill(n, r, -20, 20), rb: fill(n, r, -20, 20), t: Float32Array.from({ length: n }, (_, i) => [1, 0, 0.5][i % 3]), w: wt ? weights(n, r) : null }),
    args: ['dra', 'drb', 'ra', 'rb', 't', 'w', 'n'], outputs: ['dra', 'drb'],
    ref: ({ dra, drb, ra, rb, t, w }, [n]) => {
      const g = Float64Array.from(ra, (v, i) => (w ? w[i] : 1) * (sig(v - rb[i]) - t[i]) / wsum(w, n));
      return { dra: Float64Array.from(dra, (d, i) => d + g[i]), drb: Float64Array.from(drb, (d, i) => d - g[i]) };
    },
  },
];

export { fill, awayFromZero };
