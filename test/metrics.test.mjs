import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  sigmoid, pairCredit, pairwiseAccuracy, bootstrapCI, logLoss, reliability, ece,
  pearson, spearman, kendall, ranks,
} from '../dist/eval/metrics.js';

const close = (a, b, tol = 1e-12, msg) => assert.ok(Math.abs(a - b) <= tol, msg ?? `${a} ≉ ${b}`);

// Tiny deterministic LCG for test data (the library itself never uses it).
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// ---
const Sigmoid = suite('sigmoid');

Sigmoid('values and symmetry', () => {
  assert.is(sigmoid(0), 0.5);
  close(sigmoid(2), 1 / (1 + Math.exp(-2)));
  for (const x of [0.3, 5, 40]) close(sigmoid(x) + sigmoid(-x), 1);
});

Sigmoid('stable at the extremes', () => {
  assert.is(sigmoid(1000), 1);
  assert.is(sigmoid(-1000), 0);
  assert.ok(sigmoid(-700) > 0);
  assert.throws(() => sigmoid(NaN), /sigmoid: x is NaN/);
});

Sigmoid.run();

// ---
const Accuracy = suite('pairwiseAccuracy / pairCredit');

Accuracy('credit: right 1, wrong 0, zero margin ½, gold tie NaN', () => {
  const c = pairCredit([2, -1, 0, 3, -2], [1, 1, 1, 0.5, 0]);
  assert.instance(c, Float64Array);
  assert.equal(Array.from(c.subarray(0, 3)), [1, 0, 0.5]);
  assert.ok(Number.isNaN(c[3]));
  assert.is(c[4], 1);
});

Accuracy('accuracy leaves gold ties out', () => {
  // credits 1, 0, ½, (tie), 1 → 2.5 / 4
  assert.is(pairwiseAccuracy([2, -1, 0, 3, -2], [1, 1, 1, 0.5, 0]), 0.625);
  assert.is(pairwiseAccuracy(new Float32Array([0.1, -0.2]), new Float64Array([1, 0])), 1);
  assert.is(pairwiseAccuracy([Infinity, -Infinity], [0, 0]), 0.5);
});

Accuracy('errors', () => {
  assert.throws(() => pairwiseAccuracy([1, 2], [1]), /pairwiseAccuracy: margin has 2 values but label has 1/);
  assert.throws(() => pairwiseAccuracy([], []), /pairwiseAccuracy: margin is empty/);
  assert.throws(() => pairwiseAccuracy([1, NaN], [1, 0]), /pairwiseAccuracy: margin\[1\] is NaN/);
  assert.throws(() => pairwiseAccuracy([1, 1], [1, NaN]), /pairwiseAccuracy: label\[1\] is NaN/);
  assert.throws(() => pairwiseAccuracy([1], [2]), /pairwiseAccuracy: label\[0\] = 2 is outside \[0, 1\]/);
  assert.throws(() => pairwiseAccuracy([1, 2], [0.5, 0.5]), /pairwiseAccuracy: every gold label is a tie/);
  assert.throws(() => pairCredit([1], []), /pairCredit: label is empty/);
});

Accuracy.run();

// ---
const Bootstrap = suite('bootstrapCI');

const credits = (n, seed) => {
  const r = lcg(seed);
  return Float64Array.from({ length: n }, () => (r() < 0.7 ? 1 : 0));
};
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

Bootstrap('deterministic for a seed, different for another', () => {
  const c = credits(200, 1);
  const a = bootstrapCI(c, { seed: 7 });
  assert.equal(bootstrapCI(c, { seed: 7 }), a);
  bootstrapCI(c, { seed: 99 }); // an interleaved call must not disturb the next one
  assert.equal(bootstrapCI(c, { seed: 7 }), a);
  assert.not.equal(bootstrapCI(c, { seed: 8 }), a);
  assert.equal(bootstrapCI(c), bootstrapCI(c, { seed: 0 }));
});

