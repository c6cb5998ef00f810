// A weighted rule's weights (BMA, tempered BMA) over the judges present in a
// row: w_m / Σ_present w_k = exp(ℓ_m − LSE_present ℓ), from log weights ℓ
// that never underflow, so that a tiny weight never makes the sum 0.

/**
 * Summed in linear space, the stored weights (shifted by the log-sum-exp over
 * all judges) give the shares exactly as before while the present ones' sum is
 * a normal number, at least this; below it (0 when every present weight
 * underflowed, or subnormal and short of precision) the shift is the largest
 * present log weight instead. So bits change only where that sum was 0 or subnormal.
 */
export const FULL_SUM = 2 ** -1022;

/**
 * Σ_present s_m·β_m·z_m with s the shares of the present judges (NaN in z:
 * absent) from log weights lw: NaN when none present has a weight (every lw −∞).
 */
export function logWeighted(lw: Float64Array, beta: Float64Array, z: ArrayLike<number>, at: number, K: number): number {
  const s = new Float64Array(K);
  if (!logShares(lw, z, at, K, s)) return NaN;
  let r = 0;
  for (let m = 0; m < K; m++) if (s[m]) r += s[m] * beta[m] * z[at + m];
  return r;
}

/**
 * The shares of the judges present in row x[at, at + K) (NaN: absent),
 * exp(ℓ_m − LSE_present ℓ), into out (0 for the absent); false, and out all 0,
 * when no present judge has a weight.
 */
export function logShares(lw: Float64Array, x: ArrayLike<number>, at: number, K: number, out: Float64Array | Float32Array): boolean {
  let top = -Infinity;
  for (let m = 0; m < K; m++) if (x[at + m] === x[at + m] && lw[m] > top) top = lw[m];
  out.fill(0);
  if (top === -Infinity) return false;
  let sum = 0;
  for (let m = 0; m < K; m++) if (x[at + m] === x[at + m]) sum += Math.exp(lw[m] - top);
  for (let m = 0; m < K; m++) if (x[at + m] === x[at + m]) out[m] = Math.exp(lw[m] - top) / sum;
  return true;
}
