// npm run bench:shift — does the default do no harm under shift? For the
// default, its anchor (tempered BMA), the mean of z-scores and each net
// (mlp, gated, trained as the library trains them), pairwise accuracy:
//   in-domain   the simulated ensemble, held-out prompts from the training world
//   shifted     the same, held-out prompts shifted (simulate.ts: shift)
//   LOGO        leave-one-group-out on each dev set in ../shared/data: train on
//               the other groups, score the held-out one as one batch
// with the shift check's AUC on each batch, and what the default's gate chose.
// Then, for a range of thresholds, what "a net where AUC < t, else the anchor"
// would have scored (mlp and gated), and the check's AUC where there is no
// shift (about 300 pairs drawn at random from each set, against the rest, four
// draws; simulated held-out pairs of 200 to 400): how SHIFT_RULE.threshold was chosen.
// A benchmark, not a test: it checks its rows are well formed (checkRows), not
// how good they are. Exports shiftRows() for bench:quality. --quick
// (BENCH_QUICK=1): one simulated seed and the smallest dev set only.
//   node bench/shift.mjs [--quick] [--sim-seeds 3] [--no-real] [set ...]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseData, trainFusion, simulateEnsemble, simPairs } from '../dist/index.js';
import { pairwiseAccuracy, fitBaselines, scoreBaselines } from '../dist/eval.js';
import { subsetPairs } from '../dist/data/types.js';
import { shiftReference, checkShift, SHIFT_RULE } from '../dist/models/shift.js';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
export const COLUMNS = ['default', 'anchor', 'mean', 'mlp', 'gated'];

// one batch: every column's accuracy, the AUC, the gate's choice
function measure(train, test, seed, defaultOpts) {
  const def = trainFusion(train, { seed, ...defaultOpts });
  const fitted = fitBaselines(train, { seed });
  const base = scoreBaselines(fitted, test).margin;
  const nets = Object.fromEntries(['mlp', 'gated'].map((arch) => [arch, trainFusion(train, { arch, seed, ensemble: 1, modelDropout: [0, 0.5] })]));
  const b = def.scorePairsBatch(test);
  // the check as the default's would run it, for any model (the rule models keep a reference too)
  const K = train.models.length;
  const ref = def.shift ?? shiftReference(concat(train.a, train.b), fitted.norm, fitted.tbmaWeights);
  const x = concat(...[test.a, test.b].map((s) => def.toModelColumns(test.models, test.features, s, test.feats, test.ids.length).x));
  const check = checkShift(ref, def.norm, x, def.models, test.ids.length);
  void K;
  const acc = (m) => pairwiseAccuracy(m, test.label);
  return {
    n: test.ids.length, auc: check.auc, chose: `${def.name}${def.anchor ? ` → ${b.combiner}` : ''}`,
    acc: { default: acc(b.margin), anchor: acc(base.tbma), mean: acc(base.mean), mlp: acc(nets.mlp.scorePairs(test).margin), gated: acc(nets.gated.scorePairs(test).margin) },
  };
}

function concat(...xs) {
  const out = new Float32Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) { out.set(x, o); o += x.length; }
  return out;
}

/** Rows: { name, n, auc, chose, acc } for the simulated ensemble (in-domain, shifted) and LOGO on each set. */
export function shiftRows({ simSeeds = [0, 1, 2], real = true, only = [], log = () => {} } = {}) {
  const rows = [];
  for (const seed of simSeeds) {
    const P = 600, cut = 420, ids = Array.from({ length: P }, (_, i) => i);
    const simIn = simulateEnsemble({ prompts: P, seed }), simSh = simulateEnsemble({ prompts: P, seed, shift: { from: cut } });
    const train = simPairs(simIn, ids.slice(0, cut), seed);
    // the demo's default: random folds (its held-out pairs share the training prompts' domains)
    rows.push({ name: `simulated, in-domain (seed ${seed})`, kind: 'in-domain', ...measure(train, simPairs(simIn, ids.slice(cut), seed + 1), seed, { grouped: false }) });
    rows.push({ name: `simulated, shifted (seed ${seed})`, kind: 'shifted', ...measure(train, simPairs(simSh, ids.slice(cut), seed + 1), seed, { grouped: false }) });
    log(`simulated seed ${seed} done`);
  }
  if (real && existsSync(SHARED)) {
    const sets = readdirSync(SHARED).filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/\.jsonl$/, '')).filter((s) => !only.length || only.includes(s)).sort();
    for (const set of sets) {
      const data = parseData(readFileSync(SHARED + set + '.jsonl', 'utf8'), set + '.jsonl');
      if (data.kind !== 'pairs') continue;
      const groups = [...new Set(data.groups)];
      for (const g of groups) {
        const train = [], test = [];
        data.groups.forEach((x, i) => (x === g ? test : train).push(i));
        rows.push({ name: `${set}: ${g} held out`, kind: 'LOGO', set, ...measure(subsetPairs(data, train), subsetPairs(data, test), 0, {}) });
        log(`${set}: ${g} done`);
      }
    }
  }
  return rows;
}

