// Robust z-scores, one per column, fitted on training rows only:
//   z = (x − median)·scale,   scale = 1/spread,
//   spread = IQR/1.349, else MAD·1.4826, else the standard deviation, else 1
// (the first that is positive: a judge that gives 0, 1 or 2 can have IQR 0).
// Applying it is the wasm kernel normalizeColumns; fitting is sorting and
// interpolation, exact in any engine.

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
    let n = 0;
    for (const x of blocks) for (let i = j; i < x.length; i += cols) if (x[i] === x[i]) buf[n++] = x[i];
    if (!n) continue;
    const v = buf.subarray(0, n).sort(); // typed arrays sort numerically
    const med = quantile(v, 0.5);
    const iqr = (quantile(v, 0.75) - quantile(v, 0.25)) / 1.349;
    const d = dev.subarray(0, n);
    for (let i = 0; i < n; i++) d[i] = Math.abs(v[i] - med);
    d.sort();
    const mad = quantile(d, 0.5) * 1.4826;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[i];
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
    const sd = Math.sqrt(ss / n);
    const spread = [iqr, mad, sd].find((s) => s > 1e-12) ?? 1;
    center[j] = med;
    scale[j] = 1 / spread;
  }
  return { center, scale };
}
