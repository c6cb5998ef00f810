// Per-column affine normalisation of model scores and features on the way into
// a fusion net. It has no backward: gradients stop at the data.

/**
 * out[i·stride + j] = (x[i,j] − center[j])·scale[j]; a NaN x (no score) gives 0.
 * When maskAt ≥ 0, also out[i·stride + maskAt + j] = 1 for a score, 0 for none.
 *   x:(B,K) center,scale:(K) out:(B,stride)
 */
export function normalizeColumns(out: usize, x: usize, center: usize, scale: usize, B: i32, K: i32, stride: i32, maskAt: i32): void {
  for (let i = 0; i < B; i++) {
    const row = out + ((<usize>i * stride) << 2);
    const src = x + ((<usize>i * K) << 2);
    for (let j = 0; j < K; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(src + o);
      const present = v == v;
      store<f32>(row + o, present ? (v - load<f32>(center + o)) * load<f32>(scale + o) : 0);
      if (maskAt >= 0) store<f32>(row + ((<usize>(maskAt + j)) << 2), present ? 1 : 0);
    }
  }
}
