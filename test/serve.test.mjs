// `rewardfuse serve`: the fetch handler behind node:http on 127.0.0.1, with
// fake reward-model servers (test/serve/fake-rm.mjs) speaking vLLM, TEI,
// OpenRLHF and generic JSON. The fused scores must equal the library's own;
// faults mask a model and never lose a request; bad input is a 4xx naming
// the field; and Deno, Bun and workerd serve /v1/fuse with the same bits.
import { suite } from 'uvu';
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/index.js';
import { nodeFetch } from '../dist/node/http-client.js';
import { serveNode } from '../dist/node/http-server.js';
import { deadURL, fakeRM, fakeScore } from './serve/fake-rm.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-serve-'));

// a small fusion model on the simulated ensemble: six models, three features
const sim = lib.simulateEnsemble({ prompts: 60, seed: 11 });
const pairs = lib.simPairs(sim, Array.from({ length: 40 }, (_, i) => i), 1);
const model = lib.trainFusion(pairs, { arch: 'gated', seed: 3, epochs: 15, ensemble: 2, hidden: [16] });
const MODEL_TEXT = lib.saveModel(model);
const MODEL_FILE = join(dir, 'model.json');
writeFileSync(MODEL_FILE, MODEL_TEXT);
const M = model.models, K = M.length;
// one protocol per model: every adapter is exercised, vLLM and TEI twice
const PROTOCOL = ['vllm', 'tei', 'openrlhf', 'json', 'vllm', 'tei'];
const EXTRA = { json: { inputField: 'texts', scorePath: 'results.*.score' }, tei: { input: 'pair' } };

const prompts = ['What is 2+2?', 'Write a haiku about rain.', 'Sort [3,1,2] in Python.'];
const responses = [' 4.', ' Rain taps the window.', ' sorted([3,1,2])'];

