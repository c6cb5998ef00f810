// The layers import in one direction only:
//   engine → models → train / eval → report → cli
// models/ holds, encodes and scores; it imports nothing from train/ or eval/.
// No import cycle anywhere in dist/, and the public surface stays small.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reachableDts } from '../scripts/api-surface.mjs';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const files = readdirSync(DIST, { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => join(DIST, f));
const imports = new Map(files.map((f) => {
  const text = readFileSync(f, 'utf8');
  const deps = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => resolve(dirname(f), m[1]));
  return [f, deps];
}));
const rel = (f) => relative(DIST, f);

const Layers = suite('layers');

Layers('no import cycle in dist/', () => {
  const state = new Map(); // 1: on the stack, 2: done
  const stack = [];
  const visit = (f) => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) assert.unreachable(`import cycle: ${[...stack.slice(stack.indexOf(f)), f].map(rel).join(' → ')}`);
    state.set(f, 1);
    stack.push(f);
    for (const d of imports.get(f) ?? []) visit(d);
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) visit(f);
});

// what each layer may import (besides itself)
const ALLOWED = {
  engine: [],
  data: ['engine'],
  models: ['engine', 'data'],
  eval: ['engine', 'data', 'models'],
  train: ['engine', 'data', 'models', 'eval'],
  report: ['engine', 'data', 'models', 'eval', 'train'],
  serve: ['engine', 'data', 'models', 'eval', 'train'],
  score: ['engine', 'data', 'models', 'eval'],
  onnx: ['engine', 'data', 'models'],
  node: ['engine', 'data', 'models', 'eval', 'serve', 'score'],
  cli: ['engine', 'data', 'models', 'eval', 'train', 'report', 'serve', 'score', 'onnx', 'node'],
};

Layers('each layer imports only the layers below it', () => {
  for (const [f, deps] of imports) {
    const layer = rel(f).split('/')[0];
    if (!(layer in ALLOWED)) continue; // index.js and engine.js gather the public API
    for (const d of deps) {
      const to = rel(d).split('/')[0];
      if (to === layer) continue;
      assert.ok(ALLOWED[layer].includes(to), `${rel(f)} imports ${rel(d)}: ${layer}/ may import only ${ALLOWED[layer].join(', ') || 'itself'}`);
    }
  }
});

Layers('the public API: few names, and types that fit on a few screens', async () => {
  const lib = await import('../dist/index.js');
  assert.ok(Object.keys(lib).length <= 40, `${Object.keys(lib).length} exports`);
  for (const internal of ['Graph', 'Arena', 'Linear', 'newKernels', 'FusionNet', 'Mlp']) assert.not.ok(internal in lib, `${internal} is the engine's, not the public API's`);
  const engine = await import('../dist/engine.js');
  for (const name of ['Graph', 'Arena', 'Mlp', 'newKernels', 'hiddenStack']) assert.ok(name in engine, `rewardfuse/engine exports ${name}`);
  const dts = reachableDts(join(DIST, 'index.d.ts'));
  assert.not.ok([...dts.keys()].some((f) => /engine\/(graph|ops|arena)\.d\.ts$/.test(f)), `index.d.ts reaches the engine's internals: ${[...dts.keys()].map(rel).join(', ')}`);
});

Layers.run();
