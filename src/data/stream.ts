// Reading pairs or items a piece of text at a time, into the same columnar
// builders the whole-text readers use (they are this reader, given all the
// text at once), so that a file read in chunks of any size gives the same set,
// bit for bit, and the same first error. No object is kept per record: each
// line is parsed, checked and written into typed arrays that grow.
//
//   const r = new DataReader('pairs.jsonl');
//   for (const chunk of chunks) r.push(chunk);   // strings, cut anywhere
//   const set = r.end();
//
// A chunk is processed up to its last complete record; the rest waits for the
// next one. A record is complete at a line end (LF, CRLF or CR; a CR at the end
// of a chunk waits, as it may be half a CRLF) and, in CSV, outside quotes.
// Chunks are text or UTF-8 bytes. JSONL is read as bytes (text is encoded, so
// a lone surrogate reads as U+FFFD, as it would from a file), each plain line
// by the scanner (scan.ts) and any other by JSON.parse; CSV is read as text.
import { Fields, ItemBuilder, PairBuilder } from './build.js';
import { countLineEnds, csvRows, CsvBody, sniffHeader, type Row } from './csv.js';
import { fail, origin, type Origin } from './errors.js';
import { checkItem, checkPair, parseLine, sniffRecord } from './jsonl.js';
import { LineScanner } from './scan.js';
import { checkIdBytes, decodeLine, MALFORMED, MarkingDecoder, markedCells } from './utf8.js';
import type { DataSet, ItemSet, PairSet, ReadOptions } from './types.js';

export type Format = 'jsonl' | 'csv';

/** The format a source's name says (.jsonl, .ndjson, .json or .csv), or undefined. */
export function formatOf(source: string): Format | undefined {
  const ext = /\.([^./\\]+)$/.exec(source)?.[1].toLowerCase();
  return ext === 'jsonl' || ext === 'ndjson' || ext === 'json' ? 'jsonl' : ext === 'csv' ? 'csv' : undefined;
}

export function parsePairsJsonl(text: string, source = '<memory>'): PairSet {
  return readWhole(origin('parsePairsJsonl', text, source), text, 'pairs', {}, 'jsonl') as PairSet;
}

export function parseItemsJsonl(text: string, source = '<memory>', opts: ReadOptions = {}): ItemSet {
  return readWhole(origin('parseItemsJsonl', text, source), text, 'items', opts, 'jsonl') as ItemSet;
}

export function parsePairsCsv(text: string, source = '<memory>'): PairSet {
  return readWhole(origin('parsePairsCsv', text, source), text, 'pairs', {}, 'csv') as PairSet;
}

export function parseItemsCsv(text: string, source = '<memory>', opts: ReadOptions = {}): ItemSet {
  return readWhole(origin('parseItemsCsv', text, source), text, 'items', opts, 'csv') as ItemSet;
}

/** All of `text` through one DataReader: what the whole-text readers do. */
export function readWhole(o: Origin, text: string, kind: 'pairs' | 'items' | undefined, opts: ReadOptions, format?: Format): DataSet {
  const r = new DataReader(o.file, kind, opts, format);
  r.push(text);
  return r.end();
}

/**
 * CSV text in, complete records out: push() returns the text up to the last
 * complete record (a line end outside quotes; '' if none yet), end() the rest.
 */
export class Cutter {
  private rest = '';
  private started = false;
  // where the scan of `rest` stopped, and in what state
  private scanned = 0;
  private state = START;

  push(chunk: string): string {
    if (!this.started) {
      if (!chunk) return '';
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // a byte order mark
    }
    const text = this.rest + chunk;
    const cut = this.csvCut(text);
    if (!cut) { this.rest = text; return ''; }
    this.scanned -= cut;
    this.rest = text.slice(cut);
    return text.slice(0, cut);
  }

  /** what is left: the last record, with or without a line end */
  end(): string {
    const rest = this.rest;
    this.rest = '';
    return rest;
  }

  /** the text will not start with a byte order mark (it is not the start of a file) */
  noMark(): void {
    this.started = true;
  }

