import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import YAML from "yaml";
import { dashboardMetrics } from "../src/core/deploy/dashboard.js";
import { parseDeclarations, unknownFields } from "../src/core/deploy/known-fields.js";
import { memoryBytes, parseRepoSource } from "../src/core/deploy/options.js";
import { queueTimeRule, QUEUE_TIME_METRIC } from "../src/core/deploy/prometheus-adapter.js";
import { readRepositoryFacts } from "../src/core/deploy/repo-facts.js";
import { gpuPlacement, startupBudget, tritonCommand } from "../src/core/deploy/serving.js";
import { validateDeployFolder } from "../src/core/deploy/validate.js";
import { fixture, ROOT, runCli, tempDir } from "./helpers.js";

const GOLDEN = path.join(ROOT, "test", "golden-deploy");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function ok(args: string[], cwd: string): string {
  const r = runCli(args, {}, cwd);
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Two models from the fixtures: a batched GPU model with the dynamic batcher and warm-ups, and a CPU model. */
function sampleRepository(dir: string): void {
  ok(["repo", "init", "mlp", "--onnx", fixture("mlp_dynbatch.onnx"), "--dynamic-batching", "--warmup"], dir);
  ok(["repo", "init", "pair", "--onnx", fixture("two_input.onnx"), "--kind", "cpu"], dir);
}

function filesUnder(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

/** Every file of `dir` equals the golden folder's (UPDATE_GOLDEN=1 rewrites the golden folder). */
function assertGoldenFolder(dir: string, name: string): void {
  const golden = path.join(GOLDEN, name);
  if (UPDATE) {
    fs.rmSync(golden, { recursive: true, force: true });
    fs.cpSync(dir, golden, { recursive: true });
  }
  assert.deepEqual(filesUnder(dir), filesUnder(golden), name);
  for (const f of filesUnder(dir)) assert.equal(fs.readFileSync(path.join(dir, f), "utf8"), fs.readFileSync(path.join(golden, f), "utf8"), `${name}/${f}`);
}

const has = (tool: string, ...args: string[]) => spawnSync(tool, args, { stdio: "ignore" }).status === 0;

test("k8s: golden manifests for a pvc repository with autoscaling, a namespace and monitor labels; valid offline", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  const json = JSON.parse(ok(["deploy", "k8s", "--repo", "model_repository", "--repo-source", "pvc:models", "--hpa", "--min", "2", "--max", "8", "--queue-target", "5", "--namespace", "inference", "--monitor-label", "release=prom", "-o", "k8s", "--json"], dir));
  assertGoldenFolder(path.join(dir, "k8s"), "k8s-pvc-hpa");
  assert.deepEqual(
    json.objects.map((o: { kind: string }) => o.kind),
    ["Namespace", "Deployment", "Service", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceMonitor", "ConfigMap"],
  );
  const deployment = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "k8s", "deployment.yaml"), "utf8"))[0]!.toJS();
  // The HPA owns the replica count; the repository comes read-only from the claim.
  assert.equal(deployment.spec.replicas, undefined);
  assert.deepEqual(deployment.spec.template.spec.volumes[1], { name: "model-repository", persistentVolumeClaim: { claimName: "models", readOnly: true } });
  const hpa = YAML.parse(fs.readFileSync(path.join(dir, "k8s", "hpa.yaml"), "utf8"));
  assert.equal(hpa.spec.metrics[0].pods.metric.name, queueTimeRule().name.as);
  const result = validateDeployFolder(path.join(dir, "k8s"));
  assert.deepEqual(result.findings, []);
  assert.equal(result.objects.length, 8);
  const cli = runCli(["deploy", "validate", "k8s"], {}, dir);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /11 file\(s\), 8 Kubernetes object\(s\): no findings/);
  if (!has("kubectl", "version", "--client")) t.diagnostic("kubectl is not installed: the kustomize build of the folder was not checked");
  else {
    const built = spawnSync("kubectl", ["kustomize", path.join(dir, "k8s")], { encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    assert.equal(YAML.parseAllDocuments(built.stdout).length, 8);
  }
});

