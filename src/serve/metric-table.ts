// Every metric the server's /metrics shows, in the order it prints them:
// name, kind, help. The handler defines them all at once (serveMetrics);
// node/process-metrics.ts adds the process's own.
import { Metrics, type Kind } from './metrics.js';

export const METRICS: readonly (readonly [name: string, kind: Kind, help: string])[] = [
  ['rewardfuse_requests_total', 'counter', 'Requests answered, by route and HTTP status.'],
  ['rewardfuse_request_duration_seconds', 'histogram', 'Time from a request to its answer, by route.'],
  ['rewardfuse_requests_in_flight', 'gauge', 'Requests being handled.'],
  ['rewardfuse_items_total', 'counter', 'Items and samples answered, by route and status (ok, degraded: some models masked, unscored: below the quorum).'],
  ['rewardfuse_upstream_calls_total', 'counter', 'Batched calls to each upstream, by final outcome.'],
  ['rewardfuse_upstream_errors_total', 'counter', 'Failed tries of upstream calls, by kind (connect, timeout, http_5xx, http_429, http_4xx, too_large: refused as too large with nothing left to split, bad_answer).'],
  ['rewardfuse_upstream_timeouts_total', 'counter', 'Upstream tries that hit their timeout.'],
  ['rewardfuse_upstream_retries_total', 'counter', 'Upstream tries after the first.'],
  ['rewardfuse_upstream_masked_total', 'counter', 'Samples for which a model was masked without a call, by reason.'],
  ['rewardfuse_masked_rows_total', 'counter', 'Samples answered without a model\'s score, by upstream and reason: missing (its answer had no score for the sample), invalid (not a finite number within 1e30), timeout (its call timed out, or the request\'s deadline came first), error (any other failed call, or its breaker open).'],
  ['rewardfuse_upstream_splits_total', 'counter', 'Calls refused as too large (413, or 422 naming the batch size) and split (in pieces of the limit named, else in halves).'],
  ['rewardfuse_upstream_call_duration_seconds', 'histogram', 'Time of each batched upstream call, retries included.'],
  ['rewardfuse_upstream_batch_size', 'histogram', 'Samples in each batched upstream call.'],
  ['rewardfuse_upstream_inflight', 'gauge', 'Upstream calls in flight.'],
  ['rewardfuse_upstream_breaker_state', 'gauge', 'Circuit breaker of each upstream: 0 closed, 1 open, 2 half-open.'],
  ['rewardfuse_upstream_breaker_transitions_total', 'counter', 'Circuit breaker changes, by the state entered.'],
  ['rewardfuse_fusion_errors_total', 'counter', 'Batches the fusion model could not score (answered as unscored).'],
  ['rewardfuse_shift_rows_total', 'counter', 'Rows scored, by combiner (net; anchor: the rows looked unlike the training data; rule) and by what decided (batch: the request itself, window: the recent rows).'],
  ['rewardfuse_shift_window_rows', 'gauge', 'Rows in the shift check\'s rolling window of recent requests.'],
  ['rewardfuse_shift_window_auc', 'gauge', 'The rolling window\'s domain-classifier AUC against the training data (NaN until it holds enough rows).'],
  ['rewardfuse_shift_window_net', 'gauge', '1 when the window\'s decision lets the net score small requests, 0 when the anchor does.'],
];

/** A registry with every metric of METRICS defined. */
export function serveMetrics(): Metrics {
  const m = new Metrics();
  for (const [name, kind, help] of METRICS) m.define(name, kind, help);
  return m;
}
