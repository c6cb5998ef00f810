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
import type { ItemSet, PairSet } from '../data/types.js';
import { fitNormaliser, type Normaliser } from '../models/normalise.js';
import { FusionModel } from '../models/model.js';
import { sigmoid } from './metrics.js';
import { modelFromJSON, modelToJSON } from '../models/file.js';
import { DataError } from '../data/errors.js';

export const BASELINES = ['best', 'mean', 'median', 'min', 'meanStd', 'vote', 'stacking', 'bma'] as const;
export type BaselineName = (typeof BASELINES)[number];
// logistic (or least-squares) stacking: a linear model on z-scores and masks,
// fitted on all the training rows with weight decay, no early stopping
const STACKING = { arch: 'linear', ensemble: 1, useFeatures: false, modelDropout: 0, weightDecay: 0.1, val: 0, epochs: 100 } as const;

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

export function fitBaselines(train: PairSet, opts: { seed?: number; lambda?: number } = {}): FittedBaselines {
  const K = train.models.length, n = train.ids.length;
  const norm = fitNormaliser(K, train.a, train.b);
  const za = zScores(train.a, norm), zb = zScores(train.b, norm);
  const t = train.label;
  // best single model, and each model's Bradley–Terry temperature and log-likelihood
  let best = 0, bestAcc = -1;
  const beta = new Float64Array(K), logLik = new Float64Array(K);
  for (let m = 0; m < K; m++) {
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = za[i * K + m] - zb[i * K + m];
    const acc = accuracy(d, t);
    if (acc > bestAcc) { bestAcc = acc; best = m; }
    beta[m] = fitTemperature(d, t);
    logLik[m] = logLikelihood(d, t, beta[m]);
  }
  const top = Math.max(...logLik);
  const post = Float64Array.from(logLik, (l) => Math.exp(l - top));
  const Z = post.reduce((s, v) => s + v, 0);
  const bmaWeights = post.map((v) => v / Z);
  const stacking = FusionModel.train(train, { ...STACKING, seed: opts.seed ?? 0 });
  const fitted: FittedBaselines = { norm, best, bmaWeights, bmaBeta: beta, stacking, tau: {} as Record<BaselineName, number>, lambda: opts.lambda ?? 1 };
  const raw = baselineMargins(fitted, train);
  for (const name of BASELINES) fitted.tau[name] = fitTemperature(raw[name], t);
  return fitted;
}

/**
 * The same baselines for pointwise items (all but vote): best is the model
 * with the highest Pearson correlation with the target; BMA weighs each
 * model's least-squares fit t ≈ α + β·z by its Gaussian likelihood; stacking
 * is the linear fusion net under MSE.
 */
export function fitItemBaselines(train: ItemSet, opts: { seed?: number; lambda?: number } = {}): FittedBaselines {
  const K = train.models.length, n = train.ids.length;
  const norm = fitNormaliser(K, train.scores);
  const z = zScores(train.scores, norm);
  const t = train.target;
  let best = 0, bestR = -Infinity;
  const beta = new Float64Array(K), logLik = new Float64Array(K);
  for (let m = 0; m < K; m++) {
    let c = 0, sz = 0, st = 0;
    for (let i = 0; i < n; i++) { const v = z[i * K + m]; if (v === v) { c++; sz += v; st += t[i]; } }
    const mz = c ? sz / c : 0, mt = c ? st / c : 0;
    let szz = 0, szt = 0, stt = 0;
    for (let i = 0; i < n; i++) {
      const v = z[i * K + m];
      if (v !== v) continue;
      szz += (v - mz) ** 2; szt += (v - mz) * (t[i] - mt); stt += (t[i] - mt) ** 2;
    }
    const r = szz > 0 && stt > 0 ? szt / Math.sqrt(szz * stt) : 0;
    if (r > bestR) { bestR = r; best = m; }
    beta[m] = szz > 0 ? szt / szz : 0;
    // Gaussian log-likelihood of the residuals at their ML variance; a missing score predicts the mean
    let rss = 0;
    for (let i = 0; i < n; i++) { const v = z[i * K + m]; rss += (t[i] - mt - (v === v ? beta[m] * (v - mz) : 0)) ** 2; }
    logLik[m] = -0.5 * n * Math.log(Math.max(rss / n, 1e-300));
  }
  const top = Math.max(...logLik);
  const post = Float64Array.from(logLik, (l) => Math.exp(l - top));
  const Z = post.reduce((a, v) => a + v, 0);
  const stacking = FusionModel.train(train, { ...STACKING, loss: 'mse', seed: opts.seed ?? 0 });
  const tau = Object.fromEntries(BASELINES.map((b) => [b, 1])) as Record<BaselineName, number>;
  return { norm, best, bmaWeights: post.map((v) => v / Z), bmaBeta: beta, stacking, tau, lambda: opts.lambda ?? 1 };
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

function baselineMargins(f: FittedBaselines, pairs: PairSet): Record<BaselineName, Float64Array> {
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

function accuracy(d: Float64Array, t: Float32Array): number {
  let s = 0, c = 0;
  for (let i = 0; i < d.length; i++) {
    if (t[i] === 0.5) continue;
    c++;
    if (d[i] !== d[i] || d[i] === 0) s += 0.5;
    else if (d[i] > 0 === (t[i] > 0.5)) s += 1;
  }
  return c ? s / c : 0;
}

// Σ t·log σ(βd) + (1−t)·log σ(−βd); a missing d (NaN) predicts ½
function logLikelihood(d: Float64Array, t: Float32Array, beta: number): number {
  let l = 0;
  for (let i = 0; i < d.length; i++) {
    const z = d[i] === d[i] ? beta * d[i] : 0;
    l -= t[i] * softplus(-z) + (1 - t[i]) * softplus(z);
  }
  return l;
}

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/** The β ≥ 0 that maximises the Bradley–Terry likelihood of labels t under margins d (Newton, from β = 1). */
export function fitTemperature(d: Float64Array, t: Float32Array): number {
  let beta = 1;
  for (let it = 0; it < 50; it++) {
    let g = 0, h = 0;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== d[i]) continue;
      const p = sigmoid(beta * d[i]);
      g += (t[i] - p) * d[i];
      h += p * (1 - p) * d[i] * d[i];
    }
    if (!(h > 1e-12)) break;
    const next = Math.min(Math.max(beta + g / h, 0), 1e3);
    if (Math.abs(next - beta) < 1e-9) { beta = next; break; }
    beta = next;
  }
  return beta;
}
