// rewardfuse score <model.json> <items.jsonl|csv|-> [-o out.jsonl|-] [--ignore-unknown] [--threads N] [--explain-choice]
// Items stream through: read a bounded buffer at a time, cut at the last whole
// record, scored piece by piece (score-piece.ts) and written in order, so
// memory stays flat whatever the input's size. With --threads N the pieces
// are scored by N threads, this one and N − 1 workers, and written in the same
// order: the same bytes. The first piece's shift check chooses, for the whole
// run, the net or (input unlike the training data) the model's anchor rule
// (score-choice.ts); a warning line says when the input looks unlike it.
import { Worker } from 'node:worker_threads';
import { DataError } from '../data/errors.js';
import { formatOf, joinRecords, Splitter, type Format } from '../data/stream.js';
import type { Row } from '../data/csv.js';
import { loadModel } from '../models/file.js';
import type { BatchChoice, FusionModel } from '../models/model.js';
import { checkFlags, parseArgs, UsageError } from './args.js';
import { int } from '../data/validate.js';
import { CliError, Output, readPiecesAsync, readText, STDIN, writeStderr } from './io.js';
import { endProgress, note } from './progress.js';
import { rebase, scorePiece, type Piece, type Scored } from './score-piece.js';
import { chooseOnPiece, withCombiner } from './score-choice.js';
import { shiftWarning } from './shift-report.js';

export const SCORE_USAGE = `rewardfuse score <model.json> <items.jsonl|csv|-> [-o out.jsonl|-] [--ignore-unknown] [--threads N] [--explain-choice]
  one JSON line per item: id, reward, uncertainty, conservative, and per-model weights (gated, tbma);
  items need no "target", nor distinct ids; - reads standard input (or writes standard output); the items
  stream through in pieces, in flat memory; --threads N scores them in N threads (this one and N − 1 workers);
  the default's net scores only input like its training data, checked on the first 512 KiB of items (one
  warning line when it is not: its anchor rule scores, as it does inputs of under 200 items);
  --explain-choice adds "combiner": "net", "anchor" or "rule" to each line`;

/** @internal the clock progress lines read: tests replace it, so none waits on the wall clock */
export const clock = { now: (): number => Date.now() };

/** Records of at least this many bytes (or characters) are scored as they come (a file's reads, 1 MB each); smaller ones (a pipe's) are gathered to it. */
const PIECE = 1 << 19;

export async function score(argv: string[]): Promise<void> {
  const { positional, flags } = parseArgs(argv, { out: 'string', 'ignore-unknown': 'boolean', threads: 'integer', 'explain-choice': 'boolean' }, { o: 'out' });
  if (positional.length !== 2) throw new UsageError(`score takes a model and an items file (see rewardfuse --help)`);
  checkFlags(flags, { threads: int(1, 64) });
  const threads = (flags.threads as number | undefined) ?? 1;
  const modelFile = positional[0], file = positional[1];
  const modelText = readText(modelFile);
  const model = loadModel(modelText, modelFile);
  const source = file === '-' ? STDIN : file;
  const pieces = readPiecesAsync(file);
  const first = await pieces.next(); // opens the input (remembered as one) before the output is checked
  const out = new Output(flags.out as string | undefined);
  const base = { source, ignoreUnknown: !!flags['ignore-unknown'], modelFile };
  // chosen on the first piece (score-choice.ts); the pool starts then, its workers told the choice
  let scorer: FusionModel = model, choice: BatchChoice | undefined, pool: Pool | undefined;
  const explain = !!flags['explain-choice'];
  const unknown = new Set<string>();
  let items = 0, offset = 0, header: Row | undefined;
  const t0 = clock.now();
  let shown = t0;
  const tell = () => {
    const now = clock.now();
    if (now - shown < 1000) return;
    shown = now;
    note(process.stderr, `scored ${items} items`);
  };
  // results in input order: add them up, write them, and say how far
  const take = (r: Scored) => {
    offset += r.lines;
    items += r.items;
    header ??= r.header;
    for (const m of r.unknown) unknown.add(m);
    if (r.out.length) out.write(explain ? withCombiner(r.out, choice?.combiner ?? (model.scorer.kind === 'nets' ? 'net' : 'rule')) : r.out);
    tell();
  };
  try {
    const splitter = new Splitter(formatOf(source));
    let parts: (string | Uint8Array)[] = [], size = 0;
    const send = async (piece: string | Uint8Array) => {
      const p: Piece = { ...base, text: piece, format: splitter.format as Format, header, marks: splitter.marks };
      if (!choice) {
        const c = chooseOnPiece(model, p);
        if (c) {
          ({ choice, scorer } = c);
          const warning = shiftWarning(model, choice);
          if (warning) writeStderr(warning);
          if (threads > 1) pool = new Pool(threads, modelText, modelFile, choice.combiner, (q) => scorePiece(scorer, q));
        }
      }
      if (!pool) {
        try {
          take(scorePiece(scorer, p));
        } catch (e) {
          throw rebase(e, source, offset);
        }
        return;
      }
      // CSV: the first piece with records holds the header the others need
      const waitForHeader = splitter.format === 'csv' && !header;
      await pool.submit(p, (r, e) => {
        if (e) throw rebase(e, source, offset);
        take(r!);
      });
      if (waitForHeader) await pool.drain();
    };
    for (let r = first; !r.done; r = await pieces.next()) {
      // records are a view of the read buffer, valid until the next read: a
      // piece's worth goes as it is; small ones (a pipe's) are copied and gathered
      const records = splitter.push(r.value);
      if (!parts.length && records.length >= PIECE) {
        await send(records);
        continue;
      }
      if (records.length) { parts.push(typeof records === 'string' ? records : new Uint8Array(records)); size += records.length; }
      if (size >= PIECE) {
        await send(joinRecords(parts));
        parts = [];
        size = 0;
      }
    }
    const rest = splitter.end();
    if (rest.length) parts.push(rest);
    if (parts.length) await send(joinRecords(parts));
    await pool?.drain();
    if (!items) throw new DataError(source, 0, '', 'no items found');
    if (unknown.size) writeStderr(`rewardfuse: ignoring models the fusion model does not know: ${[...unknown].join(', ')}\n`);
    out.close();
    if (clock.now() - t0 >= 1000) {
      note(process.stderr, `scored ${items} items, wrote ${flags.out && flags.out !== '-' ? flags.out : 'standard output'}`);
      endProgress(process.stderr);
    }
  } catch (e) {
    out.abort();
    throw e;
  } finally {
    await pool?.close();
    await pieces.return(undefined);
  }
}

type Done = (r: Scored | undefined, e: unknown) => void;

/**
 * N threads scoring pieces, this one and N − 1 workers, so that N cores are
 * busy and no more: a piece goes to a worker with fewer than two in hand, else
 * this thread (which also reads and writes) scores it. Results are handed back
 * in the order the pieces were sent.
 */
class Pool {
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
    const url = new URL('./score-worker.js', import.meta.url);
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
