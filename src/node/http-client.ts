// The upstreams' fetch on Node (nodeFetch): plain-http calls go over a pool
// of kept-alive sockets with a small HTTP/1.1 client (one write a call; the
// answer framed by its Content-Length, its chunks or the close; an answer
// RFC 9112 says to refuse — a bare LF, a control byte or a space before the
// colon in a header, Content-Length with Transfer-Encoding — fails the call
// at once), https ones through node:https with keep-alive. `rewardfuse
// serve` passes it to the handler as its fetch.
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import type { UpstreamFetch } from '../serve/handler.js';

const HTTPS_AGENT = new HttpsAgent({ keepAlive: true });
const MAX_ANSWER = 256 << 20;
/** an idle upstream connection older than this is closed rather than reused (servers commonly close at 5 s) */
const IDLE_MS = 4000;

/**
 * The upstreams' fetch in Node. Plain http: goes over a pool of kept-alive
 * sockets with a small HTTP/1.1 client (below): the request is one write, the
 * answer is framed by its Content-Length or chunks. At batch 1 across K models
 * the calls are most of the server's work: with node:http's request and a
 * keep-alive Agent instead, the server took 80–100 µs more CPU a request over
 * 4 upstreams (bench:serve (b'), docs/serving.md), and Node 20's fetch
 * (undici) costs more still. https: goes through node:https with keep-alive.
 */
export const nodeFetch: UpstreamFetch = Object.assign(
  (url: string, init: FetchInit) => {
    const t = target(url);
    return t ? post(t, init, init.signal, 0) : httpsFetch(url, init);
  },
  {
    /** The same call, given up after timeoutMs (an error named TimeoutError): on plain http a timer of the call's own, no AbortController. */
    withTimeout(url: string, init: Omit<FetchInit, 'signal'>, timeoutMs: number): Promise<Answer1> {
      const t = target(url);
      if (t) return post(t, init, null, timeoutMs);
      const signal = AbortSignal.timeout(timeoutMs);
      return httpsFetch(url, { ...init, signal }).catch((e: Error) => {
        throw signal.aborted ? timeoutError(timeoutMs) : e;
      });
    },
  },
);

type FetchInit = { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal };

function timeoutError(ms: number): Error {
  const e = new Error(`no answer within ${ms} ms`);
  e.name = 'TimeoutError';
  return e;
}

function httpsFetch(url: string, init: FetchInit): Promise<Answer1> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(init.body);
    const req = httpsRequest(new URL(url), { method: init.method, headers: { ...init.headers, 'content-length': body.length }, agent: HTTPS_AGENT, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > MAX_ANSWER) req.destroy(new Error(`an answer over ${MAX_ANSWER} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8'), status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) });
      });
      res.on('error', reject);
      res.on('close', () => { if (!res.complete) reject(new Error('the answer was cut off')); });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An http: endpoint: where to connect, its request line, its Host, and its idle sockets. */
interface Target {
  host: string;
  port: number;
  head: string;
  hostHeader: string;
  idle: Conn[];
  /** the request head up to its Content-Length for each headers object a caller passes (the upstream client passes the same one every call), or why it is refused */
  heads: WeakMap<Record<string, string>, string | Error>;
}

const targets = new Map<string, Target | null>();

function target(url: string): Target | null {
  let t = targets.get(url);
  if (t !== undefined) return t;
  const u = new URL(url);
  if (u.protocol !== 'http:') t = null;
  else {
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    t = { host, port: Number(u.port || 80), head: `POST ${u.pathname || '/'}${u.search} HTTP/1.1\r\n`, hostHeader: u.host, idle: [], heads: new WeakMap() };
  }
  if (targets.size < 1024) targets.set(url, t); // the upstreams of a server: a few
  return t;
}

type Answer1 = { ok: boolean; status: number; text(): Promise<string> };

/** One call: its bytes, its promise, and the answer as it comes. */
interface Call {
  t: Target;
  bytes: string;
  resolve(a: Answer1): void;
  reject(e: Error): void;
  /** the caller's signal, or null: the call has a timer of its own */
  signal: AbortSignal | null;
  /** given up: by the signal or the timer */
  aborted: boolean;
  abort(e: Error): void;
  /** the signal's listener */
  onAbort?: () => void;
  timer: ReturnType<typeof setTimeout> | null;
  conn: Conn | null;
  /** sent on a socket kept from an earlier call: if it closes before any answer, the call is sent again on a new one, once */
  reused: boolean;
  got: number;
  parser: AnswerParser;
}

/** A socket, its listeners attached once; `call` is the one it serves now. */
interface Conn {
  t: Target;
  socket: Socket;
  call: Call | null;
  idleSince: number;
  /** how long it may stay idle: IDLE_MS, or less if the server's Keep-Alive says so */
  keepMs: number;
  error?: Error;
}

/** The request line and headers of a call to t, up to its Content-Length, or why the headers are refused. */
function requestHead(t: Target, headers: Record<string, string>): string | Error {
  let head = t.heads.get(headers);
  if (head !== undefined) return head;
  let text = t.head, hostHeader = t.hostHeader;
  for (const k in headers) {
    const v = headers[k], name = k.toLowerCase();
    if (!/^[!#$%&'*+.^\w`|~-]+$/.test(k) || /[\r\n\0]/.test(v)) {
      head = new Error(`header ${JSON.stringify(k)}: not a valid header`);
      break;
    }
    if (name === 'host') hostHeader = v;
    else if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding') text += `${k}: ${v}\r\n`;
  }
  head ??= `${text}host: ${hostHeader}\r\ncontent-length: `;
  // kept only for a frozen headers object (the upstream client's are): another may change before its next call
  if (Object.isFrozen(headers)) t.heads.set(headers, head);
  return head;
}

