// npm run bench:serve — the fused-reward server under load, on loopback only,
// in about 30 s. The server runs in a child process (this file with
// --server), so it has a core to itself; this process drives the load and runs
// the fake reward models (test/serve/fake-rm.mjs). It reports:
//   (a) /v1/fuse with given scores, one item a request, at concurrency 1, 16, 64;
//   (b) /get_reward over 4 fake upstreams that answer in 5 ms, batches of 1 and 256,
//       and the server's overhead beyond that 5 ms;
//   (c) a fault mix (one upstream down, one slow past its timeout now and then,
//       one answering 500 now and then, one garbage now and then): every
//       response must be a 200 with one finite entry a query.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2.5); // each measurement

async function main() {
  const lib = await import('../dist/index.js');
  const { fakeRM, deadURL } = await import('../test/serve/fake-rm.mjs');
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

  console.log(`rewardfuse bench:serve — Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), loopback; ${SECONDS} s a measurement\n`);

  // (a) given scores
  const items = { items: [{ scores: Object.fromEntries(M.map((m, k) => [m, 0.3 * k - 0.5])) }] };
  const a = await withServer(modelFile, {}, async (url) => {
    const rows = [];
    await load(url, '/v1/fuse', items, 16, 0.5, checkFuse(1)); // warm-up
    for (const c of [1, 16, 64]) rows.push({ c, ...(await load(url, '/v1/fuse', items, c, SECONDS, checkFuse(1))) });
    return rows;
  });
  console.log('(a) POST /v1/fuse, one item with given scores (no upstreams)\n');
  table(['concurrency', 'req/s', 'p50 ms', 'p99 ms', 'bad'], a.map((r) => [r.c, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.bad]));

  // (b) four fake upstreams, 5 ms each
  const PROTOCOLS = ['vllm', 'tei', 'openrlhf', 'json'];
  const EXTRA = { json: { inputField: 'texts', scorePath: 'results.*.score' } };
  const rms = await Promise.all(M.map((m, k) => fakeRM(PROTOCOLS[k], k, { delayMs: 5, record: false })));
  const upstreams = Object.fromEntries(M.map((m, k) => [m, { type: PROTOCOLS[k], url: rms[k].url, ...EXTRA[PROTOCOLS[k]] }]));
  const batch = (n) => ({ query: Array.from({ length: n }, (_, i) => `User: question ${i}\nAssistant: answer ${i} ${'x'.repeat(200)}`), prompts: Array.from({ length: n }, (_, i) => `User: question ${i}\n`), labels: Array(n).fill(null) });
  const b = await withServer(modelFile, { upstreams }, async (url) => {
    const rows = [];
    await load(url, '/get_reward', batch(1), 16, 0.5, checkReward(1));
    for (const [n, c] of [[1, 1], [1, 16], [1, 64], [256, 1], [256, 4]]) rows.push({ n, c, ...(await load(url, '/get_reward', batch(n), c, SECONDS, checkReward(n))) });
    return rows;
  });
  const calls = rms.reduce((s, r) => s + r.count(), 0);
  await Promise.all(rms.map((r) => r.close()));
  console.log('\n(b) POST /get_reward, 4 fake upstreams (vLLM, TEI, OpenRLHF, JSON) answering in 5 ms;\n    overhead = latency − the time the request waited on its upstreams (the Server-Timing header)\n');
  table(['batch', 'concurrency', 'req/s', 'queries/s', 'p50 ms', 'p99 ms', 'overhead p50', 'overhead p99', 'bad'],
    b.map((r) => [r.n, r.c, r.rps.toFixed(0), (r.rps * r.n).toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.own50.toFixed(2), r.own99.toFixed(2), r.bad]));
  console.log(`  (${calls} upstream calls in all: concurrent samples are coalesced into batched calls)`);

  // (c) a fault mix
  const mix = [
    await fakeRM('tei', 1, { delayMs: 60, every: 4, record: false }), // every 4th call past the 25 ms timeout
    await fakeRM('openrlhf', 2, { fail: 1, failStatus: 500, every: 3, record: false }), // every 3rd a 500
    await fakeRM('json', 3, { garbage: 'shape', every: 5, record: false }), // every 5th garbage
  ];
  const faulty = {
    [M[0]]: { type: 'vllm', url: await deadURL() }, // down
    [M[1]]: { type: 'tei', url: mix[0].url },
    [M[2]]: { type: 'openrlhf', url: mix[1].url },
    [M[3]]: { type: 'json', url: mix[2].url, ...EXTRA.json },
  };
  const c = await withServer(modelFile, { upstreams: faulty, timeoutMs: 25, retries: 1, backoffMs: 2, breakerFailures: 1000 }, (url) => load(url, '/get_reward', batch(4), 32, SECONDS, checkReward(4)));
  await Promise.all(mix.map((r) => r.close()));
  console.log('\n(c) fault mix: one upstream down, one past its 25 ms timeout every 4th call, one 500 every 3rd, one garbage every 5th; batches of 4, concurrency 32\n');
  table(['requests', 'req/s', 'p50 ms', 'p99 ms', 'lost', 'malformed'], [[c.count, c.rps.toFixed(0), c.p50.toFixed(2), c.p99.toFixed(2), c.lost, c.bad]]);

  const single = a.find((r) => r.c === 16).rps, over64 = b.find((r) => r.n === 1 && r.c === 64).own99;
  console.log(`\ntargets: /v1/fuse single item ≥ 5000 req/s: ${single.toFixed(0)} ${single >= 5000 ? 'ok' : 'MISSED'}; ` +
    `p99 overhead at concurrency 64 < 5 ms: ${over64.toFixed(2)} ms ${over64 < 5 ? 'ok' : 'MISSED'}; ` +
    `no lost or malformed responses under faults: ${c.lost + c.bad} ${c.lost + c.bad === 0 ? 'ok' : 'MISSED'}`);
  console.log(`(${((performance.now() - t00) / 1000).toFixed(1)} s)`);
}

