/**
 * `trtx build`: an engine bundle, trtexec's build step as onnxruntime-node allows it. Precision is baked into the
 * ONNX (INT8 as QDQ, then FP16 for the rest), the result is checked against the source, and the folder is written
 * beside its destination and renamed into place under a lock, so a reader sees the old bundle or the new one, and a
 * failed or interrupted build leaves neither a temp folder nor a partial bundle.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { FileError, TrtxError } from "../errors.js";
import { trtCacheOptions } from "../ep/provider-options.js";
import { writeFailure } from "../fs/atomic.js";
import { ortPackageVersion, type OrtLogLevel } from "../ep/ort.js";
import { createSession } from "../ep/session.js";

/** Where a TensorRT build leaves its engines and timing cache inside the bundle. */
const ENGINES_DIR = "engines";
import { CALIBRATION_FILES, writeCalibrationTables } from "../calibration/tables.js";
import { inlineExternalData } from "../onnx/external-data.js";
import { describeModelFile, loadModel, resolveExternal, saveModel } from "../onnx/model-file.js";
import { convertToFp16, DEFAULT_FP16_BLOCK_OPS } from "../precision/fp16.js";
import type { Int8Report } from "../precision/int8/index.js";
import { parseProfiles, validateProfiles } from "../shapes/profiles.js";
import { TRTX_VERSION } from "../version.js";
import { checkAccuracy } from "./accuracy.js";
import { loadCalibrationData, randomSamples, type CalibrationData } from "./calibration-data.js";
import { machineFingerprint } from "./fingerprint.js";
import { hashFileInto, sha256File } from "./hash.js";
import { acquireLock } from "./lock.js";
import { sweepStaleTemps, trackTemp, untrackTemp } from "../fs/temp-registry.js";
import { BUNDLE_SCHEMA, isUpToDate, MANIFEST_FILE, MODEL_FILE, OPTIMIZED_FILE, profilesAsJson, readManifest, tensorRtOptions, writeManifest, type BundleManifest, type FileDigest } from "./manifest.js";
import { writeOptimizedModel } from "./optimize.js";
import type { BuildRequest } from "./request.js";

export type BuildStep = "provider" | "int8" | "fp16" | "save" | "engines" | "tables" | "accuracy" | "optimize" | "install";

export interface BuildHooks {
  /** Called as each step starts; a throw here aborts the build like any failure (the tests use it). */
  onStep?: (step: BuildStep) => void;
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  logLevel?: OrtLogLevel;
}

export interface BuildResult {
  /** The bundle already matched these inputs; nothing was built. */
  upToDate: boolean;
  bundle: string;
  manifest: BundleManifest;
  /** False when the accuracy gate failed without --keep-failed: nothing is at the destination. */
  written: boolean;
  sourceBytes: number;
  /** A dead build's lock that this build took over. */
  lockTookOverFrom?: number;
}

/** Seeds of the random data: calibration and the accuracy check use different draws. */
const CALIBRATION_SEED = 1;
const ACCURACY_SEED = 1001;

export async function buildBundle(req: BuildRequest, hooks: BuildHooks = {}): Promise<BuildResult> {
  const step = (s: BuildStep) => hooks.onStep?.(s);
  const info = describeModelFile(req.onnx);
  const profiles = parseProfiles({ min: req.minShapes, opt: req.optShapes, max: req.maxShapes });
  validateProfiles(profiles, info.inputs);
  const dest = path.resolve(req.saveEngine);
  checkDestination(dest);
  const calibration = req.int8 ? loadCalibrationData(req.calib!, info.inputs, profiles[0], { ...(req.calibSamples ? { maxSamples: req.calibSamples } : {}), seed: CALIBRATION_SEED }) : undefined;
  calibration?.warnings.forEach((w) => hooks.onWarning?.(w));
  const sourceFiles = [path.resolve(req.onnx), ...info.externalData.map((e) => resolveExternal(req.onnx, path.dirname(path.resolve(req.onnx)), e.location))];
  const inputsHash = hashInputs(req, sourceFiles, calibration);

  const upToDate = (): BuildResult | undefined => {
    const existing = readManifest(dest);
    return !req.force && isUpToDate(dest, existing, inputsHash) ? { upToDate: true, bundle: dest, manifest: existing, written: false, sourceBytes: info.fileBytes } : undefined;
  };
  const early = upToDate();
  if (early) return early;

  const lock = acquireLock(`${dest}.lock`);
  try {
    // Another build may have finished this very bundle while we waited for the lock.
    const done = upToDate();
    if (done) return done;
    sweepStaleTemps(dest);
    let tmp: string | undefined;
    try {
      tmp = trackTemp(fs.mkdtempSync(path.join(path.dirname(dest), `.${path.basename(dest)}.build-${process.pid}-`)));
      // mkdtemp makes the folder private (0700); a bundle is shared like any build output.
      fs.chmodSync(tmp, 0o755);
      const result = await buildInto(tmp, dest, req, { info, profiles, calibration, inputsHash, sourceFiles }, hooks, step);
      if (result.accuracy.passed || req.keepFailed) {
        step("install");
        install(tmp, dest);
        return { upToDate: false, bundle: dest, manifest: result, written: true, sourceBytes: info.fileBytes, ...(lock.tookOverFrom !== undefined ? { lockTookOverFrom: lock.tookOverFrom } : {}) };
      }
      fs.rmSync(tmp, { recursive: true, force: true });
      return { upToDate: false, bundle: dest, manifest: result, written: false, sourceBytes: info.fileBytes };
    } catch (e) {
      if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
      // A file-system call that failed (it has a syscall) is said in words; anything else is passed on as it is.
      throw e instanceof TrtxError || (e as NodeJS.ErrnoException).syscall === undefined ? e : writeFailure(dest, e);
    } finally {
      if (tmp !== undefined) untrackTemp(tmp);
    }
  } finally {
    lock.release();
  }
}