/** Start fake RMs (faults per model name) and a server over them; returns {url, rms, close}. */
async function start({ faults = {}, options = {}, only = M, fetch } = {}) {
  const rms = {};
  const upstreams = {};
  for (const name of only) {
    const k = M.indexOf(name), p = PROTOCOL[k];
    const f = faults[name];
    if (f === 'down') {
      upstreams[name] = { type: p, url: await deadURL(), ...EXTRA[p] };
      continue;
    }
    rms[name] = await fakeRM(p, k, f ?? {});
    upstreams[name] = { type: p, url: rms[name].url, ...EXTRA[p], ...f?.upstream }; // f.upstream: this upstream's own policy
  }
  // timeouts far past any answer on a busy machine: a test of timeouts sets its own on the slow upstream
  const handler = lib.createHandler(model, { upstreams, timeoutMs: 5000, backoffMs: 5, deadlineMs: 10000, breakerCooldownMs: 100, fetch, ...options });
  const server = await serveNode(handler, { port: 0 });
  return {
    url: server.url,
    rms,
    handler,
    close: async () => {
      await server.close();
      await Promise.all(Object.values(rms).map((r) => r.close()));
    },
  };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The library's own scores for rows of {model: score} (absent: no score). */
function expected(rows, feats = []) {
  const x = new Float32Array(rows.length * K).fill(NaN);
  rows.forEach((r, i) => M.forEach((m, k) => { if (r[m] !== undefined && r[m] !== null) x[i * K + k] = r[m]; }));
  const F = model.features.length;
  const f = new Float32Array(rows.length * F).fill(NaN);
  feats.forEach((r, i) => model.features.forEach((n, j) => { if (r?.[n] !== undefined) f[i * F + j] = r[n]; }));
  return model.score({ models: M, features: model.features, scores: x, feats: f, ids: rows.map((_, i) => i) });
}

/** What every fake RM says of each sample, minus the masked models. */
const fakeRows = (queries, masked = []) => queries.map((q) => Object.fromEntries(M.filter((m) => !masked.includes(m)).map((m) => [m, fakeScore(q, M.indexOf(m))])));
const queries = prompts.map((p, i) => p + responses[i]);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const openrlhfBody = { query: queries, prompts, labels: [null, null, null] };

// ---

const Protocol = suite('OpenRLHF /get_reward');

Protocol('answers the request OpenRLHF sends, in the shape it reads: one finite entry a query in every list', async () => {
  const s = await start();
  try {
    // OpenRLHF's aiohttp client: json= sets only the content type
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.is(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(Object.keys(r.json), ['rewards', 'scores', 'extra_logs']);
    assert.equal(Object.keys(r.json.extra_logs), ['uncertainty', 'models_missing', 'degraded', 'fallback']);
    for (const xs of [r.json.rewards, r.json.scores, ...Object.values(r.json.extra_logs)]) {
      assert.is(xs.length, 3);
      assert.ok(xs.every((x) => typeof x === 'number' && Number.isFinite(x)), JSON.stringify(xs));
    }
    const e = expected(fakeRows(queries));
    r.json.rewards.forEach((x, i) => assert.is(Math.fround(x), e.reward[i], `reward ${i}`));
    r.json.scores.forEach((x, i) => assert.ok(Math.abs(x - sigmoid(r.json.rewards[i])) < 1e-12, 'scores = σ(reward)'));
    assert.equal(r.json.extra_logs.models_missing, [0, 0, 0]);
    assert.equal(r.json.extra_logs.degraded, [0, 0, 0]);
    r.json.extra_logs.uncertainty.forEach((u, i) => assert.is(Math.fround(u), e.uncertainty[i]));
  } finally {
    await s.close();
  }
});

Protocol('speaks each upstream protocol: vLLM /classify, TEI /predict, OpenRLHF /get_reward, generic JSON', async () => {
  const s = await start();
  try {
    await post(`${s.url}/get_reward`, openrlhfBody);
    const [vllm, tei, orl, js] = M.slice(0, 4).map((m) => s.rms[m].calls);
    assert.is(vllm.length, 1, 'one batched call for three queries');
    assert.equal(vllm[0].body, { model: M[0], input: queries, use_activation: false });
    assert.equal(tei[0].body, { inputs: prompts.map((p, i) => [p, responses[i]]), raw_scores: true });
    assert.equal(orl[0].body, { query: queries, prompts, labels: [null, null, null] });
    assert.equal(js[0].body, { texts: queries });
    assert.is(vllm[0].headers['content-type'], 'application/json');
  } finally {
    await s.close();
  }
});

Protocol('Server-Timing: upstreams;dur is the wait from the first call sent to the last answer; total;dur (head read → answer written) holds it', async () => {
  const slow = Object.fromEntries(M.map((m) => [m, { delayMs: 40 }]));
  const s = await start({ faults: slow });
  try {
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.is(r.status, 200, r.text);
    const st = r.headers.get('server-timing');
    const up = Number(/upstreams;dur=([\d.]+)/.exec(st)?.[1]), total = Number(/total;dur=([\d.]+)/.exec(st)?.[1]);
    assert.ok(up >= 39, st); // at least the upstreams' 40 ms
    assert.ok(total >= up, st); // the server's whole time holds the wait (no bound on the rest: a busy machine's stalls are in it)
  } finally {
    await s.close();
  }
});

Protocol('Server-Timing: a request queued behind another\'s call (one call slot an upstream) is waiting on the upstreams from then', async () => {
  const slow = Object.fromEntries(M.map((m) => [m, { delayMs: 200 }]));
  const s = await start({ faults: slow, options: { concurrency: 1 } });
  try {
    const first = post(`${s.url}/get_reward`, openrlhfBody);
    while (M.some((m) => s.rms[m].count() < 1)) await new Promise((r) => setTimeout(r, 2)); // the first request's calls are out
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    await first;
    assert.is(r.status, 200, r.text);
    const st = r.headers.get('server-timing');
    const up = Number(/upstreams;dur=([\d.]+)/.exec(st)?.[1]), total = Number(/total;dur=([\d.]+)/.exec(st)?.[1]);
    // queued for the slot (what is left of the first call's 200 ms), then its own 200 ms: counted from its own call only, it would be about 200
    assert.ok(up >= 250, `queued for the slot, then its own call: ${st}`);
    assert.ok(total >= up, st);
  } finally {
    await s.close();
  }
});

Protocol('an empty batch (OpenRLHF shards queries over replicas, so some get none) is answered with empty lists', async () => {
  const s = await start();
  try {
    const r = await post(`${s.url}/get_reward`, { query: [], prompts: [], labels: [] });
    assert.is(r.status, 200, r.text);
    assert.equal(r.json, { rewards: [], scores: [], extra_logs: { uncertainty: [], models_missing: [], degraded: [], fallback: [] } });
  } finally {
    await s.close();
  }
});

Protocol.run();

// ---

const Fusion = suite('fan-out and fusion equal the library');

Fusion('/v1/fuse samples: per-model scores are the RMs\', the fused scores the library\'s, bit for bit', async () => {
  const s = await start();
  try {
    const r = await post(`${s.url}/v1/fuse`, { samples: prompts.map((prompt, i) => ({ id: `s${i}`, prompt, response: responses[i] })) });
    assert.is(r.status, 200, r.text);
    assert.equal(r.json.models, M);
    const e = expected(fakeRows(queries));
    r.json.results.forEach((x, i) => {
      assert.is(x.id, `s${i}`);
      assert.is(x.status, 'ok');
      assert.equal(x.missing, []);
      assert.is(Math.fround(x.reward), e.reward[i]);
      assert.is(Math.fround(x.uncertainty), e.uncertainty[i]);
      assert.is(Math.fround(x.conservative), e.conservative[i]);
      M.forEach((m, k) => assert.is(Math.fround(x.scores[m]), Math.fround(fakeScore(queries[i], k)), m));
      M.forEach((m, k) => assert.is(Math.fround(x.weights[m]), e.weights[i * K + k]));
    });
  } finally {
    await s.close();
  }
});

Fusion('/v1/fuse items: the caller\'s scores, nulls and features; nothing fanned out', async () => {
  const handler = lib.createHandler(model, {});
  const server = await serveNode(handler, { port: 0 });
  try {
    const items = [
      { scores: { careful: 1.2, 'verbose-fan': -0.3, 'keyword-counter': 0.4, 'big-scale': 12, 'math-expert': 0.1, 'code-expert': -1 }, features: { 'domain:math': 1, 'domain:code': 0, 'domain:chat': 0 } },
      { scores: { careful: 0.5, 'big-scale': null } },
      { scores: {} },
    ];
    const r = await post(`${server.url}/v1/fuse`, { items });
    assert.is(r.status, 200, r.text);
    const e = expected(items.map((it) => it.scores), items.map((it) => it.features));
    assert.equal(r.json.results.map((x) => x.status), ['ok', 'degraded', 'unscored']);
    for (const i of [0, 1]) {
      assert.is(Math.fround(r.json.results[i].reward), e.reward[i]);
      assert.is(Math.fround(r.json.results[i].uncertainty), e.uncertainty[i]);
    }
    assert.equal(r.json.results[1].missing, ['verbose-fan', 'keyword-counter', 'big-scale', 'math-expert', 'code-expert']);
    assert.is(r.json.results[2].reward, null, 'below the quorum: null');
  } finally {
    await server.close();
  }
});

Fusion('concurrent samples are coalesced into batched calls, within each upstream\'s concurrency limit', async () => {
  const s = await start({ options: { concurrency: 1 }, faults: Object.fromEntries(M.map((m) => [m, { delayMs: 50 }])) });
  try {
    const rs = await Promise.all(queries.concat(queries, queries, queries).map((q, i) => post(`${s.url}/get_reward`, { query: [q], prompts: [prompts[i % 3]] })));
    assert.ok(rs.every((r) => r.status === 200 && r.json.extra_logs.degraded[0] === 0));
    for (const m of M) {
      const calls = s.rms[m].calls;
      assert.is(calls.reduce((n, c) => n + (c.body.input ?? c.body.inputs ?? c.body.query ?? c.body.texts).length, 0), 12, `${m}: every sample once`);
      assert.ok(calls.length < 12 && calls.length >= 2, `${m}: ${calls.length} calls for 12 samples`);
    }
  } finally {
    await s.close();
  }
});

Fusion('requests answered in the same turn are fused in one call of the model, every row with the bits it has alone', async () => {
  // one upstream batch a model (concurrency 1, slow) completes all twelve requests at once
  const s = await start({ options: { concurrency: 1 }, faults: Object.fromEntries(M.map((m) => [m, { delayMs: 50 }])) });
  const calls = [];
  const scoreAligned = model.scoreAligned;
  model.scoreAligned = function (x, f, rows) {
    calls.push(rows);
    return scoreAligned.call(this, x, f, rows);
  };
  try {
    const qs = Array.from({ length: 12 }, (_, i) => `${prompts[i % 3]} answer ${i}`);
    const rs = await Promise.all(qs.map((q, i) => post(`${s.url}/get_reward`, { query: [q], prompts: [prompts[i % 3]] })));
    assert.ok(calls.some((n) => n > 1), `rows a call of the model: ${calls}`);
    assert.is(calls.reduce((a, b) => a + b, 0), 12);
    rs.forEach((r, i) => {
      const alone = expected(fakeRows([qs[i]]));
      assert.is(Math.fround(r.json.rewards[0]), alone.reward[0], `request ${i}`);
      assert.is(Math.fround(r.json.extra_logs.uncertainty[0]), alone.uncertainty[0], `request ${i}`);
    });
  } finally {
    model.scoreAligned = scoreAligned;
    await s.close();
  }
});

Fusion('a joined call that fails is scored request by request: only the request with the bad row fails', async () => {
  const { FusionBatch } = await import('../dist/serve/fusion-batch.js');
  // a model whose score of a row is its first value, and that refuses a row of 666
  const fake = {
    models: ['a'], features: [],
    scoreAligned(x, f, rows) {
      if (x.includes(666)) throw new Error('row 0: not finite');
      return { reward: x.slice(0, rows), uncertainty: new Float32Array(rows), conservative: x.slice(0, rows) };
    },
  };
  const b = new FusionBatch(fake);
  const [one, bad, two] = await Promise.all([1, 666, 2].map((v) => b.score(Float32Array.of(v), new Float32Array(0), 1)));
  assert.equal([...one.reward], [1]);
  assert.ok(bad instanceof Error);
  assert.equal([...two.reward], [2]);
  const [p, q] = await Promise.all([Float32Array.of(3, 4), Float32Array.of(5)].map((x) => b.score(x, new Float32Array(0), x.length)));
  assert.equal([...p.reward, ...q.reward], [3, 4, 5], 'joined, then split back in order');
});

Fusion.run();

// ---

/** /get_reward and /v1/fuse samples, with the fused scores checked against the library with `masked` hidden. */
async function checkMasked(s, masked) {
  const r = await post(`${s.url}/get_reward`, openrlhfBody);
  assert.is(r.status, 200, r.text);
  const e = expected(fakeRows(queries, masked));
  r.json.rewards.forEach((x, i) => assert.is(Math.fround(x), e.reward[i], `reward ${i} with ${masked} masked`));
  assert.equal(r.json.extra_logs.models_missing, [masked.length, masked.length, masked.length]);
  assert.equal(r.json.extra_logs.degraded, masked.length ? [1, 1, 1] : [0, 0, 0]);
  const f = await post(`${s.url}/v1/fuse`, { samples: [{ prompt: prompts[0], response: responses[0] }] });
  assert.is(f.json.results[0].status, masked.length ? 'degraded' : 'ok');
  assert.equal(f.json.results[0].missing, masked);
  return r;
}

const metric = async (url, line) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.split('\n').find((l) => l.startsWith(line + ' '));
  return m ? Number(m.slice(line.length + 1)) : 0;
};

for (const [label, fetchImpl] of [['fetch', undefined], ['the CLI\'s nodeFetch', nodeFetch]]) {
  const Faults = suite(`faults (upstreams through ${label}): a model that does not answer is masked; every request is answered`);

  Faults('no fault: upstream connections are kept alive, not one a call', async () => {
    const s = await start({ fetch: fetchImpl });
    try {
      for (let i = 0; i < 10; i++) await checkMasked(s, []);
      for (const m of M) assert.ok(s.rms[m].connections() <= 2, `${m}: ${s.rms[m].connections()} connections for ${s.rms[m].count()} calls`);
    } finally {
      await s.close();
    }
  });

  Faults('one upstream down (connection refused): masked, retried, counted', async () => {
    const s = await start({ fetch: fetchImpl, faults: { 'big-scale': 'down' } });
    try {
      await checkMasked(s, ['big-scale']);
      assert.ok(await metric(s.url, 'rewardfuse_upstream_errors_total{upstream="big-scale",kind="connect"}') >= 3, 'the first call and its two retries');
      assert.ok(await metric(s.url, 'rewardfuse_upstream_retries_total{upstream="big-scale"}') >= 2);
    } finally {
      await s.close();
    }
  });

  Faults('one upstream slower than its timeout: masked, and the answer comes in about the timeout', async () => {
    // no deadline: only the call's timeout can answer the request (broken, it gets the answer held back for 30 s, and fails)
    const s = await start({ fetch: fetchImpl, faults: { careful: { hold: true, upstream: { timeoutMs: 300 } } }, options: { retries: 0, deadlineMs: 2 ** 31 - 1 } });
    try {
      await checkMasked(s, ['careful']); // masked: answered on its timeout, while careful holds its answer back
      assert.ok(await metric(s.url, 'rewardfuse_upstream_timeouts_total{upstream="careful"}') >= 1);
    } finally {
      await s.close();
    }
  });

  Faults('one upstream answering 500, then 200: the retry gets the score', async () => {
    const s = await start({ fetch: fetchImpl, faults: { 'keyword-counter': { fail: 1 } } });
    try {
      await checkMasked(s, []);
      assert.is(s.rms['keyword-counter'].calls.length, 3, 'a 500, its retry, then the /v1/fuse call');
      assert.is(await metric(s.url, 'rewardfuse_upstream_errors_total{upstream="keyword-counter",kind="http_5xx"}'), 1);
    } finally {
      await s.close();
    }
  });

  Faults('429 is retried; 4xx is not', async () => {
    const s = await start({ fetch: fetchImpl, faults: { careful: { fail: 1, failStatus: 429 }, 'math-expert': { fail: 9, failStatus: 400 } } });
    try {
      await checkMasked(s, ['math-expert']);
      assert.is(s.rms['math-expert'].calls.length, 2, 'no retry of a 400: one call a request');
    } finally {
      await s.close();
    }
  });

  for (const garbage of ['text', 'shape', 'length']) {
    Faults(`one upstream answering garbage (${garbage}): masked, never a crash, not retried`, async () => {
      const s = await start({ fetch: fetchImpl, faults: { 'verbose-fan': { garbage } } });
      try {
        await checkMasked(s, ['verbose-fan']);
        assert.is(s.rms['verbose-fan'].calls.length, 2);
        assert.is(await metric(s.url, 'rewardfuse_upstream_errors_total{upstream="verbose-fan",kind="bad_answer"}'), 2);
      } finally {
        await s.close();
      }
    });
  }

  Faults('all upstreams down: /get_reward answers 200 with the fallback and degraded = 1; /v1/fuse with null', async () => {
    const s = await start({ fetch: fetchImpl, faults: Object.fromEntries(M.map((m) => [m, 'down'])), options: { fallbackReward: -1, retries: 0 } });
    try {
      const r = await post(`${s.url}/get_reward`, openrlhfBody);
      assert.is(r.status, 200);
      assert.equal(r.json.rewards, [-1, -1, -1]);
      r.json.scores.forEach((x) => assert.ok(Math.abs(x - sigmoid(-1)) < 1e-12));
      assert.equal(r.json.extra_logs, { uncertainty: [0, 0, 0], models_missing: [6, 6, 6], degraded: [1, 1, 1], fallback: [1, 1, 1] });
      const f = await post(`${s.url}/v1/fuse`, { samples: [{ prompt: 'a', response: 'b' }] });
      assert.is(f.status, 200);
      assert.is(f.json.results[0].status, 'unscored');
      assert.is(f.json.results[0].reward, null);
    } finally {
      await s.close();
    }
  });

  Faults('below the quorum (minModels): the fallback, though some models answered', async () => {
    const down = M.slice(0, 4);
    const s = await start({ fetch: fetchImpl, faults: Object.fromEntries(down.map((m) => [m, 'down'])), options: { minModels: 3, fallbackReward: 0.25, retries: 0 } });
    try {
      const r = await post(`${s.url}/get_reward`, openrlhfBody);
      assert.equal(r.json.rewards, [0.25, 0.25, 0.25]);
      assert.equal(r.json.extra_logs.models_missing, [4, 4, 4]);
      assert.equal(r.json.extra_logs.fallback, [1, 1, 1]);
    } finally {
      await s.close();
    }
  });

  Faults('the request deadline: an upstream slower than the deadline is masked and the request answered on time', async () => {
    // its own call never times out: only the deadline can answer the request (broken, it gets the answer held back for 30 s, and fails)
    const s = await start({ fetch: fetchImpl, faults: { 'code-expert': { hold: true, upstream: { timeoutMs: 2 ** 31 - 1 } } }, options: { deadlineMs: 400 } });
    try {
      await checkMasked(s, ['code-expert']); // masked: answered at its deadline, while code-expert holds its answer back
      assert.ok(await metric(s.url, 'rewardfuse_masked_rows_total{upstream="code-expert",reason="timeout"}') >= 3);
    } finally {
      await s.close();
    }
  });

  Faults('the circuit breaker opens after failures in a row, masks without calling, probes after its cooldown, and closes', async () => {
    const s = await start({ fetch: fetchImpl, faults: { careful: { fail: 3 } }, options: { retries: 0, breakerFailures: 3, breakerCooldownMs: 100 } });
    try {
      for (let i = 0; i < 3; i++) await post(`${s.url}/get_reward`, openrlhfBody);
      assert.is(s.rms.careful.calls.length, 3);
      assert.is((await (await fetch(`${s.url}/health`)).json()).upstreams.careful.breaker, 'open');
      assert.is(await metric(s.url, 'rewardfuse_upstream_breaker_state{upstream="careful"}'), 1);
      await checkMasked(s, ['careful']); // open: masked, no call
      assert.is(s.rms.careful.calls.length, 3);
      await new Promise((r) => setTimeout(r, 120));
      assert.is((await (await fetch(`${s.url}/health`)).json()).upstreams.careful.breaker, 'half-open');
      await checkMasked(s, []); // the probe succeeds
      assert.is((await (await fetch(`${s.url}/health`)).json()).upstreams.careful.breaker, 'closed');
    } finally {
      await s.close();
    }
  });

  Faults('a mixed storm of faults: every request answered 200 with finite numbers', async () => {
    const s = await start({ fetch: fetchImpl,
      faults: { careful: 'down', 'verbose-fan': { hold: true, upstream: { timeoutMs: 200 } }, 'keyword-counter': { fail: 4 }, 'big-scale': { garbage: 'shape' } },
      options: { retries: 1 },
    });
    try {
      const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`${s.url}/get_reward`, { query: [queries[i % 3], `q${i}`], prompts: [prompts[i % 3], ''] })));
      for (const r of rs) {
        assert.is(r.status, 200, r.text);
        assert.is(r.json.rewards.length, 2);
        assert.ok([...r.json.rewards, ...r.json.scores, ...Object.values(r.json.extra_logs).flat()].every(Number.isFinite));
      }
      assert.is(await metric(s.url, 'rewardfuse_requests_total{route="get_reward",code="200"}'), 40);
    } finally {
      await s.close();
    }
  });

  Faults.run();
}

