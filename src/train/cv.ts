// k-fold cross-validation: each fold trains a fusion model (and, for pairs, the
// baselines) on the other folds, normalisation included, and scores its own
// rows; the out-of-fold predictions cover every row once.
import type { DataSet, ItemSet, PairSet } from '../data/types.js';
import { subsetItems, subsetPairs } from '../data/types.js';
import { BASELINES, ITEM_BASELINES, baselineItemScores, scoreBaselines, type BaselineName, type ItemBaseline } from '../models/baselines.js';
import { itemReport, pairReport, type ItemReport, type PairReport } from '../eval/report.js';
import { sigmoid } from '../eval/metrics.js';
import { fitBaselines, fitItemBaselines } from './baselines.js';
import { assignFolds } from './folds.js';
import { trainFusion, type FusionOptions } from './train.js';

export interface CvOptions extends FusionOptions {
  /** default 10 */
  folds?: number;
  /** also cross-validate every baseline, default true */
  baselines?: boolean;
}

export interface PairCv {
  kind: 'pairs';
  folds: Int32Array;
  /** out-of-fold r(a) − r(b) of the fusion model */
  margin: Float64Array;
  baselineMargin: Partial<Record<BaselineName, Float64Array>>;
  baselineProb: Partial<Record<BaselineName, Float64Array>>;
  /** 'fusion' and each baseline */
  reports: Record<string, PairReport>;
}

export interface ItemCv {
  kind: 'items';
  folds: Int32Array;
  prediction: Float64Array;
  baselinePrediction: Partial<Record<ItemBaseline, Float64Array>>;
  /** 'fusion' and each baseline but vote */
  reports: Record<string, ItemReport>;
}

export function crossValidate(data: PairSet, opts?: CvOptions): PairCv;
export function crossValidate(data: ItemSet, opts?: CvOptions): ItemCv;
export function crossValidate(data: DataSet, opts?: CvOptions): PairCv | ItemCv;
export function crossValidate(data: DataSet, opts: CvOptions = {}): PairCv | ItemCv {
  const n = data.ids.length, K = opts.folds ?? 10, seed = opts.seed ?? 0;
  const folds = assignFolds(n, K, seed);
  const split = (f: number) => {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < n; i++) (folds[i] === f ? test : train).push(i);
    return { train, test };
  };
  const withBaselines = opts.baselines ?? true;
  if (data.kind === 'items') {
    const prediction = new Float64Array(n);
    const baselinePrediction: Partial<Record<ItemBaseline, Float64Array>> = {};
    if (withBaselines) for (const b of ITEM_BASELINES) baselinePrediction[b] = new Float64Array(n);
    for (let f = 0; f < K; f++) {
      const { train, test } = split(f);
      const tr = subsetItems(data, train), te = subsetItems(data, test);
      const r = trainFusion(tr, opts).score(te).reward;
      test.forEach((i, j) => (prediction[i] = r[j]));
      if (!withBaselines) continue;
      const out = baselineItemScores(fitItemBaselines(tr, { seed }), te.scores);
      for (const b of ITEM_BASELINES) test.forEach((i, j) => (baselinePrediction[b]![i] = out[b][j]));
    }
    const reports: Record<string, ItemReport> = { fusion: itemReport(prediction, data.target) };
    for (const b of Object.keys(baselinePrediction) as ItemBaseline[]) reports[b] = itemReport(baselinePrediction[b]!, data.target);
    return { kind: 'items', folds, prediction, baselinePrediction, reports };
  }
  const margin = new Float64Array(n);
  const baselineMargin: Partial<Record<BaselineName, Float64Array>> = {};
  const baselineProb: Partial<Record<BaselineName, Float64Array>> = {};
  if (withBaselines) for (const b of BASELINES) { baselineMargin[b] = new Float64Array(n); baselineProb[b] = new Float64Array(n); }
  for (let f = 0; f < K; f++) {
    const { train, test } = split(f);
    const tr = subsetPairs(data, train), te = subsetPairs(data, test);
    const m = trainFusion(tr, opts).scorePairs(te).margin;
    test.forEach((i, j) => (margin[i] = m[j]));
    if (!withBaselines) continue;
    const out = scoreBaselines(fitBaselines(tr, { seed }), te);
    for (const b of BASELINES) test.forEach((i, j) => { baselineMargin[b]![i] = out.margin[b][j]; baselineProb[b]![i] = out.prob[b][j]; });
  }
  const reports: Record<string, PairReport> = { fusion: pairReport(margin, data.label, margin.map(sigmoid), seed) };
  for (const b of Object.keys(baselineMargin) as BaselineName[]) reports[b] = pairReport(baselineMargin[b]!, data.label, baselineProb[b], seed);
  return { kind: 'pairs', folds, margin, baselineMargin, baselineProb, reports };
}
