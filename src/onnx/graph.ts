// An ONNX graph under construction: nodes in the order they run, constants as
// initializers, each value a fresh name. export.ts writes the model's math
// with it; proto.ts turns it into bytes.
import type { Attr, DType, NodeSpec, TensorValue } from './proto.js';

export class OnnxGraph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorValue[] = [];
  private count = 0;

  /** a constant tensor (dims [] is a scalar) */
  constant(type: DType, values: ArrayLike<number>, dims: number[] = [values.length], hint = 'c'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, type, dims, values: Array.from(values) });
    return name;
  }

  f32(values: ArrayLike<number> | number, dims?: number[], hint?: string): string {
    return typeof values === 'number' ? this.constant('float', [values], [], hint) : this.constant('float', values, dims, hint);
  }

  f64(values: ArrayLike<number> | number, dims?: number[], hint?: string): string {
    return typeof values === 'number' ? this.constant('double', [values], [], hint) : this.constant('double', values, dims, hint);
  }

  i64(values: number[], dims?: number[], hint?: string): string {
    return this.constant('int64', values, dims, hint);
  }

  /** one node with one output; `out` names it (a graph output), else a fresh name */
  op(op: string, inputs: string[], attrs?: Record<string, Attr>, out?: string): string {
    const name = out ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [name], name: `${op}_${this.nodes.length}`, attrs });
    return name;
  }

  /** one node with several outputs */
  ops(op: string, inputs: string[], outputs: number, attrs?: Record<string, Attr>): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({ op, inputs, outputs: names, name: `${op}_${this.nodes.length}`, attrs });
    return names;
  }

  private fresh(hint: string): string {
    return `${hint}_${this.count++}`;
  }
}
