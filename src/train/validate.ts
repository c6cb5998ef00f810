// One check of the options a user passes to trainFusion and crossValidate,
// at the door: types, integer-ness, ranges and lengths, each error naming the
// option. (The TypeScript types document them; this protects callers from JS.)
import { ACTIVATIONS } from '../engine/kinds.js';
import { ARCH_NAMES } from '../models/archs.js';
import { CANDIDATES } from './library.js';

type Check = (v: unknown) => string | null;

const int = (lo: number, hi: number): Check => (v) => (Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? null : `an integer from ${lo} to ${hi}`);
const num = (lo: number, hi: number): Check => (v) => (typeof v === 'number' && v >= lo && v <= hi ? null : `a number from ${lo} to ${hi}`);
const oneOf = (xs: readonly string[]): Check => (v) => (xs.includes(v as string) ? null : `one of ${xs.join(', ')}`);
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const fn: Check = (v) => (typeof v === 'function' ? null : 'a function');
const object: Check = (v) => (typeof v === 'object' && v !== null ? null : 'a data set');
const widths: Check = (v) => (Array.isArray(v) && v.length <= 16 && v.every((h) => Number.isInteger(h) && h >= 1 && h <= 4096) ? null : 'an array of at most 16 integers from 1 to 4096');
const candidates: Check = (v) => (Array.isArray(v) && v.length > 0 && v.every((c) => CANDIDATES.includes(c)) ? null : `a non-empty array of ${CANDIDATES.join(', ')}`);
const pair: Check = (v) => (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && x > 0 && x <= 1) && v[0] <= v[1] ? null : 'two fractions [lo, hi] with 0 < lo ≤ hi ≤ 1');

/** The largest seed: nets use seed, seed + 1, …, seed + 63, all within PCG32's 32-bit seeds. */
export const MAX_SEED = 0xffffffff - 64;

const FUSION: Record<string, Check> = {
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
  validation: object,
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

/** Throws `rewardfuse: <fn>: option "<name>" must be …, got …` for the first bad or unknown option. */
export function checkOptions(where: 'trainFusion' | 'crossValidate', opts: unknown): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new Error(`rewardfuse: ${where}: options must be an object, got ${JSON.stringify(opts)}`);
  const spec = where === 'crossValidate' ? CV : FUSION;
  for (const [name, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    const check = spec[name];
    if (!check) throw new Error(`rewardfuse: ${where}: unknown option "${name}" (known: ${Object.keys(spec).join(', ')})`);
    const want = check(v);
    if (want) throw new Error(`rewardfuse: ${where}: option "${name}" must be ${want}, got ${show(v)}`);
  }
}

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
