// The fitting options, typed end to end: the fit loop's (fit.ts), one
// architecture's nets' (nets.ts), their defaults, and what a model file records of them.
import type { DataSet } from '../data/types.js';
import type { ActivationKind, LossKind } from '../engine/kinds.js';
import type { TrainedOptions } from '../models/model.js';

export const FIT_DEFAULTS = { epochs: 100, batchSize: 32, lr: 3e-3, weightDecay: 0.1, val: 0, patience: 25, modelDropout: 0.1, maxSteps: 25_000, converge: true };
/** nets in an ensemble, by default */
export const ENSEMBLE = 5;

export interface TrainOptions {
  /** default 'bt' for pairs, 'mse' for items */
  loss?: LossKind;
  /** default 100 */
  epochs?: number;
  /** at most this many steps in all (default 25,000): on large data the cost follows the work, not the epoch count */
  maxSteps?: number;
  /**
   * stop when the training loss is flat (default true): once two windows of
   * 2,000 steps in a row fail to beat the best window's mean loss by two
   * standard errors. Never before 6,000 steps.
   */
  converge?: boolean;
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
  /** or [lo, hi]: a rate drawn for each batch, so that nets learn to score with any number of models present */
  modelDropout?: number | [number, number];
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

/** The options of one architecture's nets (trainNets): the fit loop's, and the nets' shape. */
export interface NetOptions extends TrainOptions {
  /** rows (of the same kind and columns) that validate instead of a random `val` fraction */
  validation?: DataSet;
  /** hidden widths (of the MLP, or of the gate); each architecture has its default, linear none */
  hidden?: number[];
  activation?: ActivationKind;
  /** the gate's softmax temperature, default 1 */
  temperature?: number;
  /** nets trained from seeds seed, seed+1, …; their mean is the reward, their spread the uncertainty. Default 5 */
  ensemble?: number;
  /** use the data's context features, default true */
  useFeatures?: boolean;
  /** conservative = reward − λ·uncertainty, default 1 */
  lambda?: number;
}

/**
 * What a model file records of `o` (see TrainedOptions): the options given, the
 * defaults resolved, and `fit`'s (the arch; a net's hidden and activation) over both.
 * Undefined entries are left out of the file by JSON.
 */
export function recordOptions(o: NetOptions, fit: { arch: string; hidden?: number[]; activation?: ActivationKind; ensemble?: number }): TrainedOptions {
  return {
    arch: fit.arch, loss: o.loss, hidden: fit.hidden ?? o.hidden, activation: fit.activation ?? o.activation,
    epochs: o.epochs ?? FIT_DEFAULTS.epochs, batchSize: o.batchSize, lr: o.lr, weightDecay: o.weightDecay, val: o.val, patience: o.patience,
    ensemble: fit.ensemble ?? o.ensemble ?? ENSEMBLE, modelDropout: o.modelDropout, useFeatures: o.useFeatures ?? true, seed: o.seed,
    temperature: o.temperature, maxSteps: o.maxSteps, converge: o.converge, lambda: o.lambda,
  };
}
