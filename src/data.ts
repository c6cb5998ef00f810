// rewardfuse/data: the readers one by one (parseData, on the main entry, picks
// among them), data from records, and subsets of rows.
export {
  parseData, parsePairsJsonl, parseItemsJsonl, parsePairsCsv, parseItemsCsv,
  pairsFromRecords, itemsFromRecords, subsetPairs, subsetItems, DataError,
  type DataSet, type PairSet, type ItemSet, type PairRecord, type ItemRecord, type ReadOptions,
} from './data/index.js';
