// The command line, run as a real subprocess on real files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateEnsemble, simPairs, simItems, parseData, trainFusion, saveModel, loadModel } from '../dist/index.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-cli-'));
const at = (f) => join(dir, f);
const cli = (...args) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

// data files from the simulated ensemble
const sim = simulateEnsemble({ prompts: 120, seed: 3 });
const ids = Array.from({ length: sim.prompts }, (_, i) => i);
const side = (x, i, models) => Object.fromEntries(models.map((m, k) => [m, Number.isNaN(x[i * models.length + k]) ? null : x[i * models.length + k]]));
const feats = (set, i) => Object.fromEntries(set.features.map((f, j) => [f, set.feats[i * set.features.length + j]]));
const pairsJsonl = (set) => set.ids.map((id, i) => JSON.stringify({ id, group: set.groups[i], a: side(set.a, i, set.models), b: side(set.b, i, set.models), label: set.label[i] === 1 ? 'a' : 'b', features: feats(set, i) })).join('\n') + '\n';
const itemsJsonl = (set) => set.ids.map((id, i) => JSON.stringify({ id, scores: side(set.scores, i, set.models), target: set.target[i], features: feats(set, i) })).join('\n') + '\n';
writeFileSync(at('train.jsonl'), pairsJsonl(simPairs(sim, ids.slice(0, 90), 1)));
writeFileSync(at('test.jsonl'), pairsJsonl(simPairs(sim, ids.slice(90), 2)));
writeFileSync(at('items.jsonl'), itemsJsonl(simItems(sim, ids.slice(90, 95))));

const Commands = suite('commands');

Commands('train writes a model file, with plain progress lines off a terminal', () => {
  const r = cli('train', 'train.jsonl', '-o', 'model.json', '--arch', 'mlp', '--epochs', '40', '--ensemble', '2', '--val', '0.2');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /wrote model\.json: mlp \[16\] × 2 on 360 pairs from 6 models and 3 features, 40 epochs \(\d+ steps, ended by (epochs|converged)\)/);
  assert.match(r.err, /net 1\/2  epoch  1\/40  train \d\.\d{4}  val \d\.\d{4}  \d+ samples\/s\n/);
  const m = JSON.parse(readFileSync(at('model.json'), 'utf8'));
  assert.is(m.format, 'rewardfuse-model');
  assert.is(m.version, 4);
  assert.ok(m.train.baselines && m.train.metrics.trainAccuracy > 0.7);
  const g = cli('train', 'train.jsonl', '-o', 'gated.json', '--arch', 'gated', '--hidden', '8', '--epochs', '30', '--ensemble', '1', '--seed', '4');
  assert.is(g.code, 0, g.err);
  const a = cli('train', 'train.jsonl', '-o', 'auto.json', '--arch', 'auto', '--epochs', '20', '--ensemble', '1');
  assert.is(a.code, 0, a.err);
  assert.match(a.out, /arch auto chose (linear|mlp|gated) by 5-fold cross-validation: linear \d+\.\d%, mlp \d+\.\d%, gated \d+\.\d%/);
  // the default: the library, cross-validated by group and with judges hidden; what it chose, and why
  const d = cli('train', 'train.jsonl', '-o', 'default.json', '--epochs', '10', '--seed', '2');
  assert.is(d.code, 0, d.err);
  assert.match(d.out, /library: 3 folds by group \(3 groups\); each candidate fitted on the other folds/);
  for (const c of ['tbma', 'bma', 'stacking', 'median', 'mlp', 'gated']) assert.match(d.out, new RegExp(`\\n  ${c}\\s+\\d+\\.\\d%\\s+\\d+\\.\\d%\\s+\\d+\\.\\d%`));
  assert.match(d.out, /← chosen\n[\s\S]*chose tbma: the anchor; .* but 3 folds|chose \w+: /);
  assert.match(d.out, /calibrated on its out-of-fold margins: P\(a ≻ b\) = σ\(\d\.\d+·margin\), ECE 0\.\d{3}/);
  assert.match(d.err, /cross-validating the library: fold 1 of 3/);
  const saved = JSON.parse(readFileSync(at('default.json'), 'utf8'));
  assert.ok(saved.train.library.candidates.length === 10 && saved.calibration.scale > 0);
});

