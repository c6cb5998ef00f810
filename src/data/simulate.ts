// The embedded default data: a simulated ensemble of reward models with a
// known gold reward. Each prompt (in one of three domains) has N candidate
// responses with a latent quality q (the gold reward), a length, and sometimes
// keyword stuffing, which games one model and costs real quality:
//   careful          q + 0.7·ε                 accurate but noisy
//   verbose-fan      0.5q + 1.0·length + 0.3·ε  length-biased
//   keyword-counter  0.5q + 1.5·stuffing + 0.3·ε  gameable ('healthy' words counted)
//   big-scale        50(q + 0.8·ε) + 300       good, on another scale
//   math-expert      q + 0.2·ε on math, 0.2q + ε elsewhere
//   code-expert      q + 0.2·ε on code, 0.2q + ε elsewhere
// `shift` moves the prompts from index `from` on (a test set's) to another
// world, strength s (default 1):
//   domains      math prompts become code prompts (the mix: ⅔ code, ⅓ chat)
//   length       responses are s longer, and every length bias becomes (1 − 2s)×
//                its own (reversed at s = 1)
//   experts      each expert's domain moves one on (math → code → chat → math),
//                and out of it its quality becomes (1 − 4s)× (0.2 → −0.6: wrong)
//                and its noise (1 − s/2)× (confidently wrong)
// Each score goes missing with a small probability. `judges` replaces the six
// judges with others of the same form (the defaults are SIM_JUDGES):
//   scale·(quality·q + length·len + stuffing·stuff + noise·ε) + offset,
//   with quality and noise replaced by the expert's own in its domain. Randomness is the wasm
// generator's; the rest is +, −, × on its draws, so a seed gives the same data
// in every engine.
import { Arena } from '../engine/arena.js';
import { newKernels } from '../engine/wasm.js';
import type { ItemSet, PairSet } from './types.js';
import { checkArg, checkOptions, int, type Check } from './validate.js';

export const SIM_MODELS = ['careful', 'verbose-fan', 'keyword-counter', 'big-scale', 'math-expert', 'code-expert'];
export const SIM_DOMAINS = ['math', 'code', 'chat'];

/** One simulated judge: scale·(quality·q + length·len + stuffing·stuff + noise·ε) + offset. */
export interface SimJudge {
  name: string;
  quality: number;
  /** length bias */
  length: number;
  /** how much keyword stuffing games it */
  stuffing: number;
  noise: number;
  scale: number;
  offset: number;
  /** in this domain (an index into SIM_DOMAINS), quality and noise are the expert's; -1: no domain */
  expert: number;
  expertQuality: number;
  expertNoise: number;
}

const judge = (name: string, quality: number, length: number, stuffing: number, noise: number, more: Partial<SimJudge> = {}): SimJudge =>
  ({ name, quality, length, stuffing, noise, scale: 1, offset: 0, expert: -1, expertQuality: 1, expertNoise: 0.2, ...more });

/** The default ensemble (the table above). */
export const SIM_JUDGES: readonly Readonly<SimJudge>[] = [
  judge('careful', 1, 0, 0, 0.7),
  judge('verbose-fan', 0.5, 1.0, 0, 0.3),
  judge('keyword-counter', 0.5, 0, 1.5, 0.3),
  judge('big-scale', 1, 0, 0, 0.8, { scale: 50, offset: 300 }),
  judge('math-expert', 0.2, 0, 0, 1, { expert: 0 }),
  judge('code-expert', 0.2, 0, 0, 1, { expert: 1 }),
];

export interface SimOptions {
  /** the judges, default SIM_JUDGES */
  judges?: readonly SimJudge[];
  /** default 600 */
  prompts?: number;
  /** responses a prompt, even, default 8 */
  candidates?: number;
  /** probability that a model gives no score, default 0.03 */
  missing?: number;
  seed?: number;
  /** prompts from index `from` on are shifted, by `strength` (default 1): see the top of this file */
  shift?: { from: number; strength?: number };
}

export interface Simulation {
  models: string[];
  features: string[];
  prompts: number;
  candidates: number;
  /** (prompts) index into SIM_DOMAINS */
  domain: Int32Array;
  /** (prompts·candidates) the gold reward of each response */
  gold: Float32Array;
  /** (prompts·candidates, K) NaN = no score */
  scores: Float32Array;
  /** (prompts·candidates, F) one-hot domain */
  feats: Float32Array;
  /** (prompts·candidates) 1 when the response is keyword-stuffed */
  stuffed: Uint8Array;
}

/**
 * The most a simulation may hold: its draws and scores, (4 + 3K)·rows f32,
 * within 1 GiB, so that a size it cannot hold is refused at once, not after minutes.
 */
export const SIM_MAX_BYTES = 2 ** 30;

