// The fused-reward server as one Web-standard fetch handler, Request →
// Response, so the same code serves under Node (src/cli/serve.ts adapts
// node:http), Deno.serve, Bun.serve and a Cloudflare Worker.
//
//   POST /get_reward   OpenRLHF's remote RM: {"query": [str], "prompts": [str], "labels": […]}
//                      → {"rewards": [float], "scores": [float], "extra_logs": {name: [float]}}
//   POST /v1/fuse      {"items": [{"scores": {rm: number|null}, "features"?}]}   the caller's scores
//                      {"samples": [{"prompt", "response"}]}                     fanned out to the upstreams
//                      → {"models", "results": [{"status", "reward", "uncertainty", "conservative", "scores", "missing", "weights"?}]}
//   GET  /health       liveness and each upstream's breaker
//   GET  /metrics      Prometheus text
//
// Every request the handler accepts is answered: a client error is a 4xx
// naming the field; an upstream's failure masks that model for the samples it
// owed, and an item below the quorum gets the fallback (/get_reward) or null.
import type { Combiner, FusionModel } from '../models/model.js';
import type { Sample } from './adapters.js';
import { checkOptions, type HandlerOptions } from './config.js';
import { HttpError, ServeConfigError } from './errors.js';
import { ServeShift } from './shift.js';
import { Metrics, type Series } from './metrics.js';
import { bad, isObj, list, namedValues, readJson, sameLength, str, strings } from './request.js';
import { XorShift32 } from './rng.js';
import { UpstreamClient, type Job } from './upstream.js';

export type { HandlerOptions, UpstreamConfig, UpstreamType, CallPolicy, UpstreamFetch } from './config.js';

/** What the handler reads of a request: a Request, or any object with these parts. */
export interface RequestLike {
  method: string;
  /** absolute, e.g. http://localhost/get_reward?token=… */
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** read when no Content-Length came (chunked), counting bytes against the limit */
  body?: ReadableStream<Uint8Array> | null;
}

/** An answer as plain parts. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

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

type Status = 'ok' | 'degraded' | 'unscored';

interface Fused {
  reward: Float32Array;
  uncertainty: Float32Array;
  conservative: Float32Array;
  weights?: Float32Array;
  /** models with a score, per row */
  present: Int32Array;
  status: Status[];
  /** which combiner scored the rows (serve/shift.ts) */
  combiner: Combiner;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
/** Server-Timing: how long the request waited on the upstreams (the rest of its time is the server's own) */
const serverTiming = (ms: number) => `upstreams;dur=${ms.toFixed(3)}`;
const timing = (ms: number) => ({ 'server-timing': serverTiming(ms) });
/** a number as JSON.stringify writes it */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null');
/** the features of rows when the model has none */
const NO_FEATURES = new Float32Array(0);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const finite = (x: number, dflt: number) => (Number.isFinite(x) ? x : dflt);

const ROUTES: Record<string, { method: string; name: string }> = {
  '/get_reward': { method: 'POST', name: 'get_reward' },
  '/v1/fuse': { method: 'POST', name: 'fuse' },
  '/health': { method: 'GET', name: 'health' },
  '/metrics': { method: 'GET', name: 'metrics' },
};

/** Constant-time string equality, so the token cannot be guessed by timing. */
function sameToken(given: string, token: string): boolean {
  let d = given.length ^ token.length;
  for (let i = 0; i < token.length; i++) d |= (given.charCodeAt(i) | 0) ^ token.charCodeAt(i);
  return d === 0;
}

/** A request's path, and its query (null: it has none). */
interface Target {
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
function readTarget(raw: string): Target {
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

/** application/json or any +json type (RFC 6839), parameters aside */
function isJsonType(ct: string | null): boolean {
  if (ct === null) return false;
  const semi = ct.indexOf(';');
  const t = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return t === 'application/json' || (t.endsWith('+json') && t.startsWith('application/'));
}

export function createHandler(model: FusionModel, options: HandlerOptions = {}): FuseHandler {
  const m = model as Partial<FusionModel> | null | undefined;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.models) || !Array.isArray(m.features) || typeof m.scoreAligned !== 'function') {
    throw new ServeConfigError('model', `expected a fusion model (from loadModel or trainFusion), got ${m === null ? 'null' : Array.isArray(m) ? 'a list' : typeof m === 'object' ? 'an object without models, features and scoreAligned' : typeof m}`);
  }
  const o = checkOptions(model.models, options);
  const K = model.models.length, F = model.features.length;
  const modelIndex = new Map(model.models.map((m, k) => [m, k]));
  const featureIndex = new Map(model.features.map((f, j) => [f, j]));

