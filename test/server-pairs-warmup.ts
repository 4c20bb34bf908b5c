/**
 * Paired cases for the warm-up rules (src/core/triton/validate-warmup.ts): each refused model_warmup beside a
 * corrected twin, checked against the real Triton 2.51 server, which runs every sample on each instance before the
 * model is READY. Core builds the samples (backend_model_instance.cc, GenerateWarmupData) and checks each as a
 * request (infer_request.cc): those cases are judged "triton". The batch size is the onnxruntime backend's check
 * (onnxruntime.cc, ProcessRequests), which the stand-in mirrors; see wbatchok for why only its twin is here.
 */
import type { PairCase, PairFile } from "./server-pairs.js";

const CPU = "instance_group { kind: KIND_CPU }\n";

/** mlp_dynbatch.onnx ("input" [batch,64] → "output" [batch,10]) with max_batch_size 8 and one warm-up sample of `inputs`. */
function mlpWarmup(inputs: string, batchSize = 1): string {
  return `platform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 10 ] }\n${CPU}model_warmup { name: "sample" batch_size: ${batchSize} ${inputs} }\n`;
}
const sample = (name: string, value: string) => `inputs { key: "${name}" value { ${value} } }`;

/** two_input.onnx: "tokens" int64 [batch,sequence] (indices into a 100-row table) and "features" float [batch,16]. */
function twoInputWarmup(inputs: string): string {
  return `platform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput { name: "tokens" data_type: TYPE_INT64 dims: [ -1 ] }\ninput { name: "features" data_type: TYPE_FP32 dims: [ 16 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 16 ] }\n${CPU}model_warmup { name: "sample" batch_size: 1 ${inputs} }\n`;
}

function warmupCase(name: string, config: string, o: { rule?: string; says?: RegExp; judge?: PairCase["judge"]; fixture?: string; files?: Record<string, PairFile> } = {}): PairCase {
  return {
    name,
    judge: o.judge ?? "triton",
    ...(o.rule !== undefined ? { rule: o.rule } : {}),
    ...(o.says !== undefined ? { serverSays: o.says } : {}),
    models: { [name]: { "config.pbtxt": config, "1/model.onnx": { fixture: o.fixture ?? "mlp_dynbatch.onnx" }, ...o.files } },
  };
}

const ZEROS = 'data_type: TYPE_FP32 dims: [ 64 ] zero_data: true';
/** 64 float32 values: exactly the bytes one sample of "input" needs. */
const INPUT_BYTES = new Uint8Array(64 * 4);

export const warmupPairs: PairCase[] = [
  warmupCase("wzero", mlpWarmup(sample("input", ZEROS))),
  warmupCase("wrandom", mlpWarmup(sample("input", "data_type: TYPE_FP32 dims: [ 64 ] random_data: true"))),
  warmupCase("wkind", mlpWarmup(sample("input", "data_type: TYPE_FP32 dims: [ 64 ]")), { rule: "warmup-data-kind", says: /expects input 'input' to have input_data_type set/ }),
  warmupCase("wwildcard", mlpWarmup(sample("input", "data_type: TYPE_FP32 dims: [ -1 ] zero_data: true")), { rule: "warmup-dims-wildcard", says: /expects all variable-size dimensions are specified/ }),
  warmupCase("wtype", mlpWarmup(sample("input", "data_type: TYPE_FP64 dims: [ 64 ] zero_data: true")), { rule: "warmup-data-type", says: /inference input 'input' data-type is 'FP64', but model 'wtype' expects 'FP32'/ }),
  warmupCase("wdims", mlpWarmup(sample("input", "data_type: TYPE_FP32 dims: [ 32 ] zero_data: true")), { rule: "warmup-dims", says: /unexpected shape for input 'input'/ }),
  // dims leave out the batch dim, as the config's do: [1, 64] is a request of rank 3.
  warmupCase("wdimsbatch", mlpWarmup(sample("input", "data_type: TYPE_FP32 dims: [ 1, 64 ] zero_data: true")), { rule: "warmup-dims", says: /unexpected shape for input 'input'/ }),
  warmupCase("wfile", mlpWarmup(sample("input", 'data_type: TYPE_FP32 dims: [ 64 ] input_data_file: "input.bin"')), { files: { "warmup/input.bin": INPUT_BYTES } }),
  warmupCase("wfilemissing", mlpWarmup(sample("input", 'data_type: TYPE_FP32 dims: [ 64 ] input_data_file: "input.bin"')), { rule: "warmup-data-file", says: /input\.bin/ }),
  warmupCase("wfileshort", mlpWarmup(sample("input", 'data_type: TYPE_FP32 dims: [ 64 ] input_data_file: "input.bin"')), { rule: "warmup-data-file", says: /expects 256 bytes/, files: { "warmup/input.bin": INPUT_BYTES.subarray(0, 100) } }),
  // Each sample is a whole request: every required input needs its data.
  warmupCase("wmissing", twoInputWarmup(sample("features", "data_type: TYPE_FP32 dims: [ 16 ] zero_data: true")), { rule: "warmup-missing-input", says: /expected 2 inputs but got 1 inputs/, fixture: "two_input.onnx" }),
  warmupCase("wtokens", twoInputWarmup(`${sample("tokens", "data_type: TYPE_INT64 dims: [ 12 ] zero_data: true")} ${sample("features", "data_type: TYPE_FP32 dims: [ 16 ] zero_data: true")}`), { fixture: "two_input.onnx" }),
  // batch_size requests run as one batch in the onnxruntime backend, so batch_size may not pass max_batch_size. Only
  // the twin is paired: a warm-up that fails inside the backend (batch_size 9 here, or random int64 token ids) leaves
  // tritonserver 2.51 with the Python backend liable to die of SIGSEGV within a few loads (reproduced on the first to
  // the twelfth load), so no server verdict on it can be trusted; the rule is checked offline (repo-validate tests).
  warmupCase("wbatchok", mlpWarmup(sample("input", ZEROS), 8)),
];
