// Nothing lost, nothing silent: the command line run as a real subprocess
// against odd outputs (a device node, a FIFO, symlinks, an input, a full
// disk, a closed pipe, a signal mid-write), numeric extremes, and fuzzed
// records. One suite per class of defect; every failure must be one line and
// a non-zero exit, and no input may change.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, closeSync, existsSync, linkSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync,
  readlinkSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateEnsemble, simPairs, simItems, loadModel, parseData, DataError } from '../dist/index.js';
import { pairsFromRecords, itemsFromRecords } from '../dist/data.js';
import { checkSet } from '../dist/data/index.js';
import { Mlp } from '../dist/engine.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-adv-'));
const at = (f) => join(dir, f);
const ROOT = process.getuid?.() === 0;

/** Run the CLI; `stdout` may be a file descriptor (e.g. of /dev/full). */
const cli = (args, { stdout = 'pipe', timeout = 120000 } = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout, stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 28 });
  if (r.error) throw r.error; // a hang, as a timeout
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr };
};
/** A clean failure: the exit code, exactly one line naming the problem, no stack trace. */
const fails = (r, pattern, code = 1) => {
  assert.is(r.code, code, `exit ${r.code}: ${r.err}`);
  // train's progress lines aside (epochs, the library's phases), standard error holds one line
  const said = r.err.trim().split('\n').filter((l) => !/^(net \d+\/\d+  epoch |cross-validating the library|choosing on a |fitting the rules and baselines on all|training \w+ on all|writing )/.test(l));
  assert.is(said.length, 1, `one line: ${r.err}`);
  assert.match(said[0], /^rewardfuse[: ]/);
  assert.match(said[0], pattern);
  assert.not.match(r.err, /\n\s+at |internal error/);
};
const tmpsLeft = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const bytes = (f) => readFileSync(at(f));

// ---- fixtures: simulated data, a small model of each kind ----

const sim = simulateEnsemble({ prompts: 60, seed: 5 });
const ids = Array.from({ length: sim.prompts }, (_, i) => i);
const side = (x, i, models) => Object.fromEntries(models.map((m, k) => [m, Number.isNaN(x[i * models.length + k]) ? null : x[i * models.length + k]]));
const pairsSet = simPairs(sim, ids, 1);
const pairRecords = pairsSet.ids.map((id, i) => ({ id, a: side(pairsSet.a, i, pairsSet.models), b: side(pairsSet.b, i, pairsSet.models), label: pairsSet.label[i] === 1 ? 'a' : 'b' }));
const itemSet = simItems(sim, ids.slice(0, 8));
const itemRecords = itemSet.ids.map((id, i) => ({ id, scores: side(itemSet.scores, i, itemSet.models), target: itemSet.target[i] }));
const lines = (records) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(at('pairs.jsonl'), lines(pairRecords));
writeFileSync(at('items.jsonl'), lines(itemRecords));
for (const [file, arch] of [['model.json', 'mlp'], ['gated.json', 'gated']]) {
  const r = cli(['train', 'pairs.jsonl', '-o', file, '--arch', arch, '--epochs', '5', '--ensemble', '2']);
  if (r.code !== 0) throw new Error(`fixture ${file}: ${r.err}`);
}
const scored = cli(['score', 'model.json', 'items.jsonl']).out;
const CAREFUL = sim.models[0];
// 20,000 items: an output far larger than a pipe's buffer
writeFileSync(at('many.jsonl'), lines(Array.from({ length: 20000 }, (_, i) => ({ id: `i${i}`, scores: { [CAREFUL]: i % 7 } }))));

// ---
const Outputs = suite('1. outputs: only regular files are replaced, and never an input');