/** A call to t, given up when `signal` aborts or, without one, after timeoutMs. */
function post(t: Target, init: Omit<FetchInit, 'signal'>, signal: AbortSignal | null, timeoutMs: number): Promise<Answer1> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const head = requestHead(t, init.headers);
    if (typeof head !== 'string') return reject(head);
    const call: Call = {
      t,
      bytes: `${head}${Buffer.byteLength(init.body)}\r\n\r\n${init.body}`,
      resolve,
      reject,
      signal,
      aborted: false,
      abort(e: Error) {
        if (call.aborted) return;
        call.aborted = true;
        unwatch(call);
        if (call.conn) drop(call.conn);
        reject(e);
      },
      timer: null,
      conn: null,
      reused: false,
      got: 0,
      parser: new AnswerParser(),
    };
    if (signal) signal.addEventListener('abort', call.onAbort = () => call.abort(new Error('aborted')), { once: true });
    else call.timer = setTimeout(() => call.abort(timeoutError(timeoutMs)), timeoutMs);
    dispatch(call, idleConn(t));
  });
}

/** The call is settled: its signal's listener or its timer goes. */
function unwatch(call: Call): void {
  if (call.signal && call.onAbort) call.signal.removeEventListener('abort', call.onAbort);
  if (call.timer) clearTimeout(call.timer);
  call.timer = null;
}

/** The newest idle socket still in its allowance (the likeliest open), or none. */
function idleConn(t: Target): Conn | null {
  const now = performance.now();
  for (let c = t.idle.pop(); c; c = t.idle.pop()) {
    if (!c.socket.destroyed && now - c.idleSince < c.keepMs) return c;
    c.socket.destroy();
  }
  return null;
}

function dispatch(call: Call, idle: Conn | null): void {
  const c = idle ?? connect(call.t);
  call.reused = idle !== null;
  call.conn = c;
  c.call = call;
  if (idle) c.socket.ref();
  c.socket.write(call.bytes);
}

function connect(t: Target): Conn {
  const socket = netConnect({ host: t.host, port: t.port });
  socket.setNoDelay(true);
  const c: Conn = { t, socket, call: null, idleSince: 0, keepMs: IDLE_MS };
  socket.on('data', (chunk: Buffer) => onData(c, chunk));
  socket.on('end', () => socket.destroy()); // the server closed its side: 'close' follows
  socket.on('error', (e) => (c.error = e)); // 'close' follows, and settles the call
  socket.on('close', () => onClose(c));
  return c;
}

function settle(call: Call): void {
  call.conn = null;
  unwatch(call);
  const p = call.parser, text = p.body();
  call.resolve({ ok: p.status >= 200 && p.status < 300, status: p.status, text: () => Promise.resolve(text) });
}

