// Files for the command line. Reading names the file in every error and
// remembers each regular file read, so that no output can overwrite an input.
// Writing never leaves a partial file looking whole, and never replaces what
// is not a regular file:
//   a regular file, or a path not there yet  → a temporary file beside it, then rename
//   a device, FIFO or socket                 → written in place, as a shell's `>` would
//   /dev/stdout, /dev/stderr, /dev/fd/1 or 2 → our own descriptor 1 or 2
//   a symlink                                → followed; its target is written as above
// SIGINT, SIGTERM and SIGHUP remove a temporary file before the process dies.
// Every failure is a one-line CliError naming the path and the system's reason.
import {
  accessSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, openSync, readFileSync, readlinkSync,
  readSync, realpathSync, renameSync, rmSync, statSync, writeSync, type Stats,
} from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { DataError } from '../data/errors.js';
import { DataReader } from '../data/stream.js';
import type { DataSet, ItemSet, PairSet, ReadOptions } from '../data/types.js';
import { loadModel } from '../models/file.js';
import type { FusionModel } from '../models/model.js';

export class CliError extends Error {
  override name = 'CliError';
}

/** "ENOSPC: no space left on device" from a system error, else its message. */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const sys = typeof err?.errno === 'number' ? getSystemErrorMap().get(err.errno) : undefined;
  return sys ? `${sys[0]}: ${sys[1]}` : err?.code ?? err?.message ?? String(e);
}

// ---- reading ----

/** Every regular file read so far: an output must be none of them. */
const inputs: { file: string; dev: number; ino: number }[] = [];

