// The fused-reward server as one Web-standard fetch handler, Request →
// Response, so the same code serves under Node (src/node/http-server.ts
// writes its answers to node:http), Deno.serve, Bun.serve and a Cloudflare
// Worker. This file routes, admits and counts; each route is a module of
// routes/: POST /get_reward, POST /v1/fuse, GET /health, GET /metrics.
//
// Every request the handler accepts is answered: a client error is a 4xx
// naming the field; an upstream's failure masks that model for the samples it
// owed, and an item below the quorum gets the fallback (/get_reward) or null.
import type { FusionModel } from '../models/model.js';
import { admit, checkJson, checkToken, readTarget, type Target } from './admit.js';
import { json, type Answer, type RequestLike } from './answer.js';
import { readHandlerOptions, type HandlerOptions } from './config.js';
import { ServeContext, type Route } from './context.js';
import { HttpError, ServeConfigError } from './errors.js';
import { serveMetrics } from './metric-table.js';
import { Metrics, type Series } from './metrics.js';
import { fuse } from './routes/fuse.js';
import { getReward } from './routes/get-reward.js';
import { health } from './routes/health.js';
import { metrics } from './routes/metrics.js';

export type { HandlerOptions, UpstreamConfig, UpstreamType, CallPolicy, UpstreamFetch } from './config.js';
export type { Answer, RequestLike } from './answer.js';

/** A fetch handler: call it, or hand it (or its `fetch`) to Deno.serve, Bun.serve or a Worker. */
export interface FuseHandler {
  (request: Request): Promise<Response>;
  fetch(request: Request): Promise<Response>;
  /**
   * The same answer as plain parts, for hosts that write bytes themselves:
   * node:http's adapter, where undici's Request and Response cost more than
   * the fusion (about 30 µs each).
   */
  answer(request: RequestLike): Promise<Answer>;
  /** the largest body it reads, for adapters that buffer bodies */
  readonly maxBodyBytes: number;
}

const ROUTES = new Map<string, Route>([getReward, fuse, health, metrics].map((r) => [r.path, r]));
const LIST = [...ROUTES.values()].map((r) => `${r.method} ${r.path}`).join(', ');
/** an allowed page's preflight (a JSON POST, or a token header, needs one) */
const PREFLIGHT: Answer = { status: 204, headers: { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' }, body: '' };

export function createHandler(model: FusionModel, options: HandlerOptions = {}): FuseHandler {
  const m = model as Partial<FusionModel> | null | undefined;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.models) || !Array.isArray(m.features) || typeof m.scoreAligned !== 'function') {
    throw new ServeConfigError('model', `expected a fusion model (from loadModel or trainFusion), got ${m === null ? 'null' : Array.isArray(m) ? 'a list' : typeof m === 'object' ? 'an object without models, features and scoreAligned' : typeof m}`);
  }
  const o = readHandlerOptions(model.models, options);
  const c = new ServeContext(model, o, serveMetrics());
  /** the series of each route and status, so counting a request builds no keys */
  const counted = new Map<string, [Series, Series]>();

  /** The answer of a request that passed the Host and Origin checks. */
  async function route(req: RequestLike, url: Target, path: string, r: Route | undefined): Promise<Answer> {
    if (!(r?.open && req.method === r.method)) checkToken(req, url, o.token);
    if (!r) throw new HttpError(404, `path: no route ${req.method} ${url.pathname} (routes: ${LIST})`, 'path');
    if (req.method !== r.method) throw new HttpError(405, `method: ${path} takes ${r.method}, not ${req.method}`, 'method', { allow: r.method });
    if (r.method === 'POST') checkJson(req, path);
    return r.run(c, req);
  }

  async function answer(req: RequestLike): Promise<Answer> {
    const t0 = performance.now();
    let name = 'unknown', res: Answer, cors: Record<string, string> | null = null;
    c.inFlight++;
    try {
      const url = readTarget(req.url);
      const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
      const r = ROUTES.get(path);
      name = r?.name ?? name;
      cors = admit(req, o);
      const preflight = req.method === 'OPTIONS' && cors && req.headers.get('access-control-request-method') !== null;
      res = preflight ? { ...PREFLIGHT, headers: { ...PREFLIGHT.headers } } : await route(req, url, path, r);
    } catch (e) {
      if (e instanceof HttpError) res = json(e.status, { error: e.message, field: e.field }, e.headers);
      else res = json(500, { error: `internal error: ${(e as Error)?.message ?? e}`, field: null });
    }
    if (cors) Object.assign(res.headers, cors);
    c.inFlight--;
    const k = `${name} ${res.status}`;
    let s = counted.get(k);
    if (!s) counted.set(k, (s = [c.metrics.series('rewardfuse_requests_total', { route: name, code: String(res.status) }), c.metrics.series('rewardfuse_request_duration_seconds', { route: name })]));
    s[0].value++;
    Metrics.observe(s[1], (performance.now() - t0) / 1000);
    return res;
  }

  const handle = async (req: Request): Promise<Response> => {
    const a = await answer(req);
    return new Response(a.status === 204 ? null : a.body, { status: a.status, headers: a.headers });
  };
  return Object.assign(handle, { fetch: handle, answer, maxBodyBytes: o.maxBodyBytes });
}
