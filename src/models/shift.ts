// The shift check: does a batch to score look like the data the model learned
// from? No labels are needed. The training side is summarised once, at training,
// and kept in the model file:
//   per model   median and spread (IQR/1.349) of its robust z, and its missing rate
//   jointly     a reference sample of at most 1,000 training items' z (2 decimals),
//               on at most 32 models (the ones tempered BMA weighs most)
// A batch is compared with it:
//   per model   location change = median(z_batch) − median(z_train),
//               spread ratio = spread(z_batch) / spread(z_train), missing rates
//   jointly     a cross-fitted domain classifier's AUC, training items (0) against
//               batch items (1): features per model z, |z| (z clipped to ±8; 0
//               where missing) and a missing flag; a ridge least-squares fit
//               (Fisher's discriminant direction) on 4 of 5 folds scores the 5th;
//               AUC by Mann–Whitney over every out-of-fold score. ≈ 0.5 (or
//               below) when the batch is like training, → 1 as it moves away.
//               Models missing from most of the batch are left out of it (a user
//               with some judges only: the nets are trained for that).
// Pairs are checked as items: both sides of each pair (a pairs-trained model
// scores items too). The whole check is +, −, ×, ÷, √ and comparisons in a
// fixed order, with no random draws: IEEE-exact, the same decision in every
// JS engine (Math.exp and Math.log are not, so no logistic fit).
import { zScores } from './rules.js';
import { quantile } from './math.js';
import type { Normaliser } from './normalise.js';

/** Caps on the stored reference: models the classifier reads, items, and values (items × models). */
export const SHIFT_LIMITS = { judges: 32, rows: 1000, values: 32_000 };

/**
 * The rule: the batch resembles training when it has at least `minRows` rows
 * (pairs or items) and the classifier's AUC is below `threshold`. Chosen on
 * pseudo-shifts (leave-one-group-out on the dev sets) and the simulated
 * ensemble's domain shift: docs/quality.md.
 */
export const SHIFT_RULE = { threshold: 0.6, minRows: 200 };

const FOLDS = 5;
/** ridge penalty, per training row, on standardised features */
const RIDGE = 0.05;
const CLIP = 8;
/** a model missing from more than this share of the batch is left out of the classifier */
const MOSTLY_MISSING = 0.5;

export interface ShiftReference {
  /** per model (the model's order): median and spread of the training rows' z, and the fraction missing */
  median: number[];
  spread: number[];
  missing: number[];
  /** the models the classifier reads: indices, ascending */
  judges: number[];
  /** (rows, judges.length) training items' z, rounded to 0.01; NaN = missing */
  sample: Float64Array;
  rows: number;
}

export interface JudgeShift {
  model: string;
  /** median(z_batch) − median(z_train), NaN when the batch has no score from it */
  location: number;
  /** spread(z_batch) / spread(z_train), NaN when the batch has no score from it */
  spread: number;
  missingTrain: number;
  missingBatch: number;
}

export interface ShiftReport {
  /** rows in the batch: pairs or items */
  rows: number;
  /** items the classifier compared from the batch, and from training */
  batchItems: number;
  referenceItems: number;
  /** the domain classifier's cross-fitted AUC; null when the batch is below minRows */
  auc: number | null;
  threshold: number;
  minRows: number;
  judges: JudgeShift[];
  /** the batch resembles training: a net may score it */
  resembles: boolean;
  reason: string;
}

/**
 * Summarise training items x:(n, K) under `norm`; `priority` orders the models
 * (most important first) for the classifier's cap.
 */
export function shiftReference(x: Float32Array, norm: Normaliser, priority?: ArrayLike<number>): ShiftReference {
  const K = norm.center.length, n = x.length / K;
  const z = zScores(x, norm);
  const stats = judgeStats(z, K);
  const order = Array.from({ length: K }, (_, k) => k);
  if (priority) order.sort((p, q) => priority[q] - priority[p] || p - q);
  const judges = order.slice(0, SHIFT_LIMITS.judges).sort((p, q) => p - q);
  const J = judges.length;
  const rows = Math.min(n, SHIFT_LIMITS.rows, Math.floor(SHIFT_LIMITS.values / J));
  const sample = new Float64Array(rows * J);
  stride(n, rows).forEach((i, r) => judges.forEach((k, j) => (sample[r * J + j] = round2(z[i * K + k]))));
  return { ...stats, judges, sample, rows };
}

