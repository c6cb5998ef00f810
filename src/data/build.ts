// Checked records, added one at a time, become a PairSet or ItemSet. The
// checks that need more than one field or row live here: duplicate ids, rows
// no model scored, no rows at all.
import { expected, fail, show, type Origin } from './errors.js';
import type { ItemRecord, ItemSet, PairRecord, PairSet } from './types.js';

const F32_MAX = 3.4028234663852886e38;

/**
 * The largest magnitude a score, feature or target may have. Beyond it a
 * float32 can still hold the value, but normalising it (z = (x − median)/spread,
 * spread ≥ 1e-12) or squaring it in a loss could overflow, and at 1e15 a
 * float32's spacing is already 6.7e7, so no real score is lost.
 */
export const MAX_MAGNITUDE = 1e15;

/** v as a value a Float32Array holds and the models can normalise; beyond ±F32_MAX it would silently become ±Infinity. */
export function f32(v: unknown, o: Origin, line: number, field: string, what: string): number {
  if (typeof v === 'number' && Math.abs(v) <= MAX_MAGNITUDE) return v;
  if (typeof v === 'number' && Math.abs(v) <= F32_MAX) fail(o, line, field, `${v} is beyond ±1e15, the largest magnitude rewardfuse takes (normalised or squared it could overflow float32)`);
  if (typeof v === 'number' && Number.isFinite(v)) fail(o, line, field, `${v} is beyond the float32 range`);
  return expected(o, line, field, what, v);
}

export const LABEL = { a: 1, b: 0, tie: 0.5 } as const;

/**
 * One record's fields as a reader found them, reused record after record:
 * id, group, the label (1, 0 or ½) or target (NaN: none), and each map's
 * names and values in the order written (NaN: null). Maps: 0 = a (or the
 * item's scores), 1 = b, 2 = features.
 */
export class Fields {
  id = '';
  group: string | undefined = undefined;
  y = NaN;
  readonly maps = [new FieldMap(), new FieldMap(), new FieldMap()];

  /** a record's maps, as Object.keys orders them */
  fromRecord(id: string, group: string | undefined, y: number, maps: (Record<string, number | null> | undefined)[]): this {
    this.id = id;
    this.group = group;
    this.y = y;
    for (let m = 0; m < 3; m++) {
      const f = this.maps[m], r = maps[m];
      f.n = 0;
      if (r) for (const name of Object.keys(r)) f.push(name, r[name] ?? NaN);
    }
    return this;
  }
}

export class FieldMap {
  readonly names: string[] = [];
  readonly values: number[] = [];
  /** columns, once resolved */
  cols = new Int32Array(16);
  n = 0;
  push(name: string, v: number): void {
    this.names[this.n] = name;
    this.values[this.n++] = v;
  }
}

const scratch = new Fields();

export class PairBuilder {
  private readonly rows: Rows;
  private readonly a: Block;
  private readonly b: Block;
  private readonly label = new Column(Float32Array);

  /** `models` and `features` seed the column order (a CSV header's). */
  constructor(origin: Origin, models: readonly string[] = [], features: readonly string[] = [], uniqueIds = true) {
    this.rows = new Rows(origin, models, features, uniqueIds);
    this.a = new Block(this.rows.models.list.length);
    this.b = new Block(this.rows.models.list.length);
  }

  /** records added so far */
  get count(): number {
    return this.rows.ids.length;
  }

  add(r: PairRecord, line: number): void {
    this.addFields(scratch.fromRecord(r.id, r.group, LABEL[r.label], [r.a, r.b, r.features]), line);
  }

  /** Add a record's fields; false (and nothing added) when a map names one model twice, which only JSON.parse's last-one-wins can read. */
  addFields(f: Fields, line: number): boolean {
    const t = this.rows;
    if (!t.add(f, 2, line, 'pair')) return false;
    t.put(this.a, f.maps[0], t.models);
    t.put(this.b, f.maps[1], t.models);
    this.label.push(f.y);
    return true;
  }

  finish(): PairSet {
    const t = this.rows;
    t.nonEmpty('pairs');
    const K = t.models.list.length;
    return {
      kind: 'pairs', source: t.origin.file, models: t.models.list, features: t.features.list,
      ids: t.ids, groups: t.groups,
      a: this.a.finish(K), b: this.b.finish(K), feats: t.feats.finish(t.features.list.length),
      label: this.label.finish() as Float32Array, lines: t.lines.finish() as Int32Array,
    };
  }
}

export class ItemBuilder {
  private readonly rows: Rows;
  private readonly scores: Block;
  private readonly target = new Column(Float32Array);

  constructor(origin: Origin, models: readonly string[] = [], features: readonly string[] = [], uniqueIds = true) {
    this.rows = new Rows(origin, models, features, uniqueIds);
    this.scores = new Block(this.rows.models.list.length);
  }

  /** records added so far */
  get count(): number {
    return this.rows.ids.length;
  }

  add(r: ItemRecord, line: number): void {
    this.addFields(scratch.fromRecord(r.id, r.group, r.target ?? NaN, [r.scores, undefined, r.features]), line);
  }

  /** As PairBuilder.addFields. */
  addFields(f: Fields, line: number): boolean {
    const t = this.rows;
    if (!t.add(f, 1, line, 'item')) return false;
    t.put(this.scores, f.maps[0], t.models);
    this.target.push(f.y);
    return true;
  }

  finish(): ItemSet {
    const t = this.rows;
    t.nonEmpty('items');
    return {
      kind: 'items', source: t.origin.file, models: t.models.list, features: t.features.list,
      ids: t.ids, groups: t.groups,
      scores: this.scores.finish(t.models.list.length), feats: t.feats.finish(t.features.list.length),
      target: this.target.finish() as Float32Array, lines: t.lines.finish() as Int32Array,
    };
  }
}