const finite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 1e6 ? null : 'a number in [−1e6, 1e6]');
const JUDGE: Record<string, Check> = {
  name: (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string'),
  quality: finite, length: finite, stuffing: finite, noise: finite, scale: finite, offset: finite, expertQuality: finite, expertNoise: finite,
  expert: int(-1, SIM_DOMAINS.length - 1),
};
const SIM: Record<string, Check> = {
  judges: (v) => (Array.isArray(v) && v.length >= 1 && v.length <= 4096 ? null : 'an array of 1 to 4096 judges'),
  prompts: int(2, 2 ** 26),
  candidates: (v) => (int(2, 1024)(v) ?? ((v as number) % 2 ? 'an even integer from 2 to 1024' : null)),
  missing: (v) => (typeof v === 'number' && v >= 0 && v < 1 ? null : 'a probability in [0, 1) (at 1 no model would score anything)'),
  seed: int(0, 0xffffffff),
  shift: (v) => {
    const o = v as Record<string, unknown>;
    if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).some((f) => f !== 'from' && f !== 'strength')) return 'an object { from, strength }';
    if (int(0, 2 ** 26)(o.from) !== null) return 'an object whose from is an integer in [0, 2^26]';
    return o.strength === undefined || (typeof o.strength === 'number' && o.strength >= 0 && o.strength <= 1) ? null : 'an object whose strength is in [0, 1]';
  },
};

export function simulateEnsemble(opts: SimOptions = {}): Simulation {
  checkOptions('simulateEnsemble', opts, SIM);
  const P = opts.prompts ?? 600, N = opts.candidates ?? 8, missing = opts.missing ?? 0.03;
  const judges = opts.judges ?? SIM_JUDGES;
  const names = new Set<string>();
  judges.forEach((j, m) => {
    checkOptions('simulateEnsemble', j, JUDGE, { name: (f) => `judges[${m}].${f}` });
    for (const f of Object.keys(JUDGE)) if ((j as unknown as Record<string, unknown>)[f] === undefined) checkArg('simulateEnsemble', `judges[${m}].${f}`, undefined, JUDGE[f]);
    if (names.has(j.name)) checkArg('simulateEnsemble', `judges[${m}].name`, j.name, () => 'a name no other judge has');
    names.add(j.name);
  });
  const K = judges.length, F = SIM_DOMAINS.length, n = P * N;
  if ((4 + 3 * K) * n * 4 > SIM_MAX_BYTES) {
    throw new Error(`rewardfuse: simulateEnsemble: ${P} prompts × ${N} candidates × ${K} judges need about ${Math.round(((4 + 3 * K) * n * 4) / 2 ** 20)} MB, more than the ${SIM_MAX_BYTES / 2 ** 20} MB a simulation may hold`);
  }
  const from = opts.shift?.from ?? P, sh = opts.shift?.strength ?? 1;
  const k = newKernels(), arena = new Arena(k);
  k.randomSeed((opts.seed ?? 0) >>> 0, 2);
  const draw = (count: number, fn: 'normal' | 'uniform') => {
    const p = arena.alloc(count);
    if (fn === 'normal') k.randomNormal(p, count, 0, 1);
    else k.randomUniform(p, count, 0, 1);
    return arena.f32.slice(p >> 2, (p >> 2) + count);
  };
  const domain = Int32Array.from({ length: P }, (_, p) => {
    const d = k.randomBelow(F);
    return p >= from && d === 0 ? 1 : d;
  });
  const q0 = draw(n, 'normal'), len0 = draw(n, 'normal'), u = draw(n, 'uniform'), kw0 = draw(n, 'uniform');
  const eps = draw(n * K, 'normal'), gone = draw(n * K, 'uniform');
  const gold = new Float32Array(n), scores = new Float32Array(n * K), feats = new Float32Array(n * F), stuffed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = domain[Math.floor(i / N)], shifted = Math.floor(i / N) >= from;
    const stuff = u[i] < 0.25 ? 1 + 2 * kw0[i] : 0;
    stuffed[i] = stuff ? 1 : 0;
    const q = q0[i] - 0.3 * stuff;
    const len = 0.4 * q0[i] + len0[i] + (shifted ? sh : 0);
    const e = (m: number) => eps[i * K + m];
    // the defaults' terms in the defaults' order: a zero term adds exactly nothing, so SIM_JUDGES give the same bits as before
    const s = judges.map((j, m) => {
      if (shifted) {
        const ex = j.expert >= 0 && (j.expert + 1) % F === d, out = j.expert >= 0 && !ex;
        const quality = ex ? j.expertQuality : out ? j.quality * (1 - 4 * sh) : j.quality;
        const noise = ex ? j.expertNoise : out ? j.noise * (1 - sh / 2) : j.noise;
        return j.scale * (quality * q + j.length * (1 - 2 * sh) * len + j.stuffing * stuff + noise * e(m)) + j.offset;
      }
      const ex = j.expert === d;
      return j.scale * ((ex ? j.expertQuality : j.quality) * q + j.length * len + j.stuffing * stuff + (ex ? j.expertNoise : j.noise) * e(m)) + j.offset;
    });
    for (let m = 0; m < K; m++) scores[i * K + m] = gone[i * K + m] < missing ? NaN : s[m];
    gold[i] = q;
    feats[i * F + d] = 1;
  }
  return { models: judges.map((j) => j.name), features: SIM_DOMAINS.map((d) => `domain:${d}`), prompts: P, candidates: N, domain, gold, scores, feats, stuffed };
}

