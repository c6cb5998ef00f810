// rewardfuse train <data> -o <model.json> [options]
import { baselinesToJSON } from '../models/baselines.js';
import { ARCHS, ARCH_NAMES } from '../models/archs.js';
import { fitBaselines } from '../train/baselines.js';
import { pairReport } from '../eval/report.js';
import { saveModel } from '../models/file.js';
import { FIT_DEFAULTS } from '../train/options.js';
import { trainFusion } from '../train/train.js';
import { parseArgs, UsageError } from './args.js';
import { readData, writeAtomic } from './io.js';
import { endProgress, progress } from './progress.js';

export const TRAIN_USAGE = `rewardfuse train <data.jsonl|csv> -o <model.json> [options]
  --arch auto|${ARCH_NAMES.join('|')}  fusion architecture (default auto):
      auto    the one with the best 5-fold cross-validated accuracy
${ARCH_NAMES.map((a) => `      ${a.padEnd(7)} ${ARCHS[a].about}`).join('\n')}
  --loss bt|mse|bce         bt for pairs (default), mse (default) or bce for items
  --hidden 16               hidden widths, comma-separated (default 16; '' for none)
  --temperature T           the gate's softmax temperature (gated; default 1)
  --activation relu|tanh|gelu|sigmoid
  --epochs N                at most N epochs (default ${FIT_DEFAULTS.epochs})
  --batch N                 pairs or items a step (default ${FIT_DEFAULTS.batchSize})
  --lr X  --weight-decay X  AdamW (defaults ${FIT_DEFAULTS.lr}, ${FIT_DEFAULTS.weightDecay})
  --val F                   a validation fraction for early stopping (default ${FIT_DEFAULTS.val}: none)
  --patience N              epochs without improvement before stopping (default ${FIT_DEFAULTS.patience})
  --ensemble M              nets in the ensemble (default 5)
  --dropout P               model dropout (default ${FIT_DEFAULTS.modelDropout})
  --no-features             ignore the data's context features
  --seed N                  (default 0)`;

export function train(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, {
    out: 'string', arch: 'string', loss: 'string', hidden: 'list', activation: 'string', epochs: 'integer', batch: 'integer',
    lr: 'number', 'weight-decay': 'number', val: 'number', patience: 'integer', ensemble: 'integer', dropout: 'number',
    'no-features': 'boolean', seed: 'integer', temperature: 'number',
  }, { o: 'out' });
  if (positional.length !== 1) throw new UsageError(`train takes one data file (see rewardfuse --help)`);
  if (!flags.out) throw new UsageError(`train needs -o <model.json> (see rewardfuse --help)`);
  const data = readData(positional[0]);
  const ensemble = (flags.ensemble as number | undefined) ?? 5;
  const epochs = (flags.epochs as number | undefined) ?? FIT_DEFAULTS.epochs;
  const onEpoch = progress(process.stderr, epochs, ensemble);
  const model = trainFusion(data, {
    arch: flags.arch as never, loss: flags.loss as never, hidden: flags.hidden as number[] | undefined,
    activation: flags.activation as never, epochs, batchSize: flags.batch as number | undefined,
    lr: flags.lr as number | undefined, weightDecay: flags['weight-decay'] as number | undefined,
    val: flags.val as number | undefined, patience: flags.patience as number | undefined, ensemble,
    modelDropout: flags.dropout as number | undefined, useFeatures: !flags['no-features'],
    seed: flags.seed as number | undefined, temperature: flags.temperature as number | undefined, onEpoch,
  });
  endProgress(process.stderr);
  if (data.kind === 'pairs') {
    const fitted = fitBaselines(data, { seed: model.seed });
    const r = pairReport(model.scorePairs(data).margin, data.label);
    model.train!.baselines = baselinesToJSON(fitted);
    model.train!.metrics = { trainAccuracy: r.accuracy, trainLogLoss: r.logLoss };
  }
  writeAtomic(flags.out as string, saveModel(model));
  const sel = model.train!.selection;
  if (sel) {
    const how = sel.candidates.map((c) => `${c.arch} ${data.kind === 'pairs' ? `${(100 * c.score).toFixed(1)}%` : `MSE ${c.loss.toFixed(4)}`}`).join(', ');
    console.log(`arch auto chose ${sel.arch} by 5-fold cross-validation: ${how}`);
  }
  console.log(`wrote ${flags.out}: ${model.arch.type} [${model.arch.hidden.join(',')}] × ${model.nets.length} nets on ${data.ids.length} ${data.kind} from ${data.models.length} models` +
    `${model.features.length ? ` and ${model.features.length} features` : ''}, ${model.train!.fit[0].epochs} epochs`);
}
