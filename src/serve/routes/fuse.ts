// POST /v1/fuse:
//   {"items": [{"scores": {rm: number|null}, "features"?, "id"?}]}     the caller's scores
//   {"samples": [{"prompt", "response", "query"?, "features"?, "id"?}]}  fanned out to the upstreams
//   → {"models", "results": [{"id"?, "status", "reward", "uncertainty", "conservative", "combiner"?, "scores", "missing", "weights"?}]}
import type { Sample } from '../adapters.js';
import { json, serverTiming } from '../answer.js';
import type { Route } from '../context.js';
import { bad, isObj, list, namedValues, readObject, str } from '../request.js';

export const fuse: Route = {
  path: '/v1/fuse',
  method: 'POST',
  name: 'fuse',
  async run(c, req) {
    const { o, K, F, model } = c;
    const b = await readObject(req, o.maxBodyBytes, '{"items": […]} or {"samples": […]}');
    if ((b.items === undefined) === (b.samples === undefined)) bad(b.items === undefined ? 'items' : 'samples', 'send either "items" (with scores) or "samples" (prompt and response), not both or neither');
    const field = b.items !== undefined ? 'items' : 'samples';
    const rows = list(b[field], field, o.maxItems);
    const n = rows.length;
    const f = new Float32Array(n * F).fill(NaN);
    const ids: unknown[] = new Array(n);
    let x: Float32Array, waited = 0;
    if (field === 'items') {
      x = new Float32Array(n * K).fill(NaN);
      for (let i = 0; i < n; i++) {
        const it = rows[i];
        if (!isObj(it)) bad(`items[${i}]`, 'expected an object {"scores": {rm: number | null}, "features"?: {…}}');
        const item = it as Record<string, unknown>;
        namedValues(item.scores, `items[${i}].scores`, c.modelIndex, x, i, 'model');
        if (item.features !== undefined) namedValues(item.features, `items[${i}].features`, c.featureIndex, f, i, 'feature');
        ids[i] = item.id;
      }
    } else {
      const samples = rows.map((it, i): Sample => {
        if (!isObj(it)) bad(`samples[${i}]`, 'expected an object {"prompt": str, "response": str}');
        const sm = it as Record<string, unknown>;
        const prompt = str(sm.prompt, `samples[${i}].prompt`), response = str(sm.response, `samples[${i}].response`);
        if (sm.features !== undefined) namedValues(sm.features, `samples[${i}].features`, c.featureIndex, f, i, 'feature');
        ids[i] = sm.id;
        return { prompt, response, query: sm.query === undefined ? prompt + response : str(sm.query, `samples[${i}].query`), label: sm.label };
      });
      c.needUpstreams('samples');
      ({ x, waited } = await c.fanOut(samples));
    }
    const s = await c.fuse(x, f, n);
    c.count('fuse', s.status);
    const results = new Array(n);
    for (let i = 0; i < n; i++) {
      const scores: Record<string, number | null> = {}, missing: string[] = [];
      for (let k = 0; k < K; k++) {
        const v = x[i * K + k];
        scores[model.models[k]] = v === v ? v : null;
        if (v !== v) missing.push(model.models[k]);
      }
      const r: Record<string, unknown> = {};
      if (ids[i] !== undefined) r.id = ids[i];
      r.status = s.status[i];
      const scored = s.status[i] !== 'unscored';
      r.reward = scored ? s.reward[i] : null;
      r.uncertainty = scored ? s.uncertainty[i] : null;
      r.conservative = scored ? s.conservative[i] : null;
      if (model.anchor) r.combiner = s.combiner;
      r.scores = scores;
      r.missing = missing;
      if (s.weights && scored) r.weights = Object.fromEntries(model.models.map((m, k) => [m, s.weights![i * K + k]]));
      results[i] = r;
    }
    return json(200, { models: model.models, results }, field === 'samples' ? { 'server-timing': serverTiming(waited) } : {});
  },
};
