// Every kernel in test/kernel-list.mjs: the fast kernel against its scalar
// twin (equal bits where they sum in the same order) and against float64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KERNELS, TAILS, rng, fill } from './kernel-list.mjs';
import { newKernels } from '../dist/engine/wasm.js';
import { Arena } from '../dist/engine/arena.js';

// |got − ref| ≤ (|ref| + 1)·tol, tol per kernel family in the list
const close = (got, ref, tol) => Math.abs(got - ref) <= (Math.abs(ref) + 1) * tol;

function place(arena, values) {
  const ptrs = {};
  for (const [key, v] of Object.entries(values)) {
    if (v === null) { ptrs[key] = 0; continue; }
    ptrs[key] = arena.alloc(v.length);
    arena.f32.set(v, ptrs[key] >> 2);
  }
  return ptrs;
}

function call(k, entry, fn, ptrs, c) {
  // sizes by name from a case tuple: [B, K, N, bias, relu] for matmul, [n, step] for adamw, [n] otherwise
  const named = { B: c[0], K: c[1], N: c[2], relu: c[4] ?? 0, n: c[0], step: c[1] };
  const args = entry.args.map((a) => (typeof a === 'number' ? a : a in ptrs ? ptrs[a] : named[a]));
  k[fn](...args);
}

const read = (arena, ptr, n) => arena.f32.slice(ptr >> 2, (ptr >> 2) + n);

const Kernels = suite('kernels');

for (const entry of KERNELS) {
  Kernels(`${entry.name}${entry.twin ? ` = ${entry.twin}${entry.exact ? ' (bits)' : ''}` : ''} ≈ float64`, () => {
    const r = rng(entry.name.length * 7919);
    for (const c of entry.cases()) {
      const k = newKernels();
      const arena = new Arena(k);
      const inputs = entry.inputs(c, r);
      const ref = entry.ref(inputs, c);
      const fast = place(arena, inputs);
      call(k, entry, entry.name, fast, c);
      let twin;
      if (entry.twin) {
        twin = place(arena, inputs);
        call(k, entry, entry.twin, twin, c);
      }
      for (const out of entry.outputs) {
        const n = inputs[out].length;
        const got = read(arena, fast[out], n);
        if (twin) {
          const want = read(arena, twin[out], n);
          for (let i = 0; i < n; i++) {
            const ok = entry.exact ? Object.is(got[i], want[i]) : close(got[i], want[i], 1e-6);
            if (!ok) assert.unreachable(`${entry.name} ${c}: ${out}[${i}] = ${got[i]}, twin gives ${want[i]}`);
          }
        }
        for (let i = 0; i < n; i++) {
          if (!close(got[i], ref[out][i], entry.tol)) assert.unreachable(`${entry.name} ${c}: ${out}[${i}] = ${got[i]}, float64 gives ${ref[out][i]}`);
        }
      }
    }
  });
}

Kernels('matmulBackward skips a gradient whose pointer is 0', () => {
  const k = newKernels(), arena = new Arena(k), r = rng(3);
  const [B, K, N] = [5, 17, 8];
  const p = place(arena, { dw: new Float32Array(K * N), dy: fill(B * N, r), x: fill(B * K, r), w: fill(K * N, r) });
  k.matmulBackward(0, p.dw, 0, p.dy, p.x, p.w, 0, B, K, N);
  assert.ok(read(arena, p.dw, K * N).some((v) => v !== 0));
});

Kernels.run();

// ---

const Random = suite('random (PCG32)');

Random('a seed gives the same stream; another seed another', () => {
  const draw = (seed) => {
    const k = newKernels(), arena = new Arena(k);
    const p = arena.alloc(64);
    k.randomSeed(seed, 0);
    k.randomUniform(p, 64, -1, 1);
    return read(arena, p, 64);
  };
  assert.equal(draw(42), draw(42));
  assert.not.equal(draw(42), draw(43));
});

Random('uniform, normal, below and permutation have the right law', () => {
  const k = newKernels(), arena = new Arena(k);
  const n = 20000;
  const p = arena.alloc(n);
  k.randomSeed(7, 0);
  k.randomUniform(p, n, 2, 4);
  const u = read(arena, p, n);
  assert.ok(u.every((v) => v >= 2 && v < 4));
  assert.ok(Math.abs(u.reduce((s, v) => s + v, 0) / n - 3) < 0.02);
  k.randomNormal(p, n, 1, 2);
  const z = read(arena, p, n);
  const mean = z.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean - 1) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${mean} sd ${sd}`);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[k.randomBelow(7)]++;
  assert.ok(counts.every((c) => c > 850 && c < 1150), counts.join());
  for (const m of TAILS) {
    k.randomPermutation(p, m);
    const perm = Array.from(arena.i32.slice(p >> 2, (p >> 2) + m)).sort((a, b) => a - b);
    assert.equal(perm, Array.from({ length: m }, (_, i) => i));
  }
  k.randomBernoulli(p, n, 0.25);
  const ones = read(arena, p, n).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(ones / n - 0.25) < 0.02);
});

Random.run();

// ---

const Memory = suite('memory');

Memory('firstNonFinite finds NaN and ±Infinity at every tail position', () => {
  const k = newKernels(), arena = new Arena(k);
  for (const n of TAILS) {
    const p = arena.alloc(n);
    arena.f32.fill(1, p >> 2, (p >> 2) + n);
    assert.is(k.firstNonFinite(p, n), -1);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const at = n - 1;
      arena.f32[(p >> 2) + at] = bad;
      assert.is(k.firstNonFinite(p, n), at);
      arena.f32[(p >> 2) + at] = 1;
    }
  }
});

Memory('gatherRows copies the indexed rows', () => {
  const k = newKernels(), arena = new Arena(k);
  const src = arena.alloc(12), idx = arena.alloc(2), out = arena.alloc(6);
  arena.f32.set([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32], src >> 2);
  arena.i32.set([3, 1], idx >> 2);
  k.gatherRows(out, src, idx, 2, 3);
  assert.equal(Array.from(read(arena, out, 6)), [30, 31, 32, 10, 11, 12]);
});

Memory('the arena survives growth: views follow the new buffer', () => {
  const k = newKernels(), arena = new Arena(k);
  const p = arena.alloc(4);
  arena.f32.set([1, 2, 3, 4], p >> 2);
  const before = arena.f32;
  arena.alloc(1 << 20); // 4 MiB: grows memory, detaching old views
  assert.is(before.length, 0);
  assert.equal(Array.from(read(arena, p, 4)), [1, 2, 3, 4]);
});

Memory.run();
