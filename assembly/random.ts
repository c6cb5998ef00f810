// PCG32 (O'Neill, pcg-random.org): 64-bit state, 32-bit output. One generator
// per instance; a seed gives the same stream on every engine.

let state: u64 = 0x853c49e6748fea9b;
let inc: u64 = 0xda3e39cb94b95bdb;

function next(): u32 {
  const old = state;
  state = old * 6364136223846793005 + inc;
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  return rotr<u32>(xorshifted, <u32>(old >> 59));
}

// a uniform f32 in [0, 1) with 24 random bits
// @ts-ignore: decorator
@inline function uniform(): f32 {
  return <f32>(next() >> 8) * (1.0 / 16777216.0);
}

/** Seed the generator: stream selects one of 2^31 independent sequences. */
export function randomSeed(seed: u32, stream: u32): void {
  state = 0;
  inc = (<u64>stream << 1) | 1;
  next();
  state += <u64>seed;
  next();
}

/** A uniform integer in [0, n), unbiased (Lemire's multiply and reject). n ≥ 1. */
export function randomBelow(n: u32): u32 {
  let m = <u64>next() * <u64>n;
  let low = <u32>m;
  if (low < n) {
    const threshold: u32 = (<u32>0 - n) % n;
    while (low < threshold) {
      m = <u64>next() * <u64>n;
      low = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

/**
 * The means of `resamples` bootstrap resamples of values:(m) f64, each m
 * draws with replacement (randomBelow), summed in draw order   out:(resamples) f64.
 */
export function bootstrapMeans(out: usize, values: usize, m: i32, resamples: i32): void {
  for (let b = 0; b < resamples; b++) {
    let s: f64 = 0;
    for (let j = 0; j < m; j++) s += load<f64>(values + (<usize>randomBelow(<u32>m) << 3));
    store<f64>(out + (<usize>b << 3), s / <f64>m);
  }
}

/** out[i] = lo + (hi − lo)·u, u uniform in [0, 1)   out:(n). */
export function randomUniform(out: usize, n: i32, lo: f32, hi: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), lo + (hi - lo) * uniform());
}

/** out[i] ~ N(mean, std²) by Box–Muller, in pairs   out:(n). */
export function randomNormal(out: usize, n: i32, mean: f32, std: f32): void {
  for (let i = 0; i < n; i += 2) {
    const u1 = (<f64>(next() >> 8) + 1.0) * (1.0 / 16777216.0); // (0, 1]
    const u2 = <f64>(next() >> 8) * (1.0 / 16777216.0);
    const r = Math.sqrt(-2.0 * Math.log(u1));
    store<f32>(out + (<usize>i << 2), mean + std * <f32>(r * Math.cos(2.0 * Math.PI * u2)));
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), mean + std * <f32>(r * Math.sin(2.0 * Math.PI * u2)));
  }
}

/** out = a uniformly random permutation of 0..n−1 (Fisher–Yates)   out:(n) i32. */
export function randomPermutation(out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), i);
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>randomBelow(<u32>(i + 1));
    const a = out + (<usize>i << 2), b = out + (<usize>j << 2);
    const t = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, t);
  }
}

/** out[i] = 1 with probability p, else 0   out:(n). */
export function randomBernoulli(out: usize, n: i32, p: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), uniform() < p ? 1 : 0);
}

/**
 * Model dropout for training: each present model (mask 1) of a row is hidden
 * with probability p, its score and mask set to 0, keeping at least one. With
 * pairRows > 0, row i + pairRows (the other side of pair i) loses the same models.
 *   x:(rows (+ pairRows), stride): scores at columns [0, K), masks at [maskAt, maskAt + K)
 */
export function dropModels(x: usize, rows: i32, pairRows: i32, K: i32, stride: i32, maskAt: i32, p: f32): void {
  for (let i = 0; i < rows; i++) {
    const r = x + ((<usize>i * stride) << 2);
    let left = 0;
    for (let k = 0; k < K; k++) if (load<f32>(r + (<usize>(maskAt + k) << 2)) != 0) left++;
    for (let k = 0; k < K; k++) {
      const m = r + (<usize>(maskAt + k) << 2);
      if (load<f32>(m) == 0 || left <= 1 || !(uniform() < p)) continue;
      left--;
      store<f32>(r + (<usize>k << 2), 0);
      store<f32>(m, 0);
      if (pairRows > 0) {
        const q = r + ((<usize>pairRows * stride) << 2);
        store<f32>(q + (<usize>k << 2), 0);
        store<f32>(q + (<usize>(maskAt + k) << 2), 0);
      }
    }
  }
}
