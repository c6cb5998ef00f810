// The server's options and the upstreams config, checked once when the
// handler is built. Every error names the option or the upstream's field.
import { isObj } from '../data/validate.js';
import { ServeConfigError } from './errors.js';

/** The protocols an upstream reward model can speak. */
export type UpstreamType = 'vllm' | 'tei' | 'openrlhf' | 'json';

/** Retries, timeouts, batching and the circuit breaker: per upstream, with defaults for all. */
export interface CallPolicy {
  /** one call's timeout, each try, ms (default 10000; whole, 1…2³¹−1) */
  timeoutMs?: number;
  /** tries after the first, on connect errors, timeouts, 5xx and 429 (default 2) */
  retries?: number;
  /** first backoff, ms; doubles each try, times a jitter in [0.5, 1.5) (default 50; whole, 0…2³¹−1) */
  backoffMs?: number;
  /** calls in flight at once (default 8) */
  concurrency?: number;
  /**
   * most inputs in one call; default: the server's own default limit, TEI's
   * --max-client-batch-size (32) for tei, 256 for the others (vLLM's
   * --max-num-seqs on most GPUs; vLLM, SGLang and OpenRLHF refuse no batch). A call
   * answered 413, or 422 saying the batch is too large, is split (in pieces
   * of the limit TEI's answer names, else in halves) and retried, and later
   * calls are kept under the size that was refused.
   */
  maxBatch?: number;
  /** wait this long (ms) to coalesce samples before a call (default 0: the samples that arrive in the same turn of the event loop, and all that queue while every call slot is busy) */
  batchWaitMs?: number;
  /** consecutive failed calls that open the breaker (default 5) */
  breakerFailures?: number;
  /** how long (ms) an open breaker masks the model before one probe call (default 5000; whole, 0…2³¹−1) */
  breakerCooldownMs?: number;
}

/** One reward model's server. The key naming it in `upstreams` is the model's name in the model file. */
export interface UpstreamConfig extends CallPolicy {
  type: UpstreamType;
  /** the endpoint; a URL with no path gets the protocol's (/classify, /predict, /get_reward) */
  url: string;
  /** how a sample becomes the RM's input: 'query', one string (default), or 'pair', [prompt, response] (tei, json) */
  input?: 'query' | 'pair';
  /** input 'query': build the string from {prompt}, {response} and {query}; default: the query as sent (OpenRLHF) or prompt + response */
  template?: string;
  /** vllm: the served model's name (default: this upstream's name) */
  model?: string;
  /** vllm: which entry of data[i].probs is the score (default 0) */
  index?: number;
  /** tei: the prediction with this label is the score (default: the first) */
  label?: string;
  /** openrlhf: the key of the scores in the answer (default "rewards") */
  scoreKey?: string;
  /** json: the request's field for the inputs (default "inputs") */
  inputField?: string;
  /** json: further fields of every request */
  body?: Record<string, unknown>;
  /** json: where the scores are, e.g. "scores" (a list) or "results.*.score" (one a result) */
  scorePath?: string;
  /** extra request headers, e.g. {"authorization": "Bearer …"} */
  headers?: Record<string, string>;
}

/** An upstream's answer, as much of a Response as the handler reads. */
export interface UpstreamAnswer {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}

/** What the handler needs of fetch (globalThis.fetch is one): POST a string, read the answer as text. */
export interface UpstreamFetch {
  (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<UpstreamAnswer>;
  /**
   * Optional: the same call, given up by the fetch itself after `timeoutMs`
   * (rejecting with an error named "TimeoutError"), its answer read whole, so
   * that a call needs no AbortController and timer of the caller's (the CLI's
   * fetch has it).
   */
  withTimeout?(url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }, timeoutMs: number): Promise<UpstreamAnswer>;
}

