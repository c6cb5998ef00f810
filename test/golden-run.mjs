// The run whose exact bits test/fixtures/golden.json stores. Inputs are exact
// in f32 (small rationals), so only the library's arithmetic is under test.
// Regenerate by hand with `node scripts/update-golden.mjs` and read the diff.
import { Mlp } from '../dist/index.js';

export const GOLDEN_FORMAT = { format: 'rewardfuse-golden', version: 1 };

export function goldenRun() {
  const K = 6, P = 32, B = 2 * P;
  const x = new Float32Array(B * K);
  for (let i = 0; i < B; i++) for (let k = 0; k < K; k++) x[i * K + k] = ((i * 7 + k * 13) % 17) / 8 - 1;
  const t = Float32Array.from({ length: P }, (_, i) => [1, 0, 0.5, 1][i % 4]);
  const mlp = new Mlp({ inputs: K, hidden: [16, 8], activation: 'gelu', seed: 7, maxBatch: B });
  let loss = 0;
  for (let step = 0; step < 20; step++) {
    mlp.zeroGrad();
    mlp.forward(x, B);
    loss = mlp.loss('bt', t);
    mlp.backward();
    mlp.step({ lr: 1e-2, weightDecay: 1e-2 });
  }
  const bits = (f) => Array.from(new Uint32Array(Float32Array.from(f).buffer), (u) => u.toString(16).padStart(8, '0'));
  return { ...GOLDEN_FORMAT, loss: bits([loss])[0], predictions: bits(mlp.predict(x)) };
}
