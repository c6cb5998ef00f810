// TensorFlow.js for the bench: the cpu backend, and the wasm backend with its
// binaries loaded from node_modules (single-threaded SIMD here: Node gives it
// no cross-origin-isolated threads). Its "install tfjs-node" hint is muted.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export const BACKENDS = ['wasm', 'cpu'];

const log = console.log, warn = console.warn;
const mute = (f) => (...a) => { if (!String(a[0]).includes('tfjs-node') && !/^=+$/.test(String(a[0]))) f(...a); };
console.log = mute(log);
console.warn = mute(warn);

export async function useBackend(name) {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not start`);
  await tf.ready();
}

await useBackend('wasm');
export const WASM_FLAGS = { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') };
