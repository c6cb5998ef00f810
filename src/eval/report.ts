// The figures a user reads for a scorer on pairs or items.
import { checkArg, int, numbers } from '../data/validate.js';
import { bootstrapCI, ece, kendall, logLoss, pairCredit, pairwiseAccuracy, pearson, sigmoid, spearman } from './metrics.js';

export interface PairReport {
  n: number;
  /** ties in the margin count ½; gold ties are left out */
  accuracy: number;
  ci95: [number, number];
  logLoss: number;
  ece: number;
}

export interface ItemReport {
  n: number;
  pearson: number;
  spearman: number;
  kendall: number;
}

/** Accuracy with a bootstrap 95% interval, log loss and ECE of P(a ≻ b) (σ(margin) unless given). */
const VEC = numbers('an array or typed array of numbers');

export function pairReport(margin: ArrayLike<number>, label: ArrayLike<number>, prob?: ArrayLike<number>, seed = 0): PairReport {
  checkArg('pairReport', 'margin', margin, VEC);
  checkArg('pairReport', 'label', label, VEC);
  if (prob !== undefined) checkArg('pairReport', 'prob', prob, VEC);
  checkArg('pairReport', 'seed', seed, int(0, 0xffffffff));
  const p = prob ?? Float64Array.from(margin, (d) => sigmoid(d));
  return { n: label.length, accuracy: pairwiseAccuracy(margin, label), ci95: bootstrapCI(pairCredit(margin, label), { seed }), logLoss: logLoss(p, label), ece: ece(p, label) };
}

export function itemReport(pred: ArrayLike<number>, target: ArrayLike<number>): ItemReport {
  checkArg('itemReport', 'pred', pred, VEC);
  checkArg('itemReport', 'target', target, VEC);
  return { n: target.length, pearson: pearson(pred, target), spearman: spearman(pred, target), kendall: kendall(pred, target) };
}
