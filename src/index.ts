// rewardfuse: learn to fuse the scores of several reward models into one reward.
export { init } from './engine/wasm.js';
export { Mlp, type MlpOptions } from './models/mlp.js';
export type { ActivationKind, LossKind } from './engine/ops.js';
export type { AdamWOptions } from './engine/graph.js';
