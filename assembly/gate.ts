// The gated fusion head (as ArmoRM's gating network): a softmax over the
// models that scored a row, then the weighted sum of their normalised scores,
// times a learnable scale. K is the number of models, small: scalar loops,
// each kernel its own reference.
import { expScalar } from "./activation";

/**
 * w[i,k] = exp(x[i,k]/T) / Σ_j exp(x[i,j]/T) over the k with mask[i,k] = 1; 0 elsewhere.
 *   x,w:(B,K) mask:(B, rows of length maskStride) invT = 1/T. Pair: softmaxBackward.
 */
export function softmaxForward(w: usize, x: usize, mask: usize, B: i32, K: i32, maskStride: i32, invT: f32): void {
  for (let i = 0; i < B; i++) {
    const xr = x + ((<usize>i * K) << 2);
    const wr = w + ((<usize>i * K) << 2);
    const mr = mask + ((<usize>i * maskStride) << 2);
    let m: f32 = -Infinity;
    for (let k = 0; k < K; k++) {
      if (load<f32>(mr + (<usize>k << 2)) != 0) m = max(m, load<f32>(xr + (<usize>k << 2)) * invT);
    }
    let s: f32 = 0;
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      const e: f32 = load<f32>(mr + o) != 0 ? expScalar(load<f32>(xr + o) * invT - m) : 0;
      store<f32>(wr + o, e);
      s += e;
    }
    const inv: f32 = s > 0 ? 1 / s : 0;
    for (let k = 0; k < K; k++) store<f32>(wr + (<usize>k << 2), load<f32>(wr + (<usize>k << 2)) * inv);
  }
}

/** dx[i,k] += (1/T)·w[i,k]·(dw[i,k] − Σ_j w[i,j]·dw[i,j])   dx,dw,w:(B,K). */
export function softmaxBackward(dx: usize, dw: usize, w: usize, B: i32, K: i32, invT: f32): void {
  for (let i = 0; i < B; i++) {
    const r = <usize>i * K << 2;
    let dot: f32 = 0;
    for (let k = 0; k < K; k++) dot += load<f32>(w + r + (<usize>k << 2)) * load<f32>(dw + r + (<usize>k << 2));
    for (let k = 0; k < K; k++) {
      const o = r + (<usize>k << 2);
      store<f32>(dx + o, load<f32>(dx + o) + invT * (load<f32>(w + o) * (load<f32>(dw + o) - dot)));
    }
  }
}

/** r[i] = Σ_k w[i,k]·z[i,k]   w:(B,K) z:(B, rows of length zStride) r:(B). Pair: weightedSumBackward. */
export function weightedSumForward(r: usize, w: usize, z: usize, B: i32, K: i32, zStride: i32): void {
  for (let i = 0; i < B; i++) {
    const wr = w + ((<usize>i * K) << 2);
    const zr = z + ((<usize>i * zStride) << 2);
    let s: f32 = 0;
    for (let k = 0; k < K; k++) s += load<f32>(wr + (<usize>k << 2)) * load<f32>(zr + (<usize>k << 2));
    store<f32>(r + (<usize>i << 2), s);
  }
}

/** dw[i,k] += dr[i]·z[i,k]. z is data and takes no gradient. */
export function weightedSumBackward(dw: usize, dr: usize, z: usize, B: i32, K: i32, zStride: i32): void {
  for (let i = 0; i < B; i++) {
    const g = load<f32>(dr + (<usize>i << 2));
    const wr = dw + ((<usize>i * K) << 2);
    const zr = z + ((<usize>i * zStride) << 2);
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      store<f32>(wr + o, load<f32>(wr + o) + g * load<f32>(zr + o));
    }
  }
}

/** y = e^s·x, s a learnable log-scale (one f32 at s)   x,y:(n). Pair: scaleBackward. */
export function scaleForward(y: usize, x: usize, s: usize, n: i32): void {
  const a = expScalar(load<f32>(s));
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), a * load<f32>(x + (<usize>i << 2)));
}

/** dx += e^s·dy (dx may be 0 to skip);  ds += Σ dy·y. */
export function scaleBackward(dx: usize, ds: usize, dy: usize, y: usize, s: usize, n: i32): void {
  const a = expScalar(load<f32>(s));
  let g: f32 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(dy + o);
    if (dx) store<f32>(dx + o, load<f32>(dx + o) + a * d);
    g += d * load<f32>(y + o);
  }
  store<f32>(ds, load<f32>(ds) + g);
}
