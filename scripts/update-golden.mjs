// Rewrites test/fixtures/golden.json from the current build. Run by hand after
// a deliberate numeric change, and read the diff before committing it.
import { writeFileSync } from 'node:fs';
import { goldenRun } from '../test/golden-run.mjs';

const out = new URL('../test/fixtures/golden.json', import.meta.url);
writeFileSync(out, JSON.stringify(goldenRun(), null, 1) + '\n');
console.log(`wrote ${out.pathname}`);