// ---

const Batches = suite('batches each RM accepts: TEI\'s 32 by default; a call refused as too large is split, not masked');

/** n queries of their own, and what every model says of them */
const manyQueries = (n) => Array.from({ length: n }, (_, i) => `User: question ${i}\nAssistant: answer ${i}`);

async function allModels(s, n) {
  const qs = manyQueries(n);
  const r = await post(`${s.url}/get_reward`, { query: qs });
  assert.is(r.status, 200, r.text);
  const e = expected(fakeRows(qs));
  assert.equal(r.json.extra_logs.models_missing, Array(n).fill(0), `batch ${n}: a model masked`);
  r.json.rewards.forEach((x, i) => assert.is(Math.fround(x), e.reward[i], `batch ${n}, reward ${i}`));
}

Batches('fake TEIs that refuse more than 32 inputs (as TEI does by default) and a vLLM that refuses over 100 (413): batches of 1, 64 and 300 get every model', async () => {
  const faults = Object.fromEntries(M.map((m, k) => [m, PROTOCOL[k] === 'tei' ? { limit: 32 } : PROTOCOL[k] === 'vllm' ? { limit: 100 } : {}]));
  const s = await start({ faults, options: { deadlineMs: 20000, timeoutMs: 5000 } });
  try {
    await allModels(s, 1);
    // batch-1 requests at once are coalesced: up to every request's sample in one call
    const qs = manyQueries(80);
    const ones = await Promise.all(qs.map((q) => post(`${s.url}/get_reward`, { query: [q] })));
    const e = expected(fakeRows(qs));
    ones.forEach((r, i) => {
      assert.equal(r.json.extra_logs.models_missing, [0], `request ${i}: a model masked`);
      assert.is(Math.fround(r.json.rewards[0]), e.reward[i]);
    });
    await allModels(s, 64);
    await allModels(s, 300);
    for (const m of M) {
      if (PROTOCOL[M.indexOf(m)] === 'tei') assert.ok(Math.max(...s.rms[m].sizes) <= 32, `${m}: TEI's default batch is 32, sent ${Math.max(...s.rms[m].sizes)}`);
    }
    // the vLLMs' default (256) is over their limit here: split, and later calls kept under the size refused
    assert.ok(await metric(s.url, 'rewardfuse_upstream_splits_total{upstream="careful"}') >= 1);
    // halved until accepted (256, then 128s, then 64s); the next batch of 300 goes at the size learnt, refused no more
    const sizes = s.rms.careful.sizes, before = sizes.length;
    await allModels(s, 300);
    assert.ok(sizes.slice(before).every((n) => n <= 100), `after the splits: ${sizes.slice(before)}`);
    for (const m of M) for (const reason of ['missing', 'invalid', 'timeout', 'error']) assert.is(await metric(s.url, `rewardfuse_masked_rows_total{upstream="${m}",reason="${reason}"}`), 0, `${m} ${reason}`);
  } finally {
    await s.close();
  }
});

Batches('a maxBatch set over TEI\'s limit: the 422 splits the call and the limit it names is kept; a 422 of another kind, and a refused single input, mask the model', async () => {
  const tei = M[PROTOCOL.indexOf('tei')];
  const rm = await fakeRM('tei', M.indexOf(tei), { limit: 32 });
  const handler = lib.createHandler(model, { upstreams: { [tei]: { type: 'tei', url: rm.url, input: 'pair', maxBatch: 200 } }, deadlineMs: 20000 });
  const server = await serveNode(handler, { port: 0 });
  try {
    const qs = manyQueries(150);
    const r = await post(`${server.url}/get_reward`, { query: qs });
    assert.equal(r.json.extra_logs.models_missing, Array(150).fill(K - 1));
    // refused once, then sent in pieces of the 32 TEI named
    assert.is(rm.sizes[0], 150);
    assert.equal(rm.sizes.slice(1).sort((a, b) => a - b), [22, 32, 32, 32, 32]); // sent at once: in any order
    rm.sizes.length = 0;
    await post(`${server.url}/get_reward`, { query: qs });
    assert.ok(Math.max(...rm.sizes) <= 32, `${rm.sizes}`);
    assert.is(await metric(server.url, `rewardfuse_masked_rows_total{upstream="${tei}",reason="error"}`), 0);
    // one input refused as too large: nothing to split, masked as an error
    rm.set({ limit: 0.5 });
    const one = await post(`${server.url}/get_reward`, { query: ['x'] });
    assert.equal(one.json.extra_logs.models_missing, [K]);
    assert.is(await metric(server.url, `rewardfuse_masked_rows_total{upstream="${tei}",reason="error"}`), 1);
  } finally {
    await server.close();
    await rm.close();
  }
});

Batches.run();

const Masks = suite('masked rows counted by reason in /metrics, per upstream');

