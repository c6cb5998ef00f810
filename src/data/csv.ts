// CSV: a header row, then one row per pair or item. RFC 4180 quoting: a quoted
// cell may hold commas, newlines and doubled quotes (""); CRLF, LF or CR line ends.
// Unquoted cells are trimmed; blank lines are skipped.
//
//   pairs  id, [group], label, a:<rm>, b:<rm>, ..., [f:<feature>, ...]
//          label is a, b or tie; every model needs both its a: and b: column.
//   items  id, [group], target, <rm> or s:<rm>, ..., [f:<feature>, ...]
//          (no target column, or empty target cells, when read for scoring)
//
//   id,group,label,a:rm1,b:rm1,a:rm2,b:rm2,f:len
//   x1,"law, pro",a,2,0,-1.43,NA,310
//
// A score cell that is empty, null or NA means the model gave no score; an
// empty feature cell means the feature is absent. Models and features are
// ordered as in the header.
import { f32, ItemBuilder, PairBuilder } from './build.js';
import { expected, fail, show, type Origin } from './errors.js';
import type { ReadOptions } from './types.js';

export interface Row {
  cells: string[];
  /** 1-based line the row starts on */
  line: number;
}

/** Where each role's cells sit in a row. */
interface Columns {
  id: number;
  group: number;
  /** label or target; -1 when absent */
  key: number;
  /** per model: its column (items), or its a: column (pairs) */
  models: Map<string, number>;
  /** per model, its b: column (pairs only) */
  b: Map<string, number>;
  features: Map<string, number>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Pairs or items, from the header row. */
export function sniffHeader(head: Row, o: Origin): 'pairs' | 'items' {
  if (head.cells.includes('label')) return 'pairs';
  if (head.cells.includes('target')) return 'items';
  return fail(o, head.line, '', 'cannot tell pairs from items (no "label" or "target" column)');
}

/** The rows after the header, into a PairBuilder or ItemBuilder. */
export class CsvBody {
  readonly cols: Columns;
  out: PairBuilder | ItemBuilder;
  private readonly needTarget: boolean;
  private readonly uniqueIds: boolean;

  constructor(readonly head: Row, readonly o: Origin, readonly kind: 'pairs' | 'items', opts: ReadOptions = {}) {
    this.needTarget = kind === 'pairs' || opts?.targets !== false;
    this.uniqueIds = opts?.uniqueIds !== false;
    this.cols = header(head, o, kind, this.needTarget);
    this.out = this.renew();
  }

  /** a new, empty builder for the rows that follow */
  renew(): PairBuilder | ItemBuilder {
    const cols = this.cols;
    return (this.out = new (this.kind === 'pairs' ? PairBuilder : ItemBuilder)(this.o, [...cols.models.keys()], [...cols.features.keys()], this.uniqueIds));
  }

  add(row: Row): void {
    const { head, o, cols } = this;
    const cell = cells(row, head, o);
    if (this.kind === 'pairs') {
      const label = cell(cols.key);
      if (label !== 'a' && label !== 'b' && label !== 'tie') expected(o, row.line, 'label', 'a, b or tie', label);
      (this.out as PairBuilder).add({
        id: id(cell(cols.id), o, row.line),
        group: cell(cols.group) || undefined,
        a: scores(cols.models, head, cell, o, row.line),
        b: scores(cols.b, head, cell, o, row.line),
        label,
        features: features(cols.features, head, cell, o, row.line),
      }, row.line);
      return;
    }
    const target = cell(cols.key);
    (this.out as ItemBuilder).add({
      id: id(cell(cols.id), o, row.line),
      group: cell(cols.group) || undefined,
      scores: scores(cols.models, head, cell, o, row.line),
      target: target === '' && !this.needTarget ? undefined : f32(target === '' ? undefined : number(target), o, row.line, 'target', 'a number'),
      features: features(cols.features, head, cell, o, row.line),
    }, row.line);
  }
}

function header(head: Row, o: Origin, kind: 'pairs' | 'items', needKey = true): Columns {
  const at = (field: string, reason: string): never => fail(o, head.line, field, reason);
  const names = head.cells;
  const key = kind === 'pairs' ? 'label' : 'target';
  if (kind === 'pairs' && !names.includes('label') && names.includes('target')) {
    at('', 'this header looks like pointwise items (has "target"); expected pairs');
  }
  if (kind === 'items' && !names.includes('target') && (names.includes('label') || names.some((c) => c.startsWith('a:')))) {
    at('', 'this header looks like pairs (has "label" or "a:" columns); expected pointwise items');
  }
  const cols: Columns = { id: -1, group: -1, key: -1, models: new Map(), b: new Map(), features: new Map() };
  const seen = new Map<string, number>();
  names.forEach((name, c) => {
    const twin = seen.get(name);
    if (twin !== undefined) at(name, `duplicate column (columns ${twin + 1} and ${c + 1})`);
    seen.set(name, c);
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon + 1);
    const rest = name.slice(colon + 1);
    if (name === '') at('', `column ${c + 1} has no name`);
    else if (name === 'id') cols.id = c;
    else if (name === 'group') cols.group = c;
    else if (name === key) cols.key = c;
    else if (prefix === 'f:') into(cols.features, rest, c);
    else if (kind === 'pairs' && prefix === 'a:') into(cols.models, rest, c);
    else if (kind === 'pairs' && prefix === 'b:') into(cols.b, rest, c);
    else if (kind === 'items' && prefix === 's:') into(cols.models, rest, c);
    else if (kind === 'items') into(cols.models, name, c);
    else at(name, `unknown column (expected id, group, label, a:<model>, b:<model> or f:<feature>)`);
  });
  function into(m: Map<string, number>, name: string, c: number): void {
    if (name === '') at(names[c], 'empty name after the prefix');
    if (m.has(name)) at(names[c], `duplicate column for ${show(name)} (columns ${m.get(name)! + 1} and ${c + 1})`);
    m.set(name, c);
  }
  if (cols.id < 0) at('id', 'no such column');
  if (cols.key < 0 && needKey) at(key, 'no such column');
  if (kind === 'pairs') {
    for (const name of cols.models.keys()) if (!cols.b.has(name)) at(`a:${name}`, `no matching "b:${name}" column`);
    for (const name of cols.b.keys()) if (!cols.models.has(name)) at(`b:${name}`, `no matching "a:${name}" column`);
  }
  if (cols.models.size === 0) at('', 'no score columns');
  return cols;
}

