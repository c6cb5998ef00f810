// Fixed rules and simple learned combiners, fitted on training pairs and
// scored on the same robust z-scores as the fusion model:
//   best    the single model with the best training accuracy
//   mean, median, min          of the models present
//   meanStd mean − λ·std       (uncertainty-penalised)
//   vote    Σ sign(z_a − z_b)  over models that scored both sides
//   stacking                   logistic regression on z and masks (the linear fusion net, no hidden layer)
//   bma     Bayesian model averaging: each model m a Bradley–Terry predictor
//           σ(β_m(z_a − z_b)) with its own fitted temperature β_m; weights
//           ∝ its likelihood on the training pairs (uniform prior)
// Each baseline's P(a ≻ b) = σ(τ·margin), τ fitted on the training pairs.
// Fitting them is train/baselines.ts; here they are held, scored and saved.
import type { PairSet } from '../data/types.js';
import { DataError } from '../data/errors.js';
import { modelFromJSON, modelToJSON } from './file.js';
import type { FusionModel } from './model.js';
import { sigmoid } from './math.js';
import type { Normaliser } from './normalise.js';

export const BASELINES = ['best', 'mean', 'median', 'min', 'meanStd', 'vote', 'stacking', 'bma'] as const;
export type BaselineName = (typeof BASELINES)[number];

export const ITEM_BASELINES = ['best', 'mean', 'median', 'min', 'meanStd', 'stacking', 'bma'] as const;
export type ItemBaseline = (typeof ITEM_BASELINES)[number];

export interface FittedBaselines {
  norm: Normaliser;
  /** index of the model `best` picked */
  best: number;
  bmaWeights: Float64Array;
  bmaBeta: Float64Array;
  stacking: FusionModel;
  /** per baseline, the temperature of σ(τ·margin) */
  tau: Record<BaselineName, number>;
  lambda: number;
}

export interface BaselineOutput {
  margin: Record<BaselineName, Float64Array>;
  prob: Record<BaselineName, Float64Array>;
}

/** z = (x − center)·scale in f32, NaN where there is no score: what normalizeColumns computes. */
export function zScores(x: Float32Array, norm: Normaliser): Float64Array {
  const K = norm.center.length;
  return Float64Array.from(x, (v, i) => (v === v ? Math.fround(Math.fround(v - norm.center[i % K]) * norm.scale[i % K]) : NaN));
}

/** Each baseline's margin s(a) − s(b) and P(a ≻ b) on `pairs`. */
export function scoreBaselines(f: FittedBaselines, pairs: PairSet): BaselineOutput {
  const margin = baselineMargins(f, pairs);
  const prob = {} as Record<BaselineName, Float64Array>;
  for (const name of BASELINES) prob[name] = margin[name].map((d) => sigmoid(f.tau[name] * d));
  return { margin, prob };
}

/** The baselines that score one response at a time (all but vote), on items (n, K) in the fitted models' order. */
export function baselineItemScores(f: FittedBaselines, scores: Float32Array): Record<ItemBaseline, Float64Array> {
  const K = f.norm.center.length, n = scores.length / K;
  const z = zScores(scores, f.norm);
  const out = {} as Record<ItemBaseline, Float64Array>;
  for (const name of ITEM_BASELINES) out[name] = new Float64Array(n);
  const feats = new Float32Array(0);
  out.stacking.set(f.stacking.score({ models: f.stacking.models, features: [], scores, feats, ids: new Array(n) }).reward);
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    v.length = 0;
    let bma = 0, wsum = 0;
    for (let m = 0; m < K; m++) {
      const x = z[i * K + m];
      if (x !== x) continue;
      v.push(x);
      bma += f.bmaWeights[m] * f.bmaBeta[m] * x;
      wsum += f.bmaWeights[m];
    }
    const best = z[i * K + f.best];
    out.best[i] = best === best ? best : 0;
    if (!v.length) continue;
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    v.sort((p, q) => p - q);
    const h = v.length >> 1;
    out.mean[i] = mean;
    out.median[i] = v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
    out.min[i] = v[0];
    out.meanStd[i] = mean - f.lambda * sd;
    out.bma[i] = wsum > 0 ? bma / wsum : 0;
  }
  return out;
}

export function baselineMargins(f: FittedBaselines, pairs: PairSet): Record<BaselineName, Float64Array> {
  const K = f.norm.center.length, n = pairs.ids.length;
  if (pairs.models.length !== K) throw new Error('rewardfuse: baselines need the models they were fitted on, in the same order');
  const sa = baselineItemScores(f, pairs.a), sb = baselineItemScores(f, pairs.b);
  const out = {} as Record<BaselineName, Float64Array>;
  for (const name of ITEM_BASELINES) out[name] = sa[name].map((v, i) => v - sb[name][i]);
  const za = zScores(pairs.a, f.norm), zb = zScores(pairs.b, f.norm);
  out.vote = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < K; m++) {
      const d = za[i * K + m] - zb[i * K + m];
      if (d === d) out.vote[i] += Math.sign(d);
    }
  }
  return out;
}

/** The fitted state, for the model file: baselines fitted at train time score evaluation pairs honestly. */
export function baselinesToJSON(f: FittedBaselines): Record<string, unknown> {
  return {
    center: Array.from(f.norm.center), scale: Array.from(f.norm.scale), best: f.best,
    bmaWeights: Array.from(f.bmaWeights), bmaBeta: Array.from(f.bmaBeta), tau: f.tau, lambda: f.lambda,
    stacking: modelToJSON(f.stacking),
  };
}

export function baselinesFromJSON(o: Record<string, unknown>, source: string): FittedBaselines {
  const bad = (field: string): never => { throw new DataError(source, 0, `train.baselines.${field}`, 'missing or malformed'); };
  const nums = (v: unknown, field: string) => (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : bad(field));
  const center = nums(o.center, 'center'), scale = nums(o.scale, 'scale');
  const tau = (typeof o.tau === 'object' && o.tau) ? (o.tau as Record<BaselineName, number>) : bad('tau');
  for (const b of BASELINES) if (typeof tau[b] !== 'number') bad(`tau.${b}`);
  return {
    norm: { center: Float32Array.from(center), scale: Float32Array.from(scale) },
    best: Number.isInteger(o.best) ? (o.best as number) : bad('best'),
    bmaWeights: Float64Array.from(nums(o.bmaWeights, 'bmaWeights')),
    bmaBeta: Float64Array.from(nums(o.bmaBeta, 'bmaBeta')),
    tau,
    lambda: typeof o.lambda === 'number' ? o.lambda : bad('lambda'),
    stacking: modelFromJSON(o.stacking, source),
  };
}
