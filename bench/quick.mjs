// npm run bench:quick — every bench in its quick mode, one after another, so
// that none rots unseen: each checks its results (outputs against a reference,
// rows well formed, answers not malformed) and fails on a wrong one, but its
// few samples time nothing. .ci/run runs it after npm test. bench/index.mjs
// needs TensorFlow.js from bench/package.json: npm ci --prefix bench.
//   node bench/quick.mjs [name ...]     (names: index kernels quality shift scale serve onnx)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = ['kernels', 'quality', 'shift', 'scale', 'serve', 'onnx', 'index'];
const only = process.argv.slice(2);
const unknown = only.filter((b) => !BENCHES.includes(b));
if (unknown.length) {
  console.error(`bench:quick: no bench named ${unknown.join(', ')} (${BENCHES.join(', ')})`);
  process.exit(2);
}
if ((!only.length || only.includes('index')) && !existsSync(fileURLToPath(new URL('node_modules/@tensorflow/tfjs', import.meta.url)))) {
  console.error('bench:quick: bench/index.mjs needs TensorFlow.js: npm ci --prefix bench');
  process.exit(1);
}
const failed = [];
for (const name of only.length ? only : BENCHES) {
  const t0 = performance.now();
  console.error(`bench:quick: ${name} …`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`${name}.mjs`, import.meta.url)), '--quick'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BENCH_QUICK: '1' } });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) console.error(`bench:quick: ${name} ok (${s} s)`);
  else { failed.push(name); console.error(`bench:quick: ${name} FAILED (exit ${r.status ?? r.signal}, ${s} s)`); }
}
if (failed.length) {
  console.error(`bench:quick: ${failed.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