test("k8s: golden manifests with the defaults — the repository baked into an image tagged with its hash", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  ok(["deploy", "k8s", "-o", "k8s"], dir);
  assertGoldenFolder(path.join(dir, "k8s"), "k8s-default");
  const facts = readRepositoryFacts(path.join(dir, "model_repository"));
  const deployment = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "k8s", "deployment.yaml"), "utf8"))[0]!.toJS();
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(deployment.spec.template.spec.containers[0].image, `trtx-model-repository:${facts.sha256.slice(0, 12)}`);
  assert.match(fs.readFileSync(path.join(dir, "k8s", "Dockerfile.repository"), "utf8"), /^FROM nvcr\.io\/nvidia\/tritonserver:25\.12-py3\nCOPY \. \/models\/$/m);
  assert.deepEqual(validateDeployFolder(path.join(dir, "k8s")).findings, []);
});

test("compose: golden files for one box; docker-compose accepts them where it is installed", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  ok(["deploy", "compose", "-o", "compose"], dir);
  assertGoldenFolder(path.join(dir, "compose"), "compose");
  const compose = YAML.parse(fs.readFileSync(path.join(dir, "compose", "docker-compose.yml"), "utf8"));
  assert.ok(compose.services.triton.volumes.includes("../model_repository:/models:ro"));
  assert.deepEqual(validateDeployFolder(path.join(dir, "compose")).findings, []);
  if (!has("docker-compose", "version")) return t.skip("docker-compose is not installed");
  const r = spawnSync("docker-compose", ["-f", path.join(dir, "compose", "docker-compose.yml"), "config", "-q"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

test("an INT8 bundle beside a plain model: TensorRT engine cache on a claim, start-up budget from its warm-up, pinned to the bundle's GPU", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  ok(["build", "--onnx", fixture("mlp_dynbatch.onnx"), "--int8", "--calib", "random", "--minShapes", "input:1x64", "--optShapes", "input:4x64", "--maxShapes", "input:8x64", "--saveEngine", "mlp_int8.trtx"], dir);
  ok(["repo", "init", "mlp_int8", "--loadEngine", "mlp_int8.trtx"], dir);
  // Built on this CPU machine: nothing to pin to, and the plan says so.
  const open = JSON.parse(ok(["deploy", "k8s", "-o", "open", "--json"], dir));
  assert.equal(open.placement.product, undefined);
  assert.match(open.warnings.join("\n"), /not pinned to a GPU model/);
  const parts = open.startup.parts.map((p: { model: string; seconds: number }) => [p.model, p.seconds]);
  // One engine (one profile) at INT8: (180 s + 60 s per started 100 MB) × 1.5; the CPU-only and plain models add their warm-ups.
  assert.deepEqual(parts, [["mlp", 40], ["mlp_int8", 360]]);
  assert.equal(open.startup.seconds, 60 + 40 + 360);
  assert.equal(open.startup.probe.failureThreshold, 46);

  // The same bundle as if built on an H100: pods go to H100 nodes, engines to that GPU's folder.
  const provenanceFile = path.join(dir, "model_repository", "mlp_int8", "trtx-bundle.json");
  const provenance = JSON.parse(fs.readFileSync(provenanceFile, "utf8"));
  fs.writeFileSync(provenanceFile, JSON.stringify({ ...provenance, provider: "cuda", builtOn: { ...provenance.builtOn, gpu: { name: "NVIDIA H100 80GB HBM3", computeCapability: "9.0" } } }));
  ok(["deploy", "k8s", "-o", "h100"], dir);
  const deployment = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "h100", "deployment.yaml"), "utf8"))[0]!.toJS();
  const pod = deployment.spec.template.spec;
  assert.deepEqual(pod.nodeSelector, { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" });
  assert.deepEqual(pod.containers[0].volumeMounts[1], { name: "trt-engines", mountPath: "/tmp/trtx_engines", subPath: "nvidia-h100-80gb-hbm3" });
  assert.deepEqual(pod.volumes[1], { name: "trt-engines", persistentVolumeClaim: { claimName: "trtx-trt-engines" } });
  assert.equal(YAML.parse(fs.readFileSync(path.join(dir, "h100", "engine-cache-pvc.yaml"), "utf8")).spec.accessModes[0], "ReadWriteMany");
  const readme = fs.readFileSync(path.join(dir, "h100", "README.md"), "utf8");
  assert.match(readme, /\| mlp_int8 \| onnxruntime_onnx \| 8 \| INT8 \| 1 \| NVIDIA H100 80GB HBM3 \(compute 9\.0\), cuda \|/);
  assert.match(readme, /built and checked on NVIDIA H100 80GB HBM3 \(compute 9\.0\)/);
  assert.deepEqual(validateDeployFolder(path.join(dir, "h100")).findings, []);

  // --gpu-product any leaves placement open; per-pod caches need no claim.
  ok(["deploy", "k8s", "-o", "any", "--gpu-product", "any", "--engine-cache", "pod"], dir);
  const anyPod = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "any", "deployment.yaml"), "utf8"))[0]!.toJS().spec.template.spec;
  assert.equal(anyPod.nodeSelector, undefined);
  assert.deepEqual(anyPod.volumes[1], { name: "trt-engines", emptyDir: {} });
  assert.equal(fs.existsSync(path.join(dir, "any", "engine-cache-pvc.yaml")), false);

  // A model that needs a GPU cannot go to pods without one.
  const cpu = runCli(["deploy", "k8s", "-o", "cpu", "--gpus-per-pod", "0"], {}, dir);
  assert.equal(cpu.code, 2);
  assert.match(cpu.stderr, /model mlp_int8 needs a GPU \(its TensorRT accelerator\) but --gpus-per-pod is 0/);
  assert.equal(fs.existsSync(path.join(dir, "cpu")), false);
});

