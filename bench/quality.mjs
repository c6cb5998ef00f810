// npm run bench:quality — the default fusion model against every baseline on
// every real evaluation set in ../shared/data (read in place, never copied),
// the way held-out data will judge it:
//   grouped CV     folds hold out whole groups (other categories, criteria,
//                  queries), 5 at most; every judge present
//   judges hidden  the same folds, each held-out fold also scored with random
//                  subsets of the judges (keeping 12–60% of them)
// Means over seeds 0, 1, 2 (folds, hidden subsets and nets change with the
// seed; the 3-group sets hold out one group a fold whatever the seed). Then
// the default's accuracy against the number of judges present (seed 0).
// Prints markdown tables and writes them into docs/quality.md between the
// quality markers. Then, under shift (bench/shift.mjs): the default, its
// anchor, the mean and each net on the simulated ensemble in-domain and
// shifted, and leave-one-group-out on each dev set, with the shift check's AUC.
// A benchmark, not a test: it checks every figure is an accuracy in [0, 1],
// not how high it is. --quick (BENCH_QUICK=1): one seed, the smallest dev set,
// no shift, nothing written.
//   node bench/quality.mjs [--quick] [--seeds 3] [--no-readme] [--no-shift] [set ...]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseData, crossValidate, trainFusion } from '../dist/index.js';
import { BASELINES, pairwiseAccuracy } from '../dist/eval.js';
import { makeFolds, judgeSubsets, hideJudges } from '../dist/train/folds.js';
import { subsetPairs } from '../dist/data/types.js';
import { checkRows, shiftRows, shiftSummary, smallestSet } from './shift.mjs';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const DOC = new URL('../docs/quality.md', import.meta.url);
const QUICK = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const args = process.argv.slice(2).concat(QUICK ? ['--no-readme', '--no-shift'] : []);
const opt = (name, d) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : d; };
const SEEDS = Array.from({ length: opt('--seeds', QUICK ? 1 : 3) }, (_, i) => i);
let only = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--seeds'));
if (QUICK && !only.length) only = smallestSet();
if (!existsSync(SHARED)) {
  console.log(`bench:quality: ${SHARED} is absent; nothing to measure`);
  process.exit(0);
}
const sets = readdirSync(SHARED).filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/\.jsonl$/, '')).filter((s) => !only.length || only.includes(s)).sort();
const SCORERS = ['default', ...BASELINES];
const KEPT = [1, 2, 3, 5, 8, 16];

