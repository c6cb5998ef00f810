// A float32 as text, byte for byte as JavaScript prints it: String(x) of the
// double that holds x exactly. ECMAScript's Number::toString takes the fewest
// digits that read back as that double, the closest of them to it, ties to
// even, and places the point by the exponent (0.001, 1e-7, 123, 1e+21).
//
// The digits are Ryū's (Ulf Adams, PLDI 2018; d2s.c in github.com/ulfjack/ryu),
// with 64×128-bit products built from 32-bit halves. A float32's doubles use
// only 85 of Ryū's 668 powers of five (pow5.ts). test/score-fast.test.mjs
// holds it to String() on a sweep of float32 bit patterns.
import { POW5, POW5_INV } from "./pow5";

const BITCOUNT = 125; // of POW5 and POW5_INV

/** ⌊log2 5^e⌋ + 1, for 0 ≤ e ≤ 3528 */
// @ts-ignore: decorator
@inline function pow5bits(e: i32): i32 {
  return <i32>((<u32>e * 1217359) >> 19) + 1;
}

/** ⌊log10 2^e⌋, for 0 ≤ e ≤ 1650 */
// @ts-ignore: decorator
@inline function log10Pow2(e: i32): i32 {
  return <i32>((<u32>e * 78913) >> 18);
}

/** ⌊log10 5^e⌋, for 0 ≤ e ≤ 2620 */
// @ts-ignore: decorator
@inline function log10Pow5(e: i32): i32 {
  return <i32>((<u32>e * 732923) >> 20);
}

/** how many times 5 divides v (v > 0) */
function pow5Factor(v: u64): u32 {
  let count: u32 = 0;
  for (;;) {
    v *= 14757395258967641293; // 5⁻¹ mod 2^64
    if (v > 3689348814741910323) break; // ⌊(2^64 − 1)/5⌋
    count++;
  }
  return count;
}

/** the high 64 bits of a·b */
// @ts-ignore: decorator
@inline function umulh(a: u64, b: u64): u64 {
  const aLo = a & 0xffffffff, aHi = a >> 32, bLo = b & 0xffffffff, bHi = b >> 32;
  const b00 = aLo * bLo, b01 = aLo * bHi, b10 = aHi * bLo, b11 = aHi * bHi;
  const mid1 = b10 + (b00 >> 32);
  const mid2 = b01 + (mid1 & 0xffffffff);
  return b11 + (mid1 >> 32) + (mid2 >> 32);
}

/** ⌊m·mul / 2^j⌋ for the 128-bit table entry at `mul` (m < 2^55, 64 < j < 128) */
function mulShift64(m: u64, mul: usize, j: i32): u64 {
  const lo = load<u64>(mul), hi = load<u64>(mul, 8);
  const high1 = umulh(m, hi), low1 = m * hi;
  const high0 = umulh(m, lo);
  const sum = high0 + low1;
  const carry: u64 = sum < high0 ? 1 : 0;
  const dist = <u64>(j - 64);
  return ((high1 + carry) << (64 - dist)) | (sum >> dist);
}

// Ryū's answer: digits·10^exponent
let digits: u64 = 0;
let exponent: i32 = 0;

