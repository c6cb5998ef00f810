// Losses, forward next to backward. Each forward writes one f32, the weighted
// mean over the batch; each backward accumulates into the gradient of its
// input. Weights w:(n) may be 0 for all ones. Sums run in f64 in index order,
// and exp/log are AssemblyScript's own (no host Math), so the bits are the same
// everywhere. These loops are O(n) next to the O(n·K·H) layers: scalar only,
// each kernel its own reference.

// @ts-ignore: decorator
@inline function weight(w: usize, i: i32): f64 {
  return w ? <f64>load<f32>(w + (<usize>i << 2)) : 1.0;
}

function weightSum(w: usize, n: i32): f64 {
  if (!w) return <f64>n;
  let s = 0.0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(w + (<usize>i << 2));
  return s;
}

// softplus(z) = log(1 + e^z), stable for either sign
// @ts-ignore: decorator
@inline function softplus(z: f64): f64 {
  return max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
}

// @ts-ignore: decorator
@inline function sigmoid(z: f64): f64 {
  return z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
}

// ------------------------------------------------------------------ MSE

/** out = Σ wᵢ(yᵢ − tᵢ)² / Σ wᵢ   y,t,w:(n). Pair: mseBackward. */
export function mseForward(out: usize, y: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const e = <f64>load<f32>(y + o) - <f64>load<f32>(t + o);
    s += weight(w, i) * e * e;
  }
  store<f32>(out, sw > 0 ? <f32>(s / sw) : 0);
}
/** dy += 2wᵢ(yᵢ − tᵢ)/Σw. */
export function mseBackward(dy: usize, y: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  if (!(sw > 0)) return;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const e = <f64>load<f32>(y + o) - <f64>load<f32>(t + o);
    store<f32>(dy + o, load<f32>(dy + o) + <f32>(2.0 * weight(w, i) * e / sw));
  }
}

// ------------------------------------------------------- BCE with logits

/** out = Σ wᵢ[softplus(zᵢ) − tᵢzᵢ] / Σw, the cross-entropy of σ(z) against t ∈ [0,1]   z,t,w:(n). Pair: bceBackward. */
export function bceForward(out: usize, z: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const zi = <f64>load<f32>(z + o);
    s += weight(w, i) * (softplus(zi) - <f64>load<f32>(t + o) * zi);
  }
  store<f32>(out, sw > 0 ? <f32>(s / sw) : 0);
}
/** dz += wᵢ(σ(zᵢ) − tᵢ)/Σw. */
export function bceBackward(dz: usize, z: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  if (!(sw > 0)) return;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = weight(w, i) * (sigmoid(<f64>load<f32>(z + o)) - <f64>load<f32>(t + o)) / sw;
    store<f32>(dz + o, load<f32>(dz + o) + <f32>g);
  }
}

// --------------------------------------------------------- Bradley–Terry

/**
 * out = Σ wᵢ[−tᵢ log σ(dᵢ) − (1−tᵢ) log σ(−dᵢ)] / Σw,  dᵢ = raᵢ − rbᵢ,
 * tᵢ = 1 when a is preferred, 0 when b is, ½ for a tie   ra,rb,t,w:(n). Pair: btBackward.
 */
export function btForward(out: usize, ra: usize, rb: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(ra + o) - <f64>load<f32>(rb + o);
    s += weight(w, i) * (softplus(d) - <f64>load<f32>(t + o) * d);
  }
  store<f32>(out, sw > 0 ? <f32>(s / sw) : 0);
}
/** dra += gᵢ, drb −= gᵢ, gᵢ = wᵢ(σ(dᵢ) − tᵢ)/Σw. */
export function btBackward(dra: usize, drb: usize, ra: usize, rb: usize, t: usize, w: usize, n: i32): void {
  const sw = weightSum(w, n);
  if (!(sw > 0)) return;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(ra + o) - <f64>load<f32>(rb + o);
    const g = <f32>(weight(w, i) * (sigmoid(d) - <f64>load<f32>(t + o)) / sw);
    store<f32>(dra + o, load<f32>(dra + o) + g);
    store<f32>(drb + o, load<f32>(drb + o) - g);
  }
}
