import onnxProto from 'onnx-proto';

/** The protobufjs-generated ONNX schema (onnx-proto 8, ONNX 1.10 messages). */
export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** Converts a protobuf int64 (a number or a `Long`) to a JavaScript number. */
export function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
