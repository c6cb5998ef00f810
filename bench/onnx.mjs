// npm run bench:onnx — the same fused model and the same items, scored by
// rewardfuse itself (FusionModel.score), by its ONNX export in
// onnxruntime-node (native CPU) and in onnxruntime-web (wasm SIMD, one
// thread), in one process: medians of single calls on 1 item and on 1,024.
// Start-up (import + init + loadModel, or import + InferenceSession.create,
// then the first call) is timed in fresh processes. Bundle sizes are the bytes
// an edge user ships. The outputs are checked to agree (1e-5 relative) first.
// Prints a markdown table and writes bench/onnx-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/index.js');
const ORT_WEB = join(ROOT, 'node_modules/onnxruntime-web/dist');

// ---- a child: one cold start, timed from before the first import ----
if (process.argv[2] === '--start') {
  const [, , , who, model, items] = process.argv;
  const t0 = performance.now();
  const x = JSON.parse(readFileSync(items, 'utf8'));
  const scores = Float32Array.from(x.scores, (v) => (v === null ? NaN : v));
  let t1, t2;
  if (who === 'rewardfuse') {
    const lib = await import(DIST);
    t1 = performance.now();
    await lib.init();
    const m = lib.loadModel(readFileSync(model, 'utf8'), model);
    t2 = performance.now();
    m.score({ models: x.models, features: [], scores, feats: new Float32Array(0), ids: [0] });
  } else {
    const ort = await import(who === 'onnxruntime-node' ? 'onnxruntime-node' : 'onnxruntime-web');
    if (who === 'onnxruntime-web') ort.env.wasm.numThreads = 1;
    t1 = performance.now();
    const s = await ort.InferenceSession.create(readFileSync(model), { executionProviders: [who === 'onnxruntime-node' ? 'cpu' : 'wasm'] });
    t2 = performance.now();
    await s.run({ scores: new ort.Tensor('float32', scores, [1, x.models.length]) });
  }
  const t3 = performance.now();
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstMs: t3 - t2, totalMs: t3 - t0 }) + '\n');
  process.exit(0);
}

const lib = await import(DIST);
const ortNode = await import('onnxruntime-node');
const ortWeb = await import('onnxruntime-web');
ortWeb.env.wasm.numThreads = 1;

const QUICK = process.argv.includes('--quick'); // a smoke run: a tenth of the samples, two cold starts
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const lcg = (seed) => { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); };

// ---- data: HANNA (20 judges) when ../shared/data has it, else the simulated ensemble ----
const HANNA = join(ROOT, '../shared/data/hanna-dev.jsonl');
let pairs, source;
if (existsSync(HANNA)) {
  pairs = lib.parseData(readFileSync(HANNA, 'utf8'), HANNA, 'pairs');
  source = 'hanna-dev.jsonl (20 judges)';
} else {
  const sim = lib.simulateEnsemble({ prompts: 600, seed: 1 });
  const all = lib.simPairs(sim, Array.from({ length: 600 }, (_, i) => i), 1);
  pairs = { ...all, features: [], feats: new Float32Array(0) };
  source = 'simulated ensemble (6 judges; ../shared/data/hanna-dev.jsonl absent)';
}
const K = pairs.models.length, n = 1024;
// 1,024 items: both sides of the first 512 pairs, 10% of the scores hidden at random
const scores = new Float32Array(n * K);
scores.set(pairs.a.subarray(0, 512 * K));
scores.set(pairs.b.subarray(0, 512 * K), 512 * K);
const u = lcg(7);
for (let i = 0; i < scores.length; i++) if (u() < 0.1) scores[i] = NaN;
const itemsOf = (rows) => ({ models: pairs.models, features: [], scores: scores.subarray(0, rows * K), feats: new Float32Array(0), ids: new Array(rows).fill(0) });

const plain = { ...pairs, features: [], feats: new Float32Array(0) };
console.error(`training on ${source} …`);
const models = {
  'library (tbma)': lib.trainFusion(plain, { seed: 1 }),
  'mlp [16] × 5': lib.trainFusion(plain, { seed: 1, arch: 'mlp', ensemble: 5 }),
};
const dir = mkdtempSync(join(os.tmpdir(), 'rewardfuse-bench-onnx-'));
writeFileSync(join(dir, 'item.json'), JSON.stringify({ models: pairs.models, scores: Array.from(scores.subarray(0, K), (v) => (v === v ? v : null)) }));