export interface HandlerOptions extends CallPolicy {
  /** the reward models' servers, by model name; without them only /v1/fuse with given scores works */
  upstreams?: Record<string, UpstreamConfig>;
  /** if set, every route but GET /health needs "Authorization: Bearer <token>" or ?token=<token> */
  token?: string;
  /** fewest models with a score for an item to be scored (default 1) */
  minModels?: number;
  /** /get_reward's reward for an item below the quorum (default 0) */
  fallbackReward?: number;
  /** each request is answered within this (ms), with what arrived (default 30000; whole, 1…2³¹−1) */
  deadlineMs?: number;
  /** largest request body (default 32 MiB) */
  maxBodyBytes?: number;
  /** most items or samples in one request (default 4096) */
  maxItems?: number;
  /** what /get_reward's "rewards" carry: the fused reward (default) or the conservative score */
  reward?: 'reward' | 'conservative';
  /** /get_reward's "scores" = σ((reward − scoreCenter) / scoreScale) (defaults 0 and 1) */
  scoreCenter?: number;
  scoreScale?: number;
  /** seeds the retry jitter (default 0) */
  seed?: number;
  /** the fetch used for upstreams (default globalThis.fetch; the CLI passes one over node:http, faster than Node's) */
  fetch?: UpstreamFetch;
  /**
   * origins (scheme://host[:port]) whose pages may call the server; a request
   * with any other Origin header gets 403 (default none: no browser page may)
   */
  allowOrigins?: string[];
  /**
   * set: the Host header must name a loopback address (localhost, 127.x.x.x,
   * [::1]) or one of these names, else 403; against DNS rebinding on a
   * loopback bind (the CLI sets it there). Unset: any Host.
   */
  allowHosts?: string[];
  /** more Prometheus text for GET /metrics, asked at each scrape (the CLI: the Node process's CPU, memory, heap and GC pauses) */
  moreMetrics?: () => string;
}

/** @internal */
export interface Policy {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  concurrency: number;
  maxBatch: number;
  batchWaitMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
}

/** @internal */
export interface Upstream1 {
  name: string;
  /** column of this model in the model file */
  k: number;
  type: UpstreamType;
  url: string;
  input: 'query' | 'pair';
  template?: string;
  model: string;
  index: number;
  label?: string;
  scoreKey: string;
  inputField: string;
  body: Record<string, unknown>;
  scorePath: (string | number)[];
  headers: Record<string, string>;
  policy: Policy;
}

/** @internal */
export interface Checked {
  upstreams: Upstream1[];
  token?: string;
  minModels: number;
  fallbackReward: number;
  deadlineMs: number;
  maxBodyBytes: number;
  maxItems: number;
  reward: 'reward' | 'conservative';
  scoreCenter: number;
  scoreScale: number;
  seed: number;
  fetch: UpstreamFetch;
  moreMetrics?: () => string;
  allowOrigins: Set<string>;
  /** lower-case host names, or null: any Host */
  allowHosts: Set<string> | null;
}

const TYPES: UpstreamType[] = ['vllm', 'tei', 'openrlhf', 'json'];
const DEFAULT_PATH: Record<UpstreamType, string> = { vllm: '/classify', tei: '/predict', openrlhf: '/get_reward', json: '/' };
const POLICY: Policy = { timeoutMs: 10000, retries: 2, backoffMs: 50, concurrency: 8, maxBatch: 256, batchWaitMs: 0, breakerFailures: 5, breakerCooldownMs: 5000 };
/**
 * Each protocol's default batch: its server's own limit. TEI refuses more than
 * --max-client-batch-size inputs a request (default 32: router/src/main.rs),
 * with 422 "batch size 64 > maximum allowed batch size 32". vLLM's /classify,
 * SGLang's (vLLM's format) and OpenRLHF's serve_rm refuse no batch by its
 * size; 256 is vLLM's --max-num-seqs on most GPUs (vllm/engine/arg_utils.py),
 * the sequences it schedules at once.
 */
const DEFAULT_BATCH: Record<UpstreamType, number> = { vllm: 256, tei: 32, openrlhf: 256, json: 256 };
/** Node's timers take at most 2³¹−1 ms; a longer one fires at once */
const MAX_MS = 2 ** 31 - 1;
const OPTION_KEYS = new Set(['upstreams', 'token', 'minModels', 'fallbackReward', 'deadlineMs', 'maxBodyBytes', 'maxItems', 'reward', 'scoreCenter', 'scoreScale', 'seed', 'fetch', 'moreMetrics', 'allowOrigins', 'allowHosts', ...Object.keys(POLICY)]);
const UPSTREAM_KEYS = new Set(['type', 'url', 'input', 'template', 'model', 'index', 'label', 'scoreKey', 'inputField', 'body', 'scorePath', 'headers', ...Object.keys(POLICY)]);

const fail = (field: string, msg: string): never => {
  throw new ServeConfigError(field, msg);
};

