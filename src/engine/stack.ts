// The hidden stack both the Mlp and the fusion nets are built on:
//   h_0 = x,  h_{i+1} = f(h_i·W_i + b_i)   W_i:(n_i−1, n_i)
// relu is fused into the matmul; other activations are ops of their own.
// Init gain 6 (He) for relu and gelu, 3 otherwise.
import type { Graph, Tensor } from './graph.js';
import { Activation, Linear, type ActivationKind } from './ops.js';

export function hiddenStack(g: Graph, x: Tensor, hidden: readonly number[], activation: ActivationKind, name: (i: number) => string): { out: Tensor; layers: Linear[] } {
  const relu = activation === 'relu';
  const gain = relu || activation === 'gelu' ? 6 : 3;
  const layers: Linear[] = [];
  let h = x;
  hidden.forEach((n, i) => {
    const lin = g.add(new Linear(g, h, n, name(i), gain, relu));
    layers.push(lin);
    h = relu ? lin.out : g.add(new Activation(g, lin.out, activation)).out;
  });
  return { out: h, layers };
}