Bootstrap('contains the mean and narrows as n grows', () => {
  const small = credits(50, 2), big = credits(5000, 3);
  const [a, b] = bootstrapCI(small);
  const [c, d] = bootstrapCI(big);
  assert.ok(a <= mean(small) && mean(small) <= b, `${a} ≤ ${mean(small)} ≤ ${b}`);
  assert.ok(c <= mean(big) && mean(big) <= d, `${c} ≤ ${mean(big)} ≤ ${d}`);
  assert.ok(a < b && c < d);
  // width ∝ 1/√n: 100× the data, about a tenth of the width
  const ratio = (d - c) / (b - a);
  assert.ok(ratio > 0.05 && ratio < 0.2, `width ratio ${ratio}`);
  // a 95% interval of a Bernoulli(~0.7) mean with n = 5000 is about ±1.96·√(.21/5000) ≈ ±0.0127
  close(d - c, 2 * 1.96 * Math.sqrt(mean(big) * (1 - mean(big)) / 5000), 0.004);
});

Bootstrap('skips NaN (gold ties); level widens; constant data gives a point', () => {
  const c = credits(300, 4);
  const withTies = Float64Array.from([...c, NaN, NaN, NaN]);
  const [lo, hi] = bootstrapCI(withTies, { seed: 3 });
  assert.ok(Number.isFinite(lo) && Number.isFinite(hi));
  const [lo80, hi80] = bootstrapCI(c, { level: 0.8, resamples: 2000 });
  const [lo99, hi99] = bootstrapCI(c, { level: 0.99, resamples: 2000 });
  assert.ok(lo99 <= lo80 && hi80 <= hi99);
  assert.equal(bootstrapCI([1, 1, 1, NaN]), [1, 1]);
  assert.equal(bootstrapCI([0.5], { resamples: 1 }), [0.5, 0.5]);
});

Bootstrap('errors', () => {
  assert.throws(() => bootstrapCI([]), /bootstrapCI: credit is empty/);
  assert.throws(() => bootstrapCI([NaN, NaN]), /bootstrapCI: credit has no non-NaN values/);
  assert.throws(() => bootstrapCI([1, Infinity]), /bootstrapCI: credit\[1\] is not finite/);
  assert.throws(() => bootstrapCI([1], { resamples: 0 }), /bootstrapCI: resamples must be a positive integer/);
  assert.throws(() => bootstrapCI([1], { level: 1 }), /bootstrapCI: level must be in \(0, 1\)/);
  assert.throws(() => bootstrapCI([1], { seed: 0.5 }), /bootstrapCI: seed must be an integer/);
});

Bootstrap.run();

// ---
const LogLoss = suite('logLoss');

LogLoss('hand values', () => {
  close(logLoss([0.5], [1]), Math.LN2);
  close(logLoss([0.5, 0.5, 0.5], [1, 0, 0.5]), Math.LN2);
  close(logLoss([0.8, 0.3], [1, 0]), -(Math.log(0.8) + Math.log(0.7)) / 2);
  // a tie at p: −½(log p + log(1−p))
  close(logLoss([0.9], [0.5]), -0.5 * (Math.log(0.9) + Math.log(0.1)));
});

LogLoss('clips p to [1e-7, 1 − 1e-7]', () => {
  close(logLoss([1], [0]), -Math.log(1e-7), 1e-6);
  close(logLoss([0], [1]), -Math.log(1e-7), 1e-12);
  close(logLoss([1, 0], [1, 0]), -Math.log1p(-1e-7), 1e-15);
});

LogLoss('errors', () => {
  assert.throws(() => logLoss([0.5], [1, 0]), /logLoss: p has 1 values but label has 2/);
  assert.throws(() => logLoss([], []), /logLoss: p is empty/);
  assert.throws(() => logLoss([0.5, NaN], [1, 0]), /logLoss: p\[1\] is NaN/);
  assert.throws(() => logLoss([1.5], [1]), /logLoss: p\[0\] = 1.5 is outside \[0, 1\]/);
});

