// A scanner for JSON Lines records in the plain shape nearly every file has:
// one object a line, ASCII strings without escapes, score maps of numbers and
// nulls, other fields plain values. It reads a line's UTF-8 bytes straight into
// Fields, building no object and decoding no text but the strings it keeps,
// with the keys of the line before as a guess for this one's.
//
// Anything else it declines (returns false) before it has changed anything:
// escapes, non-ASCII strings, nested values in fields rewardfuse does not
// read, a key given twice, index-like names ("2", which JSON.parse's objects
// put first), a value out of range, a missing field, or invalid JSON. The
// reader then takes that line through JSON.parse and the checks in jsonl.ts,
// which read it or name its fault. A declined line and a scanned one give the
// same row, bit for bit: numbers are parsed as JSON.parse parses them
// (correctly rounded). test/stream.test.mjs holds the two paths to that.
import { Fields, LABEL, MAX_MAGNITUDE, type FieldMap } from './build.js';

const QUOTE = 34, BACKSLASH = 92, COLON = 58, COMMA = 44, LBRACE = 123, RBRACE = 125, SPACE = 32, TAB = 9;
const MINUS = 45, PLUS = 43, DOT = 46, ZERO = 48, NINE = 57, LOWER_E = 101, UPPER_E = 69;

// the fields rewardfuse reads; bits, to find one given twice
const ID = 1, GROUP = 2, LABEL_ = 4, A = 8, B = 16, SCORES = 32, TARGET = 64, FEATURES = 128;

/** 10^0 … 10^22: exact doubles */
const POW10 = Array.from({ length: 23 }, (_, e) => Number(`1e${e}`));

export class LineScanner {
  private s: Uint8Array = new Uint8Array(0);
  private i = 0;
  private end = 0;
  /** per map, the keys of the line before, in order, with their bytes; and its group */
  private readonly last: { name: string; bytes: Uint8Array }[][] = [[], [], []];
  private group: string | undefined;

  /** `needTarget`: items must have a numeric target (else null or none is read as NaN) */
  constructor(readonly kind: 'pairs' | 'items', private readonly needTarget = true) {}

  /** Read the record in bytes s[start, end) into f; false when it is not in the plain shape (f is then undefined). */
  scan(s: Uint8Array, start: number, end: number, f: Fields): boolean {
    this.s = s;
    this.i = start;
    this.end = end;
    const pairs = this.kind === 'pairs';
    f.group = undefined;
    f.y = NaN;
    f.maps[0].n = f.maps[1].n = f.maps[2].n = 0;
    this.ws();
    if (this.next() !== LBRACE) return false;
    this.ws();
    let seen = 0;
    if (this.peek() === RBRACE) return false;
    for (;;) {
      if (this.next() !== QUOTE) return false;
      const k0 = this.i;
      if (!this.stringEnd()) return false;
      const key = keyAt(s, k0, this.i - 1);
      this.ws();
      if (this.next() !== COLON) return false;
      this.ws();
      if (key & seen) return false; // given twice: JSON.parse keeps the last
      seen |= key;
      if (key === ID) {
        if (this.next() !== QUOTE) return false;
        const p = this.i;
        if (!this.stringEnd() || this.i - 1 === p) return false;
        f.id = ascii(s, p, this.i - 1);
      } else if (key === GROUP) {
        if (this.peek() === QUOTE) {
          this.i++;
          const p = this.i;
          if (!this.stringEnd()) return false;
          f.group = this.group !== undefined && same(s, p, this.i - 1, this.group) ? this.group : (this.group = ascii(s, p, this.i - 1));
        } else if (!this.literal('null')) return false;
      } else if (key === LABEL_ && pairs) {
        if (this.next() !== QUOTE) return false;
        const p = this.i;
        if (!this.stringEnd()) return false;
        const n = this.i - 1 - p, c = s[p];
        if (n === 1 && c === 97) f.y = LABEL.a;
        else if (n === 1 && c === 98) f.y = LABEL.b;
        else if (n === 3 && same(s, p, p + 3, 'tie')) f.y = LABEL.tie;
        else return false;
      } else if ((key === A || key === B) && pairs) {
        if (!this.map(f.maps[key === A ? 0 : 1], key === A ? 0 : 1, true)) return false;
      } else if (key === SCORES && !pairs) {
        if (!this.map(f.maps[0], 0, true)) return false;
      } else if (key === FEATURES) {
        if (!this.map(f.maps[2], 2, false)) return false;
      } else if (key === TARGET && !pairs) {
        if (this.peek() === 110) {
          if (this.needTarget || !this.literal('null')) return false;
        } else {
          const v = this.number();
          if (!(Math.abs(v) <= MAX_MAGNITUDE)) return false;
          f.y = v;
        }
      } else if (!this.plainValue()) {
        return false;
      }
      this.ws();
      const c = this.next();
      if (c === RBRACE) break;
      if (c !== COMMA) return false;
      this.ws();
    }
    this.ws();
    if (this.i !== end) return false;
    const need = pairs ? ID | LABEL_ | A | B : ID | SCORES | (this.needTarget ? TARGET : 0);
    return (seen & need) === need;
  }

