// A Cloudflare Worker that fuses given scores: POST /v1/fuse {"items": [{"scores": {rm: number|null}}]}.
// Workers refuse to compile wasm from bytes, so the package's .wasm comes in as
// a module and goes to init(). The model file is bundled as JSON.
//
//   wrangler.toml:  main = "worker.mjs"
//                   compatibility_date = "2025-01-01"
//                   [[rules]]
//                   type = "CompiledWasm"
//                   globs = ["**/*.wasm"]
//   model.json:     rewardfuse train pairs.jsonl -o model.json
//   npx wrangler deploy   (set a token: npx wrangler secret put REWARDFUSE_TOKEN)
//
// test/edge/serve-worker.mjs runs the same under workerd (miniflare).
import wasm from 'rewardfuse/rewardfuse.wasm';
import { init, createHandler, modelFromJSON } from 'rewardfuse';
import MODEL from './model.json';

let handler; // one per isolate: the model is parsed once, not per request

export default {
  async fetch(request, env) {
    if (!handler) {
      await init(wasm);
      handler = createHandler(modelFromJSON(MODEL, 'model.json'), { token: env.REWARDFUSE_TOKEN });
    }
    return handler(request);
  },
};
