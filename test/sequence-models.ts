/** Small sequence models for the tests of `repo init` and of the real server: Triton's control tensors and implicit state. */
import { attr, GraphBuilder } from "../src/core/onnx/builder.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { saveModel } from "../src/core/onnx/model-file.js";

/**
 * A sequence model with the four controls Triton's QA models use, each [batch, 1] and of another type:
 * OUTPUT = INPUT + 10·READY + 100·START + 1000·END + 10000·CORRID, so a response shows what the batcher fed.
 */
export function controlsModel(file: string, controls: Partial<Record<"START" | "READY" | "END" | "CORRID", [number, (string | number)[]]>> = {}): string {
  const g = new GraphBuilder("controls");
  g.input("INPUT", DataType.INT32, ["batch", 1]);
  const types = { START: [DataType.INT32, ["batch", 1]], READY: [DataType.FLOAT, ["batch", 1]], END: [DataType.BOOL, ["batch", 1]], CORRID: [DataType.INT64, ["batch", 1]], ...controls } as const;
  const scale = (name: keyof typeof types, k: number) => {
    g.input(name, types[name][0], types[name][1]);
    const asInt = g.op("Cast", [name], { to: attr.int(DataType.INT32) });
    return g.op("Mul", [asInt, g.initializer(`k${k}`, DataType.INT32, [], new Int32Array([k]))]);
  };
  let sum = g.op("Add", ["INPUT", scale("READY", 10)]);
  sum = g.op("Add", [sum, scale("START", 100)]);
  sum = g.op("Add", [sum, scale("END", 1000)]);
  g.op("Add", [sum, scale("CORRID", 10000)], {}, { output: "OUTPUT" });
  g.output("OUTPUT", DataType.INT32, ["batch", 1]);
  saveModel(g.model(), file);
  return file;
}

/** Implicit state: OUTPUT_STATE = INPUT + INPUT_STATE, and OUTPUT is that running sum. */
export function accumulatorModel(file: string, stateType: number = DataType.FLOAT): string {
  const g = new GraphBuilder("accumulator");
  g.input("INPUT", DataType.FLOAT, ["batch", 4]);
  g.input("INPUT_STATE", stateType, ["batch", 4]);
  const state = stateType === DataType.FLOAT ? "INPUT_STATE" : g.op("Cast", ["INPUT_STATE"], { to: attr.int(DataType.FLOAT) });
  g.op("Add", ["INPUT", state], {}, { output: "OUTPUT_STATE" });
  g.op("Identity", ["OUTPUT_STATE"], {}, { output: "OUTPUT" });
  g.output("OUTPUT", DataType.FLOAT, ["batch", 4]);
  g.output("OUTPUT_STATE", DataType.FLOAT, ["batch", 4]);
  saveModel(g.model(), file);
  return file;
}
