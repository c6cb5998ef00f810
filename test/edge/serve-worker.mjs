// A Cloudflare Worker (run by workerd through miniflare) serving the fused
// reward with given scores: the model file comes in as the binding MODEL, the
// .wasm as a module. examples/serve/worker.mjs is the same for users.
import wasm from '../../dist/rewardfuse.wasm';
import * as lib from '../../dist/index.js';

let handler;

export default {
  async fetch(request, env) {
    if (!handler) {
      await lib.init(wasm);
      handler = lib.createHandler(lib.loadModel(env.MODEL), {});
    }
    return handler(request);
  },
};
