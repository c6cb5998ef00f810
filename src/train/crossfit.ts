// Cross-fitting, the one engine under the library's choice (library.ts),
// crossValidate (cv.ts) and arch 'auto' (select.ts): for each fold f,
//   score_f = fitAndScore(rows ∉ f)          fitted on the other folds
//   full_f  = score_f(rows ∈ f)              every judge present
//   hidden_f,d = score_f(rows ∈ f, judges ∉ keep[f·draws + d] hidden)   d < draws
// Rows are pairs or items alike: the helpers below are the one place that tells them apart.
import type { DataSet } from '../data/types.js';
import { subsetItems, subsetPairs } from '../data/types.js';
import { hideJudges } from './folds.js';

export interface FoldPlan {
  /** each row's fold, 0 … count − 1 */
  fold: ArrayLike<number>;
  count: number;
  /** judges each held-out fold is also scored with: keep[f·draws + d], 1 = present (default none) */
  keep?: readonly Uint8Array[];
  draws?: number;
}

/** The fold being fitted: its index, and the rows it holds out. */
export interface HeldOut {
  index: number;
  count: number;
  rows: number[];
}

export interface FoldResult<S> extends HeldOut {
  /** the held-out rows, every judge present */
  test: DataSet;
  full: S;
  /** one a draw, judges hidden */
  hidden: S[];
}

/** Fit on the other folds, score the held-out fold with every judge and with judges hidden; fold by fold. */
export function crossFit<S>(data: DataSet, plan: FoldPlan, fitAndScore: (train: DataSet, fold: HeldOut) => (view: DataSet) => S): FoldResult<S>[] {
  const n = data.ids.length, draws = plan.draws ?? 0, out: FoldResult<S>[] = [];
  for (let f = 0; f < plan.count; f++) {
    const train: number[] = [], rows: number[] = [];
    for (let i = 0; i < n; i++) (plan.fold[i] === f ? rows : train).push(i);
    const fold = { index: f, count: plan.count, rows };
    const score = fitAndScore(subsetOf(data, train), fold);
    const test = subsetOf(data, rows);
    const full = score(test);
    const hidden = Array.from({ length: draws }, (_, d) => score(hideIn(test, plan.keep![f * draws + d])));
    out.push({ ...fold, test, full, hidden });
  }
  return out;
}

/** the rows `idx` of a pair or item set */
export const subsetOf = (data: DataSet, idx: number[]): DataSet => (data.kind === 'pairs' ? subsetPairs(data, idx) : subsetItems(data, idx));

/** what is predicted: the label (pairs) or the target (items) */
export const truthOf = (data: DataSet): Float32Array => (data.kind === 'pairs' ? data.label : data.target);

/** the score matrices, (n, K) each: [a, b] (pairs) or [scores] (items) */
export const sidesOf = (data: DataSet): Float32Array[] => (data.kind === 'pairs' ? [data.a, data.b] : [data.scores]);

/** the same rows with the judges `keep` leaves out hidden (NaN) */
export function hideIn(data: DataSet, keep: Uint8Array): DataSet {
  return data.kind === 'pairs' ? { ...data, a: hideJudges(data.a, keep), b: hideJudges(data.b, keep) } : { ...data, scores: hideJudges(data.scores, keep) };
}
