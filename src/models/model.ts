// FusionModel: what a user saves, loads and scores with. It holds the
// normalisation fitted on its training data and its scorer: either one or
// more fusion nets of one architecture (a small ensemble, for uncertainty),
// or a fitted rule from the library (tempered BMA, stacking, the mean, …),
// whichever training chose. A calibration maps the scorer's raw output to the
// reward: reward = offset + scale·raw, so that for pairs P(a ≻ b) = σ(r_a − r_b).
// It is trained by train/ (trainFusion) and imports nothing from train/ or eval/.
import type { ItemSet, PairSet } from '../data/types.js';
import type { ArchConfig } from './archs.js';
import { baselineItemScores, zScores, type FittedBaselines, type ItemBaseline } from './rules.js';
import { FULL_SUM, logShares } from './weights.js';
import { FusionNet, predictEach } from './fusion.js';
import type { Normaliser } from './normalise.js';
import { checkShift, type ShiftReference, type ShiftReport } from './shift.js';

/** What scores: an ensemble of fusion nets, or one fitted rule. */
/** The fitted rules as a model holds them: their stacking net a FusionModel. */
export type FittedRules = FittedBaselines<FusionModel>;

export type Scorer =
  | { kind: 'nets'; arch: ArchConfig; ensemble: number }
  | { kind: 'rule'; rule: ItemBaseline; baselines: FittedRules };

/** reward = offset + scale·raw; the identity unless training calibrated it. */
export interface Calibration {
  scale: number;
  offset: number;
}

export interface Scores {
  /** the fused reward, one a row */
  reward: Float32Array;
  /** std of the ensemble's rewards, or (one net) of the normalised scores present */
  uncertainty: Float32Array;
  /** reward − λ·uncertainty */
  conservative: Float32Array;
  /** gated nets, and BMA or tempered BMA rules: (rows, K) weights over `models` (over those present; they sum to 1) */
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

/**
 * The fitting options a model was trained with, as its file records them: those
 * given and the defaults the fit resolved (arch, epochs, ensemble, useFeatures;
 * a net's hidden and activation), in this order whatever order they were given in.
 */
export interface TrainedOptions {
  arch?: string;
  loss?: string;
  hidden?: number[];
  activation?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  val?: number;
  patience?: number;
  ensemble?: number;
  modelDropout?: number | [number, number];
  useFeatures?: boolean;
  seed?: number;
  temperature?: number;
  maxSteps?: number;
  converge?: boolean;
  lambda?: number;
}

/** How the default chose from the library (train/library.ts): each candidate's out-of-fold estimates, the choice and why, and its calibration. */
export interface LibraryRecord {
  chosen: string;
  reason: string;
  /** how the folds were made (and on how many rows) */
  folds: string;
  /** full: every judge present; hidden: random judges hidden; score: their mean, what is compared; perFold: score on each fold */
  candidates: { name: string; full: number; hidden: number; score: number; perFold: number[] }[];
  calibration: Calibration;
  /** the anchor's calibration, the same way: it scores in place of a net on batches unlike the training data */
  anchorCalibration: Calibration;
  /** pairs: expected calibration error of the calibrated out-of-fold P(a ≻ b) */
  ece?: number;
}

/** What training recorded: the options, the data, each net's loss curve, and how choices were made. */
export interface TrainInfo {
  options: TrainedOptions;
  rows: number;
  source: string;
  /** each net's loss curve (none for a rule) */
  fit: { bestEpoch: number; bestValLoss: number | null; epochs: number; steps?: number; ended?: string; trainLoss: number[]; valLoss: (number | null)[] }[];
  /** pairs: how the model scores its own training pairs */
  metrics?: { trainAccuracy: number; trainLogLoss: number };
  /** how arch 'auto' chose: each candidate's cross-validated score */
  selection?: { arch: string; candidates: { arch: string; score: number; loss: number }[] };
  /** how the default chose from the library */
  library?: LibraryRecord;
  /** pairs: baselines fitted on the same training data, so eval can score them honestly (file.ts: baselinesToJSON) */
  baselines?: Record<string, unknown>;
}

/** Everything a FusionModel is made of (what the model file stores). */
export interface FusionModelParts {
  models: string[];
  features: string[];
  scorer: Scorer;
  norm: Normaliser;
  featNorm: Normaliser;
  /** nets use seeds seed, seed + 1, … */
  seed: number;
  /** conservative = reward − λ·uncertainty */
  lambda: number;
  /** default the identity */
  calibration?: Calibration;
  train?: TrainInfo | null;
  /** the rule a net falls back to where a batch does not resemble its training data (the default's nets) */
  anchor?: FusionModel | null;
  /** the training data's summary the shift check compares batches with */
  shift?: ShiftReference | null;
}

/** Which combiner scored a batch: the net, its anchor rule (the batch looked unlike training), or the model's own rule. */
export type Combiner = 'net' | 'anchor' | 'rule';

/** What scoreBatch and scorePairsBatch add: who scored, and the shift check behind it (null: the model has no reference). */
export interface BatchChoice {
  combiner: Combiner;
  shift: ShiftReport | null;
}

export const MAX_ROWS = 1024;

export class FusionModel {
  readonly models: string[];
  readonly features: string[];
  /** @internal what scores: the nets, or a fitted rule (read `name`, and the file, instead) */
  readonly scorer: Scorer;
  readonly calibration: Calibration;
  readonly norm: Normaliser;
  readonly featNorm: Normaliser;
  readonly seed: number;
  readonly lambda: number;
  train: TrainInfo | null;
  /** the rule that scores a batch unlike the training data, in place of the nets (null: none, the nets always score) */
  anchor: FusionModel | null;
  /** the training data's summary for the shift check (null: none; version-1 and -2 files) */
  shift: ShiftReference | null;
  /** @internal the nets, each on its own arena */
  readonly nets: FusionNet[];