test("a TensorRT plan: no GPU can be read from it, so deploy asks for --gpu-product, and pods without a GPU are refused", (t) => {
  const dir = tempDir(t);
  // A file with a plan's magic: nothing here can build a real one (no TensorRT).
  fs.writeFileSync(path.join(dir, "yolo.plan"), Buffer.concat([Buffer.from("ftrt"), Buffer.alloc(60)]));
  ok(["repo", "init", "yolo", "--plan", "yolo.plan", "--inputs", "images:-1x3x640x640:fp16", "--outputs", "output0:-1x84x8400:fp16", "--max-batch", "8"], dir);
  const open = JSON.parse(ok(["deploy", "k8s", "-o", "open", "--json"], dir));
  assert.match(open.warnings.join("\n"), /yolo: a TensorRT plan loads only on the GPU model \(and TensorRT version\) it was built for/);
  const pinned = JSON.parse(ok(["deploy", "k8s", "-o", "pinned", "--gpu-product", "NVIDIA-L4", "--json"], dir));
  assert.equal(pinned.placement.product, "NVIDIA-L4");
  assert.doesNotMatch(pinned.warnings.join("\n"), /TensorRT plan/);
  const cpu = runCli(["deploy", "compose", "--gpus", "0"], {}, dir);
  assert.equal(cpu.code, 2);
  assert.match(cpu.stderr, /model yolo needs a GPU \(a TensorRT plan\) but --gpus is 0 — pass --gpus 1/);
});

