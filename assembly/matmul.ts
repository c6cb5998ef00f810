// Dense layer kernels. Every matrix is row-major f32 in linear memory.
//   x:(B,K) inputs   w:(K,N) weights   b:(N) bias or 0   y:(B,N) outputs
// Every output sums in a fixed order with separate mul and add (wasm has no
// FMA), so the SIMD kernels and their scalar twins agree bit for bit:
//   forward   y[i,j]  = (((b[j] + x[i,0]w[0,j]) + x[i,1]w[1,j]) + ...), then relu if asked
//   dX        dX[i,k] = (((dX[i,k] + dy[i,0]w[k,0]) + dy[i,1]w[k,1]) + ...): the
//             forward kernel on Wᵀ, starting from dX instead of the bias
//   dW        dW[k,j] = (((dW[k,j] + x[0,k]dy[0,j]) + x[1,k]dy[1,j]) + ...): the
//             forward kernel on Xᵀ and dY, starting from dW
//   db        s = 0; s += dy[i,j] for i = 0..B-1; db[j] += s

// ---------------------------------------------------------------- forward

/** y = x·W + b, then max(y, 0) when relu ≠ 0   x:(B,K) W:(K,N) b:(N)|0 y:(B,N). Pair: matmulBackward. */
export function matmulForward(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32, relu: i32): void {
  gemm(y, x, w, b, B, K, N, false, relu != 0);
}

/** Scalar twin of matmulForward, the reference: same sums in the same order. */
export function matmulForwardScalar(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32, relu: i32): void {
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = b ? load<f32>(b + (<usize>j << 2)) : 0;
      for (let k = 0; k < K; k++) {
        s = s + load<f32>(x + ((<usize>i * K + k) << 2)) * load<f32>(w + ((<usize>k * N + j) << 2));
      }
      store<f32>(y + ((<usize>i * N + j) << 2), relu ? max<f32>(s, 0) : s);
    }
  }
}

// y = start + x·W, start = y itself (acc), else b, else 0; relu on the way out.
// The flags are constants in each call below, so each mode compiles to its
// own loops with no flag tests left in them.
function gemm(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32, acc: bool, relu: bool): void {
  if (acc) gemmRows(y, x, w, b, B, K, N, true, false);
  else if (relu) gemmRows(y, x, w, b, B, K, N, false, true);
  else gemmRows(y, x, w, b, B, K, N, false, false);
}

// @ts-ignore: decorator
@inline function gemmRows(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, N: i32, acc: bool, relu: bool): void {
  if (N == 1) {
    matvecForward(y, x, w, b, B, K, acc, relu);
    return;
  }
  const xs = <usize>K << 2;
  const ys = <usize>N << 2;
  let j0 = 0;
  if (B >= 8 && K <= PANEL_K) {
    // Column panels of 8 first: each is copied to a contiguous (K, 8) block,
    // which stays in L1 while the rows stream past it, in blocks of rows
    // small enough (≤ 64 KiB of x) to stay in L2 across all the panels.
    j0 = N & ~7;
    const block = max(4, (16384 / K) & ~3);
    for (let r0 = 0; r0 < B; r0 += block) {
      const r1 = min(B, r0 + block);
      for (let j = 0; j < j0; j += 8) {
        const jo = <usize>j << 2;
        for (let k = 0; k < K; k++) {
          const src = w + <usize>k * ys + jo, dst = PANEL + (<usize>k << 5);
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
        }
        let i = r0;
        for (; i + 4 <= r1; i += 4) tile4x8(y + <usize>i * ys, ys, x + <usize>i * xs, xs, 4, PANEL, 32, b, jo, K, acc, relu);
        for (; i < r1; i++) tile1x8(y + <usize>i * ys, x + <usize>i * xs, PANEL, 32, b, jo, K, acc, relu);
      }
    }
  }
  let i = 0;
  for (; i + 4 <= B; i += 4) gemm4Rows(y + <usize>i * ys, x + <usize>i * xs, w, b, K, N, acc, relu, j0);
  for (; i < B; i++) gemm1Row(y + <usize>i * ys, x + <usize>i * xs, w, b, K, N, acc, relu, j0);
}

