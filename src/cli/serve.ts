// rewardfuse serve <model.json> [--upstreams upstreams.json] [--host 127.0.0.1] [--port 5000] [--token T] …
// The fetch handler of src/serve/ on Node: served by serveNode (../node/http-server.ts),
// calling the upstreams with nodeFetch (../node/http-client.ts).
import { ServeConfigError } from '../serve/errors.js';
import { createHandler, type FuseHandler, type HandlerOptions } from '../serve/handler.js';
import { parseArgs, UsageError } from './args.js';
import { nodeFetch } from '../node/http-client.js';
import { serveNode, type NodeServer } from '../node/http-server.js';
import { CliError, readModel, readText } from '../node/io.js';
import { processMetrics } from '../node/process-metrics.js';

export const SERVE_USAGE = `rewardfuse serve <model.json> [--upstreams upstreams.json] [--host 127.0.0.1] [--port 5000] [--token T]
    [--min-models 1] [--fallback-reward 0] [--deadline-ms 30000] [--timeout-ms 10000] [--retries 2]
    [--reward reward|conservative] [--max-body-bytes 33554432] [--seed 0]
    [--allow-origin https://page.example,…] [--allow-host name,…]
  the fused reward over HTTP: POST /get_reward (OpenRLHF), POST /v1/fuse, GET /health, GET /metrics;
  the token may also come from REWARDFUSE_TOKEN; timers are whole ms, 1…2147483647;
  requests from browser pages (an Origin header) are refused unless --allow-origin names the page's origin;
  on a loopback bind, a Host header naming anything but a loopback address is refused unless --allow-host names it`;

/** options the command line sets, and their flags */
const FLAGS: [keyof HandlerOptions, string][] = [
  ['minModels', 'min-models'], ['fallbackReward', 'fallback-reward'], ['deadlineMs', 'deadline-ms'], ['timeoutMs', 'timeout-ms'],
  ['retries', 'retries'], ['reward', 'reward'], ['maxBodyBytes', 'max-body-bytes'], ['seed', 'seed'],
  ['allowOrigins', 'allow-origin'], ['allowHosts', 'allow-host'],
];
const FILE_KEYS = ['upstreams', 'minModels', 'fallbackReward', 'deadlineMs', 'timeoutMs', 'retries', 'backoffMs', 'concurrency', 'maxBatch', 'batchWaitMs', 'breakerFailures', 'breakerCooldownMs'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** "a, b" → ["a", "b"] */
const commaList = (flag: string, v: string) => {
  const xs = v.split(',').map((s) => s.trim());
  if (xs.some((x) => x === '')) throw new UsageError(`--${flag} takes names separated by commas, got "${v}"`);
  return xs;
};

export function serve(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, {
    upstreams: 'string', host: 'string', port: 'integer', token: 'string', 'min-models': 'integer', 'fallback-reward': 'number',
    'deadline-ms': 'integer', 'timeout-ms': 'integer', retries: 'integer', reward: 'string', 'max-body-bytes': 'integer', seed: 'integer',
    'allow-origin': 'string', 'allow-host': 'string',
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
    (opts as Record<string, unknown>)[k] = k === 'allowOrigins' || k === 'allowHosts' ? commaList(flag, flags[flag] as string) : flags[flag];
    fromFile = fromFile.filter((x) => x !== k);
  }
  // on loopback, the Host must be a loopback name (or one --allow-host gives): against DNS rebinding
  if (isLoopback(host)) opts.allowHosts ??= [];
  const token = (flags.token as string | undefined) ?? process.env.REWARDFUSE_TOKEN;
  if (token) opts.token = token;
  opts.fetch = nodeFetch;
  opts.moreMetrics = processMetrics();

  let handler: FuseHandler;
  try {
    handler = createHandler(model, opts);
  } catch (e) {
    if (!(e instanceof ServeConfigError)) throw e;
    const top = e.field.split(/[.[]/)[0];
    if (fromFile.includes(top)) throw new CliError(`${file}: field "${e.field}": ${e.detail}`);
    const flag = FLAGS.find(([k]) => k === top)?.[1];
    throw new UsageError(`${flag ? `--${flag}` : e.field}: ${e.detail}`);
  }
  const served = Object.keys(opts.upstreams ?? {});
  const unserved = model.models.filter((m) => !served.includes(m));
  if (!served.length) process.stderr.write(`rewardfuse serve: no --upstreams: only POST /v1/fuse with "items" (given scores) can be answered\n`);
  else if (unserved.length) process.stderr.write(`rewardfuse serve: no upstream for ${unserved.join(', ')}: always masked\n`);

  // the signal handlers first: a signal any time after "listening on" stops the server gracefully
  let server: NodeServer | null = null;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (!server) return process.exit(0); // not yet listening: nothing to answer
    server.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref(); // requests still running after 5 s are cut
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  serveNode(handler, { host, port }).then(
    (s) => {
      server = s;
      if (stopping) return void s.close().then(() => process.exit(0));
      if (!isLoopback(host) && !token) process.stderr.write(`rewardfuse serve: listening on ${host} without --token: anyone who can reach it can use it\n`);
      console.log(`rewardfuse serve: listening on ${s.url} (${model.models.length} models, ${served.length} upstreams)`);
    },
    (e: NodeJS.ErrnoException) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.error(`rewardfuse: cannot listen on ${host}:${port} (${e.code ?? e.message})`);
      process.exitCode = 1;
    },
  );
}
