// The fit loop for one fusion net: the training rows are normalised once into
// the arena; each step gathers a minibatch by a wasm permutation, hides random
// models (model dropout), and runs forward, loss, backward and AdamW. A
// validation split drives early stopping on its loss; the best weights win.
import type { FusionNet } from '../models/fusion.js';
import type { LossKind } from '../engine/ops.js';

export interface TrainOptions {
  /** default 'bt' for pairs, 'mse' for items */
  loss?: LossKind;
  /** default 100 */
  epochs?: number;
  /** pairs (or items) a step, default 32 */
  batchSize?: number;
  /** default 3e-3 */
  lr?: number;
  /** AdamW's decoupled decay on weights, default 0.1 */
  weightDecay?: number;
  /** fraction held out for early stopping; default 0, every epoch on all rows */
  val?: number;
  /** epochs without a better validation loss before stopping, default 25 */
  patience?: number;
  /** probability of hiding each present model in a training row, default 0.1 */
  modelDropout?: number;
  seed?: number;
  /** called after every epoch */
  onEpoch?: (e: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  samplesPerSecond: number;
}

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

export const FIT_DEFAULTS = { epochs: 100, batchSize: 32, lr: 3e-3, weightDecay: 0.1, val: 0, patience: 25, modelDropout: 0.1 };

const now = () => globalThis.performance?.now() ?? Date.now();

export function fitNet(net: FusionNet, rows: FitRows, opts: TrainOptions = {}): FitResult {
  const o = { ...FIT_DEFAULTS, ...stripUndefined(opts) };
  const pairs = rows.kind === 'pairs';
  const loss = opts.loss ?? (pairs ? 'bt' : 'mse');
  if (pairs !== (loss === 'bt')) throw new Error(`rewardfuse: loss '${loss}' does not fit ${rows.kind}: use bt for pairs, mse or bce for items`);
  checkOptions(o);
  const g = net.graph, k = g.k, C = net.cols, n = rows.n;
  const perRow = pairs ? 2 : 1;
  const batch = Math.max(1, Math.min(o.batchSize, Math.floor(g.maxRows / perRow)));

  // split: a seeded permutation; the last nVal rows of the order validate
  const held = rows.heldOut ?? 0;
  const perm = g.arena.alloc(n);
  k.randomPermutation(perm, n - held);
  const order = g.arena.i32.slice(perm >> 2, (perm >> 2) + n);
  for (let i = n - held; i < n; i++) order[i] = i;
  const nVal = held ? held : o.val > 0 && n >= 10 ? Math.max(1, Math.round(n * o.val)) : 0;
  const nTrain = n - nVal;
  if (nTrain < 1) throw new Error('rewardfuse: no training rows left after the validation split');

  // every row, normalised once: train rows then validation rows, in permuted order
  const K = net.K, F = net.F;
  const pick = (x: Float32Array, cols: number) => {
    const out = new Float32Array(n * cols);
    for (let i = 0; i < n; i++) out.set(x.subarray(order[i] * cols, order[i] * cols + cols), i * cols);
    return out;
  };
  const dataA = g.arena.alloc(n * C);
  net.encode(dataA, pick(rows.a, K), pick(rows.featsA, F), n);
  const dataB = pairs ? g.arena.alloc(n * C) : 0;
  if (pairs) net.encode(dataB, pick(rows.b!, K), pick(rows.featsB!, F), n);
  const targets = g.arena.alloc(n);
  g.arena.f32.set(pick(rows.target, 1), targets >> 2);
  const idx = g.arena.alloc(nTrain);
  const lossOp = net.losses[loss];
  lossOp.weighted = false;

  const history: EpochReport[] = [];
  let best = Infinity, bestEpoch = 0, bestParams: Float32Array | null = null;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = now();
    k.randomPermutation(idx, nTrain);
    let sum = 0;
    for (let b0 = 0; b0 < nTrain; b0 += batch) {
      const P = Math.min(batch, nTrain - b0);
      const at = idx + 4 * b0;
      k.gatherRows(net.input.ptr, dataA, at, P, C);
      if (pairs) k.gatherRows(net.input.ptr + 4 * P * C, dataB, at, P, C);
      k.gatherRows(lossOp.t.ptr, targets, at, P, 1);
      if (o.modelDropout > 0) k.dropModels(net.input.ptr, P, pairs ? P : 0, K, C, net.maskAt, o.modelDropout);
      g.zeroGrad();
      g.forward(P * perRow);
      g.run(lossOp, P * perRow);
      g.backward(P * perRow);
      g.step({ lr: o.lr, weightDecay: o.weightDecay });
      sum += lossOp.value * P;
    }
    const trainLoss = sum / nTrain;
    if (!Number.isFinite(trainLoss)) throw new Error(`rewardfuse: training diverged at epoch ${epoch} (loss ${trainLoss}); lower the learning rate`);
    const valLoss = nVal ? evalLoss(net, loss, dataA, dataB, targets, nTrain, nVal) : null;
    const seconds = (now() - t0) / 1000;
    const report = { epoch, trainLoss, valLoss, samplesPerSecond: seconds > 0 ? nTrain / seconds : Infinity };
    history.push(report);
    opts.onEpoch?.(report);
    if (valLoss === null) continue;
    if (valLoss < best) {
      best = valLoss;
      bestEpoch = epoch;
      bestParams = g.getParameters();
    } else if (epoch - bestEpoch >= o.patience) {
      break;
    }
  }
  if (bestParams) g.setParameters(bestParams);
  return { history, bestEpoch: nVal ? bestEpoch : history.length, bestValLoss: nVal ? best : null };
}

// the mean loss over rows [from, from + count) of the encoded data, in chunks that fit the arena
function evalLoss(net: FusionNet, loss: LossKind, dataA: number, dataB: number, targets: number, from: number, count: number): number {
  const g = net.graph, C = net.cols;
  const pairs = loss === 'bt';
  const chunk = pairs ? g.maxRows >> 1 : g.maxRows;
  const op = net.losses[loss];
  let sum = 0;
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const P = Math.min(chunk, count - c0);
    const row = from + c0;
    copyRows(g.arena.f32, net.input.ptr, dataA + 4 * row * C, P * C);
    if (pairs) copyRows(g.arena.f32, net.input.ptr + 4 * P * C, dataB + 4 * row * C, P * C);
    copyRows(g.arena.f32, op.t.ptr, targets + 4 * row, P);
    g.infer(P * (pairs ? 2 : 1));
    op.forward(P * (pairs ? 2 : 1));
    sum += op.value * P;
  }
  return sum / count;
}

function copyRows(f32: Float32Array, dst: number, src: number, n: number): void {
  f32.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
}

function checkOptions(o: typeof FIT_DEFAULTS): void {
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
