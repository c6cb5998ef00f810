// POST /get_reward, OpenRLHF's remote reward model:
//   {"query": [str], "prompts"?: [str], "labels"?: […]}
//   → {"rewards": [float], "scores": [float], "extra_logs": {name: [float]}}
// Each query goes to every upstream; a sample below the quorum gets the fallback reward.
import { sigmoid } from '../../models/math.js';
import type { Sample } from '../adapters.js';
import { serverTiming } from '../answer.js';
import type { Route } from '../context.js';
import { list, readObject, sameLength, strings } from '../request.js';

/** a number as JSON.stringify writes it */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null');
const finite = (x: number, dflt: number) => (Number.isFinite(x) ? x : dflt);
/** the features of rows when the model has none */
const NO_FEATURES = new Float32Array(0);

export const getReward: Route = {
  path: '/get_reward',
  method: 'POST',
  name: 'get_reward',
  async run(c, req) {
    const { o, K, F, model } = c;
    const b = await readObject(req, o.maxBodyBytes, '{"query": [str], "prompts": [str], "labels": […]}');
    const query = strings(b.query, 'query', o.maxItems);
    const n = query.length;
    const prompts = b.prompts == null ? null : strings(b.prompts, 'prompts', o.maxItems);
    if (prompts) sameLength(prompts, 'prompts', n, 'query');
    const labels = b.labels == null ? null : list(b.labels, 'labels', o.maxItems);
    if (labels) sameLength(labels, 'labels', n, 'query');
    c.needUpstreams('query');
    const samples = query.map((q, i): Sample => {
      const p = prompts ? prompts[i] : '';
      // the response: what follows the prompt in the query (the query may start with a BOS the prompt lacks)
      const at = p ? q.indexOf(p) : -1;
      return { query: q, prompt: p, response: at >= 0 ? q.slice(at + p.length) : q, label: labels?.[i] };
    });
    const { x, waited } = await c.fanOut(samples);
    const s = await c.fuse(x, F ? new Float32Array(n * F).fill(NaN) : NO_FEATURES, n);
    c.count('get_reward', s.status);
    const picked = o.reward === 'conservative' ? s.conservative : s.reward;
    // the answer's lists, written as JSON.stringify would write them (every number finite), without building them as arrays first
    let rewards = '', scores = '', uncertainty = '', missing = '', degraded = '', fallback = '', net = '';
    for (let i = 0; i < n; i++) {
      const scored = s.status[i] !== 'unscored' && Number.isFinite(picked[i]);
      const reward = scored ? picked[i] : o.fallbackReward;
      const sep = i ? ',' : '';
      rewards += sep + num(reward);
      scores += sep + num(finite(sigmoid((reward - o.scoreCenter) / o.scoreScale), 0.5));
      uncertainty += sep + num(scored ? finite(s.uncertainty[i], 0) : 0);
      missing += sep + (K - s.present[i]);
      degraded += sep + (s.status[i] === 'ok' && scored ? '0' : '1');
      fallback += sep + (scored ? '0' : '1');
      net += sep + (s.combiner === 'net' ? '1' : '0');
    }
    // a model that can choose (a net with an anchor) says, per sample, whether its net scored
    const chose = model.anchor ? `,"net_scored":[${net}]` : '';
    const text = `{"rewards":[${rewards}],"scores":[${scores}],"extra_logs":{"uncertainty":[${uncertainty}],"models_missing":[${missing}],"degraded":[${degraded}],"fallback":[${fallback}]${chose}}}`;
    return { status: 200, headers: { 'content-type': 'application/json', 'server-timing': serverTiming(waited) }, body: text };
  },
};
