// The model file: one self-describing, versioned JSON object.
//   { "format": "rewardfuse-model", "version": 2,
//     "models": [names], "features": [names],
//     "normalisation": { "center": [K], "scale": [K], "featureCenter": [F], "featureScale": [F] },
//     "scorer": "nets" | a rule ("tbma", "stacking", "mean", …),
//     "calibration": { "scale", "offset" },          reward = offset + scale·raw
//     "seed": s, "lambda": λ,
//   nets:  "arch": { "type", "hidden", "activation", "temperature" }, "ensemble": M,
//          "weights": "<base64: M parameter blocks, little-endian f32>",
//   rule:  "rule": { the fitted baselines: center, scale, best, bma…, tbma…, tau, lambda, stacking },
//          (BMA's and tempered BMA's weights also as logs, …LogWeights, which never underflow: older files lack them)
//     "train": { options, rows, source, fit, metrics, library, baselines },
//   version 3 adds, for the default's models (shift.ts):
//     "shift": { median, spread, missing: [K], judges: [J ≤ 32], rows, sample: [rows·J] }
//     "anchor": a nested rule model file (tempered BMA): what scores a batch unlike training }
//   version 4 stores the rules' stacking net as its weights alone ("stacking": "<base64>",
//     a linear net on the rules' normalisation), where 2 and 3 nest a whole model file.
// A file is written at the lowest version that holds it (4 when it holds rules fitted
// now, 3 with a shift check, else 2); versions 1 (nets only, no calibration) to 3 still load.
// Loading checks the format, the version, every field's type and range, the
// sizes the file claims against sane limits and against the weights before
// anything is allocated, and then scores a probe of extreme inputs: a model
// whose rewards could overflow is refused with the field to blame.
import { DataError } from '../data/errors.js';
import { fromBase64, toBase64 } from '../engine/base64.js';
import { ACTIVATIONS, type ActivationKind } from '../engine/kinds.js';
import { ARCHS, ARCH_NAMES, isArch, type Arch, type ArchConfig } from './archs.js';
import { ITEM_BASELINES, BASELINES, type BaselineName, type ItemBaseline } from './rules.js';
import { FusionModel, type FittedRules, type Scorer, type TrainInfo } from './model.js';
import { checkArg, isObj } from '../data/validate.js';
import { shiftFromJSON, shiftToJSON } from './shift.js';

export const MODEL_FORMAT = 'rewardfuse-model';
export const MODEL_VERSION = 4;

/** Limits on what a file may claim, checked before allocating. */
export const MODEL_LIMITS = { models: 4096, features: 4096, width: 4096, depth: 16, ensemble: 64, parameters: 1 << 24 };

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  models: string[];
  features: string[];
  normalisation: { center: number[]; scale: number[]; featureCenter: number[]; featureScale: number[] };
  scorer: 'nets' | ItemBaseline;
  calibration: { scale: number; offset: number };
  seed: number;
  lambda: number;
  arch?: { type: Arch; hidden: number[]; activation: ActivationKind; temperature: number };
  ensemble?: number;
  weights?: string;
  rule?: Record<string, unknown>;
  train: TrainInfo | null;
  /** version 3: the training data's summary for the shift check */
  shift?: Record<string, unknown>;
  /** version 3: the rule that scores batches unlike the training data */
  anchor?: ModelFile;
}

/** The version saveModel writes for m: the oldest that holds what m holds (4: stacking stored as weights; 3: a shift reference or an anchor; else 2), so older readers read what they can. */
export function fileVersion(m: FusionModel): number {
  return m.scorer.kind === 'rule' || m.anchor || typeof m.train?.baselines?.stacking === 'string' ? MODEL_VERSION : m.shift ? 3 : 2;
}

