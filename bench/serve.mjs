// npm run bench:serve — the fused-reward server under load, on loopback only,
// in about a minute. Processes: the server (this file with --server), the
// fake reward models (this file with --rms; test/serve/fake-rm.mjs), the
// floor (this file with --floor, below), and this one, the load generator,
// whose clients hold kept-alive sockets and write each request as one buffer;
// the runs at concurrency 64 that the target is judged on are driven by
// bench/loadgen.c instead (compiled with the system's cc), which adds less of
// its own time to what it measures. Each measurement follows a warm-up at its own
// concurrency on the same sockets, so that it is of the steady state: the
// connecting and the server's compiling of its code are not in it. It reports:
//   (a) /v1/fuse with given scores, one item a request, at concurrency 1, 16, 64;
//   (b) /get_reward over 4 fake upstreams that answer in 5 ms, batches of 1 and 256,
//       and the server's overhead beyond its wait on the upstreams, seen two ways:
//       by the client (its latency − the upstream wait the server reports in
//       Server-Timing) and by the server (its total in Server-Timing, head read →
//       answer written, − the same wait); with the server's CPU a request, its
//       minor GCs, and the event-loop delay of the server and of the load
//       generator. At concurrency 64, several runs, each in turn with the
//       floor (this file with --floor): a server that only waits 5 ms a
//       request, whose overhead as the client sees it is what the load
//       generator, the kernel and a do-nothing Node server add on this machine;
//   (b') the upstream client: /get_reward at batch 1 with the CLI's small
//       client (src/node/http-client.ts) and with node:http's keep-alive Agent,
//       in turn in the same run, the server's CPU a request for each;
//   (c) a fault mix (one upstream down, one slow past its timeout now and then,
//       one answering 500 now and then, one garbage now and then): every
//       response must be a 200 with one finite entry a query.
// Targets: (a) ≥ 5,000 req/s; (b) the server's own p99 (Server-Timing total −
// upstream wait) < 5 ms at concurrency 64; (c) nothing lost or malformed. The
// client's view and the floor are information.
// BENCH_SECONDS, BENCH_WARM_SECONDS and BENCH_RUNS change the lengths and runs;
// BENCH_SERVER_FLAGS starts the server's Node with more flags (e.g. a young
// generation of another size: --min-semi-space-size=64 --max-semi-space-size=64).
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

// --quick (BENCH_QUICK=1): every measurement a few tenths of a second and one run, every answer
// still checked (checkFuse, checkReward, the fault mix); its figures mean nothing
const QUICK = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 0.3 : 2.5)); // each measurement
const WARM = Number(process.env.BENCH_WARM_SECONDS ?? (QUICK ? 0.1 : 1)); // before each measurement, at its concurrency, not counted
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 1 : 3)); // runs of /get_reward at concurrency 64, each with the floor's in turn
const SELF = fileURLToPath(import.meta.url);
/** the event-loop delay monitors' timer (ms); a delay is how late it fires */
const TICK = 2;
const lateness = (h) => [h.percentile(50), h.percentile(99), h.max].map((x) => Math.max(0, x / 1e6 - TICK));

