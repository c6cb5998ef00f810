// A Cloudflare Worker (run by workerd through miniflare): workerd will not
// compile wasm from bytes, so the package's .wasm comes in as a module and
// goes to init(). POST a model file; get the bits of the fixed items' scores.
// ?repeat=N scores one item N more times, for timing from outside.
import wasm from '../../dist/rewardfuse.wasm';
import * as lib from '../../dist/index.js';
import { subsetItems } from '../../dist/data.js';
import { fixedItems, scoreBits } from '../fixed-run.mjs';

export default {
  async fetch(request) {
    await lib.init(wasm);
    const text = await request.text();
    const bits = scoreBits(lib, text);
    const repeat = Number(new URL(request.url).searchParams.get('repeat') ?? 0);
    if (repeat > 0) {
      const model = lib.loadModel(text);
      const one = subsetItems(fixedItems(lib), [0]);
      for (let i = 0; i < repeat; i++) model.score(one);
    }
    return Response.json({ bits });
  },
};
