// Every public function and every CLI flag checks its arguments at the door,
// with one shared validator (src/data/validate.ts): unknown options named, integers
// that must be integers, sizes bounded by what memory can hold, and errors in
// the caller's terms (the option for the library, the flag for the CLI, which
// is a usage error: exit 2). Library calls and the commands run in-process: no
// subprocess.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateEnsemble, simPairs, simItems, trainFusion, saveModel, modelToJSON, loadModel } from '../dist/index.js';
import { subsetPairs, subsetItems } from '../dist/data.js';
import { fitBaselines, fitItemBaselines, scoreBaselines, baselineItemScores, pairReport, itemReport, pairwiseAccuracy, bootstrapCI, ece } from '../dist/eval.js';
import { UsageError, parseArgs } from '../dist/cli/args.js';
import { train } from '../dist/cli/train.js';
import { score, clock } from '../dist/cli/score.js';
import { evaluate } from '../dist/cli/evaluate.js';

const throwsWith = (fn, pattern, type = Error) => {
  try { fn(); } catch (e) { assert.instance(e, type); assert.match(e.message, pattern); return; }
  assert.unreachable(`expected an error matching ${pattern}`);
};

const Lib = suite('the library: every public function checks its arguments');

Lib('simulateEnsemble: unknown options, integers, sizes and probabilities, refused at once', () => {
  throwsWith(() => simulateEnsemble({ prompts: 1e8 }), /simulateEnsemble: option "prompts" must be an integer from 2 to/);
  throwsWith(() => simulateEnsemble({ prompts: 5e6 }), /simulateEnsemble: 5000000 prompts × 8 candidates × 6 judges need about \d+ MB, more than the 1024 MB/);
  throwsWith(() => simulateEnsemble({ missing: 2 }), /option "missing" must be a probability in \[0, 1\)/);
  throwsWith(() => simulateEnsemble({ missing: 1 }), /option "missing"/);
  for (const seed of [2 ** 32, 1.5, 'x', -1]) throwsWith(() => simulateEnsemble({ seed }), /option "seed" must be an integer from 0 to 4294967295/);
  throwsWith(() => simulateEnsemble({ prompt: 99 }), /unknown option "prompt" \(known: judges, prompts, candidates, missing, seed, shift\)/);
  throwsWith(() => simulateEnsemble({ shift: { from: 3, strength: 2 } }), /option "shift" must be an object whose strength is in \[0, 1\]/);
  throwsWith(() => simulateEnsemble({ candidates: 3 }), /option "candidates" must be an even integer/);
  throwsWith(() => simulateEnsemble({ judges: [{ name: 'a' }] }), /judges\[0\]\.quality must be a number/);
  throwsWith(() => simulateEnsemble(null), /simulateEnsemble: options must be an object, got null/);
  const sim = simulateEnsemble({ prompts: 4, seed: 2 ** 32 - 1 });
  throwsWith(() => simPairs(sim, [4]), /simPairs: prompts must be an array of prompt indices from 0 to 3/);
  throwsWith(() => simPairs(sim, [0], 1.5), /simPairs: seed must be an integer/);
  throwsWith(() => simItems(null, [0]), /simItems: sim must be a simulation from simulateEnsemble/);
});

Lib('models and baselines: null, look-alikes and the wrong kind of set are named, not TypeErrors', () => {
  throwsWith(() => saveModel(null), /^rewardfuse: saveModel: the model must be a FusionModel \(from trainFusion or loadModel\), got null$/);
  throwsWith(() => saveModel({ models: ['a'] }), /saveModel: the model must be a FusionModel/);
  throwsWith(() => modelToJSON(undefined), /modelToJSON: the model must be a FusionModel/);
  throwsWith(() => loadModel(null), /loadModel: the text must be a string/);
  const sim = simulateEnsemble({ prompts: 12, seed: 3 });
  const pairs = simPairs(sim, [...Array(12).keys()]), items = simItems(sim, [0, 1, 2]);
  throwsWith(() => fitBaselines(null), /^rewardfuse: fitBaselines: the pairs must be a PairSet/);
  throwsWith(() => fitBaselines(items), /fitBaselines: takes pairs, got items \(use fitItemBaselines\)/);
  throwsWith(() => fitItemBaselines(pairs), /fitItemBaselines: takes items, got pairs \(use fitBaselines\)/);
  throwsWith(() => fitBaselines(pairs, { seed: 1.5 }), /fitBaselines: option "seed" must be an integer/);
  throwsWith(() => fitBaselines(pairs, { lamda: 1 }), /fitBaselines: unknown option "lamda"/);
  throwsWith(() => scoreBaselines(null, pairs), /^rewardfuse: scoreBaselines: the fitted baselines must be what fitBaselines or fitItemBaselines returned, got null$/);
  const f = fitBaselines(pairs);
  throwsWith(() => scoreBaselines(f, null), /scoreBaselines: the pairs must be a PairSet/);
  throwsWith(() => baselineItemScores(f, [1, 2]), /baselineItemScores: scores must be a Float32Array/);
  throwsWith(() => pairReport(null), /^rewardfuse: pairReport: margin must be an array or typed array of numbers, got null$/);
  throwsWith(() => pairReport([1], [1], undefined, 2 ** 32), /pairReport: seed must be an integer/);
  throwsWith(() => itemReport([1, 2], 'ab'), /itemReport: target must be an array or typed array of numbers/);
  throwsWith(() => pairwiseAccuracy(null, [1]), /pairwiseAccuracy: margin must be an array or typed array of numbers/);
  throwsWith(() => bootstrapCI([1, 0], null), /bootstrapCI: options must be an object, got null/);
  throwsWith(() => bootstrapCI([1, 0], { seed: 2 ** 32 }), /bootstrapCI: seed must be an integer from 0 to 4294967295/);
  throwsWith(() => bootstrapCI([1, 0], { resamples: 1e12 }), /bootstrapCI: resamples must be a positive integer \(at most 10000000\)/);
  throwsWith(() => bootstrapCI([1, 0], { samples: 9 }), /bootstrapCI: unknown option samples/);
  throwsWith(() => ece([0.5], [1], 1e9), /ece: bins must be a positive integer \(at most 1000000\)/);
  throwsWith(() => subsetPairs(null, [0]), /subsetPairs: the pairs must be a set of pairs/);
  throwsWith(() => subsetItems(pairs, [0]), /subsetItems: the items must be a set of items/);
  throwsWith(() => subsetPairs(pairs, null), /subsetPairs: indices must be an array or typed array of row indices/);
});

