/**
 * Paired cases for the config-only rules (src/core/triton/lint*.ts, which `repo validate` runs first): each refused
 * config beside a corrected twin, checked against the real Triton 2.51 server. Nearly all are judged "triton": core's
 * ValidateModelConfig, ValidateModelIOConfig and ValidateInstanceGroup (model_config_utils.cc) refuse them before
 * any backend runs, and `serverSays` holds a fragment of the message Triton gives.
 */
import { raggedModel, scalarModel } from "./pair-models.js";
import type { PairCase, PairFile } from "./server-pairs.js";

const MLP = { fixture: "mlp_dynbatch.onnx" };
const CPU = "instance_group { kind: KIND_CPU }\n";

/** mlp_dynbatch.onnx ("input" [batch,64] → "output" [batch,10]) as a batching config; `edit` rewrites it, `extra` is appended. */
function mlpConfig(extra = "", edit: (text: string) => string = (t) => t): string {
  const text = `platform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 10 ] }\n${CPU}`;
  return edit(text) + extra;
}

/** A one-folder mlp case; `rule` and `says` absent make it a twin that must load. */
function mlp(name: string, config: string, rule?: string, says?: RegExp, files: Record<string, PairFile> = { "1/model.onnx": MLP }): PairCase {
  return { name, judge: "triton", ...(rule !== undefined ? { rule } : {}), ...(says !== undefined ? { serverSays: says } : {}), models: { [name]: { "config.pbtxt": config, ...files } } };
}

const SCALAR = scalarModel();
const RAGGED = raggedModel();

const ragged = (name: string, batchIo: string, rule?: string, says?: RegExp): PairCase =>
  mlp(
    name,
    `platform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput { name: "r" data_type: TYPE_FP32 dims: [ -1 ] allow_ragged_batch: true }\n${batchIo}output { name: "y" data_type: TYPE_FP32 dims: [ 1 ] }\n${CPU}dynamic_batching { }\n`,
    rule,
    says,
    { "1/model.onnx": RAGGED },
  );

const sequence = (body: string) => `sequence_batching { ${body} }\n`;
const START = 'control_input { name: "START" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }';

/** An ensemble over `${name}_mlp`: x [64] → y [10], `steps` its ensemble_scheduling steps, `extra` appended. */
function ensembleCase(name: string, o: { steps?: string; extra?: string; rule?: string; says?: RegExp }): PairCase {
  const step = `{ model_name: "${name}_mlp" model_version: -1 input_map { key: "input" value: "x" } output_map { key: "output" value: "y" } }`;
  const config = `platform: "ensemble"\nmax_batch_size: 8\ninput { name: "x" data_type: TYPE_FP32 dims: [ 64 ] }\noutput { name: "y" data_type: TYPE_FP32 dims: [ 10 ] }\nensemble_scheduling { step [ ${(o.steps ?? step).replaceAll("MLP", `${name}_mlp`)} ] }\n${o.extra ?? ""}`;
  return {
    name,
    judge: "triton",
    ...(o.rule !== undefined ? { rule: o.rule } : {}),
    ...(o.says !== undefined ? { serverSays: o.says } : {}),
    models: { [name]: { "config.pbtxt": config, "1/.keep": "" }, [`${name}_mlp`]: { "config.pbtxt": mlpConfig(), "1/model.onnx": MLP } },
  };
}

