// rewardfuse: learn to fuse the scores of several reward models into one reward.
// The main entry: read data, train, save and load, score, serve, export. The rest
// sits on declared subpaths (package.json "exports"):
//   rewardfuse/data    the readers one by one, records, subsets
//   rewardfuse/sim     the simulated ensemble (its judges and domains too)
//   rewardfuse/eval    metrics, reports, the baseline rules, fitted and scored
//   rewardfuse/shift   the shift check's rule and a rolling window of it
//   rewardfuse/engine  the numerical engine: kernels, arena, graph, ops, Mlp
//   rewardfuse/teach   the internals the teaching page shows (no stability promised)

export { init } from './init.js';

// data
export { parseData, DataError, type DataSet, type PairSet, type ItemSet, type PairRecord, type ItemRecord } from './data/index.js';
export { simulateEnsemble, simPairs, simItems, type Simulation, type SimOptions } from './data/simulate.js';

// train
export { trainFusion, type FusionOptions } from './train/train.js';
export type { TrainOptions, NetOptions, EpochReport } from './train/options.js';
export type { LibraryOptions, Candidate } from './train/library.js';
export type { Arch } from './models/archs.js';
export { crossValidate, type CvOptions, type PairCv, type ItemCv } from './train/cv.js';

// models: save, load, score, export
export type { FusionModel, Scores, PairScores, Combiner, BatchChoice, Calibration, TrainInfo, TrainedOptions, LibraryRecord } from './models/model.js';
export type { ShiftReport, JudgeShift } from './models/shift.js';
export { saveModel, loadModel, modelToJSON, modelFromJSON } from './models/file.js';
export { exportOnnx } from './onnx/export.js';

// serve
export { createHandler, type FuseHandler, type HandlerOptions, type UpstreamConfig } from './serve/handler.js';
