// rewardfuse: learn to fuse the scores of several reward models into one reward.
// The engine (kernels, arena, graph, ops, Mlp) is the 'rewardfuse/engine' subpath.

export { init } from './init.js';

// data
export {
  parseData, parsePairsJsonl, parseItemsJsonl, parsePairsCsv, parseItemsCsv,
  pairsFromRecords, itemsFromRecords, subsetPairs, subsetItems, DataError,
  type DataSet, type PairSet, type ItemSet, type PairRecord, type ItemRecord,
} from './data/index.js';
export { simulateEnsemble, simPairs, simItems, type Simulation, type SimOptions } from './data/simulate.js';

// train
export { trainFusion, type FusionOptions } from './train/train.js';
export type { TrainOptions, EpochReport } from './train/options.js';
export type { Arch } from './models/archs.js';
export { crossValidate, type CvOptions, type PairCv, type ItemCv } from './train/cv.js';

// models: load, save, score
export type { FusionModel, Scores, PairScores, Combiner, BatchChoice } from './models/model.js';
export { SHIFT_RULE, type ShiftReport, type JudgeShift } from './models/shift.js';
export { ShiftWindow, type ShiftWindowOptions } from './models/shift-window.js';
export { saveModel, loadModel, modelToJSON, modelFromJSON } from './models/file.js';
export { exportOnnx } from './onnx/export.js';

// baselines
export { BASELINES, scoreBaselines, baselineItemScores, type BaselineName } from './models/rules.js';
export { fitBaselines, fitItemBaselines } from './train/fit-rules.js';

// evaluate
export { pairReport, itemReport, type PairReport, type ItemReport } from './eval/report.js';
export { pairwiseAccuracy, bootstrapCI, logLoss, ece, reliability, pearson, spearman, kendall } from './eval/metrics.js';
export { createHandler, type FuseHandler, type HandlerOptions, type UpstreamConfig } from './serve/handler.js';
