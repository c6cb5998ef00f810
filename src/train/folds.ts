// Cross-validation folds, dealt by the seeded PCG32 in the kernels.
import { Arena } from '../engine/arena.js';
import { newKernels } from '../engine/wasm.js';

/** Fold of each row: a seeded permutation dealt round-robin, so fold sizes differ by at most one. */
export function assignFolds(n: number, folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2 || folds > n) throw new Error(`rewardfuse: folds must be an integer from 2 to the ${n} rows, got ${folds}`);
  const k = newKernels(), arena = new Arena(k);
  const p = arena.alloc(n);
  k.randomSeed(seed >>> 0, 1);
  k.randomPermutation(p, n);
  const perm = arena.i32.subarray(p >> 2, (p >> 2) + n);
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[perm[i]] = i % folds;
  return fold;
}