Masks('missing, invalid (a string, 1e300, null), timeout (a call; the deadline\'s in "the request deadline"), error', async () => {
  const [vllm, tei, orl] = ['vllm', 'tei', 'openrlhf'].map((p) => M[PROTOCOL.indexOf(p)]);
  const s = await start({
    only: [vllm, tei, orl],
    faults: { [vllm]: { invalid: { 0: 'x', 1: 1e300, 2: null } }, [tei]: { fail: 100, failStatus: 400 }, [orl]: { hold: true, upstream: { timeoutMs: 300 } } },
    options: { retries: 0 },
  });
  try {
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.equal(r.json.extra_logs.models_missing, [K, K, K]);
    const count = (m, reason) => metric(s.url, `rewardfuse_masked_rows_total{upstream="${m}",reason="${reason}"}`);
    assert.is(await count(vllm, 'invalid'), 3);
    assert.is(await count(tei, 'error'), 3);
    assert.is(await count(orl, 'timeout'), 3, 'its call timed out: it holds its answer back');
    // missing: a json RM whose answer lacks a score for a row
    const js = M[PROTOCOL.indexOf('json')];
    const rm = await fakeRM('json', M.indexOf(js));
    const h = lib.createHandler(model, { upstreams: { [js]: { type: 'json', url: rm.url, inputField: 'texts', scorePath: 'results.*.nope' } } });
    const server = await serveNode(h, { port: 0 });
    try {
      await post(`${server.url}/get_reward`, openrlhfBody);
      assert.is(await metric(server.url, `rewardfuse_masked_rows_total{upstream="${js}",reason="missing"}`), 3);
    } finally {
      await server.close();
      await rm.close();
    }
  } finally {
    await s.close();
  }
});

Masks.run();

const Gate = suite('cross-site and rebinding: JSON only (415), allowed origins only (403), loopback Host names on a loopback bind (403)');

Gate('a text/plain, form or untyped POST gets 415 and is not read; +json types pass', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', null]) {
      const res = await fetch(`${server.url}/v1/fuse`, { method: 'POST', headers: ct ? { 'content-type': ct } : {}, body: ct ? fuseBody : new Uint8Array(Buffer.from(fuseBody)) });
      assert.is(res.status, 415, `${ct}`);
      assert.is((await res.json()).field, 'content-type');
    }
    for (const ct of ['application/json', 'Application/JSON; charset=utf-8', 'application/vnd.api+json']) {
      assert.is((await post(`${server.url}/v1/fuse`, fuseBody, { 'content-type': ct })).status, 200, ct);
    }
  } finally {
    await server.close();
  }
});

