// One upstream reward model: a queue of samples, coalesced into batched
// calls (at most `concurrency` in flight, `maxBatch` samples each), each call
// with a timeout and retries with jittered backoff (connect errors, timeouts,
// 5xx and 429 only), and a circuit breaker. A call the RM refuses as too large
// (413, or 422 naming the batch size, as TEI does past its
// --max-client-batch-size) is split (in pieces of the limit TEI names, else
// in halves), each called again, and later calls are kept under the size
// refused. Whatever happens, every sample gets exactly one answer: a score,
// or null (the model is masked for it, counted by reason).
//
//   closed ──(breakerFailures calls fail in a row)──▶ open ──(cooldown)──▶ half-open
//     ▲                                                 ▲                     │ one probe call
//     └──────────────────── probe succeeds ─────────────┴── probe fails ──────┘
import { parseAnswer, requestBody, type Sample } from './adapters.js';
import type { Upstream1, UpstreamFetch } from './config.js';
import { Metrics, type Series } from './metrics.js';
import type { XorShift32 } from './rng.js';

/** A request's share of the work: where the answers go, and when it stops waiting. */
export interface Job {
  /** set when the request is answered; later answers are dropped */
  done: boolean;
  /** performance.now() time by which the request is answered */
  deadline: number;
  /** performance.now() when it began to wait on the upstreams: its first call sent, or its samples queued behind busy call slots (Infinity until then) */
  waiting: number;
  /** score of sample `row` from model column `k` (null: none) */
  put(row: number, k: number, v: number | null): void;
}

interface Entry {
  job: Job;
  row: number;
  sample: Sample;
}

export type BreakerState = 'closed' | 'open' | 'half-open';
export const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

type Outcome = { ok: true; values: (number | null)[] } | { ok: false; kind: 'connect' | 'timeout' | 'http_4xx' | 'http_5xx' | 'http_429' | 'bad_answer' | 'too_large'; retryable: boolean; limit?: number };

/** Why a model's score is missing from a sample's row. */
export type MaskReason = 'missing' | 'invalid' | 'timeout' | 'error';

