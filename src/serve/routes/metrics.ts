// GET /metrics: Prometheus text (version 0.0.4), the table of metric-table.ts
// and whatever the host adds (o.moreMetrics: node/process-metrics.ts).
import type { Route } from '../context.js';

export const metrics: Route = {
  path: '/metrics',
  method: 'GET',
  name: 'metrics',
  run(c) {
    for (const u of c.clients) u.state(); // an open breaker past its cooldown shows as half-open
    c.metrics.set('rewardfuse_requests_in_flight', {}, c.inFlight - 1);
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: c.metrics.render() + (c.o.moreMetrics?.() ?? '') };
  },
};
