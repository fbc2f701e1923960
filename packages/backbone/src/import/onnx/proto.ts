import onnxProto from 'onnx-proto';

/** The protobufjs-generated ONNX schema (onnx-proto 8, ONNX 1.10 messages). */
export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** A protobuf int64 as protobufjs returns it: a number, or a `Long` when the `long` package is loaded. */
export type Int64 = number | { toNumber(): number; toString(): string };

/** Converts a protobuf int64 to a JavaScript number (exact up to 2^53, which covers every shape and attribute). */
export function toNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
