// rewardfuse/engine: the numerical engine under the fusion models, for people
// who study or benchmark the kernels. Not needed to train or score.
export { init, newKernels, type Kernels } from './engine/wasm.js';
export { Arena } from './engine/arena.js';
export { Graph, type Tensor, type Param, type Op, type AdamWOptions } from './engine/graph.js';
export { Linear, Activation, Softmax, WeightedSum, Scale, Add, LOSSES, ACTIVATIONS, type ActivationKind, type LossKind } from './engine/ops.js';
export { hiddenStack } from './engine/stack.js';
export { Mlp, type MlpOptions } from './engine/mlp.js';
