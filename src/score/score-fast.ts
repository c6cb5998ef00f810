// Scoring a JSON Lines piece of items in wasm, bytes in and bytes out: the
// scanner (assembly/text/jsonl.ts scanItems) reads the lines into the fusion
// model's columns, the model scores them, and writeItems prints the lines,
// numbers as String() prints them (assembly/text/dtoa.ts). The same bytes as the
// reader and template strings in score-piece.ts, several times faster.
//
// When it cannot, it says why (a Fallback), and score-piece.ts takes the
// piece the long way, which reads it, or names its file, line and field, as
// it always has. Its memory is laid out by the engine's arena: the tables
// once, each piece's blocks after them, rewound for the next.
import { Arena } from '../engine/arena.js';
import type { ItemSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';
import { atLines, checkFinite, checkScorable } from './check.js';
import { newTextKernels, type TextKernels } from './text-kernels.js';

const ENCODER = new TextEncoder();

/**
 * Why a piece of JSON lines takes the long way (DataReader, and the template
 * strings of score-piece.ts) rather than the wasm one:
 *   names     the model's names are not ones the scanner matches (FastItems.for)
 *   declined  the scanner declined a line: another shape, an escape, a name the model does not know
 *   empty     no items in the piece
 *   memory    wasm memory could not grow to hold the piece
 *   check     a check failed (out of range, not finite): the long way names the file, line and field
 */
export type Fallback = 'names' | 'declined' | 'empty' | 'memory' | 'check';

/** A piece scored: its lines (UTF-8) and counts. */
export interface FastScored {
  /** a view of the scorer's memory: valid until its next score() */
  out: Uint8Array;
  items: number;
  /** line feeds in the piece */
  lines: number;
}

export class FastItems {
  private readonly k: TextKernels;
  private readonly arena: Arena;
  private readonly K: number;
  private readonly F: number;
  /**
   * Addresses of the tables, laid out once at the heap's base: the keys the
   * scanner matches (the models' names then the features'), and the models'
   * names as JSON (quoted) for the weights; each an (offset, length) table
   * into its bytes. Pieces are laid out after them.
   */
  private readonly keyTable: number;
  private readonly keyBytes: number;
  private readonly nameTable: number;
  private readonly nameBytes: number;
  private readonly tablesEnd: number;
  /** bytes after a piece's text that the scanner may look at: its longest name and an eight-byte load */
  private readonly pad: number;
  /** bytes of output an item can take beyond its id, weights included */
  private readonly perItem: number;
  /**
   * No value the scanner reads (|x| ≤ 1e15) can overflow float32 once
   * normalised, (x − center)·scale, under this model's normalisation: so
   * checkScorable, which looks for that, has nothing to find.
   */
  private readonly bounded: boolean;

  /**
   * 'names' for a model whose names the scanner does not match: it reads
   * names of printable ASCII without quotes or backslashes (as bytes, they are
   * the string), and not index-like ones (a JS object puts those first)
   */
  static for(model: FusionModel): FastItems | 'names' {
    const odd = (name: string) => !/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(name) || /^(0|[1-9]\d*)$/.test(name);
    if (!model.models.length || model.models.some(odd) || model.features.some(odd)) return 'names';
    return new FastItems(model);
  }

  private constructor(private readonly model: FusionModel) {
    this.k = newTextKernels();
    this.arena = new Arena(this.k);
    this.K = model.models.length;
    this.F = model.features.length;
    const [keyTable, keyBytes] = table([...model.models, ...model.features].map((s) => ENCODER.encode(s)));
    const json = model.models.map((s) => ENCODER.encode(JSON.stringify(s)));
    const [nameTable, nameBytes] = table(json);
    const m = this.arena;
    this.keyTable = m.allocBytes(keyTable.byteLength);
    this.keyBytes = m.allocBytes(keyBytes.length);
    this.nameTable = m.allocBytes(nameTable.byteLength);
    this.nameBytes = m.allocBytes(nameBytes.length);
    const u8 = new Uint8Array(this.k.memory.buffer);
    u8.set(new Uint8Array(keyTable.buffer), this.keyTable);
    u8.set(keyBytes, this.keyBytes);
    u8.set(new Uint8Array(nameTable.buffer), this.nameTable);
    u8.set(nameBytes, this.nameBytes);
    this.tablesEnd = m.bytes;
    this.pad = 16 + Math.max(0, ...keyTable.filter((_, i) => i % 2 === 1));
    // {"id":"","reward":,"uncertainty":,"conservative":}\n and three numbers of at most 25 bytes (dtoa.ts);
    // ,"weights":{} and per model a name, a colon, a comma and a number
    this.perItem = 64 + 3 * 25 + 16 + json.reduce((s, b) => s + b.length + 27, 0);
    const small = (n: { center: Float32Array; scale: Float32Array }) =>
      n.center.every((c, j) => Math.abs(c) <= 1e15 && Math.abs(n.scale[j]) * 4e15 <= 1e38);
    this.bounded = small(model.norm) && small(model.featNorm);
  }

  /** Score a piece of JSONL bytes, or say why it takes the long way. */
  score(text: Uint8Array, source: string, modelFile: string): FastScored | Fallback {
    const { k, K, F, arena: m } = this;
    // a line of an item takes at least 16 bytes ({"id":"","scores":{}} and more)
    const cap = Math.floor(text.length / 16) + 1;
    const { keyTable, keyBytes, nameTable, nameBytes } = this;
    m.rewind(this.tablesEnd);
    let textPtr, scores, feats, ids, lines, counts, work;
    try {
      textPtr = m.allocBytes(text.length + 1 + this.pad); // and a 0 after it, where the scanner's last line ends
      scores = m.alloc(cap * K); feats = m.alloc(cap * F); ids = m.alloc(2 * cap); lines = m.alloc(cap);
      counts = m.alloc(2); work = m.alloc(128 + K + F);
    } catch {
      return 'memory';
    }
    const u8 = new Uint8Array(k.memory.buffer);
    u8.set(text, textPtr);
    u8[textPtr + text.length] = 0;
    if (!k.scanItems(scores, feats, ids, lines, counts, textPtr, text.length, keyTable, keyBytes, K, F, cap, work)) return 'declined';
    const [n, lineFeeds] = new Int32Array(k.memory.buffer, counts, 2);
    if (!n) return 'empty';
    // views of this instance's memory, which nothing grows until the model has scored them
    const items: ItemSet = {
      kind: 'items', source, models: this.model.models, features: this.model.features,
      ids: new Array<string>(n), groups: new Array<undefined>(n),
      scores: new Float32Array(k.memory.buffer, scores, n * K),
      feats: new Float32Array(k.memory.buffer, feats, n * F),
      target: new Float32Array(n).fill(NaN),
      lines: new Int32Array(k.memory.buffer, lines, n),
    };
    let s;
    try {
      if (!this.bounded) checkScorable(this.model, items, modelFile);
      s = atLines(items, () => this.model.score(items));
      checkFinite(items, s);
    } catch {
      return 'check'; // the long way names it
    }
    // the output after the columns: the scores, then the lines
    const W = s.weights ? K : 0;
    let reward, uncertainty, conservative, weights, out;
    try {
      reward = m.alloc(n); uncertainty = m.alloc(n); conservative = m.alloc(n); weights = W ? m.alloc(n * W) : 0;
      out = m.allocBytes(text.length + n * this.perItem);
    } catch {
      return 'memory';
    }
    const f32 = new Float32Array(k.memory.buffer);
    f32.set(s.reward, reward >> 2);
    f32.set(s.uncertainty, uncertainty >> 2);
    f32.set(s.conservative, conservative >> 2);
    if (W) f32.set(s.weights!, weights >> 2);
    const bytes = k.writeItems(out, ids, textPtr, reward, uncertainty, conservative, weights, nameTable, nameBytes, n, K);
    return { out: new Uint8Array(k.memory.buffer, out, bytes), items: n, lines: lineFeeds };
  }
}

/** Strings' bytes end to end, and an (offset, length) table of them. */
function table(parts: Uint8Array[]): [Int32Array, Uint8Array] {
  const t = new Int32Array(2 * parts.length), bytes = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
  let at = 0;
  parts.forEach((b, i) => {
    t[2 * i] = at;
    t[2 * i + 1] = b.length;
    bytes.set(b, at);
    at += b.length;
  });
  return [t, bytes];
}
