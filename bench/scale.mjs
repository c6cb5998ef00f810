// npm run bench:scale — rewardfuse at 10⁶ rows (a benchmark, not a test).
// It writes its data to a temporary directory and removes it at the end; it
// uses only local files and subprocesses. Parts:
//   1. train the default on 10⁶ simulated pairs (K = 8) from a JSONL file, through
//      the CLI: wall time and peak RSS; beside it, when python3 has scikit-learn,
//      Python's json + LogisticRegression on robust z-differences, same file
//   2. score 10⁵, 10⁶ and 3·10⁶ items file to file, one thread and two (medians of
//      several runs): items/s, peak RSS; and 10⁵ items that carry a prompt each
//   3. read a 1 GB JSONL (the streaming reader): rows, time, peak RSS
//   4. quality: held-out accuracy of the default (a step budget, and nets that stop
//      when their loss is flat) against its chosen net trained without either: 100
//      full epochs at 10⁵ pairs, 5 at 10⁶ (SCALE_QUICK=1 skips 10⁶); and the mlp ensemble
//      the library trains when it chooses it, with and without them
// --quick (BENCH_QUICK=1): every part at a hundredth of the rows, one run each,
// checking what the full run checks (exit codes, equal bytes from one thread
// and two, every row read and scored); its timings mean nothing.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateEnsemble, simPairs, simItems, SIM_JUDGES } from '../dist/data/simulate.js';
import { trainFusion } from '../dist/index.js';
import { pairReport } from '../dist/eval.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-scale-'));
const quick = !!process.env.SCALE_QUICK;
const SMOKE = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const N = (n) => (SMOKE ? n / 100 : n); // rows: a hundredth in a quick run
const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** 10⁶, 3·10⁶: a row count as the tables write it */
const count = (n) => { const e = Math.floor(Math.log10(n) + 1e-9), m = Math.round(n / 10 ** e); return `${m > 1 ? `${m}·` : ''}10${[...String(e)].map((d) => SUP[d]).join('')}`; };
const check = (ok, what) => { if (!ok) throw new Error(`bench:scale: validation failed: ${what}`); };
// SCALE_PARTS=1,4 runs only those parts (default all); part 2 needs part 1's model
const parts = process.env.SCALE_PARTS?.split(',').map(Number);
const part = (k) => !parts || parts.includes(k);
const rows = [];
const row = (job, value, note = '') => { rows.push([job, value, note]); console.log(`${job}: ${value} ${note}`); };

// eight judges: the six simulated ones and two more of the same kinds
const JUDGES = [...SIM_JUDGES, { ...SIM_JUDGES[0], name: 'careful-2', noise: 0.9 }, { ...SIM_JUDGES[1], name: 'verbose-2', length: 0.7 }];