LogLoss.run();

// ---
const Calibration = suite('reliability / ece');

Calibration('reliability bins by hand', () => {
  const bins = reliability([0.05, 0.15, 0.15, 0.95, 1], [0, 1, 0, 1, 0.5]);
  assert.is(bins.length, 10);
  assert.equal(bins[0], { lo: 0, hi: 0.1, n: 1, meanP: 0.05, freq: 0 });
  assert.equal(bins[1], { lo: 0.1, hi: 0.2, n: 2, meanP: 0.15, freq: 0.5 });
  assert.is(bins[9].n, 2); // p = 1 lands in the last bin
  close(bins[9].meanP, 0.975);
  assert.is(bins[9].freq, 0.75);
  assert.is(bins[5].n, 0);
  assert.ok(Number.isNaN(bins[5].meanP) && Number.isNaN(bins[5].freq));
  assert.is(bins.reduce((s, b) => s + b.n, 0), 5);
  const two = reliability([0.2, 0.7], [0, 1], 2);
  assert.equal(two.map((b) => [b.lo, b.hi, b.n]), [[0, 0.5, 1], [0.5, 1, 1]]);
});

Calibration('ece: 0 when calibrated, hand value otherwise', () => {
  const p = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
  const t = [1, 0, 0, 0, 1, 1, 1, 0];
  assert.is(ece(p, t), 0);
  // bin 1: |0.1 − 0| = 0.1, bin 9: |0.9 − 0.5| = 0.4, each with weight ½
  close(ece([0.1, 0.1, 0.9, 0.9], [0, 0, 1, 0]), 0.25);
  close(ece([0.1, 0.9], [0, 1], 1), 0); // one bin: meanP ½, freq ½
});

Calibration('errors', () => {
  assert.throws(() => reliability([0.5], [1], 0), /reliability: bins must be a positive integer/);
  assert.throws(() => ece([0.5], [1], 2.5), /ece: bins must be a positive integer/);
  assert.throws(() => ece([0.5, 0.2], [1]), /ece: p has 2 values but label has 1/);
  assert.throws(() => ece([], []), /ece: p is empty/);
  assert.throws(() => reliability([0.5, NaN], [1, 1]), /reliability: p\[1\] is NaN/);
  assert.throws(() => reliability([-0.1], [1]), /reliability: p\[0\] = -0.1 is outside/);
});

Calibration.run();

// ---
const Pearson = suite('pearson');

Pearson('linear, reversed, hand value', () => {
  const x = [1, 2, 3, 4, 5];
  close(pearson(x, x.map((v) => 2 * v + 1)), 1);
  close(pearson(x, x.map((v) => -3 * v + 7)), -1);
  close(pearson([1, 2, 3], [1, 3, 2]), 0.5);
  close(pearson(new Float32Array([1, 2, 3]), [1, 3, 2]), 0.5);
});

Pearson('errors', () => {
  assert.throws(() => pearson([1, 1, 1], [1, 2, 3]), /pearson: x is constant/);
  assert.throws(() => pearson([1, 2, 3], [0.1, 0.1, 0.1]), /pearson: y is constant/);
  assert.throws(() => pearson([5], [1]), /pearson: x is constant/);
  assert.throws(() => pearson([1, 2], [1, 2, 3]), /pearson: x has 2 values but y has 3/);
  assert.throws(() => pearson([], []), /pearson: x is empty/);
  assert.throws(() => pearson([1, 2, NaN], [1, 2, 3]), /pearson: x\[2\] is NaN/);
  assert.throws(() => pearson([1, 2, 3], [1, Infinity, 3]), /pearson: y\[1\] is not finite/);
});

Pearson.run();

// ---
const Ranks = suite('ranks / spearman');

