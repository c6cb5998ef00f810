// GET /health: liveness, and each upstream's breaker. Open: a probe carries no token.
import { json } from '../answer.js';
import type { Route } from '../context.js';

export const health: Route = {
  path: '/health',
  method: 'GET',
  name: 'health',
  open: true,
  run(c) {
    const { clients, o, model } = c;
    const now = performance.now();
    const upstreams = Object.fromEntries(clients.map((u) => [u.u.name, { type: u.u.type, breaker: u.state(now) }]));
    const live = clients.filter((u) => u.state(now) !== 'open').length;
    const status = !clients.length || live >= o.minModels ? (live === clients.length ? 'ok' : 'degraded') : 'unavailable';
    return json(200, { status, models: model.models, features: model.features, minModels: o.minModels, upstreams });
  },
};