export function modelToJSON(m: FusionModel): ModelFile {
  checkArg('modelToJSON', 'the model', m, isModel);
  const sc = m.scorer;
  const head: ModelFile = {
    format: MODEL_FORMAT,
    version: fileVersion(m),
    models: [...m.models],
    features: [...m.features],
    normalisation: {
      center: Array.from(m.norm.center), scale: Array.from(m.norm.scale),
      featureCenter: Array.from(m.featNorm.center), featureScale: Array.from(m.featNorm.scale),
    },
    scorer: sc.kind === 'nets' ? 'nets' : sc.rule,
    calibration: { ...m.calibration },
    seed: m.seed,
    lambda: m.lambda,
    train: m.train,
  };
  if (m.shift) head.shift = shiftToJSON(m.shift);
  if (m.anchor) head.anchor = modelToJSON(m.anchor);
  if (sc.kind === 'rule') return { ...head, rule: baselinesToJSON(sc.baselines), train: m.train };
  return { ...head, arch: { ...sc.arch, hidden: [...sc.arch.hidden] }, ensemble: sc.ensemble, weights: weightsOf(m), train: m.train };
}

// the nets' parameters, net after net, as little-endian f32 in base64
function weightsOf(m: FusionModel): string {
  const blocks = m.nets.map((n) => n.graph.getParameters());
  const bytes = new Uint8Array(blocks.reduce((s, b) => s + 4 * b.length, 0));
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const b of blocks) for (const v of b) { view.setFloat32(o, v, true); o += 4; }
  return toBase64(bytes);
}

export function saveModel(m: FusionModel): string {
  checkArg('saveModel', 'the model', m, isModel);
  return JSON.stringify(modelToJSON(m), null, 1) + '\n';
}

/** Parse and check a model file's text (a BOM is allowed). `source` names the file in errors. */
export function loadModel(text: string, source = '<memory>'): FusionModel {
  checkArg('loadModel', 'the text', text, (v) => (typeof v === 'string' ? null : 'a string (the model file\'s text)'));
  checkArg('loadModel', 'the source', source, (v) => (typeof v === 'string' ? null : 'a string (the file\'s name, for errors)'));
  let obj: unknown;
  try {
    obj = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // JSON.parse quotes the text it stopped at: a binary file's bytes (an .onnx) must not reach the terminal
    const why = (e as Error).message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
    throw new DataError(source, 0, '', `not a rewardfuse model file: not valid JSON (${why})`);
  }
  return modelFromJSON(obj, source);
}

/** The fitted baselines, for the model file: a rule model's state, and the baselines eval scores honestly. */
export function baselinesToJSON(f: FittedRules): Record<string, unknown> {
  return {
    center: Array.from(f.norm.center), scale: Array.from(f.norm.scale), best: f.best,
    bmaWeights: Array.from(f.bmaWeights), bmaLogWeights: Array.from(f.bmaLogWeights), bmaBeta: Array.from(f.bmaBeta),
    tbmaWeights: Array.from(f.tbmaWeights), tbmaLogWeights: Array.from(f.tbmaLogWeights), tbmaBeta: Array.from(f.tbmaBeta), tau: f.tau, lambda: f.lambda,
    stacking: weightsOf(f.stacking),
  };
}

