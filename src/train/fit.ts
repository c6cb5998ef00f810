// The fit loop for one fusion net: the training rows are normalised once into
// the net's arena; each epoch shuffles them, and each step is trainStep():
//   load batch (with model dropout) → zero grad → forward → loss → backward → AdamW
// A validation split (or given validation rows) drives early stopping on its
// loss; the best weights win.
import type { LossKind } from '../engine/ops.js';
import type { ArenaRows, FusionNet } from '../models/fusion.js';
import { FIT_DEFAULTS, type EpochReport, type TrainOptions } from './options.js';

export interface FitResult {
  history: EpochReport[];
  bestEpoch: number;
  bestValLoss: number | null;
}

/** Rows for one net: raw scores (n, K) with NaN for none, features (n, F), and targets. */
export interface FitRows {
  kind: 'pairs' | 'items';
  n: number;
  /** pairs: side a; items: the item */
  a: Float32Array;
  /** pairs only: side b */
  b?: Float32Array;
  featsA: Float32Array;
  featsB?: Float32Array;
  /** pairs: 1, 0 or ½; items: the target */
  target: Float32Array;
  /** the last heldOut rows validate (early stopping, curves) instead of a random val fraction */
  heldOut?: number;
}

type Settings = typeof FIT_DEFAULTS & { loss: LossKind };

const now = () => globalThis.performance?.now() ?? Date.now();

/** One training step on rows [from, from + P) of the shuffled order; returns the batch's mean loss. */
export function trainStep(net: FusionNet, rows: ArenaRows, from: number, P: number, o: Settings): number {
  const B = net.loadBatch(rows, from, P, o.loss, o.modelDropout);
  net.zeroGrad();
  net.forward(B);
  const loss = net.loss(o.loss, B);
  net.backward(B);
  net.step({ lr: o.lr, weightDecay: o.weightDecay });
  return loss;
}

export function fitNet(net: FusionNet, data: FitRows, opts: TrainOptions = {}): FitResult {
  const pairs = data.kind === 'pairs';
  const o: Settings = { ...FIT_DEFAULTS, ...stripUndefined(opts), loss: opts.loss ?? (pairs ? 'bt' : 'mse') };
  if (pairs !== (o.loss === 'bt')) throw new Error(`rewardfuse: loss '${o.loss}' does not fit ${data.kind}: use bt for pairs, mse or bce for items`);
  checkOptions(o);
  const n = data.n;
  const batch = Math.max(1, Math.min(o.batchSize, net.batchLimit(pairs)));

  // split: a seeded permutation; the last nVal rows of the order validate
  const held = data.heldOut ?? 0;
  const order = new Int32Array(n);
  order.set(net.permutation(n - held));
  for (let i = n - held; i < n; i++) order[i] = i;
  const nVal = held ? held : o.val > 0 && n >= 10 ? Math.max(1, Math.round(n * o.val)) : 0;
  const nTrain = n - nVal;
  if (nTrain < 1) throw new Error('rewardfuse: no training rows left after the validation split');
  const rows = net.loadRows(order, data.a, data.b, data.featsA, data.featsB, data.target);

  const history: EpochReport[] = [];
  let best = Infinity, bestEpoch = 0, bestParams: Float32Array | null = null;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = now();
    net.shuffle(rows, nTrain);
    let sum = 0;
    for (let from = 0; from < nTrain; from += batch) {
      const P = Math.min(batch, nTrain - from);
      sum += trainStep(net, rows, from, P, o) * P;
    }
    const trainLoss = sum / nTrain;
    if (!Number.isFinite(trainLoss)) throw new Error(`rewardfuse: training diverged at epoch ${epoch} (loss ${trainLoss}); lower the learning rate`);
    const valLoss = nVal ? evalLoss(net, rows, o.loss, nTrain, nVal) : null;
    const seconds = (now() - t0) / 1000;
    const report = { epoch, trainLoss, valLoss, samplesPerSecond: seconds > 0 ? nTrain / seconds : Infinity };
    history.push(report);
    opts.onEpoch?.(report);
    if (valLoss === null) continue;
    if (valLoss < best) {
      best = valLoss;
      bestEpoch = epoch;
      bestParams = net.graph.getParameters();
    } else if (epoch - bestEpoch >= o.patience) {
      break;
    }
  }
  if (bestParams) net.graph.setParameters(bestParams);
  return { history, bestEpoch: nVal ? bestEpoch : history.length, bestValLoss: nVal ? best : null };
}

// the mean loss over stored rows [from, from + count), in chunks that fit the arena
function evalLoss(net: FusionNet, rows: ArenaRows, loss: LossKind, from: number, count: number): number {
  const chunk = net.batchLimit(rows.pairs);
  let sum = 0;
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const P = Math.min(chunk, count - c0);
    const B = net.loadRowsInOrder(rows, from + c0, P, loss);
    net.forward(B, false);
    sum += net.loss(loss, B, false) * P;
  }
  return sum / count;
}

function checkOptions(o: Settings): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`rewardfuse: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(o.epochs, 'epochs', 1);
  int(o.batchSize, 'batchSize', 1);
  int(o.patience, 'patience', 1);
  const num = (v: number, name: string, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) throw new Error(`rewardfuse: ${name} must be in [${lo}, ${hi}], got ${v}`);
  };
  num(o.lr, 'lr', 1e-8, 10);
  num(o.weightDecay, 'weightDecay', 0, 10);
  num(o.val, 'val', 0, 0.9);
  num(o.modelDropout, 'modelDropout', 0, 0.95);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
