// Fitting the baselines (see models/rules.ts for what each one is) on
// training pairs or items: the best single model, each model's Bradley–Terry
// temperature and BMA weight, logistic stacking, and each baseline's σ(τ·margin).
// Everything is fitted on every row, but τ (one number a baseline) on an even
// sample of 2^16 rows when there are more.
import { subsetPairs, type ItemSet, type PairSet } from '../data/types.js';
import { logSigmoid, pairwiseAccuracy, sigmoid } from '../eval/metrics.js';
import { BASELINES, baselineMargins, zScores, type BaselineName } from '../models/rules.js';
import type { FittedRules } from '../models/model.js';
import { fitNormaliser } from '../models/normalise.js';
import { trainNets } from './nets.js';
import { checkSet } from '../data/check.js';
import { checkArg, checkOptions, int, MAX_SEED, num, type Check } from '../data/validate.js';

// logistic (or least-squares) stacking: a linear model on z-scores and masks,
// fitted on all the training rows with weight decay, no early stopping
const STACKING = { ensemble: 1, useFeatures: false, modelDropout: 0, weightDecay: 0.1, val: 0, epochs: 100 } as const;

/** What both fits take: the seed of the stacking net, and λ of mean − λ·std. */
const FIT: Record<string, Check> = { seed: int(0, MAX_SEED), lambda: num(-1e6, 1e6) };

// the set (checked as the readers would build it) of the kind `where` fits, and its options
function checkFit(where: string, set: unknown, kind: 'pairs' | 'items', opts: unknown): void {
  const other = kind === 'pairs' ? 'fitItemBaselines' : 'fitBaselines';
  if (isSet(set) && (set as { kind?: unknown }).kind !== kind) throw new Error(`rewardfuse: ${where}: takes ${kind}, got ${(set as { kind?: unknown }).kind === 'pairs' ? 'pairs' : 'items'} (use ${other})`);
  checkArg(where, `the ${kind}`, set, (v) => (isSet(v) ? null : `a ${kind === 'pairs' ? 'PairSet' : 'ItemSet'} (from parseData, ${kind}FromRecords or simulateEnsemble)`));
  checkSet(set);
  checkOptions(where, opts, FIT);
}
const isSet = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

export function fitBaselines(train: PairSet, opts: { seed?: number; lambda?: number } = {}): FittedRules {
  checkFit('fitBaselines', train, 'pairs', opts);
  const K = train.models.length, n = train.ids.length;
  const norm = fitNormaliser(K, train.a, train.b);
  const za = zScores(train.a, norm), zb = zScores(train.b, norm);
  const t = train.label;
  // best single model, and each model's Bradley–Terry temperature and log-likelihood
  let best = 0, bestAcc = -1;
  const beta = new Float64Array(K), logLik = new Float64Array(K);
  const d = new Float64Array(n), filled = new Float64Array(n), ties = t.every((v) => v === 0.5);
  for (let m = 0; m < K; m++) {
    for (let i = 0; i < n; i++) {
      const v = za[i * K + m] - zb[i * K + m];
      d[i] = v;
      filled[i] = v === v ? v : 0;
    }
    const acc = ties ? 0 : pairwiseAccuracy(filled, t); // a missing margin counts as a tie, ½; 0 when every gold label is a tie
    if (acc > bestAcc) { bestAcc = acc; best = m; }
    beta[m] = fitTemperature(d, t);
    logLik[m] = logLikelihood(d, t, beta[m]);
  }
  const bma = posterior(logLik);
  const tbma = fitTemperedBma(za, zb, t, K);
  const stacking = trainNets(train, 'linear', { ...STACKING, seed: opts.seed ?? 0, norm });
  const fitted: FittedRules = {
    norm, best, bmaWeights: bma.weights, bmaLogWeights: bma.log, bmaBeta: beta, tbmaWeights: tbma.weights, tbmaLogWeights: tbma.log, tbmaBeta: tbma.beta,
    stacking, tau: {} as Record<BaselineName, number>, lambda: opts.lambda ?? 1,
  };
  const few = n > WARM_ROWS ? subsetPairs(train, evenSample(n)) : train;
  const raw = baselineMargins(fitted, few);
  for (const name of BASELINES) fitted.tau[name] = fitTemperature(raw[name], few.label);
  return fitted;
}

/**
 * The same baselines for pointwise items (all but vote): best is the model
 * with the highest Pearson correlation with the target; BMA weighs each
 * model's least-squares fit t ≈ α + β·z by its Gaussian likelihood; stacking
 * is the linear fusion net under MSE.
 */
