import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { TrtxError } from "../src/core/errors.js";
import { ConfigParseError, parseModelConfig, type ConfigObject } from "../src/core/triton/pbtxt-parse.js";
import { renderModelConfig } from "../src/core/triton/pbtxt-render.js";
import { MODEL_CONFIG_ROOT, ModelConfigType } from "../src/core/triton/schema.js";
import { tempDir } from "./helpers.js";

const FIXTURE_DIR = fileURLToPath(new URL("../../test/fixtures-pbtxt/", import.meta.url));
const FIXTURES = fs.readdirSync(FIXTURE_DIR).filter((f) => f.endsWith(".pbtxt")).sort();
const readFixture = (name: string) => fs.readFileSync(path.join(FIXTURE_DIR, name), "utf8");
/** What `trtx repo init` writes (test/repo-init.test.ts keeps these equal to its output). */
const GOLDEN_DIR = fileURLToPath(new URL("../../test/golden-configs/", import.meta.url));
const GOLDENS = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".pbtxt")).sort();
const parse = (text: string) => parseModelConfig(text, "t.pbtxt");

/** parse(render(x)) equals x, render is a fixed point, and protobufjs accepts the object. */
function assertRoundTrip(config: ConfigObject): string {
  const text = renderModelConfig(config);
  assert.deepEqual(parseModelConfig(text, "rendered"), config);
  assert.equal(renderModelConfig(parseModelConfig(text, "rendered")), text);
  assert.equal(ModelConfigType.verify(ModelConfigType.fromObject(config)), null);
  return text;
}

describe("ModelConfig schema", () => {
  test("ModelConfig's fields, numbers and declaration order are Triton's", () => {
    const fields = ModelConfigType.fieldsArray.map((f) => `${f.name}=${f.id}`);
    assert.deepEqual(fields, [
      "name=1", "platform=2", "backend=17", "runtime=25", "version_policy=3", "max_batch_size=4", "input=5", "output=6",
      "batch_input=20", "batch_output=21", "optimization=12", "dynamic_batching=11", "sequence_batching=13",
      "ensemble_scheduling=15", "instance_group=7", "default_model_filename=8", "cc_model_filenames=9", "metric_tags=10",
      "parameters=14", "model_warmup=16", "model_operations=18", "model_transaction_policy=19",
      "model_repository_agents=23", "response_cache=24", "model_metrics=26",
    ]);
    assert.deepEqual(ModelConfigType.oneofs["scheduling_choice"]!.oneof, ["dynamic_batching", "sequence_batching", "ensemble_scheduling"]);
  });

  test("every message and enum of model_config.proto is there", () => {
    const names: string[] = [];
    const walk = (ns: protobuf.NamespaceBase) => {
      for (const o of ns.nestedArray) {
        names.push(o.fullName.slice(".inference.".length));
        if (o instanceof protobuf.Type) walk(o);
      }
    };
    walk(MODEL_CONFIG_ROOT.lookup("inference") as protobuf.Namespace);
    assert.equal(names.length, 55);
    for (const n of ["ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound", "ModelSequenceBatching.InitialState", "ModelMetrics.MetricControl.HistogramOptions", "ModelInstanceGroup.SecondaryDevice.SecondaryDeviceKind", "ModelWarmup.Input", "ModelRepositoryAgents.Agent", "BatchInput.Kind", "BatchOutput.Kind", "ModelQueuePolicy.TimeoutAction"]) {
      assert.ok(names.includes(n), n);
    }
    const dt = MODEL_CONFIG_ROOT.lookupEnum("inference.DataType").values;
    assert.equal(dt["TYPE_BF16"], 14);
    assert.equal(dt["TYPE_STRING"], 13);
    const pqp = MODEL_CONFIG_ROOT.lookupType("inference.ModelDynamicBatching").fields["priority_queue_policy"] as unknown as protobuf.MapField;
    assert.deepEqual([pqp.keyType, pqp.type, pqp.id], ["uint64", "ModelQueuePolicy", 7]);
    assert.deepEqual(MODEL_CONFIG_ROOT.lookupType("inference.ModelWarmup.Input").oneofs["input_data_type"]!.oneof, ["zero_data", "random_data", "input_data_file"]);
    assert.equal(MODEL_CONFIG_ROOT.lookupType("inference.ModelSequenceBatching.Control").fields["bool_false_true"]!.id, 5);
  });
});

