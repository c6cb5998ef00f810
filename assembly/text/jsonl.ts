// Items as JSON Lines, read into f32 columns and written back as scored
// lines, for `rewardfuse score`. Bytes in, bytes out: no text is decoded.
//
// scanItems reads the shape of nearly every file: one object a line, an "id"
// without escapes, a "scores" map of numbers and nulls, a "features" map of
// numbers (names in ASCII, without escapes), and any other fields (texts with
// escapes and in any language, nested metadata), which it checks as JSON.parse
// would and skips. src/data/scan.ts is its scalar twin in TypeScript, which
// reads a plainer shape still. It reads the scores of models the fusion model knows
// and drops features it does not use, as the reader does. Anything else (a
// model it does not know included) declines the whole piece (returns 0), and the caller reads it with the
// TypeScript reader, which reads it or names its fault: so a piece gives the
// same rows, bit for bit, either way. test/score-fast.test.mjs holds the two to that.
//
// Numbers become the float32 that JSON.parse's double rounds to. Up to 15
// significant digits and a power of ten within ±22, that double is one
// correctly rounded operation on exact doubles (Clinger's fast path), as in
// scan.ts. Longer numbers (Python's repr writes 17 digits) are approximated
// within 3 ulps of the double; the float32 is taken only when every double
// within 8 ulps rounds to the same float32, which fails (a decline) for about
// 3 numbers in 10^8: float32 roundings are 2^29 ulps of a double apart.
import { writeFloat32 } from "./dtoa";

const QUOTE: u8 = 34, BACKSLASH: u8 = 92, COLON: u8 = 58, COMMA: u8 = 44, LBRACE: u8 = 123, RBRACE: u8 = 125;
const SPACE: u8 = 32, TAB: u8 = 9, LF: u8 = 10, MINUS: u8 = 45, PLUS: u8 = 43, DOT: u8 = 46, ZERO: u8 = 48, NINE: u8 = 57;

/** scores, features and targets beyond this magnitude are refused (src/data/build.ts: MAX_MAGNITUDE) */
const MAX_MAGNITUDE: f64 = 1e15;

// the fields read, as bits (to find one given twice)
const ID = 1, GROUP = 2, SCORES = 4, TARGET = 8, FEATURES = 16;

/** 10^0 … 10^22, exact doubles */
const POW10 = memory.data<f64>([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]);

/** names of the map's j-th key remembered (most lines name the same models in the same order) */
const GUESSES = 64;

// the line being read, and the piece's tables
let lineEnd: usize = 0;
let keys: usize = 0;      // (K + F, 2) i32: each name's offset in keyBytes and length
let keyBytes: usize = 0;
let marks: usize = 0;     // (K + F) i32: the row that last named each column
let guesses: usize = 0;   // (2, GUESSES) i32: the column of the j-th key of the last scores / features map
let idSpans: usize = 0;   // (rows, 2) i32
let textStart: usize = 0;

// what numberAt read
let numValue: f32 = 0;
let numBig = false;

// Each line ends in a byte no value holds: its line feed, or (the last line)
// the 0 the caller puts after the text. So the loops below stop at the line's
// end without comparing positions. (Eight-byte loads look up to seven bytes
// past it, and a guessed name as far as its length, into padding the caller
// lays out after the text, or after the names; what they find there never
// counts: a line feed or 0 lies between.)

// @ts-ignore: decorator
@inline function ws(i: usize): usize {
  for (;;) {
    const c = load<u8>(i);
    if (c != SPACE && c != TAB) return i;
    i++;
  }
  return unreachable();
}

/** Past `null` at i, or 0. */
function isNull(i: usize): usize {
  return i + 4 <= lineEnd && load<u32>(i) == 0x6c6c756e ? i + 4 : 0;
}

/** Past `null`, `true` or `false` at i, or 0. */
function literal(i: usize): usize {
  if (i + 4 > lineEnd) return 0;
  const w = load<u32>(i);
  if (w == 0x6c6c756e || w == 0x65757274) return i + 4; // "null", "true"
  if (w == 0x736c6166 && i + 5 <= lineEnd && load<u8>(i, 4) == 101) return i + 5; // "false"
  return 0;
}

/** 10^0 … 10^8 */
const POW10_INT = memory.data<u64>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000]);

