import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { applyChoice, pickBest } from "../src/core/perf/sweep.js";
import type { PerfPoint } from "../src/core/perf/types.js";
import { parseModelConfig } from "../src/core/triton/pbtxt-parse.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

/** A point with only what the choice reads. */
const point = (batch: number, concurrency: number, throughput: number, p99: number) =>
  ({ batch, concurrency, throughput, latency: { percentiles: { "99": p99 }, max: p99 } }) as unknown as PerfPoint;

test("pickBest: the highest throughput within the p99 budget; ties to the smaller batch, then fewer instances", () => {
  const points = [point(1, 1, 100, 1), point(8, 1, 500, 4), point(8, 2, 900, 9), point(32, 1, 900, 20), point(32, 2, 1200, 30)];
  assert.deepEqual(pickBest(points), { batch: 32, instances: 2, throughput: 1200, p99Ms: 30 });
  assert.deepEqual(pickBest(points, 10), { batch: 8, instances: 2, throughput: 900, p99Ms: 9 });
  assert.deepEqual(pickBest([point(8, 2, 900, 9), point(8, 1, 900, 9)], 10).instances, 1);
  assert.throws(() => pickBest(points, 0.5), { name: "CheckFailedError", message: /keeps p99 within 0.5 ms \(the lowest measured is 1\.00 ms\)/ });
});

test("applyChoice: batch and preferred size for a batched config, instance count with its kind and GPUs kept", () => {
  const batched = parseModelConfig('name: "m"\nmax_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 100 }\ninstance_group [ { kind: KIND_GPU count: 1 gpus: [ 1 ] } ]\n', "m");
  const next = applyChoice(batched, { batch: 32, instances: 3, throughput: 1, p99Ms: 1 }, "cuda");
  assert.equal(next.max_batch_size, 32);
  assert.deepEqual(next.dynamic_batching, { max_queue_delay_microseconds: "100", preferred_batch_size: [32] });
  assert.deepEqual(next.instance_group, [{ kind: "KIND_GPU", count: 3, gpus: [1] }]);
  assert.equal(batched.max_batch_size, 8, "the original is not modified");
  // Unbatched: dims hold the batch dim, so only the instances change; the kind follows the provider.
  const plain = parseModelConfig('name: "m"\n', "m");
  const cpu = applyChoice(plain, { batch: 1, instances: 2, throughput: 1, p99Ms: 1 }, "cpu");
  assert.deepEqual(cpu, { name: "m", instance_group: [{ kind: "KIND_CPU", count: 2 }] });
});

test("trtx perf --sweep --write-config rewrites the model's config, which still validates", (t) => {
  const repo = path.join(tempDir(t), "models");
  assert.equal(runCli(["repo", "init", "mlp", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", repo, "--dynamic-batching", "--max-queue-delay-us", "50", "--kind", "cpu"]).code, 0);
  const r = runCli(["perf", "--sweep", "--repo", repo, "mlp", "-b", "1,4", "--concurrency", "1,2", "--duration", "0.3", "--warmUp", "20", "--write-config", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.points.length, 4);
  assert.equal(out.sweep.written, true);
  const config = parseModelConfig(fs.readFileSync(path.join(repo, "mlp", "config.pbtxt"), "utf8"), "config.pbtxt");
  assert.equal(config.max_batch_size, out.sweep.choice.batch);
  assert.deepEqual(config.dynamic_batching, { preferred_batch_size: [out.sweep.choice.batch], max_queue_delay_microseconds: "50" });
  assert.deepEqual(config.instance_group, [{ kind: "KIND_CPU", count: out.sweep.choice.instances }]);
  assert.equal(runCli(["repo", "validate", repo]).code, 0);
});

test("--sweep refusals: flags without --sweep, a missing model, a TensorRT plan, an impossible budget (exit 3, config untouched)", (t) => {
  const dir = tempDir(t);
  const repo = path.join(dir, "models");
  assert.equal(runCli(["repo", "init", "mlp", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", repo]).code, 0);
  fails(["perf", "--onnx", fixture("mlp_dynbatch.onnx"), "--write-config"], 2, /--write-config goes with --sweep/);
  fails(["perf", "--sweep", "--repo", repo], 2, /--sweep needs --repo and a model name/);
  fails(["perf", "--sweep", "--repo", repo, "mlp", "--onnx", fixture("mlp_dynbatch.onnx")], 2, /drop --onnx/);
  fails(["perf", "--sweep", "--repo", repo, "nope"], 1, /no such model folder/);
  fs.mkdirSync(path.join(repo, "engine", "1"), { recursive: true });
  fs.writeFileSync(path.join(repo, "engine", "config.pbtxt"), 'name: "engine"\nplatform: "tensorrt_plan"\n');
  fails(["perf", "--sweep", "--repo", repo, "engine"], 2, /served by tensorrt_plan; trtx perf runs ONNX models only/);
  const before = fs.readFileSync(path.join(repo, "mlp", "config.pbtxt"), "utf8");
  const r = runCli(["perf", "--sweep", "--repo", repo, "mlp", "-b", "1", "--concurrency", "1", "--duration", "0.3", "--latency-budget-ms", "0.000001", "--write-config"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /no batch size and instance count keeps p99 within/);
  assert.equal(fs.readFileSync(path.join(repo, "mlp", "config.pbtxt"), "utf8"), before);
});
