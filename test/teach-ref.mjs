// An independent float64 fusion net, read from a model file, for the teaching
// page's tests: forward from the file's weights and normalisation, the
// Bradley–Terry loss, gradients by central finite differences (of the loss in
// each parameter, and in each op's output), and one AdamW step. It shares no
// code with the engine: only the architectures' written definitions (models/archs.ts).
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const logSig = (x) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

/** The parameter blocks of a net, in the file's order: weights (decayed) first, then biases and scales. */
function layout(arch, C, K) {
  const H = arch.hidden;
  const lin = (name, i, o) => [{ name: `${name}.W`, size: i * o, decay: true, rows: i, cols: o }, { name: `${name}.b`, size: o, decay: false }];
  let blocks = [];
  let width = C;
  H.forEach((h, i) => { blocks.push(...lin(`hidden${i}`, width, h)); width = h; });
  if (arch.type === 'linear') blocks.push(...lin('out', width, 1));
  if (arch.type === 'mlp') blocks.push(...lin('out', width, 1), ...lin('skip', C, 1));
  if (arch.type === 'gated') blocks.push(...lin('gate', width, K), { name: 'gate.scale.s', size: 1, decay: false });
  blocks = [...blocks.filter((b) => b.decay), ...blocks.filter((b) => !b.decay)];
  let at = 0;
  for (const b of blocks) { b.at = at; at += b.size; }
  return { blocks, total: at };
}