Gate('Origin: refused unless allowed (403, before the token and the route); an allowed one gets CORS headers and its preflight', async () => {
  const closed = await serveNode(lib.createHandler(model, { token: 't' }), { port: 0 });
  const open = await serveNode(lib.createHandler(model, { allowOrigins: ['https://app.example'] }), { port: 0 });
  try {
    for (const path of ['/v1/fuse', '/get_reward', '/health']) {
      const r = await post(`${closed.url}${path}`, fuseBody, { origin: 'https://evil.example' });
      assert.is(r.status, 403, path);
      assert.is(r.json.field, 'origin');
    }
    assert.is((await post(`${open.url}/v1/fuse`, fuseBody, { origin: 'https://evil.example' })).status, 403);
    const ok = await post(`${open.url}/v1/fuse`, fuseBody, { origin: 'https://app.example' });
    assert.is(ok.status, 200);
    assert.is(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const pre = await fetch(`${open.url}/v1/fuse`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.is(pre.status, 204);
    assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
    assert.is(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    // no Origin (curl, Python, OpenRLHF): as before
    assert.is((await post(`${open.url}/v1/fuse`, fuseBody)).status, 200);
  } finally {
    await closed.close();
    await open.close();
  }
});

Gate('allowHosts: a Host that is not loopback (a rebound DNS name) gets 403; loopback names and the names allowed pass', async () => {
  const server = await serveNode(lib.createHandler(model, { allowHosts: ['rm.internal'] }), { port: 0 });
  const { port } = new URL(server.url);
  try {
    const withHost = (host) => wire(server.url, [`POST /v1/fuse HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${fuseBody.length}\r\n\r\n${fuseBody}`]);
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', '10.0.0.1']) {
      const r = await withHost(host);
      assert.is(r.answers[0]?.status, 403, host);
      assert.is(JSON.parse(r.answers[0].body).field, 'host');
    }
    for (const host of [`127.0.0.1:${port}`, 'localhost', `LOCALHOST:${port}`, `[::1]:${port}`, 'rm.internal', `RM.internal:${port}`, '127.1.2.3']) {
      assert.is((await withHost(host)).answers[0]?.status, 200, host);
    }
  } finally {
    await server.close();
  }
});

Gate.run();

const Client = suite('the CLI\'s upstream client (nodeFetch over kept-alive sockets): HTTP/1.1 as servers send it');

/** A raw TCP server: `reply(requestText, n)` gives the bytes to write back for the n-th request (from 1), or null to close. */
async function rawServer(reply) {
  let n = 0, connections = 0;
  const socks = new Set();
  const server = createNetServer((sock) => {
    connections++;
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const text = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        const out = reply(text, ++n);
        if (out === null) return void sock.destroy();
        for (const piece of [].concat(out)) sock.write(piece);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/score?x=1`, connections: () => connections, count: () => n, close: () => new Promise((r) => { server.close(() => r()); for (const x of socks) x.destroy(); }) };
}

const call = async (url, body = '{"a":1}', headers = { 'content-type': 'application/json' }) => {
  const r = await nodeFetch(url, { method: 'POST', headers, body, signal: new AbortController().signal });
  return { ok: r.ok, status: r.status, text: await r.text() };
};
async function rejects(f, re) {
  try {
    await f();
  } catch (e) {
    assert.match(e.message, re);
    return;
  }
  assert.unreachable(`no error; expected ${re}`);
}
const ok = (body, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

Client('the request: one POST with its path, Host, headers and UTF-8 body; the answer by Content-Length, in pieces; the socket reused', async () => {
  const seen = [];
  const s = await rawServer((text) => {
    seen.push(text);
    const a = ok('{"rewards":[1.5]}');
    return [a.slice(0, 7), a.slice(7, 40), a.slice(40)];
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await call(s.url, '{"q":"é ✓"}', { 'content-type': 'application/json', authorization: 'Bearer t' }), { ok: true, status: 200, text: '{"rewards":[1.5]}' });
    assert.is(s.connections(), 1);
    const [head, body] = seen[0].split('\r\n\r\n');
    assert.is(head.split('\r\n')[0], 'POST /score?x=1 HTTP/1.1');
    assert.ok(head.includes(`\r\nhost: 127.0.0.1:${new URL(s.url).port}`) && head.includes('\r\nauthorization: Bearer t') && head.includes('\r\ncontent-length: 14'), head);
    assert.is(body, '{"q":"é ✓"}'.replace(/[^\x00-\x7f]/g, (c) => Buffer.from(c).toString('latin1')));
  } finally {
    await s.close();
  }
});

Client('chunked answers (with extensions and trailers), 100 Continue before the answer, 204, and a 500\'s body', async () => {
  const answers = [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"rew\r\nc\r\nards":[2.5]}\r\n0\r\nx-trailer: 1\r\n\r\n',
    'HTTP/1.1 100 Continue\r\n\r\n' + ok('[3]'),
    'HTTP/1.1 204 No Content\r\n\r\n',
    ok('{"error":"x"}').replace('200 OK', '500 Internal Server Error'),
  ];
  const s = await rawServer((_, n) => answers[n - 1]);
  try {
    assert.equal(await call(s.url), { ok: true, status: 200, text: '{"rewards":[2.5]}' });
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[3]' });
    assert.equal(await call(s.url), { ok: true, status: 204, text: '' });
    assert.equal(await call(s.url), { ok: false, status: 500, text: '{"error":"x"}' });
    assert.is(s.connections(), 1);
  } finally {
    await s.close();
  }
});

Client('Connection: close, an answer that runs to the close, and Keep-Alive: timeout=1: a new socket for the next call', async () => {
  const answers = [ok('[1]', 'connection: close\r\n'), ok('[3]', 'keep-alive: timeout=1\r\n'), ok('[4]')];
  let conns = 0;
  const s = await rawServer((_, n) => answers[n - 1]);
  // the answer that runs to the close needs its server to close: a server of its own
  const toClose = createNetServer((sock) => sock.once('data', () => { conns++; sock.end('HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n[2]'); }));
  await new Promise((r) => toClose.listen(0, '127.0.0.1', r));
  try {
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[1]' });
    assert.equal(await call(`http://127.0.0.1:${toClose.address().port}/`), { ok: true, status: 200, text: '[2]' });
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[3]' });
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[4]' });
    assert.is(s.connections(), 3, 'a new socket after the close, and after timeout=1');
    assert.is(conns, 1);
  } finally {
    await s.close();
    await new Promise((r) => toClose.close(r));
  }
});

Client('a kept socket the server closed while idle: the call goes again on a new one; garbage and a cut-off answer fail', async () => {
  const s = await rawServer((_, n) => (n === 2 ? null : ok(`[${n}]`)));
  try {
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[1]' });
    // the second request reaches the kept socket, which the server then closes without an answer: retried once, on a new socket
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[3]' });
    assert.is(s.connections(), 2);
  } finally {
    await s.close();
  }
  const g = await rawServer(() => 'SSH-2.0-OpenSSH\r\n\r\n');
  const cut = createNetServer((sock) => sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n[1')));
  await new Promise((r) => cut.listen(0, '127.0.0.1', r));
  try {
    await rejects(() => call(g.url), /not an HTTP\/1 answer/);
    await rejects(() => call(`http://127.0.0.1:${cut.address().port}/`), /cut off/);
    const dead = await deadURL();
    await rejects(() => call(dead), /ECONNREFUSED/);
  } finally {
    await g.close();
    await new Promise((r) => cut.close(r));
  }
});

Client('a malformed answer fails the call at once (no wait for a timeout): bare LF, NUL, \\v, a space before the colon, folding, Content-Length with chunked', async () => {
  const bad = [
    ['HTTP/1.1 200 OK\ncontent-length: 3\n\n[1]', /bare LF/],
    ['HTTP/1.1 200 OK\r\ncontent-type: application/json\ncontent-length: 3\r\n\r\n[1]', /bare LF/],
    ['HTTP/1.1 200 OK\r\nx-a: b\0c\r\ncontent-length: 3\r\n\r\n[1]', /control byte/],
    ['HTTP/1.1 200 OK\r\ncontent-length: \v3\r\n\r\n[1]', /control byte/],
    ['HTTP/1.1 200 OK\r\ncontent-length : 3\r\n\r\n[1]', /malformed header line/],
    ['HTTP/1.1 200 OK\r\nx-a: 1\r\n folded: 2\r\ncontent-length: 3\r\n\r\n[1]', /malformed header line/],
    ['HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\n[1]\r\n0\r\n\r\n', /both Content-Length and Transfer-Encoding/],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\n[1]\r\n0\r\n\r\n', /bare LF/],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\f3\r\n[1]\r\n0\r\n\r\n', /malformed chunk size/],
  ];
  // the server writes the answer and keeps the socket open: only the parser can end the call
  const s = await rawServer((_, n) => Buffer.from(bad[n - 1][0], 'latin1'));
  try {
    for (const [answer, re] of bad) {
      // a signal that never aborts: a call that waited would hang the test
      const p = nodeFetch(s.url, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal });
      await rejects(() => p, re);
      assert.ok(answer);
    }
    assert.is(s.count(), bad.length);
  } finally {
    await s.close();
  }
});

Client('an abort (the call\'s timeout) ends the call and its socket; the next call works', async () => {
  const s = await rawServer((_, n) => (n === 1 ? [] : ok('[2]')));
  try {
    const ac = new AbortController();
    const p = nodeFetch(s.url, { method: 'POST', headers: {}, body: '{}', signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    await rejects(() => p, /aborted/);
    assert.equal(await call(s.url), { ok: true, status: 200, text: '[2]' });
    assert.is(s.connections(), 2);
  } finally {
    await s.close();
  }
});

Client.run();

// ---

const Input = suite('bad client input: a 4xx with a JSON error naming the field');

Input('malformed JSON, wrong types, lists of different lengths, too big, unknown routes and methods', async () => {
  const s = await start({ options: { maxBodyBytes: 2048, maxItems: 10 } });
  try {
    const cases = [
      ['/get_reward', '{"query": ["a"', 400, 'body'],
      ['/get_reward', '', 400, 'body'],
      ['/get_reward', '[1, 2]', 400, 'body'],
      ['/get_reward', { prompts: ['a'] }, 400, 'query'],
      ['/get_reward', { query: 'a' }, 400, 'query'],
      ['/get_reward', { query: ['a', 7] }, 400, 'query[1]'],
      ['/get_reward', { query: ['a', 'b'], prompts: ['a'] }, 400, 'prompts'],
      ['/get_reward', { query: ['a'], prompts: ['a'], labels: [1, 2] }, 400, 'labels'],
      ['/get_reward', { query: Array(11).fill('a') }, 413, 'query'],
      ['/get_reward', { query: ['x'.repeat(3000)] }, 413, 'body'],
      ['/v1/fuse', {}, 400, 'items'],
      ['/v1/fuse', { items: [], samples: [] }, 400, 'samples'],
      ['/v1/fuse', { items: {} }, 400, 'items'],
      ['/v1/fuse', { items: [7] }, 400, 'items[0]'],
      ['/v1/fuse', { items: [{ scores: [] }] }, 400, 'items[0].scores'],
      ['/v1/fuse', { items: [{ scores: { careful: '1.5' } }] }, 400, 'items[0].scores.careful'],
      ['/v1/fuse', { items: [{ scores: { careful: 1e39 } }] }, 400, 'items[0].scores.careful'],
      ['/v1/fuse', { items: [{ scores: { mystery: 1 } }] }, 400, 'items[0].scores.mystery'],
      ['/v1/fuse', { items: [{ scores: { careful: 1 }, features: { 'domain:math': true } }] }, 400, 'items[0].features.domain:math'],
      ['/v1/fuse', { samples: [{ prompt: 'a' }] }, 400, 'samples[0].response'],
      ['/v1/nope', {}, 404, 'path'],
    ];
    for (const [path, body, status, field] of cases) {
      const r = await post(s.url + path, body);
      assert.is(r.status, status, `${path} ${JSON.stringify(body).slice(0, 60)}: ${r.text}`);
      assert.is(r.json.field, field, r.text);
      assert.match(r.json.error, field === 'body' ? /^body: / : new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
    }
    const get = await fetch(`${s.url}/get_reward`);
    assert.is(get.status, 405);
    assert.is(get.headers.get('allow'), 'POST');
    assert.is((await get.json()).field, 'method');
    const health = await fetch(`${s.url}/health`, { method: 'POST', body: '{}' });
    assert.is(health.status, 405);
    // a chunked body past the limit (no Content-Length to refuse it by)
    const chunked = await new Promise((resolve, reject) => {
      const req = httpRequest(`${s.url}/get_reward`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(t) }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.is(chunked.status, 413);
    assert.is(chunked.json.field, 'body');
    // still serving
    assert.is((await post(`${s.url}/get_reward`, openrlhfBody)).status, 200);
  } finally {
    await s.close();
  }
});

Input('samples with no upstreams configured: 503 naming the upstreams', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    const r = await post(`${server.url}/get_reward`, openrlhfBody);
    assert.is(r.status, 503);
    assert.is(r.json.field, 'upstreams');
  } finally {
    await server.close();
  }
});

Input('bad options fail when the handler is built, naming the field', () => {
  const bad = [
    [{ upstreams: { mystery: { type: 'vllm', url: 'http://127.0.0.1:1' } } }, /^upstreams\.mystery: "mystery" is not a model/],
    [{ upstreams: { careful: { type: 'grpc', url: 'http://127.0.0.1:1' } } }, /^upstreams\.careful\.type: /],
    [{ upstreams: { careful: { type: 'vllm', url: 'nope' } } }, /^upstreams\.careful\.url: /],
    [{ upstreams: { careful: { type: 'vllm', url: 'http://127.0.0.1:1', input: 'pair' } } }, /^upstreams\.careful\.input: /],
    [{ upstreams: { careful: { type: 'json', url: 'http://127.0.0.1:1' } } }, /^upstreams\.careful\.scorePath: /],
    [{ upstreams: { careful: { type: 'tei', url: 'http://127.0.0.1:1', timeout: 5 } } }, /^upstreams\.careful\.timeout: unknown field/],
    [{ minModels: 7 }, /^minModels: /],
    [{ timeoutMs: -1 }, /^timeoutMs: /],
    [{ moreMetrics: 'process' }, /^moreMetrics: expected a function/],
    // unknown options and wrong types, named
    [{ minModel: 2 }, /^minModel: unknown option \(did you mean minModels\?\)/],
    [{ deadlinems: 5 }, /^deadlinems: unknown option \(did you mean deadlineMs\?\)/],
    [{ token: 5 }, /^token: expected a non-empty string/],
    [{ allowOrigins: 'https://a.example' }, /^allowOrigins: expected a list of strings/],
    [{ allowOrigins: ['https://a.example/path'] }, /^allowOrigins\[0\]: not an origin/],
    [{ allowHosts: [''] }, /^allowHosts\[0\]: expected a non-empty string/],
    // timers: whole ms within what a timer holds (2^31 − 1: a longer one fires at once)
    [{ deadlineMs: 2 ** 31 }, /^deadlineMs: expected 1…2147483647, got 2147483648/],
    [{ timeoutMs: 1e12 }, /^timeoutMs: expected 1…2147483647/],
    [{ breakerCooldownMs: Infinity }, /^breakerCooldownMs: expected a number, got Infinity/],
    [{ backoffMs: 2.5 }, /^backoffMs: expected a whole number/],
    [{ upstreams: { careful: { type: 'vllm', url: 'http://127.0.0.1:1', timeoutMs: 2 ** 32 } } }, /^upstreams\.careful\.timeoutMs: expected 1…2147483647/],
    [{ batchWaitMs: NaN }, /^batchWaitMs: expected a number, got NaN/],
    [{ fetch: 'agent' }, /^fetch: expected a function/],
  ];
  for (const [o, re] of bad) assert.throws(() => lib.createHandler(model, o), (e) => re.test(e.message), JSON.stringify(o));
  for (const [m, re] of [[null, /^model: expected a fusion model .*got null/], [{}, /^model: expected a fusion model .*an object without/], [undefined, /^model: expected a fusion model .*got undefined/]]) {
    assert.throws(() => lib.createHandler(m), (e) => re.test(e.message) && !(e instanceof TypeError), String(m));
  }
  assert.throws(() => lib.createHandler(model, null), (e) => /^options: expected an object, got null/.test(e.message));
});

Input('a deadline at the limit of a timer is kept: the request waits for its upstream, not the fallback at once', async () => {
  const s = await start({ only: [M[0]], options: { deadlineMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1 }, faults: { [M[0]]: { delayMs: 30 } } });
  try {
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.equal(r.json.extra_logs.fallback, [0, 0, 0]);
    assert.equal(r.json.extra_logs.models_missing, [K - 1, K - 1, K - 1]);
  } finally {
    await s.close();
  }
});

Input.run();

// ---

const Token = suite('the token');

Token('with --token, requests need it (Bearer header or ?token=); GET /health does not', async () => {
  const s = await start({ options: { token: 's3cret' } });
  try {
    const none = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.is(none.status, 401);
    assert.is(none.json.field, 'authorization');
    assert.is(none.headers.get('www-authenticate'), 'Bearer');
    assert.is((await post(`${s.url}/get_reward`, openrlhfBody, { authorization: 'Bearer wrong' })).status, 401);
    assert.is((await post(`${s.url}/get_reward`, openrlhfBody, { authorization: 'Bearer s3cret' })).status, 200);
    // OpenRLHF sends no headers: the token rides in the URL
    assert.is((await post(`${s.url}/get_reward?token=s3cret`, openrlhfBody)).status, 200);
    assert.is((await post(`${s.url}/nowhere`, {})).status, 401, 'routes are not revealed without the token');
    assert.is((await fetch(`${s.url}/metrics`)).status, 401);
    assert.is((await fetch(`${s.url}/health`)).status, 200);
  } finally {
    await s.close();
  }
});

Token.run();

// ---

const Wire = suite('serveNode: HTTP/1.1 on the socket');

/** Write `pieces` to the server (a pause between them), read until `n` answers have come or the server closes; the answers, and whether it closed. */
async function wire(url, pieces, n = 1, bodiless = []) {
  const { hostname, port } = new URL(url);
  const sock = connect({ host: hostname, port: Number(port) });
  let raw = Buffer.alloc(0), closed = false;
  sock.on('data', (d) => (raw = Buffer.concat([raw, d])));
  sock.on('error', () => {});
  const ended = new Promise((r) => sock.on('close', () => { closed = true; r(); }));
  await new Promise((r) => sock.on('connect', r));
  for (const p of pieces) {
    sock.write(p);
    await new Promise((r) => setTimeout(r, 20));
  }
  const answers = () => {
    const out = [];
    let at = 0;
    while (at < raw.length) {
      const end = raw.indexOf('\r\n\r\n', at);
      if (end < 0) break;
      const head = raw.toString('latin1', at, end);
      const interim = / 1\d\d /.test(head.split('\r\n')[0]);
      // node:http's own answers (a missing Host, an unknown expectation) have an empty chunked body
      const len = interim || bodiless.includes(out.length) ? 0 : /\r\ntransfer-encoding: chunked/i.test(head) ? 5 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (raw.length < end + 4 + len) break;
      out.push({ status: Number(head.split(' ')[1]), head, body: raw.toString('utf8', end + 4, end + 4 + len) });
      at = end + 4 + len;
    }
    return out;
  };
  const t0 = performance.now();
  while (answers().filter((a) => a.status >= 200).length < n && !closed && performance.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
  await Promise.race([ended, new Promise((r) => setTimeout(r, 100))]);
  sock.destroy();
  return { answers: answers(), closed, rest: raw.length };
}

const fuseBody = JSON.stringify({ items: [{ scores: { [M[0]]: 0.5 } }] });
const postReq = (path, body, extra = '', version = '1.1') => `POST ${path} HTTP/${version}\r\nHost: x\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

Wire('keep-alive and pipelining: two requests in one write, answered in order on the same connection; a request in pieces', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    const r = await wire(server.url, [postReq('/v1/fuse', fuseBody) + 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'], 2);
    assert.equal(r.answers.map((a) => a.status), [200, 200]);
    assert.ok(JSON.parse(r.answers[0].body).results && JSON.parse(r.answers[1].body).status, r.answers.map((a) => a.body).join('\n'));
    assert.not.ok(r.closed);
    assert.match(r.answers[0].head, /\r\nserver-timing: total;dur=[\d.]+\r\n/);
    assert.match(r.answers[0].head, /\r\ndate: \w{3}, \d\d \w{3} \d{4} /i);
    const whole = postReq('/v1/fuse', fuseBody);
    const pieces = await wire(server.url, [whole.slice(0, 10), whole.slice(10, 60), whole.slice(60, whole.length - 5), whole.slice(whole.length - 5)]);
    assert.equal(pieces.answers.map((a) => a.status), [200]);
    const big = postReq('/v1/fuse', JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => ({ id: i, scores: { [M[0]]: i / 3000 } })) }));
    const many = await wire(server.url, [big.slice(0, 1000), big.slice(1000, 50000), big.slice(50000, 120000), big.slice(120000)]);
    assert.equal(many.answers.map((a) => a.status), [200]);
    assert.is(JSON.parse(many.answers[0].body).results[2999].id, 2999);
    // a chunked body, in pieces
    const chunked = await wire(server.url, [`POST /v1/fuse HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${(10).toString(16)}\r\n${fuseBody.slice(0, 10)}\r\n`, `${(fuseBody.length - 10).toString(16)};x=y\r\n${fuseBody.slice(10)}\r\n0\r\n\r\n`]);
    assert.equal(chunked.answers.map((a) => a.status), [200], chunked.answers[0]?.body);
    const headFirst = await wire(server.url, ['POST /v1/fuse HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n', `${fuseBody.length.toString(16)}\r\n${fuseBody}\r\n0\r\n\r\n`]);
    assert.equal(headFirst.answers.map((a) => a.status), [200], headFirst.answers[0]?.body);
  } finally {
    await server.close();
  }
});

Wire('HTTP/1.0 closes unless kept alive; Expect: 100-continue; HEAD has no body', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    // n = 2: read until the close event (a second answer never comes), so closing is awaited, not given 100 ms
    const ten = await wire(server.url, [postReq('/v1/fuse', fuseBody, '', '1.0')], 2);
    assert.equal(ten.answers.map((a) => a.status), [200]);
    assert.ok(ten.closed, 'HTTP/1.0: closed after the answer');
    const kept = await wire(server.url, [postReq('/v1/fuse', fuseBody, 'connection: keep-alive\r\n', '1.0')]);
    assert.match(kept.answers[0].head, /\r\nconnection: keep-alive/i);
    assert.not.ok(kept.closed);
    const head = postReq('/v1/fuse', fuseBody, 'expect: 100-continue\r\n');
    const cont = await wire(server.url, [head.slice(0, head.indexOf('\r\n\r\n') + 4), fuseBody], 1);
    assert.equal(cont.answers.map((a) => a.status), [100, 200]);
    const h = await wire(server.url, ['HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n'], 2, [0]);
    assert.equal(h.answers.map((a) => a.status), [405, 200], 'HEAD is not GET here: 405, with no body; then the next answer');
  } finally {
    await server.close();
  }
});

Wire('a malformed request: answered as node:http answers it (llhttp\'s 400, 431 or 417), with a JSON error where the server writes one, and closed; the server serves on', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    const head = 'POST /v1/fuse HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n';
    const then = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'; // a second request in the same bytes: never answered
    const cases = [
      // RFC 9112 allows only SP and HTAB around a field value: \v, \f and \xa0 make these invalid, not "chunked" or "2"
      [`${head}transfer-encoding: \vchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n${then}`, 400, 'HPE_INVALID_HEADER_TOKEN'],
      [`${head}transfer-encoding: chunked\xa0\r\n\r\n2\r\n{}\r\n0\r\n\r\n${then}`, 400, 'HPE_INVALID_TRANSFER_ENCODING'],
      [`${head}content-length: \f2\r\n\r\n{}${then}`, 400, 'HPE_INVALID_CONTENT_LENGTH'],
      // bare LF line ends: refused at once, not waited on
      [`POST /v1/fuse HTTP/1.1\nHost: x\ncontent-type: application/json\ncontent-length: ${fuseBody.length}\n\n${fuseBody}`, 400, 'HPE_'],
      ['GARBAGE\r\n\r\n', 400, 'HPE_INVALID_METHOD'],
      [`${head}content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${then}`, 400, 'HPE_INVALID_TRANSFER_ENCODING'],
      [`${head}content-length: 2\r\ncontent-length: 3\r\n\r\n{}`, 400, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
      [`${head}content-length: -1\r\n\r\n`, 400, 'HPE_INVALID_CONTENT_LENGTH'],
      [`${head}bad header\r\n\r\n`, 400, 'HPE_'],
      [`${head} folded: no\r\n\r\n`, 400, 'HPE_'],
      [`${head}x-big: ${'a'.repeat(20000)}\r\n\r\n`, 431, 'HPE_HEADER_OVERFLOW'],
      [`${head}transfer-encoding: chunked\r\n\r\nzz\r\n`, 400, 'HPE_INVALID_CHUNK_SIZE'],
    ];
    for (const [req, status, code] of cases) {
      const r = await wire(server.url, [req], 2);
      const what = JSON.stringify(req.slice(0, 90));
      assert.equal(r.answers.map((a) => a.status), [status], `${what}: ${r.answers.map((a) => a.head).join(' | ')}`);
      assert.ok(r.closed, `${what}: closed`);
      const body = JSON.parse(r.answers[0].body);
      assert.is(body.field, 'request');
      assert.ok(body.error.includes(code), `${what}: ${body.error}`);
    }
    // node:http's own answers, with no body of ours: a missing Host (400, closed), an unknown expectation (417)
    const noHost = await wire(server.url, ['POST /v1/fuse HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}'], 2); // until the close event
    assert.equal(noHost.answers.map((a) => a.status), [400]);
    assert.ok(noHost.closed);
    const expect = await wire(server.url, [`${head}expect: 200-ok\r\ncontent-length: 2\r\n\r\n{}`]);
    assert.equal(expect.answers.map((a) => a.status), [417]);
    assert.is((await post(`${server.url}/v1/fuse`, fuseBody)).status, 200);
  } finally {
    await server.close();
  }
});

Wire('a client that leaves before its answer: no crash, the others are served', async () => {
  const s = await start({ faults: { careful: { delayMs: 100 } } });
  try {
    const { hostname, port } = new URL(s.url);
    const gone = connect({ host: hostname, port: Number(port) });
    gone.on('error', () => {});
    gone.write(postReq('/get_reward', JSON.stringify(openrlhfBody)));
    await new Promise((r) => setTimeout(r, 20));
    gone.destroy();
    const half = connect({ host: hostname, port: Number(port) });
    half.on('error', () => {});
    const whole = postReq('/get_reward', JSON.stringify(openrlhfBody));
    half.write(whole.slice(0, whole.indexOf('\r\n\r\n') + 10)); // the head, and a body that never ends
    await new Promise((r) => setTimeout(r, 20));
    half.destroy();
    // the request whose body never came ends (counted as a 400), not left waiting in flight
    let ended = 0;
    for (let i = 0; i < 300 && !ended; i++) {
      ended = await metric(s.url, 'rewardfuse_requests_total{route="get_reward",code="400"}');
      if (!ended) await new Promise((r) => setTimeout(r, 10));
    }
    assert.is(ended, 1);
    const r = await post(`${s.url}/get_reward`, openrlhfBody);
    assert.is(r.status, 200);
    // a client that sends its request and closes its side (shutdown) still gets the answer
    const answer = await new Promise((resolve) => {
      const half = connect({ host: hostname, port: Number(port) });
      let t = '';
      half.on('data', (d) => (t += d));
      half.on('close', () => resolve(t));
      half.end(postReq('/get_reward', JSON.stringify(openrlhfBody)));
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/); // and the server closed after it (the promise resolved on 'close')
  } finally {
    await s.close();
  }
});

Wire('close(): idle kept-alive connections go at once; a request in flight is answered first', async () => {
  const s = await start({ faults: { careful: { delayMs: 150 } } });
  const { hostname, port } = new URL(s.url);
  const idle = connect({ host: hostname, port: Number(port) });
  idle.on('error', () => {});
  await new Promise((r) => idle.on('connect', r));
  const order = [];
  const idleClosed = new Promise((r) => idle.on('close', () => r(order.push('idle closed'))));
  const busy = connect({ host: hostname, port: Number(port) });
  let answer = '';
  busy.on('data', (d) => (answer += d) && order.push('answer'));
  const busyClosed = new Promise((r) => busy.on('close', r));
  busy.write(postReq('/get_reward', JSON.stringify(openrlhfBody)));
  while (s.rms.careful.count() < 1) await new Promise((r) => setTimeout(r, 5)); // the request is in flight: its slow call is out
  await s.close();
  await Promise.all([idleClosed, busyClosed]);
  assert.is(order[0], 'idle closed', 'the idle connection went at once, before the answer in flight');
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(answer, /\r\nconnection: close\r\n/i);
});

Wire('fuzzed bytes: every answer well formed, the connection closed after the client\'s end, the server still serving', async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  const { hostname, port } = new URL(server.url);
  /** write the bytes, end our side; what came back, and whether the server closed (the close event; 5 s is only the bound on a server that never does) */
  const send = (bytes) => new Promise((resolve) => {
    const sock = connect({ host: hostname, port: Number(port) });
    let raw = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve({ raw, closed: false }); }, 5000);
    sock.on('data', (d) => (raw = Buffer.concat([raw, d])));
    sock.on('error', () => {});
    sock.on('close', () => { clearTimeout(timer); resolve({ raw, closed: true }); });
    sock.on('connect', () => sock.end(bytes));
  });
  // answers back to back: a status line, headers, then exactly content-length bytes (or none for 1xx)
  const wellFormed = (raw) => {
    let at = 0;
    while (at < raw.length) {
      const end = raw.indexOf('\r\n\r\n', at);
      if (end < 0) return false;
      const head = raw.toString('latin1', at, end);
      const status = /^HTTP\/1\.1 (\d{3}) [^\r\n]*(\r\n[!#$%&'*+.^\w`|~-]+: [^\r\n]*)*$/.exec(head);
      if (!status || +status[1] < 100 || +status[1] > 599) return false;
      // node:http's own answers (a missing Host, an unknown expectation) are chunked and empty
      const chunked = /\r\ntransfer-encoding: chunked/i.test(head) ? '0\r\n\r\n' : null;
      const len = +status[1] < 200 ? 0 : chunked ? chunked.length : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      if (!(len >= 0) || raw.length < end + 4 + len || (chunked && raw.toString('latin1', end + 4, end + 4 + len) !== chunked)) return false;
      at = end + 4 + len;
    }
    return true;
  };
  const valid = postReq('/v1/fuse', fuseBody);
  const chunked = `POST /v1/fuse HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n${fuseBody.length.toString(16)}\r\n${fuseBody}\r\n0\r\n\r\n`;
  const alphabet = ['\r', '\n', '\r\n', ':', ' ', '\t', '0', '9', 'f', 'x', '\u0000', '\u00ff', 'content-length: 5\r\n', 'transfer-encoding: chunked\r\n', 'expect: 100-continue\r\n', 'HTTP/1.0', 'GET / HTTP/1.1\r\n\r\n'];
  const mutated = fc.tuple(fc.constantFrom(valid, chunked, valid + valid, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 4 }))
    .map(([text, edits]) => {
      for (const [where, cut, insert] of edits) {
        const at = where % (text.length + 1);
        text = text.slice(0, at) + insert + text.slice(at + cut);
      }
      return Buffer.from(text, 'latin1');
    });
  const bytes = fc.oneof({ weight: 4, arbitrary: mutated }, fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)));
  try {
    await fc.assert(fc.asyncProperty(bytes, async (b) => {
      const r = await send(b);
      assert.ok(r.closed, `still open 5 s after the client's end, for ${JSON.stringify(b.toString('latin1'))}`);
      assert.ok(wellFormed(r.raw), `malformed answer ${JSON.stringify(r.raw.toString('latin1'))} to ${JSON.stringify(b.toString('latin1'))}`);
    }), { seed: 20261127, numRuns: 150 });
    const after = await wire(server.url, [valid]);
    assert.equal(after.answers.map((a) => a.status), [200]);
  } finally {
    await server.close();
  }
});

