// The ops a fusion net is built from. Each forward calls one kernel and each
// backward its pair in assembly/; `saves` lists what the backward reads.
import type { Graph, Op, Param, Tensor } from './graph.js';
import { ACTIVATIONS, type ActivationKind, type LossKind } from './kinds.js';

export { ACTIVATIONS, type ActivationKind, type LossKind };

type Kernel2 = (y: number, x: number, n: number) => void;
type Kernel3 = (dx: number, dy: number, s: number, n: number) => void;

/**
 * y = x·W + b, or relu(x·W + b) with `relu`   x:(B,K) W:(K,N) b:(N) y:(B,N).
 * Init: W uniform ±√(gain/K) (He for gain 6), b = 0. The fused relu's
 * backward masks dL/dy in place by y > 0, so after backward the gradient
 * shown at y is the one at the pre-activation.
 */
export class Linear implements Op {
  readonly name: string;
  readonly saves: readonly string[];
  readonly out: Tensor;
  readonly W: Param;
  readonly b: Param;
  private scratch: { readonly ptr: number };

  constructor(private g: Graph, readonly x: Tensor, readonly N: number, name = 'linear', private gain = 6, readonly relu = false) {
    this.name = relu ? 'linear+relu' : 'linear';
    this.saves = relu ? ['x', 'W', 'y'] : ['x', 'W'];
    this.W = g.param(`${name}.W`, x.cols * N, true);
    this.b = g.param(`${name}.b`, N, false);
    this.out = g.tensor(`${name}.y`, N, true, x.rows);
    this.scratch = g.buffer(Math.max(x.cols * N, x.rows * x.cols)); // for Wᵀ and Xᵀ
  }

  init(): void {
    const a = Math.fround(Math.sqrt(this.gain / this.x.cols));
    this.g.k.randomUniform(this.W.ptr, this.W.size, -a, a);
  }

  forward(B: number): void {
    this.g.k.matmulForward(this.out.ptr, this.x.ptr, this.W.ptr, this.b.ptr, B, this.x.cols, this.N, this.relu ? 1 : 0);
  }

  backward(B: number): void {
    const k = this.g.k;
    if (this.relu) k.reluMask(this.out.grad, this.out.ptr, B * this.N);
    k.matmulBackward(this.x.grad, this.W.grad, this.b.grad, this.out.grad, this.x.ptr, this.W.ptr, this.scratch.ptr, B, this.x.cols, this.N);
  }
}


/** y = f(x) elementwise. relu and gelu save x; tanh and sigmoid save y. */
export class Activation implements Op {
  readonly name: string;
  readonly saves: readonly string[];
  readonly out: Tensor;
  private fwd: Kernel2;
  private bwd: Kernel3;
  private savesY: boolean;

  constructor(g: Graph, readonly x: Tensor, readonly kind: ActivationKind) {
    if (!ACTIVATIONS.includes(kind)) throw new Error(`rewardfuse: unknown activation '${kind}' (use ${ACTIVATIONS.join(', ')})`);
    this.name = kind;
    this.savesY = kind === 'tanh' || kind === 'sigmoid';
    this.saves = [this.savesY ? 'y' : 'x'];
    this.fwd = g.k[`${kind}Forward`];
    this.bwd = g.k[`${kind}Backward`];
    this.out = g.tensor(`${x.name}.${kind}`, x.cols, true, x.rows);
  }

  forward(B: number): void {
    this.fwd(this.out.ptr, this.x.ptr, B * this.x.cols);
  }

  backward(B: number): void {
    if (!this.x.grad) return;
    this.bwd(this.x.grad, this.out.grad, this.savesY ? this.out.ptr : this.x.ptr, B * this.x.cols);
  }
}

/**
 * Gate weights over K models: w = softmax(logits/T) over the models present in
 * the row (mask columns [maskAt, maskAt+K) of `input`). Saves w.
 */
export class Softmax implements Op {
  readonly name = 'softmax';
  readonly saves = ['w'] as const;
  readonly out: Tensor;

  constructor(private g: Graph, readonly logits: Tensor, readonly input: Tensor, readonly maskAt: number, readonly temperature: number) {
    if (!(temperature > 0)) throw new Error(`rewardfuse: temperature must be positive, got ${temperature}`);
    this.out = g.tensor('gate.w', logits.cols, true, logits.rows);
  }

  forward(B: number): void {
    const K = this.logits.cols;
    this.g.k.softmaxForward(this.out.ptr, this.logits.ptr, this.input.ptr + 4 * this.maskAt, B, K, this.input.cols, 1 / this.temperature);
  }

  backward(B: number): void {
    this.g.k.softmaxBackward(this.logits.grad, this.out.grad, this.out.ptr, B, this.logits.cols, 1 / this.temperature);
  }
}

/** r = Σ_k w_k·z_k, z the first K columns of `input` (data: no gradient). Saves z. */
export class WeightedSum implements Op {
  readonly name = 'weighted-sum';
  readonly saves = ['z'] as const;
  readonly out: Tensor;

  constructor(private g: Graph, readonly w: Tensor, readonly input: Tensor) {
    this.out = g.tensor('gate.sum', 1, true, w.rows);
  }

  forward(B: number): void {
    this.g.k.weightedSumForward(this.out.ptr, this.w.ptr, this.input.ptr, B, this.w.cols, this.input.cols);
  }

  backward(B: number): void {
    this.g.k.weightedSumBackward(this.w.grad, this.out.grad, this.input.ptr, B, this.w.cols, this.input.cols);
  }
}

/** y = e^s·x with a learnable log-scale s (init 0). Saves y and s. */
export class Scale implements Op {
  readonly name = 'scale';
  readonly saves = ['y', 's'] as const;
  readonly out: Tensor;
  readonly s: Param;

