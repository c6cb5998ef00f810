// rewardfuse serve <model.json> [--upstreams upstreams.json] [--host 127.0.0.1] [--port 5000] [--token T] …
// The fetch handler of src/serve/ on Node: serveNode reads HTTP/1.1 off the
// socket (a body up to the handler's limit, plus what shows it is over),
// hands the handler a request-like object and writes its answer back as
// bytes; nodeFetch calls the upstreams over kept-alive sockets.
import { STATUS_CODES } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { ServeConfigError } from '../serve/errors.js';
import { createHandler, type Answer, type FuseHandler, type HandlerOptions, type RequestLike, type UpstreamFetch } from '../serve/handler.js';
import { parseArgs, UsageError } from './args.js';
import { CliError, readModel, readText } from './io.js';

export const SERVE_USAGE = `rewardfuse serve <model.json> [--upstreams upstreams.json] [--host 127.0.0.1] [--port 5000] [--token T]
    [--min-models 1] [--fallback-reward 0] [--deadline-ms 30000] [--timeout-ms 10000] [--retries 2]
    [--reward reward|conservative] [--max-body-bytes 33554432] [--seed 0]
  the fused reward over HTTP: POST /get_reward (OpenRLHF), POST /v1/fuse, GET /health, GET /metrics;
  the token may also come from REWARDFUSE_TOKEN`;

/** options the command line sets, and their flags */
const FLAGS: [keyof HandlerOptions, string][] = [
  ['minModels', 'min-models'], ['fallbackReward', 'fallback-reward'], ['deadlineMs', 'deadline-ms'], ['timeoutMs', 'timeout-ms'],
  ['retries', 'retries'], ['reward', 'reward'], ['maxBodyBytes', 'max-body-bytes'], ['seed', 'seed'],
];
const FILE_KEYS = ['upstreams', 'minModels', 'fallbackReward', 'deadlineMs', 'timeoutMs', 'retries', 'backoffMs', 'concurrency', 'maxBatch', 'batchWaitMs', 'breakerFailures', 'breakerCooldownMs'];

const HTTPS_AGENT = new HttpsAgent({ keepAlive: true });
const MAX_ANSWER = 256 << 20;
/** an idle upstream connection older than this is closed rather than reused (servers commonly close at 5 s) */
const IDLE_MS = 4000;

/**
 * The upstreams' fetch in Node. Plain http: goes over a pool of kept-alive
 * sockets with a small HTTP/1.1 client (below): the request is one write, the
 * answer is framed by its Content-Length or chunks. Node's http.request costs
 * about 60 µs of CPU a call on loopback and Node 20's fetch (undici) several
 * times that; at batch 1 across K models the calls are most of the server's
 * work. https: goes through node:https with keep-alive.
 */
export const nodeFetch: UpstreamFetch = (url, init) => {
  const t = target(url);
  return t ? post(t, init) : httpsFetch(url, init);
};

function httpsFetch(url: string, init: Parameters<UpstreamFetch>[1]): ReturnType<UpstreamFetch> {
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
}

const targets = new Map<string, Target | null>();

