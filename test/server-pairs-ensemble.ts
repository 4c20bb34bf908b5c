/**
 * Paired cases for the ensemble rules that need the composing models (src/core/triton/validate-ensemble.ts): each
 * refused ensemble beside its corrected twin, both checked by hand against the real Triton 2.51 server. All are
 * judged "triton": the dependency graph (model_repository_manager.cc) and ValidateEnsembleConfig
 * (ensemble_utils.cc) refuse them before any backend runs. The ensemble is each case's first folder, so it is the one
 * loaded; its composing models are the case's other folders.
 */
import type { PairCase, PairFile } from "./server-pairs.js";

const MLP = { fixture: "mlp_dynbatch.onnx" };
const TWO = { fixture: "two_input.onnx" };
const CPU = "instance_group { kind: KIND_CPU }\n";

/** mlp_dynbatch.onnx ("input" [batch,64] → "output" [batch,10]) with max_batch_size `maxBatch`, `extra` appended. */
function mlpConfig(maxBatch = 8, extra = ""): string {
  const lead = maxBatch > 0 ? "" : "-1, ";
  return `platform: "onnxruntime_onnx"\n${maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : ""}input { name: "input" data_type: TYPE_FP32 dims: [ ${lead}64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ ${lead}10 ] }\n${CPU}${extra}`;
}

const mlpFolder = (config = mlpConfig(), versions = [1]): Record<string, PairFile> => ({
  "config.pbtxt": config,
  ...Object.fromEntries(versions.map((v) => [`${v}/model.onnx`, MLP])),
});

interface Tensor {
  name: string;
  type?: string;
  dims: string;
}
const tensors = (field: string, list: Tensor[]) => list.map((t) => `${field} { name: "${t.name}" data_type: ${t.type ?? "TYPE_FP32"} dims: [ ${t.dims} ] }\n`).join("");

interface Step {
  model: string;
  /** The model_version text, e.g. "model_version: -1"; "" leaves it out. */
  version?: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}
