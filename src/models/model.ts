// FusionModel: what a user saves, loads and scores with. It holds the
// normalisation fitted on its training data, the architecture, and one or
// more fusion nets (a small ensemble, for uncertainty). It is trained by
// train/ (trainFusion) and imports nothing from train/ or eval/.
import type { ItemSet, PairSet } from '../data/types.js';
import type { ArchConfig } from './archs.js';
import { FusionNet } from './fusion.js';
import type { Normaliser } from './normalise.js';

export interface Scores {
  /** the fused reward, one a row */
  reward: Float32Array;
  /** std of the ensemble's rewards, or (one net) of the normalised scores present */
  uncertainty: Float32Array;
  /** reward − λ·uncertainty */
  conservative: Float32Array;
  /** gated only: (rows, K) weights over `models` */
  weights?: Float32Array;
  /** models in the data that the fusion model was not trained on: not used */
  unknownModels: string[];
}

export interface PairScores {
  ra: Float32Array;
  rb: Float32Array;
  /** ra − rb; P(a ≻ b) = σ(margin) */
  margin: Float32Array;
  unknownModels: string[];
}

/** What training recorded: the options, the data, each net's loss curve, and how choices were made. */
export interface TrainInfo {
  options: Record<string, unknown>;
  rows: number;
  source: string;
  fit: { bestEpoch: number; bestValLoss: number | null; epochs: number; trainLoss: number[]; valLoss: (number | null)[] }[];
  metrics?: Record<string, unknown>;
  /** how arch 'auto' chose: each candidate's cross-validated score */
  selection?: { arch: string; candidates: { arch: string; score: number; loss: number }[] };
  /** baselines fitted on the same training data, so eval can score them honestly */
  baselines?: Record<string, unknown>;
}

/** Everything a FusionModel is made of (what the model file stores). */
export interface FusionModelParts {
  models: string[];
  features: string[];
  arch: ArchConfig;
  norm: Normaliser;
  featNorm: Normaliser;
  /** nets use seeds seed, seed + 1, … */
  seed: number;
  /** nets in the ensemble */
  ensemble: number;
  /** conservative = reward − λ·uncertainty */
  lambda: number;
  train?: TrainInfo | null;
}

export const MAX_ROWS = 1024;

export class FusionModel {
  readonly models: string[];
  readonly features: string[];
  readonly arch: ArchConfig;
  readonly norm: Normaliser;
  readonly featNorm: Normaliser;
  readonly seed: number;
  readonly lambda: number;
  train: TrainInfo | null;
  /** @internal the nets, each on its own arena */
  readonly nets: FusionNet[];

  constructor(p: FusionModelParts) {
    this.models = p.models;
    this.features = p.features;
    this.arch = p.arch;
    this.norm = p.norm;
    this.featNorm = p.featNorm;
    this.seed = p.seed;
    this.lambda = p.lambda;
    this.train = p.train ?? null;
    this.nets = Array.from({ length: p.ensemble }, (_, m) => new FusionNet(p.arch, p.norm, p.featNorm, MAX_ROWS, p.seed + m));
  }

  /** Score items (or either side of pairs): fused reward, uncertainty, conservative score, gate weights. */
  score(data: ItemSet | { models: string[]; features: string[]; scores: Float32Array; feats: Float32Array; ids: unknown[] }): Scores {
    const rows = data.ids.length;
    const { x, f, unknown } = this.toModelColumns(data.models, data.features, data.scores, data.feats, rows);
    return { ...this.scoreAligned(x, f, rows), unknownModels: unknown };
  }

  /** Score both sides of each pair. */
  scorePairs(data: PairSet): PairScores {
    const rows = data.ids.length;
    const A = this.toModelColumns(data.models, data.features, data.a, data.feats, rows);
    const B = this.toModelColumns(data.models, data.features, data.b, data.feats, rows);
    const ra = this.scoreAligned(A.x, A.f, rows).reward;
    const rb = this.scoreAligned(B.x, B.f, rows).reward;
    const margin = new Float32Array(rows);
    for (let i = 0; i < rows; i++) margin[i] = ra[i] - rb[i];
    return { ra, rb, margin, unknownModels: A.unknown };
  }

