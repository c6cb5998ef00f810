// The default: what scores is chosen from the whole library by honest estimates.
// Candidates: every item-wise rule (best, mean, median, min, mean−λ·std,
// stacking, BMA, tempered BMA) and the fusion nets (mlp, gated). Each is
// fitted on the training part of every fold and scores the held-out part
// twice: with every judge, and with a random subset of judges hidden (as when
// a user has only some of them). Folds hold out whole groups when the data
// has them, so the estimates include the shift between groups (crossfit.ts
// runs the folds, for crossValidate and arch 'auto' too).
//
// Choosing: tempered BMA is the anchor (robust on every shift we have seen:
// it down-weights poor judges without collapsing onto one). Another candidate
// replaces it only when its mean of the two estimates is higher, and higher
// on the folds by more than two standard errors of the per-fold differences,
// over at least 3 folds: with ten candidates, one of them beats the anchor by
// one standard error by chance alone most of the time; with fewer folds the
// estimate cannot tell, and the anchor stays.
// Then the choice is refitted on all the data, and calibrated on its
// out-of-fold predictions: pairs σ(τ·margin) by Bradley–Terry, items t ≈ a + b·s.
// Grouped folds cannot see a shift the training data does not contain, so the
// model also keeps a summary of its training data (models/shift.ts) and, when
// a net is chosen, the anchor, calibrated the same way: scoreBatch uses the
// net only on batches that resemble the training data.
import type { DataSet } from '../data/types.js';
import { agreement, ece } from '../eval/metrics.js';
import type { Arch } from '../models/archs.js';
import { baselineItemScores, ITEM_BASELINES, type ItemBaseline } from '../models/rules.js';
import { sigmoid } from '../models/math.js';
import { baselinesToJSON } from '../models/file.js';
import { FusionModel, type Calibration, type FittedRules, type LibraryRecord } from '../models/model.js';
import { shiftReference } from '../models/shift.js';
import { fitBaselines, fitItemBaselines, fitTemperature } from './fit-rules.js';
import { crossFit, sidesOf, subsetOf, truthOf } from './crossfit.js';
import { judgeSubsets, makeFolds, stratifiedSample } from './folds.js';
import { trainNets, type NetStart } from './nets.js';
import { recordOptions, type NetOptions } from './options.js';

/** the fusion nets in the library */
export type NetCandidate = Extract<Arch, 'mlp' | 'gated'>;
export type Candidate = ItemBaseline | NetCandidate;
/** @internal */
export const NET_CANDIDATES: readonly NetCandidate[] = ['mlp', 'gated'];
/** @internal */
export const CANDIDATES: readonly Candidate[] = [...ITEM_BASELINES, ...NET_CANDIDATES];
/** @internal */
export const ANCHOR: Candidate = 'tbma';
/** @internal a rival replaces the anchor when it wins by more than this many standard errors of the per-fold differences */
export const SWITCH_SE = 2;

export interface LibraryOptions extends NetOptions {
  /** at most this many folds (default 5); grouped folds take one group or more each */
  folds?: number;
  /** hold out whole groups (default: when the data has two or more) */
  grouped?: boolean;
  /** random judge subsets scored per fold (default 2) */
  hideDraws?: number;
  /** the candidates (default all) */
  candidates?: readonly Candidate[];
  /** above this many rows, the candidates are cross-validated on a stratified sample of this many (default 20,000) */
  selectionRows?: number;
  /** told each phase, for a progress line */
  onProgress?: (message: string) => void;
}

export interface CandidateEstimate {
  name: Candidate;
  /** out-of-fold accuracy (pairs) or Pearson r (items), every judge present */
  full: number;
  /** the same, with random judges hidden */
  hidden: number;
  /** (full + hidden) / 2: what is compared */
  score: number;
  /** score on each fold */
  perFold: number[];
}

/** What the library chose, and why: the record a model file keeps (models/model.ts), with the candidates' names typed. */
export interface LibraryChoice extends LibraryRecord {
  chosen: Candidate;
  candidates: CandidateEstimate[];
}

const isNet = (c: Candidate): c is NetCandidate => (NET_CANDIDATES as readonly string[]).includes(c);