interface Prepared {
  info: ReturnType<typeof describeModelFile>;
  profiles: ReturnType<typeof parseProfiles>;
  calibration: CalibrationData | undefined;
  inputsHash: string;
  sourceFiles: string[];
}

async function buildInto(tmp: string, dest: string, req: BuildRequest, p: Prepared, hooks: BuildHooks, step: (s: BuildStep) => void): Promise<BundleManifest> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: BuildStep, fn: () => T | Promise<T>): Promise<T> => {
    step(name);
    const t0 = performance.now();
    const value = await fn();
    timings[name] = performance.now() - t0;
    return value;
  };
  const logLevel = hooks.logLevel ? { logLevel: hooks.logLevel } : {};

  // The provider first: the INT8 flavour depends on it, and the accuracy check must run where deployment will.
  const { provider, attempts } = await timed("provider", async () => {
    // TensorRT is set up through the C-API bridge (stock onnxruntime-node passes it no options), so its availability
    // is decided by the real Update/Append calls with the bundle's options, and their error is what the user sees.
    if (req.ep === "tensorrt") await probeTensorRt(req, p);
    const r = await createSession(req.onnx, { ep: req.ep, ...logLevel });
    await r.session.release();
    return r;
  });

  const loaded = loadModel(req.onnx);
  if (p.info.externalData.length > 0) inlineExternalData(loaded.proto, loaded.dir);
  const proto = loaded.proto;
  let int8: Int8Report | undefined;
  if (req.int8) {
    // Loaded only for INT8 builds: the quantizer and its calibration machinery are not needed otherwise.
    const { quantizeInt8 } = await import("../precision/int8/index.js");
    // tensorrt: symmetric int8 (S8S8) as TensorRT takes QDQ; elsewhere the U8S8 form ORT's CPU and CUDA kernels fuse.
    int8 = await timed("int8", () =>
      quantizeInt8(proto, { samples: p.calibration!.samples }, {
        method: req.calibMethod,
        target: provider === "tensorrt" ? "tensorrt" : "cpu",
        ...(req.percentile !== undefined ? { percentile: req.percentile } : {}),
        modelDir: loaded.dir,
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      }),
    );
  }
  const blockOps = [...DEFAULT_FP16_BLOCK_OPS, ...req.fp16ExcludeOps.filter((op) => !DEFAULT_FP16_BLOCK_OPS.includes(op))];
  // After INT8, FP16 converts what stayed float; QuantizeLinear/DequantizeLinear are on the default block list, so the
  // QDQ pairs keep their float32 scales.
  const fp16 = req.fp16 ? await timed("fp16", () => convertToFp16(proto, { keepIoTypes: !req.ioFp16, blockOps })) : undefined;

  const modelPath = path.join(tmp, MODEL_FILE);
  const saved = await timed("save", () => saveModel(proto, modelPath));
  const modelHash = createHash("sha256");
  for (const f of [MODEL_FILE, ...saved.externalData]) hashFileInto(modelHash, path.join(tmp, f));
  const modelSha256 = modelHash.digest("hex");

  const files = [MODEL_FILE, ...saved.externalData];
  const trtOptions = tensorRtOptions({ fp16: req.fp16, int8: req.int8, modelSha256, profiles: p.profiles, ...(req.workspace !== undefined ? { workspace: req.workspace } : {}) });
  if (provider === "tensorrt") files.push(...(await timed("engines", () => buildEngines(tmp, modelPath, trtOptions))));
  let calibration: BundleManifest["calibration"];
  if (int8) {
    // The table formats know TensorRT's two calibrators; percentile ranges are plain clipped amax values, which is
    // what a MinMax cache carries. The manifest keeps the real method.
    const tableMethod = req.calibMethod === "entropy" ? "entropy" : "minmax";
    await timed("tables", () => writeCalibrationTables(tmp, int8!.ranges, { trtVersion: req.trtVersion, method: tableMethod, samples: int8!.samples }));
    files.push(...Object.values(CALIBRATION_FILES));
    calibration = { source: p.calibration!.source, method: req.calibMethod, samples: int8.samples, tensors: int8.ranges.size, trtVersion: req.trtVersion, files: Object.values(CALIBRATION_FILES) };
  }

  const accuracySamples =
    p.calibration && !p.calibration.random && p.calibration.samples.length > 0
      ? { samples: p.calibration.samples.slice(0, req.accuracySamples), inputs: `calibration data (${p.calibration.source})` }
      : { samples: randomSamples(p.info.inputs, p.profiles[0], req.accuracySamples, ACCURACY_SEED), inputs: `random (seed ${ACCURACY_SEED}${p.profiles.length ? ", profile 0 opt shapes" : ""})` };
  const accuracy = await timed("accuracy", () =>
    checkAccuracy(req.onnx, modelPath, accuracySamples.samples, {
      provider,
      minCosine: req.minCosine,
      inputs: accuracySamples.inputs,
      ...(req.atol !== undefined ? { atol: req.atol } : {}),
      ...(req.rtol !== undefined ? { rtol: req.rtol } : {}),
      ...logLevel,
    }),
  );

  const optimizedOutcome = await timed("optimize", () => writeOptimizedModel(modelPath, path.join(tmp, OPTIMIZED_FILE), provider, hooks.logLevel));
  const ortVersion = ortPackageVersion();
  const optimized: BundleManifest["optimized"] =
    "bytes" in optimizedOutcome
      ? { path: OPTIMIZED_FILE, bytes: optimizedOutcome.bytes, provider, onnxruntimeNode: ortVersion, graphOptimizationLevel: "all", note: `for ${provider} on onnxruntime ${ortVersion} only; may hold ORT-only fused ops` }
      : optimizedOutcome;
  if ("bytes" in optimizedOutcome) files.push(OPTIMIZED_FILE);

  const manifest: BundleManifest = {
    schema: BUNDLE_SCHEMA,
    inputsHash: p.inputsHash,
    trtx: TRTX_VERSION,
    onnxruntimeNode: ortVersion,
    createdAt: new Date().toISOString(),
    source: { ...digest(p.sourceFiles[0]!, sourcePath(p.sourceFiles[0]!, dest)), externalData: p.sourceFiles.slice(1).map((f) => digest(f, path.relative(path.dirname(p.sourceFiles[0]!), f))) },
    model: { path: MODEL_FILE, bytes: fs.statSync(modelPath).size, sha256: modelSha256, externalData: saved.externalData },
    optimized,
    precision: { fp16: req.fp16, int8: req.int8, ioFp16: req.ioFp16, blockOps: req.fp16 ? blockOps : [] },
    ...(fp16 ? { fp16: (({ ioFp16: _io, ...rest }) => rest)(fp16) } : {}),
    ...(int8 ? { int8: { method: int8.method, target: int8.target, samples: int8.samples, quantizedNodes: int8.quantizedNodes, quantizedTensors: int8.quantizedTensors } } : {}),
    ...(calibration ? { calibration } : {}),
    profiles: profilesAsJson(p.profiles),
    provider,
    attempts,
    fingerprint: machineFingerprint(),
    tensorrt: trtOptions,
    accuracy,
    timingsMs: { ...timings, ...(int8 ? { calibrate: int8.ms.calibrate, quantize: int8.ms.quantize } : {}) },
    files,
  };
  writeManifest(tmp, manifest);
  return manifest;
}

