#!/usr/bin/env node
// The rewardfuse command line. Every failure prints one line, `rewardfuse: …`,
// and exits non-zero: 1 for bad data or files, 2 for bad usage.
import { DataError } from '../data/errors.js';
import { UsageError } from './args.js';
import { demo, DEMO_USAGE } from './demo.js';
import { evaluate, EVAL_USAGE } from './evaluate.js';
import { explain, EXPLAIN_USAGE } from './explain.js';
import { CliError } from './io.js';
import { score, SCORE_USAGE } from './score.js';
import { train, TRAIN_USAGE } from './train.js';

const USAGE = `rewardfuse: learn to fuse the scores of several reward models into one reward

${TRAIN_USAGE}

${SCORE_USAGE}

${EVAL_USAGE}

${EXPLAIN_USAGE}

${DEMO_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => void> = { train, score, eval: evaluate, explain, demo };

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    console.error(`rewardfuse: unknown command "${cmd}" (use train, score, eval, explain or demo; --help for more)`);
    return 2;
  }
  try {
    run(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (e instanceof UsageError) {
      console.error(`rewardfuse ${cmd}: ${err.message}`);
      return 2;
    }
    if (e instanceof DataError || e instanceof CliError || /^rewardfuse: /.test(err.message)) {
      console.error(`rewardfuse: ${err.message.replace(/^rewardfuse: /, '')}`);
      return 1;
    }
    console.error(`rewardfuse: internal error: ${err.message} (please report it)`);
    return 70;
  }
}

process.exitCode = main(process.argv.slice(2));