/** The cell getter of a row, after checking its width; column -1 reads as ''. */
function cells(row: Row, head: Row, o: Origin): (c: number) => string {
  if (row.cells.length !== head.cells.length) {
    fail(o, row.line, '', `row has ${row.cells.length} cells, the header has ${head.cells.length}`);
  }
  return (c) => (c < 0 ? '' : row.cells[c]);
}

function id(cell: string, o: Origin, line: number): string {
  if (cell === '') fail(o, line, 'id', 'empty id');
  return cell;
}

/** model -> score or null, from the given columns. */
function scores(cols: Map<string, number>, head: Row, cell: (c: number) => string, o: Origin, line: number) {
  // A null-prototype object: a model named "__proto__" must stay a key.
  const out: Record<string, number | null> = Object.create(null);
  for (const [name, c] of cols) {
    const s = cell(c);
    const missing = s === '' || s === 'null' || s === 'NA';
    out[name] = missing ? null : f32(number(s), o, line, head.cells[c], 'a number, or empty, null or NA for no score');
  }
  return out;
}

function features(cols: Map<string, number>, head: Row, cell: (c: number) => string, o: Origin, line: number): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const [name, c] of cols) {
    const s = cell(c);
    if (s !== '') out[name] = f32(number(s), o, line, head.cells[c], 'a number, or empty when absent');
  }
  return out;
}

/** The number a cell spells in decimal, else the cell itself (for the message). */
function number(s: string): number | string {
  return NUMBER.test(s) ? Number(s) : s;
}

/** RFC 4180 rows, blank lines dropped; a line ends at LF, CRLF or CR. */
export function csvRows(text: string, o: Origin, firstLine = 1): Row[] {
  const rows: Row[] = [];
  const n = text.length;
  const eol = (j: number) => text[j] === '\n' || text[j] === '\r';
  let i = text.charCodeAt(0) === 0xfeff && firstLine === 1 ? 1 : 0;
  let line = firstLine;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let quoted = false;
    let j: number;
    for (;;) {
      j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (text[j] === '"') {
        quoted = true;
        const open = line;
        let cell = '';
        for (j++; ; ) {
          const q = text.indexOf('"', j);
          if (q < 0) fail(o, open, '', 'unterminated quoted cell');
          cell += text.slice(j, q);
          line += countLineEnds(text, j, q);
          if (text[q + 1] !== '"') { j = q + 1; break; }
          cell += '"';
          j = q + 2;
        }
        while (text[j] === ' ' || text[j] === '\t') j++;
        if (j < n && text[j] !== ',' && !eol(j)) fail(o, line, '', `unexpected ${show(text[j])} after a closing quote`);
        cells.push(cell);
      } else {
        while (j < n && text[j] !== ',' && !eol(j)) j++;
        cells.push(text.slice(i, j).trim());
      }
      if (text[j] !== ',') break;
      i = j + 1;
    }
    // j is at the row's line end, or at the end of the text
    i = text[j] === '\r' && text[j + 1] === '\n' ? j + 2 : j + 1;
    if (j < n) line++;
    if (quoted || cells.length > 1 || cells[0] !== '') rows.push({ cells, line: start });
  }
  return rows;
}

/** Line ends (LF, CRLF or CR, each one) in text[from, to). */
export function countLineEnds(text: string, from: number, to: number): number {
  let k = 0;
  for (let p = from; p < to; p++) if (text[p] === '\n' || (text[p] === '\r' && text[p + 1] !== '\n')) k++;
  return k;
}