/** The bundle's TensorRT options as the strings ORT's provider parses (booleans as 0/1). */
function trtOptionStrings(options: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : String(v)]));
}

async function probeTensorRt(req: BuildRequest, p: Prepared): Promise<void> {
  const { probeProvider } = await import("../ep/ort-c/bridge-chain.js");
  const options = tensorRtOptions({ fp16: req.fp16, int8: req.int8, modelSha256: "0".repeat(64), profiles: p.profiles, ...(req.workspace !== undefined ? { workspace: req.workspace } : {}) });
  await probeProvider("tensorrt", trtOptionStrings(options));
}

/**
 * With TensorRT loaded: a session over the bundle's model with its TensorRT options builds the engines (one per
 * profile set) into `engines/` with a timing cache, so a deployment that mounts them starts without a build.
 */
async function buildEngines(tmp: string, modelPath: string, options: Record<string, string | number | boolean>): Promise<string[]> {
  const { createBridgeSession } = await import("../ep/ort-c/bridge-chain.js");
  const dir = path.join(tmp, ENGINES_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const tensorrt = { ...trtOptionStrings(options), ...trtCacheOptions(dir) };
  const { session } = await createBridgeSession(modelPath, { ep: "tensorrt", providerOptions: { tensorrt } });
  session.release();
  return fs.readdirSync(dir).sort().map((f) => path.join(ENGINES_DIR, f));
}

/**
 * SHA-256 over what decides the bundle's bytes: trtx and ORT versions, the source model and its external data,
 * calibration data, and the options that change the result (not the paths, --force or --keep-failed).
 */
function hashInputs(req: BuildRequest, sourceFiles: string[], calibration: CalibrationData | undefined): string {
  const hash = createHash("sha256");
  const options = {
    fp16: req.fp16, int8: req.int8, ioFp16: req.ioFp16, fp16ExcludeOps: [...req.fp16ExcludeOps].sort(),
    calibMethod: req.int8 ? req.calibMethod : null, calibSamples: req.calibSamples ?? null, percentile: req.percentile ?? null,
    calibRandom: calibration?.random ?? null,
    shapes: [req.minShapes, req.optShapes, req.maxShapes], ep: req.ep, workspace: req.workspace ?? null,
    accuracySamples: req.accuracySamples, atol: req.atol ?? null, rtol: req.rtol ?? null, minCosine: req.minCosine, trtVersion: req.trtVersion,
  };
  hash.update(JSON.stringify({ schema: BUNDLE_SCHEMA, trtx: TRTX_VERSION, ort: ortPackageVersion(), options }));
  for (const f of sourceFiles) {
    hash.update(`\0file ${path.basename(f)}\0`);
    hashFileInto(hash, f);
  }
  for (const sample of calibration && !calibration.random ? calibration.samples : []) {
    for (const [name, t] of sample) {
      hash.update(`\0${name} ${t.dtype} ${t.dims.join("x")}\0`);
      const data = t.data as Exclude<typeof t.data, string[]>;
      hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  return hash.digest("hex");
}

/** The destination's folder must exist, and what is there must be a bundle (or nothing) to be replaced. */
function checkDestination(dest: string): void {
  const parent = path.dirname(dest);
  if (!fs.existsSync(parent)) throw new FileError(`cannot write ${dest}: folder ${parent} does not exist`, { hint: "create it first, or choose another --saveEngine" });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dest);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new FileError(`${dest} exists and is not a bundle folder`, { hint: "remove it or choose another --saveEngine" });
  const entries = fs.readdirSync(dest);
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new FileError(`${dest} is a folder that is not a trtx bundle (no ${MANIFEST_FILE}); trtx will not replace it`, { hint: "choose another --saveEngine" });
  }
}

/** The new bundle takes the destination's name; an old one is moved aside first and removed only after. */
function install(tmp: string, dest: string): void {
  if (!fs.existsSync(dest)) {
    fs.renameSync(tmp, dest);
    return;
  }
  const old = path.join(path.dirname(dest), `.${path.basename(dest)}.old-${process.pid}-${Date.now().toString(36)}`);
  fs.renameSync(dest, old);
  try {
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.renameSync(old, dest);
    throw writeFailure(dest, e);
  }
  try {
    fs.rmSync(old, { recursive: true, force: true });
  } catch {
    // The new bundle is in place: a previous one that cannot be removed now is swept by the next build.
  }
}

function digest(file: string, shown: string): FileDigest {
  return { path: shown, bytes: fs.statSync(file).size, sha256: sha256File(file) };
}

/** Relative to the bundle, so a repository that moves as a whole keeps the link; absolute across drives. */
function sourcePath(source: string, dest: string): string {
  const rel = path.relative(dest, source);
  return path.isAbsolute(rel) ? source : rel;
}
