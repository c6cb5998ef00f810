// rewardfuse demo (npm start): the main job, with no arguments needed.
import { saveModel } from '../models/file.js';
import { runDemo } from '../report/demo.js';
import { renderReport } from '../report/html.js';
import { checkFlags, parseArgs, UsageError } from './args.js';
import { int, MAX_SEED } from '../data/validate.js';
import { checkOutput, writeOutput, writeStdout } from '../node/io.js';

export const DEMO_USAGE = `rewardfuse demo [--seed N] [--report rewardfuse-report.html] [--model model.json]
  simulate an ensemble of reward models with a known gold reward, train fusion models,
  print held-out accuracy (in-domain and under a domain shift) and best-of-N, and write an HTML report (and, with --model, the default fusion model, for explain)`;

export function demo(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { seed: 'integer', report: 'string', model: 'string' });
  if (positional.length) throw new UsageError(`demo takes no files (see rewardfuse --help)`);
  checkFlags(flags, { seed: int(0, MAX_SEED - 1) }); // the demo's seeds: seed, seed + 1
  const file = (flags.report as string | undefined) ?? 'rewardfuse-report.html';
  const modelFile = flags.model as string | undefined;
  checkOutput(file);
  if (modelFile !== undefined) checkOutput(modelFile);
  const r = runDemo({ seed: flags.seed as number | undefined });
  const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
  const out: string[] = [];
  out.push(`rewardfuse demo: ${r.rows.filter((x) => x.kind === 'single RM').length} simulated reward models, ${r.trainPairs} training pairs, ${r.testPairs} held-out pairs`, '');
  out.push('(a) held-out pairwise accuracy', '');
  const w = Math.max(21, ...r.rows.map((x) => x.name.length)); // the scorer column fits its longest name
  out.push(`| kind      | ${'scorer'.padEnd(w)} | accuracy | 95% CI        | log loss |   ECE |`);
  out.push(`|-----------|${'-'.repeat(w + 2)}|---------:|---------------|---------:|------:|`);
  for (const { kind, name, report } of r.rows) {
    out.push(`| ${kind.padEnd(9)} | ${name.padEnd(w)} | ${pct(report.accuracy)}%   | ${pct(report.ci95[0])}–${pct(report.ci95[1])}% | ${report.logLoss.toFixed(3).padStart(8)} | ${report.ece.toFixed(3)} |`);
  }
  out.push('', '(b) best-of-N: mean gold reward of the response each method picks among N candidates', '');
  out.push(`| scorer          | ${r.ns.map((n) => `N=${n}`.padStart(6)).join(' | ')} |`);
  out.push(`|-----------------|${r.ns.map(() => '-------:').join('|')}|`);
  for (const s of r.bestOfN) out.push(`| ${s.name.padEnd(15)} | ${s.values.map((v) => v.toFixed(3).padStart(6)).join(' | ')} |`);
  const sh = r.shift, auc = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  out.push('', '(c) under a domain shift: the held-out prompts moved to other domains, a reversed length bias,', `    experts wrong outside their domains; the default's check: AUC ${auc(sh.auc[0])} in-domain (${sh.combiner[0]} scored), ${auc(sh.auc[1])} shifted (${sh.combiner[1]} scored)`, '');
  out.push('| scorer                          | in-domain | shifted |');
  out.push('|---------------------------------|----------:|--------:|');
  for (const x of sh.rows) out.push(`| ${x.name.padEnd(31)} | ${pct(x.inDomain)}%    | ${pct(x.shifted)}%  |`);
  writeOutput(file, renderReport(r.report));
  out.push('', `wrote ${file}`);
  if (modelFile !== undefined) {
    writeOutput(modelFile, saveModel(r.model));
    out.push(`wrote ${modelFile} (the default fusion model: ${r.model.name})`);
  }
  writeStdout(out.join('\n') + '\n');
}