/** How many of the eight bytes of w (the first in its low byte) are digits before the first that is not. */
// @ts-ignore: decorator
@inline function digitRun(w: u64): i32 {
  const x = w ^ 0x3030303030303030; // a digit's byte is now 0 … 9
  // a byte's top bit: not a digit (a carry only reaches bytes after the first non-digit)
  const flags = ((x + 0x7676767676767676) | x) & 0x8080808080808080;
  return flags ? <i32>(ctz(flags) >> 3) : 8;
}

/** The number the first n (1 … 8) digits of w spell: three multiplies, two digits, then four, then eight at a time. */
// @ts-ignore: decorator
@inline function digitsValue(w: u64, n: i32): u64 {
  let x = (w & 0x0f0f0f0f0f0f0f0f) << (<u64>(8 - n) << 3); // the n digits last, zeros (leading zeros) before them
  x = ((x * 10) + (x >> 8)) & 0x00ff00ff00ff00ff;
  x = ((x * 100) + (x >> 16)) & 0x0000ffff0000ffff;
  return ((x * 10000) + (x >> 32)) & 0xffffffff;
}

/**
 * The JSON number at i: its end (0 if there is none), its float32 in
 * numValue, and in numBig whether the double is beyond MAX_MAGNITUDE.
 */
function numberAt(i: usize): usize {
  let negative = false;
  let c = <u32>load<u8>(i);
  if (c == MINUS) {
    negative = true;
    c = load<u8>(++i);
  }
  // m: the first 18 significant digits (< 2^63); digits: all of them; the value is m·10^(scale + exp)
  let m: u64 = 0, digits = 0, scale = 0;
  if (c == ZERO) {
    c = load<u8>(++i);
  } else if (c - ZERO - 1 < 9) {
    const w = load<u64>(i), n = digitRun(w);
    if (n < 8) { // up to 7 digits: at once
      m = digitsValue(w, n);
      digits = n;
      i += <usize>n;
      c = load<u8>(i);
    } else {
      do {
        if (digits < 18) m = m * 10 + <u64>(c - ZERO);
        else scale++;
        digits++;
        c = load<u8>(++i);
      } while (c - ZERO < 10);
    }
  } else {
    return 0;
  }
  if (c == DOT) {
    const w = load<u64>(++i), n = digitRun(w);
    if (n == 0) return 0;
    if (n < 8 && digits + n <= 18) { // up to 7 digits at once; while m is 0, leading zeros are not significant
      const zeros = m == 0 ? min(<i32>(ctz(w ^ 0x3030303030303030) >> 3), n) : 0;
      m = m * load<u64>(POW10_INT + (<usize>n << 3)) + digitsValue(w, n);
      digits += n - zeros;
      scale -= n;
      i += <usize>n;
      c = load<u8>(i);
    } else {
      c = load<u8>(i);
      do {
        if (m == 0 && c == ZERO) { // the leading zeros of 0.00x are not significant
          scale--;
        } else {
          if (digits < 18) {
            m = m * 10 + <u64>(c - ZERO);
            scale--;
          }
          digits++;
        }
        c = load<u8>(++i);
      } while (c - ZERO < 10);
    }
  }
  let exp = 0;
  if ((c | 32) == 101) { // e or E
    c = load<u8>(++i);
    let expNegative = false;
    if (c == PLUS || c == MINUS) {
      expNegative = c == MINUS;
      c = load<u8>(++i);
    }
    if (c - ZERO >= 10) return 0;
    do {
      if (exp < 1000000) exp = exp * 10 + <i32>(c - ZERO);
      c = load<u8>(++i);
    } while (c - ZERO < 10);
    if (expNegative) exp = -exp;
  }
  const e = scale + exp;
  let v: f64;
  if (digits <= 15 && e >= -22 && e <= 22) {
    // exact: m < 2^53 and 10^|e| are doubles, and one operation rounds once
    v = <f64><i64>m;
    v = e < 0 ? v / load<f64>(POW10 + (<usize>-e << 3)) : v * load<f64>(POW10 + (<usize>e << 3));
  } else if (m == 0) {
    v = 0;
  } else {
    if (e < -66 || e > 66) return 0;
    // within 3 ulps: at most 0.5 for m, 0.5 for each of up to three exact powers, and the digits past 18
    v = <f64><i64>m;
    let r = e < 0 ? -e : e;
    for (; r > 22; r -= 22) v = e < 0 ? v / 1e22 : v * 1e22;
    v = e < 0 ? v / load<f64>(POW10 + (<usize>r << 3)) : v * load<f64>(POW10 + (<usize>r << 3));
    const b = reinterpret<u64>(v);
    const lo = reinterpret<f64>(b - 8), hi = reinterpret<f64>(b + 8);
    if (<f32>lo != <f32>hi || (lo > MAX_MAGNITUDE) != (hi > MAX_MAGNITUDE)) return 0;
  }
  numBig = v > MAX_MAGNITUDE;
  numValue = negative ? -<f32>v : <f32>v;
  return i;
}