const full = {}, hidden = {}, byJudges = {}, info = {};
const t0 = performance.now();
for (const set of sets) {
  const data = parseData(readFileSync(SHARED + set + '.jsonl', 'utf8'), set + '.jsonl');
  if (data.kind !== 'pairs') continue;
  full[set] = Object.fromEntries(SCORERS.map((s) => [s, 0]));
  hidden[set] = Object.fromEntries(SCORERS.map((s) => [s, 0]));
  const chosen = {};
  for (const seed of SEEDS) {
    const cv = crossValidate(data, { seed, folds: 5 });
    info[set] = { n: data.ids.length, K: data.models.length, folds: cv.describe };
    for (const s of SCORERS) {
      const key = s === 'default' ? 'fusion' : s;
      full[set][s] += cv.reports[key].accuracy / SEEDS.length;
      hidden[set][s] += cv.hidden[key] / SEEDS.length;
    }
  }
  // what the default chose on all of the set, and its accuracy by judges present (seed 0)
  const all = trainFusion(data, { seed: 0 });
  info[set].chosen = all.name;
  byJudges[set] = judgesCurve(data);
  console.error(`${set}: done at ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  void chosen;
}

function judgesCurve(data) {
  const K = data.models.length, n = data.ids.length;
  const folds = makeFolds(data.groups, 5, 0);
  const acc = Object.fromEntries(KEPT.filter((k) => k < K).concat([K]).map((k) => [k, { s: 0, c: 0 }]));
  for (let f = 0; f < folds.count; f++) {
    const train = [], test = [];
    for (let i = 0; i < n; i++) (folds.fold[i] === f ? test : train).push(i);
    const model = trainFusion(subsetPairs(data, train), { seed: 0 });
    const te = subsetPairs(data, test);
    for (const k of Object.keys(acc).map(Number)) {
      const draws = k === K ? 1 : 5;
      for (const keep of judgeSubsets(K, draws, 1000 * f + k, k / K, k / K)) {
        const view = { ...te, a: hideJudges(te.a, keep), b: hideJudges(te.b, keep) };
        acc[k].s += pairwiseAccuracy(model.scorePairs(view).margin, te.label) * test.length;
        acc[k].c += test.length;
      }
    }
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.s / v.c]));
}

// ---- every figure an accuracy
const unit = (x) => typeof x === 'number' && x >= 0 && x <= 1;
for (const [what, values] of [['every judge', full], ['judges hidden', hidden], ['by judges present', byJudges]]) {
  for (const [set, v] of Object.entries(values)) {
    const bad = Object.entries(v).filter(([, x]) => !unit(x));
    if (bad.length) throw new Error(`bench:quality: validation failed: ${set}, ${what}: ${bad.map(([k, x]) => `${k} ${x}`).join(', ')}`);
  }
}
if (!Object.keys(full).length && sets.length) throw new Error('bench:quality: no pairs set measured');

// ---- tables
const pct = (x) => (100 * x).toFixed(1);
function table(title, values) {
  const lines = [`| ${title} | ${SCORERS.map((s) => (s === 'default' ? '**default**' : s)).join(' | ')} | default ≥ all |`, `|---|${SCORERS.map(() => '---:').join('|')}|:---:|`];
  for (const set of Object.keys(values)) {
    const v = values[set];
    const top = Math.max(...SCORERS.map((s) => v[s]));
    const cells = SCORERS.map((s) => (Math.abs(v[s] - top) < 1e-12 ? `**${pct(v[s])}**` : pct(v[s])));
    const ok = BASELINES.every((b) => v.default >= v[b] - 1e-12);
    lines.push(`| ${set} (${info[set].n} pairs, ${info[set].K} judges; ${info[set].folds}) | ${cells.join(' | ')} | ${ok ? 'yes' : 'no'} |`);
  }
  const mean = (s) => Object.values(values).reduce((a, v) => a + v[s], 0) / Object.keys(values).length;
  lines.push(`| mean | ${SCORERS.map((s) => pct(mean(s))).join(' | ')} | |`);
  return lines.join('\n');
}
const curve = [`| set | ${KEPT.map((k) => `${k} judge${k > 1 ? 's' : ''}`).join(' | ')} | all |`, `|---|${KEPT.map(() => '---:').join('|')}|---:|`];
for (const set of Object.keys(byJudges)) {
  const K = info[set].K, c = byJudges[set];
  curve.push(`| ${set} | ${KEPT.map((k) => (k < K ? pct(c[k]) : '')).join(' | ')} | ${pct(c[K])} |`);
}
const chosen = Object.keys(info).map((s) => `${s}: ${info[s].chosen}`).join('; ');
const shifted = args.includes('--no-shift') ? [] : ['', 'Under shift (`node bench/shift.mjs` prints every batch and the threshold sweep): the default (its net only on batches like its training data), its anchor (tempered BMA), the mean of z-scores and each net; the simulated ensemble (seeds 0–2) in-domain and shifted, and leave-one-group-out on each dev set, each held-out group one batch:', '', shiftSummary(checkRows(shiftRows({ only, log: (m) => console.error(m) })))];
const out = [
  `Pairwise accuracy (%), mean over seeds ${SEEDS.join(', ')}; \`npm run bench:quality\`, ${new Date().toISOString().slice(0, 10)}, ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  '',
  table('grouped CV, every judge', full),
  '',
  table('grouped CV, judges hidden', hidden),
  '',
  `What the default chose, trained on each whole set: ${chosen}.`,
  '',
  'The default\'s accuracy by the number of judges present (grouped folds, seed 0; 5 random subsets a fold):',
  '',
  curve.join('\n'),
  ...shifted,
].join('\n');
console.log(out);
if (!args.includes('--no-readme') && !only.length) {
  const text = readFileSync(DOC, 'utf8');
  const a = text.indexOf('<!-- quality:start -->'), b = text.indexOf('<!-- quality:end -->');
  if (a >= 0 && b > a) {
    writeFileSync(DOC, text.slice(0, a) + '<!-- quality:start -->\n' + out + '\n' + text.slice(b));
    console.error('wrote the tables into docs/quality.md');
  } else {
    console.error('docs/quality.md has no <!-- quality:start --> … <!-- quality:end --> markers; not written');
  }
}
