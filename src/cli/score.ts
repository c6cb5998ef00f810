// rewardfuse score <model.json> <items.jsonl|csv> [-o out.jsonl] [--ignore-unknown]
import { parseArgs, UsageError } from './args.js';
import { checkFinite, checkKnownModels, checkScorable, atLines } from './check.js';
import { checkOutput, readData, readModel, writeOutput, writeStderr, writeStdout } from './io.js';

export const SCORE_USAGE = `rewardfuse score <model.json> <items.jsonl|csv> [-o out.jsonl] [--ignore-unknown]
  one JSON line per item: id, reward, uncertainty, conservative, and per-model weights (gated);
  items need no "target"`;

export function score(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { out: 'string', 'ignore-unknown': 'boolean' }, { o: 'out' });
  if (positional.length !== 2) throw new UsageError(`score takes a model and an items file (see rewardfuse --help)`);
  const model = readModel(positional[0]);
  const items = readData(positional[1], 'items', { targets: false });
  const out = flags.out as string | undefined;
  if (out) checkOutput(out);
  if (!flags['ignore-unknown']) checkKnownModels(model, items);
  checkScorable(model, items, positional[0]);
  const s = atLines(items, () => model.score(items));
  checkFinite(items, s);
  if (s.unknownModels.length) writeStderr(`rewardfuse: ignoring models the fusion model does not know: ${s.unknownModels.join(', ')}\n`);
  const K = model.models.length;
  const lines = items.ids.map((id, i) => {
    const row: Record<string, unknown> = { id, reward: s.reward[i], uncertainty: s.uncertainty[i], conservative: s.conservative[i] };
    if (s.weights) row.weights = Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]]));
    return JSON.stringify(row);
  });
  const text = lines.join('\n') + '\n';
  if (out) writeOutput(out, text);
  else writeStdout(text);
}
