import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { lintModelConfig, type Finding } from "../src/core/triton/lint.js";
import { parseModelConfig } from "../src/core/triton/pbtxt-parse.js";
import { fails, runCli, tempDir } from "./helpers.js";

const FIXTURE_DIR = fileURLToPath(new URL("../../test/fixtures-pbtxt/", import.meta.url));
const FIXTURES = fs.readdirSync(FIXTURE_DIR).filter((f) => f.endsWith(".pbtxt")).sort();
/** A text-format fixture, not a loadable model: it exists to exercise every literal form of the parser. */
const SYNTAX_ONLY = "strings-and-numbers.pbtxt";

const IO = `input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, -1 ] } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]`;
const lint = (text: string): Finding[] => lintModelConfig(parseModelConfig(text, "t.pbtxt"));
/** `rule@path` of every finding, for exact comparisons. */
const found = (text: string) => lint(text).map((f) => `${f.rule}@${f.path}`);
const model = (extra: string, io = IO, head = 'backend: "onnxruntime" max_batch_size: 8') => `${head}\n${io}\n${extra}`;

describe("lintModelConfig", () => {
  test("every loadable fixture lints clean", () => {
    assert.ok(FIXTURES.length >= 10);
    for (const name of FIXTURES.filter((f) => f !== SYNTAX_ONLY)) {
      assert.deepEqual(lint(fs.readFileSync(path.join(FIXTURE_DIR, name), "utf8")), [], name);
    }
  });

  test("the syntax-only fixture holds what Triton would refuse: dims -2 and 0, a control with two value lists", () => {
    assert.deepEqual(found(fs.readFileSync(path.join(FIXTURE_DIR, SYNTAX_ONLY), "utf8")), [
      "sequence-control-values@sequence_batching.control_input[0].control[0]",
      "dims-value@input[0].dims[1]",
      "dims-value@input[0].dims[2]",
    ]);
  });

  test("max_batch_size must be >= 0", () => {
    assert.deepEqual(found(model("", IO, 'backend: "onnxruntime" max_batch_size: -1')), ["max-batch-size@max_batch_size"]);
    assert.deepEqual(found(model("", IO, 'backend: "onnxruntime" max_batch_size: 0')), []);
  });

  test("dims entries are >= 1 or -1, and dims is not empty", () => {
    assert.deepEqual(found(model("", 'input [ { name: "x" data_type: TYPE_FP32 dims: [ 0, -1, -3 ] } ]')), ["dims-value@input[0].dims[0]", "dims-value@input[0].dims[2]"]);
    assert.deepEqual(found(model("", 'output [ { name: "y" data_type: TYPE_FP32 } ]')), ["dims-empty@output[0].dims"]);
    // The scalar advice differs: an unbatched model may not have an empty reshape.
    assert.match(lint(model("", 'output [ { name: "y" data_type: TYPE_FP32 } ]'))[0]!.message, /dims: \[ 1 \] with reshape: \{ shape: \[ \] \}/);
    const unbatched = lint(model("", 'output [ { name: "y" data_type: TYPE_FP32 } ]', 'backend: "onnxruntime" max_batch_size: 0'))[0]!.message;
    assert.match(unbatched, /use dims: \[ 1 \]\)$/);
  });

  test("inputs and outputs need a name and a data_type", () => {
    assert.deepEqual(found(model("", 'input [ { data_type: TYPE_FP32 dims: [ 1 ] } ]')), ["io-name@input[0].name"]);
    assert.deepEqual(found(model("", 'input [ { name: "x" dims: [ 1 ] } ]')), ["io-data-type@input[0].data_type"]);
    assert.deepEqual(found(model("", 'output [ { name: "y" data_type: TYPE_INVALID dims: [ 1 ] } ]')), ["io-data-type@output[0].data_type"]);
  });

  test("input and output names are unique within each list", () => {
    const dup = 'input [ { name: "x" data_type: TYPE_FP32 dims: [ 1 ] }, { name: "x" data_type: TYPE_INT32 dims: [ 1 ] } ]';
    assert.deepEqual(found(model("", dup)), ["io-duplicate-name@input[1].name"]);
    // An input and an output may share a name (pass-through models do).
    assert.deepEqual(found(model("", 'input [ { name: "t" data_type: TYPE_FP32 dims: [ 1 ] } ] output [ { name: "t" data_type: TYPE_FP32 dims: [ 1 ] } ]')), []);
  });

  test("NHWC/NCHW inputs have exactly 3 dims", () => {
    assert.deepEqual(found(model("", 'input [ { name: "x" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 224 ] } ]')), ["io-format-dims@input[0].dims"]);
    assert.deepEqual(found(model("", 'input [ { name: "x" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 224, 224 ] } ]')), []);
  });

  test("reshape keeps the element count, run by run between -1 dims", () => {
    const io = (dims: string, shape: string) => `input [ { name: "x" data_type: TYPE_FP32 dims: [ ${dims} ] reshape { shape: [ ${shape} ] } } ]`;
    assert.deepEqual(found(model("", io("2, 6", "3, 4"))), []);
    assert.deepEqual(found(model("", io("2, -1, 6", "2, -1, 2, 3"))), []);
    assert.deepEqual(found(model("", io("1", ""))), []);
    assert.deepEqual(found(model("", io("2, 6", "5, 2"))), ["reshape-size@input[0].reshape"]);
    assert.deepEqual(found(model("", io("2, -1, 6", "-1, 12"))), ["reshape-size@input[0].reshape"]);
    assert.deepEqual(found(model("", io("2, -1, 6", "2, 6"))), ["reshape-size@input[0].reshape"]);
    assert.match(lint(model("", io("2, -1, 6", "2, 6")))[0]!.message, /numbers of -1/);
    assert.deepEqual(found(model("", io("4", "0, 4"))), ["reshape-value@input[0].reshape.shape[0]"]);
  });

  test("a scalar reshape needs a batching model", () => {
    const scalar = 'input [ { name: "x" data_type: TYPE_INT64 dims: [ 1 ] reshape: { shape: [ ] } } ]';
    assert.deepEqual(found(model("", scalar, 'backend: "onnxruntime" max_batch_size: 0')), ["reshape-scalar@input[0].reshape"]);
    assert.deepEqual(found(model("", scalar)), []);
  });

  test("platform and backend agree", () => {
    assert.deepEqual(found(model("", IO, 'platform: "onnxruntime_onnx" backend: "tensorrt"')), ["platform-backend@backend"]);
    assert.deepEqual(found(model("", IO, 'platform: "ensemble" backend: "onnxruntime"')), ["platform-backend@backend", "ensemble-platform@ensemble_scheduling"]);
    assert.deepEqual(found(model("", IO, 'platform: "tensorrt_plan" backend: "tensorrt"')), []);
    assert.deepEqual(found(model("", IO, 'platform: "onnxruntime_onnx"')), []);
    assert.deepEqual(found(model("", IO, 'platform: "my_platform" backend: "my_backend"')), []);
  });

  test("instance groups: no gpus for KIND_CPU or KIND_MODEL, no negative gpu ids; count is not checked", () => {
    assert.deepEqual(found(model("instance_group [ { kind: KIND_CPU gpus: [ 0 ] } ]")), ["instance-group-gpus@instance_group[0].gpus"]);
    assert.deepEqual(found(model("instance_group [ { kind: KIND_GPU count: 1 }, { kind: KIND_MODEL gpus: [ 1 ] } ]")), ["instance-group-gpus@instance_group[1].gpus"]);
    assert.deepEqual(found(model("instance_group [ { kind: KIND_GPU gpus: [ 0, -1 ] } ]")), ["instance-group-gpu-id@instance_group[0].gpus[1]"]);
    // Triton replaces a count below 1 with the backend's default.
    assert.deepEqual(found(model("instance_group [ { kind: KIND_CPU count: 0 } ]")), []);
  });

  test("preferred batch sizes are from 1 to max_batch_size", () => {
    assert.deepEqual(found(model("dynamic_batching { preferred_batch_size: [ 4, 16, 0 ] }")), [
      "preferred-batch-size@dynamic_batching.preferred_batch_size[1]",
      "preferred-batch-size@dynamic_batching.preferred_batch_size[2]",
    ]);
    assert.deepEqual(found(model("dynamic_batching { preferred_batch_size: [ 4, 8 ] }")), []);
    // Triton loads dynamic_batching on a non-batching model (a warning says it never batches); only preferred sizes conflict.
    const unbatched = lint(model("dynamic_batching { }", IO, 'backend: "onnxruntime" max_batch_size: 0'));
    assert.deepEqual(unbatched.map((f) => `${f.rule}:${f.severity}`), ["dynamic-batching-unbatched:warning"]);
    assert.deepEqual(found(model("dynamic_batching { preferred_batch_size: 1 }", IO, 'backend: "onnxruntime" max_batch_size: 0')), [
      "dynamic-batching-unbatched@dynamic_batching",
      "preferred-batch-size@dynamic_batching.preferred_batch_size[0]",
    ]);
  });

  test("priority levels: the default level and queue-policy keys are from 1 to priority_levels", () => {
    assert.deepEqual(found(model("dynamic_batching { priority_levels: 2 default_priority_level: 3 }")), ["priority-level@dynamic_batching.default_priority_level"]);
    assert.deepEqual(found(model("dynamic_batching { priority_levels: 2 }")), ["priority-level@dynamic_batching.default_priority_level"]);
    assert.deepEqual(found(model("dynamic_batching { priority_levels: 2 default_priority_level: 1 priority_queue_policy { key: 3 value { } } priority_queue_policy { key: 2 value { } } }")), [
      "priority-level@dynamic_batching.priority_queue_policy[3]",
    ]);
    assert.deepEqual(found(model("dynamic_batching { priority_levels: 2 default_priority_level: 2 }")), []);
  });

  test("sequence controls: each kind once, START/END/READY with one two-value list, CORRID with an id type", () => {
    const seq = (controls: string) => model(`sequence_batching { control_input [ ${controls} ] }`);
    const start = '{ name: "S" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] }';
    assert.deepEqual(found(seq(start)), []);
    assert.deepEqual(found(seq(`${start}, ${start.replace('"S"', '"S2"')}`)), ["sequence-control-duplicate@sequence_batching.control_input[1].control[0].kind"]);
    assert.deepEqual(found(seq('{ name: "E" control [ { kind: CONTROL_SEQUENCE_END fp32_false_true: [ 0, 1, 1 ] } ] }')), ["sequence-control-values@sequence_batching.control_input[0].control[0].fp32_false_true"]);
    assert.deepEqual(found(seq('{ name: "R" control [ { kind: CONTROL_SEQUENCE_READY } ] }')), ["sequence-control-values@sequence_batching.control_input[0].control[0]"]);
    assert.deepEqual(found(seq('{ name: "R" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] bool_false_true: [ false, true ] } ] }')), ["sequence-control-values@sequence_batching.control_input[0].control[0]"]);
    assert.deepEqual(found(seq('{ name: "C" control [ { kind: CONTROL_SEQUENCE_CORRID } ] }')), ["sequence-control-corrid@sequence_batching.control_input[0].control[0].data_type"]);
    assert.deepEqual(found(seq('{ name: "C" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32 } ] }')), ["sequence-control-corrid@sequence_batching.control_input[0].control[0].data_type"]);
    // Sequence batching is allowed without batching.
    assert.deepEqual(found(model(`sequence_batching { control_input [ ${start} ] }`, IO, 'backend: "onnxruntime" max_batch_size: 0')), []);
  });

  test("ensembles: platform ensemble, named steps, every tensor produced once and by something", () => {
    const ens = (steps: string, io = 'input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ] output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]') =>
      `platform: "ensemble" max_batch_size: 1\n${io}\nensemble_scheduling { step [ ${steps} ] }`;
    const a = '{ model_name: "a" model_version: -1 input_map { key: "i" value: "IN" } output_map { key: "o" value: "MID" } }';
    const b = '{ model_name: "b" model_version: -1 input_map { key: "i" value: "MID" } output_map { key: "o" value: "OUT" } }';
    assert.deepEqual(found(ens(`${a}, ${b}`)), []);
    // Step order is free: Triton builds the graph from tensor names.
    assert.deepEqual(found(ens(`${b}, ${a}`)), []);
    // Step b reads NOPE, which nothing writes: OUT is never written and MID never read (Triton reports the first).
    assert.deepEqual(found(ens(`${a}, ${b.replace('"MID"', '"NOPE"')}`)), [
      "ensemble-tensor@output[0]",
      "ensemble-tensor@ensemble_scheduling.step[0].output_map[o]",
      "ensemble-tensor@ensemble_scheduling.step[1].input_map[i]",
    ]);
    assert.deepEqual(found(ens(a)), ["ensemble-tensor@output[0]", "ensemble-tensor@ensemble_scheduling.step[0].output_map[o]"]);
    assert.deepEqual(found(ens(`${a}, ${b}, ${b.replace('"b"', '"c"')}`)), ["ensemble-tensor@ensemble_scheduling.step[2].output_map[o]"]);
    assert.deepEqual(found(ens(`${a.replace('model_name: "a" ', "")}, ${b}`)), ["ensemble-step@ensemble_scheduling.step[0].model_name"]);
    assert.deepEqual(found(ens(`${a.replace("-1", "-2")}, ${b}`)), ["ensemble-step@ensemble_scheduling.step[0].model_version"]);
    assert.deepEqual(found(model(`ensemble_scheduling { step [ ${a} ] }`)), ["ensemble-platform@platform"]);
  });

  test("version_policy is not linted: version 0 is a folder Triton reads, and which versions exist is validate's", () => {
    assert.deepEqual(found(model("version_policy { specific { versions: [ 1, 0 ] } }")), []);
  });

  test("preserve_ordering: one priority level, and no queue policy that DELAYs timed-out requests", () => {
    const db = (body: string) => model(`dynamic_batching { preserve_ordering: true ${body} }`);
    assert.deepEqual(found(db("")), []);
    assert.deepEqual(found(db("priority_levels: 1 default_priority_level: 1")), []);
    assert.deepEqual(found(db("priority_levels: 2 default_priority_level: 1")), ["preserve-ordering@dynamic_batching.preserve_ordering"]);
    assert.deepEqual(found(db("default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100 }")), ["preserve-ordering@dynamic_batching.default_queue_policy.timeout_action"]);
    // DELAY without a timeout never acts, so Triton lets it be.
    assert.deepEqual(found(db("default_queue_policy { timeout_action: DELAY }")), []);
    assert.deepEqual(found(db("priority_levels: 1 default_priority_level: 1 priority_queue_policy { key: 1 value { timeout_action: DELAY default_timeout_microseconds: 5 } }")), [
      "preserve-ordering@dynamic_batching.priority_queue_policy[1].timeout_action",
    ]);
    assert.deepEqual(found(model("dynamic_batching { priority_levels: 2 default_priority_level: 1 default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100 } }")), []);
  });

  test("the response cache is refused with sequence batching and with decoupled models", () => {
    assert.deepEqual(found(model("response_cache { enable: true } dynamic_batching { }")), []);
    assert.deepEqual(found(model("response_cache { enable: true } sequence_batching { }")), ["response-cache@response_cache.enable"]);
    assert.deepEqual(found(model("response_cache { enable: true } model_transaction_policy { decoupled: true }")), ["response-cache@response_cache.enable"]);
    assert.deepEqual(found(model("response_cache { enable: false } model_transaction_policy { decoupled: true }")), []);
  });

  test("sequence controls: one control_input per named tensor; CORRID takes no false/true values", () => {
    const seq = (controls: string) => model(`sequence_batching { control_input [ ${controls} ] }`);
    assert.deepEqual(found(seq('{ control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] }')), ["sequence-control-name@sequence_batching.control_input[0].name"]);
    assert.deepEqual(found(seq('{ name: "S" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] }, { name: "S" control [ { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] }')), [
      "sequence-control-name@sequence_batching.control_input[1].name",
    ]);
    // One tensor may carry several kinds in one control_input.
    assert.deepEqual(found(seq('{ name: "S" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] }, { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] }')), []);
    assert.deepEqual(found(seq('{ name: "C" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 int32_false_true: [ 0, 1 ] } ] }')), [
      "sequence-control-values@sequence_batching.control_input[0].control[0].int32_false_true",
    ]);
  });

  test("sequence strategies: oldest's preferred sizes from 1 to max_batch_size, direct's slot utilization from 0 to 1", () => {
    assert.deepEqual(found(model("sequence_batching { oldest { max_candidate_sequences: 4 preferred_batch_size: [ 4, 9 ] } }")), ["preferred-batch-size@sequence_batching.oldest.preferred_batch_size[1]"]);
    assert.deepEqual(found(model("sequence_batching { oldest { max_candidate_sequences: 4 preferred_batch_size: [ 4, 8 ] } }")), []);
    assert.deepEqual(found(model("sequence_batching { direct { minimum_slot_utilization: 1.5 } }")), ["sequence-slot-utilization@sequence_batching.direct.minimum_slot_utilization"]);
    assert.deepEqual(found(model("sequence_batching { direct { minimum_slot_utilization: -0.1 } }")), ["sequence-slot-utilization@sequence_batching.direct.minimum_slot_utilization"]);
    assert.deepEqual(found(model("sequence_batching { direct { minimum_slot_utilization: 0.5 } }")), []);
  });

  test("batch inputs and outputs: one source that is an input, int32/fp32 batch inputs, target outputs named once", () => {
    const io = 'input [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] } ] output [ { name: "y" data_type: TYPE_FP32 dims: [ -1 ] } ]';
    const batch = (extra: string) => found(model(extra, io));
    assert.deepEqual(batch('batch_input [ { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: "INDEX" data_type: TYPE_FP32 source_input: "x" } ]'), []);
    assert.deepEqual(batch('batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "N" data_type: TYPE_INT64 source_input: "x" } ]'), ["batch-io@batch_input[0].data_type"]);
    assert.deepEqual(batch('batch_input [ { target_name: "N" source_input: "x" } ]'), ["batch-io@batch_input[0].data_type"]);
    assert.deepEqual(batch('batch_input [ { target_name: "N" data_type: TYPE_INT32 source_input: [ "x", "x" ] } ]'), ["batch-io@batch_input[0].source_input"]);
    assert.deepEqual(batch('batch_input [ { target_name: "N" data_type: TYPE_INT32 source_input: "z" } ]'), ["batch-io@batch_input[0].source_input[0]"]);
    assert.deepEqual(batch('batch_output [ { target_name: "y" source_input: "x" } ]'), []);
    assert.deepEqual(batch('batch_output [ { target_name: [ "y", "y", "w" ] source_input: "x" } ]'), ["batch-io@batch_output[0].target_name[1]", "batch-io@batch_output[0].target_name[2]"]);
  });

  test("shape tensors, non-linear IO and instance profiles are for TensorRT only", () => {
    const shape = 'input [ { name: "x" data_type: TYPE_INT32 dims: [ 2 ] is_shape_tensor: true } ]';
    assert.deepEqual(found(model("", shape)), ["io-tensorrt-only@input[0].is_shape_tensor"]);
    assert.deepEqual(found(model("", shape, 'platform: "tensorrt_plan" max_batch_size: 8')), []);
    assert.deepEqual(found(model("", shape, 'backend: "tensorrt" max_batch_size: 8')), []);
    // With neither platform nor backend the model files decide, which lint does not see.
    assert.deepEqual(found(model("", shape, "max_batch_size: 8")), []);
    const nonLinear = (dims: string) => `output [ { name: "y" data_type: TYPE_FP16 dims: [ ${dims} ] is_non_linear_format_io: true } ]`;
    assert.deepEqual(found(model("", nonLinear("3, 8, 8"))), ["io-tensorrt-only@output[0].is_non_linear_format_io"]);
    assert.deepEqual(found(model("", nonLinear("3, 8, 8"), 'platform: "tensorrt_plan" max_batch_size: 8')), []);
    assert.deepEqual(found(model("", nonLinear("64"), 'platform: "tensorrt_plan" max_batch_size: 8')), ["io-format-dims@output[0].dims"]);
    assert.deepEqual(found(model('instance_group [ { kind: KIND_CPU profile: [ "0" ] } ]')), ["instance-group-profile@instance_group[0].profile"]);
    const trt = 'platform: "tensorrt_plan" max_batch_size: 8';
    assert.deepEqual(found(model('instance_group [ { kind: KIND_GPU profile: [ "0", "1" ] } ]', IO, trt)), []);
    assert.deepEqual(found(model('instance_group [ { kind: KIND_GPU profile: [ "0", "-1" ] } ]', IO, trt)), ["instance-group-profile@instance_group[0].profile[1]"]);
    assert.deepEqual(found(model('instance_group [ { kind: KIND_GPU profile: [ "first" ] } ]', IO, trt)), ["instance-group-profile@instance_group[0].profile[0]"]);
  });

  test("ensembles: no instance groups, optimization or warm-up of their own; steps with both maps; every tensor read and written", () => {
    const io = 'input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ] output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]';
    const step = '{ model_name: "a" model_version: -1 input_map { key: "i" value: "IN" } output_map { key: "o" value: "OUT" } }';
    const ens = (extra: string, steps = step) => found(`platform: "ensemble" max_batch_size: 1\n${io}\nensemble_scheduling { step [ ${steps} ] }\n${extra}`);
    assert.deepEqual(ens(""), []);
    assert.deepEqual(ens("instance_group [ { kind: KIND_CPU } ]"), ["ensemble-config@instance_group"]);
    assert.deepEqual(ens("optimization { }"), ["ensemble-config@optimization"]);
    assert.deepEqual(ens('model_warmup [ { name: "w" batch_size: 1 inputs { key: "IN" value { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } } ]'), ["ensemble-config@model_warmup"]);
    assert.deepEqual(found(`platform: "ensemble"\n${io}\nensemble_scheduling { }`), ["ensemble-step@ensemble_scheduling.step"]);
    assert.deepEqual(ens("", '{ model_name: "a" output_map { key: "o" value: "OUT" } }'), ["ensemble-step@ensemble_scheduling.step[0].input_map", "ensemble-tensor@input[0]"]);
    // A step output that nothing reads is refused ("ensemble tensor 'EXTRA' is unused").
    assert.deepEqual(ens("", step.replace('value: "OUT" }', 'value: "OUT" } output_map { key: "o2" value: "EXTRA" }')), ["ensemble-tensor@ensemble_scheduling.step[0].output_map[o2]"]);
    // Two steps that feed each other never start.
    const loop = '{ model_name: "a" input_map [ { key: "i" value: "IN" }, { key: "j" value: "B" } ] output_map { key: "o" value: "A" } }, { model_name: "b" input_map { key: "i" value: "A" } output_map [ { key: "o" value: "B" }, { key: "p" value: "OUT" } ] }';
    assert.deepEqual(ens("", loop), ["ensemble-tensor@output[0]", "ensemble-tensor@ensemble_scheduling.step[0].output_map[o]", "ensemble-tensor@ensemble_scheduling.step[1].output_map[o]"]);
  });
});