/** Read what baselinesToJSON wrote, found at field path `at` in `source`; every number is checked. */
export function baselinesFromJSON(o: unknown, source: string, at = 'train.baselines'): FittedRules {
  const bad = (field: string, why = 'missing or malformed'): never => { throw new DataError(source, 0, `${at}${field ? `.${field}` : ''}`, why); };
  if (!isObj(o)) return bad('', 'expected an object');
  const center = numbers(o.center, Array.isArray(o.center) ? o.center.length : -1, isF32, 'a finite f32', (f, w) => bad(`center${f}`, w));
  const K = center.length;
  if (!K || K > MODEL_LIMITS.models) bad('center', `expected 1 to ${MODEL_LIMITS.models} numbers`);
  const vec = (field: string, ok: (x: number) => boolean, what: string) => Float64Array.from(numbers(o[field], K, ok, what, (f, w) => bad(`${field}${f}`, w)));
  const scale = vec('scale', (x) => isF32(x) && x > 0, 'a positive f32');
  const beta = (x: number) => Math.abs(x) <= 1e6;
  const tau = isObj(o.tau) ? o.tau : bad('tau');
  for (const b of BASELINES) if (typeof tau[b] !== 'number' || !(Math.abs(tau[b] as number) <= 1e6)) bad(`tau.${b}`, 'expected a number in [−1e6, 1e6]');
  if (!Number.isInteger(o.best) || (o.best as number) < 0 || (o.best as number) >= K) bad('best', `expected a model index from 0 to ${K - 1}`);
  if (typeof o.lambda !== 'number' || !(Math.abs(o.lambda) <= 1e6)) bad('lambda', 'expected a number in [−1e6, 1e6]');
  const [bmaWeights, bmaLogWeights] = ruleWeights(o, 'bmaWeights', 'bmaLogWeights', K, bad);
  const [tbmaWeights, tbmaLogWeights] = ruleWeights(o, 'tbmaWeights', 'tbmaLogWeights', K, bad);
  return {
    norm: { center: Float32Array.from(center), scale: Float32Array.from(scale) },
    best: o.best as number,
    bmaWeights, bmaLogWeights,
    bmaBeta: vec('bmaBeta', beta, 'a temperature in [−1e6, 1e6]'),
    tbmaWeights, tbmaLogWeights,
    tbmaBeta: vec('tbmaBeta', beta, 'a temperature in [−1e6, 1e6]'),
    tau: tau as Record<BaselineName, number>,
    lambda: o.lambda as number,
    // version 4: the weights of a linear net on these rules' normalisation; 2 and 3: a nested model file
    stacking: readModel(typeof o.stacking === 'string' ? stackingFile(o.stacking, center, scale) : o.stacking, source, `${at}.stacking`),
  };
}

// the stacking net of a version-4 file, as the model file it stands for: one linear
// net with no features, on the rules' normalisation (as fitBaselines trains it); the
// judges are named by position, the rules scoring it with its own columns
function stackingFile(weights: string, center: ArrayLike<number>, scale: ArrayLike<number>): ModelFile {
  const K = center.length;
  return {
    format: MODEL_FORMAT, version: 2, models: Array.from({ length: K }, (_, k) => `judge ${k + 1}`), features: [],
    normalisation: { center: Array.from(center), scale: Array.from(scale), featureCenter: [], featureScale: [] },
    scorer: 'nets', calibration: { scale: 1, offset: 0 }, seed: 0, lambda: 1,
    arch: { type: 'linear', hidden: [], activation: ARCHS.linear.activation, temperature: 1 }, ensemble: 1, weights, train: null,
  };
}

/**
 * A weighted rule's weights, checked for meaning as well as range: each in
 * [0, 1] and not all 0 (a rule that weighs no judge fuses nothing); the log
 * weights (files from before them: the logs of the weights, −∞ for a 0)
 * finite and in the same ratios as the weights, w_m/w_max = exp(ℓ_m − ℓ_max),
 * to 10⁻⁶, where w_m is a normal number, and below e^−690 where it underflowed.
 */
function ruleWeights(o: Record<string, unknown>, field: string, logField: string, K: number, bad: (field: string, why?: string) => never): [Float64Array, Float64Array] {
  const w = Float64Array.from(numbers(o[field], K, (x) => x >= 0 && x <= 1, 'a weight in [0, 1]', (f, why) => bad(`${field}${f}`, why)));
  let top = 0;
  for (const v of w) top = Math.max(top, v);
  if (!(top > 0)) bad(field, 'every weight is 0: the rule weighs no judge, so it cannot fuse their scores');
  if (o[logField] === undefined) return [w, w.map(Math.log)];
  // a weight of exactly 0 (an older file's) has log −∞, which JSON writes as null
  const logs = Array.isArray(o[logField]) ? (o[logField] as unknown[]).map((x) => (x === null ? -Infinity : x)) : o[logField];
  const lw = Float64Array.from(numbers(logs, K, (x) => Number.isFinite(x) || x === -Infinity, 'a finite number (or null for a weight of 0)', (f, why) => bad(`${logField}${f}`, why)));
  const lTop = Math.max(...lw);
  w.forEach((v, m) => {
    const d = lw[m] - lTop, r = Math.log(v / top);
    const ok = v / top >= 2 ** -1000 ? Number.isFinite(d) && Math.abs(r - d) <= 1e-6 * (1 + Math.abs(d)) : d < -690;
    if (!ok) bad(`${logField}[${m}]`, `${lw[m]} does not match ${field}[${m}] = ${v}: the weights must be in the ratios of exp(log weight)`);
  });
  return [w, lw];
}

