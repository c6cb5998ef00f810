// FusionModel: what a user trains, saves, loads and scores with. It owns the
// normalisation fitted on its training data, the architecture, and one or
// more fusion nets (a small ensemble when `ensemble` > 1, for uncertainty).
import type { DataSet, ItemSet, PairSet } from '../data/types.js';
import type { ActivationKind } from '../engine/ops.js';
import { ACTIVATIONS } from '../engine/ops.js';
import { ARCHS, FusionNet, type Arch, type ArchConfig } from './fusion.js';
import { fitNormaliser, type Normaliser } from './normalise.js';
import { fitNet, type FitResult, type FitRows, type TrainOptions } from '../train/fit.js';
import { selectArch, type Selection } from '../train/select.js';

export interface FusionOptions extends TrainOptions {
  /**
   * default 'auto': linear, mlp and gated are each cross-validated on the
   * training data (5 folds, one net each), and the one with the best held-out
   * accuracy (items: squared error) is trained on all of it
   */
  arch?: Arch | 'auto';
  /** rows (of the same kind and columns) that validate instead of a random `val` fraction */
  validation?: DataSet;
  /** hidden widths (of the MLP, or of the gate). Default [16] (one layer); linear has none */
  hidden?: number[];
  activation?: ActivationKind;
  /** the gate's softmax temperature, default 1 */
  temperature?: number;
  /** nets trained from seeds seed, seed+1, …, each with its own validation split; their mean is the reward, their spread the uncertainty. Default 5 */
  ensemble?: number;
  /** use the data's context features, default true */
  useFeatures?: boolean;
  /** conservative = reward − λ·uncertainty, default 1 */
  lambda?: number;
}

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

export interface TrainInfo {
  options: Record<string, unknown>;
  rows: number;
  source: string;
  fit: (Omit<FitResult, 'history'> & { epochs: number; trainLoss: number[]; valLoss: (number | null)[] })[];
  metrics?: Record<string, unknown>;
  /** how arch 'auto' chose */
  selection?: Selection;
  /** baselines fitted on the same training data, so eval can score them honestly */
  baselines?: Record<string, unknown>;
}

export const MAX_ROWS = 1024;

export class FusionModel {
  readonly nets: FusionNet[];

  constructor(
    readonly models: string[],
    readonly features: string[],
    readonly arch: ArchConfig,
    readonly norm: Normaliser,
    readonly featNorm: Normaliser,
    readonly seed: number,
    members: number,
    readonly lambda: number,
    public train: TrainInfo | null = null,
  ) {
    this.nets = Array.from({ length: members }, (_, m) => new FusionNet(arch, norm, featNorm, MAX_ROWS, seed + m));
  }

  /** Fit the normalisation on `data` and train the fusion nets on it. */
  static train(data: DataSet, opts: FusionOptions = {}): FusionModel {
    if ((opts.arch ?? 'auto') === 'auto') {
      const pick = selectArch(data, opts);
      const model = FusionModel.train(data, { ...opts, arch: pick.arch });
      model.train!.selection = pick;
      return model;
    }
    const type = opts.arch as Arch;
    if (!ARCHS.includes(type)) throw new Error(`rewardfuse: unknown arch '${type}' (use ${ARCHS.join(', ')})`);
    const activation = opts.activation ?? (type === 'gated' ? 'tanh' : 'relu');
    if (!ACTIVATIONS.includes(activation)) throw new Error(`rewardfuse: unknown activation '${activation}'`);
    const hidden = type === 'linear' ? [] : opts.hidden ?? [16];
    const arch: ArchConfig = { type, hidden, activation, temperature: opts.temperature ?? 1 };
    const members = opts.ensemble ?? 5;
    if (!Number.isInteger(members) || members < 1 || members > 64) throw new Error(`rewardfuse: ensemble must be an integer from 1 to 64, got ${members}`);
    const useFeatures = opts.useFeatures ?? true;
    const features = useFeatures ? data.features : [];
    const K = data.models.length, F = features.length;
    const raw = data.kind === 'pairs' ? [data.a, data.b] : [data.scores];
    const n = data.ids.length;
    if (!n) throw new Error(`rewardfuse: ${data.source}: no rows to train on`);
    const feats = useFeatures ? data.feats : new Float32Array(0);
    const model = new FusionModel(data.models, features, arch, fitNormaliser(K, ...raw), fitNormaliser(F, feats), opts.seed ?? 0, members, opts.lambda ?? 1);
    const rows = fitRows(data, useFeatures, opts.validation);
    const fits = model.nets.map((net) => fitNet(net, rows, opts));
    const { onEpoch, validation, ...options } = opts;
    void onEpoch;
    void validation;
    model.train = {
      options: { ...options, arch: type, hidden, activation, ensemble: members },
      rows: n,
      source: data.source,
      fit: fits.map((f) => ({
        bestEpoch: f.bestEpoch,
        bestValLoss: f.bestValLoss,
        epochs: f.history.length,
        trainLoss: f.history.map((h) => h.trainLoss),
        valLoss: f.history.map((h) => h.valLoss),
      })),
    };
    return model;
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

  /** Per model, how much the reward drops when that model's score is hidden: r(x) − r(x without k); NaN where it gave none. */
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

  /** The normalised inputs of each row (rows, 2K + F): z-scores, masks, features. */
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

// the rows fitNet trains on: the data, then any validation rows after it
function fitRows(data: DataSet, useFeatures: boolean, validation?: DataSet): FitRows {
  if (validation && (validation.kind !== data.kind || validation.models.join() !== data.models.join() || validation.features.join() !== data.features.join())) {
    throw new Error('rewardfuse: validation rows must be of the same kind, models and features as the training rows');
  }
  const both = (x: Float32Array, y?: Float32Array) => {
    if (!y) return x;
    const out = new Float32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const v = validation;
  const feats = useFeatures ? both(data.feats, v?.feats) : new Float32Array(0);
  const n = data.ids.length + (v?.ids.length ?? 0);
  const heldOut = v?.ids.length ?? 0;
  if (data.kind === 'pairs') {
    const pv = v as PairSet | undefined;
    return { kind: 'pairs', n, a: both(data.a, pv?.a), b: both(data.b, pv?.b), featsA: feats, featsB: feats, target: both(data.label, pv?.label), heldOut };
  }
  const iv = v as ItemSet | undefined;
  return { kind: 'items', n, a: both(data.scores, iv?.scores), featsA: feats, target: both(data.target, iv?.target), heldOut };
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
