// A small static graph with a tape: ops are declared once, the layout gives
// every tensor and parameter its address in one arena, and each step runs
//   forward(B)   the ops in order, each pushed on the tape
//   loss         one more op on the tape, whose backward seeds the gradient
//   backward()   the tape in reverse, each op calling its paired kernel
// Gradients accumulate (+=); forward zeroes the activation gradients it will
// fill, zeroGrad() the parameter gradients.
import { Arena } from './arena.js';
import { newKernels, type Kernels } from './wasm.js';

/** A (rows, cols) f32 matrix in the arena; rows is the capacity, a call uses the first B. */
export interface Tensor {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** byte address of the values, set by layout() */
  ptr: number;
  /** byte address of the gradient, 0 when no gradient flows here */
  grad: number;
  readonly needsGrad: boolean;
}

/** A block of trainable parameters. Decayed blocks (weights) sit before undecayed ones (biases, scales). */
export interface Param {
  readonly name: string;
  readonly size: number;
  readonly decay: boolean;
  ptr: number;
  grad: number;
}

/** A node on the tape. `saves` names what its backward reads, as tfjs's inputsToSave/outputsToSave. */
export interface Op {
  readonly name: string;
  readonly saves: readonly string[];
  readonly out?: Tensor;
  forward(B: number): void;
  backward(B: number): void;
  /** seeded initialisation of its parameters, called in declaration order */
  init?(): void;
}

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Graph {
  readonly k: Kernels;
  readonly arena: Arena;
  readonly maxRows: number;
  readonly tensors: Tensor[] = [];
  readonly params: Param[] = [];
  readonly ops: Op[] = [];
  private buffers: { n: number; ptr: number }[] = [];
  private tape: Op[] = [];
  private laidOut = false;
  /** the flat parameter block and its twins: gradient, Adam's m and v */
  paramPtr = 0;
  gradPtr = 0;
  mPtr = 0;
  vPtr = 0;
  paramCount = 0;
  decayCount = 0;
  /** AdamW steps taken */
  steps = 0;

  constructor(maxRows: number) {
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`rewardfuse: maxRows must be a positive integer, got ${maxRows}`);
    this.k = newKernels();
    this.arena = new Arena(this.k);
    this.maxRows = maxRows;
  }

  tensor(name: string, cols: number, needsGrad: boolean, rows = this.maxRows): Tensor {
    this.assertOpen();
    const t: Tensor = { name, rows, cols, ptr: 0, grad: 0, needsGrad };
    this.tensors.push(t);
    return t;
  }

  param(name: string, size: number, decay: boolean): Param {
    this.assertOpen();
    const p: Param = { name, size, decay, ptr: 0, grad: 0 };
    this.params.push(p);
    return p;
  }

  /** A scratch block of n f32 slots; read its address after layout(). */
  buffer(n: number): { readonly n: number; readonly ptr: number } {
    this.assertOpen();
    const b = { n, ptr: 0 };
    this.buffers.push(b);
    return b;
  }

  add<T extends Op>(op: T): T {
    this.assertOpen();
    this.ops.push(op);
    return op;
  }

  /** The one place that turns sizes into addresses: parameters, gradients, m, v, then tensors and buffers. */
  layout(): void {
    this.assertOpen();
    const ordered = [...this.params.filter((p) => p.decay), ...this.params.filter((p) => !p.decay)];
    this.paramCount = ordered.reduce((s, p) => s + p.size, 0);
    this.decayCount = ordered.filter((p) => p.decay).reduce((s, p) => s + p.size, 0);
    this.paramPtr = this.arena.alloc(this.paramCount);
    this.gradPtr = this.arena.alloc(this.paramCount);
    this.mPtr = this.arena.alloc(this.paramCount);
    this.vPtr = this.arena.alloc(this.paramCount);
    let off = 0;
    for (const p of ordered) {
      p.ptr = this.paramPtr + 4 * off;
      p.grad = this.gradPtr + 4 * off;
      off += p.size;
    }
    for (const t of this.tensors) {
      t.ptr = this.arena.alloc(t.rows * t.cols);
      t.grad = t.needsGrad ? this.arena.alloc(t.rows * t.cols) : 0;
    }
    for (const b of this.buffers) b.ptr = this.arena.alloc(b.n);
    this.laidOut = true;
  }

  /** Seed the instance's generator and initialise every op's parameters; resets Adam. */
  init(seed: number): void {
    this.assertLaidOut();
    this.k.randomSeed(seed >>> 0, 0);
    this.k.fillZero(this.paramPtr, this.paramCount);
    for (const op of this.ops) op.init?.();
    this.resetMoments();
    this.steps = 0;
  }

  /** Run every op on the first B rows, recording the tape. */
  forward(B: number): void {
    this.checkRows(B);
    this.tape.length = 0;
    for (const t of this.tensors) {
      if (t.grad) this.k.fillZero(t.grad, Math.min(B, t.rows) * t.cols);
    }
    for (const op of this.ops) this.run(op, B);
  }

  /** Run every op on the first B rows for inference: no tape, no gradients. */
  infer(B: number): void {
    this.checkRows(B);
    for (const op of this.ops) op.forward(B);
  }

  /** Run one more op (a loss) on the tape. */
  run(op: Op, B: number): void {
    op.forward(B);
    this.tape.push(op);
  }

  /** Replay the tape in reverse: each op's backward kernel adds into its inputs' gradients. */
  backward(B: number): void {
    for (let i = this.tape.length - 1; i >= 0; i--) this.tape[i].backward(B);
  }

  zeroGrad(): void {
    this.k.fillZero(this.gradPtr, this.paramCount);
  }

  /** One AdamW step: weight decay on the weight block only. */
  step(opt: AdamWOptions = {}): void {
    const lr = opt.lr ?? 1e-3, b1 = opt.beta1 ?? 0.9, b2 = opt.beta2 ?? 0.999, eps = opt.eps ?? 1e-8, wd = opt.weightDecay ?? 0;
    const t = ++this.steps;
    const d = this.decayCount, rest = this.paramCount - d;
    if (d) this.k.adamwStep(this.paramPtr, this.gradPtr, this.mPtr, this.vPtr, d, lr, b1, b2, eps, wd, t);
    if (rest) {
      const o = 4 * d;
      this.k.adamwStep(this.paramPtr + o, this.gradPtr + o, this.mPtr + o, this.vPtr + o, rest, lr, b1, b2, eps, 0, t);
    }
  }

  /** Adam's m and v, copied, and put back: a look at one step must not change training. */
  getMoments(): { m: Float32Array; v: Float32Array } {
    const f = this.arena.f32, n = this.paramCount;
    return { m: f.slice(this.mPtr >> 2, (this.mPtr >> 2) + n), v: f.slice(this.vPtr >> 2, (this.vPtr >> 2) + n) };
  }

  setMoments(s: { m: Float32Array; v: Float32Array }): void {
    this.arena.f32.set(s.m, this.mPtr >> 2);
    this.arena.f32.set(s.v, this.vPtr >> 2);
  }

  resetMoments(): void {
    this.k.fillZero(this.mPtr, this.paramCount);
    this.k.fillZero(this.vPtr, this.paramCount);
  }

  /** A copy of the flat parameter block, in layout order. */
  getParameters(): Float32Array {
    this.assertLaidOut();
    return this.arena.f32.slice(this.paramPtr >> 2, (this.paramPtr >> 2) + this.paramCount);
  }

  setParameters(values: Float32Array): void {
    this.assertLaidOut();
    if (values.length !== this.paramCount) throw new Error(`rewardfuse: expected ${this.paramCount} parameters, got ${values.length}`);
    this.arena.f32.set(values, this.paramPtr >> 2);
    const bad = this.k.firstNonFinite(this.paramPtr, this.paramCount);
    if (bad >= 0) throw new Error(`rewardfuse: parameter ${bad} is not a finite number`);
  }

  /** Copy rows×t.cols values into tensor t, rejecting NaN and ±Infinity. */
  write(t: Tensor, values: ArrayLike<number>, rows: number, what = t.name, firstRow = 0): void {
    this.checkRows(rows);
    const n = rows * t.cols;
    if (values.length < n) throw new Error(`rewardfuse: ${what} needs ${n} values (${rows} rows × ${t.cols}), got ${values.length}`);
    const f32 = this.arena.f32;
    const at = t.ptr >> 2;
    if (values.length === n) f32.set(values, at);
    else for (let i = 0; i < n; i++) f32[at + i] = values[i];
    const bad = this.k.firstNonFinite(t.ptr, n);
    if (bad >= 0) {
      throw new Error(`rewardfuse: ${what} row ${firstRow + Math.floor(bad / t.cols)} column ${bad % t.cols} is ${values[bad]}, not a finite number`);
    }
  }

  checkRows(B: number): void {
    if (!Number.isInteger(B) || B < 1 || B > this.maxRows) {
      throw new Error(`rewardfuse: batch of ${B} rows does not fit: this model's arena holds 1 to ${this.maxRows} rows`);
    }
  }

  private assertOpen(): void {
    if (this.laidOut) throw new Error('rewardfuse: the graph is laid out; declare tensors and ops before layout()');
  }

  private assertLaidOut(): void {
    if (!this.laidOut) throw new Error('rewardfuse: call layout() first');
  }
}