/** @internal Fit the library on all of `data` as chosen by cross-validation: the default fusion model. */
export function trainLibrary(data: DataSet, opts: LibraryOptions = {}): FusionModel {
  const choice = chooseFromLibrary(data, opts);
  opts.onProgress?.(`fitting the rules and baselines on all ${data.ids.length} ${data.kind}`);
  const library = { ...choice };
  // once, on all the data: the chosen rule, the gated net's prior, and the baselines eval compares with
  const fitted = fitFor(data, opts);
  const baselines = data.kind === 'pairs' ? baselinesToJSON(fitted) : undefined;
  // the training items (pairs: both sides), summarised for the shift check
  const shift = shiftReference(data.kind === 'pairs' ? concat(data.a, data.b) : data.scores, fitted.norm, fitted.tbmaWeights);
  const rule = (name: ItemBaseline, calibration: Calibration, train: FusionModel['train']) => new FusionModel({
    models: data.models,
    features: [],
    scorer: { kind: 'rule', rule: name, baselines: fitted },
    norm: fitted.norm,
    featNorm: { center: new Float32Array(0), scale: new Float32Array(0) },
    seed: opts.seed ?? 0,
    lambda: opts.lambda ?? 1,
    calibration,
    train,
  });
  if (isNet(choice.chosen)) {
    opts.onProgress?.(`training ${choice.chosen} on all ${data.ids.length} ${data.kind}`);
    const model = trainNets(data, choice.chosen, netDefaults(opts, fitted, choice.chosen), choice.calibration);
    model.train!.library = library;
    model.train!.baselines = baselines;
    model.shift = shift;
    model.anchor = rule(ANCHOR as ItemBaseline, choice.anchorCalibration, null);
    return model;
  }
  const model = rule(choice.chosen, choice.calibration, { options: recordOptions(opts, { arch: 'library' }), rows: data.ids.length, source: data.source, fit: [], library, baselines });
  model.shift = shift;
  return model;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** @internal Cross-validate every candidate, and choose (see the top of this file). */
export function chooseFromLibrary(data: DataSet, opts: LibraryOptions = {}): LibraryChoice {
  const limit = opts.selectionRows ?? 20_000;
  if (data.ids.length > limit) {
    // large data: choose on a stratified sample; the choice is refitted on every row
    const idx = stratifiedSample(data.groups, limit, (opts.seed ?? 0) + 15485863);
    opts.onProgress?.(`choosing on a stratified sample of ${idx.length} of the ${data.ids.length} ${data.kind}`);
    const choice = chooseFromLibrary(subsetOf(data, idx), { ...opts, selectionRows: Infinity });
    return { ...choice, folds: `${choice.folds}, on a stratified sample of ${idx.length} of ${data.ids.length} ${data.kind}` };
  }
  if (data.ids.length < 10) {
    return { chosen: ANCHOR, reason: `${ANCHOR}: the anchor; under 10 rows are too few to cross-validate`, folds: 'none', candidates: [], calibration: { scale: 1, offset: 0 }, anchorCalibration: { scale: 1, offset: 0 } };
  }
  const { estimates, oof, folds } = estimateLibrary(data, opts);
  const byName = new Map(estimates.map((e) => [e.name, e]));
  const anchor = byName.get(ANCHOR) ?? estimates[0];
  let chosen = anchor, reason = `${anchor.name}: the anchor, and no other candidate is better`;
  // rivals whose pooled score is higher, best first; each must also win on the folds
  const rivals = estimates.filter((e) => e.score > anchor.score).sort((p, q) => q.score - p.score);
  for (const r of rivals) {
    const d = r.perFold.map((v, f) => v - anchor.perFold[f]);
    const F = d.length, mean = d.reduce((s, v) => s + v, 0) / F;
    const se = F > 1 ? Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (F - 1) / F) : Infinity;
    if (F >= 3 && mean > SWITCH_SE * se) {
      chosen = r;
      reason = `${r.name}: it beats ${anchor.name} by ${pts(mean)} a fold, more than ${SWITCH_SE} standard errors (${pts(se)}) over ${F} folds`;
      break;
    }
    if (r === rivals[0]) {
      reason = F < 3
        ? `${anchor.name}: the anchor; ${r.name} scores ${pts(r.score - anchor.score)} higher, but ${F} folds cannot tell`
        : `${anchor.name}: the anchor; ${r.name} scores ${pts(r.score - anchor.score)} higher, but by ${pts(mean)} a fold, within ${SWITCH_SE} standard errors (${pts(se)})`;
    }
  }
  const calibrate = (o: Float64Array): Calibration => {
    if (data.kind === 'items') return leastSquares(o, data.target);
    const tau = fitTemperature(o, data.label);
    return { scale: tau > 0 ? tau : 1, offset: 0 };
  };
  const o = oof.get(chosen.name)!, calibration = calibrate(o);
  const anchorCalibration = chosen === anchor ? calibration : oof.has(ANCHOR) ? calibrate(oof.get(ANCHOR)!) : { scale: 1, offset: 0 };
  const calibrationError = data.kind === 'pairs' ? ece(Float64Array.from(o, (m) => sigmoid(calibration.scale * m)), data.label) : undefined;
  return { chosen: chosen.name, reason, folds: folds.describe, candidates: estimates, calibration, anchorCalibration, ece: calibrationError };
}

