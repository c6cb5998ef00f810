// rewardfuse export <model.json> [-o model.onnx]: the model as an ONNX file
// (see onnx/export.ts for its inputs, outputs and metadata).
import { exportOnnx } from '../onnx/export.js';
import { parseArgs, UsageError } from './args.js';
import { checkOutput, readModel, writeOutput, writeStdout } from '../node/io.js';

export const EXPORT_USAGE = `rewardfuse export <model.json> [-o model.onnx]
  the model as ONNX (opset 17): input "scores" float32 [N, K] in the judges' order (NaN = missing),
  outputs "reward", "uncertainty", "conservative" [N] as score prints them; default output: the
  model's path with .onnx for .json`;

export function exportModel(argv: string[]): void {
  const { positional, flags } = parseArgs(argv, { out: 'string' }, { o: 'out' });
  if (positional.length !== 1) throw new UsageError('export takes one model file (see rewardfuse --help)');
  const file = positional[0];
  const out = (flags.out as string | undefined) ?? `${file.replace(/\.json$/i, '')}.onnx`;
  const model = readModel(file);
  checkOutput(out);
  writeOutput(out, exportOnnx(model));
  writeStdout(`wrote ${out} (${model.name}, ${model.models.length} judges)\n`);
}
