// Dense layer kernels. Every matrix is row-major f32 in linear memory.
//   x:(B,K) inputs   w:(K,N) weights   b:(N) bias or 0   y:(B,N) outputs
// Every output sums in a fixed order with separate mul and add (wasm has no
// FMA), so the SIMD kernels and their scalar twins agree bit for bit:
//   forward   y[i,j]  = (((b[j] + x[i,0]w[0,j]) + x[i,1]w[1,j]) + ...)
//   dW, db    s = 0; s += x[i,k]·dy[i,j] for i = 0..B-1; dW[k,j] += s
//   dX        four lane sums p_l = Σ_{n≡l mod 4} dy·w over the whole quads of N,
//             s = (p0+p1)+(p2+p3), then the tail n in order; dX[i,k] += s

// ---------------------------------------------------------------- forward

/** y = x·W + b   x:(B,K) W:(K,N) b:(N)|0 y:(B,N). Pair: matmulBackward. */
export function matmulForward(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32): void {
  if (N == 1) {
    matvecForward(y, x, w, b, B, K);
    return;
  }
  const xs = <usize>K << 2;
  const ys = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= B; i += 4) gemm4Rows(y + <usize>i * ys, x + <usize>i * xs, w, b, K, N);
  for (; i < B; i++) gemm1Row(y + <usize>i * ys, x + <usize>i * xs, w, b, K, N);
}

/** Scalar twin of matmulForward, the reference: same sums in the same order. */
export function matmulForwardScalar(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32): void {
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = b ? load<f32>(b + (<usize>j << 2)) : 0;
      for (let k = 0; k < K; k++) {
        s = s + load<f32>(x + ((<usize>i * K + k) << 2)) * load<f32>(w + ((<usize>k * N + j) << 2));
      }
      store<f32>(y + ((<usize>i * N + j) << 2), s);
    }
  }
}

// 4 rows of y: tiles of 4x8, then 4x4, then 4x1. The "splat" form: broadcast
// one x[i,k], multiply-add it across a row of W; no horizontal sums.
function gemm4Rows(y: usize, x: usize, w: usize, b: usize, K: i32, N: i32): void {
  const xs = <usize>K << 2;
  const ws = <usize>N << 2;
  const x1 = x + xs, x2 = x1 + xs, x3 = x2 + xs;
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const jo = <usize>j << 2;
    let c00 = b ? v128.load(b + jo) : f32x4.splat(0);
    let c01 = b ? v128.load(b + jo, 16) : f32x4.splat(0);
    let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      const ko = <usize>k << 2;
      const w0 = v128.load(wp);
      const w1 = v128.load(wp, 16);
      const a0 = v128.load32_splat(x + ko);
      const a1 = v128.load32_splat(x1 + ko);
      const a2 = v128.load32_splat(x2 + ko);
      const a3 = v128.load32_splat(x3 + ko);
      c00 = f32x4.add(c00, f32x4.mul(a0, w0));
      c01 = f32x4.add(c01, f32x4.mul(a0, w1));
      c10 = f32x4.add(c10, f32x4.mul(a1, w0));
      c11 = f32x4.add(c11, f32x4.mul(a1, w1));
      c20 = f32x4.add(c20, f32x4.mul(a2, w0));
      c21 = f32x4.add(c21, f32x4.mul(a2, w1));
      c30 = f32x4.add(c30, f32x4.mul(a3, w0));
      c31 = f32x4.add(c31, f32x4.mul(a3, w1));
      wp += ws;
    }
    const ys = ws;
    v128.store(y + jo, c00);
    v128.store(y + jo, c01, 16);
    v128.store(y + ys + jo, c10);
    v128.store(y + ys + jo, c11, 16);
    v128.store(y + 2 * ys + jo, c20);
    v128.store(y + 2 * ys + jo, c21, 16);
    v128.store(y + 3 * ys + jo, c30);
    v128.store(y + 3 * ys + jo, c31, 16);
  }
  for (; j + 4 <= N; j += 4) {
    const jo = <usize>j << 2;
    let c0 = b ? v128.load(b + jo) : f32x4.splat(0);
    let c1 = c0, c2 = c0, c3 = c0;
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      const ko = <usize>k << 2;
      const w0 = v128.load(wp);
      c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(x + ko), w0));
      c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(x1 + ko), w0));
      c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(x2 + ko), w0));
      c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(x3 + ko), w0));
      wp += ws;
    }
    v128.store(y + jo, c0);
    v128.store(y + ws + jo, c1);
    v128.store(y + 2 * ws + jo, c2);
    v128.store(y + 3 * ws + jo, c3);
  }
  for (; j < N; j++) {
    const jo = <usize>j << 2;
    let s0: f32 = b ? load<f32>(b + jo) : 0;
    let s1 = s0, s2 = s0, s3 = s0;
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      const ko = <usize>k << 2;
      const wk = load<f32>(wp);
      s0 = s0 + load<f32>(x + ko) * wk;
      s1 = s1 + load<f32>(x1 + ko) * wk;
      s2 = s2 + load<f32>(x2 + ko) * wk;
      s3 = s3 + load<f32>(x3 + ko) * wk;
      wp += ws;
    }
    store<f32>(y + jo, s0);
    store<f32>(y + ws + jo, s1);
    store<f32>(y + 2 * ws + jo, s2);
    store<f32>(y + 3 * ws + jo, s3);
  }
}