/** The text of `file` (UTF-8, a leading BOM dropped), remembered as an input. */
export function readText(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (st.isFile()) inputs.push({ file, dev: st.dev, ino: st.ino });
    const text = readFileSync(fd, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory, not a file` : `${file}: cannot read (${reason(e)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The name errors give standard input, read when a file is named `-`. */
export const STDIN = '<stdin>';

/** Bytes read a call: a bounded buffer, whatever the file's size. */
const CHUNK = 1 << 20;

/** Open `file` (or standard input for `-`) for reading, remembering a regular file as an input. */
function openInput(file: string): number {
  let fd: number | undefined;
  try {
    fd = file === '-' ? 0 : openSync(file, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (st.isFile()) inputs.push({ file: file === '-' ? 'standard input' : file, dev: st.dev, ino: st.ino });
    return fd;
  } catch (e) {
    if (fd !== undefined && fd !== 0) closeSync(fd);
    throw readError(file, e);
  }
}

function readError(file: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const name = file === '-' ? STDIN : file;
  return new CliError(code === 'ENOENT' ? `${name}: no such file` : code === 'EISDIR' ? `${name}: is a directory, not a file` : `${name}: cannot read (${reason(e)})`);
}

/**
 * Each piece of `file`'s bytes, read a bounded buffer at a time,
 * synchronously; `-` is standard input. One buffer is reused: a piece is
 * valid until the next is read.
 */
export function readPieces(file: string): Generator<Uint8Array> {
  return piecesOf(openInput(file), file);
}

/** The pieces of an open input, read synchronously; its descriptor is closed at the end (standard input's is kept). */
function* piecesOf(fd: number, file: string): Generator<Uint8Array> {
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { // a non-blocking standard input with nothing yet
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw readError(file, e);
      }
      if (!got) break;
      yield buf.subarray(0, got);
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/**
 * The same pieces, with a turn of the event loop between them (signals are
 * handled, workers' answers taken); also valid until the next. A regular file
 * is read here, synchronously: from the page cache that takes far less than a
 * hop to libuv's thread pool, whose thread would also compete with the scoring
 * threads for a core. Anything else (standard input, a pipe) is read asynchronously.
 */
export async function* readPiecesAsync(file: string): AsyncGenerator<Uint8Array> {
  const fd = openInput(file);
  if (fd !== 0 && fstatSync(fd).isFile()) {
    for (const piece of piecesOf(fd, file)) {
      yield piece;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return;
  }
  if (fd === 0) {
    try {
      for await (const b of process.stdin) yield b as Buffer;
    } catch (e) {
      throw readError(file, e);
    }
    return;
  }
  const fh = await openAsync(file, 'r').catch((e) => { throw readError(file, e); });
  closeSync(fd);
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null).catch((e) => { throw readError(file, e); });
      if (!bytesRead) break;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

export function readData(file: string, kind: 'pairs', opts?: ReadOptions, onRows?: (rows: number) => void): PairSet;
export function readData(file: string, kind: 'items', opts?: ReadOptions, onRows?: (rows: number) => void): ItemSet;
export function readData(file: string, kind?: 'pairs' | 'items', opts?: ReadOptions, onRows?: (rows: number) => void): DataSet;
/**
 * A data file, read a bounded buffer at a time into columns (`-`: standard
 * input); `onRows` hears the rows read so far after each buffer. Pairs whose
 * every label is a tie are refused (nothing to learn or to score accuracy on).
 */
export function readData(file: string, kind?: 'pairs' | 'items', opts: ReadOptions = {}, onRows?: (rows: number) => void): DataSet {
  const reader = new DataReader(file === '-' ? STDIN : file, kind, opts);
  for (const piece of readPieces(file)) {
    reader.push(piece);
    onRows?.(reader.rows);
  }
  const data = reader.end();
  if (data.kind === 'pairs' && data.label.every((t) => t === 0.5)) {
    throw new DataError(data.source, 0, 'label', 'every pair is a tie; training and accuracy need at least one pair labelled "a" or "b"');
  }
  return data;
}

export function readModel(file: string): FusionModel {
  return loadModel(readText(file), file);
}

// ---- writing ----

/** Where an output goes: a descriptor of ours, a path written in place, or a regular file replaced by rename. */
type Target =
  | { how: 'fd'; fd: 1 | 2 }
  | { how: 'in place'; path: string }
  | { how: 'rename'; path: string; mode?: number };

/** Names of our own standard output and error: written through the descriptor, never reopened. */
const OWN_FD = new Map<string, 1 | 2>([
  ['/dev/stdout', 1], ['/dev/fd/1', 1], ['/proc/self/fd/1', 1],
  ['/dev/stderr', 2], ['/dev/fd/2', 2], ['/proc/self/fd/2', 2],
]);

/**
 * Refuse `file` as an output early, before long work, when it cannot or must
 * not be written: a directory, a missing directory, the same file as an input.
 * writeOutput checks again.
 */
export function checkOutput(file: string): void {
  target(file);
}

function target(file: string): Target {
  const fd = OWN_FD.get(file);
  if (fd) {
    notAnInput(file, fstat(fd, file));
    return { how: 'fd', fd };
  }
  let st: Stats | undefined;
  try {
    st = statSync(file); // follows symlinks
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new CliError(`${file}: cannot write (${reason(e)})`);
  }
  if (!st) {
    // a new file, perhaps at the end of a dangling symlink: create the link's target
    const path = linkTarget(file);
    let dir: Stats;
    try {
      dir = statSync(dirname(path));
    } catch {
      throw new CliError(`${file}: cannot write (no such directory: ${dirname(path)})`);
    }
    if (!dir.isDirectory()) throw new CliError(`${file}: cannot write (${dirname(path)} is not a directory)`);
    return writable(file, { how: 'rename', path });
  }
  if (st.isDirectory()) throw new CliError(`${file}: is a directory, not a file`);
  if (!st.isFile()) return { how: 'in place', path: file };
  notAnInput(file, st);
  return writable(file, { how: 'rename', path: realpathSync(file), mode: st.mode & 0o7777 });
}

/** The target, once its directory takes new files (the temporary one). */
function writable(file: string, t: Target & { how: 'rename' }): Target {
  try {
    accessSync(dirname(t.path), constants.W_OK);
  } catch (e) {
    throw new CliError(`${file}: cannot write (${reason(e)})`);
  }
  return t;
}

function fstat(fd: number, file: string): Stats {
  try {
    return fstatSync(fd);
  } catch (e) {
    throw new CliError(`${file}: cannot write (${reason(e)})`);
  }
}

function notAnInput(file: string, st: Stats): void {
  if (!st.isFile()) return;
  const same = inputs.find((i) => i.dev === st.dev && i.ino === st.ino);
  if (same) throw new CliError(`${file}: refusing to write over an input (it is the same file as ${same.file})`);
}

/** The path a chain of symlinks ends at (which need not exist). */
function linkTarget(file: string): string {
  let path = resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      return path;
    }
    if (!st.isSymbolicLink()) return path;
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw new CliError(`${file}: cannot write (too many levels of symbolic links)`);
}

/** Temporary files that exist now, removed if a signal ends the process. */
const pending = new Set<string>();
let trapping = false;

// A handler runs only between synchronous calls, so a signal that arrives
// while a temporary file is written takes effect after the rename, or after
// the temporary file is removed: either way none is left behind. The signal
// is then raised again with its default action, so the exit status says so.
function trapSignals(): void {
  if (trapping) return;
  trapping = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const tmp of pending) rmSync(tmp, { force: true });
      pending.clear();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Write all of `data` to fd, through short writes and a non-blocking descriptor's EAGAIN. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/**
 * Write `text` (or bytes) to `file`: whole or not at all for a regular file (through a
 * temporary file and a rename), in place for a device, FIFO or /dev/stdout.
 */
export function writeOutput(file: string, text: string | Uint8Array): void {
  const t = target(file);
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (t.how === 'fd') {
    try {
      writeAll(t.fd, data);
    } catch (e) {
      throw new CliError(`${file}: cannot write (${reason(e)})`);
    }
    return;
  }
  if (t.how === 'in place') {
    let fd: number | undefined;
    try {
      fd = openSync(t.path, 'w');
      writeAll(fd, data);
    } catch (e) {
      throw new CliError(`${file}: cannot write (${reason(e)})`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return;
  }
  trapSignals();
  const tmp = `${t.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  pending.add(tmp);
  try {
    fd = openSync(tmp, 'wx'); // exclusive: never through something planted at that name
    if (t.mode !== undefined) fchmodSync(fd, t.mode);
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, t.path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new CliError(`${file}: cannot write (${reason(e)})`);
  } finally {
    pending.delete(tmp);
    // two more turns of the event loop (the first starts watching for signals,
    // the second reads them), so that a signal that came during the write is acted on
    setImmediate(() => setImmediate(() => {}));
  }
}

/**
 * An output written a piece at a time, with writeOutput's guarantees: a
 * regular file (or a new path) is written to a temporary file beside it and
 * renamed over it by close(); abort() removes it. `undefined` or `-` is
 * standard output. Writes to standard output, a device or a file written in
 * place are held until `hold` bytes have gathered, so that a short output
 * that fails is not partly written anywhere; a temporary file, which abort()
 * removes, is written a megabyte at a time (memory stays flat).
 */
export class Output {
  private fd: number;
  private tmp: string | undefined;
  /** what is held, in a buffer that is reused (writes are copied: a caller may reuse its bytes) */
  private held = Buffer.alloc(0);
  private heldBytes = 0;
  private done = false;

  constructor(readonly file: string | undefined, private hold = 16 << 20) {
    const name = this.name;
    if (file === undefined || file === '-') {
      notAnInput(name, fstat(1, name));
      this.fd = 1;
      return;
    }
    const t = target(file);
    if (t.how === 'fd') { this.fd = t.fd; return; }
    try {
      if (t.how === 'in place') { this.fd = openSync(t.path, 'w'); return; }
      trapSignals();
      this.tmp = `${t.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      pending.add(this.tmp);
      this.fd = openSync(this.tmp, 'wx');
      this.hold = Math.min(this.hold, 1 << 20);
      if (t.mode !== undefined) fchmodSync(this.fd, t.mode);
      this.final = t.path;
    } catch (e) {
      this.abort();
      throw new CliError(`${file}: cannot write (${reason(e)})`);
    }
  }

  private final: string | undefined;

  private get name(): string {
    return this.file === undefined || this.file === '-' ? 'standard output' : this.file;
  }

  write(text: string | Uint8Array): void {
    const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (this.heldBytes + b.length < this.hold) {
      if (this.held.length < this.heldBytes + b.length) {
        const more = Buffer.allocUnsafe(Math.min(this.hold, Math.max(2 * this.held.length, this.heldBytes + b.length, 1 << 16)));
        more.set(this.held.subarray(0, this.heldBytes));
        this.held = more;
      }
      this.held.set(b, this.heldBytes);
      this.heldBytes += b.length;
      return;
    }
    // enough gathered: what is held, then this
    this.flush();
    this.put(b);
  }

  private flush(): void {
    const n = this.heldBytes;
    this.heldBytes = 0;
    if (n) this.put(this.held.subarray(0, n));
  }

  private put(data: Uint8Array): void {
    try {
      writeAll(this.fd, data);
    } catch (e) {
      this.abort();
      throw new CliError(`${this.name}: cannot write (${reason(e)})`);
    }
  }

  /** Everything written: flushed, and a temporary file synced and renamed into place. */
  close(): void {
    this.flush();
    if (this.done) return;
    this.done = true;
    try {
      if (this.tmp) {
        fsyncSync(this.fd);
        closeSync(this.fd);
        renameSync(this.tmp, this.final!);
        pending.delete(this.tmp);
      } else if (this.fd > 2) {
        closeSync(this.fd);
      }
    } catch (e) {
      if (this.tmp) { rmSync(this.tmp, { force: true }); pending.delete(this.tmp); }
      throw new CliError(`${this.name}: cannot write (${reason(e)})`);
    } finally {
      setImmediate(() => setImmediate(() => {}));
    }
  }

  /** Give up: a temporary file is removed, the target untouched. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.heldBytes = 0;
    try {
      if (this.fd > 2) closeSync(this.fd);
    } catch {
      // closing is all that is left to do
    }
    if (this.tmp) { rmSync(this.tmp, { force: true }); pending.delete(this.tmp); }
  }
}

let stdoutChecked = false;

/** `text` to standard output; a write error (ENOSPC, EPIPE, EIO) is a CliError. */
export function writeStdout(text: string): void {
  if (!stdoutChecked) {
    stdoutChecked = true;
    notAnInput('standard output', fstat(1, 'standard output'));
  }
  try {
    writeAll(1, Buffer.from(text, 'utf8'));
  } catch (e) {
    throw new CliError(`standard output: cannot write (${reason(e)})`);
  }
}

/** `text` to standard error; there is nowhere to report a failure, so none is. */
export function writeStderr(text: string): void {
  try {
    writeAll(2, Buffer.from(text, 'utf8'));
  } catch {
    // standard error is gone: the exit status still tells
  }
}