/**
 * From inside a string to just past its closing quote, as JSON.parse takes
 * one: escapes checked, bytes from 0x80 on taken as they are (the reader
 * decodes them, malformed ones as U+FFFD, and reads on); 0 at a control byte,
 * a bad escape or the line's end.
 */
function skipString(i: usize): usize {
  const quote = i8x16.splat(QUOTE), backslash = i8x16.splat(BACKSLASH), space = i8x16.splat(0x20);
  for (;;) {
    // sixteen bytes at a time to the next quote, backslash or control byte (the line's end is one)
    for (;;) {
      const v = v128.load(i);
      const m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space)));
      if (m != 0) {
        i += <usize>ctz(m);
        break;
      }
      i += 16;
    }
    const c = load<u8>(i);
    if (c == QUOTE) return i + 1;
    if (c < 0x20) return 0;
    const e = load<u8>(++i); // after a backslash
    if (e == 117) { // \uXXXX
      for (let h: usize = 1; h <= 4; h++) {
        const x = <u32>load<u8>(i + h);
        if (x - ZERO >= 10 && (x | 32) - 97 >= 6) return 0; // 0-9, a-f, A-F
      }
      i += 5;
    } else if (e == QUOTE || e == BACKSLASH || e == 47 || e == 98 || e == 102 || e == 110 || e == 114 || e == 116) {
      i++; // \" \\ \/ \b \f \n \r \t
    } else {
      return 0;
    }
  }
  return unreachable();
}

/** Any JSON value at i (strings, numbers, literals, arrays and objects up to 32 deep), skipped as JSON.parse accepts it: its end, or 0. */
function skipValue(i: usize, depth: i32): usize {
  const c = load<u8>(i);
  if (c == QUOTE) return skipString(i + 1);
  if (c == 110 || c == 116 || c == 102) return literal(i);
  if (c != 91 && c != LBRACE) return numberAt(i);
  if (depth == 32) return 0;
  const close: u8 = c == 91 ? 93 : RBRACE; // [ ], { }
  i = ws(i + 1);
  if (load<u8>(i) == close) return i + 1;
  for (;;) {
    if (c == LBRACE) {
      if (load<u8>(i) != QUOTE || (i = skipString(i + 1)) == 0) return 0;
      i = ws(i);
      if (load<u8>(i) != COLON) return 0;
      i = ws(i + 1);
    }
    if ((i = skipValue(i, depth + 1)) == 0) return 0;
    i = ws(i);
    const d = load<u8>(i++);
    if (d == close) return i;
    if (d != COMMA) return 0;
    i = ws(i);
  }
  return unreachable();
}

/** A continuation byte of UTF-8 */
// @ts-ignore: decorator
@inline function follows(b: u32): bool {
  return (b & 0xc0) == 0x80;
}

/**
 * From inside an id to just past its closing quote: printable ASCII and
 * well-formed UTF-8, which JSON.stringify writes back byte for byte; 0 at an
 * escape, a control byte, a malformed sequence (TextDecoder would make it
 * U+FFFD) or the line's end.
 */
function idEnd(i: usize): usize {
  for (;;) {
    const c = <u32>load<u8>(i);
    if (c == QUOTE) return i + 1;
    if (c == BACKSLASH || c < 0x20) return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    // the shortest form only, no surrogates, nothing past U+10FFFF
    const b1 = <u32>load<u8>(i + 1);
    if (c >= 0xc2 && c <= 0xdf && follows(b1)) i += 2;
    else if (c >= 0xe0 && c <= 0xef && b1 >= (c == 0xe0 ? 0xa0 : 0x80) && b1 <= (c == 0xed ? 0x9f : 0xbf) && follows(load<u8>(i + 2))) i += 3;
    else if (c >= 0xf0 && c <= 0xf4 && b1 >= (c == 0xf0 ? 0x90 : 0x80) && b1 <= (c == 0xf4 ? 0x8f : 0xbf) && follows(load<u8>(i + 2)) && follows(load<u8>(i + 3))) i += 4;
    else return 0;
  }
  return unreachable();
}