// the scratch panel of W for gemmRows: up to PANEL_K rows of 8 columns
const PANEL_K = 1024;
const PANEL = memory.data(PANEL_K * 32, 16);

// y[0..4, jo..jo+8] (rows ys bytes apart) = start + Σ_k x_r[k]·W[k, 0..8]: the
// four x rows are xs bytes apart and step xstep bytes a k; the rows of W are
// wstep bytes apart (the matrix, a packed panel, or dY for dW)
// @ts-ignore: decorator
@inline function tile4x8(y: usize, ys: usize, x: usize, xs: usize, xstep: usize, w: usize, wstep: usize, b: usize, jo: usize, K: i32, acc: bool, relu: bool): void {
  let c00 = start4(y, b, jo, acc), c01 = start4(y, b, jo + 16, acc);
  let c10 = acc ? start4(y + ys, b, jo, acc) : c00, c11 = acc ? start4(y + ys, b, jo + 16, acc) : c01;
  let c20 = acc ? start4(y + 2 * ys, b, jo, acc) : c00, c21 = acc ? start4(y + 2 * ys, b, jo + 16, acc) : c01;
  let c30 = acc ? start4(y + 3 * ys, b, jo, acc) : c00, c31 = acc ? start4(y + 3 * ys, b, jo + 16, acc) : c01;
  let wp = w, xp = x;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(wp);
    const w1 = v128.load(wp, 16);
    const a0 = v128.load32_splat(xp);
    const a1 = v128.load32_splat(xp + xs);
    const a2 = v128.load32_splat(xp + 2 * xs);
    const a3 = v128.load32_splat(xp + 3 * xs);
    c00 = f32x4.add(c00, f32x4.mul(a0, w0));
    c01 = f32x4.add(c01, f32x4.mul(a0, w1));
    c10 = f32x4.add(c10, f32x4.mul(a1, w0));
    c11 = f32x4.add(c11, f32x4.mul(a1, w1));
    c20 = f32x4.add(c20, f32x4.mul(a2, w0));
    c21 = f32x4.add(c21, f32x4.mul(a2, w1));
    c30 = f32x4.add(c30, f32x4.mul(a3, w0));
    c31 = f32x4.add(c31, f32x4.mul(a3, w1));
    wp += wstep;
    xp += xstep;
  }
  v128.store(y + jo, out4(c00, relu));
  v128.store(y + jo, out4(c01, relu), 16);
  v128.store(y + ys + jo, out4(c10, relu));
  v128.store(y + ys + jo, out4(c11, relu), 16);
  v128.store(y + 2 * ys + jo, out4(c20, relu));
  v128.store(y + 2 * ys + jo, out4(c21, relu), 16);
  v128.store(y + 3 * ys + jo, out4(c30, relu));
  v128.store(y + 3 * ys + jo, out4(c31, relu), 16);
}

// y[jo..jo+8] of one row
// @ts-ignore: decorator
@inline function tile1x8(y: usize, x: usize, w: usize, wstep: usize, b: usize, jo: usize, K: i32, acc: bool, relu: bool): void {
  let c0 = start4(y, b, jo, acc), c1 = start4(y, b, jo + 16, acc);
  let wp = w;
  for (let k = 0; k < K; k++) {
    const a = v128.load32_splat(x + (<usize>k << 2));
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(wp)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(wp, 16)));
    wp += wstep;
  }
  v128.store(y + jo, out4(c0, relu));
  v128.store(y + jo, out4(c1, relu), 16);
}

// the starting vector of a tile's column block at byte offset o of row y
// @ts-ignore: decorator
@inline function start4(y: usize, b: usize, o: usize, acc: bool): v128 {
  return acc ? v128.load(y + o) : b ? v128.load(b + o) : f32x4.splat(0);
}
// @ts-ignore: decorator
@inline function start1(y: usize, b: usize, o: usize, acc: bool): f32 {
  return acc ? load<f32>(y + o) : b ? load<f32>(b + o) : 0;
}
// @ts-ignore: decorator
@inline function out4(v: v128, relu: bool): v128 {
  return relu ? f32x4.max(v, f32x4.splat(0)) : v;
}
// @ts-ignore: decorator
@inline function out1(v: f32, relu: bool): f32 {
  return relu ? max<f32>(v, 0) : v;
}