/** A float64 net from a model file's text (one net: ensemble 1). */
export function refNet(text) {
  const file = JSON.parse(text);
  if (file.ensemble !== 1) throw new Error('refNet: one net only');
  const K = file.models.length, F = file.features.length, C = 2 * K + F;
  const bytes = Buffer.from(file.weights, 'base64'), theta = new Float64Array(bytes.length / 4);
  for (let i = 0; i < theta.length; i++) theta[i] = bytes.readFloatLE(4 * i);
  const { blocks, total } = layout(file.arch, C, K);
  if (total !== theta.length) throw new Error(`refNet: ${theta.length} weights, the layout needs ${total}`);
  const N = file.normalisation;
  const block = (name) => blocks.find((b) => b.name === name);
  const act = { relu: (x) => Math.max(0, x), tanh: Math.tanh, sigmoid, gelu: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) }[file.arch.activation];

  /** The input row [z | mask | features] of one side: raw scores by judge name (null: none), features by name. */
  function input(scores, feats) {
    const x = new Float64Array(C);
    file.models.forEach((m, k) => {
      const v = scores[m];
      if (v === null || v === undefined) return;
      x[k] = (v - N.center[k]) * N.scale[k];
      x[K + k] = 1;
    });
    file.features.forEach((f, j) => { x[2 * K + j] = ((feats?.[f] ?? 0) - N.featureCenter[j]) * N.featureScale[j]; });
    return x;
  }

  // y = x·W + b for block `name` of parameters p
  function linear(p, name, x) {
    const W = block(`${name}.W`), b = block(`${name}.b`), y = new Float64Array(W.cols);
    for (let o = 0; o < W.cols; o++) {
      let s = p[b.at + o];
      for (let i = 0; i < W.rows; i++) s += x[i] * p[W.at + i * W.cols + o];
      y[o] = s;
    }
    return y;
  }

  /**
   * Every op's output for one input row, by the engine's tensor names; `bump`
   * adds h to entry `col` of tensor `name` as it is made (for a fused relu,
   * before the relu: where the engine's gradient is shown).
   */
  function forward(p, x, bump) {
    const T = { x };
    const put = (name, y) => { if (bump && bump.name === name) y[bump.col] += bump.h; T[name] = y; return y; };
    let h = x;
    file.arch.hidden.forEach((_, i) => {
      const pre = put(`hidden${i}.y`, linear(p, `hidden${i}`, h));
      if (file.arch.activation === 'relu') { for (let j = 0; j < pre.length; j++) pre[j] = Math.max(0, pre[j]); h = pre; }
      else h = put(`hidden${i}.y.${file.arch.activation}`, pre.map(act));
    });
    if (file.arch.type === 'linear') T.r = put('out.y', linear(p, 'out', h))[0];
    if (file.arch.type === 'mlp') {
      const deep = put('out.y', linear(p, 'out', h)), wide = put('skip.y', linear(p, 'skip', x));
      T.r = put('out.y+skip.y', [deep[0] + wide[0]])[0];
    }
    if (file.arch.type === 'gated') {
      const logits = put('gate.y', linear(p, 'gate', h)), invT = 1 / file.arch.temperature;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) if (x[K + k]) mx = Math.max(mx, logits[k] * invT);
      const e = Array.from({ length: K }, (_, k) => (x[K + k] ? Math.exp(logits[k] * invT - mx) : 0)), s = e.reduce((a, b) => a + b, 0);
      const w = put('gate.w', e.map((v) => (s > 0 ? v / s : 0)));
      let sum = 0;
      for (let k = 0; k < K; k++) sum += w[k] * x[k];
      const ws = put('gate.sum', [sum]);
      T.r = put('gate.scale.y', [Math.exp(p[block('gate.scale.s').at]) * ws[0]])[0];
    }
    return T;
  }

  const pairLoss = (ra, rb, t) => -(t * logSig(ra - rb) + (1 - t) * logSig(rb - ra));
  const label = (l) => (l === 'a' ? 1 : l === 'b' ? 0 : 0.5);

  /**
   * One pair record ({ a, b, features, label }): each side's tensors, the loss,
   * dL/dθ per block and dL/d(tensor) per side, all by finite differences.
   */
  function pair(rec) {
    const xa = input(rec.a, rec.features), xb = input(rec.b, rec.features), t = label(rec.label);
    const A = forward(theta, xa), B = forward(theta, xb);
    const loss = pairLoss(A.r, B.r, t);
    const lossAt = (p, bumpA, bumpB) => pairLoss(forward(p, xa, bumpA).r, forward(p, xb, bumpB).r, t);
    const grads = {};
    const q = Float64Array.from(theta);
    for (const b of blocks) {
      grads[b.name] = Float64Array.from({ length: b.size }, (_, j) => {
        const i = b.at + j, h = 1e-6 * Math.max(1, Math.abs(theta[i]));
        q[i] = theta[i] + h; const up = lossAt(q);
        q[i] = theta[i] - h; const down = lossAt(q);
        q[i] = theta[i];
        return (up - down) / (2 * h);
      });
    }
    // dL/d(tensor): a bump on side a's (row 0) or side b's (row 1) copy
    const tensorGrad = (name, side) => {
      const n = (side === 'a' ? A : B)[name].length, h = 1e-6;
      return Float64Array.from({ length: n }, (_, col) => {
        const at = (s) => (side === 'a' ? lossAt(theta, { name, col, h: s }) : lossAt(theta, null, { name, col, h: s }));
        return (at(h) - at(-h)) / (2 * h);
      });
    };
    return { A, B, loss, t, p: sigmoid(A.r - B.r), grads, tensorGrad };
  }

  /** One AdamW step of block `name` from moments m0, v0 at step t: m, v, the ratio m̂/(√v̂+ε) and Δθ. */
  function adamw(name, g, m0, v0, t, o) {
    const b = block(name), b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = b.decay ? o.weightDecay : 0;
    return Array.from({ length: b.size }, (_, j) => {
      const th = theta[b.at + j], m = b1 * m0[j] + (1 - b1) * g[j], v = b2 * v0[j] + (1 - b2) * g[j] * g[j];
      const ratio = (m / (1 - b1 ** t)) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
      return { theta: th, m, v, ratio, delta: -o.lr * wd * th - o.lr * ratio };
    });
  }

  /** r for one item (scores by name, features by name), as the net gives it. */
  const reward = (scores, feats) => forward(theta, input(scores, feats)).r;

  return { file, blocks, theta, input, pair, adamw, reward };
}
