// A problem in input data, located by file, line and field:
//   data.jsonl:12: field "a.rm1": expected a number or null, got "abc"
//   data.jsonl:3: not valid JSON (Unexpected token ...)          field ''
//   <memory>: record 4: field "label": expected "a", "b" or "tie", got "c"
//   data.jsonl: no pairs found                                     line 0: the whole file

/** Files count lines; in-memory arrays count records. Both are 1-based. */
export type Unit = 'line' | 'record';

/** Where rows come from, for messages. */
export interface Origin {
  file: string;
  unit: Unit;
}

export class DataError extends Error {
  override name = 'DataError';
  readonly file: string;
  /** 1-based line (or record) number; 0 when the problem is the whole file */
  readonly line: number;
  /** the offending field, as "a.rm1" in JSONL or a column name in CSV; '' for the whole line */
  readonly field: string;
  /** the message without its location */
  readonly reason: string;

  constructor(file: string, line: number, field: string, reason: string, unit: Unit = 'line') {
    const at = line <= 0 ? `${file}: ` : unit === 'line' ? `${file}:${line}: ` : `${file}: record ${line}: `;
    super(at + (field ? `field ${JSON.stringify(field)}: ` : '') + reason);
    this.file = file;
    this.line = line;
    this.field = field;
    this.reason = reason;
  }
}

export function fail(o: Origin, line: number, field: string, reason: string): never {
  throw new DataError(o.file, line, field, reason, o.unit);
}

/** "missing (expected X)" or "expected X, got Y". */
export function expected(o: Origin, line: number, field: string, what: string, got: unknown): never {
  fail(o, line, field, got === undefined ? `missing (expected ${what})` : `expected ${what}, got ${show(got)}`);
}

/** A short rendering of a bad value: strings quoted and cut, containers named. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

/** The Origin of a text reader, after checking its arguments' types. */
export function origin(fn: string, text: unknown, source: unknown): Origin {
  if (typeof text !== 'string') throw new TypeError(`rewardfuse: ${fn}: text must be a string (the file's contents), got ${show(text)}`);
  return { file: sourceArg(fn, source), unit: 'line' };
}

export function sourceArg(fn: string, source: unknown): string {
  if (typeof source !== 'string') throw new TypeError(`rewardfuse: ${fn}: source must be a string (a file name, for messages), got ${show(source)}`);
  return source;
}
