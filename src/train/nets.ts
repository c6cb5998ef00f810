// Training a FusionModel of one given architecture: fit the normalisation on
// the training rows, then each net of the ensemble with fitNet.
import type { DataSet, ItemSet, PairSet } from '../data/types.js';
import { ACTIVATIONS } from '../engine/kinds.js';
import { ARCHS, ARCH_NAMES, isArch, type Arch, type ArchConfig } from '../models/archs.js';
import { FusionNet } from '../models/fusion.js';
import { FusionModel, MAX_ROWS, type Calibration } from '../models/model.js';
import { fitNormaliser, type Normaliser } from '../models/normalise.js';
import { fitNet, type FitRows } from './fit.js';
import { ENSEMBLE, recordOptions, type NetOptions } from './options.js';

export type { NetOptions } from './options.js';

/** @internal what the library adds to a net's options */
export interface NetStart {
  /** gated: start every net's gate at this weighting of the models (see FusionNet.setGatePrior) */
  gatePrior?: { logits: Float32Array; logScale: number };
  /** the models' normalisation, when the caller has fitted it on the same rows already */
  norm?: Normaliser;
}

/** Train `ensemble` nets of one architecture on `data`; `calibration` (default the identity) maps their mean to the reward. */
export function trainNets(data: DataSet, type: Arch, opts: NetOptions & NetStart = {}, calibration?: Calibration): FusionModel {
  if (!isArch(type)) throw new Error(`rewardfuse: unknown arch '${type}' (use ${ARCH_NAMES.join(', ')})`);
  const spec = ARCHS[type];
  const activation = opts.activation ?? spec.activation;
  if (!ACTIVATIONS.includes(activation)) throw new Error(`rewardfuse: unknown activation '${activation}'`);
  const hidden = spec.hidden.length ? opts.hidden ?? [...spec.hidden] : [];
  const arch: ArchConfig = { type, hidden, activation, temperature: opts.temperature ?? 1 };
  const ensemble = opts.ensemble ?? ENSEMBLE;
  if (!Number.isInteger(ensemble) || ensemble < 1 || ensemble > 64) throw new Error(`rewardfuse: ensemble must be an integer from 1 to 64, got ${ensemble}`);
  const useFeatures = opts.useFeatures ?? true;
  const K = data.models.length, n = data.ids.length;
  if (!n) throw new Error(`rewardfuse: ${data.source}: no rows to train on`);
  const raw = data.kind === 'pairs' ? [data.a, data.b] : [data.scores];
  const model = new FusionModel({
    models: data.models,
    features: useFeatures ? data.features : [],
    scorer: { kind: 'nets', arch, ensemble },
    norm: opts.norm ?? fitNormaliser(K, ...raw),
    featNorm: fitNormaliser(useFeatures ? data.features.length : 0, useFeatures ? data.feats : new Float32Array(0)),
    seed: opts.seed ?? 0,
    lambda: opts.lambda ?? 1,
    calibration,
  });
  if (opts.gatePrior && type !== 'gated') throw new Error('rewardfuse: gatePrior is for the gated architecture');
  const rows = fitRows(data, useFeatures, opts.validation);
  // each net trains on an arena of its own, which holds the rows and is dropped
  // after; the model's net (same seed, so the same start) takes its weights
  const fits = model.nets.map((net, m) => {
    const trainer = new FusionNet(arch, model.norm, model.featNorm, MAX_ROWS, model.seed + m);
    if (opts.gatePrior) trainer.setGatePrior(opts.gatePrior.logits, opts.gatePrior.logScale);
    const fit = fitNet(trainer, rows, opts);
    net.graph.setParameters(trainer.graph.getParameters());
    return fit;
  });
  model.train = {
    options: recordOptions(opts, { arch: type, hidden, activation, ensemble }),
    rows: n,
    source: data.source,
    fit: fits.map((f) => ({
      bestEpoch: f.bestEpoch,
      bestValLoss: f.bestValLoss,
      epochs: f.history.length,
      steps: f.steps,
      ended: f.ended,
      trainLoss: f.history.map((h) => h.trainLoss),
      valLoss: f.history.map((h) => h.valLoss),
    })),
  };
  return model;
}

// the rows fitNet trains on: the data, then any validation rows after it
function fitRows(data: DataSet, useFeatures: boolean, validation?: DataSet): FitRows {
  if (validation && (validation.kind !== data.kind || validation.models.join() !== data.models.join() || validation.features.join() !== data.features.join())) {
    throw new Error('rewardfuse: validation rows must be of the same kind, models and features as the training rows');
  }
  const both = (x: Float32Array, y?: Float32Array) => {
    if (!y) return x;
    const out = new Float32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const v = validation;
  const feats = useFeatures ? both(data.feats, v?.feats) : new Float32Array(0);
  const n = data.ids.length + (v?.ids.length ?? 0);
  const heldOut = v?.ids.length ?? 0;
  if (data.kind === 'pairs') {
    const pv = v as PairSet | undefined;
    return { kind: 'pairs', n, a: both(data.a, pv?.a), b: both(data.b, pv?.b), featsA: feats, featsB: feats, target: both(data.label, pv?.label), heldOut };
  }
  const iv = v as ItemSet | undefined;
  return { kind: 'items', n, a: both(data.scores, iv?.scores), featsA: feats, target: both(data.target, iv?.target), heldOut };
}
