// Checks the CLI makes before scoring: every model in the data must be one
// the fusion model knows, or the user must say to ignore the others.
import { DataError } from '../data/errors.js';
import type { DataSet } from '../data/types.js';
import type { FusionModel } from '../models/model.js';

/** Throws for the first score from a model the fusion model was not trained on, naming its line and field. */
export function checkKnownModels(model: FusionModel, data: DataSet): void {
  const K = data.models.length, n = data.ids.length;
  const blocks = data.kind === 'pairs' ? [['a', data.a], ['b', data.b]] as const : [['scores', data.scores]] as const;
  for (let j = 0; j < K; j++) {
    const name = data.models[j];
    if (model.models.includes(name)) continue;
    for (let i = 0; i < n; i++) {
      for (const [side, x] of blocks) {
        if (x[i * K + j] === x[i * K + j]) {
          throw new DataError(data.source, data.lines[i], `${side}.${name}`, `unknown model "${name}": the fusion model was trained on ${model.models.join(', ')} (pass --ignore-unknown to score without it)`);
        }
      }
    }
  }
}
