// Cross-validation folds and hidden judges, all dealt by the seeded PCG32 in
// the kernels (a seed gives the same folds in every runtime).
//   random folds    a seeded permutation dealt round-robin
//   grouped folds   whole groups held out together, so the estimate includes
//                   the shift between groups (other categories, criteria, queries)
//   hidden judges   a random subset of the judges kept for a whole held-out
//                   fold, as when a user scores with only some of them present
import { Arena } from '../engine/arena.js';
import { newKernels } from '../engine/wasm.js';

const FOLD_STREAM = 1, GROUP_STREAM = 2, HIDE_STREAM = 3, SAMPLE_STREAM = 4;

// a seeded permutation of 0 … n−1, and the kernels that drew it (for more draws)
function permutation(n: number, seed: number, stream: number): Int32Array {
  const k = newKernels(), arena = new Arena(k);
  const p = arena.alloc(Math.max(n, 1));
  k.randomSeed(seed >>> 0, stream);
  k.randomPermutation(p, n);
  return arena.i32.slice(p >> 2, (p >> 2) + n);
}

/** Fold of each row: a seeded permutation dealt round-robin, so fold sizes differ by at most one. */
export function assignFolds(n: number, folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2 || folds > n) throw new Error(`rewardfuse: folds must be an integer from 2 to the ${n} rows, got ${folds}`);
  const perm = permutation(n, seed, FOLD_STREAM);
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[perm[i]] = i % folds;
  return fold;
}

/**
 * Fold of each row with whole groups held out: min(folds, groups) folds; the
 * groups, in a seeded order, each go to the fold with the fewest rows so far.
 */
export function assignGroupFolds(groups: readonly (string | undefined)[], folds: number, seed: number): Int32Array {
  const names = [...new Set(groups.map((g) => g ?? ''))];
  const k = Math.min(folds, names.length);
  if (!Number.isInteger(folds) || k < 2) throw new Error(`rewardfuse: grouped folds need at least 2 groups and 2 folds, got ${names.length} groups and ${folds} folds`);
  const size = new Map<string, number>();
  for (const g of groups) size.set(g ?? '', (size.get(g ?? '') ?? 0) + 1);
  const order = permutation(names.length, seed, GROUP_STREAM);
  const load = new Float64Array(k), of = new Map<string, number>();
  for (const i of order) {
    let f = 0;
    for (let j = 1; j < k; j++) if (load[j] < load[f]) f = j;
    of.set(names[i], f);
    load[f] += size.get(names[i])!;
  }
  return Int32Array.from(groups, (g) => of.get(g ?? '')!);
}

export interface Folds {
  fold: Int32Array;
  count: number;
  /** whole groups held out */
  grouped: boolean;
  /** how, for people: "3 folds by group (Natural, GPTInst, GPTOut)" */
  describe: string;
}

/** Grouped folds when the rows have two or more groups (unless `grouped` is false), random ones otherwise. */
export function makeFolds(groups: readonly (string | undefined)[], folds: number, seed: number, grouped?: boolean): Folds {
  const n = groups.length;
  const distinct = new Set(groups.map((g) => g ?? '')).size;
  if (grouped !== false && distinct >= 2) {
    const fold = assignGroupFolds(groups, folds, seed);
    const count = Math.max(...fold) + 1;
    return { fold, count, grouped: true, describe: `${count} folds by group (${distinct} groups)` };
  }
  if (grouped === true) throw new Error(`rewardfuse: grouped folds need at least 2 groups; the rows have ${distinct}`);
  const count = Math.min(folds, n);
  return { fold: assignFolds(n, count, seed), count, grouped: false, describe: `${count} random folds` };
}

/**
 * `draws` random subsets of K judges to keep, each a fraction drawn uniformly
 * from [lo, hi] of them (at least one): 1 = kept, 0 = hidden.
 */
export function judgeSubsets(K: number, draws: number, seed: number, lo = 0.12, hi = 0.6): Uint8Array[] {
  const k = newKernels(), arena = new Arena(k);
  const u = arena.alloc(1), p = arena.alloc(Math.max(K, 1));
  k.randomSeed(seed >>> 0, HIDE_STREAM);
  return Array.from({ length: draws }, () => {
    k.randomUniform(u, 1, lo, hi);
    const keep = Math.max(1, Math.round(arena.f32[u >> 2] * K));
    k.randomPermutation(p, K);
    const mask = new Uint8Array(K);
    for (let j = 0; j < keep; j++) mask[arena.i32[(p >> 2) + j]] = 1;
    return mask;
  });
}

/** A copy of x (rows, K) with the columns `keep` marks 0 set to NaN (no score). */
export function hideJudges(x: Float32Array, keep: Uint8Array): Float32Array {
  const K = keep.length, out = x.slice();
  for (let i = 0; i < out.length; i++) if (!keep[i % K]) out[i] = NaN;
  return out;
}

/**
 * At most m row indices, in increasing order, stratified by group: each group
 * keeps round(m·n_g/n) of its rows (at least one), chosen by a seeded permutation.
 */
export function stratifiedSample(groups: readonly (string | undefined)[], m: number, seed: number): number[] {
  const n = groups.length;
  if (m >= n) return Array.from({ length: n }, (_, i) => i);
  const size = new Map<string, number>();
  for (const g of groups) size.set(g ?? '', (size.get(g ?? '') ?? 0) + 1);
  const quota = new Map([...size].map(([g, c]) => [g, Math.max(1, Math.round((m * c) / n))]));
  const out: number[] = [];
  for (const i of permutation(n, seed, SAMPLE_STREAM)) {
    const g = groups[i] ?? '';
    const q = quota.get(g)!;
    if (q > 0) { out.push(i); quota.set(g, q - 1); }
  }
  return out.sort((a, b) => a - b);
}
