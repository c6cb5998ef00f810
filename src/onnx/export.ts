// exportOnnx: a FusionModel as an ONNX model (opset 17, IR 8) that computes
// what FusionModel.score computes, row for row:
//   input   scores   float32 [N, K]  the model's judges in order, NaN = no score
//           features float32 [N, F]  (nets trained with features only)
//   output  reward, uncertainty, conservative  float32 [N]
//           weights  float32 [N, K]  (gated nets; BMA and tempered BMA rules)
//   metadata rewardfuse.models and .features (JSON lists, input order), .file_version,
//           .scorer, .calibration, .lambda, .train (the training summary, no loss curves)
//   ±∞ scores are not refused as score refuses them: they give non-finite outputs
// The math, as model.ts, fusion.ts, archs.ts and baselines.ts do it:
//   present = ¬isnan(x),  z = present ? (x − center)·scale : 0            (f32, as the kernels)
//   nets    input [z | present | fz], each net's head in f32 (Gemm, activations, masked softmax)
//   rules   on z in f64 (as baselineItemScores): best, mean, median, min, mean − λ·std,
//           stacking (its own linear nets and calibration), BMA and tempered BMA with
//           weights renormalised over the judges present, in log space (max subtracted)
//   members r_1 … r_E (f64):  mean r̄;  u = std of the r_m (E > 1), else std of the present z
//   reward = offset + scale·r̄,  uncertainty = |scale|·u,  conservative = reward − λ·uncertainty
// A kind of model this file does not know is refused by name, never guessed at.
import type { FittedBaselines } from '../models/baselines.js';
import { modelToJSON } from '../models/file.js';
import type { FusionNet } from '../models/fusion.js';
import { FusionModel, type TrainInfo } from '../models/model.js';
import type { Normaliser } from '../models/normalise.js';
import { OnnxGraph } from './graph.js';
import { modelProto, type ValueSpec } from './proto.js';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** The model as the bytes of an ONNX file. */
export function exportOnnx(model: FusionModel): Uint8Array {
  if (!(model instanceof FusionModel)) {
    throw new TypeError(`rewardfuse: exportOnnx: model must be a FusionModel (from trainFusion, loadModel or modelFromJSON), got ${model === null ? 'null' : Array.isArray(model) ? 'an array' : typeof model}`);
  }
  const g = new OnnxGraph();
  const K = model.models.length, F = model.features.length, sc = model.scorer;
  const withFeatures = sc.kind === 'nets' && F > 0;
  const present = g.op('Not', [g.op('IsNaN', ['scores'])], undefined, 'present');
  const mask = g.op('Cast', [present], { to: 11 }, 'mask'); // f64 (N, K)
  const z = zScores(g, 'scores', present, model.norm); // f32 (N, K)
  let members: string[], weights: string | undefined;
  if (sc.kind === 'nets') {
    const fz = withFeatures ? zScores(g, 'features', g.op('Not', [g.op('IsNaN', ['features'])]), model.featNorm) : undefined;
    ({ members, weights } = netMembers(g, model.nets, z, present, fz));
  } else {
    ({ members, weights } = rule(g, sc.rule, sc.baselines, present, mask, K));
  }
  const E = members.length;
  const r = E > 1 ? g.op('Concat', members, { axis: 1 }) : members[0]; // (N, E)
  const mean = E > 1 ? g.op('Div', [sum(g, r), g.f64(E)]) : r;
  const spread = E > 1
    ? g.op('Sqrt', [g.op('Div', [sum(g, square(g, g.op('Sub', [r, mean]))), g.f64(E)])])
    : presentStd(g, g.op('Cast', [z], { to: 11 }), mask);
  const { scale, offset } = model.calibration;
  const flat = (x: string, name: string) => g.op('Reshape', [x, g.i64([-1])], undefined, name);
  const reward = g.op('Cast', [g.op('Add', [g.f64(offset), g.op('Mul', [g.f64(scale), mean])])], { to: 1 });
  const uncertainty = g.op('Cast', [g.op('Mul', [g.f64(Math.abs(scale)), spread])], { to: 1 });
  // as score: from the f32 reward and uncertainty
  const conservative = g.op('Sub', [g.op('Cast', [reward], { to: 11 }), g.op('Mul', [g.f64(model.lambda), g.op('Cast', [uncertainty], { to: 11 })])]);
  flat(reward, 'reward');
  flat(uncertainty, 'uncertainty');
  flat(g.op('Cast', [conservative], { to: 1 }), 'conservative');
  const outputs: ValueSpec[] = [
    { name: 'reward', type: 'float', shape: ['N'], doc: 'the fused reward: offset + scale·(the scorer\'s output)' },
    { name: 'uncertainty', type: 'float', shape: ['N'], doc: 'std of the ensemble\'s rewards, or (one scorer) |scale|·std of the present judges\' z-scores' },
    { name: 'conservative', type: 'float', shape: ['N'], doc: `reward − ${model.lambda}·uncertainty` },
  ];
  if (weights) {
    g.op('Identity', [weights], undefined, 'weights');
    outputs.push({ name: 'weights', type: 'float', shape: ['N', K], doc: 'each judge\'s weight in the row (0 where it gave no score)' });
  }
  const inputs: ValueSpec[] = [{ name: 'scores', type: 'float', shape: ['N', K], doc: `judge scores in the order of rewardfuse.models; NaN where a judge gave none` }];
  if (withFeatures) inputs.push({ name: 'features', type: 'float', shape: ['N', F], doc: 'features in the order of rewardfuse.features; NaN where absent' });
  return modelProto({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producer: 'rewardfuse',
    doc: `rewardfuse fusion model: ${model.name}`,
    graphName: 'rewardfuse',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs,
    metadata: {
      'rewardfuse.models': JSON.stringify(model.models),
      'rewardfuse.features': JSON.stringify(withFeatures ? model.features : []),
      'rewardfuse.file_version': String(modelToJSON(model).version), // the model file format saveModel writes for it
      'rewardfuse.scorer': model.name,
      'rewardfuse.calibration': JSON.stringify(model.calibration),
      'rewardfuse.lambda': String(model.lambda),
      'rewardfuse.train': JSON.stringify(trainSummary(model.train)),
    },
  });
}

