// Edge runtimes, each from its npm package: Deno, Bun, and Cloudflare's
// workerd (through miniflare, a worker answering HTTP on loopback). Each
// loads the built package and scores the fixed items with model files saved
// in Node; the bits must equal Node's. Prints cold start and per-item time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/index.js';
import { fixedRun, ARCHS } from './fixed-run.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-edge-'));
const node = fixedRun(lib);
const files = ARCHS.map((arch) => {
  const f = join(dir, `${arch}.json`);
  writeFileSync(f, node[arch].model);
  return f;
});
const timings = [];

const Edge = suite('edge runtimes');

function runScript(name, cmd, args) {
  const bin = join(ROOT, 'node_modules', '.bin', cmd);
  const exe = cmd === 'node' ? process.execPath : bin;
  if (cmd !== 'node' && !existsSync(bin)) throw new Error(`${name}: ${bin} is missing (npm ci installs it)`);
  const t0 = performance.now();
  const r = spawnSync(exe, [...args, join(ROOT, 'test/edge/score.mjs'), ...files], { cwd: ROOT, encoding: 'utf8', timeout: 120000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
  const wall = performance.now() - t0;
  assert.is(r.status, 0, `${name} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  ARCHS.forEach((arch, i) => assert.is(out.bits[files[i]], node[arch].scores, `${name}, ${arch}: bits differ from Node's`));
  timings.push({ runtime: name, coldStartMs: wall, perItemUs: out.perItemUs });
}

Edge('Node, the reference', () => runScript('node', 'node', []));
Edge('Deno scores with the same bits', () => runScript('deno', 'deno', ['run', '--allow-read', '--allow-env', '--quiet']));
Edge('Bun scores with the same bits', () => runScript('bun', 'bun', ['run']));

Edge('workerd: a worker imports the .wasm as a module and answers over loopback HTTP with the same bits', async () => {
  const { Miniflare } = await import('miniflare');
  const t0 = performance.now();
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(ROOT, 'test/edge/worker.mjs'),
    modulesRoot: ROOT,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }, { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    compatibilityDate: '2025-01-01',
  });
  try {
    const url = await mf.ready; // workerd listening on loopback
    assert.match(url.hostname, /^(127\.0\.0\.1|localhost|\[::1\])$/);
    const post = async (arch, repeat = 0) => {
      const res = await fetch(new URL(`/score?repeat=${repeat}`, url), { method: 'POST', body: node[arch].model });
      assert.is(res.status, 200, await res.clone().text());
      return res.json();
    };
    for (const arch of ARCHS) assert.is((await post(arch)).bits, node[arch].scores, `workerd, ${arch}: bits differ from Node's`);
    const cold = performance.now() - t0;
    const time = async (repeat) => { const s = performance.now(); await post(ARCHS[0], repeat); return performance.now() - s; };
    await time(200);
    const base = Math.min(await time(0), await time(0), await time(0));
    const many = Math.min(await time(2000), await time(2000), await time(2000));
    timings.push({ runtime: 'workerd', coldStartMs: cold, perItemUs: ((many - base) * 1000) / 2000 });
  } finally {
    await mf.dispose();
  }
});

Edge.after(() => {
  console.log('\n  runtime   cold start (process or worker start → first scores)   per-item scoring');
  for (const t of timings) console.log(`  ${t.runtime.padEnd(9)} ${t.coldStartMs.toFixed(0).padStart(6)} ms${' '.repeat(47)}${t.perItemUs.toFixed(2).padStart(8)} µs`);
});

Edge.run();