/** Compare a batch of items x:(n, K) (the model's columns) with the reference; `rows` counts the batch's rows (pairs: n/2). */
export function checkShift(ref: ShiftReference, norm: Normaliser, x: Float32Array, models: string[], rows: number, rule = SHIFT_RULE): ShiftReport {
  const K = norm.center.length, n = x.length / K, J = ref.judges.length;
  const z = zScores(x, norm);
  const stats = judgeStats(z, K);
  const judges = models.map((model, k) => ({
    model,
    location: round4(stats.median[k] - ref.median[k]),
    spread: round4(stats.spread[k] / ref.spread[k]),
    missingTrain: ref.missing[k],
    missingBatch: round4(stats.missing[k]),
  }));
  const base = { rows, referenceItems: ref.rows, threshold: rule.threshold, minRows: rule.minRows, judges };
  if (rows < rule.minRows || !ref.rows) {
    return { ...base, batchItems: 0, auc: null, resembles: false, reason: `${rows} rows: under ${rule.minRows}, too few to check` };
  }
  // models the batch mostly lacks are left out: their missing rates say so, and the nets are trained with models missing
  const cols = ref.judges.map((k, j) => [k, j]).filter(([k]) => stats.missing[k] <= MOSTLY_MISSING);
  if (!cols.length) {
    return { ...base, batchItems: 0, auc: null, resembles: false, reason: `the models the check reads are missing from over ${100 * MOSTLY_MISSING}% of these items` };
  }
  const C = cols.length, take = stride(n, Math.min(n, SHIFT_LIMITS.rows));
  const batch = new Float64Array(take.length * C), sample = new Float64Array(ref.rows * C);
  // rounded as the reference is: with coarse judges (grades, verdicts) many rows tie, and a systematic rounding difference would rank them apart
  take.forEach((i, r) => cols.forEach(([k], c) => (batch[r * C + c] = round2(z[i * K + k]))));
  for (let r = 0; r < ref.rows; r++) cols.forEach(([, j], c) => (sample[r * C + c] = ref.sample[r * J + j]));
  const auc = round4(domainAUC(sample, ref.rows, batch, take.length, C));
  const resembles = auc < rule.threshold;
  return {
    ...base, batchItems: take.length, auc, resembles,
    reason: resembles ? `AUC ${auc.toFixed(3)} < ${rule.threshold}: like the training data` : `AUC ${auc.toFixed(3)} ≥ ${rule.threshold}: unlike the training data`,
  };
}

/** The cross-fitted domain classifier's AUC, reference rows (0) against batch rows (1), each (rows, J) z with NaN missing. */
export function domainAUC(ref: Float64Array, nr: number, batch: Float64Array, nb: number, J: number): number {
  const n = nr + nb, D = 3 * J + 1;
  // features (n, D): z, |z|, missing, then the intercept
  const X = new Float64Array(n * D), y = new Float64Array(n), fold = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = i < nr ? ref : batch, r = i < nr ? i : i - nr;
    for (let j = 0; j < J; j++) {
      const v = src[r * J + j];
      const c = v !== v ? 0 : v > CLIP ? CLIP : v < -CLIP ? -CLIP : v;
      X[i * D + j] = c;
      X[i * D + J + j] = c < 0 ? -c : c;
      X[i * D + 2 * J + j] = v !== v ? 1 : 0;
    }
    X[i * D + D - 1] = 1;
    y[i] = i < nr ? 0 : 1;
    fold[i] = r % FOLDS;
  }
  // standardise each feature on all rows (no labels are used): the ridge then weighs them alike
  for (let d = 0; d < D - 1; d++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * D + d];
    const mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i * D + d] - mean) * (X[i * D + d] - mean);
    const sd = Math.sqrt(ss / n);
    for (let i = 0; i < n; i++) X[i * D + d] = sd > 1e-9 ? (X[i * D + d] - mean) / sd : 0;
  }
  const score = new Float64Array(n);
  for (let f = 0; f < FOLDS; f++) {
    // (XᵀX + λI) w = Xᵀy on the other folds (the intercept unpenalised)
    const A = new Float64Array(D * D), b = new Float64Array(D);
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (fold[i] === f) continue;
      m++;
      const row = i * D;
      for (let p = 0; p < D; p++) {
        const xp = X[row + p];
        if (xp === 0) continue;
        b[p] += xp * y[i];
        for (let q = 0; q <= p; q++) A[p * D + q] += xp * X[row + q];
      }
    }
    for (let p = 0; p < D - 1; p++) A[p * D + p] += RIDGE * m;
    const w = choleskySolve(A, b, D);
    for (let i = 0; i < n; i++) {
      if (fold[i] !== f) continue;
      let s = 0;
      for (let p = 0; p < D; p++) s += w[p] * X[i * D + p];
      score[i] = s;
    }
  }
  return auc(score, nr);
}

