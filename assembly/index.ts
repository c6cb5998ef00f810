// The kernels rewardfuse's engine calls: pointers and sizes in, nothing else.

export * from "./matmul";
export * from "./activation";
export * from "./loss";
export * from "./adamw";
export * from "./random";
export * from "./memory";
export * from "./normalize";
export * from "./gate";
export * from "./add";

/** The first byte past the module's static data: the arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { scanItems, writeItems } from "./text/jsonl";
export { formatFloat32s } from "./text/dtoa";
