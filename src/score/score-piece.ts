// Scoring one piece of an items file: the text of whole records, read into a
// set, checked, scored and written as JSON lines. The score command runs it on
// each piece in turn, or in worker threads (node/score-worker.ts); the same
// code makes the same bytes either way. Lines in errors count from the
// piece's start; the caller, who knows where the piece began, adds the offset.
//
// The one reader and writer of JSON lines, two ways with the same bytes:
//   wasm  score-fast.ts: scanned, scored and printed in wasm (assembly/text/)
//   long  DataReader (data/stream.ts) reads; itemLines below writes
// A piece that does not go the wasm way says why (Scored.way); withCombiner
// adds --explain-choice's field to the lines either way wrote.
import { DataError } from '../data/errors.js';
import type { Row } from '../data/csv.js';
import { DataReader, type Format } from '../data/stream.js';
import type { ItemSet } from '../data/types.js';
import type { FusionModel, Scores } from '../models/model.js';
import { atLines, checkFinite, checkKnownModels, checkScorable } from './check.js';
import { FastItems, type Fallback, type FastScored } from './score-fast.js';

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
  /** 'wasm', or why the piece went the long way */
  way: Way;
}

/**
 * How a piece was scored: 'wasm', or why not:
 *   off    the caller asked for the long way (Piece.fast false)
 *   csv    CSV, or text already decoded (the scanner reads JSONL bytes)
 *   …      the wasm path's own reasons (score-fast.ts Fallback)
 */
export type Way = 'wasm' | 'off' | 'csv' | Fallback;

/** per model, its wasm path, or why its names rule one out */
const fastPaths = new WeakMap<FusionModel, FastItems | Fallback>();

export function scorePiece(model: FusionModel, p: Piece): Scored {
  const fast = wasmWay(model, p);
  return typeof fast === 'object' ? { ...fast, unknown: [], way: 'wasm' } : { ...longWay(model, p), way: fast };
}

/** The piece scored in wasm, or why it goes the long way. */
function wasmWay(model: FusionModel, p: Piece): FastScored | Exclude<Way, 'wasm'> {
  if (p.fast === false) return 'off';
  if (p.format !== 'jsonl' || typeof p.text === 'string') return 'csv';
  let fast = fastPaths.get(model);
  if (fast === undefined) fastPaths.set(model, (fast = FastItems.for(model)));
  return typeof fast === 'string' ? fast : fast.score(p.text, p.source, p.modelFile);
}

/** The piece read by DataReader, checked (naming file, line and field), scored and written by itemLines. */
function longWay(model: FusionModel, p: Piece): Omit<Scored, 'way'> {
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
  return { out: itemLines(model, items.ids, s), items: items.ids.length, lines, unknown: s.unknownModels, header };
}

/** One JSON line an item: JSON.stringify of {id, reward, uncertainty, conservative, weights}, written out (a finite number prints as String() does). */
function itemLines(model: FusionModel, ids: string[], s: Scores): string {
  const K = model.models.length, n = ids.length;
  const names = s.weights ? model.models.map((m) => JSON.stringify(m)) : [];
  // an index-like key ("2") goes first in a JS object: build the object then, as JSON.stringify would see it
  const asObject = model.models.some((m) => /^(0|[1-9]\d*)$/.test(m));
  let out = '';
  for (let i = 0; i < n; i++) {
    let line = `{"id":${JSON.stringify(ids[i])},"reward":${s.reward[i]},"uncertainty":${s.uncertainty[i]},"conservative":${s.conservative[i]}`;
    if (s.weights && asObject) {
      line += `,"weights":${JSON.stringify(Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]])))}`;
    } else if (s.weights) {
      line += ',"weights":{';
      for (let k = 0; k < K; k++) line += `${k ? ',' : ''}${names[k]}:${s.weights[i * K + k]}`;
      line += '}';
    }
    out += line + '}\n';
  }
  return out;
}

/** Each JSON line of `out` with the combiner that scored it added as its last field. */
export function withCombiner(out: string | Uint8Array, combiner: string): string {
  const text = typeof out === 'string' ? out : DECODER.decode(out);
  // a line ends "}\n", and nothing else in a line does (JSON escapes line feeds in strings)
  return text.replaceAll('}\n', `,"combiner":"${combiner}"}\n`);
}

const DECODER = new TextDecoder();

/** A DataError from a piece, its line moved by the lines before the piece. */
export function rebase(e: unknown, source: string, offset: number): unknown {
  if (e instanceof DataError && e.file === source && e.line > 0) return new DataError(e.file, e.line + offset, e.field, e.reason);
  return e;
}
