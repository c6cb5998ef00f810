// Elementwise sum, for skip connections.

/** y = a + b   a,b,y:(n). Pair: addBackward. */
export function addForward(y: usize, a: usize, b: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
}
export function addForwardScalar(y: usize, a: usize, b: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
}
/** da += dy, db += dy. */
export function addBackward(da: usize, db: usize, dy: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const g = v128.load(dy + o);
    v128.store(da + o, f32x4.add(v128.load(da + o), g));
    v128.store(db + o, f32x4.add(v128.load(db + o), g));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(da + o, load<f32>(da + o) + load<f32>(dy + o));
    store<f32>(db + o, load<f32>(db + o) + load<f32>(dy + o));
  }
}
export function addBackwardScalar(da: usize, db: usize, dy: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
    store<f32>(da + o, load<f32>(da + o) + load<f32>(dy + o));
    store<f32>(db + o, load<f32>(db + o) + load<f32>(dy + o));
  }
}
