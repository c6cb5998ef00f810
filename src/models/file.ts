// The model file: one self-describing, versioned JSON object.
//   { "format": "rewardfuse-model", "version": 1,
//     "arch": { "type", "hidden", "activation", "temperature" },
//     "models": [names], "features": [names],
//     "normalisation": { "center": [K], "scale": [K], "featureCenter": [F], "featureScale": [F] },
//     "ensemble": M, "seed": s, "lambda": λ,
//     "weights": "<base64: M parameter blocks, little-endian f32>",
//     "train": { options, rows, source, fit, metrics } }
// Loading checks the format, the version, every field's type, the weight count
// against the architecture, and that every number is finite.
import { DataError } from '../data/errors.js';
import { fromBase64, toBase64 } from '../engine/base64.js';
import { ACTIVATIONS, type ActivationKind } from '../engine/kinds.js';
import { ARCH_NAMES, isArch, type Arch } from './archs.js';
import { FusionModel, type TrainInfo } from './model.js';

export const MODEL_FORMAT = 'rewardfuse-model';
export const MODEL_VERSION = 1;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  arch: { type: Arch; hidden: number[]; activation: ActivationKind; temperature: number };
  models: string[];
  features: string[];
  normalisation: { center: number[]; scale: number[]; featureCenter: number[]; featureScale: number[] };
  ensemble: number;
  seed: number;
  lambda: number;
  weights: string;
  train: TrainInfo | null;
}

export function modelToJSON(m: FusionModel): ModelFile {
  const blocks = m.nets.map((n) => n.graph.getParameters());
  const bytes = new Uint8Array(blocks.reduce((s, b) => s + 4 * b.length, 0));
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const b of blocks) for (const v of b) { view.setFloat32(o, v, true); o += 4; }
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    arch: { ...m.arch, hidden: [...m.arch.hidden] },
    models: [...m.models],
    features: [...m.features],
    normalisation: {
      center: Array.from(m.norm.center), scale: Array.from(m.norm.scale),
      featureCenter: Array.from(m.featNorm.center), featureScale: Array.from(m.featNorm.scale),
    },
    ensemble: m.nets.length,
    seed: m.seed,
    lambda: m.lambda,
    weights: toBase64(bytes),
    train: m.train,
  };
}

export function saveModel(m: FusionModel): string {
  return JSON.stringify(modelToJSON(m), null, 1) + '\n';
}

/** Parse and check a model file's text. `source` names the file in errors. */
export function loadModel(text: string, source = '<memory>'): FusionModel {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new DataError(source, 0, '', `not a rewardfuse model file: not valid JSON (${(e as Error).message})`);
  }
  return modelFromJSON(obj, source);
}

export function modelFromJSON(obj: unknown, source = '<memory>'): FusionModel {
  const bad = (field: string, why: string): never => {
    throw new DataError(source, 0, field, why);
  };
  if (!isObject(obj)) return bad('', 'not a rewardfuse model file: expected a JSON object');
  if (obj.format !== MODEL_FORMAT) bad('format', `not a rewardfuse model file: expected "${MODEL_FORMAT}", got ${JSON.stringify(obj.format)}`);
  if (obj.version !== MODEL_VERSION) bad('version', `this rewardfuse reads version ${MODEL_VERSION}, the file is version ${JSON.stringify(obj.version)}`);
  const arch = isObject(obj.arch) ? obj.arch : bad('arch', 'expected an object');
  const type = isArch(arch.type) ? arch.type : bad('arch.type', `expected one of ${ARCH_NAMES.join(', ')}, got ${JSON.stringify(arch.type)}`);
  const hidden = Array.isArray(arch.hidden) && arch.hidden.every((h) => Number.isInteger(h) && h > 0 && h <= 4096) ? (arch.hidden as number[]) : bad('arch.hidden', 'expected an array of positive integers');
  const activation = ACTIVATIONS.includes(arch.activation as ActivationKind) ? (arch.activation as ActivationKind) : bad('arch.activation', `expected one of ${ACTIVATIONS.join(', ')}`);
  const temperature = typeof arch.temperature === 'number' && arch.temperature > 0 && Number.isFinite(arch.temperature) ? arch.temperature : bad('arch.temperature', 'expected a positive number');
  const names = (v: unknown, field: string): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return bad(field, 'expected an array of strings');
    if (new Set(v).size !== v.length) bad(field, 'names must be unique');
    return v as string[];
  };
  const models = names(obj.models, 'models');
  if (!models.length) bad('models', 'expected at least one model');
  const features = names(obj.features ?? [], 'features');
  const norm = isObject(obj.normalisation) ? obj.normalisation : bad('normalisation', 'expected an object');
  const vec = (field: string, n: number, positive: boolean) => {
    const v = norm[field];
    if (!Array.isArray(v) || v.length !== n) return bad(`normalisation.${field}`, `expected ${n} numbers`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (positive && !(x > 0))) bad(`normalisation.${field}[${i}]`, `expected a ${positive ? 'positive' : 'finite'} number, got ${JSON.stringify(x)}`);
    });
    return Float32Array.from(v as number[]);
  };
  const K = models.length, F = features.length;
  const center = vec('center', K, false), scale = vec('scale', K, true);
  const featureCenter = vec('featureCenter', F, false), featureScale = vec('featureScale', F, true);
  const ensemble = Number.isInteger(obj.ensemble) && (obj.ensemble as number) >= 1 && (obj.ensemble as number) <= 64 ? (obj.ensemble as number) : bad('ensemble', 'expected an integer from 1 to 64');
  const seed = Number.isInteger(obj.seed) ? (obj.seed as number) : bad('seed', 'expected an integer');
  const lambda = typeof obj.lambda === 'number' && Number.isFinite(obj.lambda) ? obj.lambda : bad('lambda', 'expected a finite number');
  if (typeof obj.weights !== 'string') bad('weights', 'expected a base64 string');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(obj.weights as string);
  } catch {
    return bad('weights', 'not valid base64');
  }
  const model = new FusionModel({
    models, features, arch: { type, hidden, activation, temperature }, norm: { center, scale }, featNorm: { center: featureCenter, scale: featureScale },
    seed, ensemble, lambda, train: (obj.train as TrainInfo) ?? null,
  });
  const per = model.nets[0].graph.paramCount;
  if (bytes.length !== 4 * per * ensemble) bad('weights', `expected ${per * ensemble} f32 values for this architecture (${ensemble} × ${per}), got ${bytes.length / 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  model.nets.forEach((net, m) => {
    const p = new Float32Array(per);
    for (let i = 0; i < per; i++) {
      p[i] = view.getFloat32(4 * (m * per + i), true);
      if (!Number.isFinite(p[i])) bad('weights', `weight ${m * per + i} is ${p[i]}, not a finite number`);
    }
    net.graph.setParameters(p);
  });
  return model;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
