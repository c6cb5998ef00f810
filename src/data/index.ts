// The data layer: pairs and pointwise items from JSONL, CSV or in-memory records.
import { parseItemsCsv, parsePairsCsv, sniffCsv } from './csv.js';
import { parseItemsJsonl, parsePairsJsonl, sniffJsonl } from './jsonl.js';
import { origin, show } from './errors.js';
import type { DataSet, ReadOptions } from './types.js';

export type { DataSet, ItemRecord, ItemSet, PairRecord, PairSet, ReadOptions } from './types.js';
export { checkSet } from './check.js';
export { subsetItems, subsetPairs } from './types.js';
export { DataError } from './errors.js';
export { itemsFromRecords, pairsFromRecords, parseItemsJsonl, parsePairsJsonl } from './jsonl.js';
export { parseItemsCsv, parsePairsCsv } from './csv.js';

/**
 * JSONL or CSV by the source's extension (.jsonl, .ndjson, .json or .csv), else
 * JSONL when the first non-blank character is `{`; pairs or items by `kind`,
 * else by the first record (JSONL) or the header (CSV). `opts.targets: false`
 * lets items go without a target (NaN), for scoring.
 */
export function parseData(text: string, source = '<memory>', kind?: 'pairs' | 'items', opts: ReadOptions = {}): DataSet {
  origin('parseData', text, source);
  if (kind !== undefined && kind !== 'pairs' && kind !== 'items') throw new TypeError(`rewardfuse: parseData: kind must be "pairs", "items" or undefined, got ${show(kind)}`);
  const ext = /\.([^./\\]+)$/.exec(source)?.[1].toLowerCase();
  const jsonl = ext === 'jsonl' || ext === 'ndjson' || ext === 'json' || (ext !== 'csv' && text.trimStart().startsWith('{'));
  const k = kind ?? (jsonl ? sniffJsonl(text, source) : sniffCsv(text, source));
  if (jsonl) return k === 'pairs' ? parsePairsJsonl(text, source) : parseItemsJsonl(text, source, opts);
  return k === 'pairs' ? parsePairsCsv(text, source) : parseItemsCsv(text, source, opts);
}