export const lintPairs: PairCase[] = [
  // The config itself: text format (a proto3 parse, unknown fields refused) and the name the folder gives
  // (model_repository_manager.cc).
  mlp("lparse", mlpConfig("max_batch: 8\n"), "config-parse", /failed to read text proto/),
  mlp("lname", mlpConfig('name: "another"\n'), "config-name", /unexpected directory name 'lname' for model 'another'/),
  mlp("lnameok", mlpConfig('name: "lnameok"\n')),
  // ValidateModelConfig: platform and backend, max_batch_size.
  mlp("lplatformbackend", mlpConfig("", (t) => t.replace('platform: "onnxruntime_onnx"\n', 'platform: "onnxruntime_onnx"\nbackend: "tensorrt"\n')), "platform-backend", /unexpected 'platform' and 'backend' pair/),
  mlp("lplatformbackendok", mlpConfig("", (t) => t.replace('platform: "onnxruntime_onnx"\n', 'platform: "onnxruntime_onnx"\nbackend: "onnxruntime"\n'))),
  mlp("lmaxbatch", mlpConfig("", (t) => t.replace("max_batch_size: 8", "max_batch_size: -1")), "max-batch-size", /'max_batch_size' must be non-negative/),
  // Version 0 is a version like any other; a specific policy may load it.
  mlp("lversion0", mlpConfig("version_policy { specific { versions: [ 0 ] } }\n"), undefined, undefined, { "0/model.onnx": MLP }),

  // ValidateModelConfig on dynamic_batching.
  mlp("lpreferred", mlpConfig("dynamic_batching { preferred_batch_size: [ 4, 16 ] }\n"), "preferred-batch-size", /preferred size must be <= max batch size/),
  mlp("lpreferredok", mlpConfig("dynamic_batching { preferred_batch_size: [ 4, 8 ] }\n")),
  mlp("lpriority", mlpConfig("dynamic_batching { priority_levels: 2 default_priority_level: 3 }\n"), "priority-level", /default priority level must be in range \[1, 2\]/),
  mlp("lpriorityok", mlpConfig("dynamic_batching { priority_levels: 2 default_priority_level: 2 priority_queue_policy { key: 1 value { max_queue_size: 4 } } }\n")),
  mlp("lorderlevels", mlpConfig("dynamic_batching { preserve_ordering: true priority_levels: 2 default_priority_level: 1 }\n"), "preserve-ordering", /Only one priority level is allowed when 'preserve_ordering' is true/),
  mlp("lorderlevelsok", mlpConfig("dynamic_batching { preserve_ordering: true priority_levels: 1 default_priority_level: 1 }\n")),
  mlp("lorderdelay", mlpConfig("dynamic_batching { preserve_ordering: true default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 1000 } }\n"), "preserve-ordering", /can not have DELAY as timeout action when 'preserve_ordering' is true/),
  mlp("lorderdelayok", mlpConfig("dynamic_batching { default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 1000 } }\n")),
  // A dynamic batcher on a model that does not batch loads (lint warns that it never combines requests).
  mlp("lunbatcheddb", mlpConfig("dynamic_batching { }\n", (t) => t.replace("max_batch_size: 8\n", "").replace("[ 64 ]", "[ -1, 64 ]").replace("[ 10 ]", "[ -1, 10 ]"))),

  // ValidateModelConfig: the response cache, with sequence batching and with decoupled models.
  mlp("lcacheseq", mlpConfig(`response_cache { enable: true }\n${sequence("")}`), "response-cache", /Response Cache does not currently support model .* with sequence batching/),
  mlp("lcacheseqok", mlpConfig(sequence(""))),
  mlp("lcachedecoupled", mlpConfig("response_cache { enable: true }\nmodel_transaction_policy { decoupled: true }\n"), "response-cache", /with 'decoupled' transaction policy/),

  // ValidateModelConfig on sequence_batching (GetBooleanSequenceControlProperties, GetTypedSequenceControlProperties).
  mlp("lseqname", mlpConfig(sequence('control_input { control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }')), "sequence-control-name", /control tensor must have a name/),
  mlp("lseqtwice", mlpConfig(sequence(`${START} ${START.replace("CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_END")}`)), "sequence-control-name", /'START' is specified for multiple control kinds/),
  mlp("lseqvalues", mlpConfig(sequence('control_input { name: "START" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] bool_false_true: [ false, true ] } }')), "sequence-control-values", /more than one from 'int32_false_true', 'fp32_false_true' and 'bool_false_true'/),
  mlp("lseqkind", mlpConfig(sequence(`${START} ${START.replace('"START"', '"START2"')}`)), "sequence-control-duplicate", /specifies multiple CONTROL_SEQUENCE_START tensors/),
  mlp("lseqcorrid", mlpConfig(sequence('control_input { name: "CORRID" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 int32_false_true: [ 0, 1 ] } }')), "sequence-control-values", /must not specify either 'int32_false_true'/),
  mlp("lseqcorridtype", mlpConfig(sequence('control_input { name: "CORRID" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32 } }')), "sequence-control-corrid", /unexpected data type for control CONTROL_SEQUENCE_CORRID/),
  mlp("loldest", mlpConfig(sequence("oldest { max_candidate_sequences: 4 preferred_batch_size: [ 16 ] }")), "preferred-batch-size", /sequence batching preferred batch size must be <= max batch size/),
  mlp("loldestok", mlpConfig(sequence("oldest { max_candidate_sequences: 4 preferred_batch_size: [ 4 ] }"))),
  mlp("ldirect", mlpConfig(sequence("direct { minimum_slot_utilization: 1.5 }")), "sequence-slot-utilization", /minimum slot utilization must be in range/),
  mlp("ldirectok", mlpConfig(sequence("direct { minimum_slot_utilization: 0.5 }"))),

  // ValidateModelInput/Output (ValidateIOShape, ValidateNonLinearFormatIO).
  mlp("lioname", mlpConfig("", (t) => t.replace('input { name: "input" ', "input { ")), "io-name", /model input must specify 'name'/),
  mlp("liotype", mlpConfig("", (t) => t.replace('input { name: "input" data_type: TYPE_FP32 ', 'input { name: "input" ')), "io-data-type", /model input 'input' must specify 'data_type'/),
  mlp("ldimszero", mlpConfig("", (t) => t.replace("[ 64 ]", "[ 0 ]")), "dims-value", /dimension must be integer >= 1, or -1/),
  mlp("ldimsempty", mlpConfig("", (t) => t.replace(" dims: [ 10 ]", "")), "dims-empty", /model output 'output' must specify 'dims'/),
  mlp("lreshape", mlpConfig("", (t) => t.replace("dims: [ 64 ] }", "dims: [ 64 ] reshape { shape: [ 65 ] } }")), "reshape-size", /has different size for dims and reshape/),
  mlp("lreshapezero", mlpConfig("", (t) => t.replace("dims: [ 64 ] }", "dims: [ 64 ] reshape { shape: [ 0, 64 ] } }")), "reshape-value", /reshape dimensions must be integer >= 1, or -1/),
  mlp("lreshapeok", mlpConfig("", (t) => t.replace("dims: [ 64 ] }", "dims: [ 8, 8 ] reshape { shape: [ 64 ] } }"))),
  mlp("lreshapescalar", `platform: "onnxruntime_onnx"\ninput { name: "s" data_type: TYPE_FP32 dims: [ 1 ] reshape { shape: [ ] } }\noutput { name: "o" data_type: TYPE_FP32 dims: [ 1 ] }\n${CPU}`, "reshape-scalar", /cannot have empty reshape for non-batching model/, { "1/model.onnx": SCALAR }),
  mlp("lreshapescalarok", `platform: "onnxruntime_onnx"\ninput { name: "s" data_type: TYPE_FP32 dims: [ 1 ] }\noutput { name: "o" data_type: TYPE_FP32 dims: [ 1 ] }\n${CPU}`, undefined, undefined, { "1/model.onnx": SCALAR }),
  // Core keeps the first of two declarations of a tensor (Model::Init), so lint only warns; the onnxruntime backend
  // then counts two inputs against the model's one.
  mlp("ldupoutput", mlpConfig("", (t) => t.replace(/(output \{[^\n]*\n)/, "$1$1"))),
  { ...mlp("ldupinput", mlpConfig("", (t) => t.replace(/(input \{[^\n]*\n)/, "$1$1")), "input-count", /configuration expects 2 inputs, model provides 1/), judge: "stand-in" },
  mlp("lformat", mlpConfig("", (t) => t.replace("dims: [ 64 ] }", "format: FORMAT_NCHW dims: [ 64 ] }")), "io-format-dims", /model input NHWC\/NCHW require 3 dims/),
  mlp("lshapetensor", mlpConfig("", (t) => t.replace("dims: [ 64 ] }", "dims: [ 64 ] is_shape_tensor: true }")), "io-tensorrt-only", /shape tensors are only supported for TensorRT platform/),
  mlp("lnonlinear", mlpConfig("", (t) => t.replace("dims: [ 10 ] }", "dims: [ 10 ] is_non_linear_format_io: true }")), "io-tensorrt-only", /Non-linear IO format is only supported for the TensorRT platform/),

  // ValidateBatchIO.
  ragged("lbatchsource", 'batch_input { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "idx" data_type: TYPE_INT32 source_input: "q" }\n', "batch-io", /unknown source input name 'q'/),
  ragged("lbatchtype", 'batch_input { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "idx" data_type: TYPE_INT64 source_input: "r" }\n', "batch-io", /batch input data type must be TYPE_INT32 or TYPE_FP32/),
  ragged("lbatchok", 'batch_input { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "idx" data_type: TYPE_FP32 source_input: "r" }\n'),
  ragged("lbatchoutput", 'batch_input { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "idx" data_type: TYPE_INT32 source_input: "r" }\nbatch_output { kind: BATCH_SCATTER_WITH_INPUT_SHAPE target_name: "z" source_input: "r" }\n', "batch-io", /unknown target output name 'z'/),

  // ValidateInstanceGroup.
  mlp("lcpugpus", mlpConfig("", (t) => t.replace(CPU, "instance_group { kind: KIND_CPU gpus: [ 0 ] }\n")), "instance-group-gpus", /has kind KIND_CPU but specifies one or more GPUs/),
  mlp("lprofile", mlpConfig("", (t) => t.replace(CPU, 'instance_group { kind: KIND_CPU profile: [ "0" ] }\n')), "instance-group-profile", /specifies profile field which is only supported for TensorRT models/),

  // ValidateEnsembleSchedulingConfig and BuildEnsembleGraph.
  ensembleCase("lensgroup", { extra: CPU, rule: "ensemble-config", says: /instance group should not be specified for ensemble/ }),
  ensembleCase("lensopt", { extra: "optimization { priority: PRIORITY_MAX }\n", rule: "ensemble-config", says: /optimization should not be specified for ensemble/ }),
  ensembleCase("lenswarmup", { extra: 'model_warmup { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 64 ] zero_data: true } } }\n', rule: "ensemble-config", says: /model_warmup can not be specified for ensemble/ }),
  ensembleCase("lensok", {}),
  mlp("lensplatform", mlpConfig('ensemble_scheduling { step [ { model_name: "lensok_mlp" model_version: -1 input_map { key: "input" value: "input" } output_map { key: "output" value: "output" } } ] }\n'), "ensemble-platform", /ensemble scheduling cannot be set for model 'lensplatform' whose platform is not ensemble/),
  ensembleCase("lensunused", {
    steps: '{ model_name: "MLP" model_version: -1 input_map { key: "input" value: "x" } output_map { key: "output" value: "y" } }, { model_name: "MLP" model_version: -1 input_map { key: "input" value: "x" } output_map { key: "output" value: "spare" } }',
    rule: "ensemble-tensor",
    says: /ensemble tensor 'spare' is unused/,
  }),
  ensembleCase("lensnomap", { steps: '{ model_name: "MLP" model_version: -1 output_map { key: "output" value: "y" } }', rule: "ensemble-step", says: /must specify 'input_map' in step 0/ }),
];