/** The shortest digits that read back as the double with this mantissa and biased exponent (> 0), into digits and exponent. */
function shortest(ieeeMantissa: u64, ieeeExponent: i32): void {
  const e2 = ieeeExponent - 1023 - 52 - 2; // two more bits for the bounds
  const m2 = (<u64>1 << 52) | ieeeMantissa;
  const acceptBounds = (m2 & 1) == 0; // a tie reads back as the even one
  const mv = 4 * m2;
  const mmShift: u64 = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1 : 0; // the gap below is half as wide at a power of two
  let vr: u64, vp: u64, vm: u64, e10: i32;
  let vmIsTrailingZeros = false, vrIsTrailingZeros = false;
  // the interval's ends and middle, mv − 1 − mmShift … mv + 2 (·2^e2), in decimal: 10^e10·(vm … vp)
  if (e2 >= 0) {
    const q = log10Pow2(e2) - (e2 > 3 ? 1 : 0);
    e10 = q;
    const k = BITCOUNT + pow5bits(q) - 1;
    const i = -e2 + q + k;
    const mul = POW5_INV + (<usize>q << 4);
    vr = mulShift64(4 * m2, mul, i);
    vp = mulShift64(4 * m2 + 2, mul, i);
    vm = mulShift64(4 * m2 - 1 - mmShift, mul, i);
    if (q <= 21) {
      // only one of mp, mv and mm can be a multiple of 5, if any
      if (mv % 5 == 0) vrIsTrailingZeros = pow5Factor(mv) >= <u32>q;
      else if (acceptBounds) vmIsTrailingZeros = pow5Factor(mv - 1 - mmShift) >= <u32>q;
      else vp -= pow5Factor(mv + 2) >= <u32>q ? 1 : 0;
    }
  } else {
    const q = log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
    e10 = q + e2;
    const i = -e2 - q;
    const k = pow5bits(i) - BITCOUNT;
    const j = q - k;
    const mul = POW5 + (<usize>i << 4);
    vr = mulShift64(4 * m2, mul, j);
    vp = mulShift64(4 * m2 + 2, mul, j);
    vm = mulShift64(4 * m2 - 1 - mmShift, mul, j);
    if (q <= 1) {
      // mv = 4·m2 has at least two trailing zero bits
      vrIsTrailingZeros = true;
      if (acceptBounds) vmIsTrailingZeros = mmShift == 1;
      else vp--;
    } else if (q < 63) {
      vrIsTrailingZeros = (mv & ((<u64>1 << q) - 1)) == 0;
    }
  }
  // drop digits while the interval still holds a shorter number
  let removed = 0, lastRemovedDigit: u64 = 0, output: u64;
  if (vmIsTrailingZeros || vrIsTrailingZeros) {
    // the rare general case: exact ends and ties
    for (;;) {
      const vpDiv10 = vp / 10, vmDiv10 = vm / 10;
      if (vpDiv10 <= vmDiv10) break;
      const vrDiv10 = vr / 10;
      vmIsTrailingZeros = vmIsTrailingZeros && vm - 10 * vmDiv10 == 0;
      vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0;
      lastRemovedDigit = vr - 10 * vrDiv10;
      vr = vrDiv10;
      vp = vpDiv10;
      vm = vmDiv10;
      removed++;
    }
    if (vmIsTrailingZeros) {
      for (;;) {
        const vmDiv10 = vm / 10;
        if (vm - 10 * vmDiv10 != 0) break;
        const vrDiv10 = vr / 10;
        vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0;
        lastRemovedDigit = vr - 10 * vrDiv10;
        vr = vrDiv10;
        vp = vp / 10;
        vm = vmDiv10;
        removed++;
      }
    }
    if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) lastRemovedDigit = 4; // exactly …50…0: round to even
    output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1 : 0);
  } else {
    let roundUp = false;
    const vpDiv100 = vp / 100, vmDiv100 = vm / 100;
    if (vpDiv100 > vmDiv100) {
      const vrDiv100 = vr / 100;
      roundUp = vr - 100 * vrDiv100 >= 50;
      vr = vrDiv100;
      vp = vpDiv100;
      vm = vmDiv100;
      removed += 2;
    }
    for (;;) {
      const vpDiv10 = vp / 10, vmDiv10 = vm / 10;
      if (vpDiv10 <= vmDiv10) break;
      const vrDiv10 = vr / 10;
      roundUp = vr - 10 * vrDiv10 >= 5;
      vr = vrDiv10;
      vp = vpDiv10;
      vm = vmDiv10;
      removed++;
    }
    output = vr + (vr == vm || roundUp ? 1 : 0);
  }
  digits = output;
  exponent = e10 + removed;
}

/** "00" "01" … "99": two digits a lookup */
const PAIRS = memory.data<u8>([48,48,48,49,48,50,48,51,48,52,48,53,48,54,48,55,48,56,48,57,49,48,49,49,49,50,49,51,49,52,49,53,49,54,49,55,49,56,49,57,50,48,50,49,50,50,50,51,50,52,50,53,50,54,50,55,50,56,50,57,51,48,51,49,51,50,51,51,51,52,51,53,51,54,51,55,51,56,51,57,52,48,52,49,52,50,52,51,52,52,52,53,52,54,52,55,52,56,52,57,53,48,53,49,53,50,53,51,53,52,53,53,53,54,53,55,53,56,53,57,54,48,54,49,54,50,54,51,54,52,54,53,54,54,54,55,54,56,54,57,55,48,55,49,55,50,55,51,55,52,55,53,55,54,55,55,55,56,55,57,56,48,56,49,56,50,56,51,56,52,56,53,56,54,56,55,56,56,56,57,57,48,57,49,57,50,57,51,57,52,57,53,57,54,57,55,57,56,57,57], 2);

