// Fake reward-model servers on 127.0.0.1, one per protocol the server's
// adapters speak (vLLM /classify, TEI /predict, OpenRLHF /get_reward, a
// generic JSON POST), with faults on request: latency, 5xx for the first
// calls, garbage answers, or a port that refuses connections.
import { createServer } from 'node:http';

/** A deterministic score of a text for model `k`: FNV-1a, spread over about [-2, 2]. */
export function fakeScore(text, k) {
  let h = 0x811c9dc5 ^ Math.imul(k + 1, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % 4000) / 1000 - 2;
}

// protocol → [path, texts of a request, the answer to texts' scores]
export const PROTOCOLS = {
  vllm: ['/classify', (b) => b.input, (s, b) => ({
    id: 'classify-1', object: 'list', created: 1, model: b.model,
    // in reverse order: the adapter must place each by its index
    data: s.map((x, i) => ({ index: i, label: 'LABEL_0', probs: [x], num_classes: 1 })).reverse(),
    usage: { prompt_tokens: 1, total_tokens: 1, completion_tokens: 0, prompt_tokens_details: null },
  })],
  tei: ['/predict', (b) => b.inputs.map((x) => x.join('')), (s) => s.map((x) => [{ score: x, label: 'LABEL_0' }])],
  openrlhf: ['/get_reward', (b) => b.query, (s) => ({ rewards: s, scores: s, extra_logs: { dummy_scores: s } })],
  json: ['/score', (b) => b.texts.map((x) => (Array.isArray(x) ? x.join('') : x)), (s) => ({ results: s.map((score) => ({ score })) })],
};

/**
 * Start a fake RM. `k` picks its scores; options: delayMs (every call), hold
 * (no answer until release(), close, or 30 s: slower than any timeout under
 * test, and a broken timeout then fails its test rather than hanging it),
 * fail (answer `failStatus` to the first `fail` calls), garbage ('text' |
 * 'shape' | 'length'), every (faults only on every n-th call: a fault mix),
 * record (keep each call, default true), limit (most inputs a call: past it
 * TEI answers 422 as TEI does past its --max-client-batch-size, the others 413),
 * invalid (row → the bad score to answer for it, e.g. 'x', 1e300, null).
 * Returns {url, calls, sizes (inputs of each call), count(),
 * connections() (TCP connections accepted), close, set(options), release()}.
 */
export async function fakeRM(protocol, k, options = {}) {
  const [path, texts, answer] = PROTOCOLS[protocol];
  let o = { delayMs: 0, fail: 0, failStatus: 500, garbage: null, every: 0, record: true, ...options };
  const calls = [], sizes = [];
  let n = 0;
  let release;
  const held = new Promise((r) => (release = r));
  setTimeout(() => release(), 30_000).unref();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const call = { path: req.url, headers: req.headers, body: JSON.parse(body) };
      const no = ++n;
      if (o.record) calls.push(call);
      const fault = !o.every || no % o.every === 0;
      if (o.delayMs && (fault || !o.every)) await new Promise((r) => setTimeout(r, o.delayMs));
      if (o.hold && (fault || !o.every)) await held;
      if (res.destroyed) return;
      const send = (status, text) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (req.url !== path) return send(404, '{"detail":"Not Found"}');
      if (o.every ? fault && o.fail : no <= o.fail) return send(o.failStatus, '{"error":"overloaded"}');
      const xs = texts(call.body);
      sizes.push(xs.length);
      if (o.limit && xs.length > o.limit) {
        return protocol === 'tei'
          ? send(422, JSON.stringify({ error: `batch size ${xs.length} > maximum allowed batch size ${o.limit}`, error_type: 'Validation' }))
          : send(413, '{"error":"request too large"}');
      }
      const scores = xs.map((t, i) => (o.invalid && i in o.invalid ? o.invalid[i] : fakeScore(t, k)));
      if (o.every && !fault) return send(200, JSON.stringify(answer(scores, call.body)));
      if (o.garbage === 'text') return send(200, '<html>502 Bad Gateway</html>');
      if (o.garbage === 'shape') return send(200, JSON.stringify({ oops: scores }));
      if (o.garbage === 'length') return send(200, JSON.stringify(answer(scores.slice(1), call.body)));
      send(200, JSON.stringify(answer(scores, call.body)));
    });
  });
  // Node's default. Not less: a server that announces "Keep-Alive: timeout=1"
  // tells Node's agent not to reuse its connections, and every call would
  // then open a TCP connection, which no real RM server asks for.
  server.keepAliveTimeout = 5000;
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}${path}`;
  return {
    url,
    calls,
    sizes,
    count: () => n,
    connections: () => connections,
    set: (more) => (o = { ...o, ...more }),
    release: () => release(),
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); release(); }),
  };
}

/** A loopback URL where nothing listens: connections are refused. */
export async function deadURL(path = '/classify') {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}${path}`;
}
