// rewardfuse serve <model.json> [--upstreams upstreams.json] [--host 127.0.0.1] [--port 5000] [--token T] …
// The fetch handler of src/serve/ behind node:http: a small adapter reads the
// body (at most the handler's limit, plus one byte), hands the handler a
// request-like object and writes its answer back as bytes.
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ServeConfigError } from '../serve/errors.js';
import { createHandler, type FuseHandler, type HandlerOptions, type RequestLike, type UpstreamFetch } from '../serve/handler.js';
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

const AGENTS = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
const MAX_ANSWER = 256 << 20;

/**
 * The upstreams' fetch over node:http(s) with keep-alive: Node 20's fetch
 * (undici) spends about ten times the CPU of a node:http call on loopback
 * (bench/serve.mjs), which is the serving cost when K models are fanned out.
 */
export const nodeFetch: UpstreamFetch = (url, init) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const body = Buffer.from(init.body);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: init.method, headers: { ...init.headers, 'content-length': body.length }, agent: AGENTS[u.protocol as 'http:'], signal: init.signal }, (res) => {
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

export interface NodeServer {
  server: Server;
  /** e.g. http://127.0.0.1:5000 */
  url: string;
  close(): Promise<void>;
}

/** Serve a fetch handler with node:http on host:port (port 0: any free one). */
export function serveNode(handler: FuseHandler, { host = '127.0.0.1', port = 5000 }: { host?: string; port?: number } = {}): Promise<NodeServer> {
  const server = createServer((req, res) => void respond(handler, req, res));
  server.keepAliveTimeout = 65000; // longer than common clients' idle pools
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
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** The request's body, up to limit + 1 bytes (the handler answers 413 past its limit). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const len = Number(req.headers['content-length'] ?? -1);
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve(null);
  if (len > limit) {
    req.resume(); // the handler refuses it from the header alone
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0, over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      n += c.length;
      chunks.push(c);
      if (n > limit) {
        over = true; // answer now; the rest is read and dropped
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => reject(new Error('the client left before its body ended'))); // no-op after 'end'
  });
}

async function respond(handler: FuseHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req, handler.maxBodyBytes);
    const text = body ? body.toString('utf8') : '';
    // what the handler reads of a request; undici's Request would cost more than the fusion
    const request: RequestLike = {
      method: req.method ?? 'GET',
      url: `http://localhost${req.url}`,
      headers: {
        get(name: string) {
          name = name.toLowerCase();
          if (name === 'content-length') return body ? String(body.length) : (req.headers['content-length'] ?? null); // the bytes read: past the limit when chunked
          const v = req.headers[name];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
      },
      text: () => Promise.resolve(text),
    };
    const out = await handler.answer(request);
    send(res, out.status, out.headers, out.body);
  } catch (e) {
    // the handler answers every error itself; this is the adapter's own (a client gone mid-body)
    if (!res.headersSent && !res.destroyed) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ error: `internal error: ${(e as Error).message}`, field: null }));
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.destroyed) return;
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
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
