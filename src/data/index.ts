// The data layer: pairs and pointwise items from JSONL, CSV or in-memory records.
import { origin, show } from './errors.js';
import { readWhole } from './stream.js';
import type { DataSet, ReadOptions } from './types.js';

export type { DataSet, ItemRecord, ItemSet, PairRecord, PairSet, ReadOptions } from './types.js';
export { checkSet } from './check.js';
export { subsetItems, subsetPairs } from './types.js';
export { DataError } from './errors.js';
export { itemsFromRecords, pairsFromRecords } from './jsonl.js';
export { DataReader, parseItemsCsv, parseItemsJsonl, parsePairsCsv, parsePairsJsonl } from './stream.js';

/**
 * JSONL or CSV by the source's extension (.jsonl, .ndjson, .json or .csv), else
 * JSONL when the first non-blank character is `{`; pairs or items by `kind`,
 * else by the first record (JSONL) or the header (CSV). `opts.targets: false`
 * lets items go without a target (NaN), for scoring.
 */
export function parseData(text: string, source = '<memory>', kind?: 'pairs' | 'items', opts: ReadOptions = {}): DataSet {
  const o = origin('parseData', text, source);
  if (kind !== undefined && kind !== 'pairs' && kind !== 'items') throw new TypeError(`rewardfuse: parseData: kind must be "pairs", "items" or undefined, got ${show(kind)}`);
  return readWhole(o, text, kind, opts);
}
