// Ids are kept exactly, or refused. A JSONL line is decoded as UTF-8 with
// malformed bytes replaced by U+FFFD (as TextDecoder does), which is fine for
// text rewardfuse does not key on; but two ids differing only in malformed
// bytes ("caf\xe9", "caf\xe8") would both read "caf\uFFFD" and be merged.
// So a line that is not well-formed UTF-8 has its id compared with the id it
// gives when each malformed byte reads "?" instead: a difference means the id
// held one, and the line is refused, naming it.
import { fail, type Origin } from './errors.js';

const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });
const QUESTION = 63;

/** bytes as text, and whether they were well-formed UTF-8 (else malformed bytes read U+FFFD) */
export function decodeLine(b: Uint8Array): { text: string; wellFormed: boolean } {
  try {
    return { text: FATAL.decode(b), wellFormed: true };
  } catch {
    return { text: LENIENT.decode(b), wellFormed: false };
  }
}

/**
 * For a line that is not well-formed UTF-8, parsed into `value`: throws,
 * naming the line, when its id (a string) held a malformed byte.
 */
export function checkIdBytes(value: unknown, b: Uint8Array, o: Origin, line: number): void {
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || !id.includes('\uFFFD')) return;
  let other: unknown;
  try {
    other = JSON.parse(LENIENT.decode(marked(b)));
  } catch {
    return; // malformed bytes outside strings: JSON.parse has named the line already
  }
  if ((other as { id?: unknown }).id !== id) fail(o, line, 'id', 'not valid UTF-8: an id is kept exactly or refused (malformed bytes would read U+FFFD, and two different ids could become one)');
}

// a copy of b with each byte of a malformed sequence replaced by "?"
function marked(b: Uint8Array): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < b.length;) {
    const n = sequence(b, i);
    if (n) i += n;
    else out[i++] = QUESTION;
  }
  return out;
}

// the length of the well-formed UTF-8 sequence at b[i] (the shortest form only, no surrogates, nothing past U+10FFFF), or 0
function sequence(b: Uint8Array, i: number): number {
  const cont = (j: number) => j < b.length && (b[j] & 0xc0) === 0x80;
  const c = b[i], b1 = i + 1 < b.length ? b[i + 1] : 0;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) return 2;
  if (c >= 0xe0 && c <= 0xef && b1 >= (c === 0xe0 ? 0xa0 : 0x80) && b1 <= (c === 0xed ? 0x9f : 0xbf) && cont(i + 2)) return 3;
  if (c >= 0xf0 && c <= 0xf4 && b1 >= (c === 0xf0 ? 0x90 : 0x80) && b1 <= (c === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3)) return 4;
  return 0;
}

/**
 * Where a CSV file's bytes are decoded, each malformed sequence reads
 * MALFORMED (a lone low surrogate, which no well-formed UTF-8 decodes to)
 * where TextDecoder writes U+FFFD: the reader refuses an id holding it and
 * reads U+FFFD elsewhere (see markedCells).
 */
export const MALFORMED = '\uDFFF';

/** A streaming UTF-8 decoder, as TextDecoder's decode(chunk, { stream: true }), with MALFORMED for U+FFFD's replacements. */
export class MarkingDecoder {
  private carry = new Uint8Array(0);

  decode(chunk: Uint8Array = new Uint8Array(0), end = false): string {
    let b = chunk;
    if (this.carry.length) {
      b = new Uint8Array(this.carry.length + chunk.length);
      b.set(this.carry);
      b.set(chunk, this.carry.length);
    }
    const cut = end ? b.length : whole(b);
    this.carry = b.slice(cut);
    const body = b.subarray(0, cut);
    try {
      return FATAL.decode(body);
    } catch {
      // well-formed runs as they are, each malformed run as TextDecoder replaces it (one U+FFFD a maximal subpart), marked
      let out = '';
      for (let i = 0; i < body.length;) {
        const p = i;
        const good = sequence(body, i) > 0;
        while (i < body.length && (sequence(body, i) > 0) === good) i += good ? sequence(body, i) : 1;
        const run = body.subarray(p, i);
        out += good ? FATAL.decode(run) : LENIENT.decode(run).replaceAll('\uFFFD', MALFORMED);
      }
      return out;
    }
  }
}

// the bytes of b up to a sequence cut off by its end (which waits for the next chunk)
function whole(b: Uint8Array): number {
  for (let i = b.length - 1; i >= Math.max(0, b.length - 4); i--) {
    const c = b[i];
    if ((c & 0xc0) === 0x80) continue;
    const n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return i + n > b.length ? i : b.length;
  }
  return b.length;
}

/** A CSV row's cells with MALFORMED read as U+FFFD; the id's cell (column `idColumn`) holding one is refused. */
export function markedCells(cells: string[], idColumn: number, o: Origin, line: number): string[] {
  return cells.map((c, j) => {
    if (!c.includes(MALFORMED)) return c;
    if (j === idColumn) fail(o, line, 'id', 'not valid UTF-8: an id is kept exactly or refused (malformed bytes would read U+FFFD, and two different ids could become one)');
    return c.replaceAll(MALFORMED, '\uFFFD');
  });
}
