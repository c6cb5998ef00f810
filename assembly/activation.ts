// Elementwise activations over n f32 values, forward next to backward.
// Backward kernels accumulate: dx += dy·f'(.). The SIMD loops take quads; the
// tail and the scalar twins run the same scalar formula, so they agree bit for
// bit. exp is our own (Cephes' expf polynomial, plain f32 ops, no host Math),
// so every engine gives the same bits.

// ------------------------------------------------------------------ exp

const EXP_LO: f32 = -87.0; // keeps 2^n a normal float
const EXP_HI: f32 = 88.0;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

/** e^x for x clamped to [-87, 88]: x = n·ln2 + r, e^r by a degree-7 polynomial, times 2^n. */
// @ts-ignore: decorator
@inline export function expScalar(x: f32): f32 {
  x = min(max(x, EXP_LO), EXP_HI);
  const n = Mathf.floor(x * LOG2E + 0.5);
  const r = (x - n * LN2_HI) - n * LN2_LO;
  const r2 = r * r;
  const p = (((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5) * r2 + r + 1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/** expScalar on four lanes, the same operations in the same order. */
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline function sigmoid1(x: f32): f32 {
  return 1 / (1 + expScalar(-x));
}
// @ts-ignore: decorator
@inline function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}
// tanh x = 1 − 2/(e^{2x} + 1)
// @ts-ignore: decorator
@inline function tanh1(x: f32): f32 {
  return 1 - 2 / (expScalar(x + x) + 1);
}
// @ts-ignore: decorator
@inline function tanh4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(exp4(f32x4.add(x, x)), one)));
}

// gelu, tanh form: x·Φ(x) ≈ x·σ(z), z = x·(G1 + G3·x²), G1 = 2√(2/π), G3 = G1·0.044715
const G1: f32 = 1.5957691216057308;
const G3: f32 = 0.0713548162726009;

// @ts-ignore: decorator
@inline function gelu1(x: f32): f32 {
  return x * sigmoid1(x * (G1 + G3 * (x * x)));
}
// @ts-ignore: decorator
@inline function gelu4(x: v128): v128 {
  const z = f32x4.mul(x, f32x4.add(f32x4.splat(G1), f32x4.mul(f32x4.splat(G3), f32x4.mul(x, x))));
  return f32x4.mul(x, sigmoid4(z));
}
// d gelu/dx = s + x·s(1−s)·(G1 + 3·G3·x²), s = σ(z)
// @ts-ignore: decorator
@inline function geluGrad1(x: f32): f32 {
  const x2 = x * x;
  const s = sigmoid1(x * (G1 + G3 * x2));
  return s + x * (s * (1 - s)) * (G1 + (3 * G3) * x2);
}
// @ts-ignore: decorator
@inline function geluGrad4(x: v128): v128 {
  const one = f32x4.splat(1);
  const x2 = f32x4.mul(x, x);
  const s = sigmoid4(f32x4.mul(x, f32x4.add(f32x4.splat(G1), f32x4.mul(f32x4.splat(G3), x2))));
  const dz = f32x4.add(f32x4.splat(G1), f32x4.mul(f32x4.splat(3 * G3), x2));
  return f32x4.add(s, f32x4.mul(f32x4.mul(x, f32x4.mul(s, f32x4.sub(one, s))), dz));
}

// ----------------------------------------------------------------- relu

/** y = max(x, 0)   x,y:(n). Pair: reluBackward. */
export function reluForward(y: usize, x: usize, n: i32): void {
  const z = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, f32x4.max(v128.load(x + o), z));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, max(load<f32>(x + o), 0));
}
export function reluForwardScalar(y: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) store<f32>(y + o, max(load<f32>(x + o), 0));
}
/** dx += x > 0 ? dy : 0   dx,dy,x:(n). */
export function reluBackward(dx: usize, dy: usize, x: usize, n: i32): void {
  const z = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const g = v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), z));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(dx + o, load<f32>(dx + o) + (load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0));
  }
}
export function reluBackwardScalar(dx: usize, dy: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
    store<f32>(dx + o, load<f32>(dx + o) + (load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0));
  }
}

// ----------------------------------------------------------------- tanh

/** y = tanh x   x,y:(n). Pair: tanhBackward. */
export function tanhForward(y: usize, x: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, tanh4(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, tanh1(load<f32>(x + o)));
}
export function tanhForwardScalar(y: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) store<f32>(y + o, tanh1(load<f32>(x + o)));
}
/** dx += dy·(1 − y²)   y = tanh x. */
export function tanhBackward(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const t = v128.load(y + o);
    const g = f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(t, t)));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (1 - t * t));
  }
}
export function tanhBackwardScalar(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (1 - t * t));
  }
}

// -------------------------------------------------------------- sigmoid

/** y = σ(x) = 1/(1 + e^−x)   x,y:(n). Pair: sigmoidBackward. */
export function sigmoidForward(y: usize, x: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, sigmoid4(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, sigmoid1(load<f32>(x + o)));
}
export function sigmoidForwardScalar(y: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) store<f32>(y + o, sigmoid1(load<f32>(x + o)));
}
/** dx += dy·y(1 − y)   y = σ(x). */
export function sigmoidBackward(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const s = v128.load(y + o);
    const g = f32x4.mul(v128.load(dy + o), f32x4.mul(s, f32x4.sub(one, s)));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (s * (1 - s)));
  }
}
export function sigmoidBackwardScalar(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (s * (1 - s)));
  }
}

// ----------------------------------------------------------------- gelu

/** y = gelu x (tanh form)   x,y:(n). Pair: geluBackward. */
export function geluForward(y: usize, x: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, gelu4(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, gelu1(load<f32>(x + o)));
}
export function geluForwardScalar(y: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) store<f32>(y + o, gelu1(load<f32>(x + o)));
}
/** dx += dy·gelu'(x). */
export function geluBackward(dx: usize, dy: usize, x: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const g = f32x4.mul(v128.load(dy + o), geluGrad4(v128.load(x + o)));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * geluGrad1(load<f32>(x + o)));
  }
}
export function geluBackwardScalar(dx: usize, dy: usize, x: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * geluGrad1(load<f32>(x + o)));
  }
}

/** dy = y > 0 ? dy : 0, in place: the backward of a relu fused into matmulForward (y its output). */
export function reluMask(dy: usize, y: usize, n: i32): void {
  const z = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(dy + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), z)));
  for (let o = n4; o < (<usize>n << 2); o += 4) if (!(load<f32>(y + o) > 0)) store<f32>(dy + o, 0);
}
export function reluMaskScalar(dy: usize, y: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) if (!(load<f32>(y + o) > 0)) store<f32>(dy + o, 0);
}
