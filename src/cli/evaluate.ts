// rewardfuse eval <model.json> <pairs.jsonl|csv> [--json] [--report report.html] [--ignore-unknown]
import { BASELINES, scoreBaselines } from '../models/rules.js';
import { baselinesFromJSON } from '../models/file.js';
import { fitBaselines } from '../train/fit-rules.js';
import { pairwiseAccuracy, reliability, sigmoid } from '../eval/metrics.js';
import { hideJudges, judgeSubsets } from '../train/folds.js';
import { pairReport, type PairReport } from '../eval/report.js';
import { renderReport } from '../report/html.js';
import { checkFlags, parseArgs, UsageError } from './args.js';
import { int } from '../data/validate.js';
import { checkKnownModels, checkScorable } from '../score/check.js';
import { checkOutput, readData, readModel, writeOutput, writeStdout } from '../node/io.js';
import { shiftLines } from '../score/shift-report.js';

export const EVAL_USAGE = `rewardfuse eval <model.json> <pairs.jsonl|csv> [--json] [--report report.html] [--ignore-unknown] [--hide-draws N] [--seed N]
  accuracy with its bootstrap 95% interval, accuracy with random judges hidden (the mean over
  N draws of subsets keeping 12–60% of the judges, default 5), log loss and ECE, for the model
  and every baseline; then the shift section: how these pairs' scores moved from the training
  data's, and which combiner scored (a net only on pairs like its training data)`;

export function evaluate(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { json: 'boolean', report: 'string', 'ignore-unknown': 'boolean', seed: 'integer', 'hide-draws': 'integer' });
  if (positional.length !== 2) throw new UsageError(`eval takes a model and a pairs file (see rewardfuse --help)`);
  checkFlags(flags, { seed: int(0, 0xffffffff), 'hide-draws': int(1, 1000) });
  const model = readModel(positional[0]);
  const data = readData(positional[1], 'pairs');
  if (!flags['ignore-unknown']) checkKnownModels(model, data);
  checkScorable(model, data, positional[0]);
  if (flags.report) checkOutput(flags.report as string);
  const seed = (flags.seed as number | undefined) ?? 0;
  // as the default scores a batch: its net only where the pairs resemble the training data
  const batch = model.scorePairsBatch(data);
  const margin = batch.margin;
  const scorer = `fusion ${model.name}${batch.combiner === 'anchor' ? ` → ${model.anchor!.name}` : ''}`;
  const fusion = pairReport(margin, data.label, undefined, seed);
  // baselines in the model's columns, fitted on its training data when the file has them
  const inModel = (x: Float32Array) => model.toModelColumns(data.models, data.features, x, data.feats, data.ids.length).x;
  const cols = { ...data, models: model.models, a: inModel(data.a), b: inModel(data.b) };
  const stored = model.train?.baselines;
  const fitted = stored ? baselinesFromJSON(stored, positional[0]) : fitBaselines(cols, { seed });
  const base = scoreBaselines(fitted, cols);
  const baselines: Record<string, PairReport> = {};
  for (const b of BASELINES) baselines[b] = pairReport(base.margin[b], data.label, base.prob[b], seed);
  // the same with random subsets of the judges hidden, as when some are missing at scoring time
  const draws = (flags['hide-draws'] as number | undefined) ?? 5;
  const hidden: Record<string, number> = { fusion: 0 };
  let netViews = 0; // hidden views the net scored: each view is a batch of its own
  for (const keep of judgeSubsets(model.models.length, draws, seed + 1)) {
    const view = { ...cols, a: hideJudges(cols.a, keep), b: hideJudges(cols.b, keep) };
    const b = model.scorePairsBatch(view);
    hidden.fusion += accuracy(b.margin, data.label) / draws;
    if (b.combiner === 'net') netViews++;
    const m = scoreBaselines(fitted, view).margin;
    for (const b of BASELINES) hidden[b] = (hidden[b] ?? 0) + accuracy(m[b], data.label) / draws;
  }
  const note = stored ? 'baselines fitted on the model\'s training data' : 'baselines fitted on these pairs (the model file has none): in-sample, optimistic for them';
  if (flags.report) {
    writeOutput(flags.report as string, renderReport({
      title: `rewardfuse eval: ${positional[0]} on ${positional[1]}`,
      subtitle: `${data.ids.length} pairs; ${note}.`,
      accuracy: [
        { kind: 'fusion', name: scorer, ...fusion },
        ...BASELINES.map((b) => ({ kind: 'baseline', name: b, ...baselines[b] })),
      ],
      reliability: [{ name: scorer, bins: reliability(Float64Array.from(margin, sigmoid), data.label) }, { name: 'stacking', bins: reliability(base.prob.stacking, data.label) }],
      lossCurves: model.train?.fit.length ? [{ name: model.name, train: model.train.fit[0].trainLoss, val: model.train.fit[0].valLoss }] : undefined,
    }));
  }
  if (flags.json) {
    const withHidden = Object.fromEntries(BASELINES.map((b) => [b, { ...baselines[b], hidden: hidden[b] }]));
    const shift = { combiner: batch.combiner, anchor: model.anchor?.name ?? null, hiddenViewsNet: model.anchor ? netViews / draws : undefined, ...batch.shift };
    writeStdout(JSON.stringify({ scorer: model.name, n: fusion.n, accuracy: fusion.accuracy, ci95: fusion.ci95, hidden: hidden.fusion, logLoss: fusion.logLoss, ece: fusion.ece, baselines: withHidden, shift }) + '\n');
    return;
  }
  const pct = (x: number) => (100 * x).toFixed(1).padStart(5) + '%';
  const W = Math.max(16, scorer.length);
  const line = (name: string, r: PairReport, h: number) => `${name.padEnd(W)} ${pct(r.accuracy)}  [${pct(r.ci95[0])}, ${pct(r.ci95[1])}]  ${pct(h)}  ${r.logLoss.toFixed(3).padStart(8)}  ${r.ece.toFixed(3).padStart(6)}`;
  const out = [`${data.ids.length} pairs from ${positional[1]} (${note})`, ''];
  out.push(`${'scorer'.padEnd(W)} accuracy  95% interval      hidden   log loss     ECE`);
  out.push(line(scorer, fusion, hidden.fusion));
  for (const b of BASELINES) out.push(line(b, baselines[b], hidden[b]));
  out.push('', ...shiftLines(model, batch));
  if (model.anchor) out.push(`  with judges hidden (${draws} draws, each a batch of its own): the net scored ${netViews}, the anchor ${draws - netViews}`);
  if (flags.report) out.push('', `wrote ${flags.report}`);
  writeStdout(out.join('\n') + '\n');
}

// accuracy, ½ when every gold label is a tie (accuracy is then undefined)
function accuracy(margin: ArrayLike<number>, label: Float32Array): number {
  return label.every((t) => t === 0.5) ? 0.5 : pairwiseAccuracy(margin, label);
}