  const metrics = new Metrics();
  metrics.define('rewardfuse_requests_total', 'counter', 'Requests answered, by route and HTTP status.');
  metrics.define('rewardfuse_request_duration_seconds', 'histogram', 'Time from a request to its answer, by route.');
  metrics.define('rewardfuse_requests_in_flight', 'gauge', 'Requests being handled.');
  metrics.define('rewardfuse_items_total', 'counter', 'Items and samples answered, by route and status (ok, degraded: some models masked, unscored: below the quorum).');
  metrics.define('rewardfuse_upstream_calls_total', 'counter', 'Batched calls to each upstream, by final outcome.');
  metrics.define('rewardfuse_upstream_errors_total', 'counter', 'Failed tries of upstream calls, by kind (connect, timeout, http_5xx, http_429, http_4xx, too_large: refused as too large with nothing left to split, bad_answer).');
  metrics.define('rewardfuse_upstream_timeouts_total', 'counter', 'Upstream tries that hit their timeout.');
  metrics.define('rewardfuse_upstream_retries_total', 'counter', 'Upstream tries after the first.');
  metrics.define('rewardfuse_upstream_masked_total', 'counter', 'Samples for which a model was masked without a call, by reason.');
  metrics.define('rewardfuse_masked_rows_total', 'counter', 'Samples answered without a model\'s score, by upstream and reason: missing (its answer had no score for the sample), invalid (not a finite number within 1e30), timeout (its call timed out, or the request\'s deadline came first), error (any other failed call, or its breaker open).');
  metrics.define('rewardfuse_upstream_splits_total', 'counter', 'Calls refused as too large (413, or 422 naming the batch size) and split (in pieces of the limit named, else in halves).');
  metrics.define('rewardfuse_upstream_call_duration_seconds', 'histogram', 'Time of each batched upstream call, retries included.');
  metrics.define('rewardfuse_upstream_batch_size', 'histogram', 'Samples in each batched upstream call.');
  metrics.define('rewardfuse_upstream_inflight', 'gauge', 'Upstream calls in flight.');
  metrics.define('rewardfuse_upstream_breaker_state', 'gauge', 'Circuit breaker of each upstream: 0 closed, 1 open, 2 half-open.');
  metrics.define('rewardfuse_upstream_breaker_transitions_total', 'counter', 'Circuit breaker changes, by the state entered.');
  metrics.define('rewardfuse_fusion_errors_total', 'counter', 'Batches the fusion model could not score (answered as unscored).');

  const rng = new XorShift32(o.seed);
  const clients = o.upstreams.map((u) => new UpstreamClient(u, o.fetch, metrics, rng));
  let inFlight = 0;
  /** the series of each route and status, so counting a request builds no keys */
  const counted = new Map<string, [Series, Series]>();

  /**
   * Each sample's score from every upstream (NaN where a model gave none in
   * time), and how long the request waited on the upstreams (ms): from its
   * first call sent, or its samples queued behind busy call slots, to its
   * last answer; the rest, its reading and batching included, is the server's own.
   */
  function fanOut(samples: Sample[]): Promise<{ x: Float32Array; waited: number }> {
    const n = samples.length;
    const x = new Float32Array(n * K).fill(NaN);
    if (!n || !clients.length) return Promise.resolve({ x, waited: 0 });
    return new Promise((resolve) => {
      let pending = n * clients.length;
      /** (n, K): 1 where the upstream of column k has answered row i */
      const got = new Uint8Array(n * K);
      const finish = () => {
        if (job.done) return;
        job.done = true;
        clearTimeout(timer);
        const now = performance.now();
        if (pending) for (const c of clients) {
          let late = 0;
          for (let i = 0; i < n; i++) late += 1 - got[i * K + c.u.k];
          if (late) c.masked('timeout', late); // the deadline came first
        }
        resolve({ x, waited: job.waiting < now ? now - job.waiting : 0 });
      };
      const job: Job = {
        done: false,
        deadline: performance.now() + o.deadlineMs,
        waiting: Infinity,
        put(row, k, v) {
          if (job.done) return;
          got[row * K + k] = 1;
          if (v !== null) x[row * K + k] = v;
          if (--pending === 0) finish();
        },
      };
      const timer = setTimeout(finish, o.deadlineMs);
      for (const c of clients) for (let i = 0; i < n; i++) c.submit(job, i, samples[i]);
    });
  }