  constructor(private g: Graph, readonly x: Tensor, name = 'scale') {
    this.s = g.param(`${name}.s`, 1, false);
    this.out = g.tensor(`${name}.y`, x.cols, true, x.rows);
  }

  forward(B: number): void {
    this.g.k.scaleForward(this.out.ptr, this.x.ptr, this.s.ptr, B * this.x.cols);
  }

  backward(B: number): void {
    this.g.k.scaleBackward(this.x.grad, this.s.grad, this.out.grad, this.out.ptr, this.s.ptr, B * this.x.cols);
  }
}

/** y = a + b (a skip connection). Saves nothing. */
export class Add implements Op {
  readonly name = 'add';
  readonly saves = [] as const;
  readonly out: Tensor;

  constructor(private g: Graph, readonly a: Tensor, readonly b: Tensor) {
    if (a.cols !== b.cols || a.rows !== b.rows) throw new Error('rewardfuse: add needs tensors of one shape');
    this.out = g.tensor(`${a.name}+${b.name}`, a.cols, true, a.rows);
  }

  forward(B: number): void {
    this.g.k.addForward(this.out.ptr, this.a.ptr, this.b.ptr, B * this.a.cols);
  }

  backward(B: number): void {
    this.g.k.addBackward(this.a.grad, this.b.grad, this.out.grad, B * this.a.cols);
  }
}

/** A loss over r:(B,1), with targets t:(B) and optional weights w:(B). Its value is one f32. */
abstract class Loss implements Op {
  abstract readonly name: string;
  readonly saves = ['r', 't', 'w'] as const;
  readonly t: { readonly ptr: number };
  readonly w: { readonly ptr: number };
  private o: { readonly ptr: number };
  /** use the weights buffer on the next call */
  weighted = false;

  constructor(protected g: Graph, readonly r: Tensor, rows: number) {
    if (r.cols !== 1) throw new Error('rewardfuse: a loss takes one output column');
    this.t = g.buffer(rows);
    this.w = g.buffer(rows);
    this.o = g.buffer(1);
  }

  get value(): number {
    return this.g.arena.f32[this.o.ptr >> 2];
  }

  /** Targets (and weights, which turn weighting on) for the next n rows of the loss; rejects NaN and ±Infinity. */
  setTargets(t: ArrayLike<number>, n: number, w?: ArrayLike<number>): void {
    this.write(this.t.ptr, t, n, 'targets');
    this.weighted = !!w;
    if (w) this.write(this.w.ptr, w, n, 'weights');
  }

  /** Unweighted targets t_i = src[idx_i] for i < n, gathered in wasm from a column already in the arena. */
  gatherTargets(src: number, idx: number, n: number): void {
    this.g.k.gatherRows(this.t.ptr, src, idx, n, 1);
    this.weighted = false;
  }

  private write(ptr: number, values: ArrayLike<number>, n: number, what: string): void {
    if (values.length !== n) throw new Error(`rewardfuse: ${what} needs ${n} values, got ${values.length}`);
    this.g.arena.f32.set(values, ptr >> 2);
    const bad = this.g.k.firstNonFinite(ptr, n);
    if (bad >= 0) throw new Error(`rewardfuse: ${what}[${bad}] is ${values[bad]}, not a finite number`);
  }

  /** byte address of the loss value */
  protected get at(): number {
    return this.o.ptr;
  }

  protected get wptr(): number {
    return this.weighted ? this.w.ptr : 0;
  }

  abstract forward(B: number): void;
  abstract backward(B: number): void;
}

/** Σ w(r − t)² / Σ w. */
export class MseLoss extends Loss {
  readonly name = 'mse';
  constructor(g: Graph, r: Tensor) {
    super(g, r, r.rows);
  }
  forward(B: number): void {
    this.g.k.mseForward(this.at, this.r.ptr, this.t.ptr, this.wptr, B);
  }
  backward(B: number): void {
    this.g.k.mseBackward(this.r.grad, this.r.ptr, this.t.ptr, this.wptr, B);
  }
}

/** Binary cross-entropy of σ(r) against t ∈ [0, 1]. */
export class BceLoss extends Loss {
  readonly name = 'bce';
  constructor(g: Graph, r: Tensor) {
    super(g, r, r.rows);
  }
  forward(B: number): void {
    this.g.k.bceForward(this.at, this.r.ptr, this.t.ptr, this.wptr, B);
  }
  backward(B: number): void {
    this.g.k.bceBackward(this.r.grad, this.r.ptr, this.t.ptr, this.wptr, B);
  }
}

/**
 * Bradley–Terry on pairs: rows [0, P) of r score the a sides and rows [P, 2P)
 * the b sides; t:(P) is 1 (a preferred), 0 (b) or ½ (tie). B = 2P.
 */
export class BtLoss extends Loss {
  readonly name = 'bt';
  constructor(g: Graph, r: Tensor) {
    super(g, r, r.rows >> 1);
  }
  forward(B: number): void {
    const P = B >> 1;
    this.g.k.btForward(this.at, this.r.ptr, this.r.ptr + 4 * P, this.t.ptr, this.wptr, P);
  }
  backward(B: number): void {
    const P = B >> 1;
    this.g.k.btBackward(this.r.grad, this.r.grad + 4 * P, this.r.ptr, this.r.ptr + 4 * P, this.t.ptr, this.wptr, P);
  }
}

export const LOSSES: Record<LossKind, new (g: Graph, r: Tensor) => Loss> = { mse: MseLoss, bce: BceLoss, bt: BtLoss };
export type { Loss };