  constructor(p: FusionModelParts) {
    this.models = p.models;
    this.features = p.features;
    this.scorer = p.scorer;
    this.calibration = p.calibration ?? { scale: 1, offset: 0 };
    this.norm = p.norm;
    this.featNorm = p.featNorm;
    this.seed = p.seed;
    this.lambda = p.lambda;
    this.train = p.train ?? null;
    this.anchor = p.anchor ?? null;
    this.shift = p.shift ?? null;
    const sc = p.scorer;
    this.nets = sc.kind === 'nets' ? Array.from({ length: sc.ensemble }, (_, m) => new FusionNet(sc.arch, p.norm, p.featNorm, MAX_ROWS, p.seed + m)) : [];
  }

  /** the nets' architecture, or null for a rule */
  get arch(): ArchConfig | null {
    return this.scorer.kind === 'nets' ? this.scorer.arch : null;
  }

  /** what scores, for people: 'tbma', 'mlp [16] × 5', … */
  get name(): string {
    const sc = this.scorer;
    return sc.kind === 'rule' ? sc.rule : `${sc.arch.type} [${sc.arch.hidden.join(',')}] × ${sc.ensemble}`;
  }

  /** Score items (or either side of pairs): fused reward, uncertainty, conservative score, gate weights. */
  score(data: ItemSet | { models: string[]; features: string[]; scores: Float32Array; feats: Float32Array; ids: unknown[] }): Scores {
    checkShape('score', data, ['scores']);
    const rows = data.ids.length;
    const { x, f, unknown } = this.toModelColumns(data.models, data.features, data.scores, data.feats, rows);
    return { ...this.scoreAligned(x, f, rows), unknownModels: unknown };
  }

  /**
   * Score a batch of items as the default does: the shift check compares the
   * batch with the training data, and the nets score only where it resembles
   * it (enough rows, a low domain-classifier AUC); otherwise the anchor rule
   * does. A single item, or a batch under SHIFT_RULE.minRows, gets the anchor.
   * `score` is always the nets.
   */
  scoreBatch(data: ItemSet | { models: string[]; features: string[]; scores: Float32Array; feats: Float32Array; ids: unknown[] }): Scores & BatchChoice {
    checkShape('scoreBatch', data, ['scores']);
    const rows = data.ids.length;
    const { x } = this.toModelColumns(data.models, data.features, data.scores, data.feats, rows);
    const choice = this.choose(x, rows);
    return { ...(choice.combiner === 'anchor' ? this.anchor! : this).score(data), ...choice };
  }

