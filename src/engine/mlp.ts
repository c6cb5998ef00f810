// Mlp: K inputs → hidden layers → 1 output, on one arena.
//   forward(x, B) → loss(kind, t) → backward() → step()   (zeroGrad() between steps)
import { Graph, type AdamWOptions, type Tensor } from './graph.js';
import { LOSSES, Linear, type ActivationKind, type Loss, type LossKind } from './ops.js';
import { hiddenStack } from './stack.js';

export interface MlpOptions {
  /** K, the number of input columns */
  inputs: number;
  /** hidden layer widths; [] is a linear model. Default [32, 32]. */
  hidden?: number[];
  activation?: ActivationKind;
  /** rows the arena holds at once (a pair is two rows). Default 1024. */
  maxBatch?: number;
  seed?: number;
}

export class Mlp {
  readonly graph: Graph;
  readonly input: Tensor;
  readonly output: Tensor;
  readonly layers: Linear[] = [];
  readonly inputs: number;
  readonly hidden: number[];
  readonly activation: ActivationKind;
  private losses: Record<LossKind, Loss>;
  private rows = 0;

  constructor(opts: MlpOptions) {
    const K = opts.inputs;
    if (!Number.isInteger(K) || K < 1) throw new Error(`rewardfuse: inputs must be a positive integer, got ${K}`);
    this.inputs = K;
    this.hidden = opts.hidden ?? [32, 32];
    for (const h of this.hidden) {
      if (!Number.isInteger(h) || h < 1) throw new Error(`rewardfuse: hidden widths must be positive integers, got ${this.hidden.join(',')}`);
    }
    this.activation = opts.activation ?? 'relu';
    const g = (this.graph = new Graph(opts.maxBatch ?? 1024));
    this.input = g.tensor('x', K, false);
    const stack = hiddenStack(g, this.input, this.hidden, this.activation, (i) => `layer${i}`);
    this.layers.push(...stack.layers);
    const h = stack.out;
    const last = g.add(new Linear(g, h, 1, `layer${this.hidden.length}`, 3));
    this.layers.push(last);
    this.output = last.out;
    this.losses = { mse: new LOSSES.mse(g, this.output), bce: new LOSSES.bce(g, this.output), bt: new LOSSES.bt(g, this.output) };
    g.layout();
    g.init(opts.seed ?? 0);
  }

  get maxBatch(): number {
    return this.graph.maxRows;
  }

  /** Run the net on `rows` rows of x (row-major, K columns), recording the tape. */
  forward(x: ArrayLike<number>, rows: number): void {
    this.graph.write(this.input, x, rows, 'input');
    this.graph.forward(rows);
    this.rows = rows;
  }

  /** A copy of the last forward's outputs. */
  outputs(): Float32Array {
    const at = this.output.ptr >> 2;
    return this.graph.arena.f32.slice(at, at + this.rows);
  }

  /**
   * The loss of the last forward, recorded on the tape. mse and bce take one
   * target a row; bt takes one a pair (rows [0,P) are the a sides, [P,2P) the b sides).
   */
  loss(kind: LossKind, targets: ArrayLike<number>, weights?: ArrayLike<number>): number {
    const op = this.losses[kind];
    if (!op) throw new Error(`rewardfuse: unknown loss '${kind}' (use mse, bce or bt)`);
    if (!this.rows) throw new Error('rewardfuse: run forward() before loss()');
    if (kind === 'bt' && this.rows % 2) throw new Error(`rewardfuse: bt needs an even number of rows (a sides then b sides), got ${this.rows}`);
    const n = kind === 'bt' ? this.rows / 2 : this.rows;
    op.setTargets(targets, n, weights);
    this.graph.run(op, this.rows);
    return op.value;
  }

  backward(): void {
    this.graph.backward(this.rows);
  }

  zeroGrad(): void {
    this.graph.zeroGrad();
  }

  step(opt?: AdamWOptions): void {
    this.graph.step(opt);
  }

  /**
   * r(x) for every row of x (K columns a row), in chunks of maxBatch rows.
   * Throws, naming the row, for an input that is not finite or an output that
   * overflows (an input too large for the weights): never a silent NaN.
   */
  predict(x: Float32Array, out = new Float32Array(x.length / this.inputs)): Float32Array {
    const K = this.inputs;
    if (x.length % K) throw new Error(`rewardfuse: predict got ${x.length} values, not a multiple of ${K} inputs`);
    const n = x.length / K;
    if (out.length < n) throw new Error(`rewardfuse: predict's output holds ${out.length} values, needs ${n}`);
    const g = this.graph, at = this.output.ptr >> 2;
    for (let r0 = 0; r0 < n; r0 += this.maxBatch) {
      const B = Math.min(this.maxBatch, n - r0);
      g.write(this.input, n <= this.maxBatch ? x : x.subarray(r0 * K, (r0 + B) * K), B, 'input', r0);
      g.infer(B);
      const bad = g.k.firstNonFinite(this.output.ptr, B);
      if (bad >= 0) {
        const row = x.subarray((r0 + bad) * K, (r0 + bad + 1) * K);
        const big = row.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        throw new Error(`rewardfuse: predict: row ${r0 + bad} gives ${g.arena.f32[at + bad]}, not a finite number (its largest input, |x| = ${big}, overflows float32 inside the net)`);
      }
      const f32 = g.arena.f32;
      if (B === 1) out[r0] = f32[at]; // no view to allocate for the one-row case
      else out.set(f32.subarray(at, at + B), r0);
    }
    return out;
  }

  get parameterCount(): number {
    return this.graph.paramCount;
  }

  getParameters(): Float32Array {
    return this.graph.getParameters();
  }

  setParameters(p: Float32Array): void {
    this.graph.setParameters(p);
  }
}
