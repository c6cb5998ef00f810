// npm run bench:kernels — GFLOP/s of the matmul kernel on the shapes a fusion
// MLP has, and microseconds per training step of K=8→32→32→1. benchmark.js
// runs each case until its timing is stable; we report both the mean and the
// median of its samples, each under its own name. Every case is checked
// first: matmul against a float64 product, the step's loss finite and falling,
// the loader's export against the raw one. --quick (BENCH_QUICK=1) checks
// them all and takes a few samples only: its timings mean nothing.
import Benchmark from 'benchmark';
import { instantiate } from '@assemblyscript/loader';
import { readFileSync } from 'node:fs';
import { newKernels } from '../dist/engine/wasm.js';
import { Arena } from '../dist/engine/arena.js';
import { Mlp } from '../dist/engine.js';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

const QUICK = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const check = (ok, what) => { if (!ok) throw new Error(`bench:kernels: validation failed: ${what}`); };

function run(name, fn) {
  const b = new Benchmark(name, fn, QUICK ? { minSamples: 2, maxTime: 0.02, initCount: 1 } : { minSamples: 30, maxTime: 2 });
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
  // y = x·W + b against float64, within 1e-5 of the largest |y|
  k.matmulForward(y, x, w, bias, B, K, N, 0);
  const f32 = new Float32Array(k.memory.buffer);
  let err = 0, top = 0;
  for (let i = 0; i < B; i += Math.max(1, B >> 4)) for (let j = 0; j < N; j++) {
    let ref = f32[(bias >> 2) + j];
    for (let q = 0; q < K; q++) ref += f32[(x >> 2) + i * K + q] * f32[(w >> 2) + q * N + j];
    err = Math.max(err, Math.abs(f32[(y >> 2) + i * N + j] - ref));
    top = Math.max(top, Math.abs(ref));
  }
  check(err <= 1e-5 * top, `matmul [${B}×${K}]·[${K}×${N}]: ${err} from float64`);
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
  const step = () => { mlp.zeroGrad(); mlp.forward(x, B); const l = mlp.loss('mse', t); mlp.backward(); mlp.step({ lr: 1e-4 }); return l; };
  const first = step();
  let last = first;
  for (let i = 0; i < 20; i++) last = step();
  check(Number.isFinite(last) && last < first, `training step, batch ${B}: loss ${first} → ${last} after 20 steps`);
  const r = run(`step ${B}`, step);
  console.log(`| batch ${B} | ${(r.mean * 1e6).toFixed(1)} | ${(r.median * 1e6).toFixed(1)} |`);
}

// --- the loader's call path against the raw export
const bytes = readFileSync(new URL('../dist/rewardfuse.wasm', import.meta.url));
const { exports: demangled, instance } = await instantiate(bytes);
const raw = instance.exports;
const p = new Arena(raw).alloc(64);
new Float32Array(raw.memory.buffer, p, 4).set([-1, 2, -3, 4]);
demangled.reluForward(p, p, 4);
check(new Float32Array(raw.memory.buffer, p, 4).join() === '0,2,0,4', "the loader's reluForward");
const viaLoader = run('loader', () => demangled.reluForward(p, p, 4));
const viaRaw = run('raw', () => raw.reluForward(p, p, 4));
console.log(`\n@assemblyscript/loader's demangled export: ${(viaLoader.median * 1e9).toFixed(1)} ns/call; raw export: ${(viaRaw.median * 1e9).toFixed(1)} ns/call (medians)`);