const pct = (x) => (100 * x).toFixed(1);

/** The dev set in ../shared/data with the fewest bytes (a quick run's one set), or none. */
export function smallestSet() {
  if (!existsSync(SHARED)) return [];
  const files = readdirSync(SHARED).filter((f) => f.endsWith('.jsonl')).sort((a, b) => statSync(SHARED + a).size - statSync(SHARED + b).size);
  return files.slice(0, 1).map((f) => f.replace(/\.jsonl$/, ''));
}

/** Throws unless every row is well formed: n > 0, accuracies in [0, 1], an AUC in [0, 1] or null, a choice named. */
export function checkRows(rows) {
  if (!rows.length) throw new Error('bench:shift: no rows');
  const unit = (x) => typeof x === 'number' && x >= 0 && x <= 1;
  for (const r of rows) {
    const bad = [!(r.n > 0) && `n ${r.n}`, ...COLUMNS.filter((c) => !unit(r.acc[c])).map((c) => `${c} accuracy ${r.acc[c]}`), !(r.auc === null || unit(r.auc)) && `AUC ${r.auc}`, !r.chose && 'no choice'].filter(Boolean);
    if (bad.length) throw new Error(`bench:shift: validation failed: ${r.name}: ${bad.join(', ')}`);
  }
  return rows;
}

/** The check's AUC with no shift: random held-out pairs against the rest (dev sets), and simulated held-out pairs of the training world. */
export function nullAUCs({ only = [], seeds = [0, 1, 2, 3] } = {}) {
  const cat = (a, b) => concat(a, b);
  const auc = (train, test) => {
    const f = fitBaselines(train, { seed: 0 });
    return checkShift(shiftReference(cat(train.a, train.b), f.norm, f.tbmaWeights), f.norm, cat(test.a, test.b), train.models, test.ids.length).auc;
  };
  const out = [];
  for (const seed of seeds) {
    const sim = simulateEnsemble({ prompts: 600, seed }), ids = Array.from({ length: 600 }, (_, i) => i);
    const train = simPairs(sim, ids.slice(0, 420), seed);
    out.push({ name: `simulated (seed ${seed}), 200–400 pairs`, aucs: [50, 75, 100].map((m) => auc(train, simPairs(sim, ids.slice(420, 420 + m), seed + 1))) });
  }
  if (!existsSync(SHARED)) return out;
  let state = 12345;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const set of readdirSync(SHARED).filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/\.jsonl$/, '')).filter((s) => !only.length || only.includes(s)).sort()) {
    const data = parseData(readFileSync(SHARED + set + '.jsonl', 'utf8'), set + '.jsonl');
    const n = data.ids.length;
    if (data.kind !== 'pairs' || n < 900) continue; // too few pairs to hold out 300 (and keep the training side big)
    const aucs = [];
    for (let r = 0; r < 4; r++) {
      const train = [], test = [];
      for (let i = 0; i < n; i++) (random() < 300 / n ? test : train).push(i);
      aucs.push(auc(subsetPairs(data, train), subsetPairs(data, test)));
    }
    out.push({ name: `${set}, ~300 random pairs`, aucs });
  }
  return out;
}