async function main() {
  const lib = { ...(await import('../dist/index.js')), ...(await import('../dist/data.js')) };
  const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-bench-serve-'));
  const t00 = performance.now();

  // a fusion model of 4 reward models: the simulated ensemble's first four
  const sim = lib.simulateEnsemble({ prompts: 80, seed: 1 });
  const set = lib.simPairs(sim, Array.from({ length: 80 }, (_, i) => i), 1);
  const four = set.models.slice(0, 4), K0 = set.models.length;
  const side = (x, i) => Object.fromEntries(four.map((m, k) => [m, Number.isNaN(x[i * K0 + k]) ? null : x[i * K0 + k]]));
  const pairs = lib.pairsFromRecords(set.ids.map((id, i) => ({ id, a: side(set.a, i), b: side(set.b, i), label: set.label[i] === 1 ? 'a' : set.label[i] === 0 ? 'b' : 'tie' })));
  const model = lib.trainFusion(pairs, { arch: 'gated', seed: 0, epochs: 20, ensemble: 2 });
  const modelFile = join(dir, 'model.json');
  writeFileSync(modelFile, lib.saveModel(model));
  const M = model.models;

  console.log(`rewardfuse bench:serve — Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), loopback; ${SECONDS} s a measurement, after ${WARM} s of warm-up at its concurrency` +
    `${SERVER_FLAGS.length ? `; the server's Node started with ${SERVER_FLAGS.join(' ')}` : ''}\n`);
  const rms = await child(['--rms']);

  // (a) given scores
  const items = { items: [{ scores: Object.fromEntries(M.map((m, k) => [m, 0.3 * k - 0.5])) }] };
  const a = await withServer(modelFile, {}, async (url, server) => {
    const rows = [];
    for (const c of [1, 16, 64]) rows.push({ c, ...(await measure(server, (begin, finish) => load(url, '/v1/fuse', items, c, SECONDS, checkFuse(1), { warm: WARM, begin, finish }))) });
    return rows;
  });
  console.log('(a) POST /v1/fuse, one item with given scores (no upstreams)\n');
  table(['concurrency', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'bad'], a.map((r) => [r.c, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.cpu.toFixed(0), r.bad]));

  // (b) four fake upstreams, 5 ms each, in their own process
  const PROTOCOLS = ['vllm', 'tei', 'openrlhf', 'json'];
  const EXTRA = { json: { inputField: 'texts', scorePath: 'results.*.score' } };
  const urls = await rms.ask({ start: M.map((m, k) => [PROTOCOLS[k], k, { delayMs: 5, record: false }]) });
  const upstreams = Object.fromEntries(M.map((m, k) => [m, { type: PROTOCOLS[k], url: urls[k], ...EXTRA[PROTOCOLS[k]] }]));
  const batch = (n) => ({ query: Array.from({ length: n }, (_, i) => `User: question ${i}\nAssistant: answer ${i} ${'x'.repeat(200)}`), prompts: Array.from({ length: n }, (_, i) => `User: question ${i}\n`), labels: Array(n).fill(null) });
  // the floor: a server that only waits 5 ms a request and answers, measured in turn with ours at concurrency 64
  const floor = await child(['--floor']);
  const floorUrl = await floor.ask({ url: true });
  const runs64 = [];
  const b = await withServer(modelFile, { upstreams }, async (url, server) => {
    const rows = [];
    const row = async (n, c) => {
      const r = await measure(server, (begin, finish) => load(url, '/get_reward', batch(n), c, SECONDS, checkReward(n), { warm: WARM, begin, finish }), () => rms.ask({ count: true }));
      const [rms0, rms1] = r.also;
      const rmsMs = rms1.cpuMs - rms0.cpuMs;
      return { n, c, ...r, calls: (rms1.calls - rms0.calls) / r.count, rmsBusy: rmsMs / r.wallMs, others: Math.max(0, r.machineMs - r.ownMs - rmsMs) / r.wallMs };
    };
    for (const [n, c] of [[1, 1], [1, 16], [1, 64], [256, 1], [256, 4]]) rows.push(await row(n, c));
    // concurrency 64 again, ours and the floor in turn, from the C load generator where there is one
    const drive = async (u, srv) => measure(srv, async (begin, finish) => (await loadC(u, '/get_reward', batch(1), 64, SECONDS, { warm: WARM, begin, finish })) ?? load(u, '/get_reward', batch(1), 64, SECONDS, checkReward(1), { warm: WARM, begin, finish }));
    for (let i = 0; i < RUNS; i++) runs64.push({ ours: await drive(url, server), floor: await drive(floorUrl, floor) });
    return rows;
  });
  // (b') the same calls through node:http's keep-alive Agent, in turn with the small client, twice each
  const clients = [];
  await withServer(modelFile, { upstreams, fetch: 'agent' }, async (agentUrl, agentServer) => {
    await withServer(modelFile, { upstreams }, async (smallUrl, smallServer) => {
      for (let i = 0; i < 2; i++) {
        for (const [name, u, srv] of [['small client (http-client.ts)', smallUrl, smallServer], ['node:http Agent (keepAlive)', agentUrl, agentServer]]) {
          const r = await measure(srv, (begin, finish) => load(u, '/get_reward', batch(1), 16, SECONDS, checkReward(1), { warm: WARM, begin, finish }));
          clients.push({ name, run: i + 1, ...r });
        }
      }
    });
  });
  floor.stop();
  await rms.ask({ close: true });
  console.log('\n(b) POST /get_reward, 4 fake upstreams (vLLM, TEI, OpenRLHF, JSON) answering in 5 ms, in a process of their own;\n' +
    '    overhead = time beyond the request\'s wait on its upstreams (Server-Timing upstreams;dur), as the client sees it\n' +
    '    (its latency − that wait) and as the server sees it (Server-Timing total;dur, head read → answer written, − that wait)\n');
  table(['batch', 'concurrency', 'req/s', 'queries/s', 'p50 ms', 'p99 ms', 'overhead p50', 'overhead p99', 'server-side p50', 'server-side p99', 'calls/req', 'server CPU µs/req', 'bad'],
    b.map((r) => [r.n, r.c, r.rps.toFixed(0), (r.rps * r.n).toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.own50.toFixed(2), r.own99.toFixed(2), r.srv50.toFixed(2), r.srv99.toFixed(2), r.calls.toFixed(2), r.cpu.toFixed(0), r.bad]));
  console.log('\n    each process over each measurement: event-loop delay (ms a 2 ms timer fires late; p50 / p99 / max), and CPU (% of one core);\n' +
    '    "other work": the machine\'s busy time (/proc/stat) less these three processes\'; the server\'s minor GCs (scavenges):\n' +
    '    how many a thousand requests, their pauses in all and the longest\n');
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '?');
  table(['batch', 'concurrency', 'server delay', 'load generator delay', 'server CPU', 'fake RMs CPU', 'load generator CPU', 'other work', 'server minor GCs'],
    b.map((r) => [r.n, r.c, r.eld.server.map((x) => x.toFixed(1)).join(' / '), r.eld.client.map((x) => x.toFixed(1)).join(' / '), pct(r.busy), pct(r.rmsBusy), pct(r.loadBusy), pct(r.others), gcCell(r)]));
  console.log(`\n    batch 1 at concurrency 64, ${RUNS} runs, each in turn with the floor: a server that only reads each request, waits 5 ms (a timer)\n` +
    `    and writes an answer of the same shape; its overhead is what the client, the kernel and a do-nothing Node server add on this\n` +
    `    machine. Load: ${loadgen() ? 'bench/loadgen.c (C, epoll: a status and framing check an answer)' : 'the Node load generator (no C compiler)'}\n`);
  const med = (xs) => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1];
  const r64rows = runs64.map(({ ours, floor }, i) => [i + 1, ours.rps.toFixed(0), ours.own99.toFixed(2), floor.rps.toFixed(0), floor.own99.toFixed(2), (ours.own99 - floor.own99).toFixed(2), ours.srv99.toFixed(2), ours.cpu.toFixed(0), gcCell(ours), ours.windows ? `${ours.tailWindows} / ${floor.tailWindows} of ${ours.windows}` : '', `${ours.bad + floor.bad} / ${ours.lost + floor.lost}`]);
  const over = med(runs64.map((r) => r.ours.own99)), floor99 = med(runs64.map((r) => r.floor.own99)), excess = med(runs64.map((r) => r.ours.own99 - r.floor.own99));
  r64rows.push(['median', med(runs64.map((r) => r.ours.rps)).toFixed(0), over.toFixed(2), med(runs64.map((r) => r.floor.rps)).toFixed(0), floor99.toFixed(2), excess.toFixed(2), med(runs64.map((r) => r.ours.srv99)).toFixed(2), med(runs64.map((r) => r.ours.cpu)).toFixed(0), '', '', '']);
  table(['run', 'req/s', 'overhead p99 ms', 'floor req/s', 'floor overhead p99 ms', 'difference', 'server-side p99', 'server CPU µs/req', 'server minor GCs', 'slowest 1% sent in (10 ms windows, ours / floor)', 'bad / lost'], r64rows);
  console.log('\n(b\') the upstream client, /get_reward batch 1 at concurrency 16 (4 upstream calls a request when not coalesced), in turn\n');
  table(['client', 'run', 'req/s', 'server-side p99 ms', 'server CPU µs/req', 'bad'], clients.map((r) => [r.name, r.run, r.rps.toFixed(0), r.srv99.toFixed(2), r.cpu.toFixed(0), r.bad]));

  // (c) a fault mix
  const mixUrls = await rms.ask({ start: [
    ['tei', 1, { delayMs: 60, every: 4, record: false }], // every 4th call past the 25 ms timeout
    ['openrlhf', 2, { fail: 1, failStatus: 500, every: 3, record: false }], // every 3rd a 500
    ['json', 3, { garbage: 'shape', every: 5, record: false }], // every 5th garbage
  ] });
  const faulty = {
    [M[0]]: { type: 'vllm', url: await rms.ask({ dead: true }) }, // down
    [M[1]]: { type: 'tei', url: mixUrls[0] },
    [M[2]]: { type: 'openrlhf', url: mixUrls[1] },
    [M[3]]: { type: 'json', url: mixUrls[2], ...EXTRA.json },
  };
  const c = await withServer(modelFile, { upstreams: faulty, timeoutMs: 25, retries: 1, backoffMs: 2, breakerFailures: 1000 }, (url) => load(url, '/get_reward', batch(4), 32, SECONDS, checkReward(4)));
  await rms.ask({ close: true });
  rms.stop();
  console.log('\n(c) fault mix: one upstream down, one past its 25 ms timeout every 4th call, one 500 every 3rd, one garbage every 5th; batches of 4, concurrency 32\n');
  table(['requests', 'req/s', 'p50 ms', 'p99 ms', 'lost', 'malformed'], [[c.count, c.rps.toFixed(0), c.p50.toFixed(2), c.p99.toFixed(2), c.lost, c.bad]]);

  const single = a.find((r) => r.c === 16).rps, srv99 = med(runs64.map((r) => r.ours.srv99));
  console.log(`\ntargets: /v1/fuse single item ≥ 5000 req/s: ${single.toFixed(0)} ${single >= 5000 ? 'ok' : 'MISSED'}; ` +
    `the server's own p99 overhead at concurrency 64 < 5 ms: ${srv99.toFixed(2)} ms (Server-Timing total − upstream wait), median of ${RUNS} runs, ${srv99 < 5 ? 'ok' : 'MISSED'} ` +
    `(information: ${over.toFixed(2)} ms as the client sees it, the floor's ${floor99.toFixed(2)} ms); ` +
    `no lost or malformed responses under faults: ${c.lost + c.bad} ${c.lost + c.bad === 0 ? 'ok' : 'MISSED'}`);
  console.log(`(${((performance.now() - t00) / 1000).toFixed(1)} s)`);
  // the answers, not the timings: a malformed answer anywhere, or one lost under faults, fails the bench
  const bad = [...a, ...b, ...clients, ...runs64.flatMap((r) => [r.ours, r.floor])].reduce((sum, r) => sum + r.bad, 0);
  if (bad || c.lost + c.bad) throw new Error(`bench:serve: validation failed: ${bad} malformed answers; under faults ${c.lost} lost, ${c.bad} malformed`);
}