function onData(c: Conn, chunk: Buffer): void {
  const call = c.call;
  if (!call) return void c.socket.destroy(); // bytes no call asked for
  call.got += chunk.length;
  let done: boolean;
  try {
    if (call.got > MAX_ANSWER) throw new Error(`an answer over ${MAX_ANSWER} bytes`);
    done = call.parser.push(chunk);
  } catch (e) {
    c.call = null;
    call.conn = null;
    unwatch(call);
    call.reject(e as Error);
    return drop(c);
  }
  if (!done) return;
  c.call = null;
  settle(call);
  const p = call.parser;
  if (!p.keepAlive || p.extra) return drop(c);
  c.keepMs = p.keepMs;
  c.idleSince = performance.now();
  c.socket.unref();
  c.t.idle.push(c);
}

/** The socket closed: the call on it ends (an answer framed by the close), fails, or, if the socket was a kept one and no answer came, goes again on a new one. */
function onClose(c: Conn): void {
  const call = c.call;
  c.call = null;
  drop(c);
  if (!call || call.conn !== c) return;
  if (call.parser.endsAtClose()) return settle(call);
  if (call.reused && call.got === 0 && !call.aborted) return dispatch(call, null); // the server closed it as we wrote
  call.conn = null;
  unwatch(call);
  call.reject(c.error ?? new Error(call.got ? 'the answer was cut off' : 'the connection closed before an answer'));
}

function drop(c: Conn): void {
  if (c.call) {
    c.call.conn = null;
    c.call = null;
  }
  c.socket.destroy();
  const i = c.t.idle.indexOf(c);
  if (i >= 0) c.t.idle.splice(i, 1);
}

const TOKEN = /^[!#$%&'*+.^\w`|~-]+$/;
/** control bytes but HTAB, and DEL */
const CTL = /[\0-\x08\x0a-\x1f\x7f]/;
/** a field value's optional white space: SP and HTAB only (not trim()'s \v, \f, \xa0, …) */
const OWS = /^[ \t]+|[ \t]+$/g;
const CHUNK_LINE = /^([0-9a-fA-F]{1,12})[ \t]*(;[^\0-\x08\x0a-\x1f\x7f]*)?$/;

/** An LF not after a CR in b[from, to). */
function bareLF(b: Buffer, from: number, to: number): boolean {
  for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) if (i === 0 || b[i - 1] !== 13) return true;
  return false;
}

const HEAD = 0, LENGTH = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_END = 4, TRAILER = 5, TO_CLOSE = 6, DONE = 7;

/** An HTTP/1.x answer, fed as it arrives: status, framing (Content-Length, chunked, or to the close), keep-alive. */
export class AnswerParser {
  status = 0;
  keepAlive = false;
  keepMs = IDLE_MS;
  /** bytes after the answer (a server that sent more than one): the socket is not reused */
  extra = false;
  private stage = HEAD;
  private left = 0;
  private pending: Buffer | null = null;
  private parts: Buffer[] = [];