// z = present ? (x − center)·scale : 0, f32 (N, cols): what normalizeColumns and zScores compute
function zScores(g: OnnxGraph, x: string, present: string, n: Normaliser): string {
  const z = g.op('Mul', [g.op('Sub', [x, g.f32(n.center)]), g.f32(n.scale)]);
  return g.op('Where', [present, z, g.f32(0)]);
}

function sum(g: OnnxGraph, x: string): string {
  return g.op('ReduceSum', [x, g.i64([1])], { keepdims: 1 }); // (N, 1)
}

function square(g: OnnxGraph, x: string): string {
  return g.op('Mul', [x, x]);
}

// std of the present z (f64 (N, K), 0 where absent), 0 where none is present: √(Σ m(z − z̄)² / c)
function presentStd(g: OnnxGraph, z: string, mask: string): string {
  const c = g.op('Max', [sum(g, mask), g.f64(1)]); // a row with none has Σ z = 0 and Σ m(…) = 0
  const zm = g.op('Div', [sum(g, z), c]);
  return g.op('Sqrt', [g.op('Div', [sum(g, g.op('Mul', [mask, square(g, g.op('Sub', [z, zm]))])), c])]);
}

// ---- nets ----

/** Each net's r (f64 (N, 1)), on input rows [z | mask | fz]; a gated ensemble's weights averaged in order. */
function netMembers(g: OnnxGraph, nets: FusionNet[], z: string, present: string, fz?: string): { members: string[]; weights?: string } {
  const x = g.op('Concat', [z, g.op('Cast', [present], { to: 1 }), ...(fz ? [fz] : [])], { axis: 1 });
  const members: string[] = [];
  let weights: string | undefined;
  for (const net of nets) {
    const { r, w } = netHead(g, net, x, z, present);
    members.push(g.op('Cast', [r], { to: 11 }));
    if (w) {
      const share = g.op('Div', [w, g.f32(nets.length)]);
      weights = weights ? g.op('Add', [weights, share]) : share;
    }
  }
  return { members, weights };
}