/**
 * The upstreams' fetch over node:http's request and a keep-alive Agent, as a
 * user would write it: the alternative to the CLI's small client, measured
 * against it in (b').
 */
async function agentFetch() {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (url, init, signal, ms) => new Promise((resolve, reject) => {
    const body = Buffer.from(init.body);
    const req = request(url, { method: 'POST', agent, headers: { ...init.headers, 'content-length': body.length }, signal: signal ?? undefined }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, text: () => Promise.resolve(text) });
      });
      res.on('error', reject);
    });
    const timer = ms ? setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })), ms) : null;
    req.on('close', () => timer && clearTimeout(timer));
    req.on('error', reject);
    req.end(body);
  });
  return Object.assign((url, init) => post(url, init, init.signal, 0), { withTimeout: (url, init, ms) => post(url, init, null, ms) });
}

/** V8 or Node flags for the server's process only (BENCH_SERVER_FLAGS, e.g. "--min-semi-space-size=64 --max-semi-space-size=64") */
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** the server's minor GCs over a measurement: a thousand requests, and their pauses in all / the longest (ms) */
const gcCell = (r) => (r.gc ? `${((1000 * r.gc.scavenges) / r.count).toFixed(2)} a 1k req; ${r.gc.pauseMs.toFixed(0)} ms, max ${r.gc.maxMs.toFixed(1)}` : '');

