// rewardfuse score <model.json> <items.jsonl|csv> [-o out.jsonl] [--ignore-unknown]
import { parseArgs, UsageError } from './args.js';
import { checkKnownModels } from './check.js';
import { readData, readModel, writeAtomic } from './io.js';

export const SCORE_USAGE = `rewardfuse score <model.json> <items.jsonl|csv> [-o out.jsonl] [--ignore-unknown]
  one JSON line per item: id, reward, uncertainty, conservative, and per-model weights (gated)`;

export function score(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { out: 'string', 'ignore-unknown': 'boolean' }, { o: 'out' });
  if (positional.length !== 2) throw new UsageError(`score takes a model and an items file (see rewardfuse --help)`);
  const model = readModel(positional[0]);
  const items = readData(positional[1], 'items');
  if (!flags['ignore-unknown']) checkKnownModels(model, items);
  const s = model.score(items);
  if (s.unknownModels.length) process.stderr.write(`rewardfuse: ignoring models the fusion model does not know: ${s.unknownModels.join(', ')}\n`);
  const K = model.models.length;
  const lines = items.ids.map((id, i) => {
    const row: Record<string, unknown> = { id, reward: s.reward[i], uncertainty: s.uncertainty[i], conservative: s.conservative[i] };
    if (s.weights) row.weights = Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]]));
    return JSON.stringify(row);
  });
  const text = lines.join('\n') + '\n';
  if (flags.out) writeAtomic(flags.out as string, text);
  else process.stdout.write(text);
}
