// npm run bench:kernels — GFLOP/s of the matmul kernel on the shapes a fusion
// MLP has, and microseconds per training step of K=8→32→32→1. benchmark.js
// runs each case until its timing is stable; we report both the mean and the
// median of its samples, each under its own name.
import Benchmark from 'benchmark';
import { instantiate } from '@assemblyscript/loader';
import { readFileSync } from 'node:fs';
import { newKernels } from '../dist/engine/wasm.js';
import { Arena } from '../dist/engine/arena.js';
import { Mlp } from '../dist/engine.js';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

function run(name, fn) {
  const b = new Benchmark(name, fn, { minSamples: 30, maxTime: 2 });
  b.run();
  return { mean: b.stats.mean, median: median(b.stats.sample) };
}

// --- matmul
const shapes = [[1, 256, 256], [64, 8, 32], [256, 8, 64], [256, 64, 64], [1024, 32, 32], [4096, 32, 1], [512, 512, 512]];
console.log('| matmul y = x·W + b | GFLOP/s, mean | GFLOP/s, median |');
console.log('|---|---:|---:|');
for (const [B, K, N] of shapes) {
  const k = newKernels(), arena = new Arena(k);
  const x = arena.alloc(B * K), w = arena.alloc(K * N), bias = arena.alloc(N), y = arena.alloc(B * N);
  k.randomSeed(1, 0);
  k.randomUniform(x, B * K, -1, 1);
  k.randomUniform(w, K * N, -1, 1);
  k.randomUniform(bias, N, -1, 1);
  const reps = Math.max(1, Math.round(2e6 / (B * K * N)));
  const t = run(`${B}x${K}x${N}`, () => { for (let r = 0; r < reps; r++) k.matmulForward(y, x, w, bias, B, K, N, 0); });
  const flops = 2 * B * K * N * reps;
  console.log(`| [${B}×${K}]·[${K}×${N}] | ${(flops / t.mean / 1e9).toFixed(1)} | ${(flops / t.median / 1e9).toFixed(1)} |`);
}

// --- training step
console.log('\n| training step, K=8→32→32→1, MSE | µs/step, mean | µs/step, median |');
console.log('|---|---:|---:|');
for (const B of [64, 1024]) {
  const mlp = new Mlp({ inputs: 8, hidden: [32, 32], seed: 1, maxBatch: B });
  const x = Float32Array.from({ length: B * 8 }, (_, i) => ((i * 7) % 13) / 6 - 1);
  const t = Float32Array.from({ length: B }, (_, i) => ((i * 5) % 11) / 5 - 1);
  const step = () => { mlp.zeroGrad(); mlp.forward(x, B); mlp.loss('mse', t); mlp.backward(); mlp.step({ lr: 1e-4 }); };
  const r = run(`step ${B}`, step);
  console.log(`| batch ${B} | ${(r.mean * 1e6).toFixed(1)} | ${(r.median * 1e6).toFixed(1)} |`);
}

// --- the loader's call path against the raw export
const bytes = readFileSync(new URL('../dist/rewardfuse.wasm', import.meta.url));
const { exports: demangled, instance } = await instantiate(bytes);
const raw = instance.exports;
const p = new Arena(raw).alloc(64);
const viaLoader = run('loader', () => demangled.reluForward(p, p, 4));
const viaRaw = run('raw', () => raw.reluForward(p, p, 4));
console.log(`\n@assemblyscript/loader's demangled export: ${(viaLoader.median * 1e9).toFixed(1)} ns/call; raw export: ${(viaRaw.median * 1e9).toFixed(1)} ns/call (medians)`);