/** A child process running this file with `args`, spoken to over IPC: ask(message) → its answer. */
async function child(args) {
  const p = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...(args[0] === '--server' ? SERVER_FLAGS : [])] });
  const waiting = [];
  p.on('message', (m) => waiting.shift()?.resolve(m));
  p.on('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`${args[0]} exited ${code}`)); });
  const ask = (m) => new Promise((resolve, reject) => { waiting.push({ resolve, reject }); p.send(m); });
  await ask({ ready: true });
  return { ask, stop: () => p.kill() };
}

/** Start the server child with these options, run `f(url, server)`, stop it. */
async function withServer(modelFile, options, f) {
  const server = await child(['--server', modelFile, JSON.stringify(options)]);
  try {
    return await f(await server.ask({ url: true }), server);
  } finally {
    server.stop();
  }
}

/** CPU time (ms) the whole machine has spent busy, from /proc/stat (Linux; NaN elsewhere). */
function machineBusyMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) * 10; // all but idle and iowait, in 10 ms ticks
  } catch {
    return NaN;
  }
}

/**
 * Run `run(begin, finish)` (a load that calls `begin()` when its warm-up ends
 * and `finish()` when its last answer is in), with, between the two: the
 * server's CPU time, both processes' event-loop delay, the machine's busy
 * time, and `also()` (a figure of another process) at both ends.
 */
