// rewardfuse score <model.json> <items.jsonl|csv|-> [-o out.jsonl|-] [--ignore-unknown] [--threads N] [--explain-choice]
// Items stream through: read a bounded buffer at a time, cut at the last whole
// record, scored piece by piece (../score/score-piece.ts) and written in order, so
// memory stays flat whatever the input's size. With --threads N the pieces
// are scored by N threads (../node/score-pool.ts), this one and N − 1 workers, and written in the same
// order: the same bytes. The first piece's shift check chooses, for the whole
// run, the net or (input unlike the training data) the model's anchor rule
// (../score/score-choice.ts); a warning line says when the input looks unlike it.
import { DataError } from '../data/errors.js';
import { formatOf, joinRecords, Splitter, type Format } from '../data/stream.js';
import type { Row } from '../data/csv.js';
import { loadModel } from '../models/file.js';
import type { BatchChoice, FusionModel } from '../models/model.js';
import { checkFlags, parseArgs, UsageError } from './args.js';
import { int } from '../data/validate.js';
import { Output, readPiecesAsync, readText, STDIN, writeStderr } from '../node/io.js';
import { Pool } from '../node/score-pool.js';
import { endProgress, note } from '../node/progress.js';
import { rebase, scorePiece, withCombiner, type Piece, type Scored } from '../score/score-piece.js';
import { chooseOnPiece } from '../score/score-choice.js';
import { shiftWarning } from '../score/shift-report.js';

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
