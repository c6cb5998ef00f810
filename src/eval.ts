// rewardfuse/eval: the metrics and reports, the baseline rules (fitted on
// training data and scored as eval compares them), and crossValidate.
export { pairReport, itemReport, type PairReport, type ItemReport } from './eval/report.js';
export { pairwiseAccuracy, bootstrapCI, logLoss, ece, reliability, pearson, spearman, kendall, bestOfNGold } from './eval/metrics.js';
export { BASELINES, ITEM_BASELINES, scoreBaselines, baselineItemScores, type BaselineName, type ItemBaseline, type FittedBaselines, type BaselineOutput } from './models/rules.js';
export { fitBaselines, fitItemBaselines } from './train/fit-rules.js';
export { crossValidate, type CvOptions, type PairCv, type ItemCv } from './train/cv.js';
