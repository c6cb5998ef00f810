// A look inside one fusion net, for teaching: every op's output in the
// forward pass and, for a pair, the gradient of the Bradley–Terry loss at
// every op and parameter after backward, and what one AdamW step (at the lr
// and weight decay the caller names: the training's own) would change.
// readTrace() reads what the arena holds after a forward (and backward), so the
// teaching page can read it right after the real trainStep (train/fit.ts probeStep).
import type { AdamWOptions } from '../engine/graph.js';
import type { FusionNet } from './fusion.js';
import type { FusionModel } from './model.js';

export interface TraceStep {
  op: string;
  /** what the op's backward reads */
  saves: readonly string[];
  out: string;
  rows: number;
  cols: number;
  values: Float32Array;
  /** dLoss/d(out), pairs only */
  grad?: Float32Array;
}

export interface TraceParam {
  name: string;
  values: Float32Array;
  grad: Float32Array;
  /** the parameter after one AdamW step from a fresh optimiser state, at the `adamw` options given */
  stepped: Float32Array;
}

export interface Trace {
  /** the net's input rows: [z | mask | features] */
  input: Float32Array;
  inputCols: number;
  steps: TraceStep[];
  /** pairs only */
  loss?: number;
  params?: TraceParam[];
}

/**
 * Trace the first net of `model` on rows already in its columns: one row (an
 * item) or two (a pair's a and b sides, with `label` 1, 0 or ½).
 */
export function traceNet(model: FusionModel, x: Float32Array, f: Float32Array, rows: 1 | 2, label?: number, adamw: AdamWOptions = {}): Trace {
  const net = model.nets[0], g = net.graph;
  const before = g.getParameters();
  net.encode(net.input.ptr, x, f, rows);
  g.forward(rows);
  let loss: number | undefined;
  let params: TraceParam[] | undefined;
  if (rows === 2) {
    const op = net.losses.bt;
    op.setTargets([label ?? 1], 1);
    g.zeroGrad();
    g.run(op, 2);
    g.backward(2);
    loss = op.value;
    const m = g.getMoments();
    g.resetMoments();
    const steps = g.steps;
    g.steps = 0;
    const grads = readParamGrads(net);
    g.step(adamw);
    params = g.params.map((p, i) => ({ name: p.name, values: before.slice(p.ptr - g.paramPtr >> 2, (p.ptr - g.paramPtr >> 2) + p.size), grad: grads[i], stepped: read(net, p.ptr, p.size) }));
    g.setParameters(before);
    g.setMoments(m);
    g.steps = steps;
  }
  return { ...readTrace(net, rows, rows === 2), loss, params };
}

/**
 * What the arena holds after a forward on `rows` rows (and, with `grads`, a
 * backward): the input rows and every op's output, with dLoss/d(out).
 */
export function readTrace(net: FusionNet, rows: number, grads: boolean): { input: Float32Array; inputCols: number; steps: TraceStep[] } {
  const steps = net.graph.ops.filter((op) => op.out).map((op) => ({
    op: op.name,
    saves: op.saves,
    out: op.out!.name,
    rows,
    cols: op.out!.cols,
    values: read(net, op.out!.ptr, rows * op.out!.cols),
    grad: grads && op.out!.grad ? read(net, op.out!.grad, rows * op.out!.cols) : undefined,
  }));
  return { input: read(net, net.input.ptr, rows * net.cols), inputCols: net.cols, steps };
}

/** dLoss/dθ of each parameter block, in g.params order, after a backward. */
export function readParamGrads(net: FusionNet): Float32Array[] {
  return net.graph.params.map((p) => read(net, p.grad, p.size));
}

const read = (net: FusionNet, ptr: number, n: number) => net.graph.arena.f32.slice(ptr >> 2, (ptr >> 2) + n);
