import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../src/core/errors.js";
import { parseShapeSpecs } from "../src/core/shapes/shape-spec.js";

const parsed = (text: string) => Object.fromEntries(parseShapeSpecs(text));

function refuses(text: string, pattern: RegExp) {
  assert.throws(
    () => parseShapeSpecs(text),
    (e) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes("\n") && e.hint !== undefined,
    `${text} should be refused with ${pattern}`,
  );
}

test("shape specs parse as trtexec writes them, in order", () => {
  assert.deepEqual([...parseShapeSpecs("input:1x3x224x224,name2:8x128")], [
    ["input", [1, 3, 224, 224]],
    ["name2", [8, 128]],
  ]);
  assert.deepEqual(parsed("x:7"), { x: [7] });
  assert.deepEqual(parsed("step:scalar"), { step: [] });
  assert.deepEqual(parsed(" a:2x2 , b:3 "), { a: [2, 2], b: [3] });
});

test("a name with a colon is quoted, or ends at the last colon", () => {
  assert.deepEqual(parsed("'in:0':1x3,'a,b':2"), { "in:0": [1, 3], "a,b": [2] });
  assert.deepEqual(parsed("in:0:1x3"), { "in:0": [1, 3] });
});

test("malformed shape specs are refused with one line naming the problem", () => {
  refuses("input1x3", /no colon between name and dims/);
  refuses("'in:0'1x3", /no colon after the quoted name/);
  refuses(":1x3", /empty name/);
  refuses("'':1x3", /empty name/);
  refuses("a:1x3,a:1x4", /gives a twice/);
  refuses("a:1xbx3", /dim "b" is not an integer/);
  refuses("a:1x3.5", /dim "3.5" is not an integer/);
  refuses("a:", /dim "" is not an integer/);
  refuses("a:1x", /dim "" is not an integer/);
  refuses("a:0x3", /dims must be positive/);
  refuses("a:-1x3", /dims must be positive/);
  refuses("a:1,,b:2", /empty entry/);
  refuses("a:1,", /empty entry/);
  refuses("", /empty entry/);
  refuses("'in:0:1x3", /unclosed quote/);
  refuses("in'0':1x3", /quote inside an unquoted name/);
  refuses("a:99999999999999999999", /too large/);
});