// 4 rows of y: tiles of 4x8, then 4x4, then 4x1. The "splat" form: broadcast
// one x[i,k], multiply-add it across a row of W; no horizontal sums.
// @ts-ignore: decorator
@inline function gemm4Rows(y: usize, x: usize, w: usize, b: usize, K: i32, N: i32, acc: bool, relu: bool, j0: i32): void {
  const xs = <usize>K << 2;
  const ws = <usize>N << 2;
  const x1 = x + xs, x2 = x1 + xs, x3 = x2 + xs;
  let j = j0;
  for (; j + 8 <= N; j += 8) tile4x8(y, ws, x, xs, 4, w + (<usize>j << 2), ws, b, <usize>j << 2, K, acc, relu);
  for (; j + 4 <= N; j += 4) {
    const jo = <usize>j << 2;
    let c0 = start4(y, b, jo, acc);
    let c1 = acc ? start4(y + ws, b, jo, acc) : c0, c2 = acc ? start4(y + 2 * ws, b, jo, acc) : c0, c3 = acc ? start4(y + 3 * ws, b, jo, acc) : c0;
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
    v128.store(y + jo, out4(c0, relu));
    v128.store(y + ws + jo, out4(c1, relu));
    v128.store(y + 2 * ws + jo, out4(c2, relu));
    v128.store(y + 3 * ws + jo, out4(c3, relu));
  }
  for (; j < N; j++) {
    const jo = <usize>j << 2;
    let s0 = start1(y, b, jo, acc);
    let s1 = acc ? start1(y + ws, b, jo, acc) : s0, s2 = acc ? start1(y + 2 * ws, b, jo, acc) : s0, s3 = acc ? start1(y + 3 * ws, b, jo, acc) : s0;
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
    store<f32>(y + jo, out1(s0, relu));
    store<f32>(y + ws + jo, out1(s1, relu));
    store<f32>(y + 2 * ws + jo, out1(s2, relu));
    store<f32>(y + 3 * ws + jo, out1(s3, relu));
  }
}

// One row of y (B = 1, or the rows past the last multiple of 4): tiles of
// 1x16, then 1x4, then 1x1. Four accumulators keep four add chains in flight.
// @ts-ignore: decorator
@inline function gemm1Row(y: usize, x: usize, w: usize, b: usize, K: i32, N: i32, acc: bool, relu: bool, j0: i32): void {
  const ws = <usize>N << 2;
  let j = j0;
  for (; j + 16 <= N; j += 16) {
    const jo = <usize>j << 2;
    let c0 = start4(y, b, jo, acc), c1 = start4(y, b, jo + 16, acc);
    let c2 = start4(y, b, jo + 32, acc), c3 = start4(y, b, jo + 48, acc);
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      const a = v128.load32_splat(x + (<usize>k << 2));
      c0 = f32x4.add(c0, f32x4.mul(a, v128.load(wp)));
      c1 = f32x4.add(c1, f32x4.mul(a, v128.load(wp, 16)));
      c2 = f32x4.add(c2, f32x4.mul(a, v128.load(wp, 32)));
      c3 = f32x4.add(c3, f32x4.mul(a, v128.load(wp, 48)));
      wp += ws;
    }
    v128.store(y + jo, out4(c0, relu));
    v128.store(y + jo, out4(c1, relu), 16);
    v128.store(y + jo, out4(c2, relu), 32);
    v128.store(y + jo, out4(c3, relu), 48);
  }
  for (; j + 4 <= N; j += 4) {
    const jo = <usize>j << 2;
    let c = start4(y, b, jo, acc);
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      c = f32x4.add(c, f32x4.mul(v128.load32_splat(x + (<usize>k << 2)), v128.load(wp)));
      wp += ws;
    }
    v128.store(y + jo, out4(c, relu));
  }
  for (; j < N; j++) {
    const jo = <usize>j << 2;
    let s = start1(y, b, jo, acc);
    let wp = w + jo;
    for (let k = 0; k < K; k++) {
      s = s + load<f32>(x + (<usize>k << 2)) * load<f32>(wp);
      wp += ws;
    }
    store<f32>(y + jo, out1(s, relu));
  }
}

