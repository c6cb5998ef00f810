// The options of trainFusion and crossValidate, checked at the door by the
// shared validator (../data/validate.ts); the CLI's train checks its flags with them.
import { ACTIVATIONS } from '../engine/kinds.js';
import { ARCH_NAMES } from '../models/archs.js';
import { bool, checkOptions as check, fn, int, MAX_SEED, num, object, oneOf, type Check, type Door } from '../data/validate.js';
import { CANDIDATES } from './library.js';

const widths: Check = (v) => (Array.isArray(v) && v.length <= 16 && v.every((h) => Number.isInteger(h) && h >= 1 && h <= 4096) ? null : 'an array of at most 16 integers from 1 to 4096');
const candidates: Check = (v) => (Array.isArray(v) && v.length > 0 && v.every((c) => CANDIDATES.includes(c)) ? null : `a non-empty array of ${CANDIDATES.join(', ')}`);
const pair: Check = (v) => (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && x > 0 && x <= 1) && v[0] <= v[1] ? null : 'two fractions [lo, hi] with 0 < lo ≤ hi ≤ 1');

export { MAX_SEED } from '../data/validate.js';

export const FUSION: Record<string, Check> = {
  arch: oneOf(['library', 'auto', ...ARCH_NAMES]),
  loss: oneOf(['bt', 'mse', 'bce']),
  epochs: int(1, 1_000_000),
  maxSteps: int(1, Number.MAX_SAFE_INTEGER),
  converge: bool,
  batchSize: int(1, 1_000_000),
  lr: num(1e-8, 10),
  weightDecay: num(0, 10),
  val: num(0, 0.9),
  patience: int(1, 1_000_000),
  modelDropout: (v) => (Array.isArray(v) ? (v.length === 2 && v[0] >= 0 && v[0] <= v[1] && v[1] <= 0.95 ? null : 'a range [lo, hi] within [0, 0.95]') : num(0, 0.95)(v)),
  seed: int(0, MAX_SEED),
  onEpoch: fn,
  onProgress: fn,
  validation: object('a data set'),
  hidden: widths,
  activation: oneOf(ACTIVATIONS),
  temperature: num(1e-3, 1e3),
  ensemble: int(1, 64),
  useFeatures: bool,
  lambda: num(-1e6, 1e6),
  folds: int(2, 1000),
  grouped: bool,
  hideDraws: int(0, 1000),
  candidates,
  selectionRows: int(10, Number.MAX_SAFE_INTEGER),
};

const CV: Record<string, Check> = { ...FUSION, baselines: bool, keepFraction: pair };

/** Throws `rewardfuse: <fn>: option "<name>" must be …, got …` for the first bad or unknown option (or, through a Door, in the caller's terms). */
export function checkFusionOptions(where: 'trainFusion' | 'crossValidate', opts: unknown, door?: Door): void {
  check(where, opts, where === 'crossValidate' ? CV : FUSION, door);
}