/** Markdown: one row a kind of batch (LOGO: one a dev set), the mean over its batches, and how often the default's net scored. */
export function shiftSummary(rows) {
  const out = [`| batches | n | ${COLUMNS.map((c) => (c === 'default' ? '**default**' : c)).join(' | ')} | the default's net scored |`, `|---|---:|${COLUMNS.map(() => '---:').join('|')}|---:|`];
  const keys = [...new Set(rows.map((r) => (r.kind === 'LOGO' ? `leave-one-group-out, ${r.set}` : `simulated, ${r.kind}`)))];
  for (const k of keys) {
    const rs = rows.filter((r) => (r.kind === 'LOGO' ? `leave-one-group-out, ${r.set}` : `simulated, ${r.kind}`) === k);
    const top = Math.max(...COLUMNS.map((c) => rs.reduce((s, r) => s + r.acc[c], 0)));
    const cells = COLUMNS.map((c) => { const v = rs.reduce((s, r) => s + r.acc[c], 0); return Math.abs(v - top) < 1e-9 ? `**${pct(v / rs.length)}**` : pct(v / rs.length); });
    const nets = rs.filter((r) => / → net$/.test(r.chose)).length, could = rs.filter((r) => / → /.test(r.chose)).length;
    out.push(`| ${k} | ${rs.length} | ${cells.join(' | ')} | ${could ? `${nets} of ${could}` : 'chose tbma'} |`);
  }
  return out.join('\n');
}

/** Markdown: the rows, then the threshold sweep. */
export function shiftTables(rows) {
  const out = [`| batch | pairs | AUC | the default chose | ${COLUMNS.map((c) => (c === 'default' ? '**default**' : c)).join(' | ')} |`, `|---|---:|---:|---|${COLUMNS.map(() => '---:').join('|')}|`];
  for (const r of rows) out.push(`| ${r.name} | ${r.n} | ${r.auc === null ? '—' : r.auc.toFixed(3)} | ${r.chose} | ${COLUMNS.map((c) => pct(r.acc[c])).join(' | ')} |`);
  const kinds = [...new Set(rows.map((r) => r.kind))];
  for (const k of kinds) {
    const rs = rows.filter((r) => r.kind === k);
    out.push(`| **mean, ${k}** (${rs.length}) | | | | ${COLUMNS.map((c) => pct(rs.reduce((s, r) => s + r.acc[c], 0) / rs.length)).join(' | ')} |`);
  }
  // a net where the batch is big enough and AUC < t, else the anchor
  const ts = [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 1.01];
  const sweep = ['', `A net where AUC < t (and ≥ ${SHIFT_RULE.minRows} pairs), else the anchor: mean accuracy, and in brackets the worst change from the anchor (points)`, '', `| net | batches | ${ts.map((t) => (t > 1 ? 'always the net' : `t = ${t}`)).join(' | ')} |`, `|---|---|${ts.map(() => '---:').join('|')}|`];
  for (const net of ['mlp', 'gated']) {
    for (const k of kinds) {
      const rs = rows.filter((r) => r.kind === k);
      const cells = ts.map((t) => {
        const pick = (r) => (t > 1 || (r.auc !== null && r.auc < t) ? r.acc[net] : r.acc.anchor);
        const mean = rs.reduce((s, r) => s + pick(r), 0) / rs.length;
        const worst = Math.min(...rs.map((r) => pick(r) - r.acc.anchor));
        return `${pct(mean)} (${(100 * worst).toFixed(1)})`;
      });
      out.push(`| ${net} | ${k} | ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || !!process.env.BENCH_QUICK;
  const i = args.indexOf('--sim-seeds');
  const n = i >= 0 ? Number(args[i + 1]) : quick ? 1 : 3;
  let only = args.filter((a, j) => !a.startsWith('--') && !(j > 0 && args[j - 1] === '--sim-seeds'));
  if (quick && !only.length) only = smallestSet();
  const t0 = performance.now();
  const rows = checkRows(shiftRows({ simSeeds: Array.from({ length: n }, (_, s) => s), real: !args.includes('--no-real'), only, log: (m) => console.error(`${m} at ${((performance.now() - t0) / 1000).toFixed(0)} s`) }));
  console.log(`Pairwise accuracy (%); \`node bench/shift.mjs\`, ${new Date().toISOString().slice(0, 10)}, ${((performance.now() - t0) / 1000).toFixed(0)} s.\n`);
  console.log(shiftSummary(rows) + '\n');
  console.log(shiftTables(rows));
  console.log('\nThe check\'s AUC with no shift:\n\n| batches | AUC |\n|---|---|');
  for (const r of nullAUCs({ only, seeds: quick ? [0] : undefined })) {
    if (!r.aucs.every((a) => a >= 0 && a <= 1)) throw new Error(`bench:shift: validation failed: ${r.name}: AUCs ${r.aucs}`);
    console.log(`| ${r.name} | ${r.aucs.map((a) => a.toFixed(3)).join(', ')} |`);
  }
}