// N = 1 (the last layer): y[i] = b + Σ_k x[i,k]·w[k]. Four rows share a
// vector, one per lane; a 4x4 transpose turns row-major x into k-columns, so
// each lane still sums in k-order.
// @ts-ignore: decorator
@inline function matvecForward(y: usize, x: usize, w: usize, b: usize, B: i32, K: i32, acc: bool, relu: bool): void {
  const xs = <usize>K << 2;
  const b0: f32 = b ? load<f32>(b) : 0;
  let i = 0;
  for (; i + 4 <= B; i += 4) {
    const r0 = x + <usize>i * xs, r1 = r0 + xs, r2 = r1 + xs, r3 = r2 + xs;
    let c = acc ? v128.load(y + (<usize>i << 2)) : f32x4.splat(b0);
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
    v128.store(y + (<usize>i << 2), out4(c, relu));
  }
  for (; i < B; i++) {
    const r = x + <usize>i * xs;
    let s = acc ? load<f32>(y + (<usize>i << 2)) : b0;
    for (let k = 0; k < K; k++) s = s + load<f32>(r + (<usize>k << 2)) * load<f32>(w + (<usize>k << 2));
    store<f32>(y + (<usize>i << 2), out1(s, relu));
  }
}

// --------------------------------------------------------------- backward

/**
 * dX += dY·Wᵀ,  dW += Xᵀ·dY,  db += Σ_rows dY.   dy:(B,N); dx:(B,K) dw:(K,N) db:(N), each 0 to skip.
 * scratch holds max(K·N, B·K) f32 for the transposes. Pair: matmulForward.
 */
export function matmulBackward(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, scratch: usize, B: i32, K: i32, N: i32): void {
  // both products are the forward kernel, accumulating, on a transpose (a vector needs none)
  if (dx) {
    if (N > 1) transpose(scratch, w, K, N);
    gemm(dx, dy, N > 1 ? scratch : w, 0, B, N, K, true, false);
  }
  if (dw) {
    // direct tiles while x and dy (re-read by every tile) fit in cache; beyond, the GEMM on Xᵀ
    if (B * (K + N) <= 65536) matmulBackwardWeightDirect(dw, dy, x, B, K, N);
    else {
      if (K > 1) transpose(scratch, x, B, K);
      gemm(dw, K > 1 ? scratch : x, dy, 0, K, B, N, true, false);
    }
  }
  if (db) matmulBackwardBias(db, dy, B, N);
}

