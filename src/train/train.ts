// trainFusion: the one entry point that turns data into a FusionModel.
//   'library' (the default)  the whole library — fixed rules, BMA, tempered BMA,
//                            stacking, the fusion nets — cross-validated by group
//                            and with judges hidden; see library.ts
//   'auto'                   the architecture of the nets chosen by random 5-fold CV (select.ts)
//   an architecture          that one's nets
import type { DataSet } from '../data/types.js';
import type { Arch } from '../models/archs.js';
import type { FusionModel } from '../models/model.js';
import { trainLibrary, type LibraryOptions } from './library.js';
import { trainNets } from './nets.js';
import { selectArch } from './select.js';
import { checkOptions } from './validate.js';
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
  checkOptions('trainFusion', opts);
  checkSet(data, { unitTargets: opts.loss === 'bce' });
  const arch = opts.arch ?? 'library';
  if (arch === 'library') return trainLibrary(data, opts);
  if (arch !== 'auto') return trainNets(data, arch, opts);
  const pick = selectArch(data, opts);
  const model = trainNets(data, pick.arch, opts);
  model.train!.selection = pick;
  return model;
}
