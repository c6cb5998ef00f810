// trainFusion: the one entry point that turns data into a FusionModel, with
// everything its file holds.
//   'library' (the default)  the whole library — fixed rules, BMA, tempered BMA,
//                            stacking, the fusion nets — cross-validated by group
//                            and with judges hidden; see library.ts
//   'auto'                   the architecture of the nets chosen by random 5-fold CV (select.ts)
//   an architecture          that one's nets
// Pairs also record the baselines eval compares with (fitted on the same pairs)
// and the model's accuracy and log loss on its own training pairs.
import type { DataSet } from '../data/types.js';
import { logLoss, pairwiseAccuracy, sigmoid } from '../eval/metrics.js';
import type { Arch } from '../models/archs.js';
import { baselinesToJSON } from '../models/file.js';
import type { FusionModel } from '../models/model.js';
import { fitBaselines } from './fit-rules.js';
import { trainLibrary, type LibraryOptions } from './library.js';
import { trainNets } from './nets.js';
import { selectArch } from './select.js';
import { checkFusionOptions } from './validate.js';
import { checkSet } from '../data/check.js';

export interface FusionOptions extends LibraryOptions {
  /**
   * default 'library': every fixed rule, BMA, tempered BMA, stacking and the
   * fusion nets, estimated by grouped cross-validation with and without judges
   * hidden; tempered BMA unless another is clearly better. 'auto': the
   * architecture whose one net has the best random 5-fold CV accuracy.
   */
  arch?: Arch | 'auto' | 'library';
}

export function trainFusion(data: DataSet, opts: FusionOptions = {}): FusionModel {
  checkFusionOptions('trainFusion', opts);
  checkSet(data, { unitTargets: opts.loss === 'bce' });
  const model = fitFusion(data, opts);
  if (data.kind === 'pairs') {
    const train = model.train!;
    // the baselines eval compares with, fitted on the same data (the library has them already)
    train.baselines ??= baselinesToJSON(model.scorer.kind === 'rule' ? model.scorer.baselines : fitBaselines(data, { seed: model.seed }));
    const margin = model.scorePairs(data).margin;
    // accuracy is undefined when every label is a tie
    if (data.label.some((t) => t !== 0.5)) train.metrics = { trainAccuracy: pairwiseAccuracy(margin, data.label), trainLogLoss: logLoss(Float64Array.from(margin, sigmoid), data.label) };
  }
  return model;
}

/** @internal The model alone, on checked data and options: what crossValidate fits on each fold. */
export function fitFusion(data: DataSet, opts: FusionOptions): FusionModel {
  const arch = opts.arch ?? 'library';
  if (arch === 'library') return trainLibrary(data, opts);
  if (arch !== 'auto') return trainNets(data, arch, opts);
  const pick = selectArch(data, opts);
  const model = trainNets(data, pick.arch, opts);
  model.train!.selection = pick;
  return model;
}
