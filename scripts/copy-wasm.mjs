// Ships the .wasm beside the built JS, for hosts that import it as a module
// (Cloudflare Workers) or compile it themselves.
import { copyFileSync } from 'node:fs';

copyFileSync(new URL('../build/rewardfuse.wasm', import.meta.url), new URL('../dist/rewardfuse.wasm', import.meta.url));