// solve A w = b, A symmetric positive definite given by its lower triangle (D, D)
function choleskySolve(A: Float64Array, b: Float64Array, D: number): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * D + j];
      for (let k = 0; k < j; k++) s -= L[i * D + k] * L[j * D + k];
      if (i === j) L[i * D + i] = Math.sqrt(s > 1e-12 ? s : 1e-12);
      else L[i * D + j] = s / L[j * D + j];
    }
  }
  const u = new Float64Array(D), w = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * D + k] * u[k];
    u[i] = s / L[i * D + i];
  }
  for (let i = D - 1; i >= 0; i--) {
    let s = u[i];
    for (let k = i + 1; k < D; k++) s -= L[k * D + i] * w[k];
    w[i] = s / L[i * D + i];
  }
  return w;
}

// Mann–Whitney AUC of rows ≥ nr (positives) over rows < nr, ties counted ½
function auc(score: Float64Array, nr: number): number {
  const n = score.length, nb = n - nr;
  const idx = Array.from({ length: n }, (_, i) => i).sort((p, q) => score[p] - score[q] || p - q);
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[idx[j + 1]] === score[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (idx[t] >= nr) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (nb * (nb + 1)) / 2) / (nb * nr);
}

// per model: median, spread (IQR/1.349, else 1) and missing rate of z:(n, K)
function judgeStats(z: Float64Array, K: number) {
  const n = z.length / K;
  const median: number[] = [], spread: number[] = [], missing: number[] = [];
  const v = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    let c = 0;
    for (let i = 0; i < n; i++) { const x = z[i * K + k]; if (x === x) v[c++] = x; }
    const s = v.subarray(0, c).sort();
    median.push(c ? round4(quantile(s, 0.5)) : NaN);
    const iqr = c ? (quantile(s, 0.75) - quantile(s, 0.25)) / 1.349 : NaN;
    spread.push(c ? round4(iqr > 1e-6 ? iqr : 1) : NaN);
    missing.push(n ? round4(1 - c / n) : 0);
  }
  return { median, spread, missing };
}

// `m` row indices spread evenly over 0 … n − 1 (all of them when m = n)
function stride(n: number, m: number): number[] {
  return Array.from({ length: m }, (_, r) => Math.floor((r * n) / m));
}

const round2 = (x: number) => (x === x ? Math.round(x * 100) / 100 : NaN);
const round4 = (x: number) => (x === x ? Math.round(x * 10000) / 10000 : NaN);

/** For the model file: numbers, null for NaN. */
export function shiftToJSON(r: ShiftReference): Record<string, unknown> {
  const nul = (a: ArrayLike<number>) => Array.from(a, (x) => (x === x ? x : null));
  return { median: nul(r.median), spread: nul(r.spread), missing: [...r.missing], judges: [...r.judges], rows: r.rows, sample: nul(r.sample) };
}

/** Read what shiftToJSON wrote for a model of K models; `bad(field, why)` throws. */
export function shiftFromJSON(o: unknown, K: number, bad: (field: string, why: string) => never): ShiftReference {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad('', 'expected an object');
  const s = o as Record<string, unknown>;
  const vec = (field: string, n: number, ok: (x: number | null) => boolean, what: string): number[] => {
    const v = s[field];
    if (!Array.isArray(v) || v.length !== n) return bad(field, `expected ${n} numbers`);
    v.forEach((x, i) => { if (!ok(x as number | null)) bad(`${field}[${i}]`, `expected ${what}, got ${JSON.stringify(x)}`); });
    return v.map((x) => (x === null ? NaN : (x as number)));
  };
  const num = (lo: number, hi: number, orNull = false) => (x: number | null) => (orNull && x === null) || (typeof x === 'number' && x >= lo && x <= hi);
  const median = vec('median', K, num(-1e6, 1e6, true), 'a number or null');
  const spread = vec('spread', K, num(0, 1e6, true), 'a spread ≥ 0 or null');
  const missing = vec('missing', K, num(0, 1), 'a rate in [0, 1]');
  const J = Array.isArray(s.judges) ? s.judges.length : -1;
  if (J < 1 || J > Math.min(K, SHIFT_LIMITS.judges)) bad('judges', `expected 1 to ${Math.min(K, SHIFT_LIMITS.judges)} model indices`);
  const judges = vec('judges', J, (x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < K, `a model index from 0 to ${K - 1}`);
  if (judges.some((k, j) => j > 0 && k <= judges[j - 1])) bad('judges', 'expected ascending model indices');
  const rows = s.rows;
  if (!Number.isInteger(rows) || (rows as number) < 0 || (rows as number) > SHIFT_LIMITS.rows || (rows as number) * J > SHIFT_LIMITS.values) bad('rows', `expected an integer from 0 to ${SHIFT_LIMITS.rows}, at most ${SHIFT_LIMITS.values} values in all`);
  const sample = vec('sample', (rows as number) * J, num(-1e6, 1e6, true), 'a number or null');
  return { median, spread, missing, judges, rows: rows as number, sample: Float64Array.from(sample) };
}
