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
  /** AdamW steps taken */
  steps: number;
  /** why the fit ended */
  ended: 'epochs' | 'steps' | 'converged' | 'early stopping';
}

/**
 * Convergence: the training loss is averaged over windows of this many steps;
 * the fit stops once two windows in a row fail to beat the best window by
 * more than two standard errors (of their batch losses' mean).
 */
export const CONVERGE_WINDOW = 2000;

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

export type Settings = Omit<typeof FIT_DEFAULTS, 'modelDropout'> & { loss: LossKind; modelDropout: number | [number, number] };

const now = () => globalThis.performance?.now() ?? Date.now();

/** One training step on rows [from, from + P) of the shuffled order; returns the batch's mean loss. */
export function trainStep(net: FusionNet, rows: ArenaRows, from: number, P: number, o: Settings): number {
  const d = o.modelDropout;
  const B = net.loadBatch(rows, from, P, o.loss, typeof d === 'number' ? d : net.uniform(d[0], d[1]));
  net.zeroGrad();
  net.forward(B);
  const loss = net.loss(o.loss, B);
  net.backward(B);
  net.step({ lr: o.lr, weightDecay: o.weightDecay });
  return loss;
}

export function fitNet(net: FusionNet, data: FitRows, opts: TrainOptions = {}): FitResult {
  const fit = new Fit(net, data, opts);
  while (fit.epoch());
  return fit.finish();
}

/**
 * A fit in progress, one epoch a call: fitNet runs it to the end, the teaching
 * page steps it at a visible pace. Between epochs `settings` (lr, weightDecay,
 * modelDropout) may change, and setData() may swap in new scores for the same rows.
 */
export class Fit {
  readonly settings: Settings;
  readonly history: EpochReport[] = [];
  readonly nTrain: number;
  readonly nVal: number;
  readonly batch: number;
  bestEpoch = 0;
  private rows: ArenaRows;
  private order: Int32Array;
  private best = Infinity;
  private bestParams: Float32Array | null = null;
  private stopped = false;
  private converged = false;
  // the current convergence window: steps, Σ loss, Σ loss²; the best window's mean, and windows since it
  private win = { n: 0, sum: 0, sq: 0 };
  private bestWindow = Infinity;
  private flat = 0;

  constructor(readonly net: FusionNet, data: FitRows, private opts: TrainOptions = {}) {
    const pairs = data.kind === 'pairs';
    const o: Settings = (this.settings = { ...FIT_DEFAULTS, ...stripUndefined(opts), loss: opts.loss ?? (pairs ? 'bt' : 'mse') });
    if (pairs !== (o.loss === 'bt')) throw new Error(`rewardfuse: loss '${o.loss}' does not fit ${data.kind}: use bt for pairs, mse or bce for items`);
    checkSettings(o);
    const n = data.n;
    this.batch = Math.max(1, Math.min(o.batchSize, net.batchLimit(pairs)));
    // split: a seeded permutation, whose last nVal rows validate; without a
    // split the rows are laid out in order (read in sequence, not gathered: every epoch shuffles them)
    const held = data.heldOut ?? 0;
    this.nVal = held ? held : o.val > 0 && n >= 10 ? Math.max(1, Math.round(n * o.val)) : 0;
    const order = (this.order = new Int32Array(n));
    const shuffled = held ? n - held : this.nVal ? n : 0;
    if (shuffled) order.set(net.permutation(shuffled));
    for (let i = shuffled; i < n; i++) order[i] = i;
    this.nTrain = n - this.nVal;
    if (this.nTrain < 1) throw new Error('rewardfuse: no training rows left after the validation split');
    this.rows = net.loadRows(order, data.a, data.b, data.featsA, data.featsB, data.target);
  }

  /** AdamW steps taken by this fit */
  steps = 0;

  /** false once the epochs or the step budget are spent, or early stopping stopped the fit */
  get running(): boolean {
    return !this.stopped && !this.converged && this.history.length < this.settings.epochs && this.steps < this.settings.maxSteps;
  }

  /** the best validation loss so far, or null without a validation split */
  get bestValLoss(): number | null {
    return this.nVal ? this.best : null;
  }

  /** One epoch: a fresh shuffle, then trainStep on each batch, then the validation loss. Null when the fit is over. */
  epoch(): EpochReport | null {
    if (!this.running) return null;
    const { net, rows, nTrain, nVal, batch, settings: o } = this;
    checkSettings(o);
    const epoch = this.history.length + 1;
    const t0 = now();
    net.shuffle(rows, nTrain);
    let sum = 0, seen = 0;
    for (let from = 0; from < nTrain && this.steps < o.maxSteps && !this.converged; from += batch, this.steps++) {
      const P = Math.min(batch, nTrain - from);
      const loss = trainStep(net, rows, from, P, o);
      sum += loss * P;
      seen += P;
      if (o.converge) this.window(loss);
    }
    const trainLoss = sum / seen;
    if (!Number.isFinite(trainLoss)) throw new Error(`rewardfuse: training diverged at epoch ${epoch} (loss ${trainLoss}); lower the learning rate`);
    const valLoss = nVal ? evalLoss(net, rows, o.loss, nTrain, nVal) : null;
    const seconds = (now() - t0) / 1000;
    const report = { epoch, trainLoss, valLoss, samplesPerSecond: seconds > 0 ? seen / seconds : Infinity };
    this.history.push(report);
    this.opts.onEpoch?.(report);
    if (valLoss === null) return report;
    if (valLoss < this.best) {
      this.best = valLoss;
      this.bestEpoch = epoch;
      this.bestParams = net.graph.getParameters();
    } else if (epoch - this.bestEpoch >= o.patience) {
      this.stopped = true;
    }
    return report;
  }

