// rewardfuse export <model.json> [-o model.onnx | -o -]: the model as an ONNX file
// (see onnx/export.ts for its inputs, outputs and metadata).
import { exportOnnx } from '../onnx/export.js';
import { parseArgs, UsageError } from './args.js';
import { checkOutput, Output, readModel, writeOutput, writeStderr, writeStdout } from '../node/io.js';

export const EXPORT_USAGE = `rewardfuse export <model.json> [-o model.onnx] [--anchor]
  the model as ONNX (opset 17): input "scores" float32 [N, K] in the judges' order (NaN = missing),
  outputs "reward", "uncertainty", "conservative" [N] as score prints them; default output: the
  model's path with .onnx for .json; -o - writes standard output (not a terminal); a default model that
  chose a net keeps an anchor rule for inputs unlike its training data: the file is the net, or with
  --anchor the anchor (the shift check between them needs a batch, so it is not in the graph)`;

/** names of standard output: the file goes there, so the note goes to standard error */
const STDOUT = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

export function exportModel(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { out: 'string', anchor: 'boolean' }, { o: 'out' });
  if (positional.length !== 1) throw new UsageError('export takes one model file (see rewardfuse --help)');
  const file = positional[0];
  const out = (flags.out as string | undefined) ?? `${file.replace(/\.json$/i, '')}.onnx`;
  const toStdout = STDOUT.has(out);
  if (toStdout && process.stdout.isTTY) throw new UsageError('-o -: refusing to write a binary ONNX file to a terminal (redirect it, or name a file)');
  const model = readModel(file);
  const combiner = flags.anchor ? 'anchor' : 'net';
  if (combiner === 'anchor' && !model.anchor) throw new UsageError(`--anchor: ${file} keeps no anchor rule (only a default model that chose a net does)`);
  const bytes = exportOnnx(model, { combiner });
  if (out === '-') {
    // standard output, checked (not an input) and named as such
    const o = new Output('-');
    o.write(bytes);
    o.close();
  } else {
    checkOutput(out);
    writeOutput(out, bytes);
  }
  const K = model.models.length;
  const what = !model.anchor ? model.name : combiner === 'anchor' ? `${model.anchor.name}, the anchor of ${model.name}` : `${model.name}, without its anchor`;
  const note = `wrote ${toStdout ? 'standard output' : out} (${what}, ${K} judge${K === 1 ? '' : 's'})\n`;
  if (model.anchor && combiner === 'net') {
    writeStderr(`rewardfuse: note: rewardfuse score falls back to the anchor rule (${model.anchor.name}) on input unlike the training data; the ONNX graph cannot run that check, so it always computes the net (--anchor exports the anchor)\n`);
  }
  if (toStdout) writeStderr(note);
  else writeStdout(note);
}
