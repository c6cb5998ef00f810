// init(), declared here without the kernels' types, so that the public API's
// .d.ts does not reach the engine's.
import { init as initKernels } from './engine/wasm.js';

/**
 * Compile the kernels once. Call it (and await it) before building a model in
 * a browser, where large modules may not compile synchronously. Pass a
 * `WebAssembly.Module` where the host compiles wasm itself (Cloudflare Workers
 * import `rewardfuse/rewardfuse.wasm` as a module), or the .wasm bytes.
 */
export const init: (source?: WebAssembly.Module | BufferSource) => Promise<void> = initKernels;
