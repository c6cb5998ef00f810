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
//   tbma    tempered BMA: the same predictors, signed β_m (a judge worse than
//           chance counts against), weights ∝ exp(η·ℓ_m), ℓ_m the mean
//           log-likelihood per training pair, η = 20: untempered weights
//           collapse onto one judge as pairs grow; these do not
// Each baseline's P(a ≻ b) = σ(τ·margin), τ fitted on the training pairs.
// Fitting them is train/fit-rules.ts; saving them, file.ts; here they are held and scored.
import type { ItemSet, PairSet } from '../data/types.js';
import { sigmoid } from './math.js';
import { checkArg } from '../data/validate.js';
import { FULL_SUM, logWeighted } from './weights.js';
import type { Normaliser } from './normalise.js';

export const BASELINES = ['best', 'mean', 'median', 'min', 'meanStd', 'vote', 'stacking', 'bma', 'tbma'] as const;
export type BaselineName = (typeof BASELINES)[number];

export const ITEM_BASELINES = ['best', 'mean', 'median', 'min', 'meanStd', 'stacking', 'bma', 'tbma'] as const;
export type ItemBaseline = (typeof ITEM_BASELINES)[number];

export interface FittedBaselines<S extends ItemScorer = ItemScorer> {
  norm: Normaliser;
  /** index of the model `best` picked */
  best: number;
  /** BMA: per model its posterior weight (linear, summing to 1; may underflow to 0), its log (relative to the best, 0), and β_m */
  bmaWeights: Float64Array;
  bmaLogWeights: Float64Array;
  bmaBeta: Float64Array;
  /** tempered BMA: per model exp(η(ℓ_m − max ℓ)) (renormalised over the models present when scoring), its log η(ℓ_m − max ℓ), and β_m */
  tbmaWeights: Float64Array;
  tbmaLogWeights: Float64Array;
  tbmaBeta: Float64Array;
  /** the linear fusion net on z and masks: a FusionModel (model.ts), which scores with these rules; seen here only as what scores items */
  stacking: S;
  /** per baseline, the temperature of σ(τ·margin) */
  tau: Record<BaselineName, number>;
  lambda: number;
}

/** What scores items one at a time: the stacking net, as the rules see it. */
export interface ItemScorer {
  readonly models: string[];
  score(data: Pick<ItemSet, 'models' | 'features' | 'scores' | 'feats' | 'ids'>): { reward: Float32Array };
}

export interface BaselineOutput {
  margin: Record<BaselineName, Float64Array>;
  prob: Record<BaselineName, Float64Array>;
}

/** z = (x − center)·scale in f32, NaN where there is no score: what normalizeColumns computes. */
export function zScores(x: Float32Array, norm: Normaliser): Float64Array {
  const K = norm.center.length;
  const z = new Float64Array(x.length);
  for (let i = 0, j = 0; i < x.length; i++, j = j + 1 === K ? 0 : j + 1) {
    const v = x[i];
    z[i] = v === v ? Math.fround(Math.fround(v - norm.center[j]) * norm.scale[j]) : NaN;
  }
  return z;
}

/** Each baseline's margin s(a) − s(b) and P(a ≻ b) on `pairs`. */
export function scoreBaselines(f: FittedBaselines, pairs: PairSet): BaselineOutput {
  checkFitted('scoreBaselines', f);
  const K = f.norm.center.length;
  checkArg('scoreBaselines', 'the pairs', pairs, (v) => {
    const p = v as PairSet | null, n = Array.isArray(p?.ids) ? p!.ids.length : -1;
    const ok = typeof v === 'object' && p !== null && p.kind === 'pairs' && Array.isArray(p.models) && p.models.length === K && n >= 0
      && p.a instanceof Float32Array && p.a.length === n * K && p.b instanceof Float32Array && p.b.length === n * K;
    return ok ? null : `a PairSet (from parseData or pairsFromRecords) of the ${K} models the baselines were fitted on, in their order`;
  });
  const margin = baselineMargins(f, pairs);
  const prob = {} as Record<BaselineName, Float64Array>;
  for (const name of BASELINES) prob[name] = margin[name].map((d) => sigmoid(f.tau[name] * d));
  return { margin, prob };
}

/**
 * The baselines that score one response at a time (all but vote), on items
 * (n, K) in the fitted models' order; `names` limits the work to some of them.
 */