async function measure(server, run, also = async () => null) {
  const h = monitorEventLoopDelay({ resolution: TICK });
  let at = null, fin = null;
  const begin = () => {
    at = { mark: server.ask({ mark: true }), also: also(), cpu: process.cpuUsage(), t: performance.now(), m: machineBusyMs() };
    h.enable();
  };
  const finish = () => {
    fin = { cpu: process.cpuUsage(at.cpu), wallMs: performance.now() - at.t, machineMs: machineBusyMs() - at.m, mark: server.ask({ mark: true }), also: also() };
    h.disable();
  };
  const r = await run(begin, finish);
  await at.mark;
  const s = await fin.mark;
  const loadMs = (fin.cpu.user + fin.cpu.system) / 1000, wallMs = fin.wallMs;
  return { ...r, also: [await at.also, await fin.also], wallMs, machineMs: fin.machineMs, ownMs: s.cpuMs + loadMs, cpu: (s.cpuMs * 1000) / r.count, busy: s.cpuMs / s.wallMs, loadBusy: loadMs / wallMs, eld: { server: s.eld, client: lateness(h) }, gc: s.gc };
}

/**
 * `c` clients, each on its own kept-alive socket, posting `body` back to back
 * for `warm` + `seconds`; over the last `seconds` (after `begin()`): latency
 * from the request's write to its answer's last byte, and percentiles. Over
 * the whole run: answers that fail `check` (bad), and requests whose socket
 * closed before their answer (lost). The server frames its answers by
 * Content-Length (an answer that is not: bad). The warm-up, at the same
 * concurrency on the same sockets, leaves out connecting and the server's
 * compiling its code: what is measured is the steady state. An answer is
 * timed and the next request written before the answer is read and checked.
 */
