/**
 * The binding's floor: the median time of one `await session.run()` of a one-node model on the CPU. Every query
 * pays it, so a model whose latency is near it is measuring onnxruntime-node, not the model.
 */
import { DataType } from "../onnx/dtype.js";
import { encodeModel } from "../onnx/codec.js";
import { GraphBuilder } from "../onnx/builder.js";
import { loadOrt } from "../ep/ort.js";

const WARMUP_RUNS = 2000;
const TIMED_RUNS = 4000;

export async function bindingFloorUs(): Promise<number> {
  const g = new GraphBuilder("trtx_perf_floor");
  g.input("x", DataType.FLOAT, [1]);
  g.op("Identity", ["x"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [1]);
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(encodeModel(g.model({ opset: 13 })), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds = { x: new ort.Tensor("float32", new Float32Array(1), [1]) };
    for (let i = 0; i < WARMUP_RUNS; i++) await session.run(feeds);
    const times = new Float64Array(TIMED_RUNS);
    for (let i = 0; i < TIMED_RUNS; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      times[i] = performance.now() - t0;
    }
    times.sort();
    return ((times[TIMED_RUNS / 2 - 1]! + times[TIMED_RUNS / 2]!) / 2) * 1000;
  } finally {
    await session.release();
  }
}
