// The names of the activations and losses the ops implement (ops.ts).
export type ActivationKind = 'relu' | 'tanh' | 'sigmoid' | 'gelu';
export const ACTIVATIONS: readonly ActivationKind[] = ['relu', 'tanh', 'sigmoid', 'gelu'];
export type LossKind = 'mse' | 'bce' | 'bt';
