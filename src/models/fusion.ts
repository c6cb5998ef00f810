// One fusion net on one arena: the head its architecture builds (archs.ts) on
// input rows [z | mask | features], the kernels that normalise raw scores into
// those rows, and the pieces of one training step, so that the fit loop in
// train/ reads as steps and holds no addresses:
//   loadBatch (rows, targets, model dropout) → zeroGrad → forward → loss → backward → step
import { Graph, type AdamWOptions, type Tensor } from '../engine/graph.js';
import { LOSSES, type Loss, type LossKind, type Softmax } from '../engine/ops.js';
import { ARCHS, type ArchConfig } from './archs.js';
import type { Normaliser } from './normalise.js';

/** Training rows normalised once into a net's arena (see FusionNet.loadRows). */
export interface ArenaRows {
  readonly n: number;
  readonly pairs: boolean;
  /** arena addresses: encoded a sides (n, cols), b sides, targets (n), and the shuffled order (n) */
  readonly a: number;
  readonly b: number;
  readonly targets: number;
  readonly order: number;
}

export class FusionNet {
  readonly graph: Graph;
  readonly input: Tensor;
  readonly output: Tensor;
  readonly K: number;
  readonly F: number;
  readonly maskAt: number;
  readonly gate?: Softmax;
  readonly losses: Record<LossKind, Loss>;
  private norm: { center: { ptr: number }; scale: { ptr: number } };
  private featNorm: { center: { ptr: number }; scale: { ptr: number } };
  private stage: { ptr: number };
  private stageFeats: { ptr: number };

  constructor(readonly arch: ArchConfig, models: Normaliser, features: Normaliser, maxRows: number, seed: number) {
    const K = (this.K = models.center.length);
    const F = (this.F = features.center.length);
    this.maskAt = K;
    const g = (this.graph = new Graph(maxRows));
    const x = (this.input = g.tensor('x', 2 * K + F, false));
    const head = ARCHS[arch.type].build(g, x, arch, K);
    this.output = head.output;
    this.gate = head.gate;
    this.losses = { mse: new LOSSES.mse(g, this.output), bce: new LOSSES.bce(g, this.output), bt: new LOSSES.bt(g, this.output) };
    this.norm = { center: g.buffer(K), scale: g.buffer(K) };
    this.featNorm = { center: g.buffer(F), scale: g.buffer(F) };
    this.stage = g.buffer(maxRows * K);
    this.stageFeats = g.buffer(maxRows * F);
    g.layout();
    const f32 = g.arena.f32;
    f32.set(models.center, this.norm.center.ptr >> 2);
    f32.set(models.scale, this.norm.scale.ptr >> 2);
    f32.set(features.center, this.featNorm.center.ptr >> 2);
    f32.set(features.scale, this.featNorm.scale.ptr >> 2);
    g.init(seed);
  }

  get cols(): number {
    return this.input.cols;
  }

  /** Refit-in-place: new normalisations (same K and F) for the raw scores and features that encode() reads. */
  setNormalisers(models: Normaliser, features: Normaliser): void {
    if (models.center.length !== this.K || features.center.length !== this.F) throw new Error(`rewardfuse: setNormalisers needs ${this.K} models and ${this.F} features`);
    const f32 = this.graph.arena.f32;
    f32.set(models.center, this.norm.center.ptr >> 2);
    f32.set(models.scale, this.norm.scale.ptr >> 2);
    f32.set(features.center, this.featNorm.center.ptr >> 2);
    f32.set(features.scale, this.featNorm.scale.ptr >> 2);
  }

  /**
   * Normalise rows of raw scores (rows, K; NaN = no score) and features
   * (rows, F) into input rows at dst (rows, cols), in chunks of the arena's rows.
   */
  encode(dst: number, scores: Float32Array, feats: Float32Array, rows: number): void {
    const g = this.graph, k = g.k, K = this.K, F = this.F, C = this.cols;
    for (let r0 = 0; r0 < rows; r0 += g.maxRows) {
      const B = Math.min(g.maxRows, rows - r0);
      const at = dst + 4 * r0 * C;
      g.arena.f32.set(scores.subarray(r0 * K, (r0 + B) * K), this.stage.ptr >> 2);
      k.normalizeColumns(at, this.stage.ptr, this.norm.center.ptr, this.norm.scale.ptr, B, K, C, this.maskAt);
      if (F) {
        g.arena.f32.set(feats.subarray(r0 * F, (r0 + B) * F), this.stageFeats.ptr >> 2);
        k.normalizeColumns(at + 8 * K, this.stageFeats.ptr, this.featNorm.center.ptr, this.featNorm.scale.ptr, B, F, C, -1);
      }
      const bad = k.firstNonFinite(at, B * C);
      if (bad >= 0) throw new Error(`rewardfuse: row ${r0 + Math.floor(bad / C)} has a score or feature that is not a finite number`);
    }
  }