  /** Score both sides of each pair as the default does (see scoreBatch): the batch's items are both sides. */
  scorePairsBatch(data: PairSet): PairScores & BatchChoice {
    checkShape('scorePairsBatch', data, ['a', 'b']);
    const choice = this.checkPairs(data);
    return { ...(choice.combiner === 'anchor' ? this.anchor! : this).scorePairs(data), ...choice };
  }

  /** The shift check and the choice it makes on pairs, without scoring. */
  checkPairs(data: PairSet): BatchChoice {
    const rows = data.ids.length, K = this.models.length;
    const A = this.toModelColumns(data.models, data.features, data.a, data.feats, rows).x;
    const B = this.toModelColumns(data.models, data.features, data.b, data.feats, rows).x;
    const x = new Float32Array(2 * rows * K);
    x.set(A);
    x.set(B, rows * K);
    return this.choose(x, rows);
  }

  /** @internal The shift check on items x:(n, K) in the model's columns, `rows` rows (pairs or items), and the choice it makes. */
  choose(x: Float32Array, rows: number): BatchChoice {
    const shift = this.shift ? checkShift(this.shift, this.norm, x, this.models, rows) : null;
    const own: Combiner = this.scorer.kind === 'nets' ? 'net' : 'rule';
    if (!this.anchor) return { combiner: own, shift };
    return { combiner: shift?.resembles ? own : 'anchor', shift };
  }

  /** Score both sides of each pair. */
  scorePairs(data: PairSet): PairScores {
    checkShape('scorePairs', data, ['a', 'b']);
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

  /** @internal The normalised inputs of each row (rows, 2K + F): z-scores (0 where none), masks, features. */
  encode(scores: Float32Array, feats: Float32Array, rows: number): Float32Array {
    const K = this.models.length, F = this.features.length, C = 2 * K + F;
    const out = new Float32Array(rows * C);
    if (!this.nets.length) {
      const z = zScores(scores, this.norm), fz = zScores(feats, this.featNorm);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < K; j++) {
          const v = z[i * K + j];
          if (v === v) { out[i * C + j] = v; out[i * C + K + j] = 1; }
        }
        for (let j = 0; j < F; j++) out[i * C + 2 * K + j] = fz[i * F + j] === fz[i * F + j] ? fz[i * F + j] : 0;
      }
      return out;
    }
    const net = this.nets[0], g = net.graph;
    for (let r0 = 0; r0 < rows; r0 += g.maxRows) {
      const B = Math.min(g.maxRows, rows - r0);
      net.encode(net.input.ptr, scores.subarray(r0 * net.K), feats.subarray(r0 * net.F), B);
      out.set(g.arena.f32.subarray(net.input.ptr >> 2, (net.input.ptr >> 2) + B * C), r0 * C);
    }
    return out;
  }

