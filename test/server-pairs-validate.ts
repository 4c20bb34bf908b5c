/**
 * Paired cases for `trtx repo validate`'s model-folder rules (src/core/triton/validate*.ts): each refused config
 * beside its corrected twin, both checked by hand against the real Triton 2.51 server. Cases judged "triton" are
 * refused by Triton's own code (repository poll, version policy, platform inference, label files, runtime); those
 * judged "stand-in" by the stand-in onnxruntime backend (test/peers/triton-backends/onnxruntime/model.py).
 * Small ONNX models that the fixtures do not cover come from test/pair-models.ts.
 */
import { fixedBatchModel, initializerInputModel, raggedModel, scalarModel, sequenceModel } from "./pair-models.js";
import type { PairCase } from "./server-pairs.js";

const MLP = { fixture: "mlp_dynbatch.onnx" };
const CPU = "instance_group { kind: KIND_CPU }\n";

/** mlp_dynbatch.onnx's IO ("input" [batch,64] → "output" [batch,10]) as a config, with `extra` appended. */
function mlpConfig(extra = "", o: { platform?: boolean; maxBatch?: number; inDims?: string; outDims?: string } = {}): string {
  const maxBatch = o.maxBatch ?? 8;
  return [
    o.platform === false ? "" : 'platform: "onnxruntime_onnx"\n',
    maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : "",
    `input { name: "input" data_type: TYPE_FP32 dims: [ ${o.inDims ?? (maxBatch > 0 ? "64" : "-1, 64")} ] }\n`,
    `output { name: "output" data_type: TYPE_FP32 dims: [ ${o.outDims ?? (maxBatch > 0 ? "10" : "-1, 10")} ] }\n`,
    CPU,
    extra,
  ].join("");
}

/** A one-folder mlp case. */
function mlpCase(name: string, config: string, more: { rule?: string; judge: PairCase["judge"]; serverSays?: RegExp; files?: Record<string, PairCase["models"][string][string]> }): PairCase {
  return {
    name,
    ...(more.rule !== undefined ? { rule: more.rule } : {}),
    judge: more.judge,
    ...(more.serverSays !== undefined ? { serverSays: more.serverSays } : {}),
    models: { [name]: { "config.pbtxt": config, "1/model.onnx": MLP, ...more.files } },
  };
}

const SEQUENCE = sequenceModel();
const FIXED_BATCH = fixedBatchModel();
const fixedBatchConfig = (maxBatch: number, dims: string) =>
  `platform: "onnxruntime_onnx"\n${maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : ""}input { name: "x" data_type: TYPE_FP32 dims: [ ${dims} ] }\noutput { name: "y" data_type: TYPE_FP32 dims: [ ${dims} ] }\n${CPU}`;
const SCALAR = scalarModel();
const INITIALIZER_INPUT = initializerInputModel();
const RAGGED = raggedModel();

const sequenceConfig = (startControl: string) => `platform: "onnxruntime_onnx"
max_batch_size: 8
input { name: "x" data_type: TYPE_FP32 dims: [ 4 ] }
output { name: "y" data_type: TYPE_FP32 dims: [ 4 ] }
${CPU}sequence_batching {
  control_input { name: "START" control { kind: CONTROL_SEQUENCE_START ${startControl} } }
  control_input { name: "READY" control { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } }
  state { input_name: "state_in" output_name: "state_out" data_type: TYPE_FP32 dims: [ 4 ] }
}
`;

const scalarConfig = (maxBatch: number, dims: string) =>
  `platform: "onnxruntime_onnx"\n${maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : ""}input { name: "s" data_type: TYPE_FP32 dims: [ ${dims} ] }\noutput { name: "o" data_type: TYPE_FP32 dims: [ ${dims} ] }\n${CPU}`;