/** Scalar twin of matmulBackward, the reference: same sums in the same order. */
export function matmulBackwardScalar(dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize, scratch: usize, B: i32, K: i32, N: i32): void {
  if (dx) {
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < K; k++) {
        const o = dx + ((<usize>i * K + k) << 2);
        let s = load<f32>(o);
        for (let n = 0; n < N; n++) s = s + load<f32>(dy + ((<usize>i * N + n) << 2)) * load<f32>(w + ((<usize>k * N + n) << 2));
        store<f32>(o, s);
      }
    }
  }
  if (dw) {
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < N; j++) {
        const o = dw + ((<usize>k * N + j) << 2);
        let s = load<f32>(o);
        for (let i = 0; i < B; i++) s = s + load<f32>(x + ((<usize>i * K + k) << 2)) * load<f32>(dy + ((<usize>i * N + j) << 2));
        store<f32>(o, s);
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

/** out = xᵀ   x:(R,C) out:(C,R). 4×4 blocks by shuffles, then the edges. */
export function transpose(out: usize, x: usize, R: i32, C: i32): void {
  const xs = <usize>C << 2, os = <usize>R << 2;
  const R4 = R & ~3, C4 = C & ~3;
  for (let r = 0; r < R4; r += 4) {
    const src = x + <usize>r * xs, dst = out + (<usize>r << 2);
    for (let c = 0; c < C4; c += 4) {
      const co = <usize>c << 2;
      const v0 = v128.load(src + co), v1 = v128.load(src + xs + co);
      const v2 = v128.load(src + 2 * xs + co), v3 = v128.load(src + 3 * xs + co);
      const t0 = f32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = f32x4.shuffle(v2, v3, 0, 4, 1, 5);
      const t2 = f32x4.shuffle(v0, v1, 2, 6, 3, 7), t3 = f32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const d = dst + <usize>c * os;
      v128.store(d, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(d + os, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * os, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * os, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
    }
  }
  for (let r = 0; r < R; r++) {
    for (let c = r < R4 ? C4 : 0; c < C; c++) {
      store<f32>(out + ((<usize>c * R + r) << 2), load<f32>(x + ((<usize>r * C + c) << 2)));
    }
  }
}

// dW[k,j] = dW[k,j] + Σ_i x[i,k]·dy[i,j] in i order, without transposing: tiles
// of 4 k-rows × 8 columns accumulate over the batch in the splat form; N = 1
// runs along k instead. Best while x and dy stay in cache across the tiles.
function matmulBackwardWeightDirect(dw: usize, dy: usize, x: usize, B: i32, K: i32, N: i32): void {
  const xs = <usize>K << 2;
  const ds = <usize>N << 2;
  if (N == 1) {
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const ko = <usize>k << 2;
      let a = v128.load(dw + ko);
      for (let i = 0; i < B; i++) {
        a = f32x4.add(a, f32x4.mul(v128.load(x + <usize>i * xs + ko), v128.load32_splat(dy + (<usize>i << 2))));
      }
      v128.store(dw + ko, a);
    }
    for (; k < K; k++) {
      const ko = <usize>k << 2;
      let s = load<f32>(dw + ko);
      for (let i = 0; i < B; i++) s = s + load<f32>(x + <usize>i * xs + ko) * load<f32>(dy + (<usize>i << 2));
      store<f32>(dw + ko, s);
    }
    return;
  }
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const ko = <usize>k << 2;
    const o0 = dw + <usize>k * ds, o1 = o0 + ds, o2 = o1 + ds, o3 = o2 + ds;
    let j = 0;
    // lanes k..k+3 of x are 4 bytes apart; each step of the sum is a row of x and of dY
    for (; j + 8 <= N; j += 8) tile4x8(o0, ds, x + ko, 4, xs, dy + (<usize>j << 2), ds, 0, <usize>j << 2, B, true, false);
    for (; j + 4 <= N; j += 4) {
      const jo = <usize>j << 2;
      let c0 = v128.load(o0 + jo), c1 = v128.load(o1 + jo), c2 = v128.load(o2 + jo), c3 = v128.load(o3 + jo);
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
      v128.store(o0 + jo, c0);
      v128.store(o1 + jo, c1);
      v128.store(o2 + jo, c2);
      v128.store(o3 + jo, c3);
    }
    for (; j < N; j++) {
      // four k in the lanes: a contiguous load of x[i, k..k+3]
      const jo = <usize>j << 2;
      let c = f32x4.splat(load<f32>(o0 + jo));
      c = f32x4.replace_lane(c, 1, load<f32>(o1 + jo));
      c = f32x4.replace_lane(c, 2, load<f32>(o2 + jo));
      c = f32x4.replace_lane(c, 3, load<f32>(o3 + jo));
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        c = f32x4.add(c, f32x4.mul(v128.load(xp), v128.load32_splat(dp)));
        xp += xs;
        dp += ds;
      }
      store<f32>(o0 + jo, f32x4.extract_lane(c, 0));
      store<f32>(o1 + jo, f32x4.extract_lane(c, 1));
      store<f32>(o2 + jo, f32x4.extract_lane(c, 2));
      store<f32>(o3 + jo, f32x4.extract_lane(c, 3));
    }
  }
  for (; k < K; k++) {
    // the last K%4 rows of dW: one x splat across columns
    const ko = <usize>k << 2;
    const o = dw + <usize>k * ds;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const jo = <usize>j << 2;
      let c = v128.load(o + jo);
      let xp = x + ko, dp = dy + jo;
      for (let i = 0; i < B; i++) {
        c = f32x4.add(c, f32x4.mul(v128.load32_splat(xp), v128.load(dp)));
        xp += xs;
        dp += ds;
      }
      v128.store(o + jo, c);
    }
    for (; j < N; j++) {
      const jo = <usize>j << 2;
      let s = load<f32>(o + jo);
      for (let i = 0; i < B; i++) s = s + load<f32>(x + <usize>i * xs + ko) * load<f32>(dy + <usize>i * ds + jo);
      store<f32>(o + jo, s);
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