Wire.run();

const Ops = suite('/health and /metrics');

Ops('/metrics is Prometheus text: requests, a latency histogram, upstream errors, timeouts, breaker state', async () => {
  const s = await start({ faults: { careful: 'down' }, options: { retries: 0 } });
  try {
    await post(`${s.url}/get_reward`, openrlhfBody);
    const res = await fetch(`${s.url}/metrics`);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const l of [
      '# TYPE rewardfuse_requests_total counter',
      'rewardfuse_requests_total{route="get_reward",code="200"} 1',
      '# TYPE rewardfuse_request_duration_seconds histogram',
      'rewardfuse_request_duration_seconds_bucket{route="get_reward",le="+Inf"} 1',
      'rewardfuse_request_duration_seconds_count{route="get_reward"} 1',
      'rewardfuse_upstream_errors_total{upstream="careful",kind="connect"} 1',
      '# TYPE rewardfuse_upstream_timeouts_total counter',
      'rewardfuse_upstream_breaker_state{upstream="careful"} 0',
      'rewardfuse_items_total{route="get_reward",status="degraded"} 3',
    ]) assert.ok(text.includes(l + '\n') || text.includes(l), `missing: ${l}`);
    for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\w.]+)$/, line);
    const h = await (await fetch(`${s.url}/health`)).json();
    assert.is(h.status, 'ok');
    assert.equal(h.models, M);
    assert.equal(Object.keys(h.upstreams), M);
  } finally {
    await s.close();
  }
});