// One row of y (B = 1, or the rows past the last multiple of 4): tiles of
// 1x16, then 1x4, then 1x1. Four accumulators keep four add chains in flight.
function gemm1Row(y: usize, x: usize, w: usize, b: usize, K: i32, N: i32): void {
  const ws = <usize>N << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const jo = <usize>j << 2;
    let c0 = b ? v128.load(b + jo) : f32x4.splat(0);
    let c1 = b ? v128.load(b + jo, 16) : f32x4.splat(0);
    let c2 = b ? v128.load(b + jo, 32) : f32x4.splat(0);
    let c3 = b ? v128.load(b + jo, 48) : f32x4.splat(0);
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      const a = v128.load32_splat(x + (<usize>k << 2));
      c0 = f32x4.add(c0, f32x4.mul(a, v128.load(wp)));
      c1 = f32x4.add(c1, f32x4.mul(a, v128.load(wp, 16)));
      c2 = f32x4.add(c2, f32x4.mul(a, v128.load(wp, 32)));
      c3 = f32x4.add(c3, f32x4.mul(a, v128.load(wp, 48)));
      wp += ws;
    }
    v128.store(y + jo, c0);
    v128.store(y + jo, c1, 16);
    v128.store(y + jo, c2, 32);
    v128.store(y + jo, c3, 48);
  }
  for (; j + 4 <= N; j += 4) {
    const jo = <usize>j << 2;
    let c = b ? v128.load(b + jo) : f32x4.splat(0);
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      c = f32x4.add(c, f32x4.mul(v128.load32_splat(x + (<usize>k << 2)), v128.load(wp)));
      wp += ws;
    }
    v128.store(y + jo, c);
  }
  for (; j < N; j++) {
    const jo = <usize>j << 2;
    let s: f32 = b ? load<f32>(b + jo) : 0;
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      s = s + load<f32>(x + (<usize>k << 2)) * load<f32>(wp);
      wp += ws;
    }
    store<f32>(y + jo, s);
  }
}

