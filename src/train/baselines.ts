// Fitting the baselines (see models/baselines.ts for what each one is) on
// training pairs or items: the best single model, each model's Bradley–Terry
// temperature and BMA weight, logistic stacking, and each baseline's σ(τ·margin).
import type { ItemSet, PairSet } from '../data/types.js';
import { logSigmoid, pairwiseAccuracy, sigmoid } from '../eval/metrics.js';
import { BASELINES, baselineMargins, zScores, type BaselineName, type FittedBaselines } from '../models/baselines.js';
import { fitNormaliser } from '../models/normalise.js';
import { trainNets } from './nets.js';

// logistic (or least-squares) stacking: a linear model on z-scores and masks,
// fitted on all the training rows with weight decay, no early stopping
const STACKING = { ensemble: 1, useFeatures: false, modelDropout: 0, weightDecay: 0.1, val: 0, epochs: 100 } as const;

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
  const tbma = fitTemperedBma(za, zb, t, K);
  const stacking = trainNets(train, 'linear', { ...STACKING, seed: opts.seed ?? 0 });
  const fitted: FittedBaselines = {
    norm, best, bmaWeights, bmaBeta: beta, tbmaWeights: tbma.weights, tbmaBeta: tbma.beta, stacking, tau: {} as Record<BaselineName, number>, lambda: opts.lambda ?? 1,
  };
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
  const stacking = trainNets(train, 'linear', { ...STACKING, loss: 'mse', seed: opts.seed ?? 0 });
  const tau = Object.fromEntries(BASELINES.map((b) => [b, 1])) as Record<BaselineName, number>;
  // tempered: the mean log-likelihood per item, −½·log(rss/n)
  const tbmaWeights = temper(logLik.map((l) => (n ? l / n : 0)));
  return { norm, best, bmaWeights: post.map((v) => v / Z), bmaBeta: beta, tbmaWeights, tbmaBeta: beta.slice(), stacking, tau, lambda: opts.lambda ?? 1 };
}

/** η of tempered BMA: weights ∝ exp(η·ℓ_m), ℓ_m a model's mean log-likelihood per training pair (or item). */
export const TBMA_ETA = 20;

/**
 * Tempered BMA on pairs. Per model, β_m maximises the ridge-penalised
 * Bradley–Terry likelihood of the labels under d = z_a − z_b (pairs where it
 * scored both sides; β may be negative); ℓ_m is its mean log-likelihood over
 * all n pairs, a pair it did not score counting log ½. Weights
 * exp(η(ℓ_m − max ℓ)).
 */
function fitTemperedBma(za: Float64Array, zb: Float64Array, t: Float32Array, K: number): { weights: Float64Array; beta: Float64Array } {
  const n = t.length;
  const beta = new Float64Array(K), ell = new Float64Array(K);
  for (let m = 0; m < K; m++) {
    const d: number[] = [], y: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = za[i * K + m] - zb[i * K + m];
      if (v === v) { d.push(v); y.push(t[i]); }
    }
    beta[m] = fitSignedTemperature(d, y);
    let l = (n - d.length) * Math.log(0.5);
    for (let i = 0; i < d.length; i++) l += y[i] * logSigmoid(beta[m] * d[i]) + (1 - y[i]) * logSigmoid(-beta[m] * d[i]);
    ell[m] = n ? l / n : 0;
  }
  return { weights: temper(ell), beta };
}

// exp(η(ℓ_m − max ℓ)): the best model weighs 1
function temper(ell: Float64Array): Float64Array {
  const top = Math.max(...ell);
  return ell.map((l) => Math.exp(TBMA_ETA * (l - top)));
}

/** argmax_β Σ y·log σ(βd) + (1−y)·log σ(−βd) − 10⁻³β²/2, by Newton from 0 (concave: no step control needed). */
function fitSignedTemperature(d: number[], y: number[]): number {
  const ridge = 1e-3;
  let beta = 0;
  for (let it = 0; it < 100; it++) {
    let g = -ridge * beta, h = ridge;
    for (let i = 0; i < d.length; i++) {
      const p = sigmoid(beta * d[i]);
      g += (y[i] - p) * d[i];
      h += p * (1 - p) * d[i] * d[i];
    }
    const next = beta + g / h;
    if (!Number.isFinite(next)) break;
    if (Math.abs(next - beta) < 1e-10) { beta = next; break; }
    beta = next;
  }
  return beta;
}

// pairwise accuracy of margins d (a missing one counts as a tie, ½); 0 when every gold label is a tie
function accuracy(d: Float64Array, t: Float32Array): number {
  if (t.every((v) => v === 0.5)) return 0;
  return pairwiseAccuracy(d.map((v) => (v === v ? v : 0)), t);
}

// Σ t·log σ(βd) + (1−t)·log σ(−βd); a missing d (NaN) predicts ½
function logLikelihood(d: Float64Array, t: Float32Array, beta: number): number {
  let l = 0;
  for (let i = 0; i < d.length; i++) {
    const z = d[i] === d[i] ? beta * d[i] : 0;
    l += t[i] * logSigmoid(z) + (1 - t[i]) * logSigmoid(-z);
  }
  return l;
}

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
