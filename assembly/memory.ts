// Moves and checks of f32 blocks in the arena.

/** x[0..n) = 0. */
export function fillZero(x: usize, n: i32): void {
  memory.fill(x, 0, <usize>n << 2);
}

/** out[r,:] = src[idx[r],:]   out:(rows,cols) src:(*,cols) idx:(rows) i32. */
export function gatherRows(out: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(out + <usize>r * bytes, src + <usize>load<i32>(idx + (<usize>r << 2)) * bytes, bytes);
  }
}

/** The index of the first NaN or ±Infinity in x[0..n), or −1. */
export function firstNonFinite(x: usize, n: i32): i32 {
  const mask = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (v128.any_true(i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), mask), mask))) break;
  }
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}