// N = 1 (the last layer): y[i] = b + Σ_k x[i,k]·w[k]. Four rows share a
// vector, one per lane; a 4x4 transpose turns row-major x into k-columns, so
// each lane still sums in k-order.
function matvecForward(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32): void {
  const xs = <usize>K << 2;
  const b0: f32 = b ? load<f32>(b) : 0;
  let i = 0;
  for (; i + 4 <= B; i += 4) {
    const r0 = x + <usize>i * xs, r1 = r0 + xs, r2 = r1 + xs, r3 = r2 + xs;
    let c = f32x4.splat(b0);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const ko = <usize>k << 2;
      const v0 = v128.load(r0 + ko), v1 = v128.load(r1 + ko);
      const v2 = v128.load(r2 + ko), v3 = v128.load(r3 + ko);
      const t0 = f32x4.shuffle(v0, v1, 0, 4, 1, 5);
      const t1 = f32x4.shuffle(v2, v3, 0, 4, 1, 5);
      const t2 = f32x4.shuffle(v0, v1, 2, 6, 3, 7);
      const t3 = f32x4.shuffle(v2, v3, 2, 6, 3, 7);
      c = f32x4.add(c, f32x4.mul(f32x4.shuffle(t0, t1, 0, 1, 4, 5), v128.load32_splat(w + ko)));
      c = f32x4.add(c, f32x4.mul(f32x4.shuffle(t0, t1, 2, 3, 6, 7), v128.load32_splat(w + ko + 4)));
      c = f32x4.add(c, f32x4.mul(f32x4.shuffle(t2, t3, 0, 1, 4, 5), v128.load32_splat(w + ko + 8)));
      c = f32x4.add(c, f32x4.mul(f32x4.shuffle(t2, t3, 2, 3, 6, 7), v128.load32_splat(w + ko + 12)));
    }
    for (; k < K; k++) {
      const ko = <usize>k << 2;
      let col = f32x4.splat(load<f32>(r0 + ko));
      col = f32x4.replace_lane(col, 1, load<f32>(r1 + ko));
      col = f32x4.replace_lane(col, 2, load<f32>(r2 + ko));
      col = f32x4.replace_lane(col, 3, load<f32>(r3 + ko));
      c = f32x4.add(c, f32x4.mul(col, v128.load32_splat(w + ko)));
    }
    v128.store(y + (<usize>i << 2), c);
  }
  for (; i < B; i++) {
    const r = x + <usize>i * xs;
    let s = b0;
    for (let k = 0; k < K; k++) s = s + load<f32>(r + (<usize>k << 2)) * load<f32>(w + (<usize>k << 2));
    store<f32>(y + (<usize>i << 2), s);
  }
}

// --------------------------------------------------------------- backward

/**
 * dX += dY·Wᵀ,  dW += Xᵀ·dY,  db += Σ_rows dY.   dy:(B,N); dx:(B,K) dw:(K,N) db:(N), each 0 to skip.
 * Pair: matmulForward.
 */
export function matmulBackward(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, B: i32, K: i32, N: i32): void {
  if (dx) matmulBackwardInput(dx, dy, w, B, K, N);
  if (dw) matmulBackwardWeight(dw, dy, x, B, K, N);
  if (db) matmulBackwardBias(db, dy, B, N);
}

/** Scalar twin of matmulBackward, the reference: same sums in the same order. */
export function matmulBackwardScalar(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, B: i32, K: i32, N: i32): void {
  const N4 = N & ~3;
  if (dx) {
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < K; k++) {
        let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0;
        const d = dy + ((<usize>i * N) << 2);
        const r = w + ((<usize>k * N) << 2);
        for (let n = 0; n < N4; n += 4) {
          const o = <usize>n << 2;
          p0 = p0 + load<f32>(d + o) * load<f32>(r + o);
          p1 = p1 + load<f32>(d + o + 4) * load<f32>(r + o + 4);
          p2 = p2 + load<f32>(d + o + 8) * load<f32>(r + o + 8);
          p3 = p3 + load<f32>(d + o + 12) * load<f32>(r + o + 12);
        }
        let s = (p0 + p1) + (p2 + p3);
        for (let n = N4; n < N; n++) s = s + load<f32>(d + (<usize>n << 2)) * load<f32>(r + (<usize>n << 2));
        const o = dx + ((<usize>i * K + k) << 2);
        store<f32>(o, load<f32>(o) + s);
      }
    }
  }
  if (dw) {
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < N; j++) {
        let s: f32 = 0;
        for (let i = 0; i < B; i++) {
          s = s + load<f32>(x + ((<usize>i * K + k) << 2)) * load<f32>(dy + ((<usize>i * N + j) << 2));
        }
        const o = dw + ((<usize>k * N + j) << 2);
        store<f32>(o, load<f32>(o) + s);
      }
    }
  }
  if (db) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let i = 0; i < B; i++) s = s + load<f32>(dy + ((<usize>i * N + j) << 2));
      const o = db + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + s);
    }
  }
}

