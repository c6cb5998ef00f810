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

// a copy of b with each byte of a malformed sequence replaced by "?": the shortest form only, no surrogates, nothing past U+10FFFF
function marked(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const cont = (i: number) => i < b.length && (b[i] & 0xc0) === 0x80;
  for (let i = 0; i < b.length;) {
    const c = b[i], b1 = i + 1 < b.length ? b[i + 1] : 0;
    let n = 0;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) n = 2;
    else if (c >= 0xe0 && c <= 0xef && b1 >= (c === 0xe0 ? 0xa0 : 0x80) && b1 <= (c === 0xed ? 0x9f : 0xbf) && cont(i + 2)) n = 3;
    else if (c >= 0xf0 && c <= 0xf4 && b1 >= (c === 0xf0 ? 0x90 : 0x80) && b1 <= (c === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3)) n = 4;
    if (n) { i += n; continue; }
    out[i++] = QUESTION;
  }
  return out;
}
