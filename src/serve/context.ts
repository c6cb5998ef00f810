// What every route shares: the checked options, the metrics, the upstreams
// (a request's samples fanned out to all of them), and the fusion model
// (rows fused with other requests' of the same turn, each row's status
// against the quorum).
import type { Combiner, FusionModel } from '../models/model.js';
import type { Sample } from './adapters.js';
import type { Answer, RequestLike } from './answer.js';
import type { Checked } from './config.js';
import { HttpError } from './errors.js';
import type { Metrics, Series } from './metrics.js';
import { XorShift32 } from './rng.js';
import { ServeShift } from './shift.js';
import { UpstreamClient, type Job } from './upstream.js';

/** A route: its path and method, and what answers a request that passed the checks. */
export interface Route {
  path: string;
  method: 'GET' | 'POST';
  /** its label in the metrics */
  name: string;
  /** answered without the token (a liveness probe carries none) */
  open?: boolean;
  run(c: ServeContext, req: RequestLike): Answer | Promise<Answer>;
}

export type Status = 'ok' | 'degraded' | 'unscored';

export interface Fused {
  reward: Float32Array;
  uncertainty: Float32Array;
  conservative: Float32Array;
  weights?: Float32Array;
  /** models with a score, per row */
  present: Int32Array;
  status: Status[];
  /** which combiner scored the rows (serve/shift.ts) */
  combiner: Combiner;
}

export class ServeContext {
  readonly K: number;
  readonly F: number;
  readonly modelIndex: Map<string, number>;
  readonly featureIndex: Map<string, number>;
  readonly clients: UpstreamClient[];
  /** requests being handled (the handler counts them) */
  inFlight = 0;
  private readonly shift: ServeShift;
  private readonly itemSeries = new Map<string, Series>();

  constructor(readonly model: FusionModel, readonly o: Checked, readonly metrics: Metrics) {
    this.K = model.models.length;
    this.F = model.features.length;
    this.modelIndex = new Map(model.models.map((m, k) => [m, k]));
    this.featureIndex = new Map(model.features.map((f, j) => [f, j]));
    const rng = new XorShift32(o.seed);
    this.clients = o.upstreams.map((u) => new UpstreamClient(u, o.fetch, metrics, rng));
    this.shift = new ServeShift(model, metrics);
  }

  /** 503 when the server has no upstreams to score samples with. */
  needUpstreams(field: string): void {
    if (!this.clients.length) throw new HttpError(503, `${field}: this server has no upstreams to score samples with (start it with --upstreams, or send "items" with scores to /v1/fuse)`, 'upstreams');
  }

  /**
   * Each sample's score from every upstream (NaN where a model gave none in
   * time), and how long the request waited on the upstreams (ms): from its
   * first call sent, or its samples queued behind busy call slots, to its
   * last answer; the rest, its reading and batching included, is the server's own.
   */
  fanOut(samples: Sample[]): Promise<{ x: Float32Array; waited: number }> {
    const { K, clients, o } = this;
    const n = samples.length;
    const x = new Float32Array(n * K).fill(NaN);
    if (!n || !clients.length) return Promise.resolve({ x, waited: 0 });
    return new Promise((resolve) => {
      let pending = n * clients.length;
      /** (n, K): 1 where the upstream of column k has answered row i */
      const got = new Uint8Array(n * K);
      const finish = () => {
        if (job.done) return;
        job.done = true;
        clearTimeout(timer);
        const now = performance.now();
        if (pending) for (const c of clients) {
          let late = 0;
          for (let i = 0; i < n; i++) late += 1 - got[i * K + c.u.k];
          if (late) c.masked('timeout', late); // the deadline came first
        }
        resolve({ x, waited: job.waiting < now ? now - job.waiting : 0 });
      };
      const job: Job = {
        done: false,
        deadline: performance.now() + o.deadlineMs,
        waiting: Infinity,
        put(row, k, v) {
          if (job.done) return;
          got[row * K + k] = 1;
          if (v !== null) x[row * K + k] = v;
          if (--pending === 0) finish();
        },
      };
      const timer = setTimeout(finish, o.deadlineMs);
      for (const c of clients) for (let i = 0; i < n; i++) c.submit(job, i, samples[i]);
    });
  }

  /** The fusion model's scores (fused with other requests' rows of the same turn), with each row's status against the quorum. */
  async fuse(x: Float32Array, f: Float32Array, n: number): Promise<Fused> {
    const { K, o } = this;
    const present = new Int32Array(n);
    const status: Status[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let k = 0; k < K; k++) if (x[i * K + k] === x[i * K + k]) c++;
      present[i] = c;
      status[i] = c === K ? 'ok' : c >= o.minModels ? 'degraded' : 'unscored';
    }
    // the net, or its anchor where these rows (or, for a few, the recent ones) look unlike the training data
    const { batch, combiner } = this.shift.pick(x, n);
    if (!n) return { reward: new Float32Array(0), uncertainty: new Float32Array(0), conservative: new Float32Array(0), present, status, combiner };
    // x and f are already in the model's columns: scoreAligned (in the batch) is what score() would call on them, without its checks and copies
    const s = await batch.score(x, f, n);
    if (!(s instanceof Error)) return { reward: s.reward, uncertainty: s.uncertainty, conservative: s.conservative, weights: s.weights, present, status, combiner };
    this.metrics.inc('rewardfuse_fusion_errors_total');
    const z = new Float32Array(n);
    return { reward: z, uncertainty: z, conservative: z, present, status: status.fill('unscored'), combiner };
  }

  /** Count a route's items by status. */
  count(route: string, status: Status[]): void {
    for (const st of status) {
      let c = this.itemSeries.get(route + st);
      if (!c) this.itemSeries.set(route + st, (c = this.metrics.series('rewardfuse_items_total', { route, status: st })));
      c.value++;
    }
  }
}