Lib.run();

const Cli = suite('the CLI: flags checked by the same validator, named as typed, exit 2');

Cli('train: --dropout 2 and --folds 0 name the flag, as usage errors (before any data is read)', () => {
  // the data file does not exist: the flags are checked first
  throwsWith(() => train(['nofile.jsonl', '-o', 'm.json', '--dropout', '2']), /^--dropout must be a number from 0 to 0\.95, got 2$/, UsageError);
  throwsWith(() => train(['nofile.jsonl', '-o', 'm.json', '--folds', '0']), /^--folds must be an integer from 2 to 1000, got 0$/, UsageError);
  throwsWith(() => train(['nofile.jsonl', '-o', 'm.json', '--batch', '0']), /^--batch must be an integer/, UsageError);
  throwsWith(() => train(['nofile.jsonl', '-o', 'm.json', '--seed', '4294967296']), /^--seed must be an integer/, UsageError);
});

Cli('numbers in flags are decimal: 0x2, 0b1, Infinity and 1_0 are refused', () => {
  for (const v of ['0x2', '0b1', '0o7', 'Infinity', '1_0', ' ', '2x']) {
    throwsWith(() => parseArgs(['--threads', v], { threads: 'integer' }), /--threads takes a number/, UsageError);
  }
  assert.is(parseArgs(['--threads', '2'], { threads: 'integer' }).flags.threads, 2);
  assert.is(parseArgs(['--lr', '1e-3'], { lr: 'number' }).flags.lr, 1e-3);
  assert.is(parseArgs(['--lr=.5'], { lr: 'number' }).flags.lr, 0.5);
  throwsWith(() => parseArgs(['--hidden', '0x10'], { hidden: 'list' }), /--hidden takes positive integers/, UsageError);
});

Cli('score --threads 0x2 and eval --seed 2^32 refused as usage errors; no blank line after "scored N items"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rf-validate-'));
  try {
    const sim = simulateEnsemble({ prompts: 12, seed: 1 });
    const m = trainFusion(simPairs(sim, [...Array(12).keys()]), { candidates: ['tbma'], folds: 2 });
    writeFileSync(join(dir, 'm.json'), saveModel(m));
    writeFileSync(join(dir, 'i.jsonl'), '{"id":"a","scores":{"careful":1}}\n{"id":"b","scores":{"careful":2}}\n');
    let err;
    try { await score([join(dir, 'm.json'), join(dir, 'i.jsonl'), '--threads', '0x2']); } catch (e) { err = e; }
    assert.instance(err, UsageError);
    assert.match(err.message, /--threads takes a number, got "0x2"/);
    throwsWith(() => evaluate([join(dir, 'm.json'), join(dir, 'i.jsonl'), '--seed', String(2 ** 32)]), /^--seed must be an integer from 0 to 4294967295/, UsageError);
    // a clock that says each look is a second later: the final line is written, once, with one line end
    const now = clock.now, write = process.stderr.write;
    let t = 0, said = '';
    clock.now = () => (t += 1000);
    process.stderr.write = (s) => { said += s; return true; };
    try {
      await score([join(dir, 'm.json'), join(dir, 'i.jsonl'), '-o', join(dir, 'out.jsonl')]);
    } finally {
      clock.now = now;
      process.stderr.write = write;
    }
    assert.match(said, /scored 2 items, wrote .*out\.jsonl\n$/);
    assert.not.match(said, /\n\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Cli.run();