function target(url: string): Target | null {
  let t = targets.get(url);
  if (t !== undefined) return t;
  const u = new URL(url);
  if (u.protocol !== 'http:') t = null;
  else {
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    t = { host, port: Number(u.port || 80), head: `POST ${u.pathname || '/'}${u.search} HTTP/1.1\r\n`, hostHeader: u.host, idle: [] };
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
  signal: AbortSignal;
  onAbort(): void;
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

function post(t: Target, init: Parameters<UpstreamFetch>[1]): Promise<Answer1> {
  return new Promise((resolve, reject) => {
    const signal = init.signal;
    if (signal.aborted) return reject(new Error('aborted'));
    let head = t.head, hostHeader = t.hostHeader;
    for (const k in init.headers) {
      const v = init.headers[k], name = k.toLowerCase();
      if (!/^[!#$%&'*+.^\w`|~-]+$/.test(k) || /[\r\n\0]/.test(v)) return reject(new Error(`header ${JSON.stringify(k)}: not a valid header`));
      if (name === 'host') hostHeader = v;
      else if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding') head += `${k}: ${v}\r\n`;
    }
    const call: Call = {
      t,
      bytes: `${head}host: ${hostHeader}\r\ncontent-length: ${Buffer.byteLength(init.body)}\r\n\r\n${init.body}`,
      resolve,
      reject,
      signal,
      onAbort() {
        if (call.conn) drop(call.conn);
        reject(new Error('aborted'));
      },
      conn: null,
      reused: false,
      got: 0,
      parser: new AnswerParser(),
    };
    signal.addEventListener('abort', call.onAbort, { once: true });
    dispatch(call, idleConn(t));
  });
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
  call.signal.removeEventListener('abort', call.onAbort);
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
    call.signal.removeEventListener('abort', call.onAbort);
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
  if (call.reused && call.got === 0 && !call.signal.aborted) return dispatch(call, null); // the server closed it as we wrote
  call.conn = null;
  call.signal.removeEventListener('abort', call.onAbort);
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
          if (eol < 0) return this.wait(b, at, 1024, 'chunk size');
          const size = /^\s*([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(b.toString('latin1', at, eol));
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
      if (colon <= 0) throw new Error(`a malformed header line: ${JSON.stringify(line.slice(0, 40))}`);
      const name = line.slice(0, colon).trim().toLowerCase(), v = line.slice(colon + 1).trim();
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

export interface NodeServer {
  server: NetServer;
  /** e.g. http://127.0.0.1:5000 */
  url: string;
  /** Stop listening; idle connections close now, busy ones after their answer. */
  close(): Promise<void>;
}

/** the longest request head (Node's default) */
const MAX_HEAD = 16384;
/** a request's head must arrive within this of its first byte, its body within BODY_MS (Node's headersTimeout and requestTimeout) */
const HEAD_MS = 60_000, BODY_MS = 300_000;
/** an idle kept-alive connection closes after this: longer than common clients' idle pools */
const KEEP_ALIVE_MS = 65_000;
const TOKEN = /^[!#$%&'*+.^\w`|~-]+$/;

/**
 * Serve a fetch handler over HTTP/1.1 on host:port (port 0: any free one).
 * The handler's `answer` gets a request-like object and gives the answer as
 * plain parts, so no Web Request or Response is built; and the HTTP/1.1 is
 * read and written here, on the socket, rather than by node:http, whose
 * server costs about 40 µs of CPU a request on this path (three times this
 * one). Keep-alive, pipelining (answered in order), Content-Length and
 * chunked bodies, Expect: 100-continue and HTTP/1.0 are supported; a
 * malformed request gets a 4xx naming what is wrong, and the connection
 * closes.
 */
export function serveNode(handler: FuseHandler, { host = '127.0.0.1', port = 5000 }: { host?: string; port?: number } = {}): Promise<NodeServer> {
  const conns = new Set<HttpConn>();
  const state = { closing: false };
  const server = createNetServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const c = new HttpConn(socket, handler, state);
    conns.add(c);
    socket.on('close', () => conns.delete(c));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `http://${h}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            state.closing = true;
            server.close(() => done());
            for (const c of conns) c.closeIfIdle();
          }),
      });
    });
  });
}

/** A request whose head has been read. */
interface Incoming {
  method: string;
  target: string;
  headers: Record<string, string>;
  keepAlive: boolean;
  /** 1.0 or 1.1 */
  minor: number;
  /** 'none' | 'length' | 'chunked' */
  framing: string;
  length: number;
  /** performance.now() when its head was read */
  t0: number;
}

let dateAt = 0, dateText = '';
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000 || now < dateAt) {
    dateAt = now - (now % 1000);
    dateText = new Date(dateAt).toUTCString();
  }
  return dateText;
}

/** A malformed request: answered with its status, then the connection closes. */
class BadRequest extends Error {
  constructor(readonly status: number, readonly field: string, message: string) {
    super(message);
  }
}

/** One client connection: its requests are read, answered one at a time, in order. */
class HttpConn {
  private buf: Buffer | null = null;
  private req: Incoming | null = null;
  /** a request is with the handler */
  private busy = false;
  private closed = false;
  /** after a refused body: read and dropped until the client closes */
  private draining = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chunks: ChunkedBody | null = null;
  /** pieces of a body of known length, not yet joined to `buf` */
  private more: Buffer[] = [];
  private moreBytes = 0;
  /** the client has closed its side */
  private ended = false;

  constructor(private readonly socket: Socket, private readonly handler: FuseHandler, private readonly server: { closing: boolean }) {
    socket.setTimeout(KEEP_ALIVE_MS);
    socket.on('timeout', () => {
      if (!this.busy) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      // the client is done sending: answer what it sent, then close
      this.ended = true;
      if (this.draining || (!this.busy && !this.req && !this.buf)) socket.end();
      else if (!this.busy) this.refuse(new BadRequest(400, this.req ? 'body' : 'headers', 'the client closed its side before the request was whole'));
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.clearTimer();
    });
  }

  /** On the server's close: a connection with no request in it goes now (as node:http's closeIdleConnections). */
  closeIfIdle(): void {
    if (!this.busy && !this.req && !this.buf) this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.draining) return;
    const r = this.req;
    if (r && !this.busy && r.framing === 'length' && r.length <= this.handler.maxBodyBytes) {
      // a body of known length: its pieces are joined once, when all have come
      const have = (this.buf?.length ?? 0) + this.moreBytes + chunk.length;
      if (have < r.length) {
        this.more.push(chunk);
        this.moreBytes += chunk.length;
        return;
      }
      this.buf = Buffer.concat(this.buf ? [this.buf, ...this.more, chunk] : [...this.more, chunk]);
      this.more = [];
      this.moreBytes = 0;
    } else this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.busy) this.next();
    else if (this.buf.length > MAX_HEAD + this.handler.maxBodyBytes) this.socket.pause(); // pipelined past a whole request: read on after the answer
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A deadline for the request being read, from when its reading began (not reset by more bytes). */
  private arm(ms: number): void {
    if (!this.timer) this.timer = setTimeout(() => this.refuse(new BadRequest(408, this.req ? 'body' : 'headers', `the request did not arrive within ${ms / 1000} s`)), ms);
  }

  /** Read what the buffer holds: a head, then its body; hand a whole request to the handler. */
  private next(): void {
    try {
      while (!this.busy && !this.closed && !this.draining && this.buf) {
        if (!this.req) {
          if (this.buf[0] === 13 || this.buf[0] === 10) {
            // empty lines before a request line are skipped, as RFC 9112 allows
            let i = 0;
            while (i < this.buf.length && (this.buf[i] === 13 || this.buf[i] === 10)) i++;
            this.buf = i < this.buf.length ? this.buf.subarray(i) : null;
            continue;
          }
          const end = this.buf.indexOf('\r\n\r\n', 0, 'latin1');
          if (end < 0 || end > MAX_HEAD) {
            if (this.buf.length > MAX_HEAD) throw new BadRequest(431, 'headers', `the request's head is over ${MAX_HEAD} bytes`);
            return this.arm(HEAD_MS); // a head in pieces
          }
          this.clearTimer();
          this.req = parseHead(this.buf.toString('latin1', 0, end));
          this.buf = this.buf.length > end + 4 ? this.buf.subarray(end + 4) : null;
          const r = this.req;
          if (r.framing === 'chunked') this.chunks = new ChunkedBody(this.handler.maxBodyBytes);
          const expect = r.headers.expect;
          if (expect !== undefined) {
            if (expect.toLowerCase() !== '100-continue') throw new BadRequest(417, 'expect', `expect: only 100-continue is supported, got ${JSON.stringify(expect)}`);
            const whole = r.framing === 'none' || (r.framing === 'length' && (r.length > this.handler.maxBodyBytes || (this.buf?.length ?? 0) >= r.length));
            if (!whole && r.minor === 1) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
          }
        }
        const r = this.req;
        if (r.framing === 'none') this.dispatch(r, null, false);
        else if (r.framing === 'length') {
          if (r.length > this.handler.maxBodyBytes) this.dispatch(r, null, true); // refused by its Content-Length
          else if (r.length === 0) this.dispatch(r, Buffer.alloc(0), false);
          else if (this.buf && this.buf.length >= r.length) {
            const body = this.buf.subarray(0, r.length);
            this.buf = this.buf.length > r.length ? this.buf.subarray(r.length) : null;
            this.dispatch(r, body, false);
          } else return this.arm(BODY_MS);
        } else {
          if (!this.buf) return this.arm(BODY_MS);
          const used = this.chunks!.push(this.buf);
          this.buf = used < this.buf.length ? this.buf.subarray(used) : null;
          if (this.chunks!.over) this.dispatch(r, this.chunks!.body(), true); // past the limit: no more is read
          else if (this.chunks!.done) this.dispatch(r, this.chunks!.body(), false);
          else return this.arm(BODY_MS);
        }
      }
    } catch (e) {
      // a malformed request; anything else is this adapter's bug, answered as such rather than crashing the server
      this.refuse(e instanceof BadRequest ? e : new BadRequest(500, 'request', `internal error: ${(e as Error)?.message ?? e}`));
    }
  }

  /** Answer a malformed request and close. */
  private refuse(e: BadRequest): void {
    this.clearTimer();
    if (this.closed) return;
    const body = JSON.stringify({ error: `${e.field}: ${e.message}`, field: e.field });
    this.write(e.status, { 'content-type': 'application/json' }, body, false, false, 1);
  }

  private dispatch(r: Incoming, body: Buffer | null, refused: boolean): void {
    this.clearTimer();
    this.busy = true;
    this.chunks = null;
    const text = body ? body.toString('utf8') : '';
    const h = r.headers;
    const request: RequestLike = {
      method: r.method,
      url: r.target.charCodeAt(0) === 47 ? `http://localhost${r.target}` : /^https?:\/\//i.test(r.target) ? r.target : `http://localhost/${r.target}`,
      headers: {
        get(name: string) {
          name = name.toLowerCase();
          if (name === 'content-length') return body ? String(body.length) : (h['content-length'] ?? null); // the bytes read: past the limit when chunked
          return h[name] ?? null;
        },
      },
      text: () => Promise.resolve(text),
    };
    const answered = (out: Answer) => {
      if (this.closed) return;
      // Server-Timing: beside the handler's upstream wait, this server's whole time, head read → answer written
      const st = out.headers['server-timing'];
      out.headers['server-timing'] = `${st ? `${st}, ` : ''}total;dur=${(performance.now() - r.t0).toFixed(3)}`;
      const keep = r.keepAlive && !refused && !this.ended && !this.server.closing && out.headers.connection?.toLowerCase() !== 'close';
      this.write(out.status, out.headers, out.body, keep, r.method === 'HEAD', r.minor);
    };
    this.handler.answer(request).then(answered, (e: Error) =>
      // the handler answers every error itself; this is for a bug
      answered({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: `internal error: ${e?.message ?? e}`, field: null }) }),
    );
  }

  private write(status: number, headers: Record<string, string>, body: string, keep: boolean, head: boolean, minor: number): void {
    let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (const k in headers) {
      const name = k.toLowerCase();
      if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding' && name !== 'date') out += `${k}: ${headers[k]}\r\n`;
    }
    out += `content-length: ${Buffer.byteLength(body)}\r\ndate: ${httpDate()}\r\n${keep ? (minor === 0 ? 'connection: keep-alive\r\n' : '') : 'connection: close\r\n'}\r\n`;
    this.socket.write(head ? out : out + body);
    this.req = null;
    this.busy = false;
    if (!keep) {
      // the rest of what the client sends is read and dropped, so that closing does not reset the connection under its answer
      this.draining = true;
      this.buf = null;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 5000).unref();
      return;
    }
    if (this.server.closing) return void this.socket.end();
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buf) this.next(); // a pipelined request
    if (this.ended && !this.busy && !this.req) this.socket.end();
  }
}

