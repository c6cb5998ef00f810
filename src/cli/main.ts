#!/usr/bin/env node
// The rewardfuse command line. Every failure prints one line, `rewardfuse: …`,
// and exits non-zero: 1 for bad data, files or a failed write (a full disk, a
// closed pipe), 2 for bad usage, 70 for an internal error; a signal ends it as
// that signal would.
import { DataError } from '../data/errors.js';
import { UsageError } from './args.js';
import { demo, DEMO_USAGE } from './demo.js';
import { evaluate, EVAL_USAGE } from './evaluate.js';
import { explain, EXPLAIN_USAGE } from './explain.js';
import { exportModel, EXPORT_USAGE } from './export.js';
import { CliError, reason, writeStderr, writeStdout } from '../node/io.js';
import { score, SCORE_USAGE } from './score.js';
import { serve, SERVE_USAGE } from './serve.js';
import { train, TRAIN_USAGE } from './train.js';

const USAGE = `rewardfuse: learn to fuse the scores of several reward models into one reward

${TRAIN_USAGE}

${SCORE_USAGE}

${EVAL_USAGE}

${EXPLAIN_USAGE}

${EXPORT_USAGE}

${DEMO_USAGE}

${SERVE_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => void | Promise<void>> = { train, score, eval: evaluate, explain, export: exportModel, demo, serve };
const USAGES: Record<string, string> = { train: TRAIN_USAGE, score: SCORE_USAGE, eval: EVAL_USAGE, explain: EXPLAIN_USAGE, export: EXPORT_USAGE, demo: DEMO_USAGE, serve: SERVE_USAGE };

function main(argv: string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  const help = !cmd || cmd === 'help' || cmd === '--help' || cmd === '-h';
  const run = help ? () => writeStdout(USAGE + '\n') : COMMANDS[cmd];
  if (!run) {
    writeStderr(`rewardfuse: unknown command "${cmd}" (use train, score, eval, explain, export, demo or serve; --help for more)\n`);
    return 2;
  }
  // `rewardfuse CMD --help` (or -h): that command's usage, whatever else was given
  if (!help && (rest.includes('--help') || rest.includes('-h'))) {
    writeStdout(USAGES[cmd] + '\n');
    return 0;
  }
  try {
    const done = run(rest);
    if (done instanceof Promise) return done.then(() => 0, (e) => failed(cmd, e)); // a command that streams
    return cmd ? 0 : 2;
  } catch (e) {
    return failed(cmd, e);
  }
}

function failed(cmd: string, e: unknown): number {
  const err = e as Error;
  if (e instanceof UsageError) {
    writeStderr(`rewardfuse ${cmd}: ${err.message}\n`);
    return 2;
  }
  if (e instanceof DataError || e instanceof CliError || /^rewardfuse: /.test(err?.message)) {
    writeStderr(`rewardfuse: ${err.message.replace(/^rewardfuse: /, '')}\n`);
    return 1;
  }
  writeStderr(`rewardfuse: internal error: ${err?.message ?? String(e)} (please report it)\n`);
  return 70;
}

// Commands that print through console.log or process.stdout get their write
// errors (ENOSPC, EPIPE, EIO) as events, after the write: report the first as
// one line and fail. Standard error failing is not reported (nowhere to) and
// does not fail a run that did its work.
let stdoutFailed = false;
process.stdout.on('error', (e) => {
  if (stdoutFailed) return;
  stdoutFailed = true;
  writeStderr(`rewardfuse: standard output: cannot write (${reason(e)})\n`);
  if (!process.exitCode) process.exitCode = 1;
});
process.stderr.on('error', () => {});

const code = main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
else void code.then((c) => { process.exitCode ||= c; });
