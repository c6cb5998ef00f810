// The demo, the main job: a simulated ensemble with a known gold reward, every
// single model, every baseline and each fusion model, compared (a) on held-out
// pairs and (b) at best-of-N selection among up to 64 candidates, where a
// gameable model's favourite responses are keyword-stuffed and worse; and (c)
// on the same held-out prompts moved to another world (simulate.ts: shift),
// where the default's shift check hands them to its anchor.
import { simItems, simPairs, simulateEnsemble, SIM_DOMAINS } from '../data/simulate.js';
import { BASELINES, ITEM_BASELINES, baselineItemScores, scoreBaselines } from '../models/rules.js';
import { bestOfNGold, reliability, sigmoid } from '../eval/metrics.js';
import { pairReport, type PairReport } from '../eval/report.js';
import { ARCH_NAMES, type Arch } from '../models/archs.js';
import { fitBaselines } from '../train/fit-rules.js';
import { trainFusion } from '../train/train.js';
import type { FusionModel } from '../models/model.js';
import type { ReportInput } from './html.js';

export interface DemoOptions {
  seed?: number;
  /** prompts for training and held-out pairs, default 600 */
  prompts?: number;
  /** prompts for best-of-N, each with 64 candidates, default 200 */
  bonPrompts?: number;
}

export interface DemoResult {
  trainPairs: number;
  testPairs: number;
  rows: { kind: string; name: string; report: PairReport }[];
  ns: number[];
  bestOfN: { name: string; values: number[] }[];
  report: ReportInput;
  /** the default fusion model (arch 'library'), trained on the training pairs: what demo --model saves */
  model: FusionModel;
  /** (c) accuracy on the held-out pairs in-domain and shifted; the default's check on each */
  shift: { rows: { name: string; inDomain: number; shifted: number }[]; auc: [number | null, number | null]; combiner: [string, string] };
}

export const FUSION_ARCHS: (Arch | 'auto' | 'library')[] = ['library', 'auto', ...ARCH_NAMES];

// how each fusion row is named: the default and auto say what they chose
const label = (arch: (typeof FUSION_ARCHS)[number]) => (arch === 'library' ? 'fusion default' : `fusion ${arch}`);

