/**
 * Constant folding through ONNX Runtime: a CPU session at the "basic" optimization level writes its optimized
 * graph to a file. Basic is the level that keeps to standard ONNX ops (constant folding, redundant-node
 * removal, fusions such as MatMul+Add → Gemm); higher levels write ORT-only ops other runtimes cannot load.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSession } from "../../ep/session.js";
import { TrtxError } from "../../errors.js";
import { DataLocation, type ModelProto } from "../codec.js";
import { inlineExternalData } from "../external-data.js";
import { graphs, loadModel, saveModel } from "../model-file.js";

const FOLDED = "folded.onnx";
const FOLDED_DATA = "folded.onnx.weights";
/** How ORT (insert_cast_transformer.cc) names the Casts it adds around ops that have no float16 CPU kernel. */
const ORT_CPU_CAST_PREFIX = "InsertedPrecisionFreeCast_";

/**
 * Replaces the model's graph, functions and opset imports with ORT's optimized ones; everything else (IR
 * version, producer, metadata, docs) stays the model's own. `modelDir` is the folder its external data is in.
 */
export async function foldConstants(model: ModelProto, modelDir: string | undefined): Promise<void> {
  const external = graphs(model.graph).some((g) => g.initializer.some((t) => t.dataLocation === DataLocation.EXTERNAL));
  if (external && modelDir === undefined) {
    throw new TrtxError("cannot fold constants: the model's weights are external data and the folder they are in was not given", { hint: "pass modelDir" });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-fold-"));
  try {
    const source = path.join(dir, "model.onnx");
    saveModel(model, source, modelDir === undefined ? {} : { sourceDir: modelDir });
    const { session } = await createSession(source, {
      ep: "cpu",
      options: {
        graphOptimizationLevel: "basic",
        optimizedModelFilePath: path.join(dir, FOLDED),
        // Weights go to a side file so that models over 2 GiB can be written at all; they are read back below.
        extra: { session: { optimized_model_external_initializers_file_name: FOLDED_DATA, optimized_model_external_initializers_min_size_in_bytes: "1024" } },
      },
    });
    await session.release();
    const folded = loadModel(path.join(dir, FOLDED)).proto;
    refuseCpuCasts(folded);
    inlineExternalData(folded, dir);
    model.graph = folded.graph;
    model.functions = folded.functions;
    model.opsetImport = opsetsInUse(model, folded);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * ORT's CPU provider lacks float16 kernels for many ops, so the graph it writes wraps them in Casts to and from
 * float32: a CPU-specific model that would run float16 work in float32 on a GPU too.
 */
function refuseCpuCasts(folded: ModelProto): void {
  const casts = graphs(folded.graph).flatMap((g) => g.node).filter((n) => n.opType === "Cast" && n.name.startsWith(ORT_CPU_CAST_PREFIX));
  if (casts.length === 0) return;
  throw new TrtxError(`constant folding on onnxruntime's CPU provider would add ${casts.length} Casts between float16 and float32 (it lacks float16 kernels for some ops)`, {
    hint: "fold the float32 model, before converting it to float16",
  });
}

/**
 * The model's own opset imports, plus those of ORT's that the folded graph uses: ORT imports every domain it
 * knows (com.microsoft, ai.onnx.ml, ...), which would only clutter the model for other runtimes.
 */
function opsetsInUse(model: ModelProto, folded: ModelProto) {
  const own = new Set(model.opsetImport.map((o) => o.domain));
  const used = new Set(graphs(folded.graph).flatMap((g) => g.node.map((n) => n.domain)));
  return [...model.opsetImport, ...folded.opsetImport.filter((o) => !own.has(o.domain) && used.has(o.domain))];
}
