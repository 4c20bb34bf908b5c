/** Small ONNX models for the paired server cases (test/server-pairs-*.ts) that the fixtures do not cover, built with trtx's GraphBuilder. */
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { encodeModel } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";

/** x [batch,4] float and the sequence batcher's tensors: START and READY int32 [batch,1], a state [batch,4]. */
export function sequenceModel(): Uint8Array {
  const g = new GraphBuilder("sequence");
  const x = g.input("x", DataType.FLOAT, ["batch", 4]);
  g.input("START", DataType.INT32, ["batch", 1]);
  g.input("READY", DataType.INT32, ["batch", 1]);
  const state = g.input("state_in", DataType.FLOAT, ["batch", 4]);
  g.op("Identity", [x], {}, { output: "y" });
  g.op("Add", [x, state], {}, { output: "state_out" });
  g.output("y", DataType.FLOAT, ["batch", 4]);
  g.output("state_out", DataType.FLOAT, ["batch", 4]);
  return encodeModel(g.model({ opset: 13 }));
}

/** A rank-0 float in, the same out. */
export function scalarModel(): Uint8Array {
  const g = new GraphBuilder("scalar");
  g.op("Identity", [g.input("s", DataType.FLOAT, [])], {}, { output: "o" });
  g.output("o", DataType.FLOAT, []);
  return encodeModel(g.model({ opset: 13 }));
}

/** x [batch,2] plus "bias" [2], an initializer that is also a graph input (an overridable initializer). */
export function initializerInputModel(): Uint8Array {
  const g = new GraphBuilder("initializer_input");
  const x = g.input("x", DataType.FLOAT, ["batch", 2]);
  const bias = g.initializer("bias", DataType.FLOAT, [2], new Float32Array([0.5, 0.5]));
  g.input("bias", DataType.FLOAT, [2]);
  g.op("Add", [x, bias], {}, { output: "y" });
  g.output("y", DataType.FLOAT, ["batch", 2]);
  return encodeModel(g.model({ opset: 13 }));
}

/** A ragged input "r" [n] and its batch input "idx" [n] (int32) → "y" [n,1]. */
export function raggedModel(): Uint8Array {
  const g = new GraphBuilder("ragged");
  const r = g.input("r", DataType.FLOAT, ["n"]);
  g.input("idx", DataType.INT32, ["k"]);
  const axes = g.initializer("axes", DataType.INT64, [1], new BigInt64Array([1n]));
  g.op("Unsqueeze", [r, axes], {}, { output: "y" });
  g.output("y", DataType.FLOAT, ["n", 1]);
  return encodeModel(g.model({ opset: 13 }));
}

/** x [2,4] → y [2,4]: a model whose batch dim is fixed. */
export function fixedBatchModel(): Uint8Array {
  const g = new GraphBuilder("fixed_batch");
  g.op("Identity", [g.input("x", DataType.FLOAT, [2, 4])], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [2, 4]);
  return encodeModel(g.model({ opset: 13 }));
}
