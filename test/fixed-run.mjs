// One fixed training run and one fixed scoring, run the same way in Node, in
// Chromium, in Deno, in Bun and in workerd; the bits must agree everywhere.
// `lib` is the rewardfuse module as each runtime loads it.

export const ARCHS = ['gated', 'mlp'];

const hex = (f) => Array.from(new Uint32Array(Float32Array.from(f).buffer), (u) => u.toString(16).padStart(8, '0')).join('');

export function fixedItems(lib) {
  const sim = lib.simulateEnsemble({ prompts: 60, seed: 11 });
  return lib.simItems(sim, Array.from({ length: 20 }, (_, i) => 40 + i));
}

/** Train each architecture with a fixed seed on fixed data; returns the model files and their scores' bits. */
export function fixedRun(lib) {
  const sim = lib.simulateEnsemble({ prompts: 60, seed: 11 });
  const train = lib.simPairs(sim, Array.from({ length: 40 }, (_, i) => i), 1);
  const out = {};
  for (const arch of ARCHS) {
    const model = lib.trainFusion(train, { arch, seed: 3, epochs: 15, ensemble: 2, hidden: [16] });
    const text = lib.saveModel(model);
    out[arch] = { model: text, weights: JSON.parse(text).weights, scores: scoreBits(lib, text) };
  }
  return out;
}

/** Load a model file and score the fixed items: the bits of reward, uncertainty and (gated) weights. */
export function scoreBits(lib, text) {
  const s = lib.loadModel(text).score(fixedItems(lib));
  return hex(s.reward) + ':' + hex(s.uncertainty) + ':' + (s.weights ? hex(s.weights) : '');
}

/** The default's shift check, fixed: the reference in the model file, and the check's report on an in-domain and a shifted batch (240 pairs each). */
export function shiftRun(lib) {
  const ids = Array.from({ length: 60 }, (_, i) => i);
  const sim = lib.simulateEnsemble({ prompts: 60, seed: 11 });
  const model = lib.trainFusion(lib.simPairs(sim, ids.slice(0, 40), 1), { candidates: ['tbma'], seed: 3 });
  const check = (s) => JSON.stringify(model.scorePairsBatch(lib.simPairs(s, ids, 2)).shift);
  return { model: lib.saveModel(model), inDomain: check(lib.simulateEnsemble({ prompts: 60, seed: 12 })), shifted: check(lib.simulateEnsemble({ prompts: 60, seed: 12, shift: { from: 0 } })) };
}