test("bundles built on different GPUs need --gpu-product", () => {
  const facts = (gpus: string[]) => ({
    bytes: 0,
    sha256: "0".repeat(64),
    models: gpus.map((name, i) => ({
      name: `m${i}`,
      platform: "onnxruntime_onnx",
      maxBatchSize: 0,
      gpuIndices: [],
      needsGpu: true,
      warmups: [],
      bytes: 0,
      provenance: { schema: "trtx.model-provenance/1" as const, bundle: "x", provider: "cuda" as const, precision: { fp16: true, int8: false, ioFp16: false, blockOps: [] }, builtOn: { platform: "linux x64", cpu: { model: "c", isa: [] }, gpu: { name, computeCapability: "9.0" } } },
    })),
  });
  assert.throws(() => gpuPlacement(facts(["NVIDIA H100 80GB HBM3", "NVIDIA L4"]), undefined), { name: "UsageError", message: /built on different GPUs \(NVIDIA-H100-80GB-HBM3, NVIDIA-L4\)/ });
  assert.equal(gpuPlacement(facts(["NVIDIA H100 80GB HBM3", "NVIDIA L4"]), "NVIDIA-L4").product, "NVIDIA-L4");
  assert.equal(gpuPlacement(facts(["NVIDIA L4", "NVIDIA L4"]), undefined).cacheFolder, "nvidia-l4");
  assert.throws(() => gpuPlacement(facts([]), "H100 80GB"), { name: "UsageError", message: /not a node label value/ });
});

test("a repository that fails repo validate is refused with its findings, and nothing is written", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  const config = path.join(dir, "model_repository", "mlp", "config.pbtxt");
  fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace('name: "mlp"', 'name: "other"'));
  for (const sub of ["k8s", "compose"]) {
    const r = runCli(["deploy", sub, "-o", "out"], {}, dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /warning: mlp: config-name: config name "other" is not the folder name "mlp"/);
    assert.match(r.stderr, /trtx: error: repository \.\/model_repository fails validation: 1 finding\(s\) in mlp — fix them \(trtx repo validate/);
    assert.equal(fs.existsSync(path.join(dir, "out")), false);
  }
  const json = runCli(["deploy", "k8s", "-o", "out", "--json"], {}, dir);
  assert.equal(json.code, 3);
  assert.deepEqual(JSON.parse(json.stdout).findings, [{ name: "mlp", findings: [{ rule: "config-name", message: 'config name "other" is not the folder name "mlp"' }] }]);
});

test("bad flags: one line naming the problem and the fix, exit 2, nothing written", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  const cases: [string[], RegExp][] = [
    [["--repo-source", "ftp://host/models"], /--repo-source scheme 'ftp:\/\/' is not a repository source trtx deploys from — use pvc:CLAIM, s3:\/\/bucket\/path/],
    [["--repo-source", "nfs"], /--repo-source 'nfs' is not a repository source/],
    [["--repo-source", "pvc:Bad_Claim"], /'Bad_Claim' is not a PersistentVolumeClaim name/],
    [["--repo-source", "s3://"], /names no bucket/],
    [["--replicas", "0"], /--replicas 0 is not valid — use an integer of at least 1/],
    [["--min", "2"], /--min, --max and --queue-target set the autoscaler and need --hpa/],
    [["--hpa", "--min", "4", "--max", "2"], /--max 2 is below --min 4/],
    [["--hpa", "--queue-target", "0"], /--queue-target 0 is not valid/],
    [["--name", "Triton_Prod"], /--name 'Triton_Prod' is not a valid Kubernetes name/],
    [["--memory", "32GB"], /--memory '32GB' is not a memory quantity — use a size such as 32Gi/],
    [["--cpu", "eight"], /--cpu 'eight' is not a CPU quantity/],
    [["--image", "nvcr.io/nvidia/tritonserver"], /--image 'nvcr\.io\/nvidia\/tritonserver' is not a pinned image reference/],
    [["--namespace", "Prod"], /--namespace 'Prod' is not a valid namespace/],
    [["--monitor-label", "release"], /--monitor-label 'release' is not a label/],
    [["--model-control-mode", "poll"], /poll watches a repository that changes, and a repository baked into an image never does/],
    [["--model-control-mode", "lazy"], /argument 'lazy' is invalid/],
  ];
  for (const [args, pattern] of cases) {
    const r = runCli(["deploy", "k8s", "-o", "out", ...args], {}, dir);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(fs.existsSync(path.join(dir, "out")), false);
  }
  // The output folder may not replace, or sit inside, the repository it deploys.
  for (const out of ["model_repository", "model_repository/deploy", "."]) {
    const r = runCli(["deploy", "k8s", "-o", out, "--force"], {}, dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /overlaps the model repository \.\/model_repository — write the deployment beside the repository/);
  }
  assert.deepEqual(fs.readdirSync(path.join(dir, "model_repository")).sort(), ["mlp", "pair"]);
  const gpus = runCli(["deploy", "compose", "--gpus", "two"], {}, dir);
  assert.equal(gpus.code, 2);
  assert.match(gpus.stderr, /--gpus two is not valid — use a number of GPUs \(0 for none\) or all/);
  const missing = runCli(["deploy", "k8s", "--repo", "nowhere"], {}, dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read model repository nowhere: ENOENT/);
});

