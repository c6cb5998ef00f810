// Cross-validation of the fusion model and every baseline: each fold trains
// them on the other folds (normalisation included) and scores its own rows
// twice, with every judge and with a random subset of the judges hidden.
// Folds hold out whole groups when the data has two or more (the estimate then
// includes the shift between groups), random rows otherwise. The folds run on
// crossfit.ts, as the library's choice and arch 'auto' do.
import type { DataSet, ItemSet, PairSet } from '../data/types.js';
import { BASELINES, ITEM_BASELINES, baselineItemScores, scoreBaselines, type BaselineName, type ItemBaseline } from '../models/rules.js';
import { itemReport, pairReport, type ItemReport, type PairReport } from '../eval/report.js';
import { agreement, sigmoid } from '../eval/metrics.js';
import { fitBaselines, fitItemBaselines } from './fit-rules.js';
import { crossFit, truthOf } from './crossfit.js';
import { judgeSubsets, makeFolds } from './folds.js';
import { fitFusion, type FusionOptions } from './train.js';
import { checkFusionOptions } from './validate.js';
import { checkSet } from '../data/check.js';

export interface CvOptions extends FusionOptions {
  /** at most this many folds, default 10 (grouped: one group or more each) */
  folds?: number;
  /** hold out whole groups: default when the data has two or more */
  grouped?: boolean;
  /** random judge subsets each held-out fold is also scored with, default 3 (0: none) */
  hideDraws?: number;
  /** the fraction of judges each subset keeps, drawn from [lo, hi]; default [0.12, 0.6] */
  keepFraction?: [number, number];
  /** also cross-validate every baseline, default true */
  baselines?: boolean;
}

export interface PairCv {
  kind: 'pairs';
  folds: Int32Array;
  /** "3 folds by group (3 groups)", "10 random folds" */
  describe: string;
  /** out-of-fold r(a) − r(b) of the fusion model */
  margin: Float64Array;
  baselineMargin: Partial<Record<BaselineName, Float64Array>>;
  baselineProb: Partial<Record<BaselineName, Float64Array>>;
  /** 'fusion' and each baseline, every judge present */
  reports: Record<string, PairReport>;
  /** 'fusion' and each baseline: accuracy with random judges hidden (pooled over folds and draws) */
  hidden: Record<string, number>;
}

export interface ItemCv {
  kind: 'items';
  folds: Int32Array;
  describe: string;
  prediction: Float64Array;
  baselinePrediction: Partial<Record<ItemBaseline, Float64Array>>;
  /** 'fusion' and each baseline but vote */
  reports: Record<string, ItemReport>;
  /** Pearson r with random judges hidden */
  hidden: Record<string, number>;
}

export function crossValidate(data: PairSet, opts?: CvOptions): PairCv;
export function crossValidate(data: ItemSet, opts?: CvOptions): ItemCv;
export function crossValidate(data: DataSet, opts?: CvOptions): PairCv | ItemCv;
export function crossValidate(data: DataSet, opts: CvOptions = {}): PairCv | ItemCv {
  checkFusionOptions('crossValidate', opts);
  checkSet(data, { unitTargets: opts.loss === 'bce' });
  const { folds: count = 10, grouped, hideDraws = 3, keepFraction = [0.12, 0.6], baselines = true, ...fusionOpts } = opts;
  const n = data.ids.length, seed = opts.seed ?? 0, pairs = data.kind === 'pairs';
  const folds = makeFolds(data.groups, count, seed, grouped);
  const keep = judgeSubsets(data.models.length, folds.count * hideDraws, seed + 31337, keepFraction[0], keepFraction[1]);
  const names: string[] = ['fusion', ...(baselines ? (pairs ? BASELINES : ITEM_BASELINES) : [])];
  const truth = truthOf(data);
  type Scored = Map<string, { pred: ArrayLike<number>; p?: ArrayLike<number> }>;
  const results = crossFit(data, { ...folds, keep, draws: hideDraws }, (tr) => {
    const model = fitFusion(tr, fusionOpts);
    const fitted = baselines ? (tr.kind === 'pairs' ? fitBaselines(tr, { seed }) : fitItemBaselines(tr, { seed })) : null;
    // every scorer on a view of the held-out rows: margins (pairs) or predictions (items), and P(a ≻ b);
    // the model scores each view as one batch, as the default does (its net only where the batch is like its training data)
    return (view): Scored => {
      const out: Scored = new Map();
      if (view.kind === 'pairs') {
        const m = model.scorePairsBatch(view).margin;
        out.set('fusion', { pred: m, p: Float64Array.from(m, sigmoid) });
        if (fitted) {
          const b = scoreBaselines(fitted, view);
          for (const name of BASELINES) out.set(name, { pred: b.margin[name], p: b.prob[name] });
        }
      } else {
        out.set('fusion', { pred: model.scoreBatch(view).reward });
        if (fitted) {
          const b = baselineItemScores(fitted, view.scores);
          for (const name of ITEM_BASELINES) out.set(name, { pred: b[name] });
        }
      }
      return out;
    };
  });
  const oof = new Map(names.map((s) => [s, new Float64Array(n)]));
  const prob = new Map(names.map((s) => [s, new Float64Array(n)]));
  const hid = new Map(names.map((s) => [s, { pred: [] as number[], truth: [] as number[] }]));
  for (const r of results) {
    for (const [name, { pred, p }] of r.full) {
      r.rows.forEach((i, j) => { oof.get(name)![i] = pred[j]; if (p) prob.get(name)![i] = p[j]; });
    }
    const t = truthOf(r.test);
    for (const view of r.hidden) for (const [name, { pred }] of view) { hid.get(name)!.pred.push(...Array.from(pred)); hid.get(name)!.truth.push(...t); }
  }
  const hidden = Object.fromEntries(names.map((s) => [s, hideDraws ? agreement(hid.get(s)!.pred, hid.get(s)!.truth, pairs) : NaN]));
  if (!pairs) {
    const target = truth;
    const reports = Object.fromEntries(names.map((s) => [s, itemReport(oof.get(s)!, target)]));
    const baselinePrediction = Object.fromEntries(names.slice(1).map((s) => [s, oof.get(s)!]));
    return { kind: 'items', folds: folds.fold, describe: folds.describe, prediction: oof.get('fusion')!, baselinePrediction, reports, hidden };
  }
  const reports = Object.fromEntries(names.map((s) => [s, pairReport(oof.get(s)!, truth, prob.get(s)!, seed)]));
  const baselineMargin = Object.fromEntries(names.slice(1).map((s) => [s, oof.get(s)!]));
  const baselineProb = Object.fromEntries(names.slice(1).map((s) => [s, prob.get(s)!]));
  return { kind: 'pairs', folds: folds.fold, describe: folds.describe, margin: oof.get('fusion')!, baselineMargin, baselineProb, reports, hidden };
}