describe("fixtures: Triton documentation configs", () => {
  test("there are at least 15", () => assert.ok(FIXTURES.length >= 15, FIXTURES.join(", ")));
  for (const name of FIXTURES) {
    test(`${name} parses and round-trips`, () => {
      const config = parseModelConfig(readFixture(name), name);
      assert.ok(typeof config["name"] === "string" && config["name"].length > 0);
      assertRoundTrip(config);
    });
  }

  test("a config already in rendered form renders to itself", () => {
    const text = readFixture("onnx-resnet50.pbtxt").replace(/^#.*\n/gm, "");
    assert.equal(renderModelConfig(parse(text)), text);
  });

  test("values land where the docs say", () => {
    const ens = parse(readFixture("ensemble.pbtxt"));
    const steps = (ens["ensemble_scheduling"] as { step: ConfigObject[] }).step;
    assert.deepEqual(steps[1], {
      model_name: "classification_model", model_version: "-1",
      input_map: { FORMATTED_IMAGE: "preprocessed_image" }, output_map: { CLASSIFICATION_OUTPUT: "CLASSIFICATION" },
    });
    const prio = parse(readFixture("dynamic-priority.pbtxt"))["dynamic_batching"] as ConfigObject;
    assert.deepEqual(prio["priority_queue_policy"], {
      "1": { default_timeout_microseconds: "10000", max_queue_size: 8 },
      "2": { max_queue_size: 128 },
    });
    assert.deepEqual(prio["preferred_batch_size"], [8, 16, 32]);
    const warm = (parse(readFixture("warmup.pbtxt"))["model_warmup"] as ConfigObject[])[0]!["inputs"] as ConfigObject;
    assert.deepEqual(warm["text"], { data_type: "TYPE_STRING", dims: ["1"], input_data_file: "text_input" });
    const py = parse(readFixture("python-backend.pbtxt"));
    assert.deepEqual((py["parameters"] as ConfigObject)["EXECUTION_ENV_PATH"], { string_value: "$$TRITON_MODEL_DIRECTORY/python_env.tar.gz" });
    assert.equal(py["max_batch_size"], undefined, "proto3: max_batch_size 0 is the default, so absent");
    assert.deepEqual(parse(readFixture("version-all.pbtxt"))["version_policy"], { all: {} });
  });

  test("every literal form decodes as text format defines it", () => {
    const c = parse(readFixture("strings-and-numbers.pbtxt"));
    assert.equal(c["name"], `quote's "and" \\ backAAé`);
    assert.equal(c["platform"], "onnxruntime_onnx");
    assert.equal(c["max_batch_size"], 16);
    assert.deepEqual(c["input"], [{ name: "a", data_type: "TYPE_FP32", dims: ["8", "-2", "0"] }]);
    assert.deepEqual(c["output"], [{ name: "b", data_type: "TYPE_UINT32", dims: ["1", "2", "3"] }]);
    const seq = c["sequence_batching"] as { direct: ConfigObject; control_input: [{ control: [ConfigObject] }] };
    assert.equal(seq.direct["minimum_slot_utilization"], 0.15);
    assert.deepEqual(seq.control_input[0].control[0], {
      fp32_false_true: [-Infinity, Infinity, NaN, 0.5, 1000, 2],
      bool_false_true: [true, false, true, false, true, false],
    });
  });
});

describe("text-format syntax", () => {
  const same = (a: string, b: string) => assert.deepEqual(parse(a), parse(b), `${a}  vs  ${b}`);
  test("message delimiters, optional colon, separators and comments", () => {
    const want = { input: [{ name: "a", dims: ["1", "2"] }], dynamic_batching: {} };
    for (const text of [
      'input { name: "a" dims: [1, 2] } dynamic_batching {}',
      'input: { name: "a", dims: 1; dims: 2 }; dynamic_batching: { }',
      'input < name: "a" dims: [1] dims: [2] > dynamic_batching < >',
      'input [ { name: "a" dims: [1, 2] } ] # trailing comment\ndynamic_batching {}',
      'input: [ < name: "a" dims: 1 dims: 2 > ], dynamic_batching {}',
      '# only a comment\n\tinput{name:"a"dims:[1,2]}dynamic_batching{}',
    ]) assert.deepEqual(parse(text), want, text);
  });
  test("repeated messages as separate blocks and as lists accumulate in order", () => {
    same('input { name: "a" } input [ { name: "b" }, { name: "c" } ] input { name: "d" }', 'input [ {name:"a"}, {name:"b"}, {name:"c"}, {name:"d"} ]');
    assert.deepEqual(parse("input { dims: [] }"), { input: [{}] });
  });
  test("integers: decimal, hex, octal, signs, 64-bit exact", () => {
    assert.deepEqual(parse("max_batch_size: -0x7fffffff"), { max_batch_size: -2147483647 });
    assert.deepEqual(parse("max_batch_size: 017"), { max_batch_size: 15 });
    assert.deepEqual(parse("dynamic_batching { priority_levels: 18446744073709551615 }"), { dynamic_batching: { priority_levels: "18446744073709551615" } });
    assert.deepEqual(parse("input { dims: -9223372036854775808 }"), { input: [{ dims: ["-9223372036854775808"] }] });
  });
  test("floats: exponents, f suffix, inf, nan, integers", () => {
    const fp = (v: string) => ((parse(`sequence_batching { direct { minimum_slot_utilization: ${v} } }`)["sequence_batching"] as { direct: ConfigObject }).direct["minimum_slot_utilization"]);
    assert.equal(fp("1e-3"), 0.001);
    assert.equal(fp("1.5f"), 1.5);
    assert.equal(fp("2"), 2);
    assert.equal(fp("-Infinity"), -Infinity);
    assert.equal(fp("INF"), Infinity);
    assert.ok(Number.isNaN(fp("nan")));
  });
  test("bools and enums by name or number", () => {
    for (const t of ["true", "True", "t", "1"]) assert.deepEqual(parse(`response_cache { enable: ${t} }`), { response_cache: { enable: true } });
    for (const f of ["false", "False", "f", "0"]) assert.deepEqual(parse(`response_cache { enable: ${f} }`), { response_cache: {} });
    same("input { data_type: 11 format: 2 }", "input { data_type: TYPE_FP32 format: FORMAT_NCHW }");
  });
  test("maps: missing key or value is the default, list form works", () => {
    assert.deepEqual(parse('parameters { key: "k" } metric_tags [ { value: "v" }, { key: "a" value: "b" } ]'), {
      parameters: { k: {} }, metric_tags: { "": "v", a: "b" },
    });
  });
  test("proto3 defaults are dropped, oneof members and messages are kept", () => {
    assert.deepEqual(parse('name: "" max_batch_size: 0 input { data_type: TYPE_INVALID optional: false } version_policy { latest { num_versions: 0 } }'), {
      input: [{}], version_policy: { latest: {} },
    });
    assert.deepEqual(parse('model_warmup { inputs { key: "x" value { zero_data: false } } }'), { model_warmup: [{ inputs: { x: { zero_data: false } } }] });
  });
  test("string escapes and adjacent concatenation", () => {
    assert.equal(parse(String.raw`name: "a\tb\n\r\a\b\f\v\?\\\"\'" '\'' "\x7" "\x41\101\u00e9\U0001F600"`)["name"], "a\tb\n\r\x07\b\f\v?\\\"''\x07AAé😀");
    assert.equal(parse('name: "é😀"')["name"], "é😀");
  });
});

interface ErrorCase {
  text: string;
  error: RegExp;
  /** Stricter than protobuf's TextFormat on purpose; protoc accepts these. */
  deviation?: boolean;
}
const ERROR_CASES: ErrorCase[] = [
  { text: 'name: "x"\nfoo: 1', error: /^t\.pbtxt:2:1: unknown field "foo" in inference\.ModelConfig$/ },
  { text: 'input { name: "a" dimz: [1] }', error: /^t\.pbtxt:1:19: unknown field "dimz" in inference\.ModelInput$/ },
  { text: 'max_batch_size: "8"', error: /^t\.pbtxt:1:17: expected an integer for field "max_batch_size" \(int32\), found a string$/ },
  { text: "name: 5", error: /^t\.pbtxt:1:7: expected a string for field "name", found '5'$/ },
  { text: "max_batch_size: 1.5", error: /^t\.pbtxt:1:17: expected an integer .*found '1\.5'$/ },
  { text: "max_batch_size: 2147483648", error: /^t\.pbtxt:1:17: 2147483648 is out of range for field "max_batch_size" \(int32\)$/ },
  { text: "dynamic_batching {\n  max_queue_delay_microseconds: -1 }", error: /^t\.pbtxt:2:33: -1 is out of range .*\(uint64\)$/ },
  { text: "input { dims: 9223372036854775808 }", error: /^t\.pbtxt:1:15: 9223372036854775808 is out of range .*\(int64\)$/ },
  { text: "input { data_type: TYPE_FLOAT32 }", error: /^t\.pbtxt:1:20: invalid value 'TYPE_FLOAT32' for enum field "data_type"$/ },
  { text: "input { data_type: 99 }", error: /^t\.pbtxt:1:20: invalid value '99' for enum field "data_type"$/, deviation: true },
  { text: "response_cache { enable: yes }", error: /^t\.pbtxt:1:26: expected true or false for field "enable", found 'yes'$/ },
  { text: "response_cache { enable: 2 }", error: /^t\.pbtxt:1:26: expected true or false/ },
  { text: 'name: "abc\nplatform: "x"', error: /^t\.pbtxt:1:7: unterminated string$/ },
  { text: "name: 'abc", error: /^t\.pbtxt:1:7: unterminated string$/ },
  { text: 'input {\n  name: "a"\n', error: /^t\.pbtxt:3:1: expected '}' to close the message opened at 1:7, found end of input$/ },
  { text: 'input < name: "a" }', error: /^t\.pbtxt:1:19: expected a field name, found '}'$/ },
  { text: 'name: "a" }', error: /^t\.pbtxt:1:11: expected a field name, found '}'$/ },
  { text: 'name: "a"\nname: "b"', error: /^t\.pbtxt:2:1: field "name" is set more than once$/ },
  { text: "response_cache { } response_cache { }", error: /^t\.pbtxt:1:20: field "response_cache" is set more than once$/ },
  { text: "dynamic_batching { }\nsequence_batching { }", error: /^t\.pbtxt:2:1: field "sequence_batching" and field "dynamic_batching" are both set, but they are members of oneof scheduling_choice$/ },
  { text: "version_policy { latest { } all { } }", error: /^t\.pbtxt:1:29: field "all" and field "latest" .*oneof policy_choice$/ },
  { text: 'model_warmup { inputs { key: "x" value { zero_data: true random_data: true } } }', error: /^t\.pbtxt:1:58: field "random_data" and field "zero_data" .*oneof input_data_type$/ },
  { text: 'name "x"', error: /^t\.pbtxt:1:6: expected ':' after field "name", found a string$/ },
  { text: 'name: "a\\q"', error: /^t\.pbtxt:1:9: invalid escape "\\q" in string$/ },
  { text: 'name: "\\777"', error: /^t\.pbtxt:1:8: invalid octal escape "\\777"$/, deviation: true },
  { text: 'name: "\\xff"', error: /^t\.pbtxt:1:7: string for field "name" is not valid UTF-8$/, deviation: true },
  { text: "max_batch_size: 12ab", error: /^t\.pbtxt:1:17: invalid number "12ab"$/ },
  { text: "max_batch_size: 09", error: /^t\.pbtxt:1:17: invalid octal number "09"$/ },
  { text: 'name: "a" @', error: /^t\.pbtxt:1:11: unexpected character "@"$/ },
  { text: "input { dims: [1, 2 }", error: /^t\.pbtxt:1:21: expected ']' to close the list opened at 1:15, found '}'$/ },
  { text: "input { dims: [1, ] }", error: /^t\.pbtxt:1:19: expected an integer .*found ']'$/ },
  { text: 'parameters { key: "a" val: "b" }', error: /^t\.pbtxt:1:23: expected "key" or "value" in a "parameters" map entry, found 'val'$/ },
  { text: 'metric_tags { key: "a" key: "b" }', error: /^t\.pbtxt:1:24: field "key" is set more than once$/ },
  { text: 'metric_tags { key: "a" value: "1" }\nmetric_tags { key: "a" value: "2" }', error: /^t\.pbtxt:2:13: map "metric_tags" has key "a" more than once$/, deviation: true },
  { text: "dynamic_batching: 5", error: /^t\.pbtxt:1:19: expected '\{' or '<' to open a ModelDynamicBatching message, found '5'$/ },
  { text: "name { }", error: /^t\.pbtxt:1:6: expected ':' after field "name", found '\{'$/ },
  { text: "[foo.bar]: 1", error: /^t\.pbtxt:1:1: expected a field name, found '\['$/ },
];

describe("errors", () => {
  for (const c of ERROR_CASES) {
    test(`rejects ${JSON.stringify(c.text)}`, () => {
      assert.throws(
        () => parse(c.text),
        (e: unknown) => {
          assert.ok(e instanceof ConfigParseError && e instanceof TrtxError, String(e));
          assert.equal(e.name, "ConfigParseError");
          assert.match(e.message, c.error);
          assert.ok(!e.message.includes("\n"));
          return true;
        },
      );
    });
  }
  test("an unknown field's hint lists the message's fields", () => {
    assert.throws(() => parse("input { nmae: 1 }"), (e: unknown) => e instanceof ConfigParseError && /name, data_type, format, dims/.test(e.hint ?? ""));
  });
});

describe("renderer", () => {
  test("layout: declaration order, one-line scalar lists, input [ ] lists, map blocks, empty messages", () => {
    const text = renderModelConfig({
      dynamic_batching: {},
      parameters: { b: { string_value: "2" }, a: {} },
      input: [{ dims: ["3", "224"], name: "x", data_type: "TYPE_FP32" }, { name: "y" }],
      name: "m",
    });
    assert.equal(text, [
      'name: "m"',
      "input [",
      "  {",
      '    name: "x"',
      "    data_type: TYPE_FP32",
      "    dims: [ 3, 224 ]",
      "  },",
      "  {",
      '    name: "y"',
      "  }",
      "]",
      "dynamic_batching { }",
      "parameters {",
      '  key: "b"',
      "  value {",
      '    string_value: "2"',
      "  }",
      "}",
      "parameters {",
      '  key: "a"',
      "  value { }",
      "}",
      "",
    ].join("\n"));
  });
  test("defaults are omitted, except oneof members", () => {
    assert.equal(renderModelConfig({ name: "", max_batch_size: 0, input: [], response_cache: { enable: false } }), "response_cache { }\n");
    assert.equal(renderModelConfig({ model_warmup: [{ inputs: { x: { zero_data: false } } }] }).includes("zero_data: false"), true);
  });
  test("awkward values survive the round trip", () => {
    assertRoundTrip({
      name: 'tab\t"quote" \\ nul\u0000 del\u007f é 😀',
      max_batch_size: -2147483648,
      dynamic_batching: { priority_levels: "18446744073709551615", priority_queue_policy: { "3": {}, "1": { timeout_action: "DELAY" } } },
      input: [{ dims: ["-9223372036854775808", "0", "-1"], data_type: "TYPE_BF16" }],
      model_metrics: { metric_control: [{ histogram_options: { buckets: [-0, 1e-300, 1.7976931348623157e308, -Infinity, NaN, 0.1] } }] },
    });
  });
  test("accepts enum numbers and bigint 64-bit values, prints names and digits", () => {
    assert.equal(renderModelConfig({ input: [{ data_type: 11, dims: [3n, 4] }] }), "input [\n  {\n    data_type: TYPE_FP32\n    dims: [ 3, 4 ]\n  }\n]\n");
  });
  test("a value that does not fit the schema is a TypeError", () => {
    assert.throws(() => renderModelConfig({ nmae: "x" }), TypeError);
    assert.throws(() => renderModelConfig({ input: [{ data_type: "TYPE_FLOAT" }] }), TypeError);
    assert.throws(() => renderModelConfig({ max_batch_size: 1.5 }), TypeError);
    assert.throws(() => renderModelConfig({ input: { name: "a" } }), TypeError);
  });
});

/** The schema as .proto text, for protoc. */
function protoText(): string {
  const fieldLine = (f: protobuf.Field) => {
    const m = f as unknown as protobuf.MapField;
    return f.map ? `map<${m.keyType}, ${f.type}> ${f.name} = ${f.id};` : `${f.repeated ? "repeated " : ""}${f.type} ${f.name} = ${f.id};`;
  };
  const decl = (obj: protobuf.ReflectionObject, ind: string): string[] => {
    if (obj instanceof protobuf.Enum) return [`${ind}enum ${obj.name} {`, ...Object.entries(obj.values).map(([k, v]) => `${ind}  ${k} = ${v};`), `${ind}}`];
    const type = obj as protobuf.Type;
    const lines = [`${ind}message ${type.name} {`, ...type.nestedArray.flatMap((n) => decl(n, `${ind}  `))];
    lines.push(...type.fieldsArray.filter((f) => f.partOf === null).map((f) => `${ind}  ${fieldLine(f)}`));
    for (const o of type.oneofsArray) lines.push(`${ind}  oneof ${o.name} {`, ...o.fieldsArray.map((f) => `${ind}    ${fieldLine(f)}`), `${ind}  }`);
    return [...lines, `${ind}}`];
  };
  const ns = MODEL_CONFIG_ROOT.lookup("inference") as protobuf.Namespace;
  return ['syntax = "proto3";', "package inference;", ...ns.nestedArray.flatMap((n) => decl(n, ""))].join("\n") + "\n";
}

describe("protoc agrees", () => {
  const hasProtoc = spawnSync("protoc", ["--version"]).status === 0;
  const skip = hasProtoc ? false : "protoc not installed (apt-get install protobuf-compiler)";
  const protoc = (dir: string, mode: "encode" | "decode", input: string | Buffer) =>
    spawnSync("protoc", [`--${mode}=inference.ModelConfig`, "model_config.proto"], { cwd: dir, input, maxBuffer: 1 << 24 });

  test("fixtures and their renderings encode; protoc's own rendering parses to the same object", { skip }, (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, "model_config.proto"), protoText());
    const files = [...FIXTURES.map((f) => path.join(FIXTURE_DIR, f)), ...GOLDENS.map((f) => path.join(GOLDEN_DIR, f))];
    for (const file of files) {
      const name = path.basename(file);
      const original = fs.readFileSync(file, "utf8");
      const config = parseModelConfig(original, name);
      for (const text of [original, renderModelConfig(config)]) {
        const encoded = protoc(dir, "encode", text);
        assert.equal(encoded.status, 0, `${name}: ${encoded.stderr}`);
        const decoded = protoc(dir, "decode", encoded.stdout);
        assert.equal(decoded.status, 0, `${name}: ${decoded.stderr}`);
        assert.deepEqual(parseModelConfig(decoded.stdout.toString("utf8"), `${name} via protoc`), config, name);
      }
    }
  });

  test("protoc rejects what we reject (except the documented deviations)", { skip }, (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, "model_config.proto"), protoText());
    for (const c of ERROR_CASES) {
      const r = protoc(dir, "encode", c.text);
      assert.equal(r.status === 0, c.deviation === true, `${JSON.stringify(c.text)}: protoc ${r.status === 0 ? "accepted" : "rejected"} it`);
    }
  });
});