const rows = [];
for (const [name, model] of Object.entries(models)) {
  const bytes = lib.exportOnnx(model);
  const file = join(dir, `${name.replace(/\W+/g, '-')}.onnx`);
  writeFileSync(file, bytes);
  writeFileSync(file.replace(/onnx$/, 'json'), lib.saveModel(model));
  const node = await ortNode.InferenceSession.create(bytes);
  const web = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const runners = {
    rewardfuse: (rows) => { const it = itemsOf(rows); return () => model.score(it).reward; },
    'onnxruntime-node': (rows) => { const f = { scores: new ortNode.Tensor('float32', scores.slice(0, rows * K), [rows, K]) }; return async () => (await node.run(f)).reward.data; },
    'onnxruntime-web': (rows) => { const f = { scores: new ortWeb.Tensor('float32', scores.slice(0, rows * K), [rows, K]) }; return async () => (await web.run(f)).reward.data; },
  };
  // agreement first
  const want = model.score(itemsOf(n)).reward;
  const agree = {};
  for (const [who, make] of Object.entries(runners)) {
    const got = await make(n)();
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    if (!(worst <= 1e-5)) throw new Error(`${name}: ${who} differs from score by ${worst} (relative)`);
    agree[who] = worst;
  }
  for (const [who, make] of Object.entries(runners)) {
    const times = {};
    for (const [size, reps] of QUICK ? [[1, 300], [n, 30]] : [[1, 3000], [n, 300]]) {
      const call = make(size), t = [];
      for (let r = 0; r < reps / 10; r++) await call(); // warm-up
      for (let r = 0; r < reps; r++) { const t0 = performance.now(); await call(); t.push(performance.now() - t0); }
      times[size] = median(t);
    }
    const starts = [];
    const modelFile = who === 'rewardfuse' ? file.replace(/onnx$/, 'json') : file;
    for (let r = 0; r < (QUICK ? 2 : 5); r++) {
      const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--start', who, modelFile, join(dir, 'item.json')], { encoding: 'utf8', cwd: ROOT });
      if (c.status !== 0) throw new Error(`start-up of ${who}: ${c.stderr}`);
      starts.push(JSON.parse(c.stdout));
    }
    const start = Object.fromEntries(['importMs', 'loadMs', 'firstMs', 'totalMs'].map((k) => [k, median(starts.map((s) => s[k]))]));
    rows.push({ model: name, who, item1Us: 1000 * times[1], items1024Us: 1000 * times[n], start, agree: agree[who], onnxBytes: bytes.length });
    console.error(`${name}  ${who}: 1 item ${(1000 * times[1]).toFixed(1)} µs, 1,024 items ${(1000 * times[n]).toFixed(0)} µs, start-up ${start.totalMs.toFixed(0)} ms`);
  }
}

// ---- what an edge user ships ----
const { build } = await import('esbuild');
const entry = join(dir, 'entry.mjs');
writeFileSync(entry, `export { init, loadModel } from ${JSON.stringify(DIST)};\n`);
const bundled = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
const size = (b) => ({ bytes: b.length, gzip: gzipSync(b, { level: 9 }).length });
const bundles = {
  rewardfuse: { files: 'one minified ESM bundle of init + loadModel (esbuild), the .wasm inlined', ...size(Buffer.from(bundled.outputFiles[0].contents)) },
  'onnxruntime-web': {
    files: 'dist/ort.wasm.bundle.min.mjs + dist/ort-wasm-simd-threaded.wasm (the wasm backend, SIMD)',
    js: size(readFileSync(join(ORT_WEB, 'ort.wasm.bundle.min.mjs'))),
    wasm: size(readFileSync(join(ORT_WEB, 'ort-wasm-simd-threaded.wasm'))),
  },
};
bundles['onnxruntime-web'].bytes = bundles['onnxruntime-web'].js.bytes + bundles['onnxruntime-web'].wasm.bytes;
bundles['onnxruntime-web'].gzip = bundles['onnxruntime-web'].js.gzip + bundles['onnxruntime-web'].wasm.gzip;

const cpus = os.cpus();
const results = {
  date: new Date().toISOString(), node: process.version, cpu: `${cpus[0]?.model ?? '?'} × ${cpus.length}`, load: os.loadavg(),
  versions: { 'onnxruntime-node': JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'))).version, 'onnxruntime-web': JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'))).version },
  source, rows, bundles,
};
if (!QUICK) writeFileSync(join(ROOT, 'bench/onnx-results.json'), JSON.stringify(results, null, 1) + '\n');

const us = (x) => (x < 100 ? x.toFixed(1) : x.toFixed(0));
const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
const out = [
  `${source}; ${results.cpu}, Node ${process.version}, load average ${results.load.map((l) => l.toFixed(1)).join(' ')}`,
  '',
  '| model | scorer | 1 item (µs) | 1,024 items (µs) | start-up: import | load | first call | total (ms) | max rel. diff vs score |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.model} | ${r.who} | ${us(r.item1Us)} | ${us(r.items1024Us)} | ${r.start.importMs.toFixed(0)} | ${r.start.loadMs.toFixed(0)} | ${r.start.firstMs.toFixed(1)} | ${r.start.totalMs.toFixed(0)} | ${r.agree.toExponential(1)} |`),
  '',
  '| what an edge user ships | bytes | gzip |',
  '|---|---:|---:|',
  `| rewardfuse (${bundles.rewardfuse.files}) | ${kb(bundles.rewardfuse.bytes)} | ${kb(bundles.rewardfuse.gzip)} |`,
  `| onnxruntime-web (${bundles['onnxruntime-web'].files}) | ${kb(bundles['onnxruntime-web'].bytes)} | ${kb(bundles['onnxruntime-web'].gzip)} |`,
  `| the .onnx files | ${rows.filter((r) => r.who === 'rewardfuse').map((r) => `${r.model}: ${kb(r.onnxBytes)}`).join(', ')} | |`,
];
console.log(out.join('\n'));