// (p0+p1)+(p2+p3) of each of four accumulators, as one vector [s_a, s_b, s_c, s_d].
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 2, 6), f32x4.shuffle(a, b, 1, 5, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 2, 6), f32x4.shuffle(c, d, 1, 5, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

// dX[i,k] += Σ_n dy[i,n]·w[k,n]: four k at once, dot products along n.
function matmulBackwardInput(dx: usize, dy: usize, w: usize, B: i32, K: i32, N: i32): void {
  const ws = <usize>N << 2;
  const N4 = N & ~3;
  for (let i = 0; i < B; i++) {
    const d = dy + <usize>i * ws;
    const o = dx + ((<usize>i * K) << 2);
    if (N == 1) {
      // outer product dy[i]·w[k]; "0 +" keeps the twin's (0+0)+(0+0) start
      const g = v128.load32_splat(d);
      const z = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const ko = <usize>k << 2;
        v128.store(o + ko, f32x4.add(v128.load(o + ko), f32x4.add(z, f32x4.mul(g, v128.load(w + ko)))));
      }
      const g0 = load<f32>(d);
      for (; k < K; k++) {
        const ko = <usize>k << 2;
        const zero: f32 = 0;
        store<f32>(o + ko, load<f32>(o + ko) + (zero + g0 * load<f32>(w + ko)));
      }
      continue;
    }
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const r0 = w + <usize>k * ws, r1 = r0 + ws, r2 = r1 + ws, r3 = r2 + ws;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let n = 0; n < N4; n += 4) {
        const no = <usize>n << 2;
        const g = v128.load(d + no);
        a0 = f32x4.add(a0, f32x4.mul(g, v128.load(r0 + no)));
        a1 = f32x4.add(a1, f32x4.mul(g, v128.load(r1 + no)));
        a2 = f32x4.add(a2, f32x4.mul(g, v128.load(r2 + no)));
        a3 = f32x4.add(a3, f32x4.mul(g, v128.load(r3 + no)));
      }
      let s = hsum4(a0, a1, a2, a3);
      for (let n = N4; n < N; n++) {
        const no = <usize>n << 2;
        let wn = f32x4.splat(load<f32>(r0 + no));
        wn = f32x4.replace_lane(wn, 1, load<f32>(r1 + no));
        wn = f32x4.replace_lane(wn, 2, load<f32>(r2 + no));
        wn = f32x4.replace_lane(wn, 3, load<f32>(r3 + no));
        s = f32x4.add(s, f32x4.mul(v128.load32_splat(d + no), wn));
      }
      const ko = <usize>k << 2;
      v128.store(o + ko, f32x4.add(v128.load(o + ko), s));
    }
    for (; k < K; k++) {
      const r = w + <usize>k * ws;
      let a = f32x4.splat(0);
      for (let n = 0; n < N4; n += 4) {
        const no = <usize>n << 2;
        a = f32x4.add(a, f32x4.mul(v128.load(d + no), v128.load(r + no)));
      }
      let s = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
      for (let n = N4; n < N; n++) s = s + load<f32>(d + (<usize>n << 2)) * load<f32>(r + (<usize>n << 2));
      const ko = <usize>k << 2;
      store<f32>(o + ko, load<f32>(o + ko) + s);
    }
  }
}