/** The head of a request → what it asks, and how its body is framed. Throws BadRequest. */
function parseHead(text: string): Incoming {
  const t0 = performance.now();
  const lines = text.split('\r\n');
  const m = /^([!#$%&'*+.^\w`|~-]+) ([^\s]+) HTTP\/(\d)\.(\d)$/.exec(lines[0]);
  if (!m) throw new BadRequest(400, 'request', `not an HTTP/1 request line: ${JSON.stringify(lines[0].slice(0, 80))}`);
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) throw new BadRequest(505, 'version', `HTTP/${m[3]}.${m[4]} is not supported (HTTP/1.1 and 1.0 are)`);
  const minor = Number(m[4]);
  const headers: Record<string, string> = Object.create(null);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i], colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) throw new BadRequest(400, 'headers', `a malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const v = line.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(v)) throw new BadRequest(400, 'headers', `header ${name}: a control character in its value`);
    if (name === 'content-length' && headers[name] !== undefined && headers[name] !== v) throw new BadRequest(400, 'content-length', 'two different Content-Length headers');
    headers[name] = headers[name] === undefined || name === 'content-length' ? v : `${headers[name]}, ${v}`;
  }
  if (minor === 1 && headers.host === undefined) throw new BadRequest(400, 'host', 'an HTTP/1.1 request needs a Host header');
  const conn = headers.connection?.toLowerCase() ?? '';
  const keepAlive = minor === 1 ? !/(^|,)\s*close\s*(,|$)/.test(conn) : /(^|,)\s*keep-alive\s*(,|$)/.test(conn);
  let framing = 'none', length = 0;
  const te = headers['transfer-encoding'], cl = headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) throw new BadRequest(400, 'transfer-encoding', 'both Transfer-Encoding and Content-Length');
    if (!/^chunked$/i.test(te.trim())) throw new BadRequest(400, 'transfer-encoding', `only chunked is supported, got ${JSON.stringify(te)}`);
    framing = 'chunked';
  } else if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) throw new BadRequest(400, 'content-length', `not a length: ${JSON.stringify(cl)}`);
    framing = 'length';
    length = Number(cl);
  }
  return { method: m[1], target: m[2], headers, keepAlive, minor, framing, length, t0 };
}

/** A chunked request body, fed as it arrives, kept up to limit + some bytes. */
class ChunkedBody {
  done = false;
  /** more than the limit has come: the rest is not read */
  over = false;
  private stage = CHUNK_SIZE;
  private left = 0;
  private n = 0;
  private parts: Buffer[] = [];

  constructor(private readonly limit: number) {}

  /** Read what it can of `b`; the bytes used (the rest: a later request, or not yet whole). Throws BadRequest. */
  push(b: Buffer): number {
    let at = 0;
    while (!this.done && !this.over) {
      if (this.stage === CHUNK_SIZE || this.stage === TRAILER) {
        const eol = b.indexOf('\r\n', at, 'latin1');
        if (eol < 0) {
          if (b.length - at > 4096) throw new BadRequest(400, 'body', 'a chunk size or trailer line over 4096 bytes');
          return at;
        }
        if (this.stage === TRAILER) {
          this.done = eol === at;
        } else {
          const size = /^\s*([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(b.toString('latin1', at, eol));
          if (!size) throw new BadRequest(400, 'body', 'a malformed chunk size');
          this.left = parseInt(size[1], 16);
          this.stage = this.left ? CHUNK_DATA : TRAILER;
        }
        at = eol + 2;
      } else if (this.stage === CHUNK_DATA) {
        const k = Math.min(this.left, b.length - at);
        if (k === 0) return at;
        this.parts.push(b.subarray(at, at + k));
        at += k;
        this.left -= k;
        this.n += k;
        if (this.n > this.limit) this.over = true;
        else if (!this.left) this.stage = CHUNK_END;
      } else {
        if (b.length - at < 2) return at;
        if (b[at] !== 13 || b[at + 1] !== 10) throw new BadRequest(400, 'body', 'a chunk not ended by CRLF');
        at += 2;
        this.stage = CHUNK_SIZE;
      }
    }
    return at;
  }

  body(): Buffer {
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function serve(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, {
    upstreams: 'string', host: 'string', port: 'integer', token: 'string', 'min-models': 'integer', 'fallback-reward': 'number',
    'deadline-ms': 'number', 'timeout-ms': 'number', retries: 'integer', reward: 'string', 'max-body-bytes': 'integer', seed: 'integer',
  });
  if (positional.length !== 1) throw new UsageError('serve takes one model file (see rewardfuse --help)');
  const host = (flags.host as string | undefined) ?? '127.0.0.1';
  const port = (flags.port as number | undefined) ?? 5000;
  if (port < 0 || port > 65535) throw new UsageError(`--port takes 0…65535, got ${port}`);
  const model = readModel(positional[0]);

  const opts: HandlerOptions = {};
  const file = flags.upstreams as string | undefined;
  let fromFile: string[] = [];
  if (file) {
    let cfg: unknown;
    try {
      cfg = JSON.parse(readText(file));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${file}: malformed JSON (${(e as Error).message})`);
    }
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new CliError(`${file}: expected an object {"upstreams": {"<model>": {"type", "url", …}}, …}`);
    for (const k of Object.keys(cfg)) if (!FILE_KEYS.includes(k)) throw new CliError(`${file}: field "${k}": unknown (fields: ${FILE_KEYS.join(', ')})`);
    Object.assign(opts, cfg);
    fromFile = Object.keys(cfg);
  }
  for (const [k, flag] of FLAGS) {
    if (flags[flag] === undefined) continue;
    (opts as Record<string, unknown>)[k] = flags[flag];
    fromFile = fromFile.filter((x) => x !== k);
  }
  const token = (flags.token as string | undefined) ?? process.env.REWARDFUSE_TOKEN;
  if (token) opts.token = token;
  opts.fetch = nodeFetch;

  let handler: FuseHandler;
  try {
    handler = createHandler(model, opts);
  } catch (e) {
    if (!(e instanceof ServeConfigError)) throw e;
    const top = e.field.split('.')[0];
    if (fromFile.includes(top)) throw new CliError(`${file}: field "${e.field}": ${e.detail}`);
    const flag = FLAGS.find(([k]) => k === top)?.[1];
    throw new UsageError(`${flag ? `--${flag}` : e.field}: ${e.detail}`);
  }
  const served = Object.keys(opts.upstreams ?? {});
  const unserved = model.models.filter((m) => !served.includes(m));
  if (!served.length) process.stderr.write(`rewardfuse serve: no --upstreams: only POST /v1/fuse with "items" (given scores) can be answered\n`);
  else if (unserved.length) process.stderr.write(`rewardfuse serve: no upstream for ${unserved.join(', ')}: always masked\n`);
  if (!isLoopback(host) && !token) process.stderr.write(`rewardfuse serve: listening on ${host} without --token: anyone who can reach it can use it\n`);

  serveNode(handler, { host, port }).then(
    (s) => {
      console.log(`rewardfuse serve: listening on ${s.url} (${model.models.length} models, ${served.length} upstreams)`);
      const stop = () => {
        s.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 5000).unref(); // requests still running after 5 s are cut
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: NodeJS.ErrnoException) => {
      console.error(`rewardfuse: cannot listen on ${host}:${port} (${e.code ?? e.message})`);
      process.exitCode = 1;
    },
  );
}
