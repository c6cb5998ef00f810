// Choosing the architecture by cross-validation on the training data: each
// candidate trains one net a fold on the other folds, and scores the held-out
// fold; the candidate with the best held-out pairwise accuracy (for items,
// the lowest squared error), ties broken by log loss, wins. Small data then
// gets the linear model that suits it, and larger data the capacity it can use.
// The folds run on crossfit.ts (random folds, no judges hidden).
import type { DataSet } from '../data/types.js';
import { logLoss, pairCredit, sigmoid } from '../eval/metrics.js';
import { ARCH_NAMES, type Arch } from '../models/archs.js';
import { crossFit } from './crossfit.js';
import { assignFolds } from './folds.js';
import { trainNets, type NetOptions } from './nets.js';

const FOLDS = 5;

export interface Selection {
  arch: Arch;
  /** each candidate's held-out score: accuracy (pairs) or −MSE (items), and log loss or MSE */
  candidates: { arch: Arch; score: number; loss: number }[];
}

export function selectArch(data: DataSet, opts: NetOptions): Selection {
  const n = data.ids.length;
  if (n < 2 * FOLDS) return { arch: 'linear', candidates: [] };
  const folds = assignFolds(n, FOLDS, (opts.seed ?? 0) + 7919);
  const candidates = ARCH_NAMES.map((arch) => {
    const out = new Float64Array(n);
    const results = crossFit(data, { fold: folds, count: FOLDS }, (tr) => {
      const m = trainNets(tr, arch, { ...opts, ensemble: 1, onEpoch: undefined });
      return (held) => (held.kind === 'pairs' ? m.scorePairs(held).margin : m.score(held).reward);
    });
    for (const r of results) r.rows.forEach((i, j) => (out[i] = r.full[j]));
    if (data.kind === 'pairs') {
      const credit = pairCredit(out, data.label);
      let s = 0, c = 0;
      for (const v of credit) if (v === v) { s += v; c++; }
      return { arch, score: c ? s / c : 0, loss: logLoss(out.map(sigmoid), data.label) };
    }
    let se = 0;
    for (let i = 0; i < n; i++) se += (out[i] - data.target[i]) ** 2;
    return { arch, score: -se / n, loss: se / n };
  });
  const best = candidates.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.loss < a.loss) ? b : a));
  return { arch: best.arch, candidates };
}