  /** r for each row; with `weights`, also the gate's weights (rows, K). */
  predict(scores: Float32Array, feats: Float32Array, rows: number, out = new Float32Array(rows), weights?: Float32Array): Float32Array {
    predictEach([this], scores, feats, rows, [out], weights && [weights]);
    return out;
  }

  // ---- one training step, in the order trainStep (train/fit.ts) calls them ----

  /**
   * Normalise n training rows once into the arena, row i taken from source row
   * order[i] (a: (n, K) raw scores, b likewise for pairs, f: features, t: targets).
   */
  loadRows(order: ArrayLike<number>, a: Float32Array, b: Float32Array | undefined, fa: Float32Array, fb: Float32Array | undefined, t: Float32Array): ArenaRows {
    const g = this.graph, n = order.length, C = this.cols;
    const rowsA = g.arena.alloc(n * C);
    this.encodeInOrder(rowsA, order, a, fa);
    const rowsB = b ? g.arena.alloc(n * C) : 0;
    if (b) this.encodeInOrder(rowsB, order, b, fb!);
    const targets = g.arena.alloc(n);
    const f32 = g.arena.f32, at = targets >> 2;
    for (let i = 0; i < n; i++) f32[at + i] = t[order[i]];
    return { n, pairs: !!b, a: rowsA, b: rowsB, targets, order: g.arena.alloc(n) };
  }

  // encode() of rows order[0], order[1], … of x (rows, K) and f (rows, F), gathered a chunk of the arena's rows at a time
  private encodeInOrder(dst: number, order: ArrayLike<number>, x: Float32Array, f: Float32Array): void {
    const g = this.graph, K = this.K, F = this.F, n = order.length, R = g.maxRows;
    let identity = true;
    for (let i = 0; i < n && identity; i++) identity = order[i] === i;
    if (identity) return this.encode(dst, x.subarray(0, n * K), f.subarray(0, n * F), n);
    const xs = new Float32Array(R * K), fs = new Float32Array(R * F);
    for (let r0 = 0; r0 < n; r0 += R) {
      const B = Math.min(R, n - r0);
      for (let i = 0; i < B; i++) {
        const src = order[r0 + i];
        for (let k = 0; k < K; k++) xs[i * K + k] = x[src * K + k];
        for (let k = 0; k < F; k++) fs[i * F + k] = f[src * F + k];
      }
      this.encode(dst + 4 * r0 * this.cols, xs, fs, B);
    }
  }

  /** A seeded permutation of 0 … n−1 from the net's own generator. */
  permutation(n: number): Int32Array {
    const at = this.graph.arena.alloc(n);
    this.graph.k.randomPermutation(at, n);
    return this.graph.arena.i32.slice(at >> 2, (at >> 2) + n);
  }

  /**
   * Start a gated net at a fixed weighting of the models: gate logits
   * (the last layer's bias; its weights start near 0, so the gate starts
   * input-independent) and the log-scale s. Weight decay on the gate's
   * weights then pulls the learned, per-input correction back toward it.
   */
  setGatePrior(logits: ArrayLike<number>, logScale: number): void {
    const g = this.graph;
    const bias = g.params.find((p) => p.name === 'gate.b'), scale = g.params.find((p) => p.name === 'gate.scale.s');
    if (!bias || !scale || logits.length !== this.K) throw new Error('rewardfuse: a gate prior needs a gated net and one logit per model');
    g.arena.f32.set(logits, bias.ptr >> 2);
    g.arena.f32[scale.ptr >> 2] = logScale;
  }