Ranks('average ranks, 1-based', () => {
  const r = ranks([10, 20, 20, 5, 20]);
  assert.instance(r, Float64Array);
  assert.equal(Array.from(r), [2, 4, 4, 1, 4]);
  assert.equal(Array.from(ranks([3, -Infinity, Infinity, 3])), [2.5, 1, 4, 2.5]);
  assert.equal(Array.from(ranks([7])), [1]);
  assert.throws(() => ranks([1, NaN]), /ranks: x\[1\] is NaN/);
  assert.throws(() => ranks([]), /ranks: x is empty/);
});

Ranks('spearman with ties by hand', () => {
  // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → √0.9
  close(spearman([1, 2, 2, 3], [1, 3, 2, 4]), Math.sqrt(0.9));
  close(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1); // monotone, not linear
  close(spearman([1, 2, 3, 4], [9, 4, 1, 0]), -1);
});

Ranks('errors', () => {
  assert.throws(() => spearman([2, 2, 2], [1, 2, 3]), /spearman: x is constant/);
  assert.throws(() => spearman([1, 2], [1]), /spearman: x has 2 values but y has 1/);
  assert.throws(() => spearman([1, 2], [1, NaN]), /spearman: y\[1\] is NaN/);
  assert.throws(() => spearman([], []), /spearman: x is empty/);
});

Ranks.run();

// ---
const Kendall = suite('kendall');

// O(n²) reference: τ_b = (C − D) / √((n₀ − n₁)(n₀ − n₂))
function kendallBrute(x, y) {
  let c = 0, d = 0, tx = 0, ty = 0, n0 = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      n0++;
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) c++; else if (s < 0) d++;
      if (x[i] === x[j]) tx++;
      if (y[i] === y[j]) ty++;
    }
  }
  return (c - d) / Math.sqrt((n0 - tx) * (n0 - ty));
}

Kendall('hand values', () => {
  // scipy.stats.kendalltau documentation example (tau-b, ties in both)
  close(kendall([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.47140452079103173, 1e-15);
  close(kendall([1, 2, 3], [1, 3, 2]), 1 / 3); // C = 2, D = 1
  assert.is(kendall([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  assert.is(kendall([1, 2, 3, 4], [8, 6, 4, 2]), -1);
  // ties: x = [1, 1, 2], y = [1, 2, 3]: C = 2, D = 0, n₀ = 3, n₁ = 1 → 2/√6
  close(kendall([1, 1, 2], [1, 2, 3]), 2 / Math.sqrt(6));
});

Kendall('matches the O(n²) definition on random data with ties', () => {
  const r = lcg(42);
  for (const n of [2, 3, 7, 50, 333]) {
    const x = Array.from({ length: n }, () => Math.floor(r() * 6));
    const y = Array.from({ length: n }, (_, i) => (r() < 0.5 ? x[i] : Math.floor(r() * 5)));
    x[0] = 0; x[n - 1] = 9; y[0] = 0; y[n - 1] = 1; // never constant
    close(kendall(x, y), kendallBrute(x, y), 1e-12, `n = ${n}`);
  }
});

Kendall('n = 5000 agrees with the O(n²) definition', () => {
  const r = lcg(5);
  const x = Float64Array.from({ length: 5000 }, () => Math.round(r() * 100));
  const y = x.map((v) => Math.round(v + 30 * r()));
  close(kendall(x, y), kendallBrute(x, y), 1e-12);
});

Kendall('errors', () => {
  assert.throws(() => kendall([1, 2, 3], [4, 4, 4]), /kendall: y is constant/);
  assert.throws(() => kendall([1, 1], [1, 2]), /kendall: x is constant/);
  assert.throws(() => kendall([1, 2, 3], [1, 2]), /kendall: x has 3 values but y has 2/);
  assert.throws(() => kendall([NaN, 1], [1, 2]), /kendall: x\[0\] is NaN/);
  assert.throws(() => kendall([], []), /kendall: x is empty/);
});

Kendall.run();
