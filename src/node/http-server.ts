// The fetch handler of src/serve/ on Node: node:http (llhttp parses the wire)
// hands each request to the handler's `answer` as a request-like object, and
// writes its answer back. Everything HTTP/1.1 — keep-alive, pipelining,
// chunked bodies, Expect: 100-continue, malformed requests (400 and close) —
// is node:http's.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpError } from '../serve/errors.js';
import type { Answer, FuseHandler, RequestLike } from '../serve/handler.js';

export interface NodeServer {
  server: Server;
  /** e.g. http://127.0.0.1:5000 */
  url: string;
  /** Stop listening; idle connections close now, busy ones after their answer (which says "connection: close"). */
  close(): Promise<void>;
}

/** an idle kept-alive connection closes after this: longer than common clients' idle pools */
const KEEP_ALIVE_MS = 65_000;
/** a request's head must arrive within HEAD_MS, the whole request within BODY_MS */
const HEAD_MS = 60_000, BODY_MS = 300_000;

/** The status node:http gives each kind of malformed request (its default clientError answer). */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/** The body, read up to `limit` bytes: past it, a 413 (and the connection closes). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new HttpError(413, `body: over the limit of ${limit} bytes`, 'body', { connection: 'close' }));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, n).toString('utf8')));
    // a client gone before its body ended ('error': aborted, or 'close'): no answer can reach it, but the handler's wait ends
    const gone = () => reject(new HttpError(400, 'body: the client closed the connection before the body ended', 'body'));
    req.on('error', gone);
    req.on('close', () => req.complete || gone());
  });
}

/**
 * Serve a fetch handler over HTTP/1.1 on host:port (port 0: any free one),
 * with node:http. The handler's `answer` gets a request-like object and
 * gives its answer as plain parts, so no Web Request or Response is built.
 * Each answer carries Server-Timing "total": the server's time, from the
 * request's head read to its answer written.
 */
export function serveNode(handler: FuseHandler, { host = '127.0.0.1', port = 5000 }: { host?: string; port?: number } = {}): Promise<NodeServer> {
  let closing = false;
  /** each connection, and how many of its requests are being answered */
  const busy = new Map<Socket, number>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const sock = req.socket;
    busy.set(sock, (busy.get(sock) ?? 0) + 1);
    res.once('close', () => {
      if (busy.has(sock)) busy.set(sock, busy.get(sock)! - 1);
    });
    const h = req.headers;
    let body: Promise<string> | null = null;
    const target = req.url ?? '/';
    const request: RequestLike = {
      method: req.method ?? 'GET',
      url: target.charCodeAt(0) === 47 ? `http://localhost${target}` : /^https?:\/\//i.test(target) ? target : `http://localhost/${target}`,
      headers: {
        get(name: string) {
          const v = h[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
      },
      // chunked bodies too: counted against the limit as they come (the handler reads text() when there is no `body`)
      text: () => (body ??= readBody(req, handler.maxBodyBytes)),
    };
    const answered = (out: Answer) => {
      if (res.destroyed) return;
      const st = out.headers['server-timing'];
      out.headers['server-timing'] = `${st ? `${st}, ` : ''}total;dur=${(performance.now() - t0).toFixed(3)}`;
      if (closing) out.headers.connection = 'close';
      if (out.status !== 204) out.headers['content-length'] = String(Buffer.byteLength(out.body));
      res.writeHead(out.status, out.headers);
      res.end(out.status === 204 ? undefined : out.body);
    };
    handler.answer(request).then(answered, (e: Error) =>
      // the handler answers every error itself; this is for a bug
      answered({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: `internal error: ${e?.message ?? e}`, field: null }) }),
    );
  };
  const server = createServer({ requestTimeout: BODY_MS, headersTimeout: HEAD_MS, noDelay: true }, onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // a client that sends its request and shuts its side (nc -N, some HTTP/1.0 clients) still gets the answer; node:http's default drops it
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('connection', (sock: Socket) => {
    busy.set(sock, 0);
    sock.once('close', () => busy.delete(sock));
  });
  // a malformed request: the status node:http gives it, with a JSON error naming what llhttp found, and the connection closes
  server.on('clientError', (e: Error & { code?: string; reason?: string }, socket: Socket) => {
    if (!socket.writable || e.code === 'ECONNRESET') return void socket.destroy();
    const status = clientErrorStatus(e.code);
    const body = JSON.stringify({ error: `request: not valid HTTP/1.1 (${e.code ?? 'error'}${e.reason ? `: ${e.reason}` : ''})`, field: 'request' });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const hostPart = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `http://${hostPart}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            server.close(() => done());
            // node:http's closeIdleConnections spares a connection that has sent nothing yet: every one with no request being answered goes now
            for (const [sock, n] of busy) if (n === 0) sock.destroy();
          }),
      });
    });
  });
}