  /** @internal Per model, how much the reward drops when that model's score is hidden: r(x) − r(x without k); NaN where it gave none. */
  occlusion(x: Float32Array, f: Float32Array, rows: number): Float32Array {
    const K = this.models.length;
    const full = this.scoreAligned(x, f, rows).reward;
    const out = new Float32Array(rows * K).fill(NaN);
    for (let k = 0; k < K; k++) {
      const hidden = x.slice();
      for (let i = 0; i < rows; i++) hidden[i * K + k] = NaN;
      const r = this.scoreAligned(hidden, f, rows).reward;
      for (let i = 0; i < rows; i++) if (x[i * K + k] === x[i * K + k]) out[i * K + k] = full[i] - r[i];
    }
    return out;
  }

  /** @internal The normalised inputs of each row (rows, 2K + F): z-scores, masks, features. */
  encode(scores: Float32Array, feats: Float32Array, rows: number): Float32Array {
    const net = this.nets[0], g = net.graph, C = net.cols;
    const out = new Float32Array(rows * C);
    for (let r0 = 0; r0 < rows; r0 += g.maxRows) {
      const B = Math.min(g.maxRows, rows - r0);
      net.encode(net.input.ptr, scores.subarray(r0 * net.K), feats.subarray(r0 * net.F), B);
      out.set(g.arena.f32.subarray(net.input.ptr >> 2, (net.input.ptr >> 2) + B * C), r0 * C);
    }
    return out;
  }

  /**
   * Score rows already in the model's columns. Rewards of the members are
   * averaged, and spreads taken, with +, −, ×, ÷ and √ only: IEEE-exact in
   * every JS engine, so the bits stay the same everywhere.
   */
  scoreAligned(x: Float32Array, f: Float32Array, rows: number): Omit<Scores, 'unknownModels'> {
    const M = this.nets.length, K = this.models.length;
    const gated = this.arch.type === 'gated';
    const weights = gated ? new Float32Array(rows * K) : undefined;
    const w = gated ? new Float32Array(rows * K) : undefined;
    const each = this.nets.map((net) => {
      const r = net.predict(x, f, rows, undefined, w);
      if (weights && w) for (let i = 0; i < w.length; i++) weights[i] += w[i] / M;
      return r;
    });
    const reward = new Float32Array(rows), uncertainty = new Float32Array(rows), conservative = new Float32Array(rows);
    const z = M > 1 ? null : this.encode(x, f, rows);
    const C = this.nets[0].cols;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += each[m][i];
      const mean = s / M;
      let v = 0, c = 0;
      if (z) {
        // disagreement: std of the present models' z-scores
        let zs = 0;
        for (let j = 0; j < K; j++) if (z[i * C + K + j]) { zs += z[i * C + j]; c++; }
        const zm = c ? zs / c : 0;
        for (let j = 0; j < K; j++) if (z[i * C + K + j]) v += (z[i * C + j] - zm) * (z[i * C + j] - zm);
      } else {
        for (let m = 0; m < M; m++) v += (each[m][i] - mean) * (each[m][i] - mean);
        c = M;
      }
      reward[i] = mean;
      uncertainty[i] = c ? Math.sqrt(v / c) : 0;
      conservative[i] = reward[i] - this.lambda * uncertainty[i];
    }
    return { reward, uncertainty, conservative, weights };
  }

  /** Reorder the data's columns into the model's; absent models become NaN (no score). */
  toModelColumns(models: string[], features: string[], x: Float32Array, f: Float32Array, rows: number) {
    const unknown = models.filter((m) => !this.models.includes(m));
    const known = this.models.filter((m) => models.includes(m));
    if (!known.length) throw new Error(`rewardfuse: none of the data's models (${models.join(', ')}) is one this fusion model was trained on (${this.models.join(', ')})`);
    const xo = reorder(x, models, this.models, rows);
    const fo = reorder(f, features, this.features, rows);
    return { x: xo, f: fo, unknown };
  }
}

function reorder(x: Float32Array, from: string[], to: string[], rows: number): Float32Array {
  const src = to.map((name) => from.indexOf(name));
  if (src.every((s, j) => s === j) && from.length === to.length) return x;
  const out = new Float32Array(rows * to.length).fill(NaN);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < to.length; j++) if (src[j] >= 0) out[i * to.length + j] = x[i * from.length + src[j]];
  }
  return out;
}