/** From inside a field's name to past its closing quote: any byte but an escape (which could spell a field read) or a control byte. */
function keyEnd(i: usize): usize {
  for (;; i++) {
    const c = load<u8>(i);
    if (c == QUOTE) return i + 1;
    if (c == BACKSLASH || c < 0x20) return 0;
  }
  return unreachable();
}

/** The field bit of the key in bytes [p, q), or 0 for a field not read. */
function keyAt(p: usize, q: usize): i32 {
  const n = q - p;
  if (n == 2) return load<u16>(p) == 0x6469 ? ID : 0; // "id"
  if (n == 5) return load<u32>(p) == 0x756f7267 && load<u8>(p, 4) == 112 ? GROUP : 0; // "group"
  if (n == 6) {
    const w = load<u32>(p), t = load<u16>(p, 4);
    if (w == 0x726f6373 && t == 0x7365) return SCORES; // "scores"
    if (w == 0x67726174 && t == 0x7465) return TARGET; // "target"
    return 0;
  }
  if (n == 8) return load<u64>(p) == 0x7365727574616566 ? FEATURES : 0; // "features"
  return 0;
}

/** bytes [p, p + n) equal name `col`'s: eight bytes at a time (reads past either end stay in memory: the text has padding after it, the names have blocks) */
// @ts-ignore: decorator
@inline function isName(p: usize, n: usize, col: i32): bool {
  const at = keys + (<usize>col << 3);
  if (<usize>load<i32>(at, 4) != n) return false;
  const q = keyBytes + <usize>load<i32>(at);
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(p + i) != load<u64>(q + i)) return false;
  if (i == n) return true;
  const mask = (<u64>1 << ((n - i) << 3)) - 1;
  return ((load<u64>(p + i) ^ load<u64>(q + i)) & mask) == 0;
}

// the names of a map that are not in the table, to find one given twice
const UNKNOWNS = 8;
const unknownSpans = memory.data(UNKNOWNS * 16, 8);
let unknowns = 0;

/** A name not in the table, bytes [p, p + n): true if the reader would read it too (not empty, not index-like, not given twice in this map). */
function unknownName(p: usize, n: usize): bool {
  if (n == 0 || <u32>load<u8>(p) - ZERO < 10 || unknowns == UNKNOWNS) return false;
  for (let u = 0; u < unknowns; u++) {
    const at = unknownSpans + (<usize>u << 4);
    if (load<usize>(at, 8) == n && memory.compare(load<usize>(at), p, n) == 0) return false;
  }
  const at = unknownSpans + (<usize>unknowns << 4);
  unknowns++;
  store<usize>(at, p);
  store<usize>(at, n, 8);
  return true;
}

/**
 * A flat map {name: number|null, …} at i into row (columns first … first + count
 * of the key table; `nulls` false: a null declines), marking each column with
 * `tick`; `skipUnknown`: names not in the table are checked and dropped. Its
 * end, or 0; `scored` says whether it held a number.
 */