test("an existing folder is kept unless --force; --dry-run writes nothing", (t) => {
  const dir = tempDir(t);
  sampleRepository(dir);
  fs.mkdirSync(path.join(dir, "deploy"));
  fs.writeFileSync(path.join(dir, "deploy", "mine.yaml"), "kept: true\n");
  const r = runCli(["deploy", "k8s"], {}, dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /deploy already exists — pass --force to replace it/);
  assert.deepEqual(fs.readdirSync(path.join(dir, "deploy")), ["mine.yaml"]);
  const dry = ok(["deploy", "k8s", "--dry-run", "-o", "dry"], dir);
  assert.match(dry, /^--- deployment\.yaml\n# Triton serving the repository/m);
  assert.match(dry, /would write dry \(9 files\)/);
  assert.equal(fs.existsSync(path.join(dir, "dry")), false);
  ok(["deploy", "k8s", "--force"], dir);
  assert.ok(fs.existsSync(path.join(dir, "deploy", "deployment.yaml")));
  assert.equal(fs.existsSync(path.join(dir, "deploy", "mine.yaml")), false);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith(".")),
    [],
  );
});

test("deploy validate finds broken schemas, references, YAML and compose mounts; exit 3", (t) => {
  const dir = tempDir(t);
  const k8s = path.join(dir, "k8s");
  fs.cpSync(path.join(GOLDEN, "k8s-pvc-hpa"), k8s, { recursive: true });
  const edit = (file: string, from: string | RegExp, to: string) => {
    const p = path.join(k8s, file);
    const text = fs.readFileSync(p, "utf8");
    assert.match(text, typeof from === "string" ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : from, `${file} has ${String(from)}`);
    fs.writeFileSync(p, text.replace(from, to));
  };
  edit("service.yaml", /selector:\n {4}app\.kubernetes\.io\/name: triton/, "selector:\n    app.kubernetes.io/name: tritn");
  edit("hpa.yaml", /name: trtx\n  minReplicas/, "name: trtx-typo\n  minReplicas");
  edit("deployment.yaml", "containerPort: 8002", 'containerPort: "8002"');
  edit("deployment.yaml", "spec:\n  selector:", "spec:\n  replicas: 3\n  selector:");
  edit("servicemonitor.yaml", "port: metrics", "port: prometheus");
  // Fields the kinds do not have, at three depths: kubernetes-models' validators let them through, kubectl does not.
  edit("deployment.yaml", "  strategy:", "  strategey:");
  edit("deployment.yaml", "          startupProbe:", "          startupProbes:");
  edit("pdb.yaml", "  maxUnavailable: 1", "  maxUnavailable: 1\n  minAvailabel: 1");
  fs.writeFileSync(path.join(k8s, "extra.yaml"), "apiVersion: apps/v1\nkind: Deployent\nmetadata:\n  name: x\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Service\nmetadata: &m {name: x, labels: *m}\n");
  edit("kustomization.yaml", "  - pdb.yaml", "  - pdb.yaml\n  - ingress.yaml");
  const result = validateDeployFolder(k8s);
  const rules = result.findings.map((f) => `${f.file} ${f.rule}`).sort();
  // The autoscaler aims at a Deployment that is not there, so the replica count it would reset is not reported.
  assert.deepEqual(rules, [
    "deployment.yaml schema",
    "deployment.yaml unknown-field",
    "deployment.yaml unknown-field",
    "extra.yaml unknown-kind",
    "extra.yaml yaml-parse",
    "extra.yaml yaml-parse",
    "hpa.yaml target",
    "kustomization.yaml kustomization",
    "pdb.yaml unknown-field",
    "service.yaml selects-nothing",
    "servicemonitor.yaml port",
  ]);
  assert.ok(result.findings.some((f) => f.message === "a YAML anchor contains an alias to itself"));
  assert.match(result.findings.find((f) => f.rule === "schema")!.message, /Deployment\/trtx: \/spec\/template\/spec\/containers\/0\/ports\/2\/containerPort must be integer/);
  assert.deepEqual(
    result.findings.filter((f) => f.rule === "unknown-field").map((f) => f.message),
    [
      "Deployment/trtx: /spec/strategey is not a field of apps/v1 Deployment (kubectl apply refuses it)",
      "Deployment/trtx: /spec/template/spec/containers/0/startupProbes is not a field of apps/v1 Deployment (kubectl apply refuses it)",
      "PodDisruptionBudget/trtx: /spec/minAvailabel is not a field of policy/v1 PodDisruptionBudget (kubectl apply refuses it)",
    ],
  );
  const cli = runCli(["deploy", "validate", k8s]);
  assert.equal(cli.code, 3);
  assert.match(cli.stderr, /trtx: error: 11 finding\(s\) in .*k8s — fix them, or regenerate the folder with trtx deploy/);
  // With the autoscaler's target fixed, the Deployment's replica count is: every apply would reset the scale.
  edit("hpa.yaml", "name: trtx-typo", "name: trtx");
  assert.ok(validateDeployFolder(k8s).findings.some((f) => f.rule === "hpa-replicas" && /sets spec\.replicas while a HorizontalPodAutoscaler scales it/.test(f.message)));

  const compose = path.join(dir, "compose");
  fs.cpSync(path.join(GOLDEN, "compose"), compose, { recursive: true });
  // The golden folder's repository is not beside this copy: the bind mount's source is missing.
  const findings = validateDeployFolder(compose).findings;
  assert.deepEqual(findings.map((f) => f.message), [`service triton: bind mount source ../model_repository does not exist (relative to ${compose})`]);
  const empty = runCli(["deploy", "validate", path.join(dir, "nothing")]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /is not a folder — pass the folder trtx deploy wrote/);
});

