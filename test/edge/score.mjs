// Run by Deno and Bun (and Node, as the reference): load the built package,
// score the fixed items with each model file named on the command line, and
// print the bits and a timing as one JSON object.
import process from 'node:process';
import { readFileSync } from 'node:fs';
import * as lib from '../../dist/index.js';
import { subsetItems } from '../../dist/data.js';
import { fixedItems, scoreBits } from '../fixed-run.mjs';

await lib.init();
const bits = {};
for (const file of process.argv.slice(2)) bits[file] = scoreBits(lib, readFileSync(file, 'utf8'));
// per-item scoring time: one item, the first model, many times
const model = lib.loadModel(readFileSync(process.argv[2], 'utf8'));
const one = subsetItems(fixedItems(lib), [0]);
for (let i = 0; i < 200; i++) model.score(one);
const n = 2000, t0 = performance.now();
for (let i = 0; i < n; i++) model.score(one);
const perItemUs = ((performance.now() - t0) * 1000) / n;
console.log(JSON.stringify({ bits, perItemUs }));