let scored = false;
function map(i: usize, row: usize, first: i32, count: i32, nulls: bool, guess: usize, tick: i32, skipUnknown: bool): usize {
  unknowns = 0;
  if (load<u8>(i) != LBRACE) return 0;
  i = ws(i + 1);
  if (load<u8>(i) == RBRACE) return i + 1;
  for (let j = 0; ; j++) {
    if (load<u8>(i) != QUOTE) return 0;
    const p = ++i;
    // the column: the one at this place in the last line, if its name and a quote are next
    // (names are printable ASCII without quotes or backslashes: the bytes are the string), else a search
    let col = j < GUESSES ? load<i32>(guess + (<usize>j << 2)) : -1;
    let n: usize = col < 0 ? 0 : <usize>load<i32>(keys + (<usize>(first + col) << 3), 4);
    if (col >= 0 && load<u8>(p + n) == QUOTE && isName(p, n, first + col)) {
      i = p + n + 1;
    } else {
      for (;;) {
        const c = load<u8>(i);
        if (c == QUOTE) break;
        if (c == BACKSLASH || c < 0x20 || c > 0x7e) return 0;
        i++;
      }
      n = i - p;
      i++;
      col = -1;
      for (let c = 0; c < count; c++) {
        if (isName(p, n, first + c)) {
          col = c;
          break;
        }
      }
      if (col < 0) {
        // a feature the model does not use is read and dropped, as the reader drops it; a model it does not know declines
        if (!skipUnknown || !unknownName(p, n)) return 0;
        i = ws(i);
        if (load<u8>(i) != COLON) return 0;
        i = numberAt(ws(i + 1));
        if (i == 0 || numBig) return 0;
        i = ws(i);
        const c = load<u8>(i++);
        if (c == RBRACE) break;
        if (c != COMMA) return 0;
        i = ws(i);
        continue;
      }
      if (j < GUESSES) store<i32>(guess + (<usize>j << 2), col);
    }
    const mark = marks + (<usize>(first + col) << 2);
    if (load<i32>(mark) == tick) return 0; // named twice
    store<i32>(mark, tick);
    i = ws(i);
    if (load<u8>(i) != COLON) return 0;
    i = ws(i + 1);
    if (load<u8>(i) == 110) {
      if (!nulls || (i = isNull(i)) == 0) return 0;
    } else {
      i = numberAt(i);
      if (i == 0 || numBig) return 0;
      store<f32>(row + (<usize>col << 2), numValue);
      scored = true;
    }
    i = ws(i);
    const c = load<u8>(i++);
    if (c == RBRACE) break;
    if (c != COMMA) return 0;
    i = ws(i);
  }
  return i;
}

/** One item's line, bytes [p, q), into its rows of scores and features (NaN already); false declines. */
function scanLine(p: usize, q: usize, r: i32, scoreRow: usize, featRow: usize, K: i32, F: i32): bool {
  lineEnd = q;
  let i = ws(p);
  if (load<u8>(i) != LBRACE) return false;
  i = ws(i + 1);
  if (load<u8>(i) == RBRACE) return false;
  let seen = 0;
  scored = false;
  for (;;) {
    if (load<u8>(i) != QUOTE) return false;
    const k0 = i + 1;
    i = keyEnd(k0);
    if (i == 0) return false;
    const key = keyAt(k0, i - 1);
    i = ws(i);
    if (load<u8>(i) != COLON) return false;
    i = ws(i + 1);
    if (key & seen) return false; // given twice: JSON.parse keeps the last
    seen |= key;
    if (key == ID) {
      if (load<u8>(i) != QUOTE) return false;
      const s0 = i + 1;
      i = idEnd(s0);
      if (i == 0 || i - 1 == s0) return false;
      store<i32>(idSpans + (<usize>r << 3), <i32>(s0 - textStart));
      store<i32>(idSpans + (<usize>r << 3), <i32>(i - 1 - textStart), 4);
    } else if (key == GROUP) {
      i = load<u8>(i) == QUOTE ? skipString(i + 1) : isNull(i); // not needed to score: checked, not kept
    } else if (key == SCORES) {
      i = map(i, scoreRow, 0, K, true, guesses, r + 1, false);
    } else if (key == FEATURES) {
      const had = scored;
      i = map(i, featRow, K, F, false, guesses + (GUESSES << 2), r + 1, true);
      scored = had;
    } else if (key == TARGET) {
      if (load<u8>(i) == 110) i = isNull(i); // scoring needs no target
      else if ((i = numberAt(i)) != 0 && numBig) return false;
    } else {
      i = skipValue(i, 0); // a field not read (a prompt, a response, metadata)
    }
    if (i == 0) return false;
    i = ws(i);
    const c = load<u8>(i++);
    if (c == RBRACE) break;
    if (c != COMMA) return false;
    i = ws(i);
  }
  if (ws(i) != q) return false;
  return (seen & (ID | SCORES)) == (ID | SCORES) && scored; // an item no model scored is an error the reader names
}

/** The first line feed in [p, end), or end: sixteen bytes at a time. */
function lineFeed(p: usize, end: usize): usize {
  const lf = i8x16.splat(LF);
  for (; p + 16 <= end; p += 16) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p), lf));
    if (m != 0) return p + <usize>ctz(m);
  }
  for (; p < end; p++) if (load<u8>(p) == LF) return p;
  return end;
}

