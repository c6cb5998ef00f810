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
import { ItemBuilder, PairBuilder } from './build.js';
import { countLineEnds, csvRows, CsvBody, sniffHeader, type Row } from './csv.js';
import { fail, origin, type Origin } from './errors.js';
import { checkItem, checkPair, parseLine, sniffRecord } from './jsonl.js';
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
 * Text in, complete records out: push() returns the text up to the last
 * complete record (a line end outside CSV quotes; '' if none yet), end() the
 * rest. The format, unless given, is told by the first non-blank character.
 */
export class Cutter {
  private rest = '';
  private started = false;
  // CSV: where the scan of `rest` stopped, and in what state
  private scanned = 0;
  private state = START;

  constructor(public format?: Format) {}

  push(chunk: string): string {
    if (!this.started) {
      if (!chunk) return '';
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // a byte order mark
    }
    const text = this.rest + chunk;
    if (!this.format) {
      const first = text.search(/\S/);
      if (first < 0) { this.rest = text; return ''; }
      this.format = text[first] === '{' ? 'jsonl' : 'csv';
    }
    const cut = this.format === 'jsonl' ? lastLineEnd(text) : this.csvCut(text);
    if (!cut) { this.rest = text; return ''; }
    if (this.format === 'csv') this.scanned -= cut;
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

export class DataReader {
  private readonly o: Origin;
  private kind: 'pairs' | 'items' | undefined;
  private out: PairBuilder | ItemBuilder | undefined;
  private csv: CsvBody | undefined;
  private readonly cutter: Cutter;
  /** the line the unread text starts on */
  private line = 1;

  /** `format` by default from the source's name, else from the first non-blank character (`{`: JSONL). */
  constructor(readonly source: string, kind?: 'pairs' | 'items', private readonly opts: ReadOptions = {}, format?: Format) {
    this.o = { file: source, unit: 'line' };
    this.kind = kind;
    this.cutter = new Cutter(format ?? formatOf(source));
  }

  get format(): Format | undefined {
    return this.cutter.format;
  }

  /** records read so far (since the last drain) */
  get rows(): number {
    return this.out?.count ?? 0;
  }

  /** the 1-based line the unread text starts on */
  get nextLine(): number {
    return this.line;
  }

  /** Text that continues a file from the middle: no byte order mark, and (CSV) this header. */
  continues(header?: Row): void {
    this.cutter.noMark();
    if (header) this.header(header);
  }

  push(chunk: string): void {
    const text = this.cutter.push(chunk);
    if (text) this.take(text);
  }

  /** The set read; the text after the last line end is the last record. */
  end(): DataSet {
    const rest = this.cutter.end();
    if (rest) this.take(rest, true);
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
    const rest = this.cutter.end();
    if (rest) this.take(rest, true);
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
    this.out = kind === 'pairs' ? new PairBuilder(this.o) : new ItemBuilder(this.o);
  }

  /** Complete records (text ends at a line end, or is the last of the input). */
  private take(text: string, last = false): void {
    const o = this.o;
    if (this.format === 'csv') {
      for (const row of csvRows(text, o, this.line)) {
        if (!this.csv) this.header(row);
        else this.csv.add(row);
      }
      this.line += countLineEnds(text, 0, text.length);
      return;
    }
    const lines = text.split(/\r\n|\r|\n/); // a raw CR cannot be inside a JSON string
    const count = last ? lines.length : lines.length - 1; // a complete chunk ends in a line end: its last piece is ''
    const needTarget = this.opts?.targets !== false;
    for (let i = 0; i < count; i++) {
      const s = lines[i], line = this.line + i;
      if (!s.trim()) continue;
      const value = parseLine(s, o, line);
      if (!this.out) this.builder(this.kind ?? sniffRecord(value, o, line));
      if (this.kind === 'pairs') (this.out as PairBuilder).add(checkPair(value, o, line), line);
      else (this.out as ItemBuilder).add(checkItem(value, o, line, needTarget), line);
    }
    this.line += lines.length - 1;
  }
}

// CSV scanning states: at a cell's start (blanks skipped), in an unquoted cell,
// in a quoted cell, after a closing quote (the cell reader rejects all but blanks there)
const START = 0, UNQUOTED = 1, QUOTED = 2, AFTER = 3;
const LF = 10, CR = 13, QUOTE = 34, COMMA = 44, SPACE = 32, TAB = 9;

/** The index after the last line end in text that is surely whole (a final CR may be half a CRLF); 0 if none. */
function lastLineEnd(text: string): number {
  let lim = text.length;
  if (lim && text.charCodeAt(lim - 1) === CR) lim--;
  if (!lim) return 0;
  const nl = text.lastIndexOf('\n', lim - 1);
  for (let i = lim - 1; i > nl; i--) if (text.charCodeAt(i) === CR) return i + 1; // a lone CR after the last LF
  return nl + 1;
}