function num(field: string, v: unknown, dflt: number, min: number, integer = false, max = Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(field, `expected a number, got ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  if (integer && !Number.isInteger(v)) return fail(field, `expected a whole number, got ${v}`);
  if (v < min || v > max) return fail(field, `expected ${min}${max < Infinity ? `…${max}` : ' or more'}, got ${v}`);
  return v;
}

function str(field: string, v: unknown, dflt?: string): string | undefined {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '') return fail(field, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function policy(prefix: string, o: Record<string, unknown>, base: Policy): Policy {
  const f = (k: keyof Policy, min: number, max = Infinity) => num(`${prefix}${k}`, o[k], base[k], min, true, max);
  return {
    timeoutMs: f('timeoutMs', 1, MAX_MS),
    retries: f('retries', 0, 1000),
    backoffMs: f('backoffMs', 0, MAX_MS),
    concurrency: f('concurrency', 1, 1 << 16),
    maxBatch: f('maxBatch', 1, 1 << 20),
    batchWaitMs: f('batchWaitMs', 0, MAX_MS),
    breakerFailures: f('breakerFailures', 1, 1 << 30),
    breakerCooldownMs: f('breakerCooldownMs', 0, MAX_MS),
  };
}

/** A list of non-empty strings, lower-cased. */
function names(field: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return fail(field, `expected a list of strings, got ${JSON.stringify(v)}`);
  return v.map((x, i) => (typeof x === 'string' && x !== '' ? x.toLowerCase() : fail(`${field}[${i}]`, `expected a non-empty string, got ${JSON.stringify(x)}`)));
}

/** "https://App.example:8443/" → "https://app.example:8443", as browsers send Origin; "*" stays. */
function origin(field: string, s: string): string {
  if (s === '*') return s;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return fail(field, `not an origin (scheme://host[:port]): ${JSON.stringify(s)}`);
  }
  if (u.origin === 'null' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) fail(field, `not an origin (scheme://host[:port], no path): ${JSON.stringify(s)}`);
  return u.origin;
}

/** @internal "results.*.score" → ['results', '*', 'score']; "data.0" → ['data', 0]. */
export function parseScorePath(field: string, p: string): (string | number)[] {
  const parts = p.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (parts.some((s) => s === '')) fail(field, `"${p}" has an empty segment`);
  if (parts.filter((s) => s === '*').length > 1) fail(field, `"${p}" has more than one "*"`);
  return parts;
}

function upstream(name: string, c: unknown, models: string[], base: Policy, batchSet: boolean): Upstream1 {
  const at = `upstreams.${name}`;
  const k = models.indexOf(name);
  if (k < 0) fail(at, `"${name}" is not a model of this fusion model (${models.join(', ')})`);
  if (!isObj(c)) return fail(at, `expected an object, got ${JSON.stringify(c)}`);
  for (const key of Object.keys(c)) if (!UPSTREAM_KEYS.has(key)) fail(`${at}.${key}`, `unknown field (fields: ${[...UPSTREAM_KEYS].join(', ')})`);
  const type = c.type as UpstreamType;
  if (!TYPES.includes(type)) fail(`${at}.type`, `expected one of ${TYPES.join(', ')}, got ${JSON.stringify(c.type)}`);
  const raw = str(`${at}.url`, c.url)!;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`${at}.url`, `not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${at}.url`, `expected http: or https:, got ${url.protocol}`);
  if (url.pathname === '/' && !raw.endsWith('/')) url.pathname = DEFAULT_PATH[type];
  const input = (c.input ?? 'query') as 'query' | 'pair';
  if (input !== 'query' && input !== 'pair') fail(`${at}.input`, `expected "query" or "pair", got ${JSON.stringify(c.input)}`);
  if (input === 'pair' && type === 'vllm') fail(`${at}.input`, `vLLM's /classify takes one string an input: use "query" (with a "template" if the RM needs one)`);
  const template = str(`${at}.template`, c.template);
  if (template !== undefined && input === 'pair') fail(`${at}.template`, `a template makes one string: it needs input "query"`);
  if (c.body !== undefined && !isObj(c.body)) fail(`${at}.body`, `expected an object`);
  const headers: Record<string, string> = {};
  if (c.headers !== undefined) {
    if (!isObj(c.headers)) fail(`${at}.headers`, `expected an object of strings`);
    for (const [h, v] of Object.entries(c.headers as object)) headers[h.toLowerCase()] = typeof v === 'string' ? v : fail(`${at}.headers.${h}`, `expected a string`);
  }
  if (type === 'json' && c.scorePath === undefined) fail(`${at}.scorePath`, `a json upstream needs the path to its scores, e.g. "scores" or "results.*.score"`);
  return {
    name,
    k,
    type,
    url: url.href,
    input,
    template,
    model: str(`${at}.model`, c.model, name)!,
    index: num(`${at}.index`, c.index, 0, 0, true),
    label: str(`${at}.label`, c.label),
    scoreKey: str(`${at}.scoreKey`, c.scoreKey, 'rewards')!,
    inputField: str(`${at}.inputField`, c.inputField, 'inputs')!,
    body: (c.body as Record<string, unknown>) ?? {},
    scorePath: parseScorePath(`${at}.scorePath`, str(`${at}.scorePath`, c.scorePath, 'scores')!),
    headers,
    policy: policy(`${at}.`, c, batchSet ? base : { ...base, maxBatch: DEFAULT_BATCH[type] }),
  };
}

