// The worker pool of `rewardfuse score --threads N`: N threads scoring pieces
// (score-worker.ts runs in each worker), results handed back in input order.
import { Worker } from 'node:worker_threads';
import { DataError } from '../data/errors.js';
import type { Piece, Scored } from '../score/score-piece.js';
import { CliError } from './io.js';

type Done = (r: Scored | undefined, e: unknown) => void;

/**
 * N threads scoring pieces, this one and N − 1 workers, so that N cores are
 * busy and no more: a piece goes to a worker with fewer than two in hand, else
 * this thread (which also reads and writes) scores it. Results are handed back
 * in the order the pieces were sent.
 */
export class Pool {
  private readonly workers: Worker[];
  /** per worker, the pieces sent to it and not yet back */
  private readonly inHand: number[];
  private next = 0;
  private seq = 0;
  private readonly waiting = new Map<number, Done>();
  private readonly results = new Map<number, { r?: Scored; e?: unknown }>();
  private wake: (() => void) | undefined;
  private failure: unknown;

  constructor(n: number, modelText: string, modelFile: string, combiner: string, private readonly here: (p: Piece) => Scored) {
    const url = new URL('../node/score-worker.js', import.meta.url);
    this.inHand = new Array<number>(n - 1).fill(0);
    this.workers = Array.from({ length: n - 1 }, (_, i) => {
      // a piece's garbage dies young: a small young generation keeps each worker's memory
      // near flat (V8 would grow it toward 48 MB as pieces go by), at the same speed
      const w = new Worker(url, { workerData: { modelText, modelFile, combiner }, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
      w.on('message', (m: { seq: number; result?: Scored; error?: { message: string; data?: { file: string; line: number; field: string; reason: string } } }) => {
        const d = m.error?.data;
        const e = m.error && (d ? new DataError(d.file, d.line, d.field, d.reason) : new CliError(m.error.message.replace(/^rewardfuse: /, '')));
        this.inHand[i]--;
        this.results.set(m.seq, { r: m.result, e });
        this.flush();
      });
      w.on('error', (e) => { this.failure ??= e; this.wake?.(); });
      return w;
    });
  }

  /** Send a piece to a worker, or score it here when each has two; waits while two pieces a thread are in flight. */
  async submit(piece: Piece, done: Done): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.waiting.size >= 2 * (this.workers.length + 1)) await this.settle();
    const seq = this.seq++;
    this.waiting.set(seq, done);
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.inHand[i] < this.inHand[w]) w = i;
    if (this.inHand[w] >= 2) {
      // here, now; lines from the wasm path are a view of its memory, valid until its next piece: copied if they must wait their turn
      try {
        const r = this.here(piece);
        this.results.set(seq, { r: seq === this.next || typeof r.out === 'string' ? r : { ...r, out: r.out.slice() } });
      } catch (e) {
        this.results.set(seq, { e });
      }
      this.flush();
      return;
    }
    // bytes move to the worker, in a buffer of their own (the reader's and the cutter's are reused); text is copied
    const t = piece.text;
    const moved = typeof t === 'string' ? piece : { ...piece, text: new Uint8Array(t) };
    this.inHand[w]++;
    this.workers[w].postMessage({ seq, piece: moved }, typeof t === 'string' ? [] : [(moved.text as Uint8Array).buffer as ArrayBuffer]);
  }

  /** Wait until every piece sent has been handed back. */
  async drain(): Promise<void> {
    while (this.waiting.size) await this.settle();
  }

  private settle(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve) => { this.wake = resolve; }).then(() => {
      if (this.failure) throw this.failure;
    });
  }

  // hand back the results that are next in order
  private flush(): void {
    while (this.results.has(this.next)) {
      const { r, e } = this.results.get(this.next)!;
      this.results.delete(this.next);
      const done = this.waiting.get(this.next)!;
      this.waiting.delete(this.next);
      this.next++;
      try {
        done(r, e);
      } catch (err) {
        this.failure ??= err;
      }
    }
    this.wake?.();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
