// The text kernels of assembly/text/ (the JSON-lines scanner, the float
// printer) on a fresh instance of the one wasm module. Only src/score/ calls
// them; the engine's `Kernels` type does not list them.
import { newInstance } from '../engine/wasm.js';
import type { TextKernels } from './text-kernels.gen.js';

export type { TextKernels };

export function newTextKernels(): TextKernels {
  return newInstance() as unknown as TextKernels;
}
