// rewardfuse explain <model.json> '<item or pair as JSON>' [--trace]
import { itemsFromRecords, pairsFromRecords } from '../data/jsonl.js';
import { sigmoid } from '../eval/metrics.js';
import type { DataSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';
import { traceNet } from '../models/trace.js';
import { FIT_DEFAULTS } from '../train/options.js';
import { parseArgs, UsageError } from './args.js';
import { checkFinite, checkScorable } from '../score/check.js';
import { CliError, readModel, readText, writeStdout } from '../node/io.js';

export const EXPLAIN_USAGE = `rewardfuse explain <model.json> '<item or pair as JSON>' [--trace]
  an item: {"scores": {"rm": 1.5, ...}, "features"?: {...}}; a pair: {"a": {...}, "b": {...}, "label"?: "a"|"b"|"tie"}
  (or the name of a file holding that JSON: anything not starting with { is a file name). --trace prints every layer's activations and, for a pair, gradients`;

export function explain(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { trace: 'boolean' });
  if (positional.length !== 2) throw new UsageError(`explain takes a model and one item or pair (see rewardfuse --help)`);
  const model = readModel(positional[0]);
  const arg = positional[1];
  const source = /^\s*[{[]/.test(arg) ? '<argument>' : arg;
  const text = source === '<argument>' ? arg : readText(arg);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new CliError(`${source}: expected a JSON object (an item with "scores", or a pair with "a" and "b")`);
  const out: string[] = [];
  if ('a' in obj || 'b' in obj) {
    const label = obj.label ?? 'a';
    const set = pairsFromRecords([{ id: 'pair', ...obj, label } as never], source);
    checkScorable(model, set, positional[0]);
    const cols = (x: Float32Array) => model.toModelColumns(set.models, set.features, x, set.feats, 1);
    const A = cols(set.a), B = cols(set.b);
    const ra = describe(out, model, set, 'side a', A.x, A.f);
    const rb = describe(out, model, set, 'side b', B.x, B.f);
    out.push(`P(a ≻ b) = σ(r_a − r_b) = σ(${(ra - rb).toFixed(4)}) = ${sigmoid(ra - rb).toFixed(4)}${obj.label === undefined ? '' : `   label: ${obj.label}`}`);
    unknown(out, A.unknown);
    if (flags.trace) {
      const x = new Float32Array([...A.x, ...B.x]), f = new Float32Array([...A.f, ...B.f]);
      traceOut(out, model, x, f, 2, set.label[0], obj.label === undefined);
    }
  } else if ('scores' in obj) {
    const set = itemsFromRecords([{ id: 'item', ...obj } as never], source, { targets: false });
    checkScorable(model, set, positional[0]);
    const I = model.toModelColumns(set.models, set.features, set.scores, set.feats, 1);
    describe(out, model, set, 'item', I.x, I.f);
    unknown(out, I.unknown);
    if (flags.trace) traceOut(out, model, I.x, I.f, 1);
  } else {
    throw new CliError(`${source}: expected an item with "scores", or a pair with "a" and "b"`);
  }
  writeStdout(out.join('\n') + '\n');
}

// each model's raw score, z-score, and weight (gated) or occlusion attribution
function describe(out: string[], model: FusionModel, at: DataSet, title: string, x: Float32Array, f: Float32Array): number {
  const K = model.models.length;
  const s = model.scoreAligned(x, f, 1);
  checkFinite(at, s);
  const z = model.encode(x, f, 1);
  const occ = model.occlusion(x, f, 1);
  out.push(`${title}: ${model.name}`);
  const W = Math.max(24, ...model.models.map((m) => m.length));
  out.push(`  ${'model'.padEnd(W)} ${'score'.padStart(10)} ${'z'.padStart(8)} ${s.weights ? 'weight'.padStart(8) : ''} ${'r − r(without it)'.padStart(18)}`);
  model.models.forEach((m, k) => {
    const has = x[k] === x[k];
    const w = s.weights ? (has ? s.weights[k].toFixed(4) : '—').padStart(8) : '';
    out.push(`  ${m.padEnd(W)} ${(has ? x[k].toPrecision(5) : 'none').padStart(10)} ${(has ? z[k].toFixed(3) : '—').padStart(8)} ${w} ${(has ? signed(occ[k]) : '—').padStart(18)}`);
  });
  if (model.features.length) out.push(`  features: ${model.features.map((name, j) => `${name}=${f[j] === f[j] ? f[j] : 'none'} (z ${z[2 * K + j].toFixed(3)})`).join(', ')}`);
  out.push(`  fused reward ${s.reward[0].toFixed(4)}   uncertainty ${s.uncertainty[0].toFixed(4)}   conservative ${s.conservative[0].toFixed(4)}`);
  return s.reward[0];
}

function traceOut(out: string[], model: FusionModel, x: Float32Array, f: Float32Array, rows: 1 | 2, label?: number, assumed = false): void {
  if (model.scorer.kind === 'rule') {
    out.push('', `trace: this model is the rule ${model.scorer.rule}, chosen from the library, not a net: the weights above are the whole computation (train with --arch mlp, gated or linear for a net to trace)`);
    return;
  }
  const o = model.train?.options ?? {};
  const lr = typeof o.lr === 'number' ? o.lr : FIT_DEFAULTS.lr;
  const weightDecay = typeof o.weightDecay === 'number' ? o.weightDecay : FIT_DEFAULTS.weightDecay;
  const t = traceNet(model, x, f, rows, label, { lr, weightDecay });
  const vec = (v: Float32Array, r: number, cols: number) => Array.from(v.subarray(r * cols, r * cols + cols), num).join(' ');
  const sides = rows === 2 ? ['a', 'b'] : ['item'];
  out.push('', `trace of net 1 of ${model.nets.length} (forward${rows === 2 ? ', then backward of the Bradley–Terry loss' : ''})`);
  sides.forEach((s, r) => out.push(`  input ${s} [z | mask | features] ${vec(t.input, r, t.inputCols)}`));
  for (const step of t.steps) {
    out.push(`  ${step.op} → ${step.out} (${step.rows}×${step.cols}; backward reads ${step.saves.join(', ') || 'nothing'})`);
    sides.forEach((s, r) => out.push(`    ${s.padEnd(5)} y  ${vec(step.values, r, step.cols)}`));
    if (step.grad) sides.forEach((s, r) => out.push(`    ${s.padEnd(5)} dL/dy ${vec(step.grad!, r, step.cols)}`));
  }
  if (t.loss !== undefined) {
    out.push(`  loss −[t·log σ(ra − rb) + (1−t)·log σ(rb − ra)] = ${t.loss.toFixed(6)} with t = ${label}${assumed ? ' (no label given: a assumed)' : ''}`);
    out.push(`  parameters: gradient norm, and the largest change one AdamW step (lr ${lr}, weight decay ${weightDecay}, as in training) would make from a fresh optimiser state`);
    for (const p of t.params!) {
      let g = 0, d = 0;
      p.grad.forEach((v, i) => { g += v * v; d = Math.max(d, Math.abs(p.stepped[i] - p.values[i])); });
      out.push(`    ${p.name.padEnd(16)} ${String(p.values.length).padStart(6)} values   |dL/dθ| ${Math.sqrt(g).toExponential(3)}   max |Δθ| ${d.toExponential(3)}`);
    }
  }
}

function unknown(out: string[], names: string[]): void {
  if (names.length) out.push(`not used (the fusion model was not trained on them): ${names.join(', ')}`);
}

const signed = (v: number, digits = 4) => (v >= 0 ? '+' : '') + v.toFixed(digits);

// a trace value: 4 decimals, or 4 significant digits in scientific notation when small, so nothing true reads 0
const num = (v: number) => (v === 0 || Math.abs(v) >= 1e-3 ? signed(v, 4) : (v > 0 ? '+' : '') + v.toExponential(3));
