// Loading the kernels: one compiled module, one instance (and so one memory,
// one arena, one random generator) per model. The bytes are inlined at build
// time, so nothing here touches fs or fetch. The module imports nothing and
// exports only functions of numbers, so the plain WebAssembly API is all it
// needs: @assemblyscript/loader's wrappers cost a closure call per kernel
// call, and its bare import would stop a browser loading dist/ unbundled.
import { wasmBase64 } from './wasm-inline.js';
import { fromBase64 } from './base64.js';

// The Kernels interface is generated from the build (scripts/gen-kernels.mjs),
// so it lists exactly the module's numeric exports, with their parameter
// names; the text exports (assembly/text/) have their own, src/score's.
import type { Kernels } from './kernels.gen.js';
export type { Kernels, Ptr } from './kernels.gen.js';

let compiled: WebAssembly.Module | undefined;

const inlineBytes = () => fromBase64(wasmBase64);

/**
 * Compile the kernels once. Call it (and await it) before building a model in
 * a browser, where large modules may not compile synchronously. Pass a
 * `WebAssembly.Module` where the host compiles wasm itself (Cloudflare Workers
 * import `rewardfuse/rewardfuse.wasm` as a module), or the .wasm bytes.
 */
export async function init(source?: WebAssembly.Module | BufferSource): Promise<void> {
  if (source instanceof WebAssembly.Module) {
    compiled = source;
    return;
  }
  if (compiled && !source) return;
  compiled = await WebAssembly.compile(source ?? inlineBytes());
}

/** A fresh instance with its own memory, as the engine sees it: its numeric kernels. */
export function newKernels(): Kernels {
  return newInstance() as unknown as Kernels;
}

/**
 * @internal A fresh instance's raw exports: newKernels' view, or src/score's
 * (assembly/text/). Compiles synchronously if init() was not awaited (Node, Deno, Bun).
 */
export function newInstance(): WebAssembly.Exports {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(inlineBytes());
    } catch (e) {
      throw new Error(`rewardfuse: could not compile the kernels synchronously here; await init() first (${(e as Error).message})`);
    }
  }
  return new WebAssembly.Instance(compiled, {}).exports;
}