// dW[k,j] += Σ_i x[i,k]·dy[i,j]: tiles of 4 k-rows x 8 columns accumulate over
// the batch in the splat form; N = 1 runs along k instead.
function matmulBackwardWeight(dw: usize, dy: usize, x: usize, B: i32, K: i32, N: i32): void {
  const xs = <usize>K << 2;
  const ds = <usize>N << 2;
  if (N == 1) {
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const ko = <usize>k << 2;
      let a = f32x4.splat(0);
      for (let i = 0; i < B; i++) {
        a = f32x4.add(a, f32x4.mul(v128.load(x + <usize>i * xs + ko), v128.load32_splat(dy + (<usize>i << 2))));
      }
      v128.store(dw + ko, f32x4.add(v128.load(dw + ko), a));
    }
    for (; k < K; k++) {
      const ko = <usize>k << 2;
      let s: f32 = 0;
      for (let i = 0; i < B; i++) s = s + load<f32>(x + <usize>i * xs + ko) * load<f32>(dy + (<usize>i << 2));
      store<f32>(dw + ko, load<f32>(dw + ko) + s);
    }
    return;
  }
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const ko = <usize>k << 2;
    const o0 = dw + <usize>k * ds, o1 = o0 + ds, o2 = o1 + ds, o3 = o2 + ds;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const jo = <usize>j << 2;
      let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        const g0 = v128.load(dp), g1 = v128.load(dp, 16);
        const a0 = v128.load32_splat(xp), a1 = v128.load32_splat(xp, 4);
        const a2 = v128.load32_splat(xp, 8), a3 = v128.load32_splat(xp, 12);
        c00 = f32x4.add(c00, f32x4.mul(a0, g0));
        c01 = f32x4.add(c01, f32x4.mul(a0, g1));
        c10 = f32x4.add(c10, f32x4.mul(a1, g0));
        c11 = f32x4.add(c11, f32x4.mul(a1, g1));
        c20 = f32x4.add(c20, f32x4.mul(a2, g0));
        c21 = f32x4.add(c21, f32x4.mul(a2, g1));
        c30 = f32x4.add(c30, f32x4.mul(a3, g0));
        c31 = f32x4.add(c31, f32x4.mul(a3, g1));
        xp += xs;
        dp += ds;
      }
      v128.store(o0 + jo, f32x4.add(v128.load(o0 + jo), c00));
      v128.store(o0 + jo, f32x4.add(v128.load(o0 + jo, 16), c01), 16);
      v128.store(o1 + jo, f32x4.add(v128.load(o1 + jo), c10));
      v128.store(o1 + jo, f32x4.add(v128.load(o1 + jo, 16), c11), 16);
      v128.store(o2 + jo, f32x4.add(v128.load(o2 + jo), c20));
      v128.store(o2 + jo, f32x4.add(v128.load(o2 + jo, 16), c21), 16);
      v128.store(o3 + jo, f32x4.add(v128.load(o3 + jo), c30));
      v128.store(o3 + jo, f32x4.add(v128.load(o3 + jo, 16), c31), 16);
    }
    for (; j + 4 <= N; j += 4) {
      const jo = <usize>j << 2;
      let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        const g = v128.load(dp);
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(xp), g));
        c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(xp, 4), g));
        c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(xp, 8), g));
        c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(xp, 12), g));
        xp += xs;
        dp += ds;
      }
      v128.store(o0 + jo, f32x4.add(v128.load(o0 + jo), c0));
      v128.store(o1 + jo, f32x4.add(v128.load(o1 + jo), c1));
      v128.store(o2 + jo, f32x4.add(v128.load(o2 + jo), c2));
      v128.store(o3 + jo, f32x4.add(v128.load(o3 + jo), c3));
    }
    for (; j < N; j++) {
      // four k in the lanes: a contiguous load of x[i, k..k+3]
      const jo = <usize>j << 2;
      let c = f32x4.splat(0);
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        c = f32x4.add(c, f32x4.mul(v128.load(xp), v128.load32_splat(dp)));
        xp += xs;
        dp += ds;
      }
      store<f32>(o0 + jo, load<f32>(o0 + jo) + f32x4.extract_lane(c, 0));
      store<f32>(o1 + jo, load<f32>(o1 + jo) + f32x4.extract_lane(c, 1));
      store<f32>(o2 + jo, load<f32>(o2 + jo) + f32x4.extract_lane(c, 2));
      store<f32>(o3 + jo, load<f32>(o3 + jo) + f32x4.extract_lane(c, 3));
    }
  }
  for (; k < K; k++) {
    // the last K%4 rows of dW: one x splat across columns
    const ko = <usize>k << 2;
    const o = dw + <usize>k * ds;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const jo = <usize>j << 2;
      let c = f32x4.splat(0);
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        c = f32x4.add(c, f32x4.mul(v128.load32_splat(xp), v128.load(dp)));
        xp += xs;
        dp += ds;
      }
      v128.store(o + jo, f32x4.add(v128.load(o + jo), c));
    }
    for (; j < N; j++) {
      const jo = <usize>j << 2;
      let s: f32 = 0;
      for (let i = 0; i < B; i++) s = s + load<f32>(x + <usize>i * xs + ko) * load<f32>(dy + <usize>i * ds + jo);
      store<f32>(o + jo, load<f32>(o + jo) + s);
    }
  }
}

// db[j] += Σ_i dy[i,j], four columns a vector.
function matmulBackwardBias(db: usize, dy: usize, B: i32, N: i32): void {
  const ds = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const jo = <usize>j << 2;
    let c = f32x4.splat(0);
    let dp = dy + jo;
    for (let i = 0; i < B; i++) {
      c = f32x4.add(c, v128.load(dp));
      dp += ds;
    }
    v128.store(db + jo, f32x4.add(v128.load(db + jo), c));
  }
  for (; j < N; j++) {
    const jo = <usize>j << 2;
    let s: f32 = 0;
    for (let i = 0; i < B; i++) s = s + load<f32>(dy + <usize>i * ds + jo);
    store<f32>(db + jo, load<f32>(db + jo) + s);
  }
}
