// The options of the fit loop (fit.ts), and their defaults.
import type { LossKind } from '../engine/kinds.js';

export const FIT_DEFAULTS = { epochs: 100, batchSize: 32, lr: 3e-3, weightDecay: 0.1, val: 0, patience: 25, modelDropout: 0.1, maxSteps: 25_000, converge: true };

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
