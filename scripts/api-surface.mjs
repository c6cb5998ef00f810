// Measures the public surface: the names each entry package.json "exports"
// declares (the main one, rewardfuse/eval, …) exports, and the lines of .d.ts
// reachable from it (following relative imports).
//   node scripts/api-surface.mjs [entry.d.ts ...]
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';

export function reachableDts(entry) {
  const seen = new Map();
  const walk = (file) => {
    if (seen.has(file) || !existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text.split('\n').filter((l) => l.trim()).length);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      walk(resolve(dirname(file), m[1].replace(/\.js$/, '.d.ts')));
    }
  };
  walk(resolve(entry));
  return seen;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const declared = Object.values(pkg.exports).filter((e) => typeof e === 'object').map((e) => e.types.replace(/^\.\//, ''));
  const entries = process.argv.length > 2 ? process.argv.slice(2) : declared;
  for (const entry of entries) {
    const files = reachableDts(entry);
    const lines = [...files.values()].reduce((s, n) => s + n, 0);
    const mod = await import(resolve(entry.replace(/\.d\.ts$/, '.js')));
    console.log(`${entry}: ${Object.keys(mod).length} exports; ${lines} non-blank .d.ts lines in ${files.size} files reachable`);
    for (const [f, n] of files) console.log(`  ${String(n).padStart(5)}  ${relative(process.cwd(), f)}`);
  }
}