test("the tritonserver command line: strict readiness, exit on error, configs as written, latency summaries", () => {
  const none = tritonCommand({ repository: "/models", mode: "none", models: ["a", "b"] });
  assert.deepEqual(none.slice(0, 6), ["tritonserver", "--model-repository=/models", "--model-control-mode=none", "--strict-readiness=true", "--exit-on-error=true", "--disable-auto-complete-config"]);
  assert.ok(none.includes("--metrics-config=summary_latencies=true"));
  assert.deepEqual(tritonCommand({ repository: "s3://b/m", mode: "explicit", models: ["a", "b"] }).slice(-2), ["--load-model=a", "--load-model=b"]);
  assert.equal(tritonCommand({ repository: "/models", mode: "poll", models: [] }).at(-1), "--repository-poll-secs=30");
});

test("repository sources, quantities and the start-up budget", () => {
  assert.deepEqual(parseRepoSource("pvc:models"), { kind: "pvc", claim: "models" });
  assert.deepEqual(parseRepoSource("s3://bucket/path/"), { kind: "s3", url: "s3://bucket/path" });
  assert.deepEqual(parseRepoSource("gs://bucket"), { kind: "gs", url: "gs://bucket" });
  assert.deepEqual(parseRepoSource("image"), { kind: "image" });
  assert.deepEqual(parseRepoSource("image:reg.io/team/repo:v1"), { kind: "image", ref: "reg.io/team/repo:v1" });
  assert.throws(() => parseRepoSource("image:latest-less"), /not a pinned image reference/);
  assert.equal(memoryBytes("32Gi"), 32 * 2 ** 30);
  assert.equal(memoryBytes("512M"), 512e6);
  assert.equal(memoryBytes("1.5Ki"), 1536);
  const model = { name: "m", platform: "onnxruntime_onnx", maxBatchSize: 8, gpuIndices: [], needsGpu: true, bytes: 250e6, warmups: ["p0", "p1"] };
  const fp16 = startupBudget({ bytes: 500e6, sha256: "", models: [{ ...model, tensorrt: { precision: "FP16" } }] }, true);
  // Download 500 MB at 50 MB/s; two engines of a 250 MB model: 2 × (180 + 3 × 60).
  assert.deepEqual(fp16.parts.map((p) => p.seconds), [10, 720]);
  assert.equal(fp16.seconds, 60 + 10 + 720);
  assert.equal(startupBudget({ bytes: 0, sha256: "", models: [model] }, false).seconds, 60 + 40);
});