export function fitItemBaselines(train: ItemSet, opts: { seed?: number; lambda?: number } = {}): FittedRules {
  checkFit('fitItemBaselines', train, 'items', opts);
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
  const bma = posterior(logLik);
  const stacking = trainNets(train, 'linear', { ...STACKING, loss: 'mse', seed: opts.seed ?? 0, norm });
  const tau = Object.fromEntries(BASELINES.map((b) => [b, 1])) as Record<BaselineName, number>;
  // tempered: the mean log-likelihood per item, −½·log(rss/n)
  const tbma = temper(logLik.map((l) => (n ? l / n : 0)));
  return {
    norm, best, bmaWeights: bma.weights, bmaLogWeights: bma.log, bmaBeta: beta, tbmaWeights: tbma.weights, tbmaLogWeights: tbma.log, tbmaBeta: beta.slice(),
    stacking, tau, lambda: opts.lambda ?? 1,
  };
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
function fitTemperedBma(za: Float64Array, zb: Float64Array, t: Float32Array, K: number): { weights: Float64Array; log: Float64Array; beta: Float64Array } {
  const n = t.length;
  const beta = new Float64Array(K), ell = new Float64Array(K);
  const d = new Float64Array(n), y = new Float32Array(n);
  for (let m = 0; m < K; m++) {
    let c = 0;
    for (let i = 0; i < n; i++) {
      const v = za[i * K + m] - zb[i * K + m];
      if (v === v) { d[c] = v; y[c++] = t[i]; }
    }
    const dm = d.subarray(0, c), ym = y.subarray(0, c);
    beta[m] = warm(dm, ym, fitSignedTemperature);
    let l = (n - c) * Math.log(0.5);
    for (let i = 0; i < c; i++) l += ym[i] * logSigmoid(beta[m] * dm[i]) + (1 - ym[i]) * logSigmoid(-beta[m] * dm[i]);
    ell[m] = n ? l / n : 0;
  }
  return { ...temper(ell), beta };
}

/**
 * Above this many rows, a one-parameter Newton fit starts from its fit on an
 * even sample of them (every k-th row), so that it takes a few passes over
 * all the rows, not a dozen; it converges to the same optimum.
 */
const WARM_ROWS = 1 << 16;

function warm(d: Float64Array, t: Float32Array, fit: (d: Float64Array, t: Float32Array, start?: number) => number): number {
  if (d.length <= WARM_ROWS) return fit(d, t);
  const idx = evenSample(d.length);
  return fit(d, t, fit(Float64Array.from(idx, (i) => d[i]), Float32Array.from(idx, (i) => t[i])));
}

/** WARM_ROWS row indices spread evenly over 0 … n − 1 (n > WARM_ROWS) */
function evenSample(n: number): Int32Array {
  return Int32Array.from({ length: WARM_ROWS }, (_, i) => Math.floor((i * n) / WARM_ROWS));
}

// exp(η(ℓ_m − max ℓ)): the best model weighs 1; and the logs, η(ℓ_m − max ℓ), which never underflow
function temper(ell: Float64Array): { weights: Float64Array; log: Float64Array } {
  const top = Math.max(...ell);
  return { weights: ell.map((l) => Math.exp(TBMA_ETA * (l - top))), log: ell.map((l) => TBMA_ETA * (l - top)) };
}

// BMA's posterior from each model's log-likelihood, uniform prior: weights exp(l_m − max l)/Z (which
// underflow to 0 as the data grow), and the log weights l_m − max l (which do not)
function posterior(logLik: Float64Array): { weights: Float64Array; log: Float64Array } {
  const top = Math.max(...logLik);
  const post = Float64Array.from(logLik, (l) => Math.exp(l - top));
  const Z = post.reduce((s, v) => s + v, 0);
  return { weights: post.map((v) => v / Z), log: logLik.map((l) => l - top) };
}

/** argmax_β Σ y·log σ(βd) + (1−y)·log σ(−βd) − 10⁻³β²/2, by Newton from `start` (concave: no step control needed). */
function fitSignedTemperature(d: Float64Array, y: Float32Array, start = 0): number {
  const ridge = 1e-3;
  let beta = start;
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

// Σ t·log σ(βd) + (1−t)·log σ(−βd); a missing d (NaN) predicts ½
function logLikelihood(d: Float64Array, t: Float32Array, beta: number): number {
  let l = 0;
  for (let i = 0; i < d.length; i++) {
    const z = d[i] === d[i] ? beta * d[i] : 0;
    l += t[i] * logSigmoid(z) + (1 - t[i]) * logSigmoid(-z);
  }
  return l;
}

/** The β ≥ 0 that maximises the Bradley–Terry likelihood of labels t under margins d (NaN: none); Newton from β = 1, or from the fit on a sample of many rows. */
export function fitTemperature(d: Float64Array, t: Float32Array): number {
  return warm(d, t, newtonTemperature);
}

function newtonTemperature(d: Float64Array, t: Float32Array, start = 1): number {
  let beta = start;
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
