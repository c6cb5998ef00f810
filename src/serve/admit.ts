// Who may ask: the request's target read, its Host and Origin checked (403),
// its token compared in constant time (401), and only JSON read (415).
import type { RequestLike } from './answer.js';
import type { Checked } from './config.js';
import { HttpError } from './errors.js';

/** A request's path, and its query (null: it has none). */
export interface Target {
  pathname: string;
  query: URLSearchParams | null;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlnum = (c: number) => isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * The path and query of a request's absolute URL. A plain one, the common
 * case (http(s)://host[:port]/path, the host of letters, digits, "." and "-",
 * the path of letters, digits, "/", "_" and "-", no query or fragment), is
 * read as it stands, as new URL() would read it; any other goes through new
 * URL(), which normalises it (dot segments, escapes) and may refuse it (400).
 */
export function readTarget(raw: string): Target {
  const scheme = raw.startsWith('http://') ? 7 : raw.startsWith('https://') ? 8 : -1;
  if (scheme > 0) {
    let i = scheme;
    while (i < raw.length && (isAlnum(raw.charCodeAt(i)) || raw.charCodeAt(i) === 46 || raw.charCodeAt(i) === 45)) i++;
    let ok = i > scheme;
    if (ok && raw.charCodeAt(i) === 58) {
      // a port: 1–5 digits, at most 65535
      const p0 = ++i;
      while (i < raw.length && isDigit(raw.charCodeAt(i))) i++;
      ok = i > p0 && i - p0 <= 5 && Number(raw.slice(p0, i)) <= 65535;
    }
    if (ok && raw.charCodeAt(i) === 47) {
      const p0 = i;
      for (; i < raw.length; i++) {
        const c = raw.charCodeAt(i);
        if (!(isAlnum(c) || c === 47 || c === 95 || c === 45)) break;
      }
      if (i === raw.length) return { pathname: raw.slice(p0), query: null };
    }
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpError(400, `path: not a valid request target: ${JSON.stringify(raw)}`, 'path');
  }
  return { pathname: url.pathname, query: url.search ? url.searchParams : null };
}

/** The Host header's name: "[::1]:5000" → "::1", "Localhost." → "localhost". */
function hostName(h: string): string {
  const v6 = h.charCodeAt(0) === 91 ? h.indexOf(']') : -1;
  let name = v6 > 0 ? h.slice(1, v6) : h.includes(':') ? h.slice(0, h.indexOf(':')) : h;
  name = name.toLowerCase();
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** localhost (and names under it, which resolvers keep on loopback), 127.0.0.0/8, ::1 */
const isLoopbackName = (n: string) => n === 'localhost' || n.endsWith('.localhost') || n === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(n);

/**
 * The Host and Origin checks (403 if refused); the CORS headers of an
 * allowed Origin, or null. A page of another site may send requests (the
 * browser then sends its Origin); a rebound DNS name of the attacker's sends
 * its own Host.
 */
export function admit(req: RequestLike, o: Checked): Record<string, string> | null {
  if (o.allowHosts) {
    const h = req.headers.get('host');
    const name = h === null ? '' : hostName(h);
    if (!isLoopbackName(name) && !o.allowHosts.has(name)) throw new HttpError(403, `host: ${JSON.stringify(h)} is not this server's name (a loopback address; start it with --allow-host <name> to accept another)`, 'host');
  }
  const origin = req.headers.get('origin');
  if (origin === null) return null;
  if (!o.allowOrigins.has('*') && !o.allowOrigins.has(origin.toLowerCase())) throw new HttpError(403, `origin: pages of ${JSON.stringify(origin)} may not call this server (start it with --allow-origin ${origin} to let them)`, 'origin');
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

/** Constant-time string equality, so the token cannot be guessed by timing. */
function sameToken(given: string, token: string): boolean {
  let d = given.length ^ token.length;
  for (let i = 0; i < token.length; i++) d |= (given.charCodeAt(i) | 0) ^ token.charCodeAt(i);
  return d === 0;
}

/** 401 unless the request carries the token (a Bearer header, or ?token=), when the server has one. */
export function checkToken(req: RequestLike, url: Target, token: string | undefined): void {
  if (token === undefined) return;
  const auth = req.headers.get('authorization');
  const given = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : (url.query?.get('token') ?? null);
  if (given === null || !sameToken(given, token)) {
    throw new HttpError(401, 'authorization: a missing or wrong token (send "Authorization: Bearer <token>", or ?token=<token> in the URL)', 'authorization', { 'www-authenticate': 'Bearer' });
  }
}

/** 415 unless the body is JSON: a browser sends text/plain, forms and no type cross-site with no preflight. */
export function checkJson(req: RequestLike, path: string): void {
  const ct = req.headers.get('content-type');
  const semi = ct === null ? -1 : ct.indexOf(';');
  const t = ct === null ? '' : (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  // application/json or any +json type (RFC 6839), parameters aside
  if (t === 'application/json' || (t.endsWith('+json') && t.startsWith('application/'))) return;
  throw new HttpError(415, `content-type: ${path} takes application/json, got ${JSON.stringify(ct)}`, 'content-type', { accept: 'application/json' });
}
