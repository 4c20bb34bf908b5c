import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../src/core/errors.js";
import type { ValueDesc } from "../src/core/onnx/model-info.js";
import { parseProfiles, trtProfileShapes, validateProfiles } from "../src/core/shapes/profiles.js";

const input = (name: string, shape: ValueDesc["shape"]): ValueDesc => ({ name, kind: "tensor", dtype: "float32", shape });
const image = input("input", ["batch", 3, 224, 224]);
const ids = input("ids", ["batch", "seq"]);

const refuses = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e) => e instanceof UsageError && pattern.test(e.message));

test("--optShapes alone gives min = opt = max; all three give a range", () => {
  assert.deepEqual(parseProfiles({ opt: ["input:8x3x224x224"] }), [new Map([["input", { min: [8, 3, 224, 224], opt: [8, 3, 224, 224], max: [8, 3, 224, 224] }]])]);
  const [p] = parseProfiles({ min: ["ids:1x1"], opt: ["ids:8x128"], max: ["ids:32x512"] });
  assert.deepEqual(p!.get("ids"), { min: [1, 1], opt: [8, 128], max: [32, 512] });
  assert.deepEqual(parseProfiles({}), []);
});

test("repeated flags make several profiles, written as ORT's TensorRT options expect", () => {
  const profiles = parseProfiles({ min: ["ids:1x1", "ids:32x1"], opt: ["ids:8x64", "ids:32x256"], max: ["ids:16x128", "ids:32x512"] });
  assert.equal(profiles.length, 2);
  validateProfiles(profiles, [ids]);
  assert.equal(trtProfileShapes(profiles, "min"), "ids:1x1,ids:32x1");
  assert.equal(trtProfileShapes(profiles, "max"), "ids:16x128,ids:32x512");
});

test("partial flag sets and mismatched names are refused", () => {
  refuses(() => parseProfiles({ min: ["input:1x3x224x224"], opt: ["input:8x3x224x224"] }), /give only --optShapes, or --minShapes, --optShapes and --maxShapes/);
  refuses(() => parseProfiles({ min: ["a:1"], opt: ["a:2,b:2"], max: ["a:3"] }), /b has --optShapes but no --minShapes/);
  refuses(() => parseProfiles({ min: ["a:1,b:1"], opt: ["a:2"], max: ["a:3"] }), /b has min\/max shapes but no --optShapes/);
});

test("profiles are checked against the model", () => {
  const check = (min: string, opt: string, max: string, inputs: ValueDesc[] = [image]) => () => validateProfiles(parseProfiles({ min: [min], opt: [opt], max: [max] }), inputs);
  assert.doesNotThrow(check("input:1x3x224x224", "input:8x3x224x224", "input:32x3x224x224"));
  refuses(check("image:1x3x224x224", "image:8x3x224x224", "image:32x3x224x224"), /image is not an input of the model/);
  refuses(check("input:1x3x224", "input:8x3x224", "input:32x3x224"), /has rank 3, the model's \[batch,3,224,224\] has 4/);
  refuses(check("input:1x3x224x224", "input:8x3x256x256", "input:32x3x224x224"), /changes fixed dim 2/);
  refuses(check("input:8x3x224x224", "input:1x3x224x224", "input:32x3x224x224"), /min ≤ opt ≤ max/);
  refuses(check("ids:1x1", "ids:2x2", "ids:3x3", [ids, input("mask", ["batch", "seq"])]), /does not cover dynamic input mask/);
  refuses(check("x:1x4", "x:1x4", "x:1x4", [input("x", [1, 4])]), /all fixed-size; shape profiles do not apply/);
  refuses(() => trtProfileShapes(parseProfiles({ opt: ["'in:0':1x4"] }), "opt"), /cannot be named in ORT's TensorRT profile options/);
});