  // one step's loss into the convergence window; at its end, compare with the best window
  private window(loss: number): void {
    const w = this.win;
    w.n++;
    w.sum += loss;
    w.sq += loss * loss;
    if (w.n < CONVERGE_WINDOW) return;
    const mean = w.sum / w.n, se = Math.sqrt(Math.max(w.sq / w.n - mean * mean, 0) / w.n);
    if (mean < this.bestWindow - 2 * se) {
      this.bestWindow = mean;
      this.flat = 0;
    } else if (++this.flat >= 2) {
      this.converged = true;
    }
    this.win = { n: 0, sum: 0, sq: 0 };
  }

  /** why the fit ended (or would, now) */
  get ended(): FitResult['ended'] {
    if (this.stopped) return 'early stopping';
    if (this.converged) return 'converged';
    return this.steps >= this.settings.maxSteps ? 'steps' : 'epochs';
  }

  /**
   * New scores and features for the same rows (same split and order), e.g.
   * after the simulated judges changed; the best-so-far is forgotten.
   */
  setData(data: FitRows): void {
    if (data.n !== this.order.length || data.kind !== (this.rows.pairs ? 'pairs' : 'items')) throw new Error('rewardfuse: setData needs the same number and kind of rows');
    this.rows = this.net.loadRows(this.order, data.a, data.b, data.featsA, data.featsB, data.target);
    this.best = Infinity;
    this.bestEpoch = 0;
    this.bestParams = null;
    this.stopped = false;
    this.converged = false;
    this.win = { n: 0, sum: 0, sq: 0 };
    this.bestWindow = Infinity;
    this.flat = 0;
  }

  /** End the fit: the best validation weights win. */
  finish(): FitResult {
    if (this.bestParams) this.net.graph.setParameters(this.bestParams);
    return { history: this.history, bestEpoch: this.nVal ? this.bestEpoch : this.history.length, bestValLoss: this.bestValLoss, steps: this.steps, ended: this.ended };
  }
}

/** The optimiser's whole state: parameters, Adam's moments and its step count. */
export interface StepState {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  steps: number;
}

/**
 * A look inside one real step: trainStep on the single row of `one` (a pair or
 * an item), with the fit's loss, lr and weight decay and no model dropout, from
 * the net's current optimiser state. `look` runs right after it, while the
 * arena still holds the step's activations and gradients. Unless `keep`, the
 * step is then undone, so a look does not change training.
 */
export function probeStep<T>(net: FusionNet, one: FitRows, opts: TrainOptions, look: () => T, keep = false): { loss: number; before: StepState; after: StepState; look: T } {
  if (one.n !== 1) throw new Error(`rewardfuse: probeStep takes one row, got ${one.n}`);
  const o: Settings = { ...FIT_DEFAULTS, ...stripUndefined(opts), loss: opts.loss ?? (one.kind === 'pairs' ? 'bt' : 'mse'), modelDropout: 0 };
  checkSettings(o);
  const g = net.graph;
  const state = (): StepState => ({ params: g.getParameters(), ...g.getMoments(), steps: g.steps });
  const before = state();
  const rows = net.loadRows([0], one.a, one.b, one.featsA, one.featsB, one.target);
  const loss = trainStep(net, rows, 0, 1, o);
  const after = state();
  const seen = look();
  if (!keep) {
    g.setParameters(before.params);
    g.setMoments(before);
    g.steps = before.steps;
  }
  return { loss, before, after, look: seen };
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

function checkSettings(o: Settings): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`rewardfuse: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(o.epochs, 'epochs', 1);
  int(o.batchSize, 'batchSize', 1);
  int(o.patience, 'patience', 1);
  int(o.maxSteps, 'maxSteps', 1);
  if (typeof o.converge !== 'boolean') throw new Error(`rewardfuse: converge must be true or false, got ${o.converge}`);
  const num = (v: number, name: string, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) throw new Error(`rewardfuse: ${name} must be in [${lo}, ${hi}], got ${v}`);
  };
  num(o.lr, 'lr', 1e-8, 10);
  num(o.weightDecay, 'weightDecay', 0, 10);
  num(o.val, 'val', 0, 0.9);
  const d = o.modelDropout;
  if (typeof d === 'number') num(d, 'modelDropout', 0, 0.95);
  else if (!(Array.isArray(d) && d.length === 2 && d[0] >= 0 && d[0] <= d[1] && d[1] <= 0.95)) throw new Error(`rewardfuse: modelDropout must be a rate in [0, 0.95] or a range [lo, hi] within it, got ${JSON.stringify(d)}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
