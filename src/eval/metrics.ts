// Evaluation metrics for fused rewards: pairwise accuracy (with a bootstrap
// interval), log loss, calibration, and rank correlations. Pure functions over
// array-likes, float64 throughout; the only randomness (the bootstrap) comes
// from the seeded PCG32 in the wasm kernels, so results are reproducible.
import { checkArg, checkOptions, int, numbers, type Check } from '../data/validate.js';
import { Arena } from '../engine/arena.js';
import { newKernels, type Kernels } from '../engine/wasm.js';
import { quantile, sigmoid as sigma } from '../models/math.js';

export { logSigmoid } from '../models/math.js';

type Vec = ArrayLike<number>;

// ---- input checks: every message names the public function at fault ----

function nonEmpty(fn: string, name: string, x: Vec): void {
  vector(fn, name, x);
  if (x.length === 0) throw new Error(`${fn}: ${name} is empty`);
}

// an array or typed array of numbers: the shared door's check (../data/validate.ts)
function vector(fn: string, name: string, x: unknown): void {
  checkArg(fn, name, x, numbers('an array or typed array of numbers'), { error: (m) => new Error(`${fn}: ${m}`) });
}

function noNaN(fn: string, name: string, x: Vec): void {
  nonEmpty(fn, name, x);
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) throw new Error(`${fn}: ${name}[${i}] is NaN`);
}

function finite(fn: string, name: string, x: Vec): void {
  noNaN(fn, name, x);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`${fn}: ${name}[${i}] is not finite (${x[i]})`);
}

function inUnit(fn: string, name: string, x: Vec): void {
  noNaN(fn, name, x);
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0 || x[i] > 1) throw new Error(`${fn}: ${name}[${i}] = ${x[i]} is outside [0, 1]`);
  }
}

function sameLength(fn: string, an: string, a: Vec, bn: string, b: Vec): void {
  vector(fn, an, a);
  vector(fn, bn, b);
  if (a.length !== b.length) throw new Error(`${fn}: ${an} has ${a.length} values but ${bn} has ${b.length}`);
}

function notConstant(fn: string, name: string, x: Vec): void {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return;
  throw new Error(`${fn}: ${name} is constant`);
}

// a count: a positive integer within what memory holds
const count = (max: number): Check => (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max ? null : `a positive integer (at most ${max})`);

function positiveInt(fn: string, name: string, v: number): void {
  checkArg(fn, name, v, count(1_000_000), { error: (m) => new Error(`${fn}: ${m}`) });
}

// ---- pairwise preference metrics ----

/** σ(x) = 1 / (1 + e^−x), computed without overflow for either sign of x; NaN is an error. */
export function sigmoid(x: number): number {
  if (Number.isNaN(x)) throw new Error('sigmoid: x is NaN');
  return sigma(x);
}

/**
 * credit_i = 1 if sign(margin_i) = sign(label_i − ½), 0 if opposite, ½ if margin_i = 0;
 * NaN where the gold label is a tie (label = ½). label ∈ [0, 1]; label > ½ means a ≻ b.
 */
export function pairCredit(margin: Vec, label: Vec): Float64Array {
  return credit('pairCredit', margin, label);
}

function credit(fn: string, margin: Vec, label: Vec): Float64Array {
  noNaN(fn, 'margin', margin);
  inUnit(fn, 'label', label);
  sameLength(fn, 'margin', margin, 'label', label);
  const out = new Float64Array(margin.length);
  for (let i = 0; i < out.length; i++) {
    const gold = Math.sign(label[i] - 0.5);
    const pred = Math.sign(margin[i]);
    out[i] = gold === 0 ? NaN : pred === 0 ? 0.5 : pred === gold ? 1 : 0;
  }
  return out;
}

/**
 * acc = mean of pairCredit over pairs whose gold label is not a tie (gold ties are left out);
 * a zero margin earns ½. margin = r(a) − r(b) or P(a≻b) − ½.
 */
export function pairwiseAccuracy(margin: Vec, label: Vec): number {
  const c = credit('pairwiseAccuracy', margin, label);
  let s = 0, n = 0;
  for (let i = 0; i < c.length; i++) if (!Number.isNaN(c[i])) { s += c[i]; n++; }
  if (n === 0) throw new Error('pairwiseAccuracy: every gold label is a tie, so accuracy is undefined');
  return s / n;
}

let boot: { k: Kernels; arena: Arena; values: number; out: number; m: number; resamples: number } | undefined;

// one instance for the bootstrap, its blocks reused while they are large enough (an arena frees nothing)
function bootstrapSpace(m: number, resamples: number) {
  if (!boot || m > boot.m || resamples > boot.resamples) {
    const k = newKernels(), arena = new Arena(k);
    const cm = Math.max(m, boot?.m ?? 0), cr = Math.max(resamples, boot?.resamples ?? 0);
    boot = { k, arena, values: arena.alloc(2 * cm), out: arena.alloc(2 * cr), m: cm, resamples: cr };
  }
  return boot;
}
const BOOTSTRAP_STREAM = 0xb007; // PCG32 stream used for bootstrap resampling