async function load(url, path, body, c, seconds, check, { warm = 0, begin = () => {}, finish = () => {} } = {}) {
  const { hostname, port } = new URL(url);
  const data = JSON.stringify(body);
  const bytes = Buffer.from(`POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(data)}\r\n\r\n${data}`);
  const lat = [], own = [], srv = [];
  let bad = 0, lost = 0, lostBefore = 0;
  const start = performance.now() + warm * 1000, end = start + seconds * 1000;
  setTimeout(() => {
    lostBefore = lost;
    begin();
  }, Math.max(0, start - performance.now()));
  /** an answer in whole: checked, and timed if it is in the measurement */
  const take = (ms, measured, bytes, at, need) => {
    const head = bytes.toString('latin1', 0, at);
    let ok = head.startsWith('HTTP/1.1 200 ') && bytes.length === need;
    try {
      ok = ok && check(JSON.parse(bytes.toString('utf8', at + 4, need)));
    } catch {
      ok = false;
    }
    if (!ok) bad++;
    if (!measured) return;
    lat.push(ms);
    const waited = /\r\nserver-timing:[^\r]*upstreams;dur=([\d.]+)/i.exec(head);
    const total = /\r\nserver-timing:[^\r]*total;dur=([\d.]+)/i.exec(head);
    if (waited) {
      own.push(ms - Number(waited[1]));
      if (total) srv.push(Number(total[1]) - Number(waited[1]));
    }
  };
  /** one socket, requests back to back until the time is up or the socket fails */
  const session = () => new Promise((done) => {
    const sock = connect({ host: hostname, port: Number(port) });
    sock.setNoDelay(true);
    let t0 = 0, buf = null, need = -1, at = 0, pending = false;
    const next = () => {
      if (performance.now() >= end) return sock.end();
      buf = null;
      need = -1;
      pending = true;
      t0 = performance.now();
      sock.write(bytes);
    };
    sock.on('connect', next);
    sock.on('data', (chunk) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      if (need < 0) {
        at = buf.indexOf('\r\n\r\n');
        if (at < 0) return;
        const len = /\r\ncontent-length: *(\d+)/i.exec(buf.toString('latin1', 0, at));
        if (!len) {
          bad++; // not framed by its length: malformed
          pending = false;
          return void sock.destroy();
        }
        need = at + 4 + Number(len[1]);
      }
      if (buf.length < need) return;
      // the time, the next request, and only then the answer's reading and checking
      const ms = performance.now() - t0, measured = t0 >= start, bytes = buf, head = at, whole = need;
      pending = false;
      next();
      take(ms, measured, bytes, head, whole);
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      if (pending) lost++; // closed before its answer
      done();
    });
  });
  const client = async () => {
    while (performance.now() < end) await session();
  };
  await Promise.all(Array.from({ length: c }, client));
  const wall = (performance.now() - start) / 1000;
  finish();
  const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
  for (const xs of [lat, own, srv]) xs.sort((x, y) => x - y);
  return { count: lat.length + lost - lostBefore, rps: lat.length / wall, p50: q(lat, 0.5), p99: q(lat, 0.99), own50: q(own, 0.5), own99: q(own, 0.99), srv50: q(srv, 0.5), srv99: q(srv, 0.99), bad, lost };
}

/**
 * The same load from bench/loadgen.c (compiled here with the system's cc, once),
 * which adds less of its own time to what it measures; null if there is no cc.
 */
