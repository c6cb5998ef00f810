// The server's shift check: which combiner scores a request's rows. A request
// of SHIFT_RULE.minRows rows or more (a /v1/fuse batch) is checked on its own;
// a smaller one (one /get_reward sample, a few items) takes the decision of a
// rolling window of the last 1,000 rows the server scored (models/shift-window.ts),
// the anchor until the window holds minRows. Each combiner has its own
// FusionBatch, so rows that concurrent requests send in one turn are still
// scored together. /metrics: rows by combiner, and the window's state
// (defined in metric-table.ts).
import type { Combiner, FusionModel } from '../models/model.js';
import { ShiftWindow } from '../models/shift-window.js';
import { FusionBatch } from './fusion-batch.js';
import type { Metrics } from './metrics.js';

export class ServeShift {
  private readonly net: FusionBatch;
  private readonly anchor: FusionBatch | undefined;
  private readonly window: ShiftWindow | undefined;

  constructor(private readonly model: FusionModel, private readonly metrics: Metrics) {
    this.net = new FusionBatch(model);
    // only a model with an anchor and a reference has a choice to make
    if (model.anchor && model.shift) {
      this.anchor = new FusionBatch(model.anchor);
      this.window = new ShiftWindow(model);
    }
  }

  /** The batch that scores these n rows (x: (n, K) in the model's columns), and the combiner it stands for. */
  pick(x: Float32Array, n: number): { batch: FusionBatch; combiner: Combiner } {
    const own: Combiner = this.model.scorer.kind === 'nets' ? 'net' : 'rule';
    if (!this.window || !n) {
      this.metrics.inc('rewardfuse_shift_rows_total', { combiner: own, decided_by: 'none' }, n);
      return { batch: this.net, combiner: own };
    }
    const c = this.window.decide(x, n);
    const m = this.metrics;
    m.inc('rewardfuse_shift_rows_total', { combiner: c.combiner, decided_by: c.decidedBy }, n);
    m.set('rewardfuse_shift_window_rows', {}, this.window.rows);
    m.set('rewardfuse_shift_window_auc', {}, this.window.shift?.auc ?? NaN);
    m.set('rewardfuse_shift_window_net', {}, this.window.choice.combiner === 'anchor' ? 0 : 1);
    return { batch: c.combiner === 'anchor' ? this.anchor! : this.net, combiner: c.combiner };
  }
}
