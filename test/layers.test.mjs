// The layers import in one direction only:
//   engine → models → train / eval → report → cli
// models/ holds, encodes and scores; it imports nothing from train/ or eval/.
// No import cycle anywhere in src/ (type imports included: tsc erases them from
// dist/, but a reader follows them), and the public surface stays small.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reachableDts } from '../scripts/api-surface.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src/'), DIST = join(ROOT, 'dist/');
const files = readdirSync(SRC, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => join(SRC, f));
// every relative import and re-export, `import type` too; './x.js' names the source './x.ts'
const importsOf = (text, from) => [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => resolve(dirname(from), m[1].replace(/\.js$/, '.ts')));
const imports = new Map(files.map((f) => [f, importsOf(readFileSync(f, 'utf8'), f)]));
const rel = (f) => relative(SRC, f);

const Layers = suite('layers');

Layers('no import cycle in src/, type imports included', () => {
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
  node: ['engine', 'data', 'models', 'eval', 'train', 'serve', 'score'],
  cli: ['engine', 'data', 'models', 'eval', 'train', 'report', 'serve', 'score', 'onnx', 'node'],
};

Layers('each layer imports only the layers below it', () => {
  for (const [f, deps] of imports) {
    const layer = rel(f).split('/')[0];
    if (!(layer in ALLOWED)) continue; // the entries (index.ts, engine.ts, eval.ts, …) gather the public API
    for (const d of deps) {
      const to = rel(d).split('/')[0];
      if (to === layer) continue;
      assert.ok(ALLOWED[layer].includes(to), `${rel(f)} imports ${rel(d)}: ${layer}/ may import only ${ALLOWED[layer].join(', ') || 'itself'}`);
    }
  }
});

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// what each declared subpath's module file is, under dist/
const declared = Object.values(pkg.exports).map((e) => (typeof e === 'string' ? e : e.default)).map((f) => resolve(ROOT, f));

Layers('the public API: about a dozen names on the main entry, the rest on declared subpaths', async () => {
  const lib = await import('../dist/index.js');
  const names = Object.keys(lib);
  assert.ok(names.length <= 16, `${names.length} names on the main entry: ${names.join(', ')}`);
  for (const name of ['init', 'parseData', 'DataError', 'trainFusion', 'loadModel', 'saveModel', 'createHandler', 'exportOnnx']) assert.ok(name in lib, `the main entry exports ${name}`);
  for (const internal of ['Graph', 'Arena', 'Linear', 'newKernels', 'FusionNet', 'Mlp', 'FusionModel', 'Fit']) assert.not.ok(internal in lib, `${internal} is not the main entry's`);
  const engine = await import('../dist/engine.js');
  for (const name of ['Graph', 'Arena', 'Mlp', 'newKernels', 'hiddenStack']) assert.ok(name in engine, `rewardfuse/engine exports ${name}`);
  for (const [sub, name] of [['eval', 'pairwiseAccuracy'], ['eval', 'fitBaselines'], ['sim', 'SIM_JUDGES'], ['data', 'pairsFromRecords'], ['shift', 'ShiftWindow']]) {
    assert.ok(pkg.exports[`./${sub}`], `package.json declares rewardfuse/${sub}`);
    assert.ok(name in (await import(`../dist/${sub}.js`)), `rewardfuse/${sub} exports ${name}`);
  }
  const dts = reachableDts(join(DIST, 'index.d.ts'));
  assert.not.ok([...dts.keys()].some((f) => /engine\/(graph|ops|arena)\.d\.ts$/.test(f)), `index.d.ts reaches the engine's internals: ${[...dts.keys()].map((f) => relative(DIST, f)).join(', ')}`);
  // FusionModel's types publish scoring, not its internals
  const model = readFileSync(join(DIST, 'models/model.d.ts'), 'utf8');
  const cls = model.slice(model.indexOf('export declare class FusionModel'));
  for (const internal of ['scoreAligned', 'toModelColumns', 'scorer', 'nets']) assert.not.match(cls, new RegExp(`\\n\\s+(readonly )?${internal}[(:<]`), `FusionModel publishes ${internal}`);
});

Layers('the teaching page imports only declared entries', () => {
  const dir = join(ROOT, 'examples/teach');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    for (const to of importsOf(readFileSync(join(dir, f), 'utf8'), join(dir, f)).map((p) => p.replace(/\.ts$/, '.js'))) {
      if (to.startsWith(dir)) continue; // the page's own modules
      assert.ok(declared.includes(to), `examples/teach/${f} imports ${relative(ROOT, to)}, which package.json "exports" does not declare`);
    }
  }
});

Layers.run();
