// Progress on a terminal (a Node stream): a bar or a phase redrawn in place, plain lines otherwise.
import type { EpochReport } from '../train/options.js';

export function progress(stream: NodeJS.WriteStream, epochs: number, nets: number): (e: EpochReport) => void {
  let net = 0, last = Infinity;
  const tty = stream.isTTY === true;
  return (e) => {
    if (e.epoch < last) net++;
    last = e.epoch;
    const val = e.valLoss === null ? '' : `  val ${e.valLoss.toFixed(4)}`;
    const line = `net ${net}/${nets}  epoch ${String(e.epoch).padStart(String(epochs).length)}/${epochs}  train ${e.trainLoss.toFixed(4)}${val}  ${Math.round(e.samplesPerSecond)} samples/s`;
    if (tty) {
      const width = 20, done = Math.round((width * e.epoch) / epochs);
      stream.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${line}\x1b[K`);
    } else {
      stream.write(line + '\n');
    }
  };
}

export function endProgress(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\n');
}

/** A phase of a long job (choosing, fitting, writing): redrawn in place on a terminal, a line otherwise. */
export function note(stream: NodeJS.WriteStream, message: string): void {
  stream.write(stream.isTTY ? `\r${message}\x1b[K` : `${message}\n`);
}