  /** The end of the last complete CSV record in text (0: none yet), scanning on from where the last call stopped. */
  private csvCut(text: string): number {
    let st = this.state, cut = 0, i = this.scanned;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (st === QUOTED) {
        if (c === QUOTE) {
          if (i + 1 >= n) break; // "" or the closing quote: the next chunk tells
          if (text.charCodeAt(i + 1) === QUOTE) { i += 2; continue; }
          st = AFTER;
        }
        i++;
        continue;
      }
      if (c === LF || c === CR) {
        if (c === CR && i + 1 >= n) break; // half a CRLF?
        i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        st = START;
        cut = i;
        continue;
      }
      if (c === COMMA) st = START;
      else if (st === START && c === QUOTE) st = QUOTED;
      else if (st === START && c !== SPACE && c !== TAB) st = UNQUOTED;
      i++;
    }
    this.state = st;
    this.scanned = i;
    return cut;
  }
}

const ENCODER = new TextEncoder();
const EMPTY: Uint8Array = new Uint8Array(0);

/** JSONL bytes in, whole lines out (a view of the chunk, or of a copy): what Cutter does for text, on UTF-8 bytes. */
export class ByteCutter {
  private rest = EMPTY;
  private started = false;
  /** where the last partial line and the next chunk are joined: reused, so what push returns is valid until the next push */
  private joined = EMPTY;

  push(chunk: Uint8Array): Uint8Array {
    if (!this.started) {
      if (!chunk.length) return EMPTY;
      this.started = true;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3); // a byte order mark
    }
    let bytes = chunk;
    if (this.rest.length) {
      const n = this.rest.length + chunk.length;
      if (this.joined.byteLength < n) this.joined = new Uint8Array(n + (n >> 3));
      bytes = this.joined.subarray(0, n);
      bytes.set(this.rest);
      bytes.set(chunk, this.rest.length);
    }
    const cut = lastLineEnd(bytes);
    this.rest = new Uint8Array(bytes.subarray(cut)); // a copy (a Buffer's slice() is a view): the caller may reuse its chunk's buffer
    return bytes.subarray(0, cut);
  }

  /** what is left: the last line, with or without a line end */
  end(): Uint8Array {
    const rest = this.rest;
    this.rest = EMPTY;
    return rest;
  }

  noMark(): void {
    this.started = true;
  }
}

/**
 * Text or bytes in, whole records out, in the format's own unit: bytes for
 * JSONL, text for CSV. The format, unless given, is told by the first
 * non-blank character: `{` is JSONL.
 */
export class Splitter {
  private text: Cutter | undefined;
  private bytes: ByteCutter | undefined;
  private decoder: MarkingDecoder | undefined;
  /** CSV decoded from bytes: malformed sequences read MALFORMED (utf8.ts) */
  marks = false;
  private waiting: (string | Uint8Array)[] = [];
  private mark = true;

  constructor(public format?: Format) {
    if (format) this.open(format);
  }

  push(chunk: string | Uint8Array): string | Uint8Array {
    if (!this.format) {
      const f = sniffFormat(chunk);
      this.waiting.push(typeof chunk === 'string' ? chunk : new Uint8Array(chunk)); // a copy: the caller may reuse its buffer
      if (!f) return '';
      this.open(f);
      const all = this.waiting;
      this.waiting = [];
      if (all.length === 1) return this.push(all[0]);
      // blank chunks first: what they hold matters only in line counts, and they are few
      // (each part copied: the cutter's next push reuses what it returned)
      const parts = all.map((c) => (this.bytes ? new Uint8Array(this.push(c) as Uint8Array) : this.push(c)));
      return this.bytes ? concat(parts as Uint8Array[]) : (parts as string[]).join('');
    }
    if (this.bytes) return this.bytes.push(typeof chunk === 'string' ? ENCODER.encode(chunk) : chunk);
    if (typeof chunk === 'string') return this.text!.push(chunk);
    this.marks = true;
    return this.text!.push(this.decoder!.decode(chunk));
  }

  /** what is left: the last record, with or without its line end */
  end(): string | Uint8Array {
    if (!this.format) {
      // only blanks: as JSONL if the name did not say
      const all = this.waiting;
      this.waiting = [];
      this.open('jsonl');
      const parts = all.map((c) => this.push(c));
      const rest = this.bytes!.end();
      return concat([...(parts as Uint8Array[]), rest]);
    }
    if (this.bytes) return this.bytes.end();
    const tail = this.marks ? this.decoder!.decode(undefined, true) : '';
    return this.text!.push(tail) + this.text!.end();
  }