describe("trtx repo lint", () => {
  test("clean configs exit 0", () => {
    const r = runCli(["repo", "lint", path.join(FIXTURE_DIR, "ensemble.pbtxt"), path.join(FIXTURE_DIR, "reshape.pbtxt")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 file\(s\), no findings/);
  });

  test("findings print as file: rule: path: message and exit 3 with one line on stderr", (t) => {
    const dir = tempDir(t);
    const bad = path.join(dir, "config.pbtxt");
    fs.writeFileSync(bad, model("", 'input [ { name: "x" data_type: TYPE_FP32 dims: [ 0 ] } ]', 'backend: "onnxruntime" max_batch_size: -1'));
    const r = runCli(["repo", "lint", bad, path.join(FIXTURE_DIR, "reshape.pbtxt")]);
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `${bad}: max-batch-size: max_batch_size: max_batch_size -1 must be >= 0`,
      `${bad}: dims-value: input[0].dims[0]: dimension 0 must be >= 1, or -1 for a variable size`,
    ]);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /2 finding\(s\) in 1 of 2 file\(s\)/);
  });

  test("warnings print with a warning: prefix and do not fail the run", (t) => {
    const advice = path.join(tempDir(t), "config.pbtxt");
    fs.writeFileSync(advice, model("dynamic_batching { }", IO, 'backend: "onnxruntime" max_batch_size: 0'));
    const r = runCli(["repo", "lint", advice]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${advice}: warning: dynamic-batching-unbatched: dynamic_batching: with max_batch_size 0 the dynamic batcher never combines requests (only its queue settings apply)`);
  });

  test("--json lists findings per file", (t) => {
    const bad = path.join(tempDir(t), "config.pbtxt");
    fs.writeFileSync(bad, model("instance_group [ { kind: KIND_CPU gpus: [ 0 ] } ]"));
    const r = runCli(["repo", "lint", bad, "--json"]);
    assert.equal(r.code, 3, r.stderr);
    const json = JSON.parse(r.stdout) as { schema: string; files: { path: string; findings: Finding[] }[] };
    assert.equal(json.schema, "trtx.repo-lint/1");
    assert.deepEqual(json.files[0]!.findings.map((f) => f.rule), ["instance-group-gpus"]);
  });

  test("a parse error exits 1 with the parser's file:line:col", (t) => {
    const bad = path.join(tempDir(t), "config.pbtxt");
    fs.writeFileSync(bad, 'name: "m"\nmax_batch_size: "eight"\n');
    fails(["repo", "lint", bad], 1, new RegExp(`${bad.replace(/[.\\]/g, "\\$&")}:2:\\d+: `));
  });

  test("a missing file exits 1", () => {
    fails(["repo", "lint", "/nonexistent/config.pbtxt"], 1, /cannot read \/nonexistent\/config\.pbtxt: ENOENT/);
  });
});
