// The shift check for scoring that comes a few items at a time (a server's
// requests, a library's one-row calls): a rolling window of the most recent
// items' unlabeled scores stands in for the batch. A call of at least
// SHIFT_RULE.minRows items is a batch and decides for itself (as scoreBatch);
// a smaller one takes the window's decision, checked again every `every` items
// once the window holds minRows. Until then, and whenever it looks unlike the
// training data, the anchor scores. Per-item gating by distance was tried
// elsewhere and did worse than either: the decision is always a batch's.
import type { ItemSet } from '../data/types.js';
import type { BatchChoice, FusionModel, Scores } from './model.js';
import { SHIFT_RULE, type ShiftReport } from './shift.js';

export interface ShiftWindowOptions {
  /** items the window holds (default 1,000) */
  size?: number;
  /**
   * items between checks (default: the window's size, so each check sees new
   * items only). A check costs about 15 ms (6 judges, 1,000 items); every 100
   * items it cost a one-item call 108 µs, every 1,000 about 15 µs.
   */
  every?: number;
}

type Items = ItemSet | { models: string[]; features: string[]; scores: Float32Array; feats: Float32Array; ids: unknown[] };

export class ShiftWindow {
  private readonly K: number;
  private readonly buf: Float32Array;
  private readonly size: number;
  private readonly every: number;
  /** items ever added; the next one goes to slot added % size */
  private added = 0;
  private sinceCheck = 0;
  private last: BatchChoice;

  constructor(private readonly model: FusionModel, opts: ShiftWindowOptions = {}) {
    const size = opts.size ?? 1000, every = opts.every ?? size;
    if (!Number.isInteger(size) || size < SHIFT_RULE.minRows || size > 100_000) throw new Error(`rewardfuse: ShiftWindow: size must be an integer from ${SHIFT_RULE.minRows} to 100000, got ${size}`);
    if (!Number.isInteger(every) || every < 1 || every > size) throw new Error(`rewardfuse: ShiftWindow: every must be an integer from 1 to size (${size}), got ${every}`);
    this.K = model.models.length;
    this.size = size;
    this.every = every;
    this.buf = new Float32Array(size * this.K);
    this.last = model.choose(new Float32Array(0), 0);
  }

  /** items in the window */
  get rows(): number {
    return Math.min(this.added, this.size);
  }

  /** the window's current decision and the check behind it */
  get choice(): BatchChoice {
    return this.last;
  }

  /** Add items to the window and score them: a batch of minRows or more by its own check, fewer by the window's. */
  score(data: Items): Scores & BatchChoice & { decidedBy: 'batch' | 'window' } {
    const rows = data.ids.length;
    const { x } = this.model.toModelColumns(data.models, data.features, data.scores, data.feats, rows);
    const choice = this.decide(x, rows);
    const scorer = choice.combiner === 'anchor' ? this.model.anchor! : this.model;
    return { ...scorer.score(data), ...choice };
  }

  /** Add items x:(rows, K) in the model's columns, and choose for them: by their own check when they are minRows or more, else the window's. */
  decide(x: Float32Array, rows: number): BatchChoice & { decidedBy: 'batch' | 'window' } {
    this.add(x, rows);
    if (rows >= SHIFT_RULE.minRows) return { ...this.model.choose(x, rows), decidedBy: 'batch' };
    return { ...this.last, decidedBy: 'window' };
  }

  /** Add items x:(rows, K) in the model's columns; check again when due. */
  add(x: Float32Array, rows: number): void {
    const K = this.K;
    // only the last `size` rows can stay
    for (let i = Math.max(0, rows - this.size); i < rows; i++) {
      this.buf.set(x.subarray(i * K, i * K + K), (this.added % this.size) * K);
      this.added++;
    }
    this.sinceCheck += rows;
    if (this.rows >= SHIFT_RULE.minRows && (this.sinceCheck >= this.every || this.last.shift?.auc == null)) {
      this.sinceCheck = 0;
      this.last = this.model.choose(this.buf.subarray(0, this.rows * K), this.rows);
    }
  }

  /** the window's last check, for a report (null: the model has no reference) */
  get shift(): ShiftReport | null {
    return this.last.shift;
  }
}