/** TEI's 422: "batch size 64 > maximum allowed batch size 32"; others' 422s that name a batch too large */
const TOO_LARGE = /batch|too (many|large)|exceed/i;
const TEI_LIMIT = /maximum allowed batch size (\d+)/;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * After the I/O of this turn of the event loop: every request read in the same
 * turn (Node runs each socket's callback and its microtasks apart) joins one
 * call. setImmediate where the runtime has it (Node, Bun, Deno), else a 0 ms timer.
 */
const nextTurn: (f: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function' ? (f) => void (globalThis as unknown as { setImmediate(f: () => void): unknown }).setImmediate(f) : (f) => void setTimeout(f, 0);

export class UpstreamClient {
  private queue: Entry[] = [];
  private inflight = 0;
  private scheduled = false;
  /** how many of the queue's first entries are already counted as waiting for a call slot */
  private marked = 0;
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  private breaker: BreakerState = 'closed';
  /** most samples a call: the policy's, lowered when the RM refuses a batch as too large */
  private maxBatch: number;
  private readonly labels: { upstream: string };
  /** every call's headers */
  private readonly headers: Record<string, string>;
  /** this upstream's series, held so that a call builds no label keys */
  private readonly series: { inflight: Series; duration: Series; batch: Series; timeouts: Series; retries: Series; splits: Series };
  private readonly byLabel = new Map<string, Series>();

  constructor(readonly u: Upstream1, private readonly fetch: UpstreamFetch, private readonly metrics: Metrics, private readonly rng: XorShift32) {
    this.labels = { upstream: u.name };
    this.maxBatch = u.policy.maxBatch;
    this.headers = Object.freeze({ 'content-type': 'application/json', ...u.headers }); // frozen: a fetch may keep what it makes of it
    this.series = {
      inflight: metrics.series('rewardfuse_upstream_inflight', this.labels),
      duration: metrics.series('rewardfuse_upstream_call_duration_seconds', this.labels),
      batch: metrics.series('rewardfuse_upstream_batch_size', this.labels),
      timeouts: metrics.series('rewardfuse_upstream_timeouts_total', this.labels),
      retries: metrics.series('rewardfuse_upstream_retries_total', this.labels),
      splits: metrics.series('rewardfuse_upstream_splits_total', this.labels),
    };
    metrics.set('rewardfuse_upstream_breaker_state', this.labels, 0);
  }

  /** The series of `name` for this upstream and one more label. */
  private labelled(name: string, label: string, value: string): Series {
    const key = `${name} ${value}`;
    let c = this.byLabel.get(key);
    if (!c) this.byLabel.set(key, (c = this.metrics.series(name, { upstream: this.u.name, [label]: value })));
    return c;
  }

  /** Count `n` samples answered without this model's score. */
  masked(reason: MaskReason, n = 1): void {
    this.labelled('rewardfuse_masked_rows_total', 'reason', reason).value += n;
  }

  /** The breaker as it stands now (an open one whose cooldown is over is half-open). */
  state(now = performance.now()): BreakerState {
    if (this.breaker === 'open' && now >= this.openUntil) this.setBreaker('half-open');
    return this.breaker;
  }

  submit(job: Job, row: number, sample: Sample): void {
    this.queue.push({ job, row, sample });
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.pump();
    };
    if (this.u.policy.batchWaitMs > 0) setTimeout(run, this.u.policy.batchWaitMs);
    else nextTurn(run);
  }

  private pump(): void {
    const p = this.u.policy;
    while (this.queue.length && this.inflight < p.concurrency) {
      const state = this.state();
      if (state === 'open' || (state === 'half-open' && this.probing)) {
        // masked while the breaker is open: answer now, call no one
        const masked = this.take(Infinity);
        for (const e of masked) e.job.put(e.row, this.u.k, null);
        if (masked.length) {
          this.metrics.inc('rewardfuse_upstream_masked_total', { upstream: this.u.name, reason: 'breaker_open' }, masked.length);
          this.masked('error', masked.length);
        }
        return;
      }
      const batch = this.take(this.maxBatch);
      if (!batch.length) return;
      if (state === 'half-open') this.probing = true;
      this.series.inflight.value = ++this.inflight;
      void this.call(batch).then(() => {
        this.series.inflight.value = --this.inflight;
        this.pump();
      });
    }
    // what is left waits for a call slot: waiting on the upstreams from now (each entry marked once)
    const q = this.queue;
    if (this.marked < q.length) {
      const now = performance.now();
      for (let i = this.marked; i < q.length; i++) if (now < q[i].job.waiting) q[i].job.waiting = now;
      this.marked = q.length;
    }
  }

  /** Up to `max` queued entries whose request still waits; drops the others. */
  private take(max: number): Entry[] {
    const q = this.queue, out: Entry[] = [];
    let i = 0;
    for (; i < q.length && out.length < max; i++) if (!q[i].job.done) out.push(q[i]);
    this.queue = i === q.length ? [] : q.slice(i);
    this.marked = Math.max(0, this.marked - i);
    return out;
  }

  /** One batched call, with its retries (or its pieces, if the RM refuses it as too large); never rejects. */
  private async call(batch: Entry[]): Promise<void> {
    const p = this.u.policy;
    const t0 = performance.now();
    let values: (number | null)[] | null = null;
    let outcome = 'ok';
    try {
      const body = JSON.stringify(requestBody(this.u, batch.map((e) => e.sample)));
      const sent = performance.now();
      for (let i = 0; i < batch.length; i++) if (sent < batch[i].job.waiting) batch[i].job.waiting = sent;
      for (let attempt = 0; ; attempt++) {
        let until = -Infinity;
        for (let i = 0; i < batch.length; i++) if (!batch[i].job.done && batch[i].job.deadline > until) until = batch[i].job.deadline;
        const left = until - performance.now();
        if (left <= 0) {
          outcome = 'abandoned'; // every request it served was answered without it
          break;
        }
        const r = await this.attempt(body, Math.min(p.timeoutMs, left), batch.length);
        if (r.ok) {
          values = r.values;
          outcome = attempt ? 'ok_after_retry' : 'ok';
          break;
        }
        if (r.kind === 'too_large' && batch.length > 1) {
          // not a failure of the RM: later calls stay under the size refused, and this one goes again in
          // pieces of the limit the RM named (TEI does), else in halves; the pieces are sent at once
          const size = r.limit !== undefined && r.limit < batch.length ? r.limit : Math.ceil(batch.length / 2);
          this.maxBatch = Math.max(1, Math.min(this.maxBatch, size, batch.length - 1));
          this.series.splits.value++;
          this.labelled('rewardfuse_upstream_calls_total', 'outcome', 'split').value++;
          const pieces: Promise<void>[] = [];
          for (let i = 0; i < batch.length; i += size) pieces.push(this.call(batch.slice(i, i + size)));
          await Promise.all(pieces);
          return;
        }
        outcome = r.kind;
        this.labelled('rewardfuse_upstream_errors_total', 'kind', r.kind).value++;
        if (r.kind === 'timeout') this.series.timeouts.value++;
        if (!r.retryable || attempt >= p.retries) break;
        const wait = p.backoffMs * 2 ** attempt * (0.5 + this.rng.next());
        if (performance.now() + wait >= until) break; // no time left to try again
        this.series.retries.value++;
        await sleep(wait);
      }
    } catch (e) {
      outcome = 'bad_answer'; // a request body that cannot be built, or an adapter bug: masked, not a crash
      this.labelled('rewardfuse_upstream_errors_total', 'kind', outcome).value++;
    }
    this.record(values !== null, outcome);
    this.labelled('rewardfuse_upstream_calls_total', 'outcome', outcome).value++;
    Metrics.observe(this.series.duration, (performance.now() - t0) / 1000);
    Metrics.observe(this.series.batch, batch.length);
    // rows whose request was answered before are counted there (a deadline's timeout)
    let missing = 0, invalid = 0, failed = 0;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i];
      if (e.job.done) continue;
      let v = values ? values[i] : null;
      if (v === null) values ? missing++ : failed++;
      else if (v !== v) {
        invalid++;
        v = null;
      }
      e.job.put(e.row, this.u.k, v);
    }
    if (missing) this.masked('missing', missing);
    if (invalid) this.masked('invalid', invalid);
    if (failed) this.masked(outcome === 'timeout' || outcome === 'abandoned' ? 'timeout' : 'error', failed);
  }

  private async attempt(body: string, timeoutMs: number, n: number): Promise<Outcome> {
    // a fetch that keeps its own timeout (the CLI's) is given it; any other gets an AbortController and a timer
    const timed = this.fetch.withTimeout !== undefined;
    const ac = timed ? null : new AbortController();
    const timer = ac ? setTimeout(() => ac.abort(), timeoutMs) : undefined;
    try {
      const res = ac
        ? await this.fetch(this.u.url, { method: 'POST', headers: this.headers, body, signal: ac.signal })
        : await this.fetch.withTimeout!(this.u.url, { method: 'POST', headers: this.headers, body }, timeoutMs);
      if (!res.ok) {
        const text = await res.text().catch(() => ''); // read, so the connection can be used again
        if (res.status === 413 || (res.status === 422 && TOO_LARGE.test(text))) {
          const m = TEI_LIMIT.exec(text);
          return { ok: false, kind: 'too_large', retryable: false, limit: m ? Number(m[1]) || undefined : undefined };
        }
        const kind = res.status === 429 ? 'http_429' : res.status >= 500 ? 'http_5xx' : 'http_4xx';
        return { ok: false, kind, retryable: kind !== 'http_4xx' };
      }
      const text = await res.text();
      try {
        return { ok: true, values: parseAnswer(this.u, JSON.parse(text), n) };
      } catch {
        return { ok: false, kind: 'bad_answer', retryable: false }; // not JSON, or not the protocol's shape (BadAnswer)
      }
    } catch (e) {
      const timedOut = ac ? ac.signal.aborted : (e as Error | null)?.name === 'TimeoutError';
      return timedOut ? { ok: false, kind: 'timeout', retryable: true } : { ok: false, kind: 'connect', retryable: true };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private record(ok: boolean, outcome: string): void {
    if (outcome === 'abandoned') {
      this.probing = false;
      return;
    }
    if (ok) {
      this.failures = 0;
      this.probing = false;
      if (this.breaker !== 'closed') this.setBreaker('closed');
      return;
    }
    this.failures++;
    if (this.probing || this.failures >= this.u.policy.breakerFailures) {
      this.probing = false;
      this.openUntil = performance.now() + this.u.policy.breakerCooldownMs;
      this.setBreaker('open');
    }
  }

  private setBreaker(s: BreakerState): void {
    if (s === 'open' || this.breaker !== s) this.metrics.inc('rewardfuse_upstream_breaker_transitions_total', { upstream: this.u.name, to: s });
    this.breaker = s;
    this.metrics.set('rewardfuse_upstream_breaker_state', this.labels, BREAKER_GAUGE[s]);
  }
}