  /** the text does not start a file: no byte order mark */
  noMark(): void {
    this.mark = false;
    this.text?.noMark();
    this.bytes?.noMark();
  }

  private open(format: Format): void {
    this.format = format;
    if (format === 'jsonl') this.bytes = new ByteCutter();
    else {
      this.text = new Cutter();
      this.decoder = new MarkingDecoder();
    }
    if (!this.mark) this.noMark();
  }
}

/** The format the first non-blank character says ('{': JSONL), or undefined while there is none. */
function sniffFormat(chunk: string | Uint8Array): Format | undefined {
  if (typeof chunk === 'string') {
    const first = chunk.search(/[^\s\ufeff]/);
    return first < 0 ? undefined : chunk[first] === '{' ? 'jsonl' : 'csv';
  }
  let i = 0;
  if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
  for (; i < chunk.length; i++) {
    const c = chunk[i];
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) return c === LBRACE ? 'jsonl' : 'csv';
  }
  return undefined;
}

/** Pieces of records (all text, or all bytes) as one, in a buffer of its own. */
export function joinRecords(parts: (string | Uint8Array)[]): string | Uint8Array {
  return typeof parts[0] === 'string' ? (parts as string[]).join('') : concat(parts as Uint8Array[]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export class DataReader {
  private readonly o: Origin;
  private kind: 'pairs' | 'items' | undefined;
  private out: PairBuilder | ItemBuilder | undefined;
  private csv: CsvBody | undefined;
  private readonly splitter: Splitter;
  /** the line the unread text starts on */
  private line = 1;
  /** JSONL: reads plain lines without JSON.parse, once the kind is known */
  private scanner: LineScanner | undefined;
  private readonly fields = new Fields();

  /** `format` by default from the source's name, else from the first non-blank character (`{`: JSONL). */
  constructor(readonly source: string, kind?: 'pairs' | 'items', private readonly opts: ReadOptions = {}, format?: Format) {
    this.o = { file: source, unit: 'line' };
    this.kind = kind;
    this.splitter = new Splitter(format ?? formatOf(source));
  }

  get format(): Format | undefined {
    return this.splitter.format;
  }

  /** records read so far (since the last drain) */
  get rows(): number {
    return this.out?.count ?? 0;
  }

  /** the 1-based line the unread text starts on */
  get nextLine(): number {
    return this.line;
  }

  /** CSV text that a Splitter decoded from bytes (its `marks`): malformed bytes in it read MALFORMED (utf8.ts). */
  marked(): void {
    this.splitter.marks = true;
  }

  /** Text that continues a file from the middle: no byte order mark, and (CSV) this header. */
  continues(header?: Row): void {
    this.splitter.noMark();
    if (header) this.header(header);
  }

  /** text, or UTF-8 bytes (not both in one reader: a byte sequence cut between chunks must continue in bytes) */
  push(chunk: string | Uint8Array): void {
    const records = this.splitter.push(chunk);
    if (records.length) this.take(records);
  }

  /** The set read; the text after the last line end is the last record. */
  end(): DataSet {
    const rest = this.splitter.end();
    if (rest.length) this.take(rest, true);
    if (!this.out) {
      if (this.kind === undefined || (this.format === 'csv' && !this.csv)) fail(this.o, 0, '', this.kind ? `no ${this.kind} found` : 'no records found');
      this.builder(this.kind!);
    }
    return this.out!.finish();
  }

  /** The records read so far as a set (undefined if none), and a fresh start for the next ones; ids are not compared across drains. */
  drain(): DataSet | undefined {
    if (!this.out?.count) return undefined;
    const set = this.out.finish();
    if (this.csv) this.out = this.csv.renew();
    else this.builder(this.kind!);
    return set;
  }

  /** The rest of a piece of text (which need not end in a line end) read, then drain(). */
  endPiece(): DataSet | undefined {
    const rest = this.splitter.end();
    if (rest.length) this.take(rest, true);
    return this.drain();
  }

  /** the CSV header row, once read */
  get headerRow(): Row | undefined {
    return this.csv?.head;
  }

  private header(row: Row): void {
    this.csv = new CsvBody(row, this.o, this.kind ?? sniffHeader(row, this.o), this.opts);
    this.kind = this.csv.kind;
    this.out = this.csv.out;
  }

  private builder(kind: 'pairs' | 'items'): void {
    this.kind = kind;
    const unique = this.opts?.uniqueIds !== false;
    this.out = kind === 'pairs' ? new PairBuilder(this.o, [], [], unique) : new ItemBuilder(this.o, [], [], unique);
    this.scanner ??= new LineScanner(kind, this.opts?.targets !== false);
  }

  /** Complete records (ending at a line end, or the last of the input): CSV text or JSONL bytes. */
  private take(records: string | Uint8Array, last = false): void {
    const o = this.o;
    if (typeof records === 'string') {
      const marked = this.splitter.marks && records.includes(MALFORMED);
      for (const row of csvRows(records, o, this.line)) {
        if (marked) row.cells = markedCells(row.cells, this.csv ? this.csv.cols.id : -1, o, row.line);
        if (!this.csv) this.header(row);
        else this.csv.add(row);
      }
      this.line += countLineEnds(records, 0, records.length);
      return;
    }
    const b = records;
    if (b.indexOf(CR) >= 0) {
      // CR line ends (LF, CRLF or CR; a raw CR cannot be inside a JSON string): each line by JSON.parse
      let line = this.line, p = 0;
      for (let i = 0; i < b.length; i++) {
        if (b[i] !== LF && b[i] !== CR) continue;
        this.parseBytes(b.subarray(p, i), line++);
        if (b[i] === CR && b[i + 1] === LF) i++;
        p = i + 1;
      }
      if (last) this.parseBytes(b.subarray(p), line); // a complete chunk ends in a line end: nothing is left
      this.line = line;
      return;
    }
    // LF line ends only (nearly every file): no line is decoded unless the scanner declines it
    let line = this.line, p = 0;
    for (;;) {
      const lf = b.indexOf(LF, p);
      if (lf < 0) {
        if (last && p < b.length) this.record(b, p, b.length, line);
        break;
      }
      this.record(b, p, lf, line++);
      p = lf + 1;
    }
    this.line = line;
  }

  /** One JSONL line, bytes b[p, q): by the scanner when it reads it, else decoded and parse(). */
  private record(b: Uint8Array, p: number, q: number, line: number): void {
    if (this.scanner && b[p] === LBRACE && this.scanner.scan(b, p, q, this.fields)) {
      if ((this.out as PairBuilder).addFields(this.fields, line)) return;
    }
    this.parseBytes(b.subarray(p, q), line);
  }

  /** One JSONL line by JSON.parse and the checks in jsonl.ts; an id with malformed UTF-8 is refused (utf8.ts). */
  private parseBytes(b: Uint8Array, line: number): void {
    const { text: s, wellFormed } = decodeLine(b);
    if (!s.trim()) return;
    const o = this.o;
    const value = parseLine(s, o, line);
    if (!wellFormed) checkIdBytes(value, b, o, line);
    if (!this.out) this.builder(this.kind ?? sniffRecord(value, o, line));
    if (this.kind === 'pairs') (this.out as PairBuilder).add(checkPair(value, o, line), line);
    else (this.out as ItemBuilder).add(checkItem(value, o, line, this.opts?.targets !== false), line);
  }
}


// CSV scanning states: at a cell's start (blanks skipped), in an unquoted cell,
// in a quoted cell, after a closing quote (the cell reader rejects all but blanks there)
const START = 0, UNQUOTED = 1, QUOTED = 2, AFTER = 3;
const LF = 10, CR = 13, QUOTE = 34, COMMA = 44, SPACE = 32, TAB = 9, LBRACE = 123;

/** The index after the last line end in bytes that is surely whole (a final CR may be half a CRLF); 0 if none. */
function lastLineEnd(b: Uint8Array): number {
  let lim = b.length;
  if (lim && b[lim - 1] === CR) lim--;
  if (!lim) return 0;
  const nl = b.lastIndexOf(LF, lim - 1);
  for (let i = lim - 1; i > nl; i--) if (b[i] === CR) return i + 1; // a lone CR after the last LF
  return nl + 1;
}