  /** Feed bytes; true once the answer is whole. Throws on what is not HTTP/1. */
  push(chunk: Buffer): boolean {
    let b = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    for (;;) {
      switch (this.stage) {
        case HEAD: {
          const end = b.indexOf('\r\n\r\n', at, 'latin1');
          // a line ended by a bare LF: refused now, not waited on until the head's limit or the timeout
          if (bareLF(b, at, end < 0 ? b.length : end)) throw new Error("a bare LF in the answer's head");
          if (end < 0) return this.wait(b, at, 65536, 'head');
          this.head(b.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case LENGTH:
        case CHUNK_DATA: {
          const n = Math.min(this.left, b.length - at);
          if (n > 0) this.parts.push(b.subarray(at, at + n));
          at += n;
          this.left -= n;
          if (this.left > 0) return false;
          this.stage = this.stage === LENGTH ? DONE : CHUNK_END;
          break;
        }
        case CHUNK_SIZE: {
          const eol = b.indexOf('\r\n', at, 'latin1');
          if (bareLF(b, at, eol < 0 ? b.length : eol)) throw new Error('a bare LF in a chunk size line');
          if (eol < 0) return this.wait(b, at, 1024, 'chunk size');
          const size = CHUNK_LINE.exec(b.toString('latin1', at, eol));
          if (!size) throw new Error('a malformed chunk size');
          at = eol + 2;
          this.left = parseInt(size[1], 16);
          this.stage = this.left ? CHUNK_DATA : TRAILER;
          break;
        }
        case CHUNK_END:
          if (b.length - at < 2) return this.wait(b, at, 2, 'chunk');
          if (b[at] !== 13 || b[at + 1] !== 10) throw new Error('a chunk not ended by CRLF');
          at += 2;
          this.stage = CHUNK_SIZE;
          break;
        case TRAILER: {
          const eol = b.indexOf('\r\n', at, 'latin1');
          if (bareLF(b, at, eol < 0 ? b.length : eol)) throw new Error('a bare LF in the trailer');
          if (eol < 0) return this.wait(b, at, 65536, 'trailer');
          this.stage = eol === at ? DONE : TRAILER;
          at = eol + 2;
          break;
        }
        case TO_CLOSE:
          if (at < b.length) this.parts.push(b.subarray(at));
          return false;
        case DONE:
          this.extra = at < b.length;
          return true;
      }
    }
  }

  /** The answer ends when the connection does (no length, not chunked), and its head has come. */
  endsAtClose(): boolean {
    return this.stage === TO_CLOSE;
  }

  body(): string {
    return this.parts.length === 1 ? this.parts[0].toString('utf8') : Buffer.concat(this.parts).toString('utf8');
  }

  private wait(b: Buffer, at: number, max: number, what: string): false {
    if (b.length - at > max) throw new Error(`an answer's ${what} over ${max} bytes`);
    this.pending = b.subarray(at);
    return false;
  }

  private head(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!m) throw new Error(`not an HTTP/1 answer: ${JSON.stringify(lines[0].slice(0, 40))}`);
    const status = Number(m[2]);
    if (status < 200) {
      if (status === 101) throw new Error('the server switched protocols');
      return; // 100 Continue, 103 Early Hints: the answer's head follows
    }
    let keep = m[1] === '1', length = -1, te: string | null = null;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i], colon = line.indexOf(':');
      // RFC 9112: a token, then the colon (no space before it: a folded or smuggled line); a value of visible bytes, SP and HTAB
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw new Error(`a malformed header line: ${JSON.stringify(line.slice(0, 40))}`);
      if (CTL.test(line)) throw new Error(`a control byte (NUL, CR, \\v, …) in header ${JSON.stringify(line.slice(0, colon))}`);
      const name = line.slice(0, colon).toLowerCase(), v = line.slice(colon + 1).replace(OWS, '');
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(v) || (length >= 0 && Number(v) !== length)) throw new Error(`a bad Content-Length: ${JSON.stringify(v)}`);
        length = Number(v);
      } else if (name === 'transfer-encoding') te = te === null ? v : `${te}, ${v}`;
      else if (name === 'connection') {
        const t = v.toLowerCase();
        if (/(^|,)\s*close\s*(,|$)/.test(t)) keep = false;
        else if (/(^|,)\s*keep-alive\s*(,|$)/.test(t)) keep = true;
      } else if (name === 'keep-alive') {
        // as Node's agent does: a second short of the server's timeout; not reused if it allows under 2 s
        const h = /timeout=(\d+)/i.exec(v);
        if (h) this.keepMs = Math.min(IDLE_MS, Number(h[1]) * 1000 - 1000);
      }
    }
    if (te !== null && length >= 0) throw new Error('both Content-Length and Transfer-Encoding: the framing is ambiguous');
    this.status = status;
    this.keepAlive = keep && this.keepMs > 0;
    if (status === 204 || status === 304) this.stage = DONE;
    else if (te !== null) {
      if (!/(^|,)\s*chunked\s*$/i.test(te)) {
        this.stage = TO_CLOSE; // another coding last: the body runs to the close
        this.keepAlive = false;
      } else this.stage = CHUNK_SIZE;
    } else if (length >= 0) {
      this.left = length;
      this.stage = length ? LENGTH : DONE;
    } else {
      this.stage = TO_CLOSE;
      this.keepAlive = false;
    }
  }
}
