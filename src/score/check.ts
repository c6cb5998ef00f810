// Checks the CLI makes around scoring, each naming the data's file, line and
// field: every model in the data must be one the fusion model knows (or the
// user must say to ignore the others), every score must stay a float32 once
// the model normalises it, and every number scored must be finite.
import { DataError } from '../data/errors.js';
import type { DataSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';

/** Each block of scores with the field prefix a user wrote for it. */
function blocks(data: DataSet) {
  return data.kind === 'pairs' ? [['a', data.a], ['b', data.b]] as const : [['scores', data.scores]] as const;
}

/** Throws for the first score from a model the fusion model was not trained on, naming its line and field. */
export function checkKnownModels(model: FusionModel, data: DataSet): void {
  const K = data.models.length, n = data.ids.length;
  for (let j = 0; j < K; j++) {
    const name = data.models[j];
    if (model.models.includes(name)) continue;
    for (let i = 0; i < n; i++) {
      for (const [side, x] of blocks(data)) {
        if (x[i * K + j] === x[i * K + j]) {
          throw new DataError(data.source, data.lines[i], `${side}.${name}`, `unknown model "${name}": the fusion model was trained on ${model.models.join(', ')} (pass --ignore-unknown to score without it)`);
        }
      }
    }
  }
}

/**
 * Throws when the model cannot score the data: none of the data's models is
 * one it knows, its normalisation of a column is not finite (the model file's
 * fault), or a score or feature's z-score, z = (x − center)·scale in float32,
 * overflows (named where the user wrote it).
 */
export function checkScorable(model: FusionModel, data: DataSet, modelFile: string): void {
  const n = data.ids.length;
  if (!data.models.some((m) => model.models.includes(m))) {
    throw new DataError(data.source, 0, '', `none of its models (${data.models.join(', ')}) is one the fusion model was trained on (${model.models.join(', ')})`);
  }
  // a row none of whose scores is from a model the fusion model knows has no usable judge (with --ignore-unknown):
  // refused as the readers refuse a row no model scored, not given the reward of no evidence
  const K = data.models.length, known = data.models.flatMap((m, j) => (model.models.includes(m) ? [j] : []));
  const sides = blocks(data).map(([, x]) => x);
  for (let i = 0; i < n; i++) {
    let any = false;
    for (const x of sides) for (const j of known) if (x[i * K + j] === x[i * K + j]) { any = true; break; }
    if (!any) throw new DataError(data.source, data.lines[i], '', `no usable judge: no model the fusion model knows (${model.models.join(', ')}) scored this ${data.kind === 'pairs' ? 'pair' : 'item'}`);
  }
  const column = (names: string[], values: ArrayLike<number>, width: number, j: number, field: string, center: number, scale: number) => {
    if (!Number.isFinite(center) || !Number.isFinite(scale)) {
      throw new DataError(modelFile, 0, 'normalisation', `the center or scale of "${names[j]}" is not a finite float32 (${short(center)}, ${short(scale)})`);
    }
    for (let i = 0; i < n; i++) {
      const x = values[i * width + j];
      if (x !== x) continue;
      const z = Math.fround(Math.fround(x - center) * scale);
      if (!Number.isFinite(z)) {
        throw new DataError(data.source, data.lines[i], `${field}.${names[j]}`, `${short(x)} is too large for this model: normalised by its center ${short(center)} and scale ${short(scale)} it overflows float32`);
      }
    }
  };
  data.models.forEach((name, j) => {
    const k = model.models.indexOf(name);
    if (k < 0) return;
    for (const [side, x] of blocks(data)) column(data.models, x, data.models.length, j, side, model.norm.center[k], model.norm.scale[k]);
  });
  data.features.forEach((name, j) => {
    const k = model.features.indexOf(name);
    if (k >= 0) column(data.features, data.feats, data.features.length, j, 'features', model.featNorm.center[k], model.featNorm.scale[k]);
  });
}

/** Run `score`, turning the library's "row i: …" into the line the user wrote. */
export function atLines<T>(data: DataSet, score: () => T): T {
  try {
    return score();
  } catch (e) {
    const m = /^rewardfuse: row (\d+): (.*)$/s.exec((e as Error)?.message ?? '');
    const i = m ? Number(m[1]) : -1;
    if (m && i < data.ids.length) throw new DataError(data.source, data.lines[i], '', m[2]);
    throw e;
  }
}

/** Throws for the first item whose reward, uncertainty, conservative score or gate weight is not finite. */
export function checkFinite(data: Pick<DataSet, 'source' | 'lines'>, s: { reward: Float32Array; uncertainty: Float32Array; conservative: Float32Array; weights?: Float32Array }): void {
  const n = s.reward.length, W = s.weights ? s.weights.length / n : 0;
  for (let i = 0; i < n; i++) {
    let what = '';
    if (!Number.isFinite(s.reward[i])) what = 'fused reward';
    else if (!Number.isFinite(s.uncertainty[i])) what = 'uncertainty';
    else if (!Number.isFinite(s.conservative[i])) what = 'conservative score';
    else for (let k = 0; k < W; k++) if (!Number.isFinite(s.weights![i * W + k])) what = 'gate weight';
    if (what) throw new DataError(data.source, data.lines[i], '', `the ${what} is not a finite number (the model's parameters or these scores are too large)`);
  }
}

/** The shortest decimal that is the same float32 as x: 1e12, not 999999995904. */
function short(x: number): number {
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}