Ops('moreMetrics: its text follows the handler\'s at every scrape', async () => {
  let scrapes = 0;
  const server = await serveNode(lib.createHandler(model, { moreMetrics: () => `# TYPE extra_scrapes_total counter\nextra_scrapes_total ${++scrapes}\n` }), { port: 0 });
  try {
    for (const n of [1, 2]) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.ok(text.endsWith(`\n# TYPE extra_scrapes_total counter\nextra_scrapes_total ${n}\n`), text.slice(-200));
      assert.ok(text.includes('# TYPE rewardfuse_requests_total counter'));
    }
  } finally {
    await server.close();
  }
});

Ops.run();

// ---

const Cli = suite('rewardfuse serve (the command)');

const BIN = join(ROOT, 'dist/cli/main.js');

Cli('binds 127.0.0.1 by default, serves, and stops on SIGTERM', async () => {
  const rms = await Promise.all(M.map((m, k) => fakeRM(PROTOCOL[k], k)));
  const cfg = join(dir, 'upstreams.json');
  writeFileSync(cfg, JSON.stringify({ upstreams: Object.fromEntries(M.map((m, k) => [m, { type: PROTOCOL[k], url: rms[k].url, ...EXTRA[PROTOCOL[k]] }])), timeoutMs: 500 }));
  const child = spawn(process.execPath, [BIN, 'serve', MODEL_FILE, '--upstreams', cfg, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '', err = '';
      child.stdout.on('data', (c) => { out += c; if (out.includes('\n')) resolve(out.split('\n')[0]); });
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const url = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    assert.ok(url, line);
    const r = await post(`${url}/get_reward`, openrlhfBody);
    assert.is(r.status, 200, r.text);
    const e = expected(fakeRows(queries));
    r.json.rewards.forEach((x, i) => assert.is(Math.fround(x), e.reward[i]));
    // /metrics: the handler's series, then the process's
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\w.]+)$/, line);
    const value = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
    assert.is(value('rewardfuse_requests_total\\{route="get_reward",code="200"\\}'), 1);
    assert.ok(value('process_cpu_seconds_total') > 0 && Math.abs(value('process_cpu_seconds_total') - value('process_cpu_user_seconds_total') - value('process_cpu_system_seconds_total')) < 1e-9, text);
    assert.ok(value('process_resident_memory_bytes') > 10e6);
    assert.ok(value('nodejs_heap_size_used_bytes') > 0 && value('nodejs_heap_size_used_bytes') <= value('nodejs_heap_size_total_bytes'));
    assert.ok(Math.abs(value('process_start_time_seconds') - Date.now() / 1000) < 600);
    assert.is(value(`nodejs_version_info\\{version="${process.version}"\\}`), 1);
    assert.match(text, /^nodejs_gc_duration_seconds_count\{kind="minor"\} \d+$/m);
    const code = await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
    assert.is(code, 0);
  } finally {
    child.kill();
    await Promise.all(rms.map((r) => r.close()));
  }
});

