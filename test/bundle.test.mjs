// The package as users ship it: esbuild bundles dist/index.js for the browser
// with no configuration, and the bundle scores with Node's bits. The core
// (everything but the CLI) names no Node built-in.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lib from '../dist/index.js';
import { fixedRun, scoreBits, ARCHS } from './fixed-run.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const Bundle = suite('bundling');

Bundle('esbuild bundles the package for the browser with no configuration, and the bundle gives the same bits', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rewardfuse-bundle-')), 'bundle.mjs');
  const r = await build({ entryPoints: [join(ROOT, 'dist/index.js')], bundle: true, format: 'esm', platform: 'browser', outfile: out, logLevel: 'silent' });
  assert.equal(r.errors, []);
  assert.ok(statSync(out).size < 400000, `bundle is ${statSync(out).size} bytes`);
  const bundled = await import(pathToFileURL(out).href);
  const node = fixedRun(lib);
  for (const arch of ARCHS) assert.is(scoreBits(bundled, node[arch].model), node[arch].scores, arch);
});

Bundle('the core imports no Node built-in and no package; only src/cli and src/node may', () => {
  const files = [];
  const walk = (d) => readdirSync(d).forEach((f) => { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.ts')) files.push(p); });
  walk(join(ROOT, 'src'));
  for (const f of files) {
    const rel = relative(ROOT, f);
    if (rel.startsWith(join('src', 'cli')) || rel.startsWith(join('src', 'node'))) continue;
    const text = readFileSync(f, 'utf8');
    const bare = [...text.matchAll(/from '([^.][^']*)'/g)].map((m) => m[1]);
    assert.equal(bare, [], `${rel} imports ${bare.join(', ')}`);
    assert.not.match(text, /\b(process|Buffer|require)\s*[.(]/, `${rel} uses a Node global`);
  }
});

Bundle.run();
