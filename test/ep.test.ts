import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ProviderUnavailableError, UsageError } from "../src/core/errors.js";
import { describeDiagnosis, diagnoseProvider, hintFor } from "../src/core/ep/diagnose.js";
import { attemptLists, parseEp } from "../src/core/ep/providers.js";
import { createSession } from "../src/core/ep/session.js";
import { fixture, tempDir } from "./helpers.js";

test("--ep accepts the four choices in any case and refuses others with the valid list", () => {
  assert.equal(parseEp("CUDA"), "cuda");
  assert.equal(parseEp(" auto "), "auto");
  assert.throws(() => parseEp("dml"), (e) => e instanceof UsageError && /unknown execution provider 'dml'/.test(e.message) && /auto, cpu, cuda or tensorrt/.test(e.hint ?? ""));
});

test("auto tries tensorrt, then cuda, then cpu; an explicit provider gets no fallback", () => {
  assert.deepEqual(attemptLists("auto").map((l) => l[0]), ["tensorrt", "cuda", "cpu"]);
  assert.deepEqual(attemptLists("cuda"), [["cuda", "cpu"]]);
  assert.deepEqual(attemptLists("cpu"), [["cpu"]]);
});

test("a provider whose library is absent is diagnosed by file name", (t) => {
  const dir = tempDir(t);
  const d = diagnoseProvider("cuda", dir);
  assert.equal(d.missingFile, "libonnxruntime_providers_cuda.so");
  assert.match(describeDiagnosis("cuda", d)!, /libonnxruntime_providers_cuda.so is not installed/);
  fs.writeFileSync(path.join(dir, "libonnxruntime_providers_cuda.so"), "");
  assert.equal(diagnoseProvider("cuda", dir).missingFile, "libonnxruntime_providers_shared.so");
});

test("missing dependencies map to the install that fixes them", () => {
  assert.match(hintFor("tensorrt", { missingDependencies: ["libnvinfer.so.10"] })!, /TensorRT 10/);
  assert.match(hintFor("cuda", { missingDependencies: ["libcudnn.so.9"] })!, /cuDNN 9/);
  assert.match(hintFor("cuda", { missingDependencies: ["libcublasLt.so.13"] })!, /CUDA 13 runtime/);
  assert.match(describeDiagnosis("tensorrt", { missingDependencies: ["libnvinfer.so.10", "libnvonnxparser.so.10"] })!, /libnvinfer.so.10, libnvonnxparser.so.10 not found/);
});

test("auto ends on a provider that works and says why the ones before it did not", async () => {
  const { session, provider, attempts } = await createSession(fixture("mlp_dynbatch.onnx"), { ep: "auto" });
  await session.release();
  assert.equal(attempts.at(-1)!.provider, provider);
  assert.equal(attempts.at(-1)!.ok, true);
  for (const a of attempts.slice(0, -1)) {
    assert.equal(a.ok, false);
    assert.ok(a.reason && a.reason.length > 10, `${a.provider} failed without a reason`);
  }
});

test("an explicit provider that cannot load is an error, not a silent fallback", async () => {
  const cuda = diagnoseProvider("cuda");
  if (!cuda.missingFile) return; // a machine with the CUDA provider installed: nothing to refuse here
  await assert.rejects(createSession(fixture("mlp_dynbatch.onnx"), { ep: "cuda" }), (e) => e instanceof ProviderUnavailableError && /cuda is unavailable: .*libonnxruntime_providers_cuda.so/.test(e.message));
});
