// Trains in a worker so the page keeps drawing: one loss report an epoch,
// then the model file, which the page loads like any other.
import { simulateEnsemble, simPairs, trainFusion, saveModel } from '../../dist/index.js';

self.onmessage = ({ data: { seed, arch, epochs } }) => {
  try {
    const t0 = performance.now();
    const sim = simulateEnsemble({ prompts: 300, seed });
    const train = simPairs(sim, Array.from({ length: 210 }, (_, i) => i), seed);
    const model = trainFusion(train, {
      arch, seed, epochs, ensemble: 1, hidden: arch === 'gated' ? [16] : [32, 32],
      onEpoch: (e) => self.postMessage({ type: 'epoch', ...e }),
    });
    self.postMessage({ type: 'done', model: saveModel(model), ms: performance.now() - t0 });
  } catch (e) {
    self.postMessage({ type: 'error', message: e.message });
  }
};