  /** One draw from U[lo, hi), from the net's own generator (f32). */
  uniform(lo: number, hi: number): number {
    const at = this.stage.ptr;
    this.graph.k.randomUniform(at, 1, lo, hi);
    return this.graph.arena.f32[at >> 2];
  }

  /** A fresh seeded shuffle of the first `count` rows, from the net's own generator. */
  shuffle(rows: ArenaRows, count: number): void {
    this.graph.k.randomPermutation(rows.order, count);
  }

  /**
   * Rows [from, from + P) of the shuffled order into the input (pairs: the a
   * sides, then the b sides), their targets into `loss`, and each present model
   * hidden with probability `dropout`. Returns the input rows used.
   */
  loadBatch(rows: ArenaRows, from: number, P: number, loss: LossKind, dropout: number): number {
    const k = this.graph.k, C = this.cols, at = rows.order + 4 * from;
    k.gatherRows(this.input.ptr, rows.a, at, P, C);
    if (rows.pairs) k.gatherRows(this.input.ptr + 4 * P * C, rows.b, at, P, C);
    this.losses[loss].gatherTargets(rows.targets, at, P);
    if (dropout > 0) k.dropModels(this.input.ptr, P, rows.pairs ? P : 0, this.K, C, this.maskAt, dropout);
    return rows.pairs ? 2 * P : P;
  }

  /** Rows [from, from + P) in stored order (no shuffle, no dropout): for validation. */
  loadRowsInOrder(rows: ArenaRows, from: number, P: number, loss: LossKind): number {
    const f32 = this.graph.arena.f32, C = this.cols;
    const copy = (dst: number, src: number, n: number) => f32.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
    copy(this.input.ptr, rows.a + 4 * from * C, P * C);
    if (rows.pairs) copy(this.input.ptr + 4 * P * C, rows.b + 4 * from * C, P * C);
    const op = this.losses[loss];
    copy(op.t.ptr, rows.targets + 4 * from, P);
    op.weighted = false;
    return rows.pairs ? 2 * P : P;
  }

  zeroGrad(): void {
    this.graph.zeroGrad();
  }

  /** The forward pass on the loaded rows, recorded on the tape (or, with `tape` false, inference only). */
  forward(rows: number, tape = true): void {
    if (tape) this.graph.forward(rows);
    else this.graph.infer(rows);
  }

  /** The loss of the last forward against the loaded targets; on the tape unless `tape` is false. */
  loss(kind: LossKind, rows: number, tape = true): number {
    const op = this.losses[kind];
    if (tape) this.graph.run(op, rows);
    else op.forward(rows);
    return op.value;
  }

  backward(rows: number): void {
    this.graph.backward(rows);
  }

  step(opt: AdamWOptions): void {
    this.graph.step(opt);
  }

  /** The rows a batch of `batch` pairs or items can use in this arena. */
  batchLimit(pairs: boolean): number {
    return Math.floor(this.graph.maxRows / (pairs ? 2 : 1));
  }
}

/**
 * Each net's r for the same rows, into outs[m] (and a gated net's weights
 * (rows, K) into weights[m]). The nets share one normalisation (an ensemble's
 * do), so each chunk of rows is encoded once, by the first, and copied into
 * the others' inputs: the same bits as each encoding its own.
 */
export function predictEach(nets: FusionNet[], scores: Float32Array, feats: Float32Array, rows: number, outs: Float32Array[], weights?: Float32Array[]): void {
  const first = nets[0], K = first.K, F = first.F, C = first.cols, step = first.graph.maxRows;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const B = Math.min(step, rows - r0);
    first.encode(first.input.ptr, scores.subarray(r0 * K), feats.subarray(r0 * F), B);
    const at = first.input.ptr >> 2, encoded = first.graph.arena.f32.subarray(at, at + B * C);
    for (let m = 1; m < nets.length; m++) nets[m].graph.arena.f32.set(encoded, nets[m].input.ptr >> 2);
    nets.forEach((net, m) => {
      const g = net.graph;
      g.infer(B);
      const f32 = g.arena.f32;
      outs[m].set(f32.subarray(net.output.ptr >> 2, (net.output.ptr >> 2) + B), r0);
      if (weights && net.gate) weights[m].set(f32.subarray(net.gate.out.ptr >> 2, (net.gate.out.ptr >> 2) + B * K), r0 * K);
    });
  }
}
