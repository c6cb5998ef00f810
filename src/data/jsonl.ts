// JSON Lines, one record a line; blank lines are skipped.
//   pair  {"id": str, "group"?: str, "a": {rm: num|null}, "b": {rm: num|null}, "label": "a"|"b"|"tie", "features"?: {name: num}}
//   item  {"id": str, "group"?: str, "scores": {rm: num|null}, "target": num, "features"?: {name: num}}
// A null or absent score means the model gave none; unknown keys are ignored.
// Lines end in LF, CRLF or CR. "target" may be absent when the reader is told
// `targets: false` (items to score).
// The records API checks in-memory arrays of the same shape, counting records
// instead of lines.
import { f32, ItemBuilder, PairBuilder } from './build.js';
import { expected, fail, sourceArg, type Origin } from './errors.js';
import type { ItemRecord, ItemSet, PairRecord, PairSet, ReadOptions } from './types.js';
import { isObj } from './validate.js';

type Obj = Record<string, unknown>;

export function pairsFromRecords(records: readonly PairRecord[], source = '<memory>'): PairSet {
  const o: Origin = { file: sourceArg('pairsFromRecords', source), unit: 'record' };
  const out = new PairBuilder(o);
  for (const [i, r] of array(records, o).entries()) out.add(checkPair(r, o, i + 1), i + 1);
  return out.finish();
}

export function itemsFromRecords(records: readonly ItemRecord[], source = '<memory>', opts: ReadOptions = {}): ItemSet {
  const o: Origin = { file: sourceArg('itemsFromRecords', source), unit: 'record' };
  const out = new ItemBuilder(o);
  for (const [i, r] of array(records, o).entries()) out.add(checkItem(r, o, i + 1, opts?.targets !== false), i + 1);
  return out.finish();
}

/** Pairs or items, from the keys of the first record. */
export function sniffRecord(value: unknown, o: Origin, line: number): 'pairs' | 'items' {
  const r = object(value, o, line);
  if ('a' in r || 'b' in r || 'label' in r) return 'pairs';
  if ('scores' in r || 'target' in r) return 'items';
  return fail(o, line, '', 'cannot tell a pair from an item (no "a", "b", "label", "scores" or "target")');
}

/** One line's JSON value. */
export function parseLine(s: string, o: Origin, line: number): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    return fail(o, line, '', `not valid JSON (${(e as Error).message})`);
  }
}

export function checkPair(v: unknown, o: Origin, line: number): PairRecord {
  const r = object(v, o, line);
  if (!('a' in r || 'b' in r || 'label' in r) && ('scores' in r || 'target' in r)) {
    fail(o, line, '', `this ${o.unit} looks like a pointwise item (has ${'scores' in r ? '"scores"' : '"target"'}); expected a pair`);
  }
  const id = checkId(r, o, line);
  const group = checkGroup(r, o, line);
  const label = r.label;
  if (label !== 'a' && label !== 'b' && label !== 'tie') expected(o, line, 'label', '"a", "b" or "tie"', label);
  const a = scoreMap(r, 'a', o, line);
  const b = scoreMap(r, 'b', o, line);
  return { id, group, a, b, label, features: featureMap(r, o, line) };
}

export function checkItem(v: unknown, o: Origin, line: number, needTarget: boolean): ItemRecord {
  const r = object(v, o, line);
  if (!('scores' in r || 'target' in r) && ('a' in r || 'b' in r || 'label' in r)) {
    fail(o, line, '', `this ${o.unit} looks like a pair (has ${'label' in r ? '"label"' : '"a"'}); expected a pointwise item`);
  }
  const id = checkId(r, o, line);
  const group = checkGroup(r, o, line);
  const target = !needTarget && (r.target === undefined || r.target === null) ? undefined : f32(r.target, o, line, 'target', 'a finite number');
  const scores = scoreMap(r, 'scores', o, line);
  return { id, group, scores, target, features: featureMap(r, o, line) };
}

function array<T>(records: readonly T[], o: Origin): readonly T[] {
  if (!Array.isArray(records)) fail(o, 0, '', 'expected an array of records');
  return records;
}


function object(v: unknown, o: Origin, line: number): Obj {
  if (!isObj(v)) expected(o, line, '', o.unit === 'line' ? 'a JSON object' : 'an object', v);
  return v;
}

function checkId(r: Obj, o: Origin, line: number): string {
  if (typeof r.id !== 'string' || r.id === '') expected(o, line, 'id', 'a non-empty string', r.id);
  return r.id;
}

function checkGroup(r: Obj, o: Origin, line: number): string | undefined {
  if (r.group === undefined || r.group === null) return undefined;
  if (typeof r.group !== 'string') expected(o, line, 'group', 'a string', r.group);
  return r.group;
}

function scoreMap(r: Obj, key: string, o: Origin, line: number): Record<string, number | null> {
  const m = r[key];
  if (!isObj(m)) expected(o, line, key, 'an object of model scores', m);
  for (const [name, v] of Object.entries(m)) {
    if (name === '') fail(o, line, key, 'empty model name');
    if (v !== null) f32(v, o, line, `${key}.${name}`, 'a number or null');
  }
  return m as Record<string, number | null>;
}

function featureMap(r: Obj, o: Origin, line: number): Record<string, number> | undefined {
  const m = r.features;
  if (m === undefined || m === null) return undefined;
  if (!isObj(m)) expected(o, line, 'features', 'an object of feature values', m);
  for (const [name, v] of Object.entries(m)) f32(v, o, line, `features.${name}`, 'a finite number');
  return m as Record<string, number>;
}

