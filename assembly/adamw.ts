// AdamW over one flat block of parameters (Loshchilov & Hutter), as PyTorch's
// AdamW: decay first, then the Adam step with bias correction.
//   m = β1·m + (1−β1)·g        v = β2·v + (1−β2)·g²
//   p = p·(1 − lr·wd) − lr·(m·c1) / (√(v·c2) + ε),   c1 = 1/(1−β1^t), c2 = 1/(1−β2^t)

/** One AdamW step for t ≥ 1   p,g,m,v:(n). The twin is adamwStepScalar. */
export function adamwStep(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, t: i32): void {
  const c1 = <f32>(1.0 / (1.0 - Math.pow(<f64>beta1, <f64>t)));
  const c2 = <f32>(1.0 / (1.0 - Math.pow(<f64>beta2, <f64>t)));
  const decay: f32 = 1 - lr * wd;
  const b1 = f32x4.splat(beta1), a1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), a2 = f32x4.splat(1 - beta2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps), vdecay = f32x4.splat(decay);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(a1, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(a2, f32x4.mul(gi, gi)));
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), den);
    v128.store(p + o, f32x4.sub(f32x4.mul(v128.load(p + o), vdecay), step));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) adamw1(p + o, g + o, m + o, v + o, lr, beta1, beta2, eps, decay, c1, c2);
}

export function adamwStepScalar(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, t: i32): void {
  const c1 = <f32>(1.0 / (1.0 - Math.pow(<f64>beta1, <f64>t)));
  const c2 = <f32>(1.0 / (1.0 - Math.pow(<f64>beta2, <f64>t)));
  const decay: f32 = 1 - lr * wd;
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) adamw1(p + o, g + o, m + o, v + o, lr, beta1, beta2, eps, decay, c1, c2);
}

// @ts-ignore: decorator
@inline function adamw1(p: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, c1: f32, c2: f32): void {
  const gi = load<f32>(g);
  const mi = beta1 * load<f32>(m) + (1 - beta1) * gi;
  const vi = beta2 * load<f32>(v) + (1 - beta2) * (gi * gi);
  const step = (lr * (mi * c1)) / (Mathf.sqrt(vi * c2) + eps);
  store<f32>(p, load<f32>(p) * decay - step);
  store<f32>(m, mi);
  store<f32>(v, vi);
}
