// `npm start`: the main job on the embedded simulated ensemble. Train on 70%
// of the prompts, and print held-out pairwise accuracy of every single reward
// model, every baseline and each fusion model.
import { simulateEnsemble, simPairs } from './data/simulate.js';
import { BASELINES, fitBaselines, scoreBaselines } from './eval/baselines.js';
import { pairReport, type PairReport } from './eval/report.js';
import { FusionModel } from './models/model.js';
import type { Arch } from './models/fusion.js';

const seed = 0;
const sim = simulateEnsemble({ seed });
const cut = Math.floor(sim.prompts * 0.7);
const ids = Array.from({ length: sim.prompts }, (_, i) => i);
const train = simPairs(sim, ids.slice(0, cut), seed);
const test = simPairs(sim, ids.slice(cut), seed + 1);
const K = sim.models.length;

const rows: [string, string, PairReport][] = [];
for (let m = 0; m < K; m++) {
  const margin = Float64Array.from({ length: test.ids.length }, (_, i) => {
    const d = test.a[i * K + m] - test.b[i * K + m];
    return d === d ? d : 0;
  });
  rows.push(['single RM', sim.models[m], pairReport(margin, test.label)]);
}
const base = scoreBaselines(fitBaselines(train, { seed }), test);
for (const b of BASELINES) rows.push(['baseline', b, pairReport(base.margin[b], test.label, base.prob[b])]);
for (const arch of ['mlp', 'gated', 'linear'] as Arch[]) {
  const model = FusionModel.train(train, { arch, seed });
  rows.push(['fusion', arch + (arch === 'mlp' ? ' (default)' : ''), pairReport(model.scorePairs(test).margin, test.label)]);
}

const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
console.log(`rewardfuse demo: ${K} simulated reward models, ${train.ids.length} training pairs, ${test.ids.length} held-out pairs\n`);
console.log('| kind      | scorer                | accuracy | 95% CI        | log loss |');
console.log('|-----------|-----------------------|---------:|---------------|---------:|');
for (const [kind, name, r] of rows) {
  console.log(`| ${kind.padEnd(9)} | ${name.padEnd(21)} | ${pct(r.accuracy)}%   | ${pct(r.ci95[0])}–${pct(r.ci95[1])}% | ${r.logLoss.toFixed(3).padStart(8)} |`);
}