const stepText = (s: Step) => {
  const map = (field: string, m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${field} { key: "${k}" value: "${v}" } `).join("");
  return `  { model_name: "${s.model}" ${s.version ?? "model_version: -1"} ${map("input_map", s.inputs)}${map("output_map", s.outputs)}}`;
};

/** An ensemble's config.pbtxt and its empty version folder. */
function ensemble(o: { maxBatch?: number; inputs?: Tensor[]; outputs?: Tensor[]; steps: Step[] }): Record<string, PairFile> {
  const maxBatch = o.maxBatch ?? 8;
  const text = [
    'platform: "ensemble"\n',
    maxBatch > 0 ? `max_batch_size: ${maxBatch}\n` : "",
    tensors("input", o.inputs ?? [{ name: "x", dims: "64" }]),
    tensors("output", o.outputs ?? [{ name: "y", dims: "10" }]),
    `ensemble_scheduling { step [\n${o.steps.map(stepText).join(",\n")}\n] }\n`,
  ].join("");
  return { "config.pbtxt": text, "1/.keep": "" };
}

/** The one-step ensemble x → model → y over mlp's "input" and "output". */
const mlpStep = (model: string, version?: string): Step => ({ model, ...(version !== undefined ? { version } : {}), inputs: { input: "x" }, outputs: { output: "y" } });

/** A case whose ensemble is `${name}` and whose composing mlp is `${name}_mlp`. */
function mlpEnsembleCase(name: string, more: { rule?: string; serverSays?: RegExp; ens: (mlp: string) => Record<string, PairFile>; mlp?: Record<string, PairFile> }): PairCase {
  const mlp = `${name}_mlp`;
  return {
    name,
    ...(more.rule !== undefined ? { rule: more.rule, serverSays: more.serverSays! } : {}),
    judge: "triton",
    models: { [name]: more.ens(mlp), [mlp]: more.mlp ?? mlpFolder() },
  };
}

export const ensemblePairs: PairCase[] = [
  // model_repository_manager.cc, ConnectDependencyGraph: a step's model must exist.
  mlpEnsembleCase("estepmodel", { rule: "ensemble-step-model", serverSays: /contains models that are not available or ambiguous: estepmodel_mpl/, ens: () => ensemble({ steps: [mlpStep("estepmodel_mpl")] }) }),
  mlpEnsembleCase("estepmodelok", { ens: (mlp) => ensemble({ steps: [mlpStep(mlp)] }) }),

  // model_repository_manager.cc, CheckNode: the step's version must load; model_version left out is 0.
  mlpEnsembleCase("eversion0", { rule: "ensemble-step-version", serverSays: /whose required version 0 is not loaded/, ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "")] }) }),
  mlpEnsembleCase("eversion0ok", { ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "model_version: -1")] }) }),
  mlpEnsembleCase("eversion2", { rule: "ensemble-step-version", serverSays: /whose required version 2 is not loaded/, ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "model_version: 2")] }) }),
  mlpEnsembleCase("eversion1ok", { ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "model_version: 1")] }) }),
  // Versions 1 and 2 on disk, but the default policy (latest 1) loads only 2.
  mlpEnsembleCase("epolicy", { rule: "ensemble-step-version", serverSays: /whose required version 1 is not loaded/, ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "model_version: 1")] }), mlp: mlpFolder(mlpConfig(), [1, 2]) }),
  mlpEnsembleCase("epolicyok", { ens: (mlp) => ensemble({ steps: [mlpStep(mlp, "model_version: 1")] }), mlp: mlpFolder(mlpConfig(8, "version_policy { all { } }\n"), [1, 2]) }),

  // model_repository_manager.cc, CircularDependencyCheck: two ensembles that call each other.
  {
    name: "ecycle",
    rule: "ensemble-cycle",
    judge: "triton",
    serverSays: /circular dependency between ensembles: ecycle -> \.\.\. -> ecycle_inner -> ecycle/,
    models: {
      ecycle: ensemble({ steps: [{ model: "ecycle_inner", inputs: { input: "x" }, outputs: { output: "y" } }] }),
      ecycle_inner: ensemble({ inputs: [{ name: "input", dims: "64" }], outputs: [{ name: "output", dims: "10" }], steps: [{ model: "ecycle", inputs: { x: "input" }, outputs: { y: "output" } }] }),
    },
  },
  // Its twin: an ensemble inside an ensemble, the inner one calling the mlp.
  {
    name: "ecycleok",
    judge: "triton",
    models: {
      ecycleok: ensemble({ steps: [{ model: "ecycleok_inner", inputs: { input: "x" }, outputs: { output: "y" } }] }),
      ecycleok_inner: ensemble({ inputs: [{ name: "input", dims: "64" }], outputs: [{ name: "output", dims: "10" }], steps: [{ model: "ecycleok_mlp", inputs: { input: "input" }, outputs: { output: "output" } }] }),
      ecycleok_mlp: mlpFolder(),
    },
  },

  // ensemble_utils.cc, ValidateEnsembleConfig: a batching composing model must take the ensemble's whole batch...
  mlpEnsembleCase("embs", { rule: "ensemble-max-batch-size", serverSays: /allows maximum batch size 16, but it contains model embs_mlp which only allows maximum batch size to be 8/, ens: (mlp) => ensemble({ maxBatch: 16, steps: [mlpStep(mlp)] }) }),
  mlpEnsembleCase("embsok", { ens: (mlp) => ensemble({ maxBatch: 4, steps: [mlpStep(mlp)] }) }),
  // ...while a non-batching one ([-1, 64]) fits a batching ensemble's [64] through the full dims.
  mlpEnsembleCase("embsunbatched", { ens: (mlp) => ensemble({ maxBatch: 16, steps: [mlpStep(mlp)] }), mlp: mlpFolder(mlpConfig(0)) }),

  // ValidateTensorMapping: map keys are the composing model's tensor names, and every required input is mapped.
  mlpEnsembleCase("einmap", { rule: "ensemble-input-map", serverSays: /ensemble tensor x is mapping to non-existing input INPUT in model einmap_mlp/, ens: (mlp) => ensemble({ steps: [{ model: mlp, inputs: { INPUT: "x" }, outputs: { output: "y" } }] }) }),
  mlpEnsembleCase("einmapok", { ens: (mlp) => ensemble({ steps: [{ model: mlp, inputs: { input: "x" }, outputs: { output: "y" } }] }) }),
  mlpEnsembleCase("eoutmap", { rule: "ensemble-output-map", serverSays: /ensemble tensor y is mapped from non-existing output logits in model eoutmap_mlp/, ens: (mlp) => ensemble({ steps: [{ model: mlp, inputs: { input: "x" }, outputs: { logits: "y" } }] }) }),
  mlpEnsembleCase("eoutmapok", { ens: (mlp) => ensemble({ steps: [{ model: mlp, inputs: { input: "x" }, outputs: { output: "y" } }] }) }),
  twoInputCase("eunmapped", { rule: "ensemble-input-unmapped", serverSays: /input tokens in model eunmapped_two is not mapped to any ensemble tensors/, inputs: { features: "feat" } }),
  twoInputCase("eunmappedok", { inputs: { features: "feat", tokens: "tok" } }),

  // ValidateTensorConsistency: one tensor, one data type and one shape, from the ensemble's IO to each step.
  mlpEnsembleCase("edtype", { rule: "ensemble-data-type", serverSays: /ensemble tensor x: inconsistent data type: TYPE_INT32 is inferred from model edtype while TYPE_FP32/, ens: (mlp) => ensemble({ inputs: [{ name: "x", type: "TYPE_INT32", dims: "64" }], steps: [mlpStep(mlp)] }) }),
  mlpEnsembleCase("edtypeok", { ens: (mlp) => ensemble({ inputs: [{ name: "x", type: "TYPE_FP32", dims: "64" }], steps: [mlpStep(mlp)] }) }),
  mlpEnsembleCase("eshape", { rule: "ensemble-shape", serverSays: /ensemble tensor x: inconsistent shape: \[-1,32\] is inferred from model eshape while \[-1,64\]/, ens: (mlp) => ensemble({ inputs: [{ name: "x", dims: "32" }], steps: [mlpStep(mlp)] }) }),
  mlpEnsembleCase("eshapeok", { ens: (mlp) => ensemble({ inputs: [{ name: "x", dims: "64" }], steps: [mlpStep(mlp)] }) }),
  // A step's output into the next step: mlp's [10] output cannot feed its [64] input.
  mlpEnsembleCase("echain", {
    rule: "ensemble-shape",
    serverSays: /ensemble tensor h: inconsistent shape: \[-1,10\] is inferred from model echain_mlp while \[-1,64\]/,
    ens: (mlp) => ensemble({ steps: [{ model: mlp, inputs: { input: "x" }, outputs: { output: "h" } }, { model: mlp, inputs: { input: "h" }, outputs: { output: "y" } }] }),
  }),
  // An unbatched ensemble over a batching model: [-1, 64] meets [64] with the batch dim.
  mlpEnsembleCase("echainok", { ens: (mlp) => ensemble({ maxBatch: 0, inputs: [{ name: "x", dims: "-1, 64" }], outputs: [{ name: "y", dims: "-1, 10" }], steps: [mlpStep(mlp)] }) }),

  // ValidateEnsembleConfig's data-flow walk: the ensemble's outputs from a decoupled and a non-decoupled step.
  {
    name: "edecoupled",
    rule: "ensemble-decoupled",
    judge: "triton",
    serverSays: /step of model 'edecoupled' receives inputs originated from different decoupled models/,
    models: {
      edecoupled: ensemble({
        outputs: [
          { name: "y1", dims: "10" },
          { name: "y2", dims: "10" },
        ],
        steps: [
          { model: "edecoupled_stream", inputs: { input: "x" }, outputs: { output: "y1" } },
          { model: "edecoupled_mlp", inputs: { input: "x" }, outputs: { output: "y2" } },
        ],
      }),
      edecoupled_stream: mlpFolder(mlpConfig(8, "model_transaction_policy { decoupled: true }\n")),
      edecoupled_mlp: mlpFolder(),
    },
  },
  {
    name: "edecoupledok",
    judge: "triton",
    models: {
      edecoupledok: ensemble({ outputs: [{ name: "y1", dims: "10" }], steps: [{ model: "edecoupledok_stream", inputs: { input: "x" }, outputs: { output: "y1" } }] }),
      edecoupledok_stream: mlpFolder(mlpConfig(8, "model_transaction_policy { decoupled: true }\n")),
    },
  },
];

/** An ensemble over two_input.onnx (tokens int64 [batch,-1], features fp32 [batch,16] → output [batch,16]). */
function twoInputCase(name: string, more: { rule?: string; serverSays?: RegExp; inputs: Record<string, string> }): PairCase {
  const two = `${name}_two`;
  const config = `platform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput { name: "tokens" data_type: TYPE_INT64 dims: [ -1 ] }\ninput { name: "features" data_type: TYPE_FP32 dims: [ 16 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 16 ] }\n${CPU}`;
  const used = new Set(Object.values(more.inputs));
  const ensembleInputs: Tensor[] = [
    ...(used.has("tok") ? [{ name: "tok", type: "TYPE_INT64", dims: "-1" }] : []),
    { name: "feat", dims: "16" },
  ];
  return {
    name,
    ...(more.rule !== undefined ? { rule: more.rule, serverSays: more.serverSays! } : {}),
    judge: "triton",
    models: {
      [name]: ensemble({ inputs: ensembleInputs, outputs: [{ name: "y", dims: "16" }], steps: [{ model: two, inputs: more.inputs, outputs: { output: "y" } }] }),
      [two]: { "config.pbtxt": config, "1/model.onnx": TWO },
    },
  };
}
