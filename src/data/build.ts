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

export class PairBuilder {
  private readonly rows: Rows;
  private readonly a: Record<string, number | null>[] = [];
  private readonly b: Record<string, number | null>[] = [];
  private readonly label: number[] = [];

  /** `models` and `features` seed the column order (a CSV header's). */
  constructor(origin: Origin, models: readonly string[] = [], features: readonly string[] = []) {
    this.rows = new Rows(origin, models, features);
  }

  add(r: PairRecord, line: number): void {
    this.rows.add(r, [r.a, r.b], line, 'pair');
    this.a.push(r.a);
    this.b.push(r.b);
    this.label.push(LABEL[r.label]);
  }

  finish(): PairSet {
    const t = this.rows;
    t.nonEmpty('pairs');
    return {
      kind: 'pairs', source: t.origin.file, models: t.models.list, features: t.features.list,
      ids: t.ids, groups: t.groups,
      a: t.matrix(this.a, t.models), b: t.matrix(this.b, t.models), feats: t.matrix(t.feats, t.features),
      label: Float32Array.from(this.label), lines: Int32Array.from(t.lines),
    };
  }
}

export class ItemBuilder {
  private readonly rows: Rows;
  private readonly scores: Record<string, number | null>[] = [];
  private readonly target: number[] = [];

  constructor(origin: Origin, models: readonly string[] = [], features: readonly string[] = []) {
    this.rows = new Rows(origin, models, features);
  }

  add(r: ItemRecord, line: number): void {
    this.rows.add(r, [r.scores], line, 'item');
    this.scores.push(r.scores);
    this.target.push(r.target ?? NaN);
  }

  finish(): ItemSet {
    const t = this.rows;
    t.nonEmpty('items');
    return {
      kind: 'items', source: t.origin.file, models: t.models.list, features: t.features.list,
      ids: t.ids, groups: t.groups,
      scores: t.matrix(this.scores, t.models), feats: t.matrix(t.feats, t.features),
      target: Float32Array.from(this.target), lines: Int32Array.from(t.lines),
    };
  }
}

/** Names in order of first appearance, each with its column. */
class Names {
  readonly list: string[] = [];
  private readonly cols = new Map<string, number>();
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
}

/** What pairs and items share: ids, groups, lines, features, the model names. */
class Rows {
  readonly ids: string[] = [];
  readonly groups: (string | undefined)[] = [];
  readonly lines: number[] = [];
  readonly feats: Record<string, number>[] = [];
  readonly models: Names;
  readonly features: Names;
  private readonly firstLine = new Map<string, number>();

  constructor(readonly origin: Origin, models: readonly string[], features: readonly string[]) {
    this.models = new Names(models);
    this.features = new Names(features);
  }

  add(r: { id: string; group?: string; features?: Record<string, number> }, maps: Record<string, number | null>[], line: number, what: string): void {
    const first = this.firstLine.get(r.id);
    if (first !== undefined) {
      fail(this.origin, line, 'id', `duplicate id ${show(r.id)} (first ${this.origin.unit === 'line' ? 'on line' : 'in record'} ${first})`);
    }
    let scored = false;
    for (const m of maps) {
      for (const [name, v] of Object.entries(m)) {
        this.models.col(name);
        if (v !== null) scored = true;
      }
    }
    if (!scored) fail(this.origin, line, '', `no model scored this ${what}`);
    const feats = r.features ?? {};
    for (const name of Object.keys(feats)) this.features.col(name);
    this.firstLine.set(r.id, line);
    this.ids.push(r.id);
    this.groups.push(r.group);
    this.feats.push(feats);
    this.lines.push(line);
  }

  nonEmpty(what: string): void {
    if (this.ids.length === 0) fail(this.origin, 0, '', `no ${what} found`);
  }

  /** (n, names) from one map per row; NaN where a name is absent or null. */
  matrix(maps: Record<string, number | null>[], names: Names): Float32Array {
    const K = names.list.length;
    const out = new Float32Array(maps.length * K).fill(NaN);
    maps.forEach((m, i) => {
      for (const [name, v] of Object.entries(m)) if (v !== null) out[i * K + names.col(name)] = v;
    });
    return out;
  }
}
