// The protocols of reward-model servers: how a batch of samples becomes one
// request body, and how the answer becomes one score a sample (null where the
// answer has none). An answer of the wrong shape throws BadAnswer: the whole
// call is then a masked model, never a crash.
//
//   vllm      POST /classify {"model", "input": [str], "use_activation": false}
//             → {"data": [{"index", "probs": [float, …]}, …]}            score = probs[index]
//   tei       POST /predict {"inputs": [[str] | [str, str], …], "raw_scores": true}
//             → [[{"score", "label"}, …], …]                             score = the label's (or the first)
//   openrlhf  POST /get_reward {"query": [str], "prompts": [str], "labels": […]}
//             → {"rewards": [float], …}                                  score = rewards[i]
//   json      POST <url> {<inputField>: [str | [str, str]], …body}
//             → anything; scorePath "scores" or "results.*.score"
import type { Upstream1 } from './config.js';

/** One sample as every adapter sees it. */
export interface Sample {
  prompt: string;
  response: string;
  /** the text as the trainer formatted it (OpenRLHF's query), or prompt + response */
  query: string;
  label?: unknown;
}

export class BadAnswer extends Error {
  override name = 'BadAnswer';
}

/** The one string the RM reads for input 'query'. */
export function inputText(u: Upstream1, s: Sample): string {
  if (u.template === undefined) return s.query;
  return u.template.replace(/\{(prompt|response|query)\}/g, (_, k: 'prompt' | 'response' | 'query') => s[k]);
}

function inputs(u: Upstream1, batch: Sample[]): (string | string[])[] {
  return u.input === 'pair' ? batch.map((s) => [s.prompt, s.response]) : batch.map((s) => inputText(u, s));
}

export function requestBody(u: Upstream1, batch: Sample[]): unknown {
  switch (u.type) {
    case 'vllm':
      return { model: u.model, input: inputs(u, batch), use_activation: false };
    case 'tei':
      // always the batch form, [[text] | [prompt, response]], so one input is not read as a pair
      return { inputs: inputs(u, batch).map((x) => (typeof x === 'string' ? [x] : x)), raw_scores: true };
    case 'openrlhf':
      return { query: batch.map((s) => inputText(u, s)), prompts: batch.map((s) => s.prompt), labels: batch.map((s) => s.label ?? null) };
    case 'json':
      return { ...u.body, [u.inputField]: inputs(u, batch) };
  }
}

/** A score as an RM gave it: the number; null where it gave none (missing); NaN where it gave something else (invalid: a string, null, 1e300). */
const score = (x: unknown): number | null => (x === undefined ? null : typeof x === 'number' && Math.abs(x) <= 1e30 ? x : NaN);

function list(x: unknown, n: number, what: string): unknown[] {
  if (!Array.isArray(x)) throw new BadAnswer(`${what}: expected a list, got ${typeof x}`);
  if (x.length !== n) throw new BadAnswer(`${what}: expected ${n} entries, got ${x.length}`);
  return x;
}

function walk(x: unknown, path: (string | number)[]): unknown {
  for (const p of path) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Record<string | number, unknown>)[p];
  }
  return x;
}

/** The answer to a call of n samples → n scores (null: none for that sample; NaN: not a valid score). */
export function parseAnswer(u: Upstream1, body: unknown, n: number): (number | null)[] {
  switch (u.type) {
    case 'vllm': {
      const data = list(walk(body, ['data']), n, 'data');
      const out: (number | null)[] = new Array(n).fill(null);
      data.forEach((d, j) => {
        const i = walk(d, ['index']);
        const at = typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < n ? i : j;
        out[at] = score(walk(d, ['probs', u.index]));
      });
      return out;
    }
    case 'tei':
      return list(body, n, 'predictions').map((preds) => {
        if (!Array.isArray(preds)) return null;
        const p = u.label === undefined ? preds[0] : preds.find((q) => walk(q, ['label']) === u.label);
        return score(walk(p, ['score']));
      });
    case 'openrlhf':
      return list(walk(body, [u.scoreKey]), n, u.scoreKey).map(score);
    case 'json': {
      const star = u.scorePath.indexOf('*');
      if (star < 0) return list(walk(body, u.scorePath), n, u.scorePath.join('.')).map(score);
      const rest = u.scorePath.slice(star + 1);
      return list(walk(body, u.scorePath.slice(0, star)), n, u.scorePath.slice(0, star).join('.') || 'the answer').map((x) => score(walk(x, rest)));
    }
  }
}