async function loadC(url, path, body, c, seconds, { warm = 0, begin = () => {}, finish = () => {} } = {}) {
  const exe = loadgen();
  if (!exe) return null;
  const { hostname, port } = new URL(url);
  const file = join(tmpdir(), `rewardfuse-bench-body-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(body));
  const p = spawn(exe, [hostname, port, path, file, String(c), String(warm), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d) => {
    out += d;
    for (let at; (at = out.indexOf('\n')) >= 0; ) {
      const line = out.slice(0, at);
      out = out.slice(at + 1);
      if (line === 'begin') begin();
      else if (line === 'end') finish();
      else if (line.startsWith('{')) p.result = JSON.parse(line);
    }
  });
  const code = await new Promise((r) => p.on('close', r));
  rmSync(file, { force: true });
  if (code !== 0 || !p.result) throw new Error(`bench/loadgen.c exited ${code}`);
  return p.result;
}

let loadgenExe;
/** bench/loadgen.c compiled into a temporary folder, or null where cc fails */
function loadgen() {
  if (loadgenExe !== undefined) return loadgenExe;
  const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-loadgen-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const exe = join(dir, 'loadgen');
  const r = spawnSync('cc', ['-O2', '-o', exe, fileURLToPath(new URL('loadgen.c', import.meta.url))], { stdio: ['ignore', 'ignore', 'pipe'] });
  loadgenExe = r.status === 0 ? exe : null;
  if (!loadgenExe) console.log(`(no C compiler: the Node load generator is used throughout; ${r.error?.message ?? String(r.stderr).trim().split('\n')[0]})`);
  return loadgenExe;
}

const finite = (xs, n) => Array.isArray(xs) && xs.length === n && xs.every((x) => typeof x === 'number' && Number.isFinite(x));
const checkFuse = (n) => (j) => j.results?.length === n && j.results.every((r) => Number.isFinite(r.reward));
const checkReward = (n) => (j) => finite(j.rewards, n) && finite(j.scores, n) && ['uncertainty', 'models_missing', 'degraded', 'fallback'].every((k) => finite(j.extra_logs?.[k], n));

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((x, i) => (i ? String(x).padStart(w[i]) : String(x).padEnd(w[i]))).join(' | ')} |`;
  console.log([line(head), `|${w.map((x, i) => (i ? '-'.repeat(x + 1) + ':' : '-'.repeat(x + 2))).join('|')}|`, ...rows.map(line)].join('\n'));
}

/** In a server child: over IPC, its URL, and its CPU time and event-loop delay between marks. */
function marks(url) {
  const h = monitorEventLoopDelay({ resolution: TICK });
  h.enable();
  let cpu0 = process.cpuUsage(), wall0 = performance.now();
  // minor GCs (scavenges): how many, and their pauses (ms)
  const gc = { scavenges: 0, pauseMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      gc.scavenges++;
      gc.pauseMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m) => {
    if (m.ready) return process.send(true);
    if (m.url) return process.send(url);
    // a mark: the figures since the last one
    const cpu = process.cpuUsage(cpu0);
    process.send({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wall0, eld: lateness(h), gc: { ...gc } });
    Object.assign(gc, { scavenges: 0, pauseMs: 0, maxMs: 0 });
    h.disable();
    h.reset();
    h.enable();
    cpu0 = process.cpuUsage();
    wall0 = performance.now();
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === '--server') {
  // the server: a model file served with the options given; over IPC its URL, and its CPU time and event-loop delay between marks
  const lib = await import('../dist/index.js');
  const { serveNode } = await import('../dist/node/http-server.js');
  const { nodeFetch } = await import('../dist/node/http-client.js');
  const o = JSON.parse(process.argv[4]);
  const handler = lib.createHandler(lib.loadModel(readFileSync(process.argv[3], 'utf8')), { ...o, fetch: o.fetch === 'agent' ? await agentFetch() : nodeFetch });
  const s = await serveNode(handler, { host: '127.0.0.1', port: 0 });
  marks(s.url);
} else if (process.argv[2] === '--floor') {
  // the floor: reads each request (framed by its Content-Length, its body parsed), waits 5 ms, answers as /get_reward does for one query
  const { createServer } = await import('node:net');
  const body = JSON.stringify({ rewards: [0.7310586], scores: [0.6750376], extra_logs: { uncertainty: [0.0512], models_missing: [0], degraded: [0], fallback: [0] } });
  const srv = createServer({ noDelay: true }, (sock) => {
    let buf = null;
    sock.on('data', (chunk) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const at = buf.indexOf('\r\n\r\n');
      if (at < 0) return;
      const need = at + 4 + Number(/\r\ncontent-length: *(\d+)/i.exec(buf.toString('latin1', 0, at))[1]);
      if (buf.length < need) return;
      JSON.parse(buf.toString('utf8', at + 4, need));
      buf = null;
      const t0 = performance.now();
      setTimeout(() => {
        const t1 = performance.now();
        sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nserver-timing: upstreams;dur=${(t1 - t0).toFixed(3)}, total;dur=${(t1 - t0).toFixed(3)}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      }, 5);
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  marks(`http://127.0.0.1:${srv.address().port}`);
} else if (process.argv[2] === '--rms') {
  // the fake reward models, started and counted over IPC
  const { fakeRM, deadURL } = await import('../test/serve/fake-rm.mjs');
  let rms = [];
  process.on('message', async (m) => {
    if (m.ready) return process.send(true);
    if (m.start) {
      rms = await Promise.all(m.start.map(([protocol, k, o]) => fakeRM(protocol, k, o)));
      return process.send(rms.map((r) => r.url));
    }
    if (m.count) {
      const c = process.cpuUsage();
      return process.send({ calls: rms.reduce((s, r) => s + r.count(), 0), cpuMs: (c.user + c.system) / 1000 });
    }
    if (m.dead) return process.send(await deadURL());
    if (m.close) {
      await Promise.all(rms.map((r) => r.close()));
      rms = [];
      return process.send(true);
    }
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}
