// Reading and checking a client's request body. Every error is a 4xx that
// names the field: "query[3]", "items[0].scores.rm1", "body".
import { isObj } from '../data/validate.js';
import { HttpError } from './errors.js';

export { isObj };

const typeName = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x === 'object' ? 'an object' : typeof x === 'string' ? 'a string' : typeof x);
export const bad = (field: string, msg: string): never => {
  throw new HttpError(400, `${field}: ${msg}`, field);
};

/** The body as JSON, read up to `limit` bytes (413 past it). */
export async function readJson(req: { headers: { get(name: string): string | null }; text(): Promise<string>; body?: ReadableStream<Uint8Array> | null }, limit: number): Promise<unknown> {
  const len = req.headers.get('content-length');
  const tooBig = (n: number | string) => new HttpError(413, `body: ${n} bytes, over the limit of ${limit}`, 'body', { connection: 'close' });
  if (len !== null && Number(len) > limit) throw tooBig(len);
  let text: string;
  if (len !== null || !req.body) {
    text = await req.text(); // framed by its Content-Length
  } else {
    // no length given (chunked): count as it comes
    const reader = req.body.getReader();
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.byteLength;
      if (n > limit) {
        void reader.cancel().catch(() => {});
        throw tooBig(`over ${limit}`);
      }
      chunks.push(value);
    }
    const all = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    text = new TextDecoder().decode(all);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body: malformed JSON (${(e as Error).message})`, 'body');
  }
}

/** The body as a JSON object, or a 4xx naming "body" with the `shape` expected. */
export async function readObject(req: Parameters<typeof readJson>[0], limit: number, shape: string): Promise<Record<string, unknown>> {
  const body = await readJson(req, limit);
  if (!isObj(body)) bad('body', `expected an object ${shape}`);
  return body as Record<string, unknown>;
}

export function list(x: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(x)) return bad(field, `expected a list, got ${typeName(x)}`);
  if (x.length > max) throw new HttpError(413, `${field}: ${x.length} entries, over the limit of ${max}`, field);
  return x;
}

export function strings(x: unknown, field: string, max: number): string[] {
  const xs = list(x, field, max);
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== 'string') bad(`${field}[${i}]`, `expected a string, got ${typeName(xs[i])}`);
  return xs as string[];
}

export function str(x: unknown, field: string): string {
  return typeof x === 'string' ? x : bad(field, `expected a string, got ${typeName(x)}`);
}

/** A score or feature value: a number a float32 holds, or null (none). */
export function value(x: unknown, field: string): number {
  if (x === null) return NaN;
  if (typeof x !== 'number') return bad(field, `expected a number or null, got ${typeName(x)}`);
  if (!(Math.abs(x) <= 1e30)) return bad(field, `${x} is out of range (|x| ≤ 1e30)`);
  return x;
}

/** {name: number|null} into row `i` of a (rows, names.length) matrix. */
export function namedValues(x: unknown, field: string, index: Map<string, number>, out: Float32Array, i: number, what: string): void {
  if (!isObj(x)) return bad(field, `expected an object {"<${what}>": number | null}, got ${typeName(x)}`);
  const W = index.size;
  for (const name in x) {
    const k = index.get(name);
    if (k === undefined) bad(`${field}.${name}`, `unknown ${what} "${name}" (this fusion model's: ${[...index.keys()].join(', ') || 'none'})`);
    out[i * W + k!] = value(x[name], `${field}.${name}`);
  }
}

/** The same length as the list it goes with. */
export function sameLength(xs: unknown[], field: string, n: number, other: string): void {
  if (xs.length !== n) bad(field, `${xs.length} entries, but ${other} has ${n}`);
}