const BOOTSTRAP: Record<string, Check> = {
  resamples: count(10_000_000),
  level: (v) => (typeof v === 'number' && v > 0 && v < 1 ? null : 'in (0, 1)'),
  seed: int(0, 0xffffffff),
};

export interface BootstrapOptions {
  /** Number of bootstrap resamples B (default 1000). */
  resamples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  /** Seed for the PCG32 generator (default 0); same seed, same interval. */
  seed?: number;
}

/**
 * Percentile bootstrap of the mean of the non-NaN values: draw B resamples of size m with
 * replacement, and return the (1−level)/2 and (1+level)/2 quantiles of their means
 * (linear interpolation between order statistics). NaN entries (e.g. gold ties) are skipped.
 */
export function bootstrapCI(credit: Vec, opts: BootstrapOptions = {}): [number, number] {
  const fn = 'bootstrapCI';
  checkOptions(fn, opts, BOOTSTRAP, { name: (k) => k, error: (m) => new Error(`${fn}: ${m}`) });
  const { resamples = 1000, level = 0.95, seed = 0 } = opts;
  nonEmpty(fn, 'credit', credit);
  let m = 0;
  for (let i = 0; i < credit.length; i++) {
    const c = credit[i];
    if (Number.isNaN(c)) continue;
    if (!Number.isFinite(c)) throw new Error(`${fn}: credit[${i}] is not finite (${c})`);
    m++;
  }
  if (m === 0) throw new Error(`${fn}: credit has no non-NaN values`);

  // the resampling runs in the kernel (bootstrapMeans): m·B draws, no call across the boundary each
  const b = bootstrapSpace(m, resamples);
  const f64 = b.arena.f64;
  for (let i = 0, j = b.values >> 3; i < credit.length; i++) if (!Number.isNaN(credit[i])) f64[j++] = credit[i];
  b.k.randomSeed(seed >>> 0, BOOTSTRAP_STREAM);
  b.k.bootstrapMeans(b.out, b.values, m, resamples);
  const means = b.arena.f64.slice(b.out >> 3, (b.out >> 3) + resamples);
  means.sort();
  const alpha = (1 - level) / 2;
  return [quantile(means, alpha), quantile(means, 1 - alpha)];
}


// ---- probabilistic metrics ----

/** L = −(1/n) Σ [t log p + (1−t) log(1−p)], p = P(a≻b) clipped to [1e-7, 1−1e-7]; a tie has t = ½. */
export function logLoss(p: Vec, label: Vec): number {
  const fn = 'logLoss';
  inUnit(fn, 'p', p);
  inUnit(fn, 'label', label);
  sameLength(fn, 'p', p, 'label', label);
  const eps = 1e-7;
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i], eps), 1 - eps), t = label[i];
    s -= t * Math.log(q) + (1 - t) * Math.log1p(-q);
  }
  return s / p.length;
}

export interface ReliabilityBin {
  /** Bin edges [lo, hi); the last bin includes p = 1. */
  lo: number;
  hi: number;
  /** Number of pairs in the bin. */
  n: number;
  /** Mean predicted P(a≻b) in the bin (NaN if empty). */
  meanP: number;
  /** Mean gold label in the bin, ties counting ½ (NaN if empty). */
  freq: number;
}

/** Equal-width bins b = min(⌊p·bins⌋, bins−1) on [0, 1]: per bin n_b, meanP_b = mean p, freq_b = mean label. All bins are returned, empty ones with NaN means. */
export function reliability(p: Vec, label: Vec, bins = 10): ReliabilityBin[] {
  return binned('reliability', p, label, bins);
}

function binned(fn: string, p: Vec, label: Vec, bins: number): ReliabilityBin[] {
  positiveInt(fn, 'bins', bins);
  inUnit(fn, 'p', p);
  inUnit(fn, 'label', label);
  sameLength(fn, 'p', p, 'label', label);
  const n = new Float64Array(bins), sp = new Float64Array(bins), st = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(Math.floor(p[i] * bins), bins - 1);
    n[b]++;
    sp[b] += p[i];
    st[b] += label[i];
  }
  return Array.from(n, (nb, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    n: nb,
    meanP: nb > 0 ? sp[b] / nb : NaN,
    freq: nb > 0 ? st[b] / nb : NaN,
  }));
}

/** ECE = Σ_b (n_b / n)·|meanP_b − freq_b| over the non-empty reliability bins. */
export function ece(p: Vec, label: Vec, bins = 10): number {
  let s = 0;
  for (const b of binned('ece', p, label, bins)) if (b.n > 0) s += b.n * Math.abs(b.meanP - b.freq);
  return s / p.length;
}

// ---- correlations ----

/** r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²); throws if either vector is constant. */
export function pearson(x: Vec, y: Vec): number {
  finite('pearson', 'x', x);
  finite('pearson', 'y', y);
  return corr('pearson', x, y);
}

