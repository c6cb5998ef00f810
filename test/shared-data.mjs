// The real evaluation sets live in ../shared/data, beside the checkout, and
// are not ours to ship. Tests that read them are registered as skipped, with
// a message saying why, when they are absent.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));

export const hasShared = (...files) => files.every((f) => existsSync(SHARED + f));

export const readShared = (file) => readFileSync(SHARED + file, 'utf8');

/** Register `fn` on uvu suite `s`, or skip it (with a message) when any of `files` is absent. */
export function withShared(s, name, files, fn) {
  if (hasShared(...files)) return s(name, fn);
  console.log(`skip: "${name}": ${files.filter((f) => !existsSync(SHARED + f)).map((f) => SHARED + f).join(', ')} absent`);
  return s.skip(name, fn);
}
