// The registry of fusion architectures: one entry each, with its defaults and
// the head it builds on an input row x = [z_1 … z_K | m_1 … m_K | f_1 … f_F]
// (z: robust z-scores, 0 where a model gave no score; m: 1 where it did;
// f: z-scored features). Everything that lists architectures (training,
// selection, the CLI's usage text, the demo, the model file) reads it here.
//   linear   r = θ·x + b                                      (stacking)
//   mlp      r = MLP(x) + θ·x                                 (a linear skip)
//   gated    w = softmax_present(G(x)/T),  r = e^s·Σ_k w_k z_k  (ArmoRM-style gate)
import type { Graph, Tensor } from '../engine/graph.js';
import type { ActivationKind } from '../engine/kinds.js';
import { Add, Linear, Scale, Softmax, WeightedSum } from '../engine/ops.js';
import { hiddenStack } from '../engine/stack.js';

/** The architectures; each has one entry in ARCHS below (the compiler checks both agree). */
export type Arch = 'linear' | 'mlp' | 'gated';

export interface ArchConfig {
  type: Arch;
  /** hidden widths of the MLP, or of the gating MLP */
  hidden: number[];
  activation: ActivationKind;
  /** softmax temperature of the gate */
  temperature: number;
}

/** @internal */
interface ArchSpec {
  /** one line for the CLI's usage text */
  about: string;
  /** hidden widths and activation when the user gives none */
  hidden: readonly number[];
  activation: ActivationKind;
  /** the head on x (K models; masks at columns [K, 2K)): the reward tensor, and the gate for gated */
  build(g: Graph, x: Tensor, c: ArchConfig, K: number): { output: Tensor; gate?: Softmax };
}

const hidden = (g: Graph, x: Tensor, c: ArchConfig) => hiddenStack(g, x, c.hidden, c.activation, (i) => `hidden${i}`).out;

/** @internal the registry: each architecture's defaults and head */
export const ARCHS: Readonly<Record<Arch, ArchSpec>> = {
  linear: {
    about: 'logistic (or least-squares) stacking on z-scores and masks',
    hidden: [],
    activation: 'relu',
    build: (g, x, c) => ({ output: g.add(new Linear(g, hidden(g, x, c), 1, 'out', 3)).out }),
  },
  mlp: {
    about: 'an MLP with a linear skip: a learned correction to stacking',
    hidden: [16],
    activation: 'relu',
    build(g, x, c) {
      const deep = g.add(new Linear(g, hidden(g, x, c), 1, 'out', 3)).out;
      const wide = g.add(new Linear(g, x, 1, 'skip', 3)).out;
      return { output: g.add(new Add(g, deep, wide)).out };
    },
  },
  gated: {
    about: 'a gate that weighs the models present per input (a weighted mean of z-scores)',
    hidden: [16],
    activation: 'tanh',
    build(g, x, c, K) {
      // a small last gate layer: the gate starts near uniform, i.e. near the mean of the models present
      const logits = g.add(new Linear(g, hidden(g, x, c), K, 'gate', 0.01)).out;
      const gate = g.add(new Softmax(g, logits, x, K, c.temperature));
      const sum = g.add(new WeightedSum(g, gate.out, x)).out;
      return { output: g.add(new Scale(g, sum, 'gate.scale')).out, gate };
    },
  },
};

/** the architectures, in the order selection tries them (simplest first) */
export const ARCH_NAMES = Object.keys(ARCHS) as Arch[];

export function isArch(name: unknown): name is Arch {
  return typeof name === 'string' && Object.hasOwn(ARCHS, name);
}