Outputs('a device node is written in place, never turned into a file', () => {
  // as root, private nodes like /dev/full and /dev/null; otherwise symlinks to them
  const node = (name, minor, target) => {
    rmSync(at(name), { force: true });
    if (ROOT && spawnSync('mknod', [at(name), 'c', '1', String(minor)]).status === 0) {
      try {
        closeSync(openSync(at(name), 'w')); // a filesystem mounted nodev refuses to open it
        return 'device';
      } catch {
        rmSync(at(name));
      }
    }
    symlinkSync(target, at(name));
    return 'link';
  };
  const full = node('full', 7, '/dev/full');
  fails(cli(['score', 'model.json', 'items.jsonl', '-o', 'full']), /^rewardfuse: full: cannot write \(ENOSPC: no space left on device\)$/m);
  fails(cli(['train', 'pairs.jsonl', '-o', 'full', '--arch', 'linear', '--epochs', '2', '--ensemble', '1']), /full: cannot write \(ENOSPC/);
  if (full === 'device') assert.ok(statSync(at('full')).isCharacterDevice(), 'still a device');
  else assert.is(readlinkSync(at('full')), '/dev/full');
  const nul = node('null', 3, '/dev/null');
  const r = cli(['score', 'model.json', 'items.jsonl', '-o', 'null']);
  assert.is(r.code, 0, r.err);
  if (nul === 'device') assert.ok(statSync(at('null')).isCharacterDevice(), 'still a device');
  else assert.ok(lstatSync(at('null')).isSymbolicLink());
  assert.equal(tmpsLeft(), []);
});

Outputs('a FIFO is written in place: the reader gets every line, the FIFO stays a FIFO', async () => {
  rmSync(at('fifo'), { force: true });
  if (spawnSync('mkfifo', [at('fifo')]).status !== 0) { console.log('  skipped: no mkfifo'); return; }
  const reader = spawn('cat', [at('fifo')]);
  let got = '';
  reader.stdout.on('data', (d) => { got += d; });
  const done = new Promise((ok) => reader.on('close', ok));
  const r = cli(['score', 'model.json', 'items.jsonl', '-o', 'fifo'], { timeout: 30000 });
  await done;
  assert.is(r.code, 0, r.err);
  assert.is(got, scored);
  assert.ok(statSync(at('fifo')).isFIFO());
  // a reader that goes away: EPIPE, one line
  const early = spawn('head', ['-c', '1', at('fifo')]);
  const e = cli(['score', 'model.json', 'many.jsonl', '-o', 'fifo'], { timeout: 30000 });
  await new Promise((ok) => early.on('close', ok));
  fails(e, /fifo: cannot write \(EPIPE: broken pipe\)/);
});

Outputs('/dev/stdout and /dev/fd/1 are our standard output, not a file to replace', () => {
  for (const name of ['/dev/stdout', '/dev/fd/1']) {
    const r = cli(['score', 'model.json', 'items.jsonl', '-o', name]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, scored);
  }
  assert.ok(lstatSync('/dev/stdout').isSymbolicLink() || statSync('/dev/stdout').isCharacterDevice());
});

Outputs('a symlink is followed: its target is written, the link stays; a dangling one creates its target', () => {
  writeFileSync(at('target.jsonl'), 'old\n');
  symlinkSync('target.jsonl', at('link.jsonl'));
  assert.is(cli(['score', 'model.json', 'items.jsonl', '-o', 'link.jsonl']).code, 0);
  assert.ok(lstatSync(at('link.jsonl')).isSymbolicLink());
  assert.is(readFileSync(at('target.jsonl'), 'utf8'), scored);
  symlinkSync('created.jsonl', at('dangling.jsonl'));
  assert.is(cli(['score', 'model.json', 'items.jsonl', '-o', 'dangling.jsonl']).code, 0);
  assert.ok(lstatSync(at('dangling.jsonl')).isSymbolicLink());
  assert.is(readFileSync(at('created.jsonl'), 'utf8'), scored);
  // a replaced file keeps its permissions
  chmodSync(at('target.jsonl'), 0o600);
  assert.is(cli(['score', 'model.json', 'items.jsonl', '-o', 'target.jsonl']).code, 0);
  assert.is(statSync(at('target.jsonl')).mode & 0o777, 0o600);
  fails(cli(['score', 'model.json', 'items.jsonl', '-o', 'no/such/dir.jsonl']), /no\/such\/dir\.jsonl: cannot write \(no such directory/);
  fails(cli(['score', 'model.json', 'items.jsonl', '-o', '.']), /\.: is a directory, not a file/);
  fails(cli(['score', 'model.json', 'items.jsonl', '-o', '']), /--out takes a value, got an empty string/, 2);
  assert.equal(tmpsLeft(), []);
});

Outputs('an output that is an input (by name, symlink or hard link) is refused, and the input kept', () => {
  const before = { items: bytes('items.jsonl'), model: bytes('model.json'), pairs: bytes('pairs.jsonl') };
  symlinkSync('items.jsonl', at('items-link.jsonl'));
  linkSync(at('items.jsonl'), at('items-hard.jsonl'));
  for (const out of ['items.jsonl', 'items-link.jsonl', 'items-hard.jsonl', './items.jsonl', at('items.jsonl')]) {
    fails(cli(['score', 'model.json', 'items.jsonl', '-o', out]), /refusing to write over an input \(it is the same file as items\.jsonl\)/);
  }
  fails(cli(['score', 'model.json', 'items.jsonl', '-o', 'model.json']), /model\.json: refusing to write over an input/);
  fails(cli(['train', 'pairs.jsonl', '-o', 'pairs.jsonl', '--arch', 'linear', '--epochs', '2', '--ensemble', '1']), /pairs\.jsonl: refusing to write over an input/);
  fails(cli(['eval', 'model.json', 'pairs.jsonl', '--report', 'pairs.jsonl']), /pairs\.jsonl: refusing to write over an input/);
  // standard output appended to an input, through -o /dev/stdout or plainly
  const fd = openSync(at('items.jsonl'), 'a');
  try {
    fails(cli(['score', 'model.json', 'items.jsonl', '-o', '/dev/stdout'], { stdout: fd }), /\/dev\/stdout: refusing to write over an input/);
    fails(cli(['score', 'model.json', 'items.jsonl'], { stdout: fd }), /standard output: refusing to write over an input/);
  } finally {
    closeSync(fd);
  }
  assert.ok(bytes('items.jsonl').equals(before.items), 'items unchanged');
  assert.ok(bytes('model.json').equals(before.model), 'model unchanged');
  assert.ok(bytes('pairs.jsonl').equals(before.pairs), 'pairs unchanged');
  assert.equal(tmpsLeft(), []);
});

Outputs('SIGINT or SIGTERM at any moment of a write: the output is whole or absent, and no temporary file is left', async () => {
  const N = 60000;
  writeFileSync(at('big.jsonl'), lines(Array.from({ length: N }, (_, i) => ({ id: `i${i}`, scores: { [CAREFUL]: Math.sin(i), [sim.models[1]]: Math.cos(i) } }))));
  const whole = cli(['score', 'model.json', 'big.jsonl']).out;
  assert.is(whole.split('\n').length, N + 1);
  // the moment the temporary file appears, then before any write, then whenever
  const moments = [['SIGINT', 'tmp'], ['SIGTERM', 'tmp'], ['SIGINT', 0], ['SIGINT', 150], ['SIGTERM', 300]];
  for (const [sig, when] of moments) {
    rmSync(at('sig.jsonl'), { force: true });
    const child = spawn(process.execPath, [BIN, 'score', 'model.json', 'big.jsonl', '-o', 'sig.jsonl'], { cwd: dir, stdio: 'ignore' });
    let gone = false;
    const exited = new Promise((ok) => child.on('exit', (code, signal) => { gone = true; ok({ code, signal }); }));
    if (when === 'tmp') {
      // until the temporary file appears (or the child is done): an event, not a time limit
      while (!readdirSync(dir).some((f) => f.startsWith('sig.jsonl.') && f.endsWith('.tmp')) && !gone) await new Promise((ok) => setImmediate(ok));
    } else {
      await new Promise((ok) => setTimeout(ok, when));
    }
    child.kill(sig);
    const { code, signal } = await exited;
    assert.ok(signal === sig || code === 0, `${sig} at ${when}: exit ${code}, signal ${signal}`);
    assert.equal(tmpsLeft(), [], `${sig} at ${when}: temporary file left`);
    if (existsSync(at('sig.jsonl'))) assert.ok(readFileSync(at('sig.jsonl'), 'utf8') === whole, `${sig} at ${when}: partial output`);
    else assert.is(signal, sig);
  }
});

Outputs.run();

// ---
const WriteErrors = suite('2. write errors: a full disk or a closed pipe is one line and a non-zero exit');

WriteErrors('standard output on a full disk, for every command that prints', () => {
  const full = openSync('/dev/full', 'w');
  try {
    const item = JSON.stringify({ scores: { [CAREFUL]: 1 } });
    fails(cli(['score', 'model.json', 'items.jsonl'], { stdout: full }), /^rewardfuse: standard output: cannot write \(ENOSPC: no space left on device\)$/m);
    fails(cli(['--help'], { stdout: full }), /standard output: cannot write \(ENOSPC/);
    fails(cli(['explain', 'model.json', item], { stdout: full }), /standard output: cannot write \(ENOSPC/);
    fails(cli(['eval', 'model.json', 'pairs.jsonl'], { stdout: full }), /standard output: cannot write \(ENOSPC/);
    fails(cli(['eval', 'model.json', 'pairs.jsonl', '--json'], { stdout: full }), /standard output: cannot write \(ENOSPC/);
  } finally {
    closeSync(full);
  }
  fails(cli(['demo', '--report', '/dev/full']), /\/dev\/full: cannot write \(ENOSPC/);
});

WriteErrors('a pipe closed by its reader: EPIPE, one line', async () => {
  for (const args of [['score', 'model.json', 'many.jsonl'], ['eval', 'model.json', 'pairs.jsonl']]) {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((ok) => child.on('close', ok));
    fails({ code, err }, /standard output: cannot write \(EPIPE: broken pipe\)/);
  }
});

WriteErrors.run();

// ---
const Numbers = suite('3. no silent NaN: extreme values are refused or give finite output');

// v1 model files hold weights as an array, v2 as base64 f32: edit either
function tamper(file, out, edit) {
  const m = JSON.parse(readFileSync(at(file), 'utf8'));
  edit(m);
  writeFileSync(at(out), JSON.stringify(m));
}
const weights = (m, f) => {
  if (typeof m.weights === 'string') {
    const w = new Float32Array(new Uint8Array(Buffer.from(m.weights, 'base64')).buffer);
    f(w);
    m.weights = Buffer.from(w.buffer).toString('base64');
  } else if (Array.isArray(m.weights)) {
    const w = Float32Array.from(m.weights);
    f(w);
    m.weights = Array.from(w);
  }
};
/** Exit 0 with every number finite, or a clean one-line error; never "null", NaN or an internal error. */
function cleanOrFinite(r, what) {
  if (r.code === 0) {
    for (const line of r.out.trim().split('\n')) {
      const o = JSON.parse(line);
      for (const k of ['reward', 'uncertainty', 'conservative']) assert.ok(Number.isFinite(o[k]), `${what}: ${k} = ${o[k]}`);
      for (const v of Object.values(o.weights ?? {})) assert.ok(Number.isFinite(v), `${what}: weight ${v}`);
    }
  } else {
    assert.is(r.code, 1, `${what}: exit ${r.code}: ${r.err}`);
    assert.is(r.err.trim().split('\n').length, 1, `${what}: ${r.err}`);
    assert.not.match(r.err, /internal error|\n\s+at /, what);
    assert.not.match(r.out, /null|NaN/, what);
  }
}

Numbers('model files with weights of 3e38, a gate temperature of 1e-40, λ = −1e300', () => {
  tamper('model.json', 'huge-weights.json', (m) => weights(m, (w) => w.fill(3e38)));
  tamper('gated.json', 'cold-gate.json', (m) => { m.arch.temperature = 1e-40; });
  tamper('model.json', 'lambda.json', (m) => { m.lambda = -1e300; });
  tamper('model.json', 'center.json', (m) => { m.normalisation.center = m.normalisation.center.map(() => 1e39); });
  tamper('model.json', 'scale.json', (m) => { m.normalisation.scale = m.normalisation.scale.map(() => 3e38); });
  for (const f of ['huge-weights.json', 'cold-gate.json', 'lambda.json', 'center.json', 'scale.json']) {
    cleanOrFinite(cli(['score', f, 'items.jsonl']), `score ${f}`);
    const e = cli(['eval', f, 'pairs.jsonl', '--json']);
    assert.ok(e.code === 0 || e.code === 1, `eval ${f}: exit ${e.code}: ${e.err}`);
    if (e.code === 0) assert.not.match(e.out, /null|NaN/);
    const x = cli(['explain', f, JSON.stringify({ scores: { [CAREFUL]: 1 } })]);
    assert.ok(x.code === 0 || x.code === 1, `explain ${f}: exit ${x.code}: ${x.err}`);
    if (x.code === 0) assert.not.match(x.out, /NaN|Infinity/);
  }
});

Numbers('scores the model cannot normalise within float32 are refused naming the line and field', () => {
  tamper('model.json', 'tiny-spread.json', (m) => { m.normalisation.scale = m.normalisation.scale.map(() => 1e30); });
  const items = readFileSync(at('items.jsonl'), 'utf8').split('\n');
  items[2] = JSON.stringify({ id: 'far', scores: { [CAREFUL]: 1e12 } });
  writeFileSync(at('far.jsonl'), items.join('\n'));
  const r = cli(['score', 'tiny-spread.json', 'far.jsonl']);
  if (r.code === 1 && /tiny-spread\.json/.test(r.err)) return; // the loader refused the model itself: also clean
  fails(r, new RegExp(`far\\.jsonl:3: field "scores\\.${CAREFUL}": 1000000000000 is too large for this model`));
});

Numbers('Mlp.predict throws naming the row instead of returning NaN', () => {
  const mlp = new Mlp({ inputs: 2, hidden: [8], seed: 0 });
  assert.ok(mlp.predict(new Float32Array([1, 2, -1, 0.5])).every(Number.isFinite));
  for (const [x, row] of [[[1, 2, 3e38, 1], 1], [[-3e38, 3e38], 0], [[0, 0, 0, 0, 3e38, 3e38], 2]]) {
    assert.throws(() => mlp.predict(new Float32Array(x)), (e) => new RegExp(`predict: row ${row} gives .*not a finite number`).test(e.message));
  }
  assert.throws(() => mlp.predict(new Float32Array([NaN, 1])), /row 0 column 0 is NaN/);
});

Numbers.run();

// ---
const Places = suite('4. errors name the file, line and field the user wrote');

Places('a score beyond what float32 arithmetic can take is refused where it is written', () => {
  const p = readFileSync(at('pairs.jsonl'), 'utf8').split('\n');
  for (const [v, why] of [['3.4e38', /3\.4e\+38 is beyond ±1e15/], ['1e16', /10000000000000000 is beyond ±1e15/], ['1e39', /1e\+39 is beyond the float32 range/], ['-3.4e39', /-3\.4e\+39 is beyond the float32 range/]]) {
    const bad = p.slice();
    bad[8] = bad[8].replace(new RegExp(`"${CAREFUL}":[-\\d.e]+`), `"${CAREFUL}":${v}`);
    writeFileSync(at('extreme.jsonl'), bad.join('\n'));
    fails(cli(['train', 'extreme.jsonl', '-o', 'never.json', '--arch', 'linear', '--epochs', '1', '--ensemble', '1']), new RegExp(`extreme\\.jsonl:9: field "a\\.${CAREFUL}": ${why.source}`));
    fails(cli(['eval', 'model.json', 'extreme.jsonl']), new RegExp(`extreme\\.jsonl:9: field "a\\.${CAREFUL}"`));
  }
  writeFileSync(at('extreme.csv'), `id,${CAREFUL}\ni1,1\ni2,3.4e38\n`);
  fails(cli(['score', 'model.json', 'extreme.csv']), new RegExp(`extreme\\.csv:3: field "${CAREFUL}": 3\\.4e\\+38 is beyond ±1e15`));
  writeFileSync(at('extreme-target.jsonl'), lines([{ id: 'i', scores: { [CAREFUL]: 1 }, target: 2e15 }]));
  fails(cli(['train', 'extreme-target.jsonl', '-o', 'never.json']), /extreme-target\.jsonl:1: field "target": 2000000000000000 is beyond ±1e15/);
  assert.not.ok(existsSync(at('never.json')));
});

Places('explain: a missing file is "no such file", not "not valid JSON"', () => {
  fails(cli(['explain', 'model.json', 'nofile.json']), /^rewardfuse: nofile\.json: no such file$/m);
  fails(cli(['explain', 'model.json', 'sub/dir/x.json']), /sub\/dir\/x\.json: no such file/);
  fails(cli(['explain', 'model.json', '{"scores": ']), /<argument>: not valid JSON/);
  writeFileSync(at('one.json'), JSON.stringify({ scores: { [CAREFUL]: 1 } }));
  assert.is(cli(['explain', 'model.json', 'one.json']).code, 0);
});

Places('CSV with CR-only line ends reads as with LF, and errors name the right line', () => {
  const rows = [`id,label,a:${CAREFUL},b:${CAREFUL},a:${sim.models[1]},b:${sim.models[1]}`, ...pairRecords.slice(0, 30).map((r) => [r.id, r.label, r.a[CAREFUL] ?? '', r.b[CAREFUL] ?? '', r.a[sim.models[1]] ?? '', r.b[sim.models[1]] ?? ''].join(','))];
  writeFileSync(at('cr.csv'), rows.join('\r') + '\r');
  writeFileSync(at('lf.csv'), rows.join('\n') + '\n');
  const cr = cli(['eval', 'model.json', 'cr.csv', '--json', '--ignore-unknown']), lf = cli(['eval', 'model.json', 'lf.csv', '--json', '--ignore-unknown']);
  assert.is(cr.code, 0, cr.err);
  assert.is(cr.out, lf.out);
  const bad = rows.slice();
  bad[4] = bad[4].replace(/,[ab],/, ',maybe,');
  writeFileSync(at('cr-bad.csv'), bad.join('\r'));
  fails(cli(['eval', 'model.json', 'cr-bad.csv']), /cr-bad\.csv:5: field "label": expected a, b or tie, got "maybe"/);
  writeFileSync(at('cr.jsonl'), lines(itemRecords).replace(/\n/g, '\r'));
  assert.is(cli(['score', 'model.json', 'cr.jsonl']).out, scored);
});

Places('a model file or data file with a BOM is read', () => {
  writeFileSync(at('bom-model.json'), '\uFEFF' + readFileSync(at('model.json'), 'utf8'));
  writeFileSync(at('bom-items.jsonl'), '\uFEFF' + readFileSync(at('items.jsonl'), 'utf8'));
  const r = cli(['score', 'bom-model.json', 'bom-items.jsonl']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, scored);
});

Places.run();

// ---
const Ties = suite('6. data that is only ties: a clean error, not an internal one');

Ties('train and eval on pairs that are all ties', () => {
  const ties = pairRecords.slice(0, 20).map((r) => ({ ...r, label: 'tie' }));
  writeFileSync(at('ties.jsonl'), lines(ties));
  writeFileSync(at('ties.csv'), `id,label,a:${CAREFUL},b:${CAREFUL}\n` + ties.map((r, i) => `t${i},tie,${i},${-i}`).join('\n'));
  for (const args of [['train', 'ties.jsonl', '-o', 'ties-model.json'], ['eval', 'model.json', 'ties.jsonl'], ['eval', 'model.json', 'ties.csv', '--json', '--ignore-unknown']]) {
    fails(cli(args), /ties\.(jsonl|csv): field "label": every pair is a tie/);
  }
  assert.not.ok(existsSync(at('ties-model.json')));
  // one decisive pair is enough
  writeFileSync(at('nearly-ties.jsonl'), lines([...ties, pairRecords[30]]));
  const r = cli(['eval', 'model.json', 'nearly-ties.jsonl', '--json']);
  assert.is(r.code, 0, r.err);
});

Ties.run();

// ---
const Library = suite('8. the library: clear errors for wrong types, labels, lengths and ranges');

const dataError = (fn, pattern) => assert.throws(fn, (e) => e instanceof DataError && pattern.test(e.message) && !/\n\s+at /.test(e.message), String(pattern));

Library('parseData and the record readers name the argument or field', () => {
  for (const [args, pattern] of [[[42], /parseData: text must be a string/], [[null, 'x.jsonl'], /parseData: text must be a string.*got null/], [['{}', 42], /parseData: source must be a string/], [['{}', 'x', 'triples'], /parseData: kind must be "pairs", "items" or undefined, got "triples"/]]) {
    assert.throws(() => parseData(...args), (e) => e instanceof TypeError && pattern.test(e.message), String(pattern));
  }
  dataError(() => pairsFromRecords([{ id: 'p', a: { r: 1 }, b: { r: 0 }, label: 2 }]), /record 1: field "label": expected "a", "b" or "tie", got 2/);
  dataError(() => pairsFromRecords(null), /expected an array of records/);
  dataError(() => pairsFromRecords([{ id: 'p', a: { r: 1 }, b: { r: 0 }, label: 'a' }, undefined]), /record 2: missing \(expected an object\)/);
  dataError(() => itemsFromRecords([{ id: 'i', scores: { r: '1' }, target: 0 }]), /record 1: field "scores\.r": expected a number or null, got "1"/);
  dataError(() => itemsFromRecords([{ id: 'i', scores: { r: 1 }, target: 0 }, { id: 'j', scores: { r: 1 } }]), /record 2: field "target": missing/);
  dataError(() => itemsFromRecords([{ id: 'i', scores: { r: 1e20 }, target: 0 }]), /field "scores\.r": 100000000000000000000 is beyond ±1e15/);
  const scoring = itemsFromRecords([{ id: 'i', scores: { r: 1 } }], 'new.jsonl', { targets: false });
  assert.ok(Number.isNaN(scoring.target[0]));
  assert.ok(Number.isNaN(parseData('id,r\nx,1\n', 'new.csv', 'items', { targets: false }).target[0]));
});

Library('checkSet: hand-built sets with bad labels, short arrays or wrong types name the field', () => {
  const good = pairsFromRecords(pairRecords.slice(0, 3));
  assert.is(checkSet(good), good);
  const K = good.models.length;
  const cases = [
    [{ ...good, label: Float32Array.from([1, 2, 0]) }, /record 2: field "label": expected a number in \[0, 1\].*got 2/],
    [{ ...good, label: Float32Array.from([1, NaN, 0]) }, /record 2: field "label"/],
    [{ ...good, a: good.a.subarray(0, K) }, new RegExp(`field "a": expected a Float32Array of ${3 * K} values \\(3 pairs × ${K} models\\), got Float32Array of ${K}`)],
    [{ ...good, b: Array.from(good.b) }, /field "b": expected a Float32Array .*got an array of/],
    [{ ...good, a: Float32Array.from(good.a, (v, i) => (i === K + 1 ? Infinity : v)) }, new RegExp(`record 2: field "a\\.${good.models[1]}": Infinity is not a finite number`)],
    [{ ...good, ids: 'p1' }, /field "ids": expected a non-empty array/],
    [{ ...good, models: [...good.models.slice(1), good.models[1]] }, /field "models": ".*" appears twice/],
    [{ ...good, kind: 'triples' }, /field "kind": expected "pairs" or "items"/],
    [{ ...good, lines: [1, 2, 3] }, /field "lines": expected an Int32Array of 3/],
    [null, /expected a PairSet or ItemSet/],
  ];
  for (const [set, pattern] of cases) dataError(() => checkSet(set), pattern);
  const items = itemsFromRecords(itemRecords.slice(0, 2));
  dataError(() => checkSet({ ...items, scores: items.scores.subarray(1) }), /field "scores": expected a Float32Array/);
  dataError(() => checkSet({ ...items, target: Float32Array.from([0.5, NaN]) }), /record 2: field "target": missing/);
  assert.ok(checkSet({ ...items, target: Float32Array.from([0.5, NaN]) }, { targets: false }));
  dataError(() => checkSet({ ...items, target: Float32Array.from([0.5, 3]) }, { unitTargets: true }), /record 2: field "target": expected a number in \[0, 1\] for a BCE loss, got 3/);
});

Library.run();

// ---
const Usability = suite('9. usability: scoring needs no target');

Usability('score takes items with no "target", in JSONL and CSV', () => {
  writeFileSync(at('new.jsonl'), lines(itemRecords.map(({ target, ...r }) => r)));
  const r = cli(['score', 'model.json', 'new.jsonl']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, scored);
  writeFileSync(at('new.csv'), `id,${sim.models.join(',')}\n` + itemRecords.map((it) => [it.id, ...sim.models.map((m) => it.scores[m] ?? 'NA')].join(',')).join('\n'));
  const c = cli(['score', 'model.json', 'new.csv']);
  assert.is(c.code, 0, c.err);
  assert.is(c.out, scored);
  // training still needs one
  fails(cli(['train', 'new.jsonl', '-o', 'never.json', '--loss', 'mse']), /new\.jsonl:1: field "target": missing/);
});

Usability.run();

// ---
const Fuzz = suite('fuzzed records: a clean error or finite output; never a trap, a hang, NaN or a changed input');

// numbers users and adversaries write: ordinary, extreme, subnormal, beyond float32, and not numbers at all
const value = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.constantFrom(0, -0, 1e15, -1e15, 1e16, 3.4e38, -3.4028234663852886e38, 3.5e38, 1e39, 5e-324, 1e-45, null),
  fc.double(),
  fc.constantFrom('1', '', 'NaN', true, [], {}),
);
const scoresArb = fc.dictionary(fc.constantFrom(...sim.models, 'mystery', '__proto__', ''), value, { maxKeys: 4 });
const itemArb = fc.record({ id: fc.oneof(fc.string({ maxLength: 4 }), fc.constant(7)), scores: scoresArb, target: fc.option(value, { nil: undefined }) }, { requiredKeys: ['id', 'scores'] });
const pairArb = fc.record({ id: fc.string({ maxLength: 4 }), a: scoresArb, b: scoresArb, label: fc.constantFrom('a', 'b', 'tie', 'c', 2, 0.5) });
const model = loadModel(readFileSync(at('model.json'), 'utf8'), 'model.json');

/** A clean error: ours, with a message, never a wasm trap (RuntimeError), a TypeError or a RangeError. */
const clean = (e) => (e instanceof DataError || /^rewardfuse: /.test(e?.message ?? '')) && !(e instanceof WebAssembly.RuntimeError);

Fuzz('in process: parse then score, 200 runs', () => {
  fc.assert(fc.property(fc.array(fc.oneof(itemArb, pairArb), { minLength: 1, maxLength: 6 }), (records) => {
    const text = records.map((r) => JSON.stringify(r)).join('\n');
    let set;
    try {
      set = parseData(text, 'fuzz.jsonl', undefined, { targets: false });
    } catch (e) {
      if (!clean(e)) throw e;
      return;
    }
    try {
      const out = set.kind === 'pairs' ? model.scorePairs(set).margin : model.score(set).reward;
      for (const v of out) if (!Number.isFinite(v)) throw new Error(`a non-finite score: ${v}`);
    } catch (e) {
      if (!clean(e)) throw e;
    }
  }), { numRuns: 200, seed: 12 });
});

Fuzz('CSV: LF, CRLF and CR line ends read alike, 150 runs', () => {
  const cell = fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }).map(String), fc.constantFrom('', 'NA', 'null', '1e39', '3.4e38', 'x', '"q,1"'));
  fc.assert(fc.property(fc.array(fc.tuple(cell, cell, fc.constantFrom('a', 'b', 'tie', 'z')), { minLength: 1, maxLength: 8 }), (rows) => {
    const body = ['id,label,a:r,b:r', ...rows.map(([x, y, l], i) => `p${i},${l},${x},${y}`)];
    const read = (eol) => {
      try {
        const s = parseData(body.join(eol) + eol, 'fuzz.csv');
        return JSON.stringify({ ids: s.ids, a: Array.from(s.a), b: Array.from(s.b), label: Array.from(s.label), lines: Array.from(s.lines) });
      } catch (e) {
        if (!clean(e)) throw e;
        return e.message;
      }
    };
    const lf = read('\n');
    assert.is(read('\r\n'), lf);
    assert.is(read('\r'), lf);
  }), { numRuns: 150, seed: 7 });
});

Fuzz('the real command line on fuzzed items, 30 runs: exit 0 with finite numbers or one clean line, input unchanged', () => {
  // JSONL or CSV scored to another file, or JSONL scored onto itself (refused)
  fc.assert(fc.property(fc.array(itemArb, { minLength: 1, maxLength: 5 }), fc.constantFrom('jsonl', 'csv', 'onto itself'), (records, how) => {
    const file = how === 'csv' ? 'fuzz.csv' : 'fuzz.jsonl';
    const safe = (v) => String(v ?? '').replace(/[,"\n\r]/g, '_');
    const text = how === 'csv'
      ? `id,${sim.models.join(',')}\n` + records.map((r) => [safe(r.id), ...sim.models.map((m) => safe(r.scores[m]))].join(',')).join('\n')
      : records.map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(at(file), text);
    rmSync(at('fuzz-out.jsonl'), { force: true });
    const out = how === 'onto itself' ? file : 'fuzz-out.jsonl';
    const r = cli(['score', 'model.json', file, '--ignore-unknown', '-o', out], { timeout: 30000 });
    assert.is(readFileSync(at(file), 'utf8'), text, 'the input changed');
    if (r.code === 0 && how !== 'onto itself') cleanOrFinite({ ...r, out: readFileSync(at(out), 'utf8') }, text);
    else fails(r, how === 'onto itself' ? /refusing to write over an input|fuzz\.jsonl/ : new RegExp(file.replace('.', '\\.')));
    if (r.code !== 0) assert.not.ok(existsSync(at('fuzz-out.jsonl')), 'output after a failure');
  }), { numRuns: 30, seed: 3 });
  assert.equal(tmpsLeft(), []);
});

Fuzz.after(() => rmSync(dir, { recursive: true, force: true }));

Fuzz.run();
