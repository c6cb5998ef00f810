// One WebAssembly.Memory per model. Blocks are laid out once, up front, by a
// bump pointer past the module's static data; nothing is freed but by
// rewinding to a mark (a scorer's per-piece blocks), and the hot path
// allocates nothing. Growing memory detaches every view, so views come
// from the accessors below, which rebuild them when memory.buffer changed.
import type { Kernels } from './wasm.js';

/** What the arena needs of an instance: its memory, and where its static data ends. */
export type Heap = Pick<Kernels, 'memory' | 'heapBase'>;

const ALIGN = 64; // bytes: a cache line, and a multiple of v128
const PAGE = 65536;

export class Arena {
  readonly k: Heap;
  private top: number;
  private buffer: ArrayBuffer | undefined;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);
  private f64View = new Float64Array(0);

  constructor(k: Heap) {
    this.k = k;
    this.top = align(k.heapBase());
  }

  /** Reserve n f32 (or i32) slots; returns a byte pointer. Grows memory when needed. */
  alloc(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new Error(`rewardfuse: bad block size ${n}`);
    const ptr = this.top;
    this.top = align(ptr + 4 * Math.max(n, 1));
    const have = this.k.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      try {
        this.k.memory.grow(pages);
      } catch {
        throw new Error(`rewardfuse: cannot grow wasm memory to ${(this.top / 2 ** 20).toFixed(1)} MiB`);
      }
    }
    return ptr;
  }

  /** Reserve n bytes (rounded up to f32 slots); returns a byte pointer. */
  allocBytes(n: number): number {
    return this.alloc(Math.ceil(n / 4));
  }

  /** Free every block from `mark` (a value of `bytes`) on, to lay them out again. */
  rewind(mark: number): void {
    if (mark > this.top || mark < align(this.k.heapBase())) throw new Error(`rewardfuse: bad arena mark ${mark}`);
    this.top = mark;
  }

  /** All of memory as f32: index = ptr >> 2. Rebuilt only after growth. */
  get f32(): Float32Array {
    if (this.buffer !== this.k.memory.buffer) this.rebuild();
    return this.f32View;
  }

  /** All of memory as i32: index = ptr >> 2. */
  get i32(): Int32Array {
    if (this.buffer !== this.k.memory.buffer) this.rebuild();
    return this.i32View;
  }

  /** All of memory as f64: index = ptr >> 3 (blocks are 64-byte aligned; an f64 takes two slots of alloc). */
  get f64(): Float64Array {
    if (this.buffer !== this.k.memory.buffer) this.rebuild();
    return this.f64View;
  }

  /** Bytes in use, from address 0. */
  get bytes(): number {
    return this.top;
  }

  private rebuild(): void {
    this.buffer = this.k.memory.buffer as ArrayBuffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }
}

function align(p: number): number {
  return Math.ceil(p / ALIGN) * ALIGN;
}
