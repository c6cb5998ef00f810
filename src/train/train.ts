// trainFusion: the one entry point that turns data into a FusionModel. With
// arch 'auto' (the default) the architecture is chosen by cross-validation
// on the training data (select.ts); otherwise the given one is trained.
import type { DataSet } from '../data/types.js';
import type { Arch } from '../models/archs.js';
import type { FusionModel } from '../models/model.js';
import { trainNets, type NetOptions } from './nets.js';
import { selectArch } from './select.js';

export interface FusionOptions extends NetOptions {
  /**
   * default 'auto': each architecture is cross-validated on the training data
   * (5 folds, one net each), and the one with the best held-out accuracy
   * (items: squared error) is trained on all of it
   */
  arch?: Arch | 'auto';
}

export function trainFusion(data: DataSet, opts: FusionOptions = {}): FusionModel {
  const arch = opts.arch ?? 'auto';
  if (arch !== 'auto') return trainNets(data, arch, opts);
  const pick = selectArch(data, opts);
  const model = trainNets(data, pick.arch, opts);
  model.train!.selection = pick;
  return model;
}
