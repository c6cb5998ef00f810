// The fetch handler of src/serve/ on Node, over HTTP/1.1 read and written on
// the socket (serveNode): a body up to the handler's limit (plus what shows it
// is over) is read, the handler gets a request-like object, and its answer is
// written back as bytes.
import { STATUS_CODES } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Answer, FuseHandler, RequestLike } from '../serve/handler.js';

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

// where a chunked body's reading is: at a size line, in a chunk's data, at its CRLF, in the trailer
const CHUNK_SIZE = 0, CHUNK_DATA = 1, CHUNK_END = 2, TRAILER = 3;

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