Commands('train writes the bytes trainFusion and saveModel write, options in any order', () => {
  // the files the test above wrote: the default (the library) and a gated net
  const data = parseData(readFileSync(at('train.jsonl'), 'utf8'), 'train.jsonl');
  const lib = saveModel(trainFusion(data, { seed: 2, epochs: 10 }));
  assert.ok(lib === readFileSync(at('default.json'), 'utf8'), 'the default: the CLI and the library differ');
  const gated = saveModel(trainFusion(data, { seed: 4, ensemble: 1, epochs: 30, hidden: [8], arch: 'gated' }));
  assert.ok(gated === readFileSync(at('gated.json'), 'utf8'), 'gated: the CLI and the library differ');
});

Commands('train redraws a progress bar in place on a terminal', () => {
  // `script` gives the child a pseudo-terminal
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) { console.log('  skipped: no `script` to make a terminal'); return; }
  const cmd = [process.execPath, BIN, 'train', 'train.jsonl', '-o', 'tty.json', '--arch', 'mlp', '--epochs', '5', '--ensemble', '1'].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  assert.is(r.status, 0, r.stdout);
  assert.match(r.stdout, /\r\[####[#.]{16}\] net 1\/1  epoch 1\/5  train/);
  assert.match(r.stdout, /\r\[#{20}\] net 1\/1  epoch 5\/5/);
});

Commands('score prints one JSON line per item; -o writes them; gated adds per-model weights', () => {
  const r = cli('score', 'model.json', 'items.jsonl');
  assert.is(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 40);
  assert.ok(lines.every((l) => typeof l.id === 'string' && Number.isFinite(l.reward) && l.uncertainty >= 0 && Math.abs(l.conservative - (l.reward - l.uncertainty)) < 1e-5));
  assert.is(cli('score', 'model.json', 'items.jsonl', '-o', 'scores.jsonl').code, 0);
  assert.is(readFileSync(at('scores.jsonl'), 'utf8'), r.out);
  const g = JSON.parse(cli('score', 'gated.json', 'items.jsonl').out.split('\n')[0]);
  assert.equal(Object.keys(g.weights), sim.models);
  assert.ok(Math.abs(Object.values(g.weights).reduce((s, v) => s + v, 0) - 1) < 1e-5);
});

Commands('eval --json prints exactly one JSON object with every baseline; --report writes HTML', () => {
  const r = cli('eval', 'model.json', 'test.jsonl', '--json', '--report', 'eval.html');
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(r.out.trim().split('\n').length, 1);
  assert.equal(Object.keys(j), ['scorer', 'n', 'accuracy', 'ci95', 'hidden', 'logLoss', 'ece', 'baselines', 'shift']);
  assert.is(j.shift.combiner, 'net', 'an explicit --arch mlp model has no anchor: its net always scores');
  assert.ok(j.hidden > 0.5 && j.hidden <= 1);
  assert.is(j.n, 120);
  assert.ok(j.ci95[0] <= j.accuracy && j.accuracy <= j.ci95[1] && j.accuracy > 0.75);
  assert.equal(Object.keys(j.baselines), ['best', 'mean', 'median', 'min', 'meanStd', 'vote', 'stacking', 'bma', 'tbma']);
  for (const b of Object.values(j.baselines)) assert.ok(b.accuracy > 0.5 && b.ci95.length === 2 && Number.isFinite(b.logLoss) && Number.isFinite(b.ece) && b.hidden > 0.4);
  assert.match(readFileSync(at('eval.html'), 'utf8'), /<svg[^>]*>[\s\S]*Reliability diagram/);
  const text = cli('eval', 'model.json', 'test.jsonl');
  assert.match(text.out, /fusion mlp \[16\] × 2\s+\d+\.\d%\s+\[.*\]\s+\d+\.\d%/);
  assert.match(text.out, /baselines fitted on the model's training data/);
});

Commands('explain shows scores, z, attribution and the fused reward; --trace shows layers and gradients', () => {
  const item = JSON.stringify({ scores: { careful: 1.2, 'verbose-fan': 0.1, 'keyword-counter': null, 'big-scale': 330, 'math-expert': 0.5, 'code-expert': -0.2 }, features: { 'domain:math': 1, 'domain:code': 0, 'domain:chat': 0 } });
  const r = cli('explain', 'gated.json', item);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /careful\s+1\.2000\s+[-\d.]+\s+0\.\d{4}\s+[+-]\d\.\d{4}/);
  assert.match(r.out, /keyword-counter\s+none\s+—/);
  assert.match(r.out, /fused reward -?\d\.\d{4}\s+uncertainty/);
  const pair = JSON.stringify({ a: { careful: 1, 'big-scale': 320 }, b: { careful: -1, 'big-scale': 280 }, label: 'a' });
  const t = cli('explain', 'model.json', pair, '--trace');
  assert.is(t.code, 0, t.err);
  assert.match(t.out, /P\(a ≻ b\) = σ\(/);
  assert.match(t.out, /linear\+relu → hidden0\.y \(2×16; backward reads x, W, y\)/);
  assert.match(t.out, /linear → skip\.y \(2×1; backward reads x, W\)/);
  assert.match(t.out, /a\s+dL\/dy [+-]/);
  assert.match(t.out, /loss −\[t·log σ\(ra − rb\).*= \d\.\d{6} with t = 1/);
  assert.match(t.out, /hidden0\.W\s+\d+ values\s+\|dL\/dθ\| \d/);
});

Commands('demo prints both tables and writes a self-contained report; --model saves the default fusion model, and explain --trace follows it', () => {
  const r = cli('demo', '--report', 'demo.html', '--model', 'demo-model.json');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`wrote demo-model\\.json \\(the default fusion model: `));
  const loaded = loadModel(readFileSync(at('demo-model.json'), 'utf8'));
  const pair = JSON.stringify({ a: { careful: 1.2, 'verbose-fan': 0.3 }, b: { careful: 0.1, 'verbose-fan': 1.5 }, label: 'a' });
  const trace = cli('explain', 'demo-model.json', pair, ...(loaded.nets.length ? ['--trace'] : []));
  assert.is(trace.code, 0, trace.err);
  assert.match(trace.out, /P\(a ≻ b\)/);
  if (loaded.nets.length) assert.match(trace.out, /loss .* = [\d.]+ with t = 1/);
  assert.match(r.out, /\| fusion\s+\| fusion default → (tbma|bma|stacking|mean|median|mlp|gated)\s+\|\s+\d+\.\d%/);
  assert.match(r.out, /\| fusion\s+\| fusion auto → (mlp|gated|linear)\s+\|\s+\d+\.\d%/);
  assert.match(r.out, /\| keyword-counter \|/);
  assert.match(r.out, /N=64/);
  const html = readFileSync(at('demo.html'), 'utf8');
  for (const title of ['Pairwise accuracy', 'Best-of-N', 'Gate weights by context', 'Reliability diagram', 'Loss curves']) assert.ok(html.includes(title), title);
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

Commands.run();

// ---

const Bad = suite('bad input: one clear line, non-zero exit, no partial output');

const fails = (r, pattern, code = 1) => {
  assert.is(r.code, code, `exit ${r.code}: ${r.err}`);
  assert.is(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  assert.match(r.err, pattern);
  assert.not.match(r.err, /\n\s+at /);
};
const noOutput = (file) => {
  assert.not.ok(existsSync(at(file)), `${file} should not exist`);
  assert.not.ok(readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
};
const good = readFileSync(at('train.jsonl'), 'utf8').split('\n');

Bad('a missing file', () => {
  fails(cli('train', 'nope.jsonl', '-o', 'out1.json'), /^rewardfuse: nope\.jsonl: no such file$/m);
  fails(cli('score', 'nope.json', 'items.jsonl'), /nope\.json: no such file/);
  fails(cli('eval', 'model.json', 'nope.jsonl'), /nope\.jsonl: no such file/);
  noOutput('out1.json');
});

Bad('a malformed line', () => {
  writeFileSync(at('broken.jsonl'), [good[0], good[1], '{"id": "x", "a": {', good[3]].join('\n'));
  fails(cli('train', 'broken.jsonl', '-o', 'out2.json'), /broken\.jsonl:3: not valid JSON/);
  noOutput('out2.json');
});

Bad('a wrong label', () => {
  writeFileSync(at('label.jsonl'), [good[0], good[1].replace(/"label":"[ab]"/, '"label":"c"')].join('\n'));
  fails(cli('train', 'label.jsonl', '-o', 'out3.json'), /label\.jsonl:2: field "label": expected "a", "b" or "tie", got "c"/);
  noOutput('out3.json');
});

Bad('a bad score value', () => {
  writeFileSync(at('value.jsonl'), [good[0], good[1].replace(/"careful":[-\d.e]+/, '"careful":"high"')].join('\n'));
  fails(cli('eval', 'model.json', 'value.jsonl', '--report', 'out4.html'), /value\.jsonl:2: field "a\.careful": expected a number or null, got "high"/);
  noOutput('out4.html');
});

Bad('an unknown reward model', () => {
  const items = readFileSync(at('items.jsonl'), 'utf8').split('\n');
  items[2] = items[2].replace('"scores":{', '"scores":{"mystery-rm":0.4,');
  writeFileSync(at('unknown.jsonl'), items.join('\n'));
  fails(cli('score', 'model.json', 'unknown.jsonl', '-o', 'out5.jsonl'), /unknown\.jsonl:3: field "scores\.mystery-rm": unknown model "mystery-rm"/);
  noOutput('out5.jsonl');
  const r = cli('score', 'model.json', 'unknown.jsonl', '--ignore-unknown');
  assert.is(r.code, 0);
  assert.match(r.err, /ignoring models the fusion model does not know: mystery-rm/);
});

Bad('empty data', () => {
  writeFileSync(at('empty.jsonl'), '\n\n');
  fails(cli('train', 'empty.jsonl', '-o', 'out6.json'), /empty\.jsonl: no (pairs|records|items) found/);
  noOutput('out6.json');
});

Bad('a corrupt model file', () => {
  writeFileSync(at('corrupt.json'), '{"format": "rewardfuse-model", "version": 1, "arch": ');
  fails(cli('score', 'corrupt.json', 'items.jsonl', '-o', 'out7.jsonl'), /corrupt\.json: not a rewardfuse model file: not valid JSON/);
  const m = JSON.parse(readFileSync(at('model.json'), 'utf8'));
  m.weights = m.weights.slice(0, 40);
  writeFileSync(at('short.json'), JSON.stringify(m));
  fails(cli('eval', 'short.json', 'test.jsonl', '--report', 'out8.html'), /short\.json: field "weights": expected \d+ f32 values/);
  noOutput('out7.jsonl');
  noOutput('out8.html');
});

Bad('bad usage exits 2', () => {
  fails(cli('train', 'train.jsonl'), /train needs -o <model\.json>/, 2);
  fails(cli('train', 'train.jsonl', '-o', 'x.json', '--epochs', 'many'), /--epochs takes a number, got "many"/, 2);
  fails(cli('frobnicate'), /unknown command "frobnicate"/, 2);
  fails(cli('train', 'train.jsonl', '-o', 'x.json', '--arch', 'rnn'), /--arch must be one of library, auto, linear, mlp, gated, got "rnn"/, 2);
  fails(cli('explain', 'model.json', '{"scores": '), /<argument>: not valid JSON/);
  noOutput('x.json');
});

Bad('CMD --help prints that command\'s usage and exits 0, whatever else was given', () => {
  for (const cmd of ['train', 'score', 'eval', 'explain', 'export', 'demo', 'serve']) {
    const r = cli(cmd, 'train.jsonl', cmd === 'score' ? '-h' : '--help', '--epochs', 'many');
    assert.is(r.code, 0, r.err);
    assert.is(r.err, '');
    assert.match(r.out, new RegExp(`^rewardfuse ${cmd} `));
  }
  noOutput('x.json');
});

Bad.run();