/** how many decimal digits v (< 10^17) has */
function decimalLength(v: u64): i32 {
  if (v >= 10000000000000000) return 17;
  if (v >= 1000000000000000) return 16;
  if (v >= 100000000000000) return 15;
  if (v >= 10000000000000) return 14;
  if (v >= 1000000000000) return 13;
  if (v >= 100000000000) return 12;
  if (v >= 10000000000) return 11;
  if (v >= 1000000000) return 10;
  if (v >= 100000000) return 9;
  if (v >= 10000000) return 8;
  if (v >= 1000000) return 7;
  if (v >= 100000) return 6;
  if (v >= 10000) return 5;
  if (v >= 1000) return 4;
  if (v >= 100) return 3;
  if (v >= 10) return 2;
  return 1;
}

/** ASCII of the decimal digits of v (< 10^17), at out; returns their count. */
function writeDigits(out: usize, v: u64): i32 {
  const n = decimalLength(v);
  let p = out + <usize>n;
  // one 64-bit division, then two digits at a time in 32 bits
  if (v >= 100000000) {
    const hi = v / 100000000;
    let lo = <u32>(v - hi * 100000000);
    for (let k = 0; k < 4; k++) {
      p -= 2;
      store<u16>(p, load<u16>(PAIRS + (<usize>(lo % 100) << 1)));
      lo /= 100;
    }
    v = hi;
  }
  let w = <u32>v;
  while (w >= 100) {
    p -= 2;
    store<u16>(p, load<u16>(PAIRS + (<usize>(w % 100) << 1)));
    w /= 100;
  }
  if (w >= 10) store<u16>(p - 2, load<u16>(PAIRS + (<usize>w << 1)));
  else store<u8>(p - 1, <u8>(48 + w));
  return n;
}

/** Write String(x) at out (at most 25 bytes: "-0.0000012345678901234567"); returns the byte after it. */
export function writeFloat32(out: usize, x: f32): usize {
  const bits = reinterpret<u64>(<f64>x);
  const negative = (bits >> 63) != 0;
  const ieeeMantissa = bits & ((<u64>1 << 52) - 1);
  const ieeeExponent = <i32>((bits >> 52) & 0x7ff);
  if (ieeeExponent == 0x7ff) {
    if (ieeeMantissa != 0) return writeAscii(out, "NaN");
    if (negative) store<u8>(out++, 45);
    return writeAscii(out, "Infinity");
  }
  if (ieeeExponent == 0) { // ±0 (a float32 is never a subnormal double)
    store<u8>(out, 48);
    return out + 1;
  }
  if (negative) store<u8>(out++, 45);
  // an integer below 2^53 is its own shortest form
  const e2 = ieeeExponent - 1023 - 52;
  const m2 = (<u64>1 << 52) | ieeeMantissa;
  if (e2 <= 0 && e2 >= -52 && (m2 & ((<u64>1 << <u64>-e2) - 1)) == 0) {
    digits = m2 >> <u64>-e2;
    exponent = 0;
    while (digits % 10 == 0) {
      digits /= 10;
      exponent++;
    }
  } else {
    shortest(ieeeMantissa, ieeeExponent);
  }
  // Number::toString's layout: k digits, the point after n of them
  const k = writeDigits(out, digits); // written at out, moved below as needed
  const n = k + exponent;
  if (k <= n && n <= 21) { // 123, 1e+21's neighbours: digits then zeros
    memory.fill(out + <usize>k, 48, <usize>(n - k));
    return out + <usize>n;
  }
  if (0 < n && n <= 21) { // 12.3
    memory.copy(out + <usize>n + 1, out + <usize>n, <usize>(k - n));
    store<u8>(out + <usize>n, 46);
    return out + <usize>k + 1;
  }
  if (-6 < n && n <= 0) { // 0.00123
    const z = <usize>(2 - n);
    memory.copy(out + z, out, <usize>k);
    store<u8>(out, 48);
    store<u8>(out, 46, 1);
    memory.fill(out + 2, 48, <usize>-n);
    return out + z + <usize>k;
  }
  // 1.23e-7, 1e+21
  let p = out + 1;
  if (k > 1) {
    memory.copy(out + 2, out + 1, <usize>(k - 1));
    store<u8>(out, 46, 1);
    p = out + <usize>k + 1;
  }
  store<u8>(p++, 101);
  const e = n - 1;
  store<u8>(p++, e < 0 ? 45 : 43);
  return p + <usize>writeDigits(p, <u64>(e < 0 ? -e : e));
}

function writeAscii(out: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(out + <usize>i, <u8>s.charCodeAt(i));
  return out + <usize>s.length;
}

/** out = String(x[i]) for i < n, each followed by a line feed   x:(n) f32; returns the bytes written. */
export function formatFloat32s(out: usize, x: usize, n: i32): i32 {
  let p = out;
  for (let i = 0; i < n; i++) {
    p = writeFloat32(p, load<f32>(x + (<usize>i << 2)));
    store<u8>(p++, 10);
  }
  return <i32>(p - out);
}
