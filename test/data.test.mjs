import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withShared, readShared } from './shared-data.mjs';
import {
  parsePairsJsonl, parseItemsJsonl, parsePairsCsv, parseItemsCsv, parseData,
  pairsFromRecords, itemsFromRecords, subsetPairs, subsetItems, DataError,
} from '../dist/data/index.js';

const jsonl = (...records) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const rows = (flat, K) => Array.from({ length: flat.length / K }, (_, i) => Array.from(flat.subarray(i * K, i * K + K)));

/** The DataError fn throws, checked to name the file, line and field; `text` must appear in the message. */
function fails(fn, file, line, field, text) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a DataError mentioning ${text}`);
  assert.instance(err, DataError, err.stack);
  const { message } = err;
  assert.is(err.file, file, message);
  assert.is(err.line, line, message);
  assert.is(err.field, field, message);
  assert.ok(message.startsWith(line === 0 ? `${file}: ` : `${file}:${line}: `) || message.startsWith(`${file}: record ${line}: `), message);
  if (field) assert.ok(message.includes(`field "${field}"`), message);
  assert.ok(message.includes(text), `${message}\n  should include: ${text}`);
  assert.not.match(message, /\n\s+at /);
  return err;
}

const pair = (id, a, b, label = 'a', extra = {}) => ({ id, a, b, label, ...extra });

// ---
const PairsJsonl = suite('pairs JSONL');

PairsJsonl('scores, missing cells, model order, ties, features, groups, lines', () => {
  const text = [
    JSON.stringify(pair('x1', { judgeA: 2, rmB: -1.43 }, { judgeA: 0, rmB: -2.07 }, 'a', { group: 'law' })),
    '',
    JSON.stringify(pair('x2', { rmB: 1e6, rmC: null }, { judgeA: 1, rmB: -3e7 }, 'b', { features: { len: 310 } })),
    '   ',
    JSON.stringify(pair('x3', { rmC: 0.5 }, { rmD: -0.25, rmC: 0.75 }, 'tie')) + '\r',
  ].join('\n') + '\n';
  const s = parsePairsJsonl(text, 'data.jsonl');
  assert.is(s.kind, 'pairs');
  assert.is(s.source, 'data.jsonl');
  assert.equal(s.models, ['judgeA', 'rmB', 'rmC', 'rmD']);
  assert.equal(s.features, ['len']);
  assert.equal(s.ids, ['x1', 'x2', 'x3']);
  assert.equal(s.groups, ['law', undefined, undefined]);
  assert.instance(s.a, Float32Array);
  assert.equal(rows(s.a, 4), [
    [2, Math.fround(-1.43), NaN, NaN],
    [NaN, 1e6, NaN, NaN],
    [NaN, NaN, 0.5, NaN],
  ]);
  assert.equal(rows(s.b, 4), [
    [0, Math.fround(-2.07), NaN, NaN],
    [1, -3e7, NaN, NaN],
    [NaN, NaN, 0.75, -0.25],
  ]);
  assert.equal(Array.from(s.label), [1, 0, 0.5]);
  assert.equal(Array.from(s.feats), [NaN, 310, NaN]);
  assert.instance(s.lines, Int32Array);
  assert.equal(Array.from(s.lines), [1, 3, 5]);
});

PairsJsonl('a leading BOM and unknown keys are tolerated', () => {
  const s = parsePairsJsonl('\uFEFF' + jsonl(pair('x', { r: 1 }, { r: 2 }, 'b', { note: 'ignored' })), 'bom.jsonl');
  assert.equal(s.ids, ['x']);
  assert.equal(Array.from(s.label), [0]);
});

PairsJsonl('one side unscored is allowed', () => {
  const s = parsePairsJsonl(jsonl(pair('x', { r: 1 }, {}), pair('y', {}, { r: null, q: 3 })), 'd.jsonl');
  assert.equal(s.models, ['r', 'q']);
  assert.equal(rows(s.a, 2), [[1, NaN], [NaN, NaN]]);
  assert.equal(rows(s.b, 2), [[NaN, NaN], [NaN, 3]]);
});

PairsJsonl.run();

// ---
const ItemsJsonl = suite('items JSONL');

ItemsJsonl('scores, targets, features', () => {
  const text = jsonl(
    { id: 'i1', group: 'g', scores: { m1: 0.5, m2: null }, target: 1, features: { len: 3 } },
    { id: 'i2', scores: { m3: -7 }, target: -2.5 },
  );
  const s = parseItemsJsonl(text, 'items.jsonl');
  assert.is(s.kind, 'items');
  assert.equal(s.models, ['m1', 'm2', 'm3']);
  assert.equal(rows(s.scores, 3), [[0.5, NaN, NaN], [NaN, NaN, -7]]);
  assert.equal(Array.from(s.target), [1, -2.5]);
  assert.equal(s.features, ['len']);
  assert.equal(Array.from(s.feats), [3, NaN]);
  assert.equal(s.groups, ['g', undefined]);
  assert.equal(Array.from(s.lines), [1, 2]);
});

ItemsJsonl.run();

// ---
const PairsCsv = suite('pairs CSV');

PairsCsv('quoting, CRLF, empty and NA cells, features, header order', () => {
  const text = [
    'id,group,label,a:rm2,b:rm2,a:rm1,b:rm1,f:len',
    '"x,1","law ""pro""",a,2,0,-1.43,NA,310',
    '',
    'x2,,b,,null,1e3,-2,',
    '"x3\nsecond line",g, tie ,"5", 6 ,,,1.5',
    'x4,g,a,1,,,,',
  ].join('\r\n') + '\r\n';
  const s = parsePairsCsv(text, 'pairs.csv');
  assert.equal(s.models, ['rm2', 'rm1']);
  assert.equal(s.features, ['len']);
  assert.equal(s.ids, ['x,1', 'x2', 'x3\nsecond line', 'x4']);
  assert.equal(s.groups, ['law "pro"', undefined, 'g', 'g']);
  assert.equal(rows(s.a, 2), [[2, Math.fround(-1.43)], [NaN, 1000], [5, NaN], [1, NaN]]);
  assert.equal(rows(s.b, 2), [[0, NaN], [NaN, -2], [6, NaN], [NaN, NaN]]);
  assert.equal(Array.from(s.label), [1, 0, 0.5, 1]);
  assert.equal(Array.from(s.feats), [310, NaN, 1.5, NaN]);
  assert.equal(Array.from(s.lines), [2, 4, 5, 7]);
});

PairsCsv('LF line ends, no trailing newline, BOM', () => {
  const s = parsePairsCsv('\uFEFFid,label,a:m,b:m\nx,b,1,2', 'p.csv');
  assert.equal(s.ids, ['x']);
  assert.equal(Array.from(s.b), [2]);
});

PairsCsv.run();

// ---
const ItemsCsv = suite('items CSV');

ItemsCsv('bare and s: model columns, quoting, missing cells', () => {
  const text = 'id,target,m1,s:m2,f:len,group\ni1,1,0.5,,3,"a,b"\ni2,-2.5,NA,"7",,\n';
  const s = parseItemsCsv(text, 'items.csv');
  assert.equal(s.models, ['m1', 'm2']);
  assert.equal(rows(s.scores, 2), [[0.5, NaN], [NaN, 7]]);
  assert.equal(Array.from(s.target), [1, -2.5]);
  assert.equal(Array.from(s.feats), [3, NaN]);
  assert.equal(s.groups, ['a,b', undefined]);
});

ItemsCsv.run();

// ---
const Sniff = suite('parseData');

Sniff('format by extension, kind by first record or header', () => {
  const pj = jsonl(pair('x', { r: 1 }, { r: 0 }));
  const ij = jsonl({ id: 'i', scores: { r: 1 }, target: 0 });
  assert.is(parseData(pj, 'd.jsonl').kind, 'pairs');
  assert.is(parseData(ij, 'd.JSON').kind, 'items');
  assert.is(parseData('id,label,a:r,b:r\nx,a,1,0\n', 'd.csv').kind, 'pairs');
  assert.is(parseData('id,target,r\ni,1,2\n', 'd.csv').kind, 'items');
});

Sniff('format by first character when the extension is unknown', () => {
  assert.is(parseData('\n  ' + jsonl(pair('x', { r: 1 }, { r: 0 })), 'stdin').kind, 'pairs');
  assert.is(parseData('id,target,r\ni,1,2\n', 'data.txt').kind, 'items');
});

Sniff('kind given explicitly', () => {
  const s = parseData(jsonl(pair('x', { r: 1 }, { r: 0 })), 'd.jsonl', 'pairs');
  assert.is(s.kind, 'pairs');
  fails(() => parseData(jsonl(pair('x', { r: 1 }, { r: 0 })), 'd.jsonl', 'items'), 'd.jsonl', 1, '', 'looks like a pair (has "label"); expected a pointwise item');
});

Sniff('cannot tell, or nothing there', () => {
  fails(() => parseData('{"id":"x"}', 'd.jsonl'), 'd.jsonl', 1, '', 'cannot tell a pair from an item');
  fails(() => parseData('\n\n', 'd.jsonl'), 'd.jsonl', 0, '', 'no records found');
  fails(() => parseData('id,score\nx,1\n', 'd.csv'), 'd.csv', 1, '', 'cannot tell pairs from items');
});

Sniff.run();

// ---
const Records = suite('records API');

Records('pairs and items from arrays', () => {
  const p = pairsFromRecords([pair('x', { r: 1, q: null }, { q: 2 }, 'tie', { features: { t: 1 } })]);
  assert.is(p.source, '<memory>');
  assert.equal(p.models, ['r', 'q']);
  assert.equal(Array.from(p.a), [1, NaN]);
  assert.equal(Array.from(p.b), [NaN, 2]);
  assert.equal(Array.from(p.label), [0.5]);
  assert.equal(Array.from(p.lines), [1]);
  const it = itemsFromRecords([{ id: 'i', scores: { r: 3 }, target: 0.25 }], 'mine');
  assert.is(it.source, 'mine');
  assert.equal(Array.from(it.target), [0.25]);
});

Records('errors count records', () => {
  const e = fails(() => pairsFromRecords([pair('x', { r: 1 }, {}), pair('y', { r: 'abc' }, {})]), '<memory>', 2, 'a.r', 'got "abc"');
  assert.match(e.message, /^<memory>: record 2: field "a.r": expected a number or null, got "abc"$/);
  fails(() => pairsFromRecords([pair('x', { r: NaN }, {})]), '<memory>', 1, 'a.r', 'got NaN');
  fails(() => itemsFromRecords([{ id: 'i', scores: { r: 1 }, target: Infinity }]), '<memory>', 1, 'target', 'got Infinity');
  fails(() => pairsFromRecords([pair('x', { r: 1 }, {}), pair('x', { r: 1 }, {})]), '<memory>', 2, 'id', 'first in record 1');
  fails(() => pairsFromRecords([]), '<memory>', 0, '', 'no pairs found');
  fails(() => pairsFromRecords('nope'), '<memory>', 0, '', 'expected an array of records');
});

Records.run();

// ---
const Subset = suite('subsetPairs / subsetItems');

Subset('copies the chosen rows, keeps models and features', () => {
  const s = parsePairsJsonl(jsonl(
    pair('x', { r: 1, q: 2 }, { r: 3 }, 'a', { group: 'g1', features: { f: 9 } }),
    pair('y', { r: 4 }, { q: 5 }, 'b'),
    pair('z', { q: 6 }, { r: 7 }, 'tie'),
  ), 'd.jsonl');
  const t = subsetPairs(s, [2, 0]);
  assert.equal(t.models, s.models);
  assert.equal(t.features, ['f']);
  assert.equal(t.ids, ['z', 'x']);
  assert.equal(t.groups, [undefined, 'g1']);
  assert.equal(rows(t.a, 2), [[NaN, 6], [1, 2]]);
  assert.equal(rows(t.b, 2), [[7, NaN], [3, NaN]]);
  assert.equal(Array.from(t.feats), [NaN, 9]);
  assert.equal(Array.from(t.label), [0.5, 1]);
  assert.equal(Array.from(t.lines), [3, 1]);
  t.a[0] = 100;
  assert.ok(Number.isNaN(s.a[4]));
  assert.throws(() => subsetPairs(s, [3]), RangeError);

  const items = itemsFromRecords([{ id: 'a', scores: { m: 1 }, target: 0 }, { id: 'b', scores: { m: 2 }, target: 1 }]);
  const u = subsetItems(items, Int32Array.from([1]));
  assert.equal(u.ids, ['b']);
  assert.equal(Array.from(u.scores), [2]);
  assert.equal(Array.from(u.target), [1]);
});

Subset.run();

// ---
const JsonlErrors = suite('JSONL errors');

const good = pair('g', { r: 1 }, { r: 0 });
/** The error of a file whose line 2 is `bad` (line 1 is a good pair). */
const pairsAt2 = (bad) => () => parsePairsJsonl(jsonl(good, bad), 'data.jsonl');
const itemsAt2 = (bad) => () => parseItemsJsonl(jsonl({ id: 'g', scores: { r: 1 }, target: 1 }, bad), 'items.jsonl');

JsonlErrors('malformed JSON and non-objects', () => {
  fails(pairsAt2('{"id": "x", "a": {'), 'data.jsonl', 2, '', 'not valid JSON (');
  fails(pairsAt2('[1, 2]'), 'data.jsonl', 2, '', 'expected a JSON object, got an array');
  fails(pairsAt2('42'), 'data.jsonl', 2, '', 'expected a JSON object, got 42');
  fails(pairsAt2('null'), 'data.jsonl', 2, '', 'expected a JSON object, got null');
});

JsonlErrors('ids', () => {
  fails(pairsAt2({ a: { r: 1 }, b: {}, label: 'a' }), 'data.jsonl', 2, 'id', 'missing');
  fails(pairsAt2(pair(7, { r: 1 }, {})), 'data.jsonl', 2, 'id', 'expected a non-empty string, got 7');
  fails(pairsAt2(pair('', { r: 1 }, {})), 'data.jsonl', 2, 'id', 'got ""');
  fails(() => parsePairsJsonl(jsonl(good, '', pair('g', { r: 2 }, {})), 'data.jsonl'), 'data.jsonl', 3, 'id', 'duplicate id "g" (first on line 1)');
  fails(itemsAt2({ id: 'g', scores: { r: 2 }, target: 0 }), 'items.jsonl', 2, 'id', 'duplicate id "g" (first on line 1)');
});

JsonlErrors('labels and groups', () => {
  fails(pairsAt2(pair('x', { r: 1 }, {}, 'c')), 'data.jsonl', 2, 'label', 'expected "a", "b" or "tie", got "c"');
  fails(pairsAt2(pair('x', { r: 1 }, {}, 1)), 'data.jsonl', 2, 'label', 'got 1');
  fails(pairsAt2({ id: 'x', a: { r: 1 }, b: {} }), 'data.jsonl', 2, 'label', 'missing');
  fails(pairsAt2(pair('x', { r: 1 }, {}, 'a', { group: 3 })), 'data.jsonl', 2, 'group', 'expected a string, got 3');
});

JsonlErrors('score maps', () => {
  fails(pairsAt2({ id: 'x', b: { r: 1 }, label: 'a' }), 'data.jsonl', 2, 'a', 'missing (expected an object of model scores)');
  fails(pairsAt2(pair('x', { r: 1 }, [1])), 'data.jsonl', 2, 'b', 'got an array');
  fails(pairsAt2(pair('x', { r: 1 }, 'x')), 'data.jsonl', 2, 'b', 'got "x"');
  fails(itemsAt2({ id: 'x', target: 1 }), 'items.jsonl', 2, 'scores', 'missing');
});

JsonlErrors('scores that are not finite float32 numbers or null', () => {
  fails(pairsAt2(pair('x', { r: 'abc' }, {})), 'data.jsonl', 2, 'a.r', 'expected a number or null, got "abc"');
  fails(pairsAt2(pair('x', { r: 'NaN' }, {})), 'data.jsonl', 2, 'a.r', 'got "NaN"');
  fails(pairsAt2(pair('x', { r: 1 }, { q: true })), 'data.jsonl', 2, 'b.q', 'got true');
  fails(pairsAt2(pair('x', { r: { v: 1 } }, {})), 'data.jsonl', 2, 'a.r', 'got an object');
  fails(pairsAt2('{"id":"x","a":{"r":1e999},"b":{},"label":"a"}'), 'data.jsonl', 2, 'a.r', 'got Infinity');
  fails(pairsAt2('{"id":"x","a":{"r":-1e39},"b":{},"label":"a"}'), 'data.jsonl', 2, 'a.r', 'beyond the float32 range');
  fails(itemsAt2({ id: 'x', scores: { r: '1' }, target: 1 }), 'items.jsonl', 2, 'scores.r', 'got "1"');
});

JsonlErrors('targets and features', () => {
  fails(itemsAt2({ id: 'x', scores: { r: 1 } }), 'items.jsonl', 2, 'target', 'missing (expected a finite number)');
  fails(itemsAt2({ id: 'x', scores: { r: 1 }, target: 'high' }), 'items.jsonl', 2, 'target', 'got "high"');
  fails(itemsAt2('{"id":"x","scores":{"r":1},"target":1e999}'), 'items.jsonl', 2, 'target', 'got Infinity');
  fails(pairsAt2(pair('x', { r: 1 }, {}, 'a', { features: { len: 'long' } })), 'data.jsonl', 2, 'features.len', 'expected a finite number, got "long"');
  fails(pairsAt2(pair('x', { r: 1 }, {}, 'a', { features: { len: null } })), 'data.jsonl', 2, 'features.len', 'got null');
  fails(pairsAt2(pair('x', { r: 1 }, {}, 'a', { features: [1] })), 'data.jsonl', 2, 'features', 'got an array');
});

JsonlErrors('nothing scored, nothing found, wrong kind', () => {
  fails(pairsAt2(pair('x', { r: null }, {})), 'data.jsonl', 2, '', 'no model scored this pair');
  fails(pairsAt2(pair('x', {}, {})), 'data.jsonl', 2, '', 'no model scored this pair');
  fails(itemsAt2({ id: 'x', scores: { r: null }, target: 1 }), 'items.jsonl', 2, '', 'no model scored this item');
  fails(() => parsePairsJsonl('\n \n', 'data.jsonl'), 'data.jsonl', 0, '', 'no pairs found');
  fails(() => parseItemsJsonl('', 'items.jsonl'), 'items.jsonl', 0, '', 'no items found');
  fails(() => parsePairsJsonl(jsonl({ id: 'i', scores: { r: 1 }, target: 1 }), 'items.jsonl'), 'items.jsonl', 1, '',
    'this line looks like a pointwise item (has "scores"); expected a pair');
  fails(() => parseItemsJsonl(jsonl(good), 'data.jsonl'), 'data.jsonl', 1, '', 'looks like a pair (has "label"); expected a pointwise item');
});

JsonlErrors.run();

// ---
const CsvErrors = suite('CSV errors');

const head = 'id,label,a:r,b:r';
const pairsCsv = (...lines) => () => parsePairsCsv([head, ...lines].join('\n'), 'data.csv');

CsvErrors('rows and quoting', () => {
  fails(pairsCsv('x,a,1,2', 'y,a,1'), 'data.csv', 3, '', 'row has 3 cells, the header has 4');
  fails(pairsCsv('x,a,1,2,3'), 'data.csv', 2, '', 'row has 5 cells');
  fails(pairsCsv('x,a,1,2', '"y,a,1,2'), 'data.csv', 3, '', 'unterminated quoted cell');
  fails(pairsCsv('"x"y,a,1,2'), 'data.csv', 2, '', 'unexpected "y" after a closing quote');
  fails(pairsCsv('"y\n\ny",a,1,2', 'x,a,1,2', 'x,a,1,2'), 'data.csv', 6, 'id', 'duplicate id "x" (first on line 5)');
});

CsvErrors('cells', () => {
  fails(pairsCsv('x,c,1,2'), 'data.csv', 2, 'label', 'expected a, b or tie, got "c"');
  fails(pairsCsv('x,,1,2'), 'data.csv', 2, 'label', 'got ""');
  fails(pairsCsv(',a,1,2'), 'data.csv', 2, 'id', 'empty id');
  fails(pairsCsv('x,a,abc,2'), 'data.csv', 2, 'a:r', 'got "abc"');
  fails(pairsCsv('x,a,1,NaN'), 'data.csv', 2, 'b:r', 'got "NaN"');
  fails(pairsCsv('x,a,1,Infinity'), 'data.csv', 2, 'b:r', 'got "Infinity"');
  fails(pairsCsv('x,a,1e999,1'), 'data.csv', 2, 'a:r', 'got Infinity');
  fails(pairsCsv('x,a,0x10,1'), 'data.csv', 2, 'a:r', 'got "0x10"');
  fails(pairsCsv('x,a,,NA'), 'data.csv', 2, '', 'no model scored this pair');
  fails(() => parsePairsCsv('id,label,a:r,b:r,f:len\nx,a,1,2,big\n', 'data.csv'), 'data.csv', 2, 'f:len', 'got "big"');
  fails(() => parseItemsCsv('id,target,r\nx,,1\n', 'items.csv'), 'items.csv', 2, 'target', 'missing');
  fails(() => parseItemsCsv('id,target,r\nx,NA,1\n', 'items.csv'), 'items.csv', 2, 'target', 'got "NA"');
  fails(() => parseItemsCsv('id,target,s:r\nx,1,yes\n', 'items.csv'), 'items.csv', 2, 's:r', 'got "yes"');
});

CsvErrors('headers', () => {
  const at1 = (text, field, msg, parse = parsePairsCsv) => fails(() => parse(text, 'h.csv'), 'h.csv', 1, field, msg);
  at1('id,label,a:r,b:r,score\n', 'score', 'unknown column');
  at1('id,label,a:r,b:r,c:r\n', 'c:r', 'unknown column');
  at1('id,label,a:r,b:r,a:r\n', 'a:r', 'duplicate column (columns 3 and 5)');
  at1('id,target,r,s:r\n', 's:r', 'duplicate column for "r" (columns 3 and 4)', parseItemsCsv);
  at1('id,label,a:r,b:r,a:q\n', 'a:q', 'no matching "b:q" column');
  at1('id,label,a:r,b:r,b:q\n', 'b:q', 'no matching "a:q" column');
  at1('label,a:r,b:r\n', 'id', 'no such column');
  at1('id,a:r,b:r\n', 'label', 'no such column');
  at1('id,r\n', 'target', 'no such column', parseItemsCsv);
  at1('id,label\n', '', 'no score columns');
  at1('id,label,a:,b:\n', 'a:', 'empty name after the prefix');
  at1('id,label,,a:r,b:r\n', '', 'column 3 has no name');
  at1('id,target,r\n', '', 'looks like pointwise items (has "target"); expected pairs');
  at1('id,label,a:r,b:r\n', '', 'looks like pairs', parseItemsCsv);
  fails(() => parsePairsCsv('\n\n', 'h.csv'), 'h.csv', 0, '', 'no pairs found');
  fails(() => parsePairsCsv(head + '\n', 'h.csv'), 'h.csv', 0, '', 'no pairs found');
  fails(() => parseItemsCsv('id,target,r\n', 'h.csv'), 'h.csv', 0, '', 'no items found');
});

CsvErrors.run();

// ---
const Real = suite('real data (../shared/data)');

withShared(Real, 'judgebench-dev and llmbar-dev', ['judgebench-dev.jsonl', 'llmbar-dev.jsonl'], () => {
  for (const [file, n, K] of [['judgebench-dev.jsonl', 196, 6], ['llmbar-dev.jsonl', 239, 65]]) {
    const s = parseData(readShared(file), file);
    assert.is(s.kind, 'pairs', file);
    assert.is(s.ids.length, n, file);
    assert.is(s.models.length, K, file);
    assert.is(s.a.length, n * K, file);
    assert.ok(s.label.every((y) => y === 0 || y === 1), file);
    assert.ok(s.groups.every((g) => typeof g === 'string'), file);
    for (let i = 0; i < n; i++) {
      let scored = false;
      for (let k = 0; k < K; k++) scored ||= !Number.isNaN(s.a[i * K + k]) || !Number.isNaN(s.b[i * K + k]);
      assert.ok(scored, `${file} pair ${i} has a score`);
    }
  }
});

Real.run();
