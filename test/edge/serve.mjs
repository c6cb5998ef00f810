// Run by Deno and Bun: serve the handler of a model file (argv) on
// 127.0.0.1 with the runtime's own server, Deno.serve or Bun.serve, and print
// {"url"} once listening.
import process from 'node:process';
import { readFileSync } from 'node:fs';
import * as lib from '../../dist/index.js';

await lib.init();
const handler = lib.createHandler(lib.loadModel(readFileSync(process.argv[2], 'utf8')), {});
if (globalThis.Deno) {
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` })) }, handler);
} else {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.port}` }));
}
