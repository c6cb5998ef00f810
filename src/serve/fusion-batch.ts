// Fusion of concurrent requests in one call of the model. Requests whose
// upstream answers complete in the same turn (an upstream's batched answer
// completes every request in it at once) each ask for their rows, and the
// rows are scored together, once, after the turn's other continuations:
//
//   request A: x (nA, K) ─┐                         ┌─▶ A's rows of the scores
//   request B: x (nB, K) ─┼─ one scoreAligned over ─┼─▶ B's rows
//   request C: x (nC, K) ─┘   (nA + nB + nC, K)     └─▶ C's rows
//
// Every kernel sums each row in a fixed order whatever the batch (see
// assembly/matmul.ts), and the rest of scoring is row by row, so each row
// gets the bits it would get alone. If the joined call fails (a row the model
// cannot score), each request is scored alone, so only its own rows fail.
import type { FusionModel, Scores } from '../models/model.js';

/** A request's rows of the scores, or why the model could not score them. */
export type RowScores = Omit<Scores, 'unknownModels'> | Error;

interface Waiting {
  x: Float32Array;
  f: Float32Array;
  n: number;
  resolve(s: RowScores): void;
}

export class FusionBatch {
  private waiting: Waiting[] = [];
  private readonly K: number;
  private readonly F: number;

  constructor(private readonly model: FusionModel) {
    this.K = model.models.length;
    this.F = model.features.length;
  }

  /** Scores of n rows (x: (n, K) in the model's columns, f: (n, F)), fused with the other requests that ask in the same turn. */
  score(x: Float32Array, f: Float32Array, n: number): Promise<RowScores> {
    return new Promise((resolve) => {
      // the first to ask schedules the call: a microtask runs after the continuations already queued, the others' asks among them
      if (this.waiting.push({ x, f, n, resolve }) === 1) queueMicrotask(this.flush);
    });
  }

  private readonly flush = (): void => {
    const ws = this.waiting;
    this.waiting = [];
    if (ws.length === 1) return ws[0].resolve(this.alone(ws[0]));
    const { K, F } = this;
    let rows = 0;
    for (const w of ws) rows += w.n;
    const x = new Float32Array(rows * K), f = new Float32Array(rows * F);
    for (let i = 0, at = 0; i < ws.length; at += ws[i].n, i++) {
      x.set(ws[i].x, at * K);
      if (F) f.set(ws[i].f, at * F);
    }
    let s: Omit<Scores, 'unknownModels'>;
    try {
      s = this.model.scoreAligned(x, f, rows);
    } catch {
      for (const w of ws) w.resolve(this.alone(w));
      return;
    }
    for (let i = 0, at = 0; i < ws.length; at += ws[i].n, i++) {
      const end = at + ws[i].n;
      ws[i].resolve({
        reward: s.reward.subarray(at, end),
        uncertainty: s.uncertainty.subarray(at, end),
        conservative: s.conservative.subarray(at, end),
        weights: s.weights?.subarray(at * K, end * K),
      });
    }
  };

  private alone(w: Waiting): RowScores {
    try {
      return this.model.scoreAligned(w.x, w.f, w.n);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
}