export function runDemo(opts: DemoOptions = {}): DemoResult {
  const seed = opts.seed ?? 0;
  const sim = simulateEnsemble({ prompts: opts.prompts ?? 600, seed });
  const K = sim.models.length;
  const ids = Array.from({ length: sim.prompts }, (_, i) => i);
  const cut = Math.floor(sim.prompts * 0.7);
  const train = simPairs(sim, ids.slice(0, cut), seed);
  const test = simPairs(sim, ids.slice(cut), seed + 1);

  const rows: DemoResult['rows'] = [];
  const probs: { name: string; p: Float64Array }[] = [];
  for (let m = 0; m < K; m++) {
    const margin = Float64Array.from({ length: test.ids.length }, (_, i) => {
      const d = test.a[i * K + m] - test.b[i * K + m];
      return d === d ? d : 0;
    });
    rows.push({ kind: 'single RM', name: sim.models[m], report: pairReport(margin, test.label, undefined, seed) });
  }
  const fitted = fitBaselines(train, { seed });
  const base = scoreBaselines(fitted, test);
  for (const b of BASELINES) rows.push({ kind: 'baseline', name: b, report: pairReport(base.margin[b], test.label, base.prob[b], seed) });
  probs.push({ name: 'mean', p: base.prob.mean }, { name: 'stacking', p: base.prob.stacking });
  // the held-out pairs come from the training prompts' domains, so the default
  // cross-validates over random folds (grouped folds are for data whose groups shift)
  const models = FUSION_ARCHS.map((arch) => trainFusion(train, { arch, seed, ...(arch === 'library' ? { grouped: false } : {}) }));
  models.forEach((model, i) => {
    // the default as it scores a batch: its net only where the batch is like its training data
    const margin = model.scorePairsBatch(test).margin;
    const name = FUSION_ARCHS[i] === 'library' || FUSION_ARCHS[i] === 'auto' ? `${label(FUSION_ARCHS[i])} → ${model.arch?.type ?? model.name}` : label(FUSION_ARCHS[i]);
    rows.push({ kind: 'fusion', name, report: pairReport(margin, test.label, undefined, seed) });
    probs.push({ name, p: Float64Array.from(margin, sigmoid) });
  });

  // (b) best-of-N on fresh prompts with 64 candidates each
  const ns = [1, 2, 4, 8, 16, 32, 64];
  const bon = simulateEnsemble({ prompts: opts.bonPrompts ?? 200, candidates: 64, seed: seed + 1000 });
  const items = simItems(bon, Array.from({ length: bon.prompts }, (_, i) => i));
  const scorers: { name: string; s: ArrayLike<number>; dashed?: boolean }[] = [];
  for (let m = 0; m < K; m++) scorers.push({ name: bon.models[m], s: Float64Array.from({ length: items.ids.length }, (_, i) => { const v = items.scores[i * K + m]; return v === v ? v : -Infinity; }) });
  const itemBase = baselineItemScores(fitted, items.scores);
  for (const b of ITEM_BASELINES) scorers.push({ name: b, s: itemBase[b] });
  models.forEach((model, i) => scorers.push({ name: label(FUSION_ARCHS[i]), s: model.score(items).reward }));
  scorers.push({ name: 'gold (oracle)', s: items.target, dashed: true });
  const bestOfN = scorers.map(({ name, s, dashed }) => ({ name, dashed, values: ns.map((N) => bestOfNGold(s, items.target, bon.prompts, 64, N)) }));

  // per-model gate weights by domain, on the held-out prompts
  const gated = models[FUSION_ARCHS.indexOf('gated')];
  const held = simItems(sim, ids.slice(cut));
  const w = gated.score(held).weights!;
  const values = sim.models.map((_, m) => SIM_DOMAINS.map((d) => {
    let s = 0, c = 0;
    held.groups.forEach((g, i) => { if (g === d) { s += w[i * K + m]; c++; } });
    return c ? s / c : 0;
  }));

  const shown = new Set(['careful', 'verbose-fan', 'keyword-counter', 'big-scale', 'mean', 'best', 'stacking', 'bma', 'tbma', 'fusion default', 'fusion mlp', 'fusion gated', 'gold (oracle)']);
  const report: ReportInput = {
    title: 'rewardfuse demo: fusing a simulated ensemble of reward models',
    subtitle: `${K} reward models, ${train.ids.length} training pairs, ${test.ids.length} held-out pairs; best-of-N on ${bon.prompts} prompts × 64 candidates; seed ${seed}.`,
    accuracy: rows.map((r) => ({ kind: r.kind, name: r.name, accuracy: r.report.accuracy, ci95: r.report.ci95, logLoss: r.report.logLoss, ece: r.report.ece })),
    lossCurves: models.flatMap((m, i) => (m.train!.fit.length ? [{ name: String(FUSION_ARCHS[i]), train: m.train!.fit[0].trainLoss, val: m.train!.fit[0].valLoss }] : [])),
    reliability: probs.map(({ name, p }) => ({ name, bins: reliability(p, test.label) })),
    weights: { models: sim.models, conditions: SIM_DOMAINS, values },
    bestOfN: { ns, series: bestOfN.filter((b) => shown.has(b.name)) },
    notes: [
      'Single-model log losses use σ of raw score differences; baselines fit a temperature on the training pairs.',
      'keyword-counter rewards keyword stuffing, which lowers the gold reward: at large N it picks stuffed responses.',
      'math-expert and code-expert are reliable only in their own domain; the gate learns where to trust them.',
      'The default chooses from the library (rules, BMA, tempered BMA, stacking, the nets) by cross-validation; the held-out pairs here come from the training domains, so it uses random folds. On data whose groups shift, it holds out whole groups.',
    ],
  };
  // (c) the held-out prompts shifted: other domains, a reversed length bias, experts wrong outside their (moved) domains
  const moved = simPairs(simulateEnsemble({ prompts: sim.prompts, seed, shift: { from: cut } }), ids.slice(cut), seed + 1);
  const def = models[0], a = def.scorePairsBatch(test), b = def.scorePairsBatch(moved);
  const acc = (m: ArrayLike<number>, t: typeof test) => pairReport(m, t.label, undefined, seed).accuracy;
  const movedBase = scoreBaselines(fitted, moved).margin;
  const shift: DemoResult['shift'] = {
    rows: [
      { name: `fusion default (${def.name})`, inDomain: acc(a.margin, test), shifted: acc(b.margin, moved) },
      { name: 'tbma (its anchor)', inDomain: acc(base.margin.tbma, test), shifted: acc(movedBase.tbma, moved) },
      { name: 'mean', inDomain: acc(base.margin.mean, test), shifted: acc(movedBase.mean, moved) },
      ...(['mlp', 'gated'] as const).map((arch) => {
        const m = models[FUSION_ARCHS.indexOf(arch)];
        return { name: `fusion ${arch}`, inDomain: acc(m.scorePairs(test).margin, test), shifted: acc(m.scorePairs(moved).margin, moved) };
      }),
    ],
    auc: [a.shift?.auc ?? null, b.shift?.auc ?? null],
    combiner: [a.combiner, b.combiner],
  };
  return { trainPairs: train.ids.length, testPairs: test.ids.length, rows, ns, bestOfN, report, model: models[0], shift };
}