/**
 * Preference pairs from the given prompts: candidates (0,1), (2,3), … of each,
 * labelled by the gold reward plus a little rater noise: a wins when
 * q_a − q_b + 0.3·η > 0. `seed` picks the noise.
 */
export function simPairs(sim: Simulation, prompts: ArrayLike<number>, seed = 0): PairSet {
  checkPrompts('simPairs', sim, prompts);
  checkArg('simPairs', 'seed', seed, int(0, 0xffffffff));
  const K = sim.models.length, F = sim.features.length, N = sim.candidates, half = N / 2;
  const n = prompts.length * half;
  const k = newKernels(), arena = new Arena(k);
  k.randomSeed(seed >>> 0, 3);
  const p = arena.alloc(n);
  k.randomNormal(p, n, 0, 1);
  const noise = arena.f32.slice(p >> 2, (p >> 2) + n);
  const a = new Float32Array(n * K), b = new Float32Array(n * K), feats = new Float32Array(n * F), label = new Float32Array(n);
  const ids: string[] = [], groups: string[] = [];
  let r = 0;
  for (let j = 0; j < prompts.length; j++) {
    const pr = prompts[j];
    for (let c = 0; c < half; c++, r++) {
      const ia = pr * N + 2 * c, ib = ia + 1;
      a.set(sim.scores.subarray(ia * K, ia * K + K), r * K);
      b.set(sim.scores.subarray(ib * K, ib * K + K), r * K);
      feats.set(sim.feats.subarray(ia * F, ia * F + F), r * F);
      label[r] = sim.gold[ia] - sim.gold[ib] + 0.3 * noise[r] > 0 ? 1 : 0;
      ids.push(`p${pr}-${2 * c}-${2 * c + 1}`);
      groups.push(SIM_DOMAINS[sim.domain[pr]]);
    }
  }
  return { kind: 'pairs', source: '<simulation>', models: [...sim.models], features: [...sim.features], ids, groups, a, b, feats, label, lines: Int32Array.from({ length: n }, (_, i) => i + 1) };
}

/** Pointwise items from the given prompts, with the gold reward as target. */
export function simItems(sim: Simulation, prompts: ArrayLike<number>): ItemSet {
  checkPrompts('simItems', sim, prompts);
  const K = sim.models.length, F = sim.features.length, N = sim.candidates;
  const n = prompts.length * N;
  const scores = new Float32Array(n * K), feats = new Float32Array(n * F), target = new Float32Array(n);
  const ids: string[] = [], groups: string[] = [];
  for (let j = 0; j < prompts.length; j++) {
    const pr = prompts[j], at = pr * N;
    scores.set(sim.scores.subarray(at * K, (at + N) * K), j * N * K);
    feats.set(sim.feats.subarray(at * F, (at + N) * F), j * N * F);
    target.set(sim.gold.subarray(at, at + N), j * N);
    for (let c = 0; c < N; c++) { ids.push(`p${pr}-${c}`); groups.push(SIM_DOMAINS[sim.domain[pr]]); }
  }
  return { kind: 'items', source: '<simulation>', models: [...sim.models], features: [...sim.features], ids, groups, scores, feats, target, lines: Int32Array.from({ length: n }, (_, i) => i + 1) };
}

// a simulation from simulateEnsemble, and prompts that index it
function checkPrompts(where: string, sim: Simulation, prompts: ArrayLike<number>): void {
  checkArg(where, 'sim', sim, (v) => (typeof v === 'object' && v !== null && (v as Simulation).scores instanceof Float32Array && Number.isInteger((v as Simulation).prompts) ? null : 'a simulation from simulateEnsemble'));
  checkArg(where, 'prompts', prompts, (v) => {
    const ok = (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) && Array.from(v as ArrayLike<unknown>).every((p) => Number.isInteger(p) && (p as number) >= 0 && (p as number) < sim.prompts);
    return ok ? null : `an array of prompt indices from 0 to ${sim.prompts - 1}`;
  });
}
