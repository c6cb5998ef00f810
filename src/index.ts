// rewardfuse: learn to fuse the scores of several reward models into one reward.

// engine
export { init } from './engine/wasm.js';
export { Mlp, type MlpOptions } from './models/mlp.js';
export type { ActivationKind, LossKind } from './engine/ops.js';
export type { AdamWOptions } from './engine/graph.js';

// data
export {
  parseData, parsePairsJsonl, parseItemsJsonl, parsePairsCsv, parseItemsCsv,
  pairsFromRecords, itemsFromRecords, subsetPairs, subsetItems, DataError,
  type DataSet, type PairSet, type ItemSet, type PairRecord, type ItemRecord,
} from './data/index.js';
export { simulateEnsemble, simPairs, simItems, type Simulation, type SimOptions } from './data/simulate.js';

// fusion models
export { FusionModel, type FusionOptions, type Scores, type PairScores } from './models/model.js';
export type { Arch } from './models/fusion.js';
export type { TrainOptions, EpochReport } from './train/fit.js';
export { saveModel, loadModel, modelToJSON, modelFromJSON, MODEL_FORMAT, MODEL_VERSION, type ModelFile } from './models/file.js';

// evaluation
export { crossValidate, assignFolds, type CvOptions, type PairCv, type ItemCv } from './train/cv.js';
export { BASELINES, ITEM_BASELINES, fitBaselines, scoreBaselines, fitItemBaselines, baselineItemScores, type BaselineName, type ItemBaseline } from './eval/baselines.js';
export { pairReport, itemReport, type PairReport, type ItemReport } from './eval/report.js';
export { pairwiseAccuracy, bootstrapCI, logLoss, ece, reliability, pearson, spearman, kendall } from './eval/metrics.js';