const initializerConfig = (maxBatch: number, bias: string) =>
  `platform: "onnxruntime_onnx"\n${maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : ""}input { name: "x" data_type: TYPE_FP32 dims: [ ${maxBatch > 0 ? "2" : "-1, 2"} ] }\ninput { name: "bias" data_type: TYPE_FP32 dims: [ 2 ] ${bias} }\noutput { name: "y" data_type: TYPE_FP32 dims: [ ${maxBatch > 0 ? "2" : "-1, 2"} ] }\n${CPU}`;

const raggedConfig = (batchInput: string) => `platform: "onnxruntime_onnx"
max_batch_size: 8
input { name: "r" data_type: TYPE_FP32 dims: [ -1 ] allow_ragged_batch: true }
${batchInput}output { name: "y" data_type: TYPE_FP32 dims: [ 1 ] }
${CPU}dynamic_batching { }
`;

const LABELS = "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n";
const labelOutput = (file: string) => `platform: "onnxruntime_onnx"
max_batch_size: 8
input { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }
output { name: "output" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "${file}" }
${CPU}`;

export const validatePairs: PairCase[] = [
  // Version folders (core model_lifecycle.cc, VersionsToLoad).
  { name: "vzero", judge: "triton", models: { vzero: { "config.pbtxt": mlpConfig(), "0/model.onnx": MLP } } },
  { name: "vskipped", judge: "triton", models: { vskipped: { "config.pbtxt": mlpConfig(), "1/model.onnx": MLP, "warmup/README": "not a version\n", "configs/README": "not a version\n", "initial_state/README": "not a version\n", "notes/README": "not a version\n" } } },
  { name: "vprefix", rule: "version-dir", judge: "stand-in", serverSays: /unable to find '.*vprefix\/2\/model\.onnx'/, models: { vprefix: { "config.pbtxt": mlpConfig(), "1/model.onnx": MLP, "2_old/model.onnx": MLP } } },
  { name: "vprefixok", judge: "triton", models: { vprefixok: { "config.pbtxt": mlpConfig(), "1/model.onnx": MLP, "1_old/model.onnx": MLP } } },
  // Version policy: at least one version to load (ModelLifeCycle::AsyncLoad).
  { name: "vlatest0", rule: "no-versions", judge: "triton", serverSays: /at least one version must be available under the version policy/, models: { vlatest0: { "config.pbtxt": mlpConfig("version_policy { latest { num_versions: 0 } }\n"), "1/model.onnx": MLP } } },
  { name: "vlatest2", judge: "triton", models: { vlatest2: { "config.pbtxt": mlpConfig("version_policy { latest { num_versions: 2 } }\n"), "1/model.onnx": MLP } } },
  { name: "vspecific", rule: "no-versions", judge: "triton", serverSays: /at least one version must be available/, models: { vspecific: { "config.pbtxt": mlpConfig("version_policy { specific { versions: [ 3 ] } }\n"), "1/model.onnx": MLP } } },
  { name: "vspecificok", judge: "triton", models: { vspecificok: { "config.pbtxt": mlpConfig("version_policy { specific { versions: [ 1, 3 ] } }\n"), "1/model.onnx": MLP } } },
  { name: "vspecifictwice", rule: "version-dir", judge: "stand-in", serverSays: /unable to find '.*vspecifictwice\/3\/model\.onnx'/, models: { vspecifictwice: { "config.pbtxt": mlpConfig("version_policy { specific { versions: [ 1, 3, 3 ] } }\n"), "1/model.onnx": MLP } } },
  { name: "vall", judge: "triton", models: { vall: { "config.pbtxt": mlpConfig("version_policy { all { } }\n"), "1/model.onnx": MLP, "2/model.onnx": MLP } } },

  // Platform inference (core model_config_utils.cc, AutoCompleteBackendFields).
  { name: "pinfer", judge: "triton", models: { pinfer: { "config.pbtxt": mlpConfig("", { platform: false }), "1/model.onnx": MLP } } },
  { name: "pinferdims", rule: "dims", judge: "stand-in", serverSays: /tensor 'input'/, models: { pinferdims: { "config.pbtxt": mlpConfig("", { platform: false, inDims: "32" }), "1/model.onnx": MLP } } },
  { name: "pnoconfig", judge: "triton", models: { pnoconfig: { "1/model.onnx": MLP } } },
  { name: "phidden", rule: "platform-unknown", judge: "triton", serverSays: /Could not determine backend|failed to poll from model repository/, models: { phidden: { "config.pbtxt": mlpConfig("", { platform: false }), ".ipynb_checkpoints/README": "editor state\n", "1/model.onnx": MLP } } },
  { name: "phiddenok", judge: "triton", models: { phiddenok: { "config.pbtxt": mlpConfig(), ".ipynb_checkpoints/README": "editor state\n", "1/model.onnx": MLP } } },
  { name: "pleadingzero", rule: "platform-unknown", judge: "triton", serverSays: /Could not determine backend|failed to poll from model repository/, models: { pleadingzero: { "config.pbtxt": mlpConfig("", { platform: false }), "01/README": "skipped\n", "1/model.onnx": MLP } } },
  { name: "pfilename", rule: "platform-unknown", judge: "triton", serverSays: /unexpected platform type|failed to poll from model repository/, models: { pfilename: { "config.pbtxt": mlpConfig('default_model_filename: "net.onnx"\n', { platform: false }), "1/net.onnx": MLP } } },
  { name: "pfilenameok", judge: "triton", models: { pfilenameok: { "config.pbtxt": mlpConfig('default_model_filename: "net.onnx"\n'), "1/net.onnx": MLP } } },

  // Model files (onnxruntime.cc ModelState::LoadModel: a file, or a folder holding model.onnx).
  { name: "fmissing", rule: "model-file", judge: "stand-in", serverSays: /unable to find/, models: { fmissing: { "config.pbtxt": mlpConfig(), "1/README": "no model\n" } } },
  { name: "ffolder", judge: "stand-in", models: { ffolder: { "config.pbtxt": mlpConfig("", { inDims: "256", outDims: "256" }), "1/model.onnx/model.onnx": { fixture: "external_data.onnx" }, "1/model.onnx/external_data.onnx.data": { fixture: "external_data.onnx.data" } } } },

  // Label files (core model.cc, Model::Init) and runtime (backend_model.cc, GetBackendLibraryProperties).
  mlpCase("lmissing", labelOutput("labels.txt"), { rule: "label-file", judge: "triton" }),
  mlpCase("lpresent", labelOutput("labels.txt"), { judge: "triton", files: { "labels.txt": LABELS } }),
  { name: "loutside", judge: "triton", models: { loutside: { "config.pbtxt": labelOutput("../loutsideshared/labels.txt"), "1/model.onnx": MLP }, loutsideshared: { "config.pbtxt": labelOutput("labels.txt"), "1/model.onnx": MLP, "labels.txt": LABELS } } },
  mlpCase("rescape", mlpConfig('runtime: "../libtriton_onnxruntime.so"\n'), { rule: "runtime-path", judge: "triton", serverSays: /escapes backend directory/, files: { "libtriton_onnxruntime.so": "not a library\n" } }),
  mlpCase("rclimb", mlpConfig('runtime: "../../elsewhere/libtriton_onnxruntime.so"\n'), { rule: "runtime-path", judge: "triton", serverSays: /unable to find backend library/ }),
  mlpCase("rpython", mlpConfig('runtime: "model.py"\n'), { judge: "triton" }),

  // Inputs against the model (onnxruntime.cc ValidateInputs with CompareDimsSupported, compare_exact false).
  mlpCase("dinputfixed", mlpConfig("", { maxBatch: 0, inDims: "4, 64" }), { judge: "stand-in" }),
  mlpCase("doutputfixed", mlpConfig("", { maxBatch: 0, inDims: "4, 64", outDims: "4, 10" }), { rule: "dims", judge: "stand-in", serverSays: /tensor 'output'/ }),
  mlpCase("dloosened", mlpConfig("", { inDims: "-1" }), { rule: "dims", judge: "stand-in", serverSays: /tensor 'input'/ }),
  mlpCase("dnooutput", mlpConfig('output { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] }\n'), { rule: "output-missing-in-model", judge: "stand-in", serverSays: /unexpected inference output 'logits'/ }),
  mlpCase("dtype", mlpConfig("", { inDims: "64" }).replace("TYPE_FP32", "TYPE_FP16"), { rule: "data-type", judge: "stand-in", serverSays: /datatype TYPE_FP16/ }),
  mlpCase("dnoinput", mlpConfig("", { inDims: "64" }).replace('name: "input"', 'name: "features"'), { rule: "input-missing-in-model", judge: "stand-in", serverSays: /unexpected inference input 'features'/ }),
  { name: "dfixedbatch", rule: "batch-dim-fixed", judge: "stand-in", serverSays: /the first dimension must be -1/, models: { dfixedbatch: { "config.pbtxt": fixedBatchConfig(8, "4"), "1/model.onnx": FIXED_BATCH } } },
  { name: "dfixedbatchok", judge: "stand-in", models: { dfixedbatchok: { "config.pbtxt": fixedBatchConfig(0, "2, 4"), "1/model.onnx": FIXED_BATCH } } },
  mlpCase("dnotonnx", mlpConfig(), { rule: "model-read", judge: "stand-in", files: { "1/model.onnx": "not an ONNX model\n" } }),

  // Sequence controls and states are model inputs (ModelInstanceState ctor, ValidateBooleanSequenceControl).
  { name: "sstate", judge: "stand-in", models: { sstate: { "config.pbtxt": sequenceConfig("int32_false_true: [ 0, 1 ]"), "1/model.onnx": SEQUENCE } } },
  { name: "sstatetype", rule: "sequence-control", judge: "stand-in", serverSays: /sequence control 'START'/, models: { sstatetype: { "config.pbtxt": sequenceConfig("bool_false_true: [ false, true ]"), "1/model.onnx": SEQUENCE } } },
  { name: "snocontrols", rule: "input-count", judge: "stand-in", serverSays: /configuration expects 1 inputs, model provides 4/, models: { snocontrols: { "config.pbtxt": mlpConfig().replace(/input \{[^\n]*\n/, 'input { name: "x" data_type: TYPE_FP32 dims: [ 4 ] }\n').replace(/output \{[^\n]*\n/, 'output { name: "y" data_type: TYPE_FP32 dims: [ 4 ] }\n'), "1/model.onnx": SEQUENCE } } },

  // Scalars: dims of 1s (ValidateInputs/ValidateOutputs); batched, Triton loads it (a warning).
  { name: "scalar", judge: "stand-in", models: { scalar: { "config.pbtxt": scalarConfig(0, "1"), "1/model.onnx": SCALAR } } },
  { name: "scalarbatched", judge: "stand-in", models: { scalarbatched: { "config.pbtxt": scalarConfig(8, "1"), "1/model.onnx": SCALAR } } },
  { name: "scalartwo", rule: "scalar-dims", judge: "stand-in", serverSays: /scalar tensor 's'/, models: { scalartwo: { "config.pbtxt": scalarConfig(0, "2"), "1/model.onnx": SCALAR } } },
  { name: "sautofill", rule: "autofill-batch", judge: "stand-in", serverSays: /model does not support batching/, models: { sautofill: { "config.pbtxt": 'platform: "onnxruntime_onnx"\nmax_batch_size: 8\n' + CPU, "1/model.onnx": SCALAR } } },
  { name: "sautofillok", judge: "stand-in", models: { sautofillok: { "config.pbtxt": 'platform: "onnxruntime_onnx"\n' + CPU, "1/model.onnx": SCALAR } } },

  // Overridable initializers as inputs (ValidateInputs merges OverridableInitializerNames; optional ones not counted).
  { name: "ioptional", judge: "stand-in", models: { ioptional: { "config.pbtxt": initializerConfig(0, "optional: true"), "1/model.onnx": INITIALIZER_INPUT } } },
  { name: "irequired", rule: "input-count", judge: "stand-in", serverSays: /configuration expects 2 inputs, model provides 1/, models: { irequired: { "config.pbtxt": initializerConfig(0, ""), "1/model.onnx": INITIALIZER_INPUT } } },
  { name: "ibatched", rule: "optional-batching", judge: "stand-in", serverSays: /not supported for models that support batching/, models: { ibatched: { "config.pbtxt": initializerConfig(8, "optional: true"), "1/model.onnx": INITIALIZER_INPUT } } },

  // Ragged inputs and batch inputs (ValidateInputs; batch_input targets are counted as model inputs).
  { name: "ragged", judge: "stand-in", models: { ragged: { "config.pbtxt": raggedConfig('batch_input { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "idx" data_type: TYPE_INT32 source_input: "r" }\n'), "1/model.onnx": RAGGED } } },
  { name: "raggednobatchinput", rule: "input-count", judge: "stand-in", serverSays: /configuration expects 1 inputs, model provides 2/, models: { raggednobatchinput: { "config.pbtxt": raggedConfig(""), "1/model.onnx": RAGGED } } },
  mlpCase("raggedshape", mlpConfig().replace("dims: [ 64 ] }", "dims: [ 64 ] allow_ragged_batch: true }"), { rule: "ragged-input", judge: "stand-in", serverSays: /ragged input 'input'/ }),

  // Accelerators and parameters (ModelState ctor and LoadModel).
  mlpCase("agpuoncpu", mlpConfig('optimization { execution_accelerators { gpu_execution_accelerator { name: "tensorrt" parameters { key: "precision_mode" value: "fp16" } parameters { key: "trt_fp16_enable" value: "1" } } } }\n'), { judge: "stand-in" }),
  mlpCase("acpu", mlpConfig('optimization { execution_accelerators { cpu_execution_accelerator { name: "tensorrt" } } }\n'), { rule: "accelerator", judge: "stand-in", serverSays: /unknown Execution Accelerator 'tensorrt'/ }),
  mlpCase("aopenvino", mlpConfig('optimization { execution_accelerators { cpu_execution_accelerator { name: "openvino" } } }\n'), { judge: "stand-in" }),
  mlpCase("pexecmode", mlpConfig('parameters { key: "execution_mode" value: { string_value: "2" } }\n'), { rule: "ort-parameter", judge: "stand-in", serverSays: /execution_mode are 0 or 1/ }),
  mlpCase("pexecmodeok", mlpConfig('parameters { key: "execution_mode" value: { string_value: "1" } }\n'), { judge: "stand-in" }),
  mlpCase("pthreads", mlpConfig('parameters { key: "intra_op_thread_count" value: { string_value: "two" } }\n'), { rule: "ort-parameter", judge: "stand-in", serverSays: /failed to convert 'two'/ }),
  mlpCase("pthreadsok", mlpConfig('parameters { key: "intra_op_thread_count" value: { string_value: "2" } }\n'), { judge: "stand-in" }),
  mlpCase("parena", mlpConfig('parameters { key: "enable_mem_arena" value: { string_value: "yes" } }\n'), { rule: "ort-parameter", judge: "stand-in", serverSays: /failed to convert 'yes' to boolean/ }),
  mlpCase("parenaok", mlpConfig('parameters { key: "enable_mem_arena" value: { string_value: "ON" } }\n'), { judge: "stand-in" }),
  mlpCase("pcudnnoncpu", mlpConfig('parameters { key: "cudnn_conv_algo_search" value: { string_value: "7" } }\n'), { judge: "stand-in" }),
];
