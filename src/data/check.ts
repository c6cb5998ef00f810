// The check of a PairSet or ItemSet that may have been built by hand rather
// than by a reader: for the entry points that take sets (training, scoring,
// baselines), so that a wrong type, a short array or a label of 2 is an error
// naming the field, not a read past an array's end or a model trained on garbage.
//   <memory>: field "a": expected a Float32Array of 12 values (3 pairs × 4 models), got 8
//   <memory>: record 2: field "label": expected a number in [0, 1] (1 = a preferred, 0 = b, 0.5 = tie), got 2
import { MAX_MAGNITUDE } from './build.js';
import { DataError, show } from './errors.js';
import type { DataSet } from './types.js';

export interface SetChecks {
  /** items: every target must be a finite number (to train or evaluate); default true */
  targets?: boolean;
  /** items: every target must lie in [0, 1] (a BCE loss) */
  unitTargets?: boolean;
}

type Obj = Record<string, unknown>;

/** `set` itself, once every field has the type, length and range the readers would give it. */
export function checkSet(set: unknown, opts: SetChecks = {}): DataSet {
  if (typeof set !== 'object' || set === null || Array.isArray(set)) {
    throw new DataError('<memory>', 0, '', `expected a PairSet or ItemSet (from parseData, pairsFromRecords or itemsFromRecords), got ${show(set)}`);
  }
  const s = set as Obj;
  const src = typeof s.source === 'string' ? s.source : '<memory>';
  const whole = (field: string, reason: string): never => { throw new DataError(src, 0, field, reason); };
  const at = (i: number, field: string, reason: string): never => { throw new DataError(src, i + 1, field, reason, 'record'); };
  if (s.kind !== 'pairs' && s.kind !== 'items') whole('kind', `expected "pairs" or "items", got ${show(s.kind)}`);
  const pairs = s.kind === 'pairs';
  const names = (field: string, min: number): string[] => {
    const v = s[field];
    if (!Array.isArray(v) || v.length < min || v.some((x) => typeof x !== 'string' || x === '')) {
      whole(field, `expected an array of ${min ? 'one or more ' : ''}non-empty strings, got ${Array.isArray(v) ? `[${v.map(show).join(', ')}]` : show(v)}`);
    }
    const seen = new Set<string>();
    for (const x of v as string[]) {
      if (seen.has(x)) whole(field, `${show(x)} appears twice`);
      seen.add(x);
    }
    return v as string[];
  };
  const models = names('models', 1), features = names('features', 0);
  const ids = s.ids;
  if (!Array.isArray(ids) || ids.length === 0) whole('ids', `expected a non-empty array of strings, got ${show(ids)}`);
  const n = (ids as unknown[]).length;
  (ids as unknown[]).forEach((id, i) => { if (typeof id !== 'string') at(i, 'id', `expected a string, got ${show(id)}`); });
  const groups = s.groups;
  if (!Array.isArray(groups) || groups.length !== n) whole('groups', `expected an array of ${n} strings or undefined (one a row), got ${Array.isArray(groups) ? `${groups.length} values` : show(groups)}`);
  (groups as unknown[]).forEach((g, i) => { if (g !== undefined && g !== null && typeof g !== 'string') at(i, 'group', `expected a string or undefined, got ${show(g)}`); });
  const lines = s.lines;
  if (!(lines instanceof Int32Array) || lines.length !== n) whole('lines', `expected an Int32Array of ${n} line numbers, got ${describe(lines)}`);

  const matrix = (field: string, cols: string[], what: string): Float32Array => {
    const x = s[field];
    const want = n * cols.length;
    if (!(x instanceof Float32Array) || x.length !== want) {
      whole(field, `expected a Float32Array of ${want} values (${n} ${pairs ? 'pairs' : 'items'} × ${cols.length} ${what}), got ${describe(x)}`);
    }
    const m = x as Float32Array;
    for (let i = 0; i < m.length; i++) {
      const v = m[i];
      if (v === v && !(Math.abs(v) <= MAX_MAGNITUDE)) {
        const row = Math.floor(i / cols.length);
        at(row, `${field === 'feats' ? 'features' : field}.${cols[i % cols.length]}`, `${v} is not a finite number within ±1e15 (NaN means none)`);
      }
    }
    return m;
  };
  const blocks = pairs ? [matrix('a', models, 'models'), matrix('b', models, 'models')] : [matrix('scores', models, 'models')];
  matrix('feats', features, 'features');
  const K = models.length;
  for (let i = 0; i < n; i++) {
    if (!blocks.some((x) => x.subarray(i * K, i * K + K).some((v) => v === v))) at(i, '', `no model scored this ${pairs ? 'pair' : 'item'}`);
  }

  const column = (field: string): ArrayLike<number> => {
    const x = s[field];
    if (!(x instanceof Float32Array) || x.length !== n) whole(field, `expected a Float32Array of ${n} values (one a row), got ${describe(x)}`);
    return x as Float32Array;
  };
  if (pairs) {
    const label = column('label');
    for (let i = 0; i < n; i++) {
      if (!(label[i] >= 0 && label[i] <= 1)) at(i, 'label', `expected a number in [0, 1] (1 = a preferred, 0 = b, 0.5 = tie), got ${label[i]}`);
    }
  } else {
    const target = column('target');
    for (let i = 0; i < n; i++) {
      const t = target[i];
      if (t !== t && opts.targets === false) continue;
      if (!(Math.abs(t) <= MAX_MAGNITUDE)) at(i, 'target', t !== t ? 'missing (NaN): training and evaluation need a target on every item' : `${t} is not a finite number within ±1e15`);
      if (opts.unitTargets && !(t >= 0 && t <= 1)) at(i, 'target', `expected a number in [0, 1] for a BCE loss, got ${t}`);
    }
  }
  return set as DataSet;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${(v as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return show(v);
}