function corr(fn: string, x: Vec, y: Vec): number {
  sameLength(fn, 'x', x, 'y', y);
  notConstant(fn, 'x', x);
  notConstant(fn, 'y', y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** rank_i = 1 + #{j : x_j < x_i} + (#{j : x_j = x_i} − 1)/2 — 1-based ranks, ties get their mean rank. */
export function ranks(x: Vec): Float64Array {
  return rankOf('ranks', 'x', x);
}

function rankOf(fn: string, name: string, x: Vec): Float64Array {
  noNaN(fn, name, x);
  const n = x.length;
  const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(x[a], x[b]));
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && x[idx[j]] === x[idx[i]]) j++;
    const avg = (i + j + 1) / 2; // mean of the 1-based positions i+1 … j
    for (let t = i; t < j; t++) r[idx[t]] = avg;
    i = j;
  }
  return r;
}

/** ρ = pearson(ranks(x), ranks(y)) with average ranks for ties; throws if either vector is constant. */
export function spearman(x: Vec, y: Vec): number {
  const fn = 'spearman';
  sameLength(fn, 'x', x, 'y', y);
  return corr(fn, rankOf(fn, 'x', x), rankOf(fn, 'y', y));
}

/**
 * τ_b = (C − D) / √((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2, n₁ / n₂ = pairs tied in x / y.
 * O(n log n) (Knight 1966): sort by (x, y), then count discordant pairs as merge-sort swaps on y.
 */
export function kendall(x: Vec, y: Vec): number {
  const fn = 'kendall';
  noNaN(fn, 'x', x);
  noNaN(fn, 'y', y);
  sameLength(fn, 'x', x, 'y', y);
  notConstant(fn, 'x', x);
  notConstant(fn, 'y', y);
  const n = x.length;
  const ord = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(x[a], x[b]) || cmp(y[a], y[b]));
  // n₁: pairs tied in x; n₃: pairs tied in both x and y (adjacent after the (x, y) sort).
  const n1 = tiedPairs(ord, (a, b) => x[a] === x[b]);
  const n3 = tiedPairs(ord, (a, b) => x[a] === x[b] && y[a] === y[b]);
  // Stable merge sort by y; every jump of a strictly smaller right element over the left is a discordant pair.
  const dis = mergeCount(ord, new Uint32Array(n), y);
  const n2 = tiedPairs(ord, (a, b) => y[a] === y[b]);
  const n0 = (n * (n - 1)) / 2;
  // C − D = (n₀ − n₁ − n₂ + n₃) − 2D: pairs tied in neither, minus twice the discordant ones.
  const tau = (n0 - n1 - n2 + n3 - 2 * dis) / Math.sqrt((n0 - n1) * (n0 - n2));
  return Math.max(-1, Math.min(1, tau));
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Σ t(t−1)/2 over runs of adjacent equal elements of ord. */
function tiedPairs(ord: Uint32Array, eq: (a: number, b: number) => boolean): number {
  let s = 0, run = 1;
  for (let i = 1; i <= ord.length; i++) {
    if (i < ord.length && eq(ord[i - 1], ord[i])) run++;
    else { s += (run * (run - 1)) / 2; run = 1; }
  }
  return s;
}

/** Bottom-up stable merge sort of a (indices) by key; returns the number of strict inversions. Result lands in a. */
function mergeCount(a: Uint32Array, buf: Uint32Array, key: Vec): number {
  const n = a.length;
  let src = a, dst = buf, swaps = 0;
  for (let w = 1; w < n; w *= 2) {
    for (let lo = 0; lo < n; lo += 2 * w) {
      const mid = Math.min(lo + w, n), hi = Math.min(lo + 2 * w, n);
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) {
        if (key[src[j]] < key[src[i]]) { swaps += mid - i; dst[o++] = src[j++]; }
        else dst[o++] = src[i++];
      }
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
  return swaps;
}

/**
 * The one figure cross-validation compares scorers by: pairwise accuracy on
 * pairs (½ when every gold label is a tie), Pearson r on items (0 when either
 * side is constant).
 */
export function agreement(pred: Vec, truth: Vec, pairs: boolean): number {
  if (pairs) {
    for (let i = 0; i < truth.length; i++) if (truth[i] !== 0.5) return pairwiseAccuracy(pred, truth);
    return 0.5;
  }
  for (let i = 1; i < pred.length; i++) {
    if (pred[i] !== pred[0]) {
      for (let j = 1; j < truth.length; j++) if (truth[j] !== truth[0]) return pearson(pred, truth);
      return 0;
    }
  }
  return 0;
}

/**
 * Best-of-N: for each of `prompts` prompts with `per` candidates (rows in
 * order), the gold reward of the candidate with the highest score among the
 * first N; their mean.
 */
export function bestOfNGold(score: Vec, gold: Vec, prompts: number, per: number, N: number): number {
  let sum = 0;
  for (let p = 0; p < prompts; p++) {
    let best = p * per;
    for (let c = 1; c < N; c++) if (score[p * per + c] > score[best]) best = p * per + c;
    sum += gold[best];
  }
  return sum / prompts;
}
