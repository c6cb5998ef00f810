// Robust z-scores, one per column, fitted on training rows only:
//   z = (x − median)·scale,   scale = 1/spread,
//   spread = IQR/1.349, else MAD·1.4826, else the standard deviation, else 1
// (the first that is positive: a judge that gives 0, 1 or 2 can have IQR 0).
// Applying it is the wasm kernel normalizeColumns; fitting is order statistics
// and interpolation, exact in any engine. The quantiles are found by selection
// (O(n), not a sort); the standard deviation, a sum whose bits depend on its
// order, is only needed when IQR and MAD are both 0, and is then summed over
// the sorted values as before.

import { quantile } from './math.js';

export interface Normaliser {
  /** per column, f32 */
  center: Float32Array;
  scale: Float32Array;
}

/** Fit on the non-NaN values of each column of x:(rows, cols), pooling extra blocks (e.g. both sides of pairs). */
export function fitNormaliser(cols: number, ...blocks: Float32Array[]): Normaliser {
  const center = new Float32Array(cols);
  const scale = new Float32Array(cols).fill(1);
  const rows = blocks.reduce((s, x) => s + x.length / Math.max(cols, 1), 0);
  const buf = new Float64Array(rows), dev = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    let n = 0, negZero = false;
    for (const x of blocks) {
      for (let i = j; i < x.length; i += cols) {
        const v = x[i];
        if (v !== v) continue;
        if (v === 0 && 1 / v < 0) negZero = true;
        buf[n++] = v;
      }
    }
    if (!n) continue;
    const v = buf.subarray(0, n);
    // −0 and +0 compare equal, so a selection could return either where a sort puts −0 first: sort then
    if (negZero) v.sort();
    let med: number, iqr: number;
    if (negZero) {
      med = quantile(v, 0.5);
      iqr = (quantile(v, 0.75) - quantile(v, 0.25)) / 1.349;
    } else {
      // the median's selection splits v at m: the quartiles are then searched for on their side only
      med = selectQuantile(v, 0.5);
      const m = Math.floor((n - 1) / 2), q1 = Math.floor((n - 1) * 0.25);
      iqr = (selectQuantile(v, 0.75, m, n) - selectQuantile(v, 0.25, 0, q1 + 1 <= m ? m + 1 : n)) / 1.349;
    }
    const d = dev.subarray(0, n);
    for (let i = 0; i < n; i++) d[i] = Math.abs(v[i] - med);
    const mad = (negZero ? quantile : selectQuantile)(d, 0.5) * 1.4826;
    let spread = [iqr, mad].find((s) => s > 1e-12);
    if (spread === undefined) {
      v.sort(); // typed arrays sort numerically
      let sum = 0;
      for (let i = 0; i < n; i++) sum += v[i];
      const mean = sum / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
      const sd = Math.sqrt(ss / n);
      spread = sd > 1e-12 ? sd : 1;
    }
    center[j] = med;
    scale[j] = 1 / spread;
  }
  return { center, scale };
}

/**
 * quantile(sorted v, q), without sorting: v is reordered in place; the result
 * is the same number. Only v[from, to) is searched and reordered: it must
 * hold the order statistics from … to − 1 (as it does after a selection
 * at from − 1 or at to − 1), and the ones the quantile needs must be among them.
 */
export function selectQuantile(v: Float64Array, q: number, from = 0, to = v.length): number {
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  const a = select(v, lo, from, to - 1);
  if (lo + 1 >= v.length) return a;
  let b = Infinity; // the next order statistic: the least value right of lo
  for (let i = lo + 1; i < to; i++) if (v[i] < b) b = v[i];
  return a + (h - lo) * (b - a);
}

/** The k-th smallest of v[first, last] (no NaN), leaving v[i] ≤ v[k] for i < k and v[i] ≥ v[k] for i > k in it (Hoare's selection). */
function select(v: Float64Array, k: number, first: number, last: number): number {
  let lo = first, hi = last, rounds = 0;
  while (hi > lo) {
    if (++rounds > 64) { // an unlucky run of pivots: finish the range by sorting it
      v.subarray(lo, hi + 1).sort();
      return v[k];
    }
    // pivot: the median of three
    const m = (lo + hi) >>> 1;
    let a = v[lo], b = v[m], c = v[hi];
    if (a > b) [a, b] = [b, a];
    if (b > c) [b, c] = [c, b];
    if (a > b) [a, b] = [b, a];
    const pivot = b;
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i]; v[i] = v[j]; v[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}
