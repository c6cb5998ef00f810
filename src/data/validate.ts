// One check at the door, for every public function's options and arguments and
// every CLI flag: types, integer-ness, ranges, sizes and unknown names. Each
// error names the option as its caller wrote it: the library's option name
//   rewardfuse: simulateEnsemble: option "prompts" must be an integer from 2 to …, got 1.5
// or, through a Door, the CLI's flag (a usage error, exit 2)
//   --dropout must be a number from 0 to 0.95, got 2
// (The TypeScript types document the options; this protects callers from JS.)

/** The largest seed: nets use seed, seed + 1, …, seed + 63, all within PCG32's 32-bit seeds. */
export const MAX_SEED = 0xffffffff - 64;

/** null when v is acceptable, else what it must be ("an integer from 1 to 64") */
export type Check = (v: unknown) => string | null;

/** a plain object (not null, not an array): the one test every reader of JSON uses */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const int = (lo: number, hi: number): Check => (v) => (Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? null : `an integer from ${lo} to ${hi}`);
export const num = (lo: number, hi: number): Check => (v) => (typeof v === 'number' && v >= lo && v <= hi ? null : `a number from ${lo} to ${hi}`);
export const oneOf = (xs: readonly string[]): Check => (v) => (xs.includes(v as string) ? null : `one of ${xs.join(', ')}`);
export const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
export const fn: Check = (v) => (typeof v === 'function' ? null : 'a function');
export const object = (what: string): Check => (v) => (isObj(v) ? null : what);
export const numbers = (what: string): Check => (v) =>
  (Array.isArray(v) ? v.every((x) => typeof x === 'number') : ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) ? null : what;

/** How a caller names options and fails: the CLI gives its flags and a usage error. */
export interface Door {
  /** the name the user wrote for an option (default: the option's own, quoted) */
  name?: (option: string) => string;
  /** the error for a message (default: an Error, "rewardfuse: <where>: …") */
  error?: (message: string) => Error;
}

/** Throws, naming it, for the first option of `opts` that `spec` lacks or that fails its check; undefined values are skipped. */
export function checkOptions(where: string, opts: unknown, spec: Record<string, Check>, door: Door = {}): void {
  if (opts === undefined) return;
  const fail = failer(where, door);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw fail(`options must be an object, got ${show(opts)}`);
  for (const [name, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    const check = spec[name];
    if (!check) throw fail(`unknown option ${door.name ? door.name(name) : `"${name}"`} (known: ${Object.keys(spec).map((k) => door.name?.(k) ?? k).join(', ')})`);
    const want = check(v);
    if (want) throw fail(`${door.name ? door.name(name) : `option "${name}"`} must be ${want}, got ${show(v)}`);
  }
}

/** Throws `rewardfuse: <where>: <what> must be …, got …` unless `check` accepts v. */
export function checkArg(where: string, what: string, v: unknown, check: Check, door: Door = {}): void {
  const want = check(v);
  if (want) throw failer(where, door)(`${what} must be ${want}, got ${show(v)}`);
}

function failer(where: string, door: Door): (message: string) => Error {
  return door.error ?? ((m) => new Error(`rewardfuse: ${where}: ${m}`));
}

export function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<number>).length ?? v.byteLength} values`;
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