/**
 * Read a piece of items, text:(length) UTF-8, into rows: scores:(cap,K) f32 and
 * feats:(cap,F) f32 (NaN where absent), ids:(cap,2) i32 (each id's byte span in
 * text), lines:(cap) i32 (1-based), counts:(2) i32 = [rows, line feeds].
 * keys:(K+F,2) i32 are the model's and features' names (offset, length in
 * keyBytes); work holds 2·64 + K + F i32. text[length] must be 0 (or a line
 * feed). Returns 1, or 0 when it declines.
 */
export function scanItems(scores: usize, feats: usize, ids: usize, lines: usize, counts: usize, text: usize, length: i32, keyTable: usize, names: usize, K: i32, F: i32, cap: i32, work: usize): i32 {
  keys = keyTable;
  keyBytes = names;
  guesses = work;
  marks = work + (GUESSES << 3);
  idSpans = ids;
  textStart = text;
  memory.fill(guesses, 0xff, GUESSES << 3); // −1: no guess
  memory.fill(marks, 0, <usize>(K + F) << 2);
  const end = text + <usize>length;
  const nan = reinterpret<f32>(0x7fc00000);
  let p = text, line = 1, r = 0;
  while (p < end) {
    const lf = lineFeed(p, end);
    let i = p;
    while (i < lf && (load<u8>(i) == SPACE || load<u8>(i) == TAB)) i++;
    if (i < lf) { // not blank
      if (load<u8>(p) != LBRACE || r >= cap) return 0;
      const scoreRow = scores + (<usize>(r * K) << 2), featRow = feats + (<usize>(r * F) << 2);
      for (let k = 0; k < K; k++) store<f32>(scoreRow + (<usize>k << 2), nan);
      for (let f = 0; f < F; f++) store<f32>(featRow + (<usize>f << 2), nan);
      if (!scanLine(p, lf, r, scoreRow, featRow, K, F)) return 0;
      store<i32>(lines + (<usize>r << 2), line);
      r++;
    }
    if (lf < end) line++;
    p = lf + 1;
  }
  store<i32>(counts, r);
  store<i32>(counts, line - 1, 4);
  return 1;
}

/** Write ASCII s at p; returns the byte after it. */
// @ts-ignore: decorator
@inline function ascii(p: usize, s: string): usize {
  const u = changetype<usize>(s), n = <usize>s.length;
  for (let i: usize = 0; i < n; i++) store<u8>(p + i, load<u16>(u + (i << 1)));
  return p + n;
}

/**
 * out = one JSON line an item: {"id":…,"reward":…,"uncertainty":…,"conservative":…}
 * with ,"weights":{name:…} before the brace when weights ≠ 0, numbers as
 * String() prints them. ids:(n,2) i32 byte spans in text; reward, uncertainty,
 * conservative:(n) f32; weights:(n,K) f32 or 0; names:(K,2) i32 offset and
 * length in nameBytes of each name as JSON (quoted). Returns the bytes written.
 */
export function writeItems(out: usize, ids: usize, text: usize, reward: usize, uncertainty: usize, conservative: usize, weights: usize, names: usize, nameBytes: usize, n: i32, K: i32): i32 {
  let p = out;
  for (let i = 0; i < n; i++) {
    const at = ids + (<usize>i << 3), s0 = <usize>load<i32>(at), s1 = <usize>load<i32>(at, 4);
    p = ascii(p, '{"id":"');
    memory.copy(p, text + s0, s1 - s0);
    p = ascii(p + (s1 - s0), '","reward":');
    const x = <usize>i << 2;
    p = ascii(writeFloat32(p, load<f32>(reward + x)), ',"uncertainty":');
    p = ascii(writeFloat32(p, load<f32>(uncertainty + x)), ',"conservative":');
    p = writeFloat32(p, load<f32>(conservative + x));
    if (weights) {
      p = ascii(p, ',"weights":{');
      for (let k = 0; k < K; k++) {
        if (k) store<u8>(p++, COMMA);
        const name = names + (<usize>k << 3), len = <usize>load<i32>(name, 4);
        memory.copy(p, nameBytes + <usize>load<i32>(name), len);
        store<u8>(p + len, COLON);
        p = writeFloat32(p + len + 1, load<f32>(weights + (<usize>(i * K + k) << 2)));
      }
      store<u8>(p++, RBRACE);
    }
    store<u8>(p++, RBRACE);
    store<u8>(p++, LF);
  }
  return <i32>(p - out);
}