  private peek(): number {
    return this.i < this.end ? this.s[this.i] : -1;
  }

  private next(): number {
    return this.i < this.end ? this.s[this.i++] : -1;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < this.end) {
      const c = s[this.i];
      if (c !== SPACE && c !== TAB) return;
      this.i++;
    }
  }

  /** From inside a string to just past its closing quote; false at an escape, a control character, a non-ASCII byte or the line's end. */
  private stringEnd(): boolean {
    const s = this.s, end = this.end;
    for (let i = this.i; i < end; i++) {
      const c = s[i];
      if (c === QUOTE) {
        this.i = i + 1;
        return true;
      }
      if (c === BACKSLASH || c < 0x20 || c > 0x7e) return false;
    }
    return false;
  }

  private literal(word: string): boolean {
    if (this.i + word.length > this.end || !same(this.s, this.i, this.i + word.length, word)) return false;
    this.i += word.length;
    return true;
  }

  /** A string, number, true, false or null, skipped; false for anything nested. */
  private plainValue(): boolean {
    const c = this.peek();
    if (c === QUOTE) {
      this.i++;
      return this.stringEnd();
    }
    if (c === 116) return this.literal('true');
    if (c === 102) return this.literal('false');
    if (c === 110) return this.literal('null');
    const v = this.number();
    return v === v;
  }

  private number(): number {
    const v = parseNumber(this.s, this.i, this.end);
    if (v === v) this.i = numberEnd;
    return v;
  }

  /**
   * A flat map {name: number|null, …} into f (null: NaN; `nulls` false: a
   * null declines). Names are compared with the last line's at the same place first.
   */
  private map(f: FieldMap, slot: number, nulls: boolean): boolean {
    const s = this.s, end = this.end, last = this.last[slot];
    let i = this.i;
    if (i >= end || s[i] !== LBRACE) return false;
    i++;
    while (i < end && (s[i] === SPACE || s[i] === TAB)) i++;
    if (i < end && s[i] === RBRACE) {
      this.i = i + 1;
      return true;
    }
    for (let j = 0; ; j++) {
      if (i >= end || s[i] !== QUOTE) return false;
      const p = ++i;
      for (;;) {
        if (i >= end) return false;
        const c = s[i];
        if (c === QUOTE) break;
        if (c === BACKSLASH || c < 0x20 || c > 0x7e) return false;
        i++;
      }
      const q = i++;
      const known = last[j];
      let name: string;
      if (known !== undefined && sameBytes(s, p, q, known.bytes)) name = known.name;
      else {
        name = ascii(s, p, q);
        if (!name || isIndex(name)) return false;
        last[j] = { name, bytes: new Uint8Array(s.subarray(p, q)) }; // a copy (a Buffer's slice() is a view)
      }
      while (i < end && (s[i] === SPACE || s[i] === TAB)) i++;
      if (i >= end || s[i] !== COLON) return false;
      i++;
      while (i < end && (s[i] === SPACE || s[i] === TAB)) i++;
      let v: number;
      if (i < end && s[i] === 110) {
        if (!nulls || i + 4 > end || s[i + 1] !== 117 || s[i + 2] !== 108 || s[i + 3] !== 108) return false; // null
        v = NaN;
        i += 4;
      } else {
        v = parseNumber(s, i, end);
        if (!(Math.abs(v) <= MAX_MAGNITUDE)) return false;
        i = numberEnd;
      }
      f.push(name, v);
      while (i < end && (s[i] === SPACE || s[i] === TAB)) i++;
      if (i >= end) return false;
      const c = s[i++];
      if (c === RBRACE) break;
      if (c !== COMMA) return false;
      while (i < end && (s[i] === SPACE || s[i] === TAB)) i++;
    }
    this.i = i;
    return true;
  }
}

