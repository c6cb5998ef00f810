// Every kernel in test/kernel-list.mjs: the fast kernel against its scalar
// twin (equal bits where they sum in the same order) and against float64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KERNELS, BYTE_KERNELS, TAILS, rng, fill } from './kernel-list.mjs';
import { newKernels } from '../dist/engine/wasm.js';
import { Arena } from '../dist/engine/arena.js';

// |got − ref| ≤ (|ref| + 1)·tol, tol per kernel family in the list
const close = (got, ref, tol) => Math.abs(got - ref) <= (Math.abs(ref) + 1) * tol;

function place(arena, values) {
  const ptrs = {};
  for (const [key, v] of Object.entries(values)) {
    if (v === null) { ptrs[key] = 0; continue; }
    if (v instanceof Float64Array) {
      ptrs[key] = arena.alloc(2 * v.length);
      arena.f64.set(v, ptrs[key] >> 3);
      continue;
    }
    ptrs[key] = arena.alloc(v.length);
    (v instanceof Int32Array ? arena.i32 : arena.f32).set(v, ptrs[key] >> 2);
  }
  return ptrs;
}

// An argument by name: an input's pointer, else the case's value, else a number as written.
function resolve(name, ptrs, c) {
  if (typeof name === 'number') return name;
  if (name in ptrs) return ptrs[name];
  if (name in c) return c[name];
  throw new Error(`kernel-list: no input or case value named '${name}'`);
}

// The calls `before` it, then the kernel; its return value, if named, becomes an output.
function call(k, entry, fn, ptrs, c) {
  for (const [f, ...args] of entry.before ?? []) k[f](...args.map((a) => resolve(a, ptrs, c)));
  const ret = k[fn](...entry.args.map((a) => resolve(a, ptrs, c)));
  return entry.returns ? { [entry.returns]: [ret] } : {};
}

// n f32 at ptr; or as many values as `like` has, of its type
const read = (arena, ptr, like) => typeof like === 'number'
  ? arena.f32.slice(ptr >> 2, (ptr >> 2) + like)
  : like instanceof Float64Array ? arena.f64.slice(ptr >> 3, (ptr >> 3) + like.length)
  : (like instanceof Int32Array ? arena.i32 : arena.f32).slice(ptr >> 2, (ptr >> 2) + like.length);

const outputsOf = (arena, entry, inputs, ptrs, returned) => Object.fromEntries(entry.outputs
  .filter((out) => out in returned || inputs[out])
  .map((out) => [out, out in returned ? returned[out] : read(arena, ptrs[out], inputs[out])]));

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
      const got = outputsOf(arena, entry, inputs, fast, call(k, entry, entry.name, fast, c));
      let want;
      if (entry.twin) {
        const twin = place(arena, inputs);
        want = outputsOf(arena, entry, inputs, twin, call(k, entry, entry.twin, twin, c));
      }
      const where = JSON.stringify(c);
      for (const [out, values] of Object.entries(got)) {
        for (let i = 0; i < values.length; i++) {
          if (want) {
            const ok = entry.exact ? Object.is(values[i], want[out][i]) : close(values[i], want[out][i], 1e-6);
            if (!ok) assert.unreachable(`${entry.name} ${where}: ${out}[${i}] = ${values[i]}, twin gives ${want[out][i]}`);
          }
          if (!close(values[i], ref[out][i], entry.tol)) assert.unreachable(`${entry.name} ${where}: ${out}[${i}] = ${values[i]}, reference gives ${ref[out][i]}`);
        }
      }
    }
  });
}

Kernels('every export of the module is in the list: a kernel, a twin, or a call before one', () => {
  const listed = new Set([...KERNELS.flatMap((e) => [e.name, e.twin, ...(e.before ?? []).map(([f]) => f)]), ...BYTE_KERNELS.map((e) => e.name)].filter(Boolean));
  const exported = Object.keys(newKernels()).filter((name) => name !== 'memory' && name !== 'heapBase');
  assert.equal(exported.filter((name) => !listed.has(name)), [], 'exports with no entry in test/kernel-list.mjs');
  assert.equal([...listed].filter((name) => !exported.includes(name)), [], 'entries naming no export');
});

// matmulBackward's pointers may be 0 to skip a gradient. A skipped one must not
// be written through. Each write through 0 would start at address 0, which
// AssemblyScript keeps free (its static data, including the GEMM's packed panel
// of W, starts at 16): it holds a sentinel. And every byte from the arena up,
// outside the gradients asked for and the scratch, must come out as it went in.
Kernels('matmulBackward and its twin skip every gradient whose pointer is 0', () => {
  const shapes = [[5, 17, 8], [4, 8, 1], [3, 1, 5], [2049, 17, 16]]; // the last: B·(K+N) > 65536, dW as a GEMM on Xᵀ
  for (const fn of ['matmulBackward', 'matmulBackwardScalar']) {
    for (const [B, K, N] of shapes) {
      for (let skip = 1; skip < 8; skip++) { // bit 0: dx, 1: dw, 2: db
        const k = newKernels(), arena = new Arena(k), r = rng(B + K + N + skip);
        const p = place(arena, {
          dx: fill(B * K, r), dw: fill(K * N, r), db: fill(N, r), dy: fill(B * N, r), x: fill(B * K, r), w: fill(K * N, r),
          scratch: new Float32Array(Math.max(K * N, B * K)),
        });
        new Uint8Array(k.memory.buffer, 0, 16).fill(0xa5);
        const ptr = { dx: skip & 1 ? 0 : p.dx, dw: skip & 2 ? 0 : p.dw, db: skip & 4 ? 0 : p.db };
        // the direct dW path and a skipped dX need no scratch: pass 0 there too
        const scratch = ptr.dx || B * (K + N) > 65536 ? p.scratch : 0;
        const before = new Uint8Array(k.memory.buffer).slice();
        k[fn](ptr.dx, ptr.dw, ptr.db, p.dy, p.x, p.w, scratch, B, K, N);
        const after = new Uint8Array(k.memory.buffer);
        const span = (blocks) => blocks.filter(([at]) => at).map(([at, n]) => [at, at + 4 * n]);
        const written = span([[ptr.dx, B * K], [ptr.dw, K * N], [ptr.db, N]]);
        const mayChange = [...written, ...span([[scratch, Math.max(K * N, B * K)]])];
        assert.is(after.length, before.length);
        for (let i = 0; i < after.length; i = i === 15 ? k.heapBase() : i + 1) {
          if (after[i] !== before[i] && !mayChange.some(([lo, hi]) => i >= lo && i < hi)) {
            assert.unreachable(`${fn} ${B}x${K}x${N} skipping ${['dx', 'dw', 'db'].filter((_, j) => skip & (1 << j))}: byte ${i} changed`);
          }
        }
        // and the gradients asked for were written
        for (const [lo, hi] of written) assert.ok(after.subarray(lo, hi).some((v, i) => v !== before[lo + i]), `${fn}: a gradient at ${lo} unchanged`);
      }
    }
  }
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