export function baselineItemScores(f: FittedBaselines, scores: Float32Array, names: readonly ItemBaseline[] = ITEM_BASELINES): Record<ItemBaseline, Float64Array> {
  checkFitted('baselineItemScores', f);
  const K = f.norm.center.length;
  checkArg('baselineItemScores', 'scores', scores, (v) => (v instanceof Float32Array && v.length % K === 0 ? null : `a Float32Array of rows × ${K} scores (NaN: none), in the fitted models' order`));
  checkArg('baselineItemScores', 'names', names, (v) => (Array.isArray(v) && v.every((x) => ITEM_BASELINES.includes(x)) ? null : `an array of ${ITEM_BASELINES.join(', ')}`));
  const n = scores.length / K;
  const z = zScores(scores, f.norm);
  const out = {} as Record<ItemBaseline, Float64Array>;
  for (const name of ITEM_BASELINES) out[name] = new Float64Array(n);
  const feats = new Float32Array(0);
  if (names.includes('stacking')) out.stacking.set(f.stacking.score({ models: f.stacking.models, features: [], scores, feats, ids: new Array(n) }).reward);
  // the per-row sort (median, min) and spread (meanStd) only when asked for: scoring one rule stays one pass
  const sorted = names.includes('median') || names.includes('min'), spread = names.includes('meanStd');
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    v.length = 0;
    let bma = 0, wsum = 0, tbma = 0, tsum = 0;
    for (let m = 0; m < K; m++) {
      const x = z[i * K + m];
      if (x !== x) continue;
      v.push(x);
      bma += f.bmaWeights[m] * f.bmaBeta[m] * x;
      wsum += f.bmaWeights[m];
      tbma += f.tbmaWeights[m] * f.tbmaBeta[m] * x;
      tsum += f.tbmaWeights[m];
    }
    const best = z[i * K + f.best];
    out.best[i] = best === best ? best : 0;
    if (!v.length) continue;
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    out.mean[i] = mean;
    if (spread) out.meanStd[i] = mean - f.lambda * Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    if (sorted) {
      v.sort((p, q) => p - q);
      const h = v.length >> 1;
      out.median[i] = v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
      out.min[i] = v[0];
    }
    // the linear sums where they hold full precision (the bits they always gave), else the log-sum-exp over the judges present
    out.bma[i] = wsum >= FULL_SUM ? bma / wsum : logWeighted(f.bmaLogWeights, f.bmaBeta, z, i * K, K);
    out.tbma[i] = tsum >= FULL_SUM ? tbma / tsum : logWeighted(f.tbmaLogWeights, f.tbmaBeta, z, i * K, K);
  }
  return out;
}

export function baselineMargins(f: FittedBaselines, pairs: PairSet): Record<BaselineName, Float64Array> {
  const K = f.norm.center.length, n = pairs.ids.length;
  if (pairs.models.length !== K) throw new Error('rewardfuse: baselines need the models they were fitted on, in the same order');
  const sa = baselineItemScores(f, pairs.a), sb = baselineItemScores(f, pairs.b);
  const out = {} as Record<BaselineName, Float64Array>;
  // a side no usable judge scored (NaN: every judge present has weight 0, in an older file) says nothing: a tie
  for (const name of ITEM_BASELINES) out[name] = sa[name].map((v, i) => { const d = v - sb[name][i]; return d === d ? d : 0; });
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

// what fitBaselines or fitItemBaselines returned (or baselinesFromJSON read): its shape, not every number
function checkFitted(where: string, f: unknown): void {
  checkArg(where, 'the fitted baselines', f, (v) => {
    const b = v as FittedBaselines | null;
    const K = b?.norm?.center?.length;
    const ok = typeof v === 'object' && b !== null && Number.isInteger(K) && K! > 0 && b.norm.scale?.length === K
      && [b.bmaWeights, b.bmaLogWeights, b.bmaBeta, b.tbmaWeights, b.tbmaLogWeights, b.tbmaBeta].every((x) => x instanceof Float64Array && x.length === K)
      && typeof b.tau === 'object' && b.tau !== null && typeof b.stacking === 'object' && b.stacking !== null;
    return ok ? null : 'what fitBaselines or fitItemBaselines returned';
  });
}