/** Start the server child with these options, run `f(url)`, stop it. */
async function withServer(modelFile, options, f) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server', modelFile, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => { out += c; const m = out.match(/"url":"([^"]+)"/); if (m) resolve(m[1]); });
      child.on('exit', (code) => reject(new Error(`the server exited ${code}`)));
    });
    return await f(url);
  } finally {
    child.kill();
  }
}

/** `c` clients posting `body` back to back for `seconds`; latency percentiles, and answers that fail `check`. */
async function load(url, path, body, c, seconds, check) {
  const agent = new Agent({ keepAlive: true, maxSockets: c });
  const data = Buffer.from(JSON.stringify(body));
  const { hostname, port } = new URL(url);
  const lat = [], own = [];
  let bad = 0, lost = 0;
  const end = performance.now() + seconds * 1000;
  const one = () => new Promise((resolve) => {
    const t0 = performance.now();
    const req = request({ hostname, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (x) => chunks.push(x));
      res.on('end', () => {
        const ms = performance.now() - t0;
        lat.push(ms);
        const waited = /upstreams;dur=([\d.]+)/.exec(res.headers['server-timing'] ?? '');
        if (waited) own.push(ms - Number(waited[1]));
        let ok = res.statusCode === 200;
        try {
          ok = ok && check(JSON.parse(Buffer.concat(chunks).toString()));
        } catch {
          ok = false;
        }
        if (!ok) bad++;
        resolve();
      });
    });
    req.on('error', () => { lost++; resolve(); });
    req.end(data);
  });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => { while (performance.now() < end) await one(); }));
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
  lat.sort((x, y) => x - y);
  own.sort((x, y) => x - y);
  return { count: lat.length + lost, rps: lat.length / wall, p50: q(lat, 0.5), p99: q(lat, 0.99), own50: q(own, 0.5), own99: q(own, 0.99), bad, lost };
}

const finite = (xs, n) => Array.isArray(xs) && xs.length === n && xs.every((x) => typeof x === 'number' && Number.isFinite(x));
const checkFuse = (n) => (j) => j.results?.length === n && j.results.every((r) => Number.isFinite(r.reward));
const checkReward = (n) => (j) => finite(j.rewards, n) && finite(j.scores, n) && ['uncertainty', 'models_missing', 'degraded', 'fallback'].every((k) => finite(j.extra_logs?.[k], n));

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((x, i) => (i ? String(x).padStart(w[i]) : String(x).padEnd(w[i]))).join(' | ')} |`;
  console.log([line(head), `|${w.map((x, i) => (i ? '-'.repeat(x + 1) + ':' : '-'.repeat(x + 2))).join('|')}|`, ...rows.map(line)].join('\n'));
}

if (process.argv[2] === '--server') {
  // the child: serve a model file with the options given, print the URL
  const lib = await import('../dist/index.js');
  const { serveNode, nodeFetch } = await import('../dist/cli/serve.js');
  const handler = lib.createHandler(lib.loadModel(readFileSync(process.argv[3], 'utf8')), { ...JSON.parse(process.argv[4]), fetch: nodeFetch });
  const s = await serveNode(handler, { host: '127.0.0.1', port: 0 });
  console.log(JSON.stringify({ url: s.url }));
} else {
  await main();
}