Cli('"listening on" only once bound with its signal handlers; a Host not loopback gets 403; SIGTERM answers every request in flight, then exits 0', async () => {
  const rm = await fakeRM(PROTOCOL[0], 0, { delayMs: 300 });
  const cfg = join(dir, 'slow-upstreams.json');
  writeFileSync(cfg, JSON.stringify({ upstreams: { [M[0]]: { type: PROTOCOL[0], url: rm.url } } }));
  const child = spawn(process.execPath, [BIN, 'serve', MODEL_FILE, '--upstreams', cfg, '--port', '0', '--allow-host', 'rm.internal'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => { out += c; const m = out.match(/listening on (http:\/\/[^ ]+)/); if (m) resolve(m[1]); });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const r = await wire(url, [`GET /health HTTP/1.1\r\nHost: attacker.example\r\n\r\nGET /health HTTP/1.1\r\nHost: rm.internal\r\n\r\n`], 2);
    assert.equal(r.answers.map((a) => a.status), [403, 200]);
    // 8 requests waiting on the slow upstream when SIGTERM comes: each answered in full
    const inFlight = Array.from({ length: 8 }, (_, i) => post(`${url}/get_reward`, { query: [`q${i}`] }));
    while (rm.sizes.reduce((a, b) => a + b, 0) < 8) await new Promise((r) => setTimeout(r, 5)); // every sample has reached the RM
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    assert.equal(answers.map((a) => a.status), Array(8).fill(200));
    assert.equal(answers.map((a) => a.json.extra_logs.models_missing[0]), Array(8).fill(K - 1), 'the slow upstream\'s score arrived');
    assert.equal(await exited, { code: 0, signal: null });
  } finally {
    child.kill('SIGKILL');
    await rm.close();
  }
});

Cli('a SIGTERM sent the moment "listening on" is read: a graceful stop (exit 0), not a kill by the signal', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', MODEL_FILE, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const exit = await new Promise((resolve) => {
      let out = '';
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.stdout.on('data', (c) => { out += c; if (out.includes('listening on')) child.kill('SIGTERM'); });
    });
    assert.equal(exit, { code: 0, signal: null });
  } finally {
    child.kill('SIGKILL');
  }
});

Cli('a --host it cannot listen on: only the "cannot listen" line; flags of a wrong type or unknown are refused by name', () => {
  // 203.0.113.1 (TEST-NET-3) is no address of this machine: EADDRNOTAVAIL, and not loopback (no "without --token" warning first)
  const r = spawnSync(process.execPath, [BIN, 'serve', MODEL_FILE, '--host', '203.0.113.1', '--port', '0'], { encoding: 'utf8', timeout: 20000 });
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^rewardfuse serve: no --upstreams: [^\n]*\nrewardfuse: cannot listen on 203\.0\.113\.1:0 \(\w+\)\n$/);
  for (const [args, re] of [
    [['--deadline-ms', '1.5'], /--deadline-ms takes a whole number/],
    [['--deadline-ms', '3000000000'], /--deadline-ms: expected 1…2147483647, got 3000000000/],
    [['--allow-orign', 'https://a.example'], /unknown option --allow-orign/],
    [['--allow-origin', 'https://a.example/x'], /--allow-origin: not an origin/],
    [['--allow-host', 'a,,b'], /--allow-host takes names separated by commas/],
  ]) {
    const u = spawnSync(process.execPath, [BIN, 'serve', MODEL_FILE, ...args], { encoding: 'utf8', timeout: 20000 });
    assert.is(u.status, 2, `${args}: ${u.stderr}`);
    assert.match(u.stderr, re);
  }
});

Cli('a bad upstreams file exits 1 with one line naming the file and the field', () => {
  const cfg = join(dir, 'bad-upstreams.json');
  writeFileSync(cfg, JSON.stringify({ upstreams: { careful: { type: 'vllm', url: 'http://127.0.0.1:1', retries: -1 } } }));
  const r = spawnSync(process.execPath, [BIN, 'serve', MODEL_FILE, '--upstreams', cfg, '--port', '0'], { encoding: 'utf8', timeout: 20000 });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^rewardfuse: .*bad-upstreams\.json: field "upstreams\.careful\.retries": expected 0…1000, got -1\n$/);
  const u = spawnSync(process.execPath, [BIN, 'serve', MODEL_FILE, '--min-models', '9'], { encoding: 'utf8', timeout: 20000 });
  assert.is(u.status, 2, u.stderr);
  assert.match(u.stderr, /--min-models: expected 1…6, got 9/);
});

Cli.run();

// ---

const Examples = suite('examples/serve');

Examples('upstreams.json is a valid config for a model of the simulated ensemble', () => {
  const cfg = JSON.parse(readFileSync(join(ROOT, 'examples/serve/upstreams.json'), 'utf8'));
  lib.createHandler(model, cfg);
});

Examples('the verl compute_score (single and batched) and the TRL async reward_func get the server\'s fused rewards', async () => {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return console.log('  (no python3: skipped)');
  const s = await start();
  try {
    const script = `
import asyncio, json, sys
sys.path.insert(0, 'examples/serve')
import verl_reward, trl_reward
p, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
one = verl_reward.compute_score('demo', r[0], None, {'prompt': p[0]})
batch = verl_reward.compute_score_batch(['demo'] * len(p), r, [None] * len(p), [{'prompt': x} for x in p])
trl = asyncio.run(trl_reward.fused_reward(p, [[{'role': 'assistant', 'content': x}] for x in r]))
print(json.dumps({'one': one, 'batch': batch, 'trl': trl}))`;
    const out = await new Promise((resolve, reject) => {
      const child = spawn('python3', ['-c', script, JSON.stringify(prompts), JSON.stringify(responses)], { cwd: ROOT, env: { ...process.env, REWARDFUSE_URL: s.url } });
      let o = '', e = '';
      child.stdout.on('data', (c) => (o += c));
      child.stderr.on('data', (c) => (e += c));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(o)) : reject(new Error(e))));
    });
    const e = expected(fakeRows(queries));
    assert.equal(Object.keys(out.one), ['score', 'uncertainty', 'models_missing', 'degraded']);
    assert.is(Math.fround(out.one.score), e.reward[0]);
    out.batch.forEach((b, i) => assert.is(Math.fround(b.score), e.reward[i]));
    out.trl.forEach((x, i) => assert.is(Math.fround(x), e.reward[i]));
  } finally {
    await s.close();
  }
});

Examples.run();

// ---

const Edge = suite('the same handler under Deno, Bun and workerd: /v1/fuse with given scores');

const ITEMS = [
  { id: 'a', scores: { careful: 1.2, 'verbose-fan': -0.3, 'keyword-counter': 0.4, 'big-scale': 12, 'math-expert': 0.1, 'code-expert': -1 } },
  { id: 'b', scores: { careful: -0.5, 'big-scale': null, 'code-expert': 2 }, features: { 'domain:code': 1 } },
];
const nodeAnswer = async () => {
  const server = await serveNode(lib.createHandler(model, {}), { port: 0 });
  try {
    return (await post(`${server.url}/v1/fuse`, { items: ITEMS })).json;
  } finally {
    await server.close();
  }
};

/** Run test/edge/serve.mjs in a runtime; it prints its URL; post to it; stop it. */
async function runtime(cmd, args) {
  const bin = join(ROOT, 'node_modules', '.bin', cmd);
  if (!existsSync(bin)) throw new Error(`${bin} is missing (npm ci installs it)`);
  // its own process group: the .bin launcher starts the runtime as a child of its own, and both must go
  const child = spawn(bin, [...args, join(ROOT, 'test/edge/serve.mjs'), MODEL_FILE], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '', err = '';
      const timer = setTimeout(() => reject(new Error(`${cmd}: no URL after 60 s: ${err}`)), 60000);
      child.stdout.on('data', (c) => { out += c; const m = out.match(/"url":"([^"]+)"/); if (m) { clearTimeout(timer); resolve(m[1]); } });
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
    });
    assert.match(new URL(url).hostname, /^127\.0\.0\.1$/);
    return (await post(`${url}/v1/fuse`, { items: ITEMS })).json;
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

Edge('Deno.serve', async () => assert.equal(await runtime('deno', ['run', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', '--quiet']), await nodeAnswer()));
Edge('Bun.serve', async () => assert.equal(await runtime('bun', ['run']), await nodeAnswer()));

Edge('workerd (a Worker, through miniflare)', async () => {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(ROOT, 'test/edge/serve-worker.mjs'),
    modulesRoot: ROOT,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }, { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    compatibilityDate: '2025-01-01',
    bindings: { MODEL: MODEL_TEXT },
  });
  try {
    const url = await mf.ready;
    assert.equal((await post(new URL('/v1/fuse', url).href, { items: ITEMS })).json, await nodeAnswer());
    assert.is((await post(new URL('/get_reward', url).href, openrlhfBody)).status, 503, 'no upstreams in this worker');
  } finally {
    await mf.dispose();
  }
});

Edge.run();