  /**
   * @internal
   * Score rows already in the model's columns. Rewards of the members are
   * averaged, and spreads taken, with +, −, ×, ÷ and √ only: IEEE-exact in
   * every JS engine, so the bits stay the same everywhere.
   */
  scoreAligned(x: Float32Array, f: Float32Array, rows: number): Omit<Scores, 'unknownModels'> {
    const K = this.models.length, sc = this.scorer;
    const gated = sc.kind === 'nets' && sc.arch.type === 'gated';
    const M = this.nets.length;
    const weights = gated ? new Float32Array(rows * K) : undefined;
    let each: ArrayLike<number>[];
    if (sc.kind === 'rule') {
      each = [baselineItemScores(sc.baselines, x, [sc.rule])[sc.rule]];
    } else {
      const outs = this.nets.map(() => new Float32Array(rows));
      const ws = gated ? this.nets.map(() => new Float32Array(rows * K)) : undefined;
      predictEach(this.nets, x, f, rows, outs, ws);
      // the members' gate weights, averaged in their order
      if (weights && ws) for (const w of ws) for (let i = 0; i < w.length; i++) weights[i] += w[i] / M;
      each = outs;
    }
    // a weighted rule's combination: each present model's share of the weight (see FULL_SUM)
    const weighted = sc.kind === 'rule' && (sc.rule === 'tbma' || sc.rule === 'bma') ? sc : null;
    const ruleWeights = weighted ? new Float32Array(rows * K) : undefined;
    if (weighted && ruleWeights) {
      const b = weighted.baselines, tbma = weighted.rule === 'tbma';
      const shares = tbma ? b.tbmaWeights : b.bmaWeights, logs = tbma ? b.tbmaLogWeights : b.bmaLogWeights;
      const row = new Float64Array(K);
      for (let i = 0; i < rows; i++) {
        let total = 0, present = 0;
        for (let k = 0; k < K; k++) if (x[i * K + k] === x[i * K + k]) { total += shares[k]; present++; }
        if (total >= FULL_SUM) {
          for (let k = 0; k < K; k++) if (x[i * K + k] === x[i * K + k]) ruleWeights[i * K + k] = shares[k] / total;
        } else if (logShares(logs, x, i * K, K, row)) {
          ruleWeights.set(row, i * K);
        } else if (present) {
          throw new Error(`rewardfuse: row ${i}: no usable judge: every model that scored it (${this.models.filter((_, k) => x[i * K + k] === x[i * K + k]).join(', ')}) has weight 0 in this ${weighted.rule} model (rule.${weighted.rule}Weights), so it cannot be scored`);
        }
      }
    }
    const E = each.length;
    const reward = new Float32Array(rows), uncertainty = new Float32Array(rows), conservative = new Float32Array(rows);
    const z = E > 1 ? null : this.encode(x, f, rows);
    const C = 2 * K + this.features.length;
    const { scale, offset } = this.calibration;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let m = 0; m < E; m++) s += each[m][i];
      const mean = s / E;
      let v = 0, c = 0;
      if (z) {
        // disagreement: std of the present models' z-scores
        let zs = 0;
        for (let j = 0; j < K; j++) if (z[i * C + K + j]) { zs += z[i * C + j]; c++; }
        const zm = c ? zs / c : 0;
        for (let j = 0; j < K; j++) if (z[i * C + K + j]) v += (z[i * C + j] - zm) * (z[i * C + j] - zm);
      } else {
        for (let m = 0; m < E; m++) v += (each[m][i] - mean) * (each[m][i] - mean);
        c = E;
      }
      reward[i] = offset + scale * mean;
      uncertainty[i] = Math.abs(scale) * (c ? Math.sqrt(v / c) : 0);
      conservative[i] = reward[i] - this.lambda * uncertainty[i];
      if (!Number.isFinite(reward[i]) || !Number.isFinite(conservative[i])) {
        throw new Error(`rewardfuse: row ${i}: the fused reward is not a finite number (the model's parameters or these scores are too large)`);
      }
    }
    return { reward, uncertainty, conservative, weights: weights ?? ruleWeights };
  }

  /** @internal Reorder the data's columns into the model's; absent models become NaN (no score). */
  toModelColumns(models: string[], features: string[], x: Float32Array, f: Float32Array, rows: number) {
    const unknown = models.filter((m) => !this.models.includes(m));
    const known = this.models.filter((m) => models.includes(m));
    if (!known.length) throw new Error(`rewardfuse: none of the data's models (${models.join(', ')}) is one this fusion model was trained on (${this.models.join(', ')})`);
    const xo = reorder(x, models, this.models, rows);
    const fo = reorder(f, features, this.features, rows);
    return { x: xo, f: fo, unknown };
  }
}

// what scoring reads: names, and score and feature matrices of the sizes the names and ids claim
function checkShape(fn: string, data: unknown, blocks: string[]): void {
  const bad = (why: string): never => { throw new Error(`rewardfuse: ${fn}: ${why}`); };
  if (typeof data !== 'object' || data === null) bad(`expected a data set (from parseData, pairsFromRecords or itemsFromRecords), got ${data === null ? 'null' : typeof data}`);
  const d = data as Record<string, unknown>;
  const names = (k: string) => (Array.isArray(d[k]) && (d[k] as unknown[]).every((s) => typeof s === 'string') ? (d[k] as string[]) : bad(`"${k}" must be an array of names`));
  const K = names('models').length, F = names('features').length;
  const n = Array.isArray(d.ids) ? d.ids.length : bad('"ids" must be an array');
  for (const [k, cols] of [...blocks.map((b) => [b, K] as const), ['feats', F] as const]) {
    const x = d[k];
    if (!(x instanceof Float32Array) || x.length !== n * cols) bad(`"${k}" must be a Float32Array of ${n * cols} values (${n} rows × ${cols}), got ${x instanceof Float32Array ? x.length : typeof x}`);
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