test("the dashboard and the autoscaler read only metrics Triton documents", () => {
  // Triton's metrics.md: counters, summaries (with --metrics-config summary_latencies=true) and DCGM GPU metrics.
  const documented = new Set([
    "nv_inference_request_success",
    "nv_inference_request_failure",
    "nv_inference_count",
    "nv_inference_exec_count",
    "nv_inference_request_duration_us",
    "nv_inference_queue_duration_us",
    "nv_inference_compute_input_duration_us",
    "nv_inference_compute_infer_duration_us",
    "nv_inference_compute_output_duration_us",
    "nv_inference_request_summary_us",
    "nv_inference_queue_summary_us",
    "nv_gpu_utilization",
    "nv_gpu_memory_used_bytes",
    "nv_gpu_memory_total_bytes",
  ]);
  for (const m of dashboardMetrics()) assert.ok(documented.has(m), m);
  const rule = queueTimeRule();
  for (const m of `${rule.seriesQuery} ${rule.metricsQuery}`.match(/nv_[a-z_]+/g)!) assert.ok(documented.has(m), m);
  assert.equal(rule.name.as, QUEUE_TIME_METRIC);
  assert.match(rule.metricsQuery, /<<\.LabelMatchers>>.*<<\.GroupBy>>/);
});

test("every type declaration kubernetes-models ships parses, so no kind's fields go unchecked", () => {
  const roots = ["kubernetes-models", "@kubernetes-models/prometheus-operator", "@kubernetes-models/apimachinery"].map((p) => path.join(ROOT, "node_modules", p));
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "_schemas" ? [] : walk(path.join(dir, e.name))) : e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : []));
  const files = roots.flatMap(walk);
  assert.ok(files.length > 500, `${files.length} declaration files`);
  let interfaces = 0;
  for (const f of files) interfaces += parseDeclarations(fs.readFileSync(f, "utf8"), f).interfaces.size;
  assert.ok(interfaces > files.length / 2, `${interfaces} interfaces`);
  // The root of every kind trtx writes resolves, and a correct object has no unknown field.
  assert.deepEqual(unknownFields({ apiVersion: "v1", kind: "Service", metadata: { name: "x", labels: { a: "b" } }, spec: { ports: [{ port: 1, targetPort: "http" }] } }, "kubernetes-models/v1/Service", "Service"), []);
  assert.deepEqual(unknownFields({ spec: { ports: [{ prot: 1 }] }, metadata: { label: {} } }, "kubernetes-models/v1/Service", "Service"), ["/spec/ports/0/prot", "/metadata/label"]);
});