/** @internal Check the options against the model's names; fill in the defaults. */
export function readHandlerOptions(models: string[], o: HandlerOptions): Checked {
  if (!isObj(o)) fail('options', `expected an object, got ${o === null ? 'null' : Array.isArray(o) ? 'a list' : typeof o}`);
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) fail(k, `unknown option${near(k)} (options: ${[...OPTION_KEYS].join(', ')})`);
  const base = policy('', o as Record<string, unknown>, POLICY);
  if (o.upstreams !== undefined && !isObj(o.upstreams)) fail('upstreams', 'expected an object: {"<model name>": {"type", "url", …}}');
  const upstreams = Object.entries(o.upstreams ?? {}).map(([name, c]) => upstream(name, c, models, base, o.maxBatch !== undefined));
  const reward = o.reward ?? 'reward';
  if (reward !== 'reward' && reward !== 'conservative') fail('reward', `expected "reward" or "conservative", got ${JSON.stringify(reward)}`);
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) fail('token', 'expected a non-empty string');
  if (o.fetch !== undefined && typeof o.fetch !== 'function') fail('fetch', `expected a function (url, init) → Promise of an answer, got ${JSON.stringify(o.fetch)}`);
  const f: UpstreamFetch | undefined = o.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
  if (typeof f !== 'function') return fail('fetch', 'this runtime has no fetch: pass one');
  if (o.moreMetrics !== undefined && typeof o.moreMetrics !== 'function') fail('moreMetrics', 'expected a function that returns Prometheus text');
  return {
    upstreams,
    token: o.token,
    minModels: num('minModels', o.minModels, 1, 1, true, models.length),
    fallbackReward: num('fallbackReward', o.fallbackReward, 0, -Infinity),
    deadlineMs: num('deadlineMs', o.deadlineMs, 30000, 1, true, MAX_MS),
    maxBodyBytes: num('maxBodyBytes', o.maxBodyBytes, 32 << 20, 1, true, 2 ** 30),
    maxItems: num('maxItems', o.maxItems, 4096, 1, true, 1 << 20),
    reward,
    scoreCenter: num('scoreCenter', o.scoreCenter, 0, -Infinity),
    scoreScale: num('scoreScale', o.scoreScale, 1, Number.MIN_VALUE),
    seed: num('seed', o.seed, 0, -(2 ** 53), true, 2 ** 53),
    fetch: f,
    moreMetrics: o.moreMetrics,
    allowOrigins: new Set(names('allowOrigins', o.allowOrigins).map((s, i) => origin(`allowOrigins[${i}]`, s))),
    allowHosts: o.allowHosts === undefined ? null : new Set(names('allowHosts', o.allowHosts)),
  };
}

/** " (did you mean minModels?)" for a key one letter or a case away from an option's */
function near(k: string): string {
  const lk = k.toLowerCase();
  for (const o of OPTION_KEYS) {
    const lo = o.toLowerCase();
    if (lo === lk || lo === lk + 's' || lk === lo + 's' || (lk.length === lo.length && [...lk].filter((c, i) => c !== lo[i]).length === 1)) return ` (did you mean ${o}?)`;
  }
  return '';
}
