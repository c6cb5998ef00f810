// The scalar functions that scoring, fitting and the metrics share, written once:
//   σ(x) = 1/(1 + e^−x),  log σ(x) = −softplus(−x),  quantiles of sorted values.

/** σ(x), computed without overflow for either sign of x. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log σ(x) = −(max(−x, 0) + log(1 + e^−|x|)), without overflow. */
export function logSigmoid(x: number): number {
  return -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
}

/** q-quantile of sorted v: v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋]), h = q(n − 1). */
export function quantile(v: ArrayLike<number>, q: number): number {
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}
