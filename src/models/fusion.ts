// One fusion net on one arena. Its input row, for K models and F features:
//   [ z_1 … z_K | m_1 … m_K | f_1 … f_F ]
// z: robust z-scores (0 where a model gave no score), m: 1 where it did,
// f: z-scored context features. The three heads:
//   linear   r = θ·x + b                                  (stacking)
//   mlp      r = MLP(x) + θ·x                             (a linear skip)
//   gated    w = softmax_present(G(x)/T),  r = e^s · Σ_k w_k z_k   (ArmoRM-style gate)
import { Graph, type Tensor } from '../engine/graph.js';
import { Activation, Add, LOSSES, Linear, Scale, Softmax, WeightedSum, type ActivationKind, type Loss, type LossKind } from '../engine/ops.js';
import type { Normaliser } from './normalise.js';

export type Arch = 'mlp' | 'linear' | 'gated';
export const ARCHS: readonly Arch[] = ['mlp', 'linear', 'gated'];

export interface ArchConfig {
  type: Arch;
  /** hidden widths of the MLP, or of the gating MLP */
  hidden: number[];
  activation: ActivationKind;
  /** softmax temperature of the gate */
  temperature: number;
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
    const gain = arch.activation === 'relu' || arch.activation === 'gelu' ? 6 : 3;
    let h = x;
    const relu = arch.activation === 'relu'; // fused into the matmul
    arch.hidden.forEach((n, i) => {
      const lin = g.add(new Linear(g, h, n, `hidden${i}`, gain, relu));
      h = relu ? lin.out : g.add(new Activation(g, lin.out, arch.activation)).out;
    });
    if (arch.type === 'gated') {
      // a small last gate layer: the gate starts near uniform, i.e. near the mean of the models present
      const logits = g.add(new Linear(g, h, K, 'gate', 0.01)).out;
      this.gate = g.add(new Softmax(g, logits, x, this.maskAt, arch.temperature));
      const sum = g.add(new WeightedSum(g, this.gate.out, x)).out;
      this.output = g.add(new Scale(g, sum, 'gate.scale')).out;
    } else if (arch.type === 'mlp') {
      // a linear skip from the inputs: the MLP learns a correction to stacking
      const deep = g.add(new Linear(g, h, 1, 'out', 3)).out;
      const wide = g.add(new Linear(g, x, 1, 'skip', 3)).out;
      this.output = g.add(new Add(g, deep, wide)).out;
    } else {
      this.output = g.add(new Linear(g, h, 1, 'out', 3)).out;
    }
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
    const g = this.graph;
    for (let r0 = 0; r0 < rows; r0 += g.maxRows) {
      const B = Math.min(g.maxRows, rows - r0);
      this.encode(this.input.ptr, scores.subarray(r0 * this.K), feats.subarray(r0 * this.F), B);
      g.infer(B);
      const f32 = g.arena.f32;
      out.set(f32.subarray(this.output.ptr >> 2, (this.output.ptr >> 2) + B), r0);
      if (weights && this.gate) weights.set(f32.subarray(this.gate.out.ptr >> 2, (this.gate.out.ptr >> 2) + B * this.K), r0 * this.K);
    }
    return out;
  }
}
