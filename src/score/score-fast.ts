// Scoring a JSON Lines piece of items in wasm, bytes in and bytes out: the
// scanner (assembly/jsonl.ts scanItems) reads the lines into the fusion
// model's columns, the model scores them, and writeItems prints the lines,
// numbers as String() prints them (assembly/dtoa.ts). The same bytes as the
// reader and template strings in score-piece.ts, several times faster.
//
// It returns undefined, and score-piece.ts takes the piece the long way, when
// the scanner declines a line (any shape but the plain one, a name the model
// does not know) or any check fails: the long way then reads the piece, or
// names its file, line and field, as it always has.
import { newKernels, type Kernels } from '../engine/wasm.js';
import type { ItemSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';
import { atLines, checkFinite, checkScorable } from './check.js';

const ENCODER = new TextEncoder();
const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** A piece scored: its lines (UTF-8) and counts. */
export interface FastScored {
  /** a view of the scorer's memory: valid until its next score() */
  out: Uint8Array;
  items: number;
  /** line feeds in the piece */
  lines: number;
}

export class FastItems {
  private readonly k: Kernels;
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
   * undefined for a model whose names the scanner does not match: it reads
   * names of printable ASCII without quotes or backslashes (as bytes, they are
   * the string), and not index-like ones (a JS object puts those first)
   */
  static for(model: FusionModel): FastItems | undefined {
    const odd = (name: string) => !/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(name) || /^(0|[1-9]\d*)$/.test(name);
    if (!model.models.length || model.models.some(odd) || model.features.some(odd)) return undefined;
    return new FastItems(model);
  }

  private constructor(private readonly model: FusionModel) {
    this.k = newKernels();
    this.K = model.models.length;
    this.F = model.features.length;
    const [keyTable, keyBytes] = table([...model.models, ...model.features].map((s) => ENCODER.encode(s)));
    const json = model.models.map((s) => ENCODER.encode(JSON.stringify(s)));
    const [nameTable, nameBytes] = table(json);
    const m = new Layout(this.k, 0);
    this.keyTable = m.take(keyTable.byteLength);
    this.keyBytes = m.take(keyBytes.length);
    this.nameTable = m.take(nameTable.byteLength);
    this.nameBytes = m.take(nameBytes.length);
    if (!m.ready()) throw new Error(`rewardfuse: cannot grow wasm memory for the model's names`);
    const u8 = new Uint8Array(this.k.memory.buffer);
    u8.set(new Uint8Array(keyTable.buffer), this.keyTable);
    u8.set(keyBytes, this.keyBytes);
    u8.set(new Uint8Array(nameTable.buffer), this.nameTable);
    u8.set(nameBytes, this.nameBytes);
    this.tablesEnd = m.end;
    this.pad = 16 + Math.max(0, ...keyTable.filter((_, i) => i % 2 === 1));
    // {"id":"","reward":,"uncertainty":,"conservative":}\n and three numbers of at most 25 bytes (dtoa.ts);
    // ,"weights":{} and per model a name, a colon, a comma and a number
    this.perItem = 64 + 3 * 25 + 16 + json.reduce((s, b) => s + b.length + 27, 0);
    const small = (n: { center: Float32Array; scale: Float32Array }) =>
      n.center.every((c, j) => Math.abs(c) <= 1e15 && Math.abs(n.scale[j]) * 4e15 <= 1e38);
    this.bounded = small(model.norm) && small(model.featNorm);
  }

  /** Score a piece of JSONL bytes, or undefined to take it the long way. */
  score(text: Uint8Array, source: string, modelFile: string): FastScored | undefined {
    const { k, K, F } = this;
    // a line of an item takes at least 16 bytes ({"id":"","scores":{}} and more)
    const cap = Math.floor(text.length / 16) + 1;
    const { keyTable, keyBytes, nameTable, nameBytes } = this;
    const m = new Layout(k, this.tablesEnd);
    const textPtr = m.take(text.length + 1 + this.pad); // and a 0 after it, where the scanner's last line ends
    const scores = m.take(4 * cap * K), feats = m.take(4 * cap * F), ids = m.take(8 * cap), lines = m.take(4 * cap);
    const counts = m.take(8), work = m.take(4 * (128 + K + F));
    if (!m.ready()) return undefined;
    const u8 = new Uint8Array(k.memory.buffer);
    u8.set(text, textPtr);
    u8[textPtr + text.length] = 0;
    if (!k.scanItems(scores, feats, ids, lines, counts, textPtr, text.length, keyTable, keyBytes, K, F, cap, work)) return undefined;
    const [n, lineFeeds] = new Int32Array(k.memory.buffer, counts, 2);
    if (!n) return undefined;
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
      return undefined; // the long way names it
    }
    // the output after the columns: the scores, then the lines
    const W = s.weights ? K : 0;
    const o = new Layout(k, m.end);
    const reward = o.take(4 * n), uncertainty = o.take(4 * n), conservative = o.take(4 * n), weights = W ? o.take(4 * n * W) : 0;
    const out = o.take(text.length + n * this.perItem);
    if (!o.ready()) return undefined;
    const f32 = new Float32Array(k.memory.buffer);
    f32.set(s.reward, reward >> 2);
    f32.set(s.uncertainty, uncertainty >> 2);
    f32.set(s.conservative, conservative >> 2);
    if (W) f32.set(s.weights!, weights >> 2);
    const bytes = k.writeItems(out, ids, textPtr, reward, uncertainty, conservative, weights, nameTable, nameBytes, n, K);
    return { out: new Uint8Array(k.memory.buffer, out, bytes), items: n, lines: lineFeeds };
  }
}

/** Blocks laid out from `start` (the heap's base when 0), memory grown to hold them. */
class Layout {
  end: number;
  constructor(private readonly k: Kernels, start: number) {
    this.end = align(start || k.heapBase());
  }
  take(bytes: number): number {
    const at = this.end;
    this.end = align(at + Math.max(bytes, 1));
    return at;
  }
  /** false when memory cannot grow (the long way then tries, and names what fails) */
  ready(): boolean {
    const have = this.k.memory.buffer.byteLength;
    if (this.end <= have) return true;
    try {
      this.k.memory.grow(Math.ceil((this.end - have) / 65536));
      return true;
    } catch {
      return false;
    }
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