/** Names in order of first appearance, each with its column. */
class Names {
  readonly list: string[] = [];
  private readonly cols = new Map<string, number>();
  // per column, the last map that named it (to find a name given twice in one map)
  private mark = new Int32Array(16);
  private marks = 0;
  // the column of the j-th name of the last map: most maps name the same models in the same order
  private readonly guess: number[] = [];
  constructor(seed: readonly string[]) {
    for (const name of seed) this.col(name);
  }
  col(name: string): number {
    let c = this.cols.get(name);
    if (c === undefined) {
      c = this.list.length;
      this.cols.set(name, c);
      this.list.push(name);
    }
    return c;
  }
  /** The columns of a map's names into f.cols, in order (new names are added); false if a name is given twice. */
  resolve(f: FieldMap): boolean {
    const tick = ++this.marks;
    if (f.cols.length < f.n) f.cols = new Int32Array(2 * f.n);
    for (let j = 0; j < f.n; j++) {
      const name = f.names[j];
      let c = this.guess[j];
      if (c === undefined || this.list[c] !== name) this.guess[j] = c = this.col(name);
      if (c >= this.mark.length) {
        const next = new Int32Array(2 * c + 2);
        next.set(this.mark);
        this.mark = next;
      }
      if (this.mark[c] === tick) return false;
      this.mark[c] = tick;
      f.cols[j] = c;
    }
    return true;
  }
}

/** A typed array that grows by half again when full: one number a row. */
class Column {
  private data: Float32Array | Int32Array;
  length = 0;
  constructor(private readonly Type: Float32ArrayConstructor | Int32ArrayConstructor) {
    this.data = new Type(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new this.Type(Math.ceil(this.data.length * 1.5));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i];
  }
  /** the values, in an array of their exact length */
  finish(): Float32Array | Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Rows of f32 values (rows, width), NaN where unset, in one buffer that grows
 * by half again when full; the width grows when a new model or feature appears
 * (the rows so far are laid out again, which happens once a name).
 */
class Block {
  data: Float32Array;
  private rows = 0;
  constructor(private width: number) {
    this.data = new Float32Array(Math.max(width, 1) * 1024).fill(NaN);
  }
  /** a new row of NaN, at least `width` wide; returns its offset into `data` */
  row(width: number): number {
    if (width > this.width) this.widen(width);
    const W = this.width;
    if ((this.rows + 1) * W > this.data.length) {
      const next = new Float32Array(Math.ceil(this.data.length * 1.5)).fill(NaN);
      next.set(this.data.subarray(0, this.rows * W));
      this.data = next;
    }
    return this.rows++ * W;
  }
  private widen(width: number): void {
    const W = this.width, n = this.rows;
    const next = new Float32Array(Math.max(n, 1024) * width).fill(NaN);
    for (let i = 0; i < n; i++) for (let k = 0; k < W; k++) next[i * width + k] = this.data[i * W + k];
    this.data = next;
    this.width = width;
  }
  /** (rows, width) in an array of its exact length */
  finish(width: number): Float32Array {
    if (width > this.width) this.widen(width);
    return this.data.slice(0, this.rows * this.width);
  }
}

/** What pairs and items share: ids, groups, lines, features, the model names. */
class Rows {
  readonly ids: string[] = [];
  readonly groups: (string | undefined)[] = [];
  readonly lines = new Column(Int32Array);
  readonly feats: Block;
  readonly models: Names;
  readonly features: Names;
  private readonly seen = new Set<string>();
  // one string a group name, however many rows name it
  private readonly groupNames = new Map<string, string>();

  /** `unique`: refuse an id seen before */
  constructor(readonly origin: Origin, models: readonly string[], features: readonly string[], private readonly unique: boolean) {
    this.models = new Names(models);
    this.features = new Names(features);
    this.feats = new Block(this.features.list.length);
  }

  /**
   * A record's id, group, line and features; its first `scoreMaps` maps name
   * models. False (nothing added but names) when a map names one twice.
   */
  add(f: Fields, scoreMaps: number, line: number, what: string): boolean {
    for (let m = 0; m < scoreMaps; m++) if (!this.models.resolve(f.maps[m])) return false;
    if (!this.features.resolve(f.maps[2])) return false;
    if (this.unique && this.seen.has(f.id)) {
      const first = this.lines.at(this.ids.indexOf(f.id));
      fail(this.origin, line, 'id', `duplicate id ${show(f.id)} (first ${this.origin.unit === 'line' ? 'on line' : 'in record'} ${first})`);
    }
    let scored = false;
    for (let m = 0; m < scoreMaps && !scored; m++) {
      const v = f.maps[m].values;
      for (let j = 0; j < f.maps[m].n; j++) if (v[j] === v[j]) { scored = true; break; }
    }
    if (!scored) fail(this.origin, line, '', `no model scored this ${what}`);
    if (this.unique) this.seen.add(f.id);
    this.ids.push(f.id);
    let g = f.group;
    if (g !== undefined) {
      const same = this.groupNames.get(g);
      if (same === undefined) this.groupNames.set(g, g);
      else g = same;
    }
    this.groups.push(g);
    this.put(this.feats, f.maps[2], this.features);
    this.lines.push(line);
    return true;
  }

  /** One row of `block` from a resolved map; NaN where a name is absent or null. */
  put(block: Block, f: FieldMap, names: Names): void {
    const at = block.row(names.list.length), data = block.data;
    for (let j = 0; j < f.n; j++) {
      const v = f.values[j];
      if (v === v) data[at + f.cols[j]] = v;
    }
  }

  nonEmpty(what: string): void {
    if (this.ids.length === 0) fail(this.origin, 0, '', `no ${what} found`);
  }
}