  const shift = new ServeShift(model, metrics);

  /** The fusion model's scores (fused with other requests' rows of the same turn), with each row's status against the quorum. */
  async function fuse(x: Float32Array, f: Float32Array, n: number): Promise<Fused> {
    const present = new Int32Array(n);
    const status: Status[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let k = 0; k < K; k++) if (x[i * K + k] === x[i * K + k]) c++;
      present[i] = c;
      status[i] = c === K ? 'ok' : c >= o.minModels ? 'degraded' : 'unscored';
    }
    // the net, or its anchor where these rows (or, for a few, the recent ones) look unlike the training data
    const { batch, combiner } = shift.pick(x, n);
    if (!n) return { reward: new Float32Array(0), uncertainty: new Float32Array(0), conservative: new Float32Array(0), present, status, combiner };
    // x and f are already in the model's columns: scoreAligned (in the batch) is what score() would call on them, without its checks and copies
    const s = await batch.score(x, f, n);
    if (!(s instanceof Error)) return { reward: s.reward, uncertainty: s.uncertainty, conservative: s.conservative, weights: s.weights, present, status, combiner };
    metrics.inc('rewardfuse_fusion_errors_total');
    const z = new Float32Array(n);
    return { reward: z, uncertainty: z, conservative: z, present, status: status.fill('unscored'), combiner };
  }

  const itemSeries = new Map<string, Series>();
  function count(route: string, status: Status[]) {
    for (const st of status) {
      let c = itemSeries.get(route + st);
      if (!c) itemSeries.set(route + st, (c = metrics.series('rewardfuse_items_total', { route, status: st })));
      c.value++;
    }
  }

  function needUpstreams(field: string) {
    if (!clients.length) throw new HttpError(503, `${field}: this server has no upstreams to score samples with (start it with --upstreams, or send "items" with scores to /v1/fuse)`, 'upstreams');
  }

  async function getReward(req: RequestLike): Promise<Answer> {
    const body = await readJson(req, o.maxBodyBytes);
    if (!isObj(body)) bad('body', 'expected an object {"query": [str], "prompts": [str], "labels": […]}');
    const b = body as Record<string, unknown>;
    const query = strings(b.query, 'query', o.maxItems);
    const n = query.length;
    const prompts = b.prompts == null ? null : strings(b.prompts, 'prompts', o.maxItems);
    if (prompts) sameLength(prompts, 'prompts', n, 'query');
    const labels = b.labels == null ? null : list(b.labels, 'labels', o.maxItems);
    if (labels) sameLength(labels, 'labels', n, 'query');
    needUpstreams('query');
    const samples = query.map((q, i): Sample => {
      const p = prompts ? prompts[i] : '';
      // the response: what follows the prompt in the query (the query may start with a BOS the prompt lacks)
      const at = p ? q.indexOf(p) : -1;
      return { query: q, prompt: p, response: at >= 0 ? q.slice(at + p.length) : q, label: labels?.[i] };
    });
    const { x, waited } = await fanOut(samples);
    const s = await fuse(x, F ? new Float32Array(n * F).fill(NaN) : NO_FEATURES, n);
    count('get_reward', s.status);
    const picked = o.reward === 'conservative' ? s.conservative : s.reward;
    // the answer's lists, written as JSON.stringify would write them (every number finite), without building them as arrays first
    let rewards = '', scores = '', uncertainty = '', missing = '', degraded = '', fallback = '', net = '';
    for (let i = 0; i < n; i++) {
      const scored = s.status[i] !== 'unscored' && Number.isFinite(picked[i]);
      const reward = scored ? picked[i] : o.fallbackReward;
      const sep = i ? ',' : '';
      rewards += sep + num(reward);
      scores += sep + num(finite(sigmoid((reward - o.scoreCenter) / o.scoreScale), 0.5));
      uncertainty += sep + num(scored ? finite(s.uncertainty[i], 0) : 0);
      missing += sep + (K - s.present[i]);
      degraded += sep + (s.status[i] === 'ok' && scored ? '0' : '1');
      fallback += sep + (scored ? '0' : '1');
      net += sep + (s.combiner === 'net' ? '1' : '0');
    }
    // a model that can choose (a net with an anchor) says, per sample, whether its net scored
    const chose = model.anchor ? `,"net_scored":[${net}]` : '';
    const text = `{"rewards":[${rewards}],"scores":[${scores}],"extra_logs":{"uncertainty":[${uncertainty}],"models_missing":[${missing}],"degraded":[${degraded}],"fallback":[${fallback}]${chose}}}`;
    return { status: 200, headers: { 'content-type': 'application/json', 'server-timing': serverTiming(waited) }, body: text };
  }

  async function fuseRoute(req: RequestLike): Promise<Answer> {
    const body = await readJson(req, o.maxBodyBytes);
    if (!isObj(body)) bad('body', 'expected an object {"items": […]} or {"samples": […]}');
    const b = body as Record<string, unknown>;
    if ((b.items === undefined) === (b.samples === undefined)) bad(b.items === undefined ? 'items' : 'samples', 'send either "items" (with scores) or "samples" (prompt and response), not both or neither');
    const field = b.items !== undefined ? 'items' : 'samples';
    const rows = list(b[field], field, o.maxItems);
    const n = rows.length;
    const f = new Float32Array(n * F).fill(NaN);
    const ids: unknown[] = new Array(n);
    let x: Float32Array, waited = 0;
    if (field === 'items') {
      x = new Float32Array(n * K).fill(NaN);
      for (let i = 0; i < n; i++) {
        const it = rows[i];
        if (!isObj(it)) bad(`items[${i}]`, 'expected an object {"scores": {rm: number | null}, "features"?: {…}}');
        const item = it as Record<string, unknown>;
        namedValues(item.scores, `items[${i}].scores`, modelIndex, x, i, 'model');
        if (item.features !== undefined) namedValues(item.features, `items[${i}].features`, featureIndex, f, i, 'feature');
        ids[i] = item.id;
      }
    } else {
      const samples = rows.map((it, i): Sample => {
        if (!isObj(it)) bad(`samples[${i}]`, 'expected an object {"prompt": str, "response": str}');
        const sm = it as Record<string, unknown>;
        const prompt = str(sm.prompt, `samples[${i}].prompt`), response = str(sm.response, `samples[${i}].response`);
        if (sm.features !== undefined) namedValues(sm.features, `samples[${i}].features`, featureIndex, f, i, 'feature');
        ids[i] = sm.id;
        return { prompt, response, query: sm.query === undefined ? prompt + response : str(sm.query, `samples[${i}].query`), label: sm.label };
      });
      needUpstreams('samples');
      ({ x, waited } = await fanOut(samples));
    }
    const s = await fuse(x, f, n);
    count('fuse', s.status);
    const results = new Array(n);
    for (let i = 0; i < n; i++) {
      const scores: Record<string, number | null> = {}, missing: string[] = [];
      for (let k = 0; k < K; k++) {
        const v = x[i * K + k];
        scores[model.models[k]] = v === v ? v : null;
        if (v !== v) missing.push(model.models[k]);
      }
      const r: Record<string, unknown> = {};
      if (ids[i] !== undefined) r.id = ids[i];
      r.status = s.status[i];
      const scored = s.status[i] !== 'unscored';
      r.reward = scored ? s.reward[i] : null;
      r.uncertainty = scored ? s.uncertainty[i] : null;
      r.conservative = scored ? s.conservative[i] : null;
      if (model.anchor) r.combiner = s.combiner;
      r.scores = scores;
      r.missing = missing;
      if (s.weights && scored) r.weights = Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]]));
      results[i] = r;
    }
    return json(200, { models: model.models, results }, field === 'samples' ? timing(waited) : {});
  }

  function health(): Answer {
    const now = performance.now();
    const upstreams = Object.fromEntries(clients.map((c) => [c.u.name, { type: c.u.type, breaker: c.state(now) }]));
    const live = clients.filter((c) => c.state(now) !== 'open').length;
    const status = !clients.length || live >= o.minModels ? (live === clients.length ? 'ok' : 'degraded') : 'unavailable';
    return json(200, { status, models: model.models, features: model.features, minModels: o.minModels, upstreams });
  }

  function authorised(req: RequestLike, url: Target): boolean {
    if (o.token === undefined) return true;
    const auth = req.headers.get('authorization');
    const given = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : (url.query?.get('token') ?? null);
    return given !== null && sameToken(given, o.token);
  }

  /**
   * The Host and Origin checks (403 if refused); the CORS headers of an
   * allowed Origin, or null. A page of another site may send requests (the
   * browser then sends its Origin); a rebound DNS name of the attacker's sends
   * its own Host.
   */
  function admit(req: RequestLike): Record<string, string> | null {
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

  /** The answer of a request that passed the Host and Origin checks. */
  async function route1(req: RequestLike, url: Target, path: string, r: { method: string; name: string } | undefined): Promise<Answer> {
    if (!(r?.name === 'health' && req.method === 'GET') && !authorised(req, url)) {
      throw new HttpError(401, 'authorization: a missing or wrong token (send "Authorization: Bearer <token>", or ?token=<token> in the URL)', 'authorization', { 'www-authenticate': 'Bearer' });
    }
    if (!r) throw new HttpError(404, `path: no route ${req.method} ${url.pathname} (routes: POST /get_reward, POST /v1/fuse, GET /health, GET /metrics)`, 'path');
    if (req.method !== r.method) throw new HttpError(405, `method: ${path} takes ${r.method}, not ${req.method}`, 'method', { allow: r.method });
    // a browser sends text/plain, forms and no type cross-site with no preflight: only JSON is read
    if (r.method === 'POST' && !isJsonType(req.headers.get('content-type'))) {
      throw new HttpError(415, `content-type: ${path} takes application/json, got ${JSON.stringify(req.headers.get('content-type'))}`, 'content-type', { accept: 'application/json' });
    }
    if (r.name === 'get_reward') return getReward(req);
    if (r.name === 'fuse') return fuseRoute(req);
    if (r.name === 'health') return health();
    for (const c of clients) c.state(); // an open breaker past its cooldown shows as half-open
    metrics.set('rewardfuse_requests_in_flight', {}, inFlight - 1);
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: metrics.render() + (o.moreMetrics?.() ?? '') };
  }

  async function answer(req: RequestLike): Promise<Answer> {
    const t0 = performance.now();
    let route = 'unknown', res: Answer, cors: Record<string, string> | null = null;
    inFlight++;
    try {
      const url = readTarget(req.url);
      const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
      const r = ROUTES[path];
      if (r) route = r.name;
      cors = admit(req);
      if (req.method === 'OPTIONS' && cors && req.headers.get('access-control-request-method') !== null) {
        // an allowed page's preflight (a JSON POST, or a token header, needs one)
        res = { status: 204, headers: { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' }, body: '' };
      } else res = await route1(req, url, path, r);
    } catch (e) {
      if (e instanceof HttpError) res = json(e.status, { error: e.message, field: e.field }, e.headers);
      else res = json(500, { error: `internal error: ${(e as Error)?.message ?? e}`, field: null });
    }
    if (cors) Object.assign(res.headers, cors);
    inFlight--;
    const k = `${route} ${res.status}`;
    let c = counted.get(k);
    if (!c) counted.set(k, (c = [metrics.series('rewardfuse_requests_total', { route, code: String(res.status) }), metrics.series('rewardfuse_request_duration_seconds', { route })]));
    c[0].value++;
    Metrics.observe(c[1], (performance.now() - t0) / 1000);
    return res;
  }

  const handle = async (req: Request): Promise<Response> => {
    const a = await answer(req);
    return new Response(a.status === 204 ? null : a.body, { status: a.status, headers: a.headers });
  };
  return Object.assign(handle, { fetch: handle, answer, maxBodyBytes: o.maxBodyBytes });
}
