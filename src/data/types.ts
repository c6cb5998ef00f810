// The in-memory shapes. Matrices are row-major Float32Arrays: row i of a
// (n, K) matrix holds the K models' scores for row i, in `models` order.

import { checkArg, numbers } from './validate.js';

export interface PairSet {
  kind: 'pairs';
  /** file name or '<memory>' */
  source: string;
  /** RM names, in order of first appearance across the file */
  models: string[];
  /** feature names, in order of first appearance */
  features: string[];
  ids: string[];
  groups: (string | undefined)[];
  /** (n, K) scores of side a, NaN where the model gave no score */
  a: Float32Array;
  /** (n, K) scores of side b */
  b: Float32Array;
  /** (n, F) pair-level context features, NaN where absent */
  feats: Float32Array;
  /** (n): 1 = a preferred, 0 = b, 0.5 = tie */
  label: Float32Array;
  /** (n): 1-based source line (or record) of each pair */
  lines: Int32Array;
}

export interface ItemSet {
  kind: 'items';
  source: string;
  models: string[];
  features: string[];
  ids: string[];
  groups: (string | undefined)[];
  /** (n, K), NaN = missing */
  scores: Float32Array;
  /** (n, F) */
  feats: Float32Array;
  /** (n); NaN where absent, which only a reader told `targets: false` (for scoring) allows */
  target: Float32Array;
  lines: Int32Array;
}

export type DataSet = PairSet | ItemSet;

/** How readers treat items' targets. */
export interface ReadOptions {
  /** items: require a finite "target" on every item (default true); false leaves NaN where it is absent, for scoring */
  targets?: boolean;
  /** refuse an id seen before (default true); scoring, which writes one line an item in order, takes them as they come */
  uniqueIds?: boolean;
}

export interface PairRecord {
  id: string;
  group?: string;
  a: Record<string, number | null>;
  b: Record<string, number | null>;
  label: 'a' | 'b' | 'tie';
  features?: Record<string, number>;
}

export interface ItemRecord {
  id: string;
  group?: string;
  scores: Record<string, number | null>;
  /** needed to train or evaluate; scoring needs none */
  target?: number;
  features?: Record<string, number>;
}

/** The pairs at `indices` (repeats allowed), copied, with the same models and features. */
export function subsetPairs(set: PairSet, indices: ArrayLike<number>): PairSet {
  const m = checkIndices('subsetPairs', set, 'pairs', indices);
  const K = set.models.length;
  return {
    kind: 'pairs',
    source: set.source,
    models: set.models.slice(),
    features: set.features.slice(),
    ids: pick(set.ids, indices),
    groups: pick(set.groups, indices),
    a: copyRows(set.a, K, indices, new Float32Array(m * K)),
    b: copyRows(set.b, K, indices, new Float32Array(m * K)),
    feats: copyRows(set.feats, set.features.length, indices, new Float32Array(m * set.features.length)),
    label: copyRows(set.label, 1, indices, new Float32Array(m)),
    lines: copyRows(set.lines, 1, indices, new Int32Array(m)),
  };
}

/** The items at `indices`, copied, with the same models and features. */
export function subsetItems(set: ItemSet, indices: ArrayLike<number>): ItemSet {
  const m = checkIndices('subsetItems', set, 'items', indices);
  const K = set.models.length;
  return {
    kind: 'items',
    source: set.source,
    models: set.models.slice(),
    features: set.features.slice(),
    ids: pick(set.ids, indices),
    groups: pick(set.groups, indices),
    scores: copyRows(set.scores, K, indices, new Float32Array(m * K)),
    feats: copyRows(set.feats, set.features.length, indices, new Float32Array(m * set.features.length)),
    target: copyRows(set.target, 1, indices, new Float32Array(m)),
    lines: copyRows(set.lines, 1, indices, new Int32Array(m)),
  };
}

// a set of the kind named (its rows counted by its ids), and indices of its rows
function checkIndices(where: string, set: DataSet, kind: 'pairs' | 'items', indices: ArrayLike<number>): number {
  checkArg(where, `the ${kind}`, set, (v) => (typeof v === 'object' && v !== null && (v as DataSet).kind === kind && Array.isArray((v as DataSet).ids) ? null : `a set of ${kind} (from parseData or ${kind}FromRecords)`));
  checkArg(where, 'indices', indices, numbers('an array or typed array of row indices'));
  const n = set.ids.length;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`subset: index ${j} is outside 0..${n - 1}`);
  }
  return indices.length;
}

function pick<T>(xs: readonly T[], indices: ArrayLike<number>): T[] {
  return Array.from(indices, (j) => xs[j]);
}

function copyRows<T extends { [i: number]: number }>(src: ArrayLike<number>, width: number, indices: ArrayLike<number>, out: T): T {
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] * width;
    for (let k = 0; k < width; k++) out[i * width + k] = src[from + k];
  }
  return out;
}