/** @internal Every candidate's out-of-fold estimates, with every judge and with judges hidden. */
export function estimateLibrary(data: DataSet, opts: LibraryOptions = {}) {
  const n = data.ids.length, K = data.models.length, seed = opts.seed ?? 0;
  const names = opts.candidates ?? CANDIDATES;
  const folds = makeFolds(data.groups, opts.folds ?? 5, seed + 7919, opts.grouped);
  const draws = opts.hideDraws ?? 2;
  const keep = judgeSubsets(K, folds.count * draws, seed + 104729);
  const oof = new Map<Candidate, Float64Array>();
  const results = crossFit(data, { ...folds, keep, draws }, (tr, f) => {
    opts.onProgress?.(`cross-validating the library: fold ${f.index + 1} of ${f.count} (${f.rows.length} held out)`);
    const scorers = fitCandidates(tr, names, opts);
    return (view) => {
      const rules = ruleScores(scorers, names, view);
      return new Map(names.map((c) => [c, predict(scorers, c, view, rules)]));
    };
  });
  const estimates: CandidateEstimate[] = names.map((c) => {
    const oofC = new Float64Array(n), perFold: number[] = [], pred: number[] = [], truth: number[] = [];
    for (const r of results) {
      const full = r.full.get(c)!, t = truthOf(r.test);
      r.rows.forEach((i, j) => (oofC[i] = full[j]));
      const h = r.hidden.reduce((s, p) => s + metric(p.get(c)!, r.test), 0) / draws;
      perFold.push((metric(full, r.test) + h) / 2);
      for (const p of r.hidden) { pred.push(...p.get(c)!); truth.push(...t); }
    }
    oof.set(c, oofC);
    const fa = agreement(oofC, truthOf(data), data.kind === 'pairs'), ha = agreement(pred, truth, data.kind === 'pairs');
    return { name: c, full: fa, hidden: ha, score: (fa + ha) / 2, perFold };
  });
  return { estimates, oof, folds };
}

type Scorers = { rules: FittedRules; nets: Map<Candidate, FusionModel> };

function fitCandidates(tr: DataSet, names: readonly Candidate[], opts: LibraryOptions): Scorers {
  const rules = fitFor(tr, opts);
  const nets = new Map<Candidate, FusionModel>();
  for (const c of names) if (isNet(c)) nets.set(c, trainNets(tr, c, { ...netDefaults(opts, rules, c), ensemble: 1, onEpoch: undefined, validation: undefined }));
  return { rules, nets };
}

function fitFor(data: DataSet, opts: LibraryOptions): FittedRules {
  const o = { seed: opts.seed, lambda: opts.lambda };
  return data.kind === 'pairs' ? fitBaselines(data, o) : fitItemBaselines(data, o);
}

type RuleScores = Record<ItemBaseline, Float64Array>[];

// every rule candidate's item scores on one view, in one pass a side: [items] or [a, b]
function ruleScores(s: Scorers, names: readonly Candidate[], data: DataSet): RuleScores {
  const rules = names.filter((c): c is ItemBaseline => !isNet(c));
  return sidesOf(data).map((x) => baselineItemScores(s.rules, x, rules));
}

// pairs: s(a) − s(b); items: s
function predict(s: Scorers, c: Candidate, data: DataSet, rules: RuleScores): Float64Array {
  const net = s.nets.get(c);
  const sides = sidesOf(data).map((x, j) =>
    net ? Float64Array.from(net.score({ models: data.models, features: data.features, scores: x, feats: data.feats, ids: data.ids }).reward) : rules[j][c as ItemBaseline]);
  return sides.length === 1 ? sides[0] : sides[0].map((v, i) => v - sides[1][i]);
}

const metric = (pred: ArrayLike<number>, data: DataSet) => agreement(pred, truthOf(data), data.kind === 'pairs');

// t ≈ a + b·s by least squares; the identity when s is constant
function leastSquares(s: ArrayLike<number>, t: ArrayLike<number>): Calibration {
  const n = s.length;
  let ms = 0, mt = 0;
  for (let i = 0; i < n; i++) { ms += s[i]; mt += t[i]; }
  ms /= n; mt /= n;
  let sst = 0, sss = 0;
  for (let i = 0; i < n; i++) { sst += (s[i] - ms) * (t[i] - mt); sss += (s[i] - ms) ** 2; }
  if (!(sss > 0)) return { scale: 1, offset: 0 };
  const scale = sst / sss;
  return { scale, offset: mt - scale * ms };
}

// The library's nets hide models at a rate drawn per batch from [0, 0.5] unless told
// otherwise, so that they score well with any number of judges present; and the gated
// net starts at tempered BMA's weighting (logits log(w·β⁺), scale Σwβ⁺/Σw), so that
// weight decay shrinks its per-input correction toward the robust rule, not toward zero.
function netDefaults(o: LibraryOptions, rules: FittedRules, arch: Candidate): LibraryOptions & NetStart {
  const out: LibraryOptions & NetStart = { ...o, modelDropout: o.modelDropout ?? [0, 0.5], norm: rules.norm }; // the rules' normalisation: fitted on the same rows
  if (arch !== 'gated') return out;
  const w = rules.tbmaWeights, b = rules.tbmaBeta;
  let wb = 0, ws = 0;
  for (let k = 0; k < w.length; k++) { wb += w[k] * Math.max(b[k], 0); ws += w[k]; }
  const logits = Float32Array.from(w, (v, k) => Math.log(Math.max(v * Math.max(b[k], 0), 1e-6)));
  return { ...out, gatePrior: { logits, logScale: wb > 0 && ws > 0 ? Math.log(wb / ws) : 0 } };
}

const pts = (x: number) => `${(100 * x).toFixed(1)} points`;
