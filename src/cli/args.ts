// A small argument parser: positionals, --flag value, --flag=value, -o value.
import { checkOptions, type Check } from '../data/validate.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagKind = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface Parsed {
  positional: string[];
  flags: Record<string, string | number | boolean | number[] | undefined>;
}

/** `spec` maps long names to kinds; `aliases` maps short names (without '-') to long ones. */
export function parseArgs(argv: string[], spec: Record<string, FlagKind>, aliases: Record<string, string> = {}): Parsed {
  const positional: string[] = [];
  const flags: Parsed['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    if (eq > 0) {
      name = arg.slice(arg.startsWith('--') ? 2 : 1, eq);
      value = arg.slice(eq + 1);
    }
    name = aliases[name] ?? name;
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option ${arg.split('=')[0]}`);
    if (kind === 'boolean') {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
      value = argv[++i];
    }
    flags[name] = convert(name, kind, value);
  }
  return { positional, flags };
}

/** The flags' values checked by the shared validator (../data/validate.ts): a usage error naming the flag. */
export function checkFlags(flags: Parsed['flags'], spec: Record<string, Check>): void {
  const given = Object.fromEntries(Object.entries(flags).filter(([k]) => k in spec));
  checkOptions('', given, spec, { name: (f) => `--${f}`, error: (m) => new UsageError(m) });
}

function convert(name: string, kind: FlagKind, v: string): string | number | number[] {
  if (kind === 'string') {
    if (v === '') throw new UsageError(`--${name} takes a value, got an empty string`);
    return v;
  }
  if (kind === 'list') {
    if (v.trim() === '') return [];
    const xs = v.split(',').map((s) => (DECIMAL.test(s.trim()) ? Number(s.trim()) : NaN));
    if (!xs.every((x) => Number.isInteger(x) && x > 0)) throw new UsageError(`--${name} takes positive integers separated by commas, got "${v}"`);
    return xs;
  }
  // decimal notation only: Number() would also read "0x2", "0b1", "Infinity" and " "
  const x = DECIMAL.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(x)) throw new UsageError(`--${name} takes a number, got "${v}"`);
  if (kind === 'integer' && !Number.isInteger(x)) throw new UsageError(`--${name} takes a whole number, got "${v}"`);
  return x;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
