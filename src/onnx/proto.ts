// The protobuf wire format, for the part of onnx.proto an exported model uses:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto (tensor types and shapes) and the string maps. Only two wire
// types occur: varint (0) and length-delimited (2); field numbers are
// onnx.proto's (onnx/onnx, IR version 8). A message is built as a list of
// byte chunks and concatenated once.

/** A message under construction: its fields, in order, as bytes. */
export class Message {
  private parts: Uint8Array[] = [];
  private size = 0;

  /** field n, varint (int32, int64, enum, bool); negative numbers as ten-byte two's complement */
  int(n: number, v: number | bigint): this {
    this.key(n, 0);
    this.push(varint(BigInt(v)));
    return this;
  }

  /** field n, length-delimited: a UTF-8 string */
  string(n: number, s: string): this {
    return this.bytes(n, new TextEncoder().encode(s));
  }

  /** field n, length-delimited: raw bytes */
  bytes(n: number, b: Uint8Array): this {
    this.key(n, 2);
    this.push(varint(BigInt(b.length)));
    this.push(b);
    return this;
  }

  /** field n, an embedded message */
  message(n: number, m: Message): this {
    return this.bytes(n, m.finish());
  }

  /** field n, a packed repeated varint */
  packed(n: number, vs: readonly (number | bigint)[]): this {
    return this.bytes(n, concat(vs.map((v) => varint(BigInt(v)))));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }

  private key(n: number, wire: number): void {
    this.push(varint(BigInt(n * 8 + wire)));
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
}

// base-128, low group first; a negative int64 as its 64-bit two's complement (ten bytes)
function varint(v: bigint): Uint8Array {
  let u = v < 0n ? v + (1n << 64n) : v;
  const out: number[] = [];
  do {
    const b = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u ? b | 0x80 : b);
  } while (u);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// ---- onnx.proto's messages, as far as an exported model needs them ----

/** TensorProto.DataType */
export const DT = { float: 1, int64: 7, bool: 9, double: 11 } as const;
export type DType = keyof typeof DT;

/** An initializer or constant: dims and little-endian raw_data. */
export interface TensorValue {
  name?: string;
  type: DType;
  dims: number[];
  values: ArrayLike<number> | bigint[];
}

export function tensorProto(t: TensorValue): Message {
  const n = t.values.length;
  const size = { float: 4, int64: 8, bool: 1, double: 8 }[t.type];
  const raw = new Uint8Array(n * size), view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const v = t.values[i];
    if (t.type === 'float') view.setFloat32(4 * i, Number(v), true);
    else if (t.type === 'double') view.setFloat64(8 * i, Number(v), true);
    else if (t.type === 'int64') view.setBigInt64(8 * i, BigInt(v), true);
    else raw[i] = v ? 1 : 0;
  }
  const m = new Message();
  if (t.dims.length) m.packed(1, t.dims); // dims
  m.int(2, DT[t.type]); // data_type
  if (t.name) m.string(8, t.name); // name
  return m.bytes(9, raw); // raw_data
}

/** An attribute: an int, ints, or a tensor (AttributeProto.type INT 2, INTS 7, TENSOR 4). */
export type Attr = number | number[] | TensorValue;

export function attributeProto(name: string, a: Attr): Message {
  const m = new Message().string(1, name);
  if (typeof a === 'number') return m.int(20, 2).int(3, a);
  if (Array.isArray(a)) return m.int(20, 7).packed(8, a);
  return m.int(20, 4).message(5, tensorProto(a));
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, Attr>;
}

export function nodeProto(n: NodeSpec): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs ?? {})) m.message(5, attributeProto(k, a));
  return m;
}

/** A graph input or output: a tensor of elem type and shape (a string is a symbolic dimension). */
export interface ValueSpec {
  name: string;
  type: DType;
  shape: (number | string)[];
  doc?: string;
}

export function valueInfoProto(v: ValueSpec): Message {
  const shape = new Message();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensor = new Message().int(1, DT[v.type]).message(2, shape);
  const m = new Message().string(1, v.name).message(2, new Message().message(1, tensor));
  if (v.doc) m.string(3, v.doc);
  return m;
}

export interface ModelSpec {
  irVersion: number;
  opset: number;
  producer: string;
  doc: string;
  graphName: string;
  nodes: NodeSpec[];
  initializers: TensorValue[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  metadata: Record<string, string>;
}

/** The ModelProto's bytes. */
export function modelProto(s: ModelSpec): Uint8Array {
  const g = new Message();
  for (const n of s.nodes) g.message(1, nodeProto(n));
  g.string(2, s.graphName);
  for (const t of s.initializers) g.message(5, tensorProto(t));
  for (const v of s.inputs) g.message(11, valueInfoProto(v));
  for (const v of s.outputs) g.message(12, valueInfoProto(v));
  const m = new Message()
    .int(1, s.irVersion)
    .string(2, s.producer)
    .string(6, s.doc)
    .message(7, g)
    .message(8, new Message().string(1, '').int(2, s.opset));
  for (const [k, v] of Object.entries(s.metadata)) m.message(14, new Message().string(1, k).string(2, v));
  return m.finish();
}
