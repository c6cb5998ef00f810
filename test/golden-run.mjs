// The run whose exact bits test/fixtures/golden.json stores. Inputs are exact
// in f32 (small rationals), so only the library's arithmetic is under test.
// Regenerate by hand with `node scripts/update-golden.mjs` and read the diff.
import { Mlp } from '../dist/engine.js';
import { trainFusion } from '../dist/index.js';
import { pairsFromRecords } from '../dist/data.js';
import { ARCH_NAMES } from '../dist/models/archs.js';

export const GOLDEN_FORMAT = { format: 'rewardfuse-golden', version: 3 };

const bits = (f) => Array.from(new Uint32Array(Float32Array.from(f).buffer), (u) => u.toString(16).padStart(8, '0'));

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
  return { ...GOLDEN_FORMAT, loss: bits([loss])[0], predictions: bits(mlp.predict(x)), fusion: goldenFusion() };
}

// Each fusion architecture, trained a few epochs (with model dropout and a
// missing score) on pairs whose scores are small rationals: the margins' bits.
function goldenFusion() {
  const K = 4, P = 48;
  const score = (i, k, side) => ((i * 5 + k * 3 + side * 7) % 13) / 4 - 1.5;
  const records = Array.from({ length: P }, (_, i) => {
    const side = (s) => Object.fromEntries(Array.from({ length: K }, (_, k) => [`m${k}`, i % 11 === k ? null : score(i, k, s)]));
    return { id: String(i), a: side(0), b: side(1), label: ['a', 'b', 'a', 'tie'][i % 4] };
  });
  const pairs = pairsFromRecords(records, 'golden');
  const out = {};
  for (const arch of ARCH_NAMES) {
    const m = trainFusion(pairs, { arch, seed: 5, ensemble: 1, epochs: 4, batchSize: 16, modelDropout: 0.2 });
    out[arch] = bits(m.scorePairs(pairs).margin);
  }
  return out;
}
