// npm test: every test/*.test.mjs under uvu, in two processes at once (the
// machine's two cores; most of the time is subprocesses, browsers and sockets
// waiting). Files are dealt to the two by their usual cost, heaviest first, so
// both end near the same time. Each process's output is printed whole when it
// ends, then one closing line: "uvu: N passed, N failed, N skipped".
// `node test/run.mjs PATTERN` runs only the files whose name matches PATTERN.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const uvu = join(here, '..', 'node_modules', 'uvu', 'bin.js');

// seconds each file took alone on a quiet 2-core machine (a file not listed counts 1)
const COST = { teach: 46, adversarial: 40, serve: 18, cli: 17.5, stream: 7, shift: 6.8, weights: 6.5, onnx: 6.2, browser: 5.9, fusion: 5.6, library: 3.6, 'score-fast': 2.9, kernels: 2.4, edge: 2.1 };

const only = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs') && (!only || only.test(f)));
const cost = (f) => COST[f.replace(/\.test\.mjs$/, '')] ?? 1;
const groups = [[], []], load = [0, 0];
for (const f of files.sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
  const g = load[0] <= load[1] ? 0 : 1;
  groups[g].push(f);
  load[g] += cost(f);
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function run(group) {
  return new Promise((done) => {
    if (!group.length) return done({ code: 0, text: '' });
    const pattern = `^(${group.map(escape).join('|')})$`;
    const child = spawn(process.execPath, [uvu, here, pattern], { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('close', (code, signal) => {
      const text = Buffer.concat(out).toString();
      process.stdout.write(`\n# ${group.join(' ')}\n${text}`);
      done({ code: code ?? (signal ? 1 : 0), text });
    });
  });
}

const results = await Promise.all(groups.map(run));
// uvu's own summary lines, without their colours
const count = (text, label) => Number(text.replace(/\x1b\[[0-9;]*m/g, '').match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
let total = 0, passed = 0, skipped = 0;
for (const { text } of results) {
  total += count(text, 'Total');
  passed += count(text, 'Passed');
  skipped += count(text, 'Skipped');
}
const crashed = results.some((r) => r.code !== 0) && passed === total;
const failed = total - passed + (crashed ? 1 : 0);
console.log(`\nuvu: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed || results.some((r) => r.code !== 0) ? 1 : 0;