// one net's reward (N, 1) f32, and a gated net's weights (N, K)
function netHead(g: OnnxGraph, net: FusionNet, x: string, z: string, present: string): { r: string; w?: string } {
  const arch = net.arch, params = new Map(net.graph.params.map((p) => [p.name, p]));
  const f32 = net.graph.arena.f32;
  const param = (name: string): Float32Array => {
    const p = params.get(name);
    if (!p) throw new Error(`rewardfuse: exportOnnx: a ${arch.type} net without parameter ${name}: cannot export it`);
    return f32.slice(p.ptr >> 2, (p.ptr >> 2) + p.size);
  };
  // y = x·W + b   W:(in, out)
  const dense = (h: string, name: string, inW: number, outW: number) => g.op('Gemm', [h, g.f32(param(`${name}.W`), [inW, outW]), g.f32(param(`${name}.b`), [outW])]);
  let h = x, width = net.cols;
  arch.hidden.forEach((n, i) => {
    h = activation(g, dense(h, `hidden${i}`, width, n), arch.activation);
    width = n;
  });
  switch (arch.type) {
    case 'linear':
      return { r: dense(h, 'out', width, 1) };
    case 'mlp':
      return { r: g.op('Add', [dense(h, 'out', width, 1), dense(x, 'skip', net.cols, 1)]) };
    case 'gated': {
      // w = softmax over the present of logits/T (max subtracted), 0 elsewhere; r = e^s·Σ w z
      const K = net.K;
      const logits = g.op('Mul', [dense(h, 'gate', width, K), g.f32(Math.fround(1 / arch.temperature))]);
      const top = g.op('ReduceMax', [g.op('Where', [present, logits, g.f32(-Infinity)])], { axes: [1], keepdims: 1 });
      const e = g.op('Where', [present, g.op('Exp', [g.op('Sub', [logits, top])]), g.f32(0)]);
      const s = sum(g, e);
      const inv = g.op('Where', [g.op('Greater', [s, g.f32(0)]), g.op('Div', [g.f32(1), s]), g.f32(0)]);
      const w = g.op('Mul', [e, inv]);
      const scale = Math.fround(Math.exp(param('gate.scale.s')[0]));
      return { r: g.op('Mul', [sum(g, g.op('Mul', [w, z])), g.f32(scale)]), w };
    }
    default:
      throw new Error(`rewardfuse: exportOnnx: cannot export nets of architecture "${(arch as { type: string }).type}"`);
  }
}

// G1 = 2√(2/π), G3 = G1·0.044715: the tanh form of gelu, x·σ(x(G1 + G3x²)), as the kernels
const G1 = 1.5957691216057308, G3 = 0.0713548162726009;

function activation(g: OnnxGraph, x: string, kind: string): string {
  switch (kind) {
    case 'relu': return g.op('Relu', [x]);
    case 'tanh': return g.op('Tanh', [x]);
    case 'sigmoid': return g.op('Sigmoid', [x]);
    case 'gelu': {
      const inner = g.op('Mul', [x, g.op('Add', [g.f32(G1), g.op('Mul', [g.f32(G3), g.op('Mul', [x, x])])])]);
      return g.op('Mul', [x, g.op('Sigmoid', [inner])]);
    }
    default: throw new Error(`rewardfuse: exportOnnx: cannot export the activation "${kind}"`);
  }
}

// ---- rules ----

