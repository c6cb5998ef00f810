// rewardfuse eval <model.json> <pairs.jsonl|csv> [--json] [--report report.html] [--ignore-unknown]
import { BASELINES, baselinesFromJSON, scoreBaselines } from '../models/baselines.js';
import { fitBaselines } from '../train/baselines.js';
import { reliability, sigmoid } from '../eval/metrics.js';
import { pairReport, type PairReport } from '../eval/report.js';
import { renderReport } from '../report/html.js';
import { parseArgs, UsageError } from './args.js';
import { checkKnownModels } from './check.js';
import { readData, readModel, writeAtomic } from './io.js';

export const EVAL_USAGE = `rewardfuse eval <model.json> <pairs.jsonl|csv> [--json] [--report report.html] [--ignore-unknown]
  accuracy with its bootstrap 95% interval, log loss and ECE, for the model and every baseline`;

export function evaluate(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { json: 'boolean', report: 'string', 'ignore-unknown': 'boolean', seed: 'integer' });
  if (positional.length !== 2) throw new UsageError(`eval takes a model and a pairs file (see rewardfuse --help)`);
  const model = readModel(positional[0]);
  const data = readData(positional[1], 'pairs');
  if (!flags['ignore-unknown']) checkKnownModels(model, data);
  const seed = (flags.seed as number | undefined) ?? 0;
  const margin = model.scorePairs(data).margin;
  const fusion = pairReport(margin, data.label, undefined, seed);
  // baselines in the model's columns, fitted on its training data when the file has them
  const inModel = (x: Float32Array) => model.toModelColumns(data.models, data.features, x, data.feats, data.ids.length).x;
  const cols = { ...data, models: model.models, a: inModel(data.a), b: inModel(data.b) };
  const stored = model.train?.baselines;
  const fitted = stored ? baselinesFromJSON(stored, positional[0]) : fitBaselines(cols, { seed });
  const base = scoreBaselines(fitted, cols);
  const baselines: Record<string, PairReport> = {};
  for (const b of BASELINES) baselines[b] = pairReport(base.margin[b], data.label, base.prob[b], seed);
  const note = stored ? 'baselines fitted on the model\'s training data' : 'baselines fitted on these pairs (the model file has none): in-sample, optimistic for them';
  if (flags.report) {
    writeAtomic(flags.report as string, renderReport({
      title: `rewardfuse eval: ${positional[0]} on ${positional[1]}`,
      subtitle: `${data.ids.length} pairs; ${note}.`,
      accuracy: [
        { kind: 'fusion', name: `fusion ${model.arch.type}`, ...fusion },
        ...BASELINES.map((b) => ({ kind: 'baseline', name: b, ...baselines[b] })),
      ],
      reliability: [{ name: `fusion ${model.arch.type}`, bins: reliability(Float64Array.from(margin, sigmoid), data.label) }, { name: 'stacking', bins: reliability(base.prob.stacking, data.label) }],
      lossCurves: model.train ? [{ name: model.arch.type, train: model.train.fit[0].trainLoss, val: model.train.fit[0].valLoss }] : undefined,
    }));
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify({ n: fusion.n, accuracy: fusion.accuracy, ci95: fusion.ci95, logLoss: fusion.logLoss, ece: fusion.ece, baselines }) + '\n');
    return;
  }
  const pct = (x: number) => (100 * x).toFixed(1).padStart(5) + '%';
  const line = (name: string, r: PairReport) => `${name.padEnd(16)} ${pct(r.accuracy)}  [${pct(r.ci95[0])}, ${pct(r.ci95[1])}]  ${r.logLoss.toFixed(3).padStart(8)}  ${r.ece.toFixed(3).padStart(6)}`;
  console.log(`${data.ids.length} pairs from ${positional[1]} (${note})\n`);
  console.log(`${'scorer'.padEnd(16)} accuracy  95% interval       log loss     ECE`);
  console.log(line(`fusion ${model.arch.type}`, fusion));
  for (const b of BASELINES) console.log(line(b, baselines[b]));
  if (flags.report) console.log(`\nwrote ${flags.report}`);
}
