// Files for the command line: reading with errors that name the file, and
// writing through a temporary file, so a failure leaves no partial output.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseData } from '../data/index.js';
import type { DataSet, ItemSet, PairSet } from '../data/types.js';
import { loadModel } from '../models/file.js';
import type { FusionModel } from '../models/model.js';

export class CliError extends Error {
  override name = 'CliError';
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory, not a file` : `${file}: cannot read (${code ?? (e as Error).message})`);
  }
}

export function readData(file: string, kind: 'pairs'): PairSet;
export function readData(file: string, kind: 'items'): ItemSet;
export function readData(file: string, kind?: 'pairs' | 'items'): DataSet;
export function readData(file: string, kind?: 'pairs' | 'items'): DataSet {
  return parseData(readText(file), file, kind);
}

export function readModel(file: string): FusionModel {
  return loadModel(readText(file), file);
}

/** Write `text` to `file` whole or not at all. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
