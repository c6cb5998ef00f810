// rewardfuse train <data> -o <model.json> [options]
import { SHIFT_RULE } from '../models/shift.js';
import { ARCHS, ARCH_NAMES } from '../models/archs.js';
import { saveModel } from '../models/file.js';
import type { LibraryRecord } from '../models/model.js';
import { ENSEMBLE, FIT_DEFAULTS } from '../train/options.js';
import { trainFusion, type FusionOptions } from '../train/train.js';
import { checkFusionOptions } from '../train/validate.js';
import { parseArgs, UsageError } from './args.js';
import { checkOutput, readData, writeOutput, writeStdout } from '../node/io.js';
import { endProgress, note, progress } from '../node/progress.js';

export const TRAIN_USAGE = `rewardfuse train <data.jsonl|csv> -o <model.json> [options]
  --arch library|auto|${ARCH_NAMES.join('|')}  what to fit (default library):
      library every fixed rule, BMA, tempered BMA, stacking and the fusion nets,
              cross-validated by group and with random judges hidden; tempered
              BMA unless another is better by more than two standard errors
      auto    the net architecture with the best random 5-fold CV accuracy
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
  --folds N                 library: at most N cross-validation folds (default 5)
  --no-groups               library: random folds even when the data has groups
  --seed N                  (default 0)`;

/** the flag that sets each option trainFusion is given, where its name differs */
const FLAGS: Record<string, string> = { batchSize: '--batch', weightDecay: '--weight-decay', modelDropout: '--dropout', useFeatures: '--no-features', grouped: '--no-groups' };

export function train(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, {
    out: 'string', arch: 'string', loss: 'string', hidden: 'list', activation: 'string', epochs: 'integer', batch: 'integer',
    lr: 'number', 'weight-decay': 'number', val: 'number', patience: 'integer', ensemble: 'integer', dropout: 'number',
    'no-features': 'boolean', seed: 'integer', temperature: 'number', folds: 'integer', 'no-groups': 'boolean',
  }, { o: 'out' });
  if (positional.length !== 1) throw new UsageError(`train takes one data file (see rewardfuse --help)`);
  if (!flags.out) throw new UsageError(`train needs -o <model.json> (see rewardfuse --help)`);
  const ensemble = flags.ensemble as number | undefined, epochs = flags.epochs as number | undefined;
  const onEpoch = progress(process.stderr, epochs ?? FIT_DEFAULTS.epochs, ensemble ?? ENSEMBLE);
  const onProgress = (message: string) => note(process.stderr, message);
  const opts: FusionOptions = {
    arch: flags.arch as FusionOptions['arch'], loss: flags.loss as FusionOptions['loss'], hidden: flags.hidden as number[] | undefined,
    activation: flags.activation as FusionOptions['activation'], epochs, batchSize: flags.batch as number | undefined,
    lr: flags.lr as number | undefined, weightDecay: flags['weight-decay'] as number | undefined,
    val: flags.val as number | undefined, patience: flags.patience as number | undefined, ensemble,
    modelDropout: flags.dropout as number | undefined, useFeatures: flags['no-features'] ? false : undefined,
    seed: flags.seed as number | undefined, temperature: flags.temperature as number | undefined, onEpoch,
    folds: flags.folds as number | undefined, grouped: flags['no-groups'] ? false : undefined, onProgress,
  };
  checkFusionOptions('trainFusion', opts, { name: (o) => FLAGS[o] ?? `--${o}`, error: (m) => new UsageError(m) }); // in the flags' terms, exit 2
  let shown = Date.now();
  const data = readData(positional[0], undefined, {}, (rows) => {
    // a progress line at most once a second, so that a short read says nothing
    if (Date.now() - shown < 1000) return;
    shown = Date.now();
    note(process.stderr, `reading ${positional[0]}: ${rows} rows`);
  });
  checkOutput(flags.out as string);
  const model = trainFusion(data, opts);
  endProgress(process.stderr);
  onProgress(`writing ${flags.out}`);
  writeOutput(flags.out as string, saveModel(model));
  endProgress(process.stderr);
  const out: string[] = [];
  const lib = model.train!.library;
  if (lib) out.push(...describeChoice(lib, data.kind));
  if (model.anchor) out.push(`kept ${model.anchor.name} as the anchor: it scores, in place of the net, batches under ${SHIFT_RULE.minRows} rows and batches that look unlike these ${data.kind} (the shift check's AUC ≥ ${SHIFT_RULE.threshold})`);
  const sel = model.train!.selection;
  if (sel) {
    const how = sel.candidates.map((c) => `${c.arch} ${data.kind === 'pairs' ? `${(100 * c.score).toFixed(1)}%` : `MSE ${c.loss.toFixed(4)}`}`).join(', ');
    out.push(sel.candidates.length ? `arch auto chose ${sel.arch} by 5-fold cross-validation: ${how}` : `arch auto chose ${sel.arch}: under 10 rows, too few to cross-validate`);
  }
  const fit = model.train!.fit;
  out.push(`wrote ${flags.out}: ${model.name} on ${data.ids.length} ${data.kind} from ${data.models.length} models` +
    `${model.features.length ? ` and ${model.features.length} features` : ''}${fit.length ? `, ${fit[0].epochs} epochs (${fit[0].steps ?? '?'} steps, ended by ${fit[0].ended ?? 'epochs'})` : ''}`);
  writeStdout(out.join('\n') + '\n');
}

/** The library's estimates as a table, the choice and why, and the calibration. */
export function describeChoice(lib: LibraryRecord, kind: 'pairs' | 'items'): string[] {
  if (!lib.candidates.length) return [`library: chose ${lib.reason}`];
  const fmt = (x: number) => (kind === 'pairs' ? `${(100 * x).toFixed(1)}%` : x.toFixed(3)).padStart(8);
  const what = kind === 'pairs' ? 'accuracy' : 'Pearson r';
  const out = [`library: ${lib.folds}; each candidate fitted on the other folds and scored with every judge, and with random judges hidden (${what})`, ''];
  out.push(`  ${'candidate'.padEnd(10)} ${'all'.padStart(8)} ${'hidden'.padStart(8)} ${'mean'.padStart(8)}`);
  for (const c of [...lib.candidates].sort((p, q) => q.score - p.score)) {
    out.push(`  ${c.name.padEnd(10)} ${fmt(c.full)} ${fmt(c.hidden)} ${fmt(c.score)}${c.name === lib.chosen ? '  ← chosen' : ''}`);
  }
  const cal = lib.calibration;
  out.push('', `chose ${lib.reason}`);
  out.push(kind === 'pairs'
    ? `calibrated on its out-of-fold margins: P(a ≻ b) = σ(${cal.scale.toPrecision(4)}·margin), ECE ${lib.ece?.toFixed(3)}`
    : `calibrated on its out-of-fold scores: reward = ${cal.offset.toPrecision(4)} + ${cal.scale.toPrecision(4)}·score`);
  return out;
}
