// Loading the kernels: one compiled module, one instance (and so one memory,
// one arena, one random generator) per model. The bytes are inlined at build
// time, so nothing here touches fs or fetch. The module imports nothing and
// exports only functions of numbers, so the plain WebAssembly API is all it
// needs: @assemblyscript/loader's wrappers cost a closure call per kernel
// call, and its bare import would stop a browser loading dist/ unbundled.
import { wasmBase64 } from './wasm-inline.js';
import { fromBase64 } from './base64.js';

type Ptr = number;

/** The raw exports of assembly/index.ts: pointers (byte offsets) and sizes. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  matmulForward(y: Ptr, x: Ptr, w: Ptr, b: Ptr, B: number, K: number, N: number, relu: number): void;
  matmulForwardScalar(y: Ptr, x: Ptr, w: Ptr, b: Ptr, B: number, K: number, N: number, relu: number): void;
  matmulBackward(dx: Ptr, dw: Ptr, db: Ptr, dy: Ptr, x: Ptr, w: Ptr, scratch: Ptr, B: number, K: number, N: number): void;
  matmulBackwardScalar(dx: Ptr, dw: Ptr, db: Ptr, dy: Ptr, x: Ptr, w: Ptr, scratch: Ptr, B: number, K: number, N: number): void;
  transpose(out: Ptr, x: Ptr, R: number, C: number): void;
  reluMask(dy: Ptr, y: Ptr, n: number): void;
  reluMaskScalar(dy: Ptr, y: Ptr, n: number): void;
  expScalar(x: number): number;
  reluForward(y: Ptr, x: Ptr, n: number): void;
  reluForwardScalar(y: Ptr, x: Ptr, n: number): void;
  reluBackward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  reluBackwardScalar(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  tanhForward(y: Ptr, x: Ptr, n: number): void;
  tanhForwardScalar(y: Ptr, x: Ptr, n: number): void;
  tanhBackward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  tanhBackwardScalar(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  sigmoidForward(y: Ptr, x: Ptr, n: number): void;
  sigmoidForwardScalar(y: Ptr, x: Ptr, n: number): void;
  sigmoidBackward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  sigmoidBackwardScalar(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  geluForward(y: Ptr, x: Ptr, n: number): void;
  geluForwardScalar(y: Ptr, x: Ptr, n: number): void;
  geluBackward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  geluBackwardScalar(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  mseForward(out: Ptr, y: Ptr, t: Ptr, w: Ptr, n: number): void;
  mseBackward(dy: Ptr, y: Ptr, t: Ptr, w: Ptr, n: number): void;
  bceForward(out: Ptr, z: Ptr, t: Ptr, w: Ptr, n: number): void;
  bceBackward(dz: Ptr, z: Ptr, t: Ptr, w: Ptr, n: number): void;
  btForward(out: Ptr, ra: Ptr, rb: Ptr, t: Ptr, w: Ptr, n: number): void;
  btBackward(dra: Ptr, drb: Ptr, ra: Ptr, rb: Ptr, t: Ptr, w: Ptr, n: number): void;
  adamwStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, wd: number, t: number): void;
  adamwStepScalar(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, wd: number, t: number): void;
  randomSeed(seed: number, stream: number): void;
  randomBelow(n: number): number;
  randomUniform(out: Ptr, n: number, lo: number, hi: number): void;
  randomNormal(out: Ptr, n: number, mean: number, std: number): void;
  randomPermutation(out: Ptr, n: number): void;
  randomBernoulli(out: Ptr, n: number, p: number): void;
  fillZero(x: Ptr, n: number): void;
  gatherRows(out: Ptr, src: Ptr, idx: Ptr, rows: number, cols: number): void;
  firstNonFinite(x: Ptr, n: number): number;
  softmaxForward(w: Ptr, x: Ptr, mask: Ptr, B: number, K: number, maskStride: number, invT: number): void;
  softmaxBackward(dx: Ptr, dw: Ptr, w: Ptr, B: number, K: number, invT: number): void;
  weightedSumForward(r: Ptr, w: Ptr, z: Ptr, B: number, K: number, zStride: number): void;
  weightedSumBackward(dw: Ptr, dr: Ptr, z: Ptr, B: number, K: number, zStride: number): void;
  scaleForward(y: Ptr, x: Ptr, s: Ptr, n: number): void;
  scaleBackward(dx: Ptr, ds: Ptr, dy: Ptr, y: Ptr, s: Ptr, n: number): void;
  dropModels(x: Ptr, rows: number, pairRows: number, K: number, stride: number, maskAt: number, p: number): void;
  addForward(y: Ptr, a: Ptr, b: Ptr, n: number): void;
  addForwardScalar(y: Ptr, a: Ptr, b: Ptr, n: number): void;
  addBackward(da: Ptr, db: Ptr, dy: Ptr, n: number): void;
  addBackwardScalar(da: Ptr, db: Ptr, dy: Ptr, n: number): void;
  normalizeColumns(out: Ptr, x: Ptr, center: Ptr, scale: Ptr, B: number, K: number, stride: number, maskAt: number): void;
}

let compiled: WebAssembly.Module | undefined;

const inlineBytes = () => fromBase64(wasmBase64);

/**
 * Compile the kernels once. Call it (and await it) before building a model in
 * a browser, where large modules may not compile synchronously. Pass a
 * `WebAssembly.Module` where the host compiles wasm itself (Cloudflare Workers
 * import `rewardfuse/rewardfuse.wasm` as a module), or the .wasm bytes.
 */
export async function init(source?: WebAssembly.Module | BufferSource): Promise<void> {
  if (source instanceof WebAssembly.Module) {
    compiled = source;
    return;
  }
  if (compiled && !source) return;
  compiled = await WebAssembly.compile(source ?? inlineBytes());
}

/** A fresh instance with its own memory. Compiles synchronously if init() was not awaited (Node, Deno, Bun). */
export function newKernels(): Kernels {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(inlineBytes());
    } catch (e) {
      throw new Error(`rewardfuse: could not compile the kernels synchronously here; await init() first (${(e as Error).message})`);
    }
  }
  return new WebAssembly.Instance(compiled, {}).exports as unknown as Kernels;
}