/** A fitted rule's score (f64 (N, 1)) on its own z-scores; BMA's and tempered BMA's weights. */
function rule(g: OnnxGraph, name: string, f: FittedBaselines, present: string, mask: string, K: number): { members: string[]; weights?: string } {
  const z = g.op('Cast', [zScores(g, 'scores', present, f.norm)], { to: 11 }); // f64 (N, K)
  const count = sum(g, mask);
  const some = g.op('Greater', [count, g.f64(0)]);
  const mean = g.op('Div', [sum(g, z), g.op('Max', [count, g.f64(1)])]);
  const one = (m: string) => ({ members: [m] });
  switch (name) {
    case 'best':
      return one(g.op('Gather', [z, g.i64([f.best])], { axis: 1 }));
    case 'mean':
      return one(mean);
    case 'meanStd':
      return one(g.op('Sub', [mean, g.op('Mul', [g.f64(f.lambda), presentStd(g, z, mask)])]));
    case 'median':
    case 'min': {
      // the present values sorted ascending (absent ones +∞, last); c of them
      const [sorted] = g.ops('TopK', [g.op('Where', [present, z, g.f64(Infinity)]), g.i64([K])], 2, { axis: 1, largest: 0, sorted: 1 });
      const c = sum(g, g.op('Cast', [present], { to: 7 }));
      const at = (i: string) => g.op('GatherElements', [sorted, i], { axis: 1 });
      const value = name === 'min'
        ? at(g.op('Mul', [c, g.i64([0])]))
        // v[⌊(c−1)/2⌋] and v[⌊c/2⌋]: one value twice for odd c
        : g.op('Div', [g.op('Add', [at(g.op('Div', [g.op('Max', [g.op('Sub', [c, g.i64([1])]), g.i64([0])]), g.i64([2])])), at(g.op('Div', [c, g.i64([2])]))]), g.f64(2)]);
      return one(g.op('Where', [some, value, g.f64(0)]));
    }
    case 'bma':
    case 'tbma': {
      const w = ruleShares(g, logWeights(f, name), present);
      const beta = g.f64(name === 'bma' ? f.bmaBeta : f.tbmaBeta);
      return { members: [sum(g, g.op('Mul', [w, g.op('Mul', [beta, z])]))], weights: g.op('Cast', [w], { to: 1 }) };
    }
    case 'stacking': {
      const s = f.stacking;
      if (s.scorer.kind !== 'nets' || s.models.length !== K || s.features.length) throw new Error('rewardfuse: exportOnnx: cannot export this stacking rule: its net is not a linear net on the same judges without features');
      const { members } = netMembers(g, s.nets, zScores(g, 'scores', present, s.norm), present);
      const r = members.length > 1 ? g.op('Div', [sum(g, g.op('Concat', members, { axis: 1 })), g.f64(members.length)]) : members[0];
      // its reward as its own score gives it: calibrated, in f32
      const reward = g.op('Cast', [g.op('Add', [g.f64(s.calibration.offset), g.op('Mul', [g.f64(s.calibration.scale), r])])], { to: 1 });
      return one(g.op('Cast', [reward], { to: 11 }));
    }
    default:
      throw new Error(`rewardfuse: exportOnnx: cannot export a model scored by the rule "${name}"`);
  }
}

/**
 * A weighted rule's log weights, −∞ for none: the stored log weights where the
 * fitted baselines hold them, else the logs of the stored linear weights. The
 * one place that reads the stored weights.
 */
function logWeights(f: FittedBaselines, rule: 'bma' | 'tbma'): Float64Array {
  const logs = (f as { bmaLogWeights?: Float64Array; tbmaLogWeights?: Float64Array })[rule === 'bma' ? 'bmaLogWeights' : 'tbmaLogWeights'];
  return logs ?? Float64Array.from(rule === 'bma' ? f.bmaWeights : f.tbmaWeights, (w) => (w > 0 ? Math.log(w) : -Infinity));
}

/**
 * Each judge's share, renormalised over the judges present (f64 (N, K), 0
 * elsewhere; a row where no present judge has a weight gets 0s), from log
 * weights lw: exp(lw − the row's largest present lw), over its sum, so no
 * share underflows to an all-zero sum.
 */
function ruleShares(g: OnnxGraph, lw: Float64Array, present: string): string {
  const on = g.op('And', [present, g.constant('bool', Array.from(lw, (l) => (l > -Infinity ? 1 : 0)), [lw.length], 'weighted')]);
  const finite = g.f64(Array.from(lw, (l) => (l > -Infinity ? l : 0)));
  const top = g.op('ReduceMax', [g.op('Where', [on, finite, g.f64(-Infinity)])], { axes: [1], keepdims: 1 });
  const e = g.op('Where', [on, g.op('Exp', [g.op('Sub', [finite, top])]), g.f64(0)]);
  const s = sum(g, e);
  return g.op('Where', [g.op('Greater', [s, g.f64(0)]), g.op('Div', [e, s]), g.f64(0)]);
}

// what training recorded, without the loss curves and fitted baselines (the model file keeps those)
function trainSummary(t: TrainInfo | null): unknown {
  if (!t) return null;
  const { fit, baselines: _, ...rest } = t;
  return { ...rest, fit: fit.map(({ bestEpoch, bestValLoss, epochs, steps, ended }) => ({ bestEpoch, bestValLoss, epochs, steps, ended })) };
}