export function modelFromJSON(obj: unknown, source = '<memory>'): FusionModel {
  return readModel(obj, source, '');
}

// `at`: where in the file this model sits ('' at the top; a rule's stacking net is nested)
function readModel(obj: unknown, source: string, at: string): FusionModel {
  const path = (field: string) => (at && field ? `${at}.${field}` : at || field);
  const bad = (field: string, why: string): never => {
    throw new DataError(source, 0, path(field), why);
  };
  if (!isObj(obj)) return bad('', 'not a rewardfuse model file: expected a JSON object');
  if (obj.format !== MODEL_FORMAT) bad('format', `not a rewardfuse model file: expected "${MODEL_FORMAT}", got ${JSON.stringify(obj.format)}`);
  const version = obj.version;
  if (version !== 1 && version !== 2 && version !== 3 && version !== MODEL_VERSION) bad('version', `this rewardfuse reads versions 1 to ${MODEL_VERSION}, the file is version ${JSON.stringify(version)}`);
  const names = (v: unknown, field: string, max: number): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return bad(field, 'expected an array of strings');
    if (new Set(v).size !== v.length) bad(field, 'names must be unique');
    if (v.length > max) bad(field, `at most ${max} names`);
    return v as string[];
  };
  const models = names(obj.models, 'models', MODEL_LIMITS.models);
  if (!models.length) bad('models', 'expected at least one model');
  const features = names(obj.features ?? [], 'features', MODEL_LIMITS.features);
  const norm = isObj(obj.normalisation) ? obj.normalisation : bad('normalisation', 'expected an object');
  const K = models.length, F = features.length;
  const vec = (field: string, n: number, positive: boolean) =>
    Float32Array.from(numbers(norm[field], n, (x) => isF32(x) && (!positive || x > 0), positive ? 'a positive f32' : 'a finite f32', (f, why) => bad(`normalisation.${field}${f}`, why)));
  const center = vec('center', K, false), scale = vec('scale', K, true);
  const featureCenter = vec('featureCenter', F, false), featureScale = vec('featureScale', F, true);
  if (!Number.isSafeInteger(obj.seed) || (obj.seed as number) < 0 || (obj.seed as number) > 0xffffffff - MODEL_LIMITS.ensemble) bad('seed', `expected an integer from 0 to ${0xffffffff - MODEL_LIMITS.ensemble}`);
  const seed = obj.seed as number;
  const lambda = typeof obj.lambda === 'number' && Math.abs(obj.lambda) <= 1e6 ? obj.lambda : bad('lambda', 'expected a number in [−1e6, 1e6]');
  let calibration = { scale: 1, offset: 0 };
  if (version !== 1) {
    const c = isObj(obj.calibration) ? obj.calibration : bad('calibration', 'expected an object');
    for (const k of ['scale', 'offset'] as const) if (typeof c[k] !== 'number' || !(Math.abs(c[k] as number) <= 1e6)) bad(`calibration.${k}`, 'expected a number in [−1e6, 1e6]');
    calibration = { scale: c.scale as number, offset: c.offset as number };
  }
  const kind = version === 1 ? 'nets' : obj.scorer;
  const train = isObj(obj.train) ? (obj.train as unknown as TrainInfo) : null;
  // a version-1 file's stored baselines predate tempered BMA: eval fits its own
  if (version === 1 && train) delete train.baselines;
  let scorer: Scorer;
  if (kind === 'nets') {
    scorer = { kind: 'nets', ...netsShape(obj, K, F, bad) };
  } else if (ITEM_BASELINES.includes(kind as ItemBaseline)) {
    const baselines = baselinesFromJSON(obj.rule, source, path('rule'));
    if (baselines.norm.center.length !== K) bad('rule.center', `expected ${K} numbers, one per model`);
    scorer = { kind: 'rule', rule: kind as ItemBaseline, baselines };
  } else {
    return bad('scorer', `expected "nets" or one of ${ITEM_BASELINES.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const { shift, anchor } = version === 3 || version === MODEL_VERSION ? gateFromJSON(obj, source, models, path, bad) : { shift: null, anchor: null };
  const model = new FusionModel({ models, features, scorer, norm: { center, scale }, featNorm: { center: featureCenter, scale: featureScale }, seed, lambda, calibration, train, shift, anchor });
  if (scorer.kind === 'nets') {
    const bytes = fromBase64(obj.weights as string);
    const per = model.nets[0].graph.paramCount;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let any = false;
    model.nets.forEach((net, m) => {
      const p = new Float32Array(per);
      for (let i = 0; i < per; i++) {
        p[i] = view.getFloat32(4 * (m * per + i), true);
        if (!Number.isFinite(p[i])) bad('weights', `weight ${m * per + i} is ${p[i]}, not a finite number`);
        any ||= p[i] !== 0;
      }
      net.graph.setParameters(p);
    });
    if (!any) bad('weights', 'every weight is 0: the nets would give every item the same reward');
  }
  probe(model, (why) => bad(scorer.kind === 'nets' ? 'weights' : 'rule', why));
  return model;
}

// version 3's shift reference and anchor rule, each optional: the anchor a rule model on the same models
function gateFromJSON(obj: Record<string, unknown>, source: string, models: string[], path: (f: string) => string, bad: (field: string, why: string) => never) {
  const shift = obj.shift === undefined ? null : shiftFromJSON(obj.shift, models.length, (f, why) => bad(f ? `shift.${f}` : 'shift', why));
  let anchor: FusionModel | null = null;
  if (obj.anchor !== undefined) {
    anchor = readModel(obj.anchor, source, path('anchor'));
    if (anchor.scorer.kind !== 'rule') bad('anchor.scorer', 'expected a rule');
    if (anchor.models.length !== models.length || anchor.models.some((m, k) => m !== models[k])) bad('anchor.models', 'expected the models of the file, in its order');
    if (!shift) bad('shift', 'a file with an anchor needs the shift reference that chooses it');
  }
  return { shift, anchor };
}

// The architecture, ensemble and weights a nets model claims, checked against
// the limits and against each other before any net is built.
function netsShape(obj: Record<string, unknown>, K: number, F: number, bad: (field: string, why: string) => never): { arch: ArchConfig; ensemble: number } {
  const arch = isObj(obj.arch) ? obj.arch : bad('arch', 'expected an object');
  const type = isArch(arch.type) ? arch.type : bad('arch.type', `expected one of ${ARCH_NAMES.join(', ')}, got ${JSON.stringify(arch.type)}`);
  const L = MODEL_LIMITS;
  const hidden = Array.isArray(arch.hidden) && arch.hidden.length <= L.depth && arch.hidden.every((h) => Number.isInteger(h) && h > 0 && h <= L.width)
    ? (arch.hidden as number[]) : bad('arch.hidden', `expected at most ${L.depth} widths, each an integer from 1 to ${L.width}`);
  const activation = ACTIVATIONS.includes(arch.activation as ActivationKind) ? (arch.activation as ActivationKind) : bad('arch.activation', `expected one of ${ACTIVATIONS.join(', ')}`);
  const temperature = typeof arch.temperature === 'number' && arch.temperature >= 1e-3 && arch.temperature <= 1e3 ? arch.temperature : bad('arch.temperature', 'expected a number from 0.001 to 1000');
  const ensemble = Number.isInteger(obj.ensemble) && (obj.ensemble as number) >= 1 && (obj.ensemble as number) <= L.ensemble ? (obj.ensemble as number) : bad('ensemble', `expected an integer from 1 to ${L.ensemble}`);
  const per = parameterCount(type, hidden, K, F);
  if (per * ensemble > L.parameters) bad('arch.hidden', `${per * ensemble} parameters is more than the ${L.parameters} a model file may hold`);
  if (typeof obj.weights !== 'string') bad('weights', 'expected a base64 string');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(obj.weights as string)) bad('weights', 'not valid base64');
  const bytes = (obj.weights as string).length;
  // base64: 4 characters a 3 bytes, so the count can be checked before decoding
  const claimed = 4 * per * ensemble;
  if (Math.floor(bytes / 4) * 3 < claimed - 2 || Math.floor(bytes / 4) * 3 > claimed + 2) {
    bad('weights', `expected ${per * ensemble} f32 values for this architecture (${ensemble} × ${per}), got about ${Math.floor((bytes / 4) * 3 / 4)}`);
  }
  let decoded: Uint8Array;
  try {
    decoded = fromBase64(obj.weights as string);
  } catch {
    return bad('weights', 'not valid base64');
  }
  if (decoded.length !== claimed) bad('weights', `expected ${per * ensemble} f32 values for this architecture (${ensemble} × ${per}), got ${decoded.length / 4}`);
  return { arch: { type, hidden, activation, temperature }, ensemble };
}

/** Parameters of one net: the hidden stack on 2K + F inputs, then the head (see archs.ts). */
export function parameterCount(type: Arch, hidden: number[], K: number, F: number): number {
  let n = 0, w = 2 * K + F;
  for (const h of hidden) { n += w * h + h; w = h; }
  if (type === 'gated') return n + w * K + K + 1;
  if (type === 'mlp') return n + w + 1 + (2 * K + F) + 1;
  return n + w + 1;
}

// Score extreme but valid inputs (every model at ±8 robust z, alone and all
// together, features at ±8): a model whose rewards are not finite there is refused.
function probe(model: FusionModel, refuse: (why: string) => never): void {
  const K = model.models.length, F = model.features.length;
  const rows: number[][] = [];
  for (const z of [-8, 0, 8]) {
    rows.push(Array.from({ length: K }, (_, j) => model.norm.center[j] + z / model.norm.scale[j]));
    for (let j = 0; j < Math.min(K, 64); j++) if (usable(model, j)) rows.push(Array.from({ length: K }, (_, k) => (k === j ? model.norm.center[j] + z / model.norm.scale[j] : NaN)));
  }
  const x = Float32Array.from(rows.flat());
  const f = Float32Array.from(rows.flatMap((_, i) => Array.from({ length: F }, (_, j) => model.featNorm.center[j] + (i % 2 ? 8 : -8) / model.featNorm.scale[j])));
  if (!x.every((v) => v !== Infinity && v !== -Infinity) || !f.every(Number.isFinite)) refuse('the normalisation puts ±8 robust z-scores outside f32');
  try {
    model.scoreAligned(x, f, rows.length);
  } catch (e) {
    refuse(`the model's rewards are not finite on extreme but valid scores (${(e as Error).message.replace(/^rewardfuse: /, '')})`);
  }
}

// a judge a weighted rule gives weight (an older file's may be 0: an item only it scored is refused when scored, not here)
function usable(model: FusionModel, j: number): boolean {
  const sc = model.scorer;
  if (sc.kind !== 'rule' || (sc.rule !== 'bma' && sc.rule !== 'tbma')) return true;
  return (sc.rule === 'bma' ? sc.baselines.bmaLogWeights : sc.baselines.tbmaLogWeights)[j] > -Infinity;
}

function numbers(v: unknown, n: number, ok: (x: number) => boolean, what: string, bad: (field: string, why: string) => never): number[] {
  if (!Array.isArray(v) || (n >= 0 && v.length !== n)) return bad('', `expected ${n} numbers`);
  v.forEach((x, i) => { if (typeof x !== 'number' || !ok(x)) bad(`[${i}]`, `expected ${what}, got ${JSON.stringify(x)}`); });
  return v as number[];
}

// a FusionModel (from trainFusion or loadModel), not a look-alike
const isModel = (v: unknown) => (v instanceof FusionModel ? null : 'a FusionModel (from trainFusion or loadModel)');

const isF32 = (x: number) => Number.isFinite(x) && Number.isFinite(Math.fround(x));