/** where the number parseNumber read last ends */
let numberEnd = 0;

/**
 * The JSON number at s[i], as JSON.parse reads it (its end in numberEnd);
 * NaN if the text there is not one. Up to 15 significant digits and a power
 * of ten within ±22, m·10^e or m/10^−e is one correctly rounded operation on
 * exact doubles (Clinger's fast path); anything longer goes to Number(),
 * which rounds the same way.
 */
function parseNumber(s: Uint8Array, i: number, end: number): number {
  const start = i;
  let neg = false;
  if (i < end && s[i] === MINUS) { neg = true; i++; }
  let m = 0, digits = 0, scale = 0;
  const first = i < end ? s[i] : -1;
  if (first === ZERO) {
    i++;
  } else if (first > ZERO && first <= NINE) {
    for (; i < end; i++) {
      const c = s[i];
      if (c < ZERO || c > NINE) break;
      m = m * 10 + (c - ZERO);
      digits++;
    }
  } else {
    return NaN;
  }
  if (i < end && s[i] === DOT) {
    i++;
    const f0 = i;
    for (; i < end; i++) {
      const c = s[i];
      if (c < ZERO || c > NINE) break;
      scale--;
      if (m === 0 && c === ZERO) continue; // the leading zeros of 0.00x are not significant
      m = m * 10 + (c - ZERO);
      digits++;
    }
    if (i === f0) return NaN;
  }
  let exp = 0;
  if (i < end && (s[i] === LOWER_E || s[i] === UPPER_E)) {
    i++;
    let eneg = false;
    if (i < end && (s[i] === PLUS || s[i] === MINUS)) eneg = s[i++] === MINUS;
    const e0 = i;
    for (; i < end; i++) {
      const c = s[i];
      if (c < ZERO || c > NINE) break;
      if (exp < 1e6) exp = exp * 10 + (c - ZERO);
    }
    if (i === e0) return NaN;
    if (eneg) exp = -exp;
  }
  numberEnd = i;
  const e = scale + exp;
  let v: number;
  if (digits <= 15 && e >= -22 && e <= 22) v = e < 0 ? m / POW10[-e] : m * POW10[e];
  else v = Number(ascii(s, neg ? start + 1 : start, i));
  return neg ? -v : v;
}

/** The field bit of s[p, q), or 0 for a field rewardfuse does not read. */
function keyAt(s: Uint8Array, p: number, q: number): number {
  switch (q - p) {
    case 1: {
      const c = s[p];
      return c === 97 ? A : c === 98 ? B : 0;
    }
    case 2: return same(s, p, q, 'id') ? ID : 0;
    case 5: return same(s, p, q, 'group') ? GROUP : same(s, p, q, 'label') ? LABEL_ : 0;
    case 6: return same(s, p, q, 'scores') ? SCORES : same(s, p, q, 'target') ? TARGET : 0;
    case 8: return same(s, p, q, 'features') ? FEATURES : 0;
  }
  return 0;
}

/** bytes s[p, q) spell the ASCII string `name` */
function same(s: Uint8Array, p: number, q: number, name: string): boolean {
  if (name.length !== q - p) return false;
  for (let i = 0; i < name.length; i++) if (s[p + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** bytes s[p, q) are `bytes` */
function sameBytes(s: Uint8Array, p: number, q: number, bytes: Uint8Array): boolean {
  if (bytes.length !== q - p) return false;
  for (let i = 0; i < bytes.length; i++) if (s[p + i] !== bytes[i]) return false;
  return true;
}

/** ASCII bytes s[p, q) as a string */
function ascii(s: Uint8Array, p: number, q: number): string {
  const n = q - p;
  if (n > 256) return DECODER.decode(s.subarray(p, q));
  const codes = new Array<number>(n);
  for (let i = 0; i < n; i++) codes[i] = s[p + i];
  return String.fromCharCode.apply(null, codes);
}
const DECODER = new TextDecoder();

/** an array index, which a JS object lists before its other keys */
function isIndex(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c < ZERO || c > NINE) return false;
  return /^(0|[1-9]\d*)$/.test(name);
}