/** n pairs (or items) of a fresh simulation, as a set and, if `file`, as JSONL with 5 significant digits. */
function simulate(kind, n, seed, file) {
  const P = Math.ceil(kind === 'pairs' ? n / 4 : n / 8);
  const sim = simulateEnsemble({ judges: JUDGES, prompts: P, seed });
  const idx = Int32Array.from({ length: P }, (_, i) => i);
  const set = kind === 'pairs' ? simPairs(sim, idx, seed) : simItems(sim, idx);
  if (!file) return set;
  const K = set.models.length, fd = openSync(file, 'w');
  const scores = (x, i) => {
    let s = '{';
    for (let k = 0; k < K; k++) { const v = x[i * K + k]; s += `${k ? ',' : ''}"${set.models[k]}":${v === v ? Number(v.toPrecision(5)) : null}`; }
    return s + '}';
  };
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += kind === 'pairs'
      ? `{"id":"${set.ids[i]}","group":"${set.groups[i]}","a":${scores(set.a, i)},"b":${scores(set.b, i)},"label":"${set.label[i] === 1 ? 'a' : 'b'}"}\n`
      : `{"id":"${set.ids[i]}","scores":${scores(set.scores, i)}}\n`;
    if (buf.length > 1 << 22) { writeSync(fd, buf); buf = ''; }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return set;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
/** Run a command; wall seconds and peak RSS (MiB, from /usr/bin/time when there is one). */
function run(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', 'RSS %M', cmd, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, ...opts })
    : spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /RSS (\d+)/.exec(r.stderr ?? '');
  return { seconds, rss: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout, stderr: r.stderr };
}
const mib = (x) => (x === x ? `${x.toFixed(0)} MiB` : 'n/a');

try {
  // ---- 1. training ----
  const pairsFile = join(dir, 'pairs.jsonl');
  if (part(1) || part(2) || part(3)) simulate('pairs', N(1e6), 1, pairsFile);
  if (part(1) || part(2)) {
    row('pairs file', `${(statSync(pairsFile).size / 1e6).toFixed(0)} MB`, `${count(N(1e6))} pairs, K = 8`);
    const tr = run(process.execPath, [BIN, 'train', 'pairs.jsonl', '-o', 'model.json']);
    const chose = /^chose (\S+):/m.exec(tr.stdout)?.[1];
    check(chose && existsSync(join(dir, 'model.json')), `train wrote no model or no choice: ${tr.stdout.slice(-500)}`);
    row(`train the default, ${count(N(1e6))} pairs (CLI, file to model)`, `${tr.seconds.toFixed(1)} s`, `peak RSS ${mib(tr.rss)}; chose ${chose}`);

    // the first python3 that has scikit-learn (a pyenv shim may hide the system's)
    const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0);
    if (python) {
      const script = join(dir, 'logit.py');
      const fd = openSync(script, 'w');
      writeSync(fd, `import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
models = list(rows[0]['a'].keys())
def col(side, m):
    return np.array([r[side].get(m) if r[side].get(m) is not None else np.nan for r in rows], dtype=np.float64)
A = np.stack([col('a', m) for m in models], 1); B = np.stack([col('b', m) for m in models], 1)
both = np.concatenate([A, B])
med = np.nanmedian(both, 0); q75, q25 = np.nanpercentile(both, 75, 0), np.nanpercentile(both, 25, 0)
spread = (q75 - q25) / 1.349; spread[spread <= 1e-12] = 1
D = np.nan_to_num((A - med) / spread - (B - med) / spread)
y = np.array([1 if r['label'] == 'a' else 0 for r in rows])
clf = LogisticRegression(max_iter=1000).fit(D, y)
print('accuracy', clf.score(D, y))
`);
      closeSync(fd);
      const p = run(python, [script, 'pairs.jsonl']);
      row('Python json + scikit-learn LogisticRegression, same file', `${p.seconds.toFixed(1)} s`, `peak RSS ${mib(p.rss)}; rewardfuse/Python time ratio ${(tr.seconds / p.seconds).toFixed(2)}`);
    } else {
      row('Python json + scikit-learn LogisticRegression', 'skipped', '(python3 with scikit-learn not found: apt-get install python3-sklearn)');
    }
  }

  // ---- 2. scoring ----
  // each size scored several times, one thread and two in turn (the machine is
  // noisy): the median time, and the largest peak RSS
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const scoreRuns = (f, n, what, times, threadCounts) => {
    const runs = Object.fromEntries(threadCounts.map((t) => [t, []]));
    for (let r = 0; r < times; r++) {
      for (const t of threadCounts) runs[t].push(run(process.execPath, [BIN, 'score', 'model.json', f, '-o', `scores-${n}-${t}.jsonl`, '--threads', String(t)]));
    }
    const lines = readFileSync(join(dir, `scores-${n}-1.jsonl`), 'utf8').split('\n');
    check(lines.length === n + 1 && lines.slice(0, n).every((l) => /"reward":-?\d/.test(l)), `score ${f}: ${lines.length - 1} lines for ${n} items`);
    const one = median(runs[1].map((r) => r.seconds));
    for (const t of threadCounts) {
      const sec = median(runs[t].map((r) => r.seconds)), rss = Math.max(...runs[t].map((r) => r.rss));
      row(`score ${what}, file to file, ${t} thread${t > 1 ? 's' : ''}`, `${Math.round(n / sec / 1000)}k items/s`,
        `median of ${times}: ${sec.toFixed(2)} s (${runs[t].map((r) => r.seconds.toFixed(2)).join(', ')}), peak RSS ${mib(rss)}${t > 1 ? `, ${(one / sec).toFixed(2)}× one thread` : ''}`);
    }
    if (threadCounts.length > 1) {
      const same = spawnSync('cmp', [`scores-${n}-1.jsonl`, `scores-${n}-2.jsonl`], { cwd: dir });
      if (same.status !== 0) throw new Error('two threads wrote other bytes than one');
    }
  };
  if (part(2)) for (const n of [N(1e5), N(1e6), N(3e6)]) {
    const f = `items-${n}.jsonl`;
    if (n === N(3e6)) spawnSync('sh', ['-c', `cat ${Array(3).fill(`items-${N(1e6)}.jsonl`).join(' ')} > ${f} && rm items-${N(1e6)}.jsonl`], { cwd: dir });
    else simulate('items', n, 2, join(dir, f));
    const what = n === N(3e6) ? `${count(n)} items (${count(N(1e6))} three times)` : `${count(n)} items`;
    scoreRuns(f, n, what, SMOKE ? 1 : n === N(1e5) ? 5 : 3, [1, 2]);
    if (n === N(1e5)) {
      // the same items, each with a prompt of about 300 bytes: escapes, and text in three languages
      const text = readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)
        .map((l, i) => l.replace('{"id"', `{"prompt":${JSON.stringify(`Question ${i}: ¿Cómo se calcula el área? 计算面积\n`.repeat(5) + 'x'.repeat(i % 100))},"id"`));
      writeFileSync(join(dir, 'items-text.jsonl'), text.join('\n') + '\n');
      scoreRuns('items-text.jsonl', n, `${count(n)} items with a 300-byte prompt each`, SMOKE ? 1 : 5, [1]);
      rmSync(join(dir, 'items-text.jsonl'));
    }
    if (n !== N(1e6)) rmSync(join(dir, f));
  }

  // ---- 3. a 1 GB file ----
  if (part(3)) {
    const big = join(dir, 'big.jsonl');
    {
      const fd = openSync(big, 'w');
      const base = spawnSync('head', ['-n', '200000', pairsFile], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
      let size = 0;
      for (let k = 0; size < N(1e9); k++) {
        const chunk = base.replaceAll('{"id":"', `{"id":"r${k}-`);
        writeSync(fd, chunk);
        size += Buffer.byteLength(chunk);
      }
      closeSync(fd);
    }
    const reader = `import { readData } from ${JSON.stringify(new URL('../dist/node/io.js', import.meta.url).href)};
const t = performance.now(); const d = readData(process.argv[1]);
console.log(d.ids.length, ((performance.now() - t) / 1000).toFixed(1));`;
    const rd = run(process.execPath, ['--input-type=module', '-e', reader, big]);
    const [bigRows] = rd.stdout.trim().split(' ');
    const want = spawnSync('wc', ['-l', big], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
    check(bigRows === want, `the streaming reader read ${bigRows} pairs of ${want}`);
    row(`read a ${(statSync(big).size / 1e9).toFixed(2)} GB JSONL (${bigRows} pairs)`, `${rd.seconds.toFixed(1)} s`, `peak RSS ${mib(rd.rss)}`);
    rmSync(big);
  }

  // ---- 4. quality: the default, and the mlp ensemble (as the library trains it when it chooses
  // it: model dropout drawn from [0, 0.5]) with the step budget and the convergence stop, and without
  if (part(4)) for (const n of quick ? [N(1e5)] : [N(1e5), N(1e6)]) {
    const train = simulate('pairs', n, 11), test = simulate('pairs', N(2e5), 12);
    const size = count(n);
    const accuracy = (m) => `${(100 * pairReport(m.scorePairs(test).margin, test.label).accuracy).toFixed(2)}%`;
    const steps = (m) => (m.train.fit.length ? `${m.train.fit.map((f) => f.steps).join(' + ')} steps` : 'a rule: no steps');
    const epochs = n === N(1e5) ? 100 : 5;
    for (const [name, opts] of [
      ['the default', {}],
      ['mlp × 5, step budget and convergence stop (the default\'s training)', { arch: 'mlp', modelDropout: [0, 0.5] }],
      [`mlp × 5, ${epochs} full epochs (no budget, no convergence stop)`, { arch: 'mlp', modelDropout: [0, 0.5], epochs, maxSteps: Number.MAX_SAFE_INTEGER, converge: false }],
    ]) {
      const t0 = performance.now();
      const m = trainFusion(train, { seed: 0, ...opts });
      const acc = pairReport(m.scorePairs(test).margin, test.label).accuracy;
      check(acc >= 0 && acc <= 1, `${name}: accuracy ${acc}`);
      const chose = m.train.library ? `chose ${m.train.library.chosen}; ` : '';
      row(`held-out accuracy, ${size} training pairs, ${name}`, accuracy(m), `${((performance.now() - t0) / 1000).toFixed(0)} s in process; ${chose}${steps(m)}`);
    }
  }

  console.log('\n| job | result | notes |\n|---|---:|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
