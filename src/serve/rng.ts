// A small seeded generator for retry jitter (xorshift32). Serving must not
// use Math.random: a seed gives the same backoff schedule in every run.

export class XorShift32 {
  private s: number;

  constructor(seed: number) {
    // splitmix-style scramble, so seeds 0, 1, 2 … start far apart; never 0
    let x = (seed | 0) ^ 0x9e3779b9;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    this.s = (x ^ (x >>> 16)) >>> 0 || 0x6d2b79f5;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
}
