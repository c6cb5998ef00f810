// Scoring one piece of an items file: the text of whole records, read into a
// set, checked, scored and written as JSON lines. The score command runs it on
// each piece in turn, or in worker threads (score-worker.ts); the same code
// makes the same bytes either way. Lines in errors count from the piece's
// start; the caller, who knows where the piece began, adds the offset.
import { DataError } from '../data/errors.js';
import type { Row } from '../data/csv.js';
import { DataReader, type Format } from '../data/stream.js';
import type { ItemSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';
import { atLines, checkFinite, checkKnownModels, checkScorable } from './check.js';
import { FastItems } from './score-fast.js';

export interface Piece {
  /** whole records (the last piece may lack its final line end): JSONL bytes or CSV text */
  text: string | Uint8Array;
  /** the file name errors give */
  source: string;
  format: Format;
  /** CSV: the header row, once an earlier piece held it */
  header?: Row;
  ignoreUnknown: boolean;
  modelFile: string;
  /** CSV text decoded from bytes by a Splitter, malformed bytes marked (data/utf8.ts) */
  marks?: boolean;
  /** false: never the wasm path (score-fast.ts), for tests that compare the two */
  fast?: boolean;
}

export interface Scored {
  /** JSON lines, one an item: text, or UTF-8 bytes (from the wasm path, a view valid until the next piece; from a worker thread, bytes of their own) */
  out: string | Uint8Array;
  items: number;
  /** line ends in the piece */
  lines: number;
  /** models the fusion model does not know, in order of first appearance */
  unknown: string[];
  /** CSV: the header row, if this piece held it */
  header?: Row;
}

/** per model, its wasm path (null: its names rule it out) */
const fastPaths = new WeakMap<FusionModel, FastItems | null>();

export function scorePiece(model: FusionModel, p: Piece): Scored {
  if (p.format === 'jsonl' && typeof p.text !== 'string' && p.fast !== false) {
    let fast = fastPaths.get(model);
    if (fast === undefined) fastPaths.set(model, (fast = FastItems.for(model) ?? null));
    const r = fast?.score(p.text, p.source, p.modelFile);
    if (r) return { ...r, unknown: [] };
  }
  const r = new DataReader(p.source, 'items', { targets: false, uniqueIds: false }, p.format);
  r.continues(p.header);
  if (p.marks) r.marked();
  r.push(p.text);
  const items = r.endPiece() as ItemSet | undefined;
  const lines = r.nextLine - 1;
  const header = p.header ? undefined : r.headerRow;
  if (!items) return { out: '', items: 0, lines, unknown: [], header };
  if (!p.ignoreUnknown) checkKnownModels(model, items);
  checkScorable(model, items, p.modelFile);
  const s = atLines(items, () => model.score(items));
  checkFinite(items, s);
  const K = model.models.length, n = items.ids.length;
  const names = s.weights ? model.models.map((m) => JSON.stringify(m)) : [];
  // an index-like key ("2") goes first in a JS object: build the object then, as JSON.stringify would see it
  const asObject = model.models.some((m) => /^(0|[1-9]\d*)$/.test(m));
  let out = '';
  for (let i = 0; i < n; i++) {
    // JSON.stringify of {id, reward, uncertainty, conservative, weights}, written out: a finite number prints as String() does
    let line = `{"id":${JSON.stringify(items.ids[i])},"reward":${s.reward[i]},"uncertainty":${s.uncertainty[i]},"conservative":${s.conservative[i]}`;
    if (s.weights && asObject) {
      line += `,"weights":${JSON.stringify(Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]])))}`;
    } else if (s.weights) {
      line += ',"weights":{';
      for (let k = 0; k < K; k++) line += `${k ? ',' : ''}${names[k]}:${s.weights[i * K + k]}`;
      line += '}';
    }
    out += line + '}\n';
  }
  return { out, items: n, lines, unknown: s.unknownModels, header };
}

/** A DataError from a piece, its line moved by the lines before the piece. */
export function rebase(e: unknown, source: string, offset: number): unknown {
  if (e instanceof DataError && e.file === source && e.line > 0) return new DataError(e.file, e.line + offset, e.field, e.reason);
  return e;
}
