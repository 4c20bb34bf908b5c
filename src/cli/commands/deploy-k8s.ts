/** `trtx deploy k8s`: Kubernetes manifests that serve a repository with Triton, validated before they are written. */
import { Command, Option } from "commander";
import { autoscaler, K8S_DEFAULTS, planK8s, type K8sOptions } from "../../core/deploy/k8s.js";
import { MODEL_CONTROL_MODES, parseLabels, parseRepoSource } from "../../core/deploy/options.js";
import { writeDeployFolder } from "../../core/deploy/write.js";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { collect, integer } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { printWritten, repositoryFactsOrFindings } from "./deploy-shared.js";

/** The core's options as flags: the repository source and labels as text, the autoscaler as separate flags. */
type K8sFlags = Omit<K8sOptions, "repoSource" | "hpa" | "monitorLabels" | "repository"> & {
  repo: string;
  repoSource: string;
  hpa?: boolean;
  min?: number;
  max?: number;
  queueTarget?: number;
  monitorLabel?: string[];
  out: string;
  force?: boolean;
  dryRun?: boolean;
};

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new UsageError(`${flag} ${value} is not valid`, { hint: "use a number of milliseconds above 0, e.g. 10 or 2.5" });
    return n;
  };
}

export function deployK8sCommand(): Command {
  return new Command("k8s")
    .description("write Kubernetes manifests serving the repository with Triton: Deployment, Services, PDB, engine cache, autoscaler, monitor, dashboard")
    .option("--repo <dir>", "the model repository (it must pass trtx repo validate)", DEFAULT_REPO)
    .option("--name <name>", "the name of the Deployment and every object with it", "trtx")
    .option("--namespace <ns>", "put every object in this namespace (and write it)")
    .option("--image <ref>", "the Triton image", K8S_DEFAULTS.image)
    .addOption(new Option("--replicas <n>", "pods (without --hpa)").default(K8S_DEFAULTS.replicas).argParser(integer("--replicas", 1)))
    .addOption(new Option("--gpus-per-pod <n>", "nvidia.com/gpu per pod (0: CPU only)").default(K8S_DEFAULTS.gpusPerPod).argParser(integer("--gpus-per-pod", 0)))
    .option("--cpu <cores>", "CPU per pod (request = limit)", K8S_DEFAULTS.cpu)
    .option("--memory <size>", "memory per pod (request = limit)", K8S_DEFAULTS.memory)
    .option("--shm-size <size>", "shared memory (/dev/shm) per pod", K8S_DEFAULTS.shmSize)
    .option("--repo-source <src>", "where pods read the repository: pvc:CLAIM, s3://bucket/path, gs://bucket/path, image or image:REF", "image")
    .option("--hpa", "autoscale on Triton's queue time through the Prometheus adapter")
    .addOption(new Option("--min <n>", "with --hpa: fewest replicas (default: --replicas)").argParser(integer("--min", 1)))
    .addOption(new Option("--max <n>", "with --hpa: most replicas (default: 10, or --min when larger)").argParser(integer("--max", 1)))
    .addOption(new Option("--queue-target <ms>", "with --hpa: average queue time per request to scale at, ms (default: 10)").argParser(positiveNumber("--queue-target")))
    .addOption(new Option("--model-control-mode <mode>", "Triton's model control mode").choices(MODEL_CONTROL_MODES).default(K8S_DEFAULTS.modelControlMode))
    .option("--gpu-product <label>", "pin pods to nodes with this nvidia.com/gpu.product label (default: the GPU the bundles were built on; any: no pinning)")
    .addOption(new Option("--engine-cache <where>", "TensorRT engine cache: shared by replicas (ReadWriteMany claim) or per pod").choices(["shared", "pod"]).default(K8S_DEFAULTS.engineCache))
    .option("--engine-cache-size <size>", "size of the shared engine-cache claim", K8S_DEFAULTS.engineCacheSize)
    .option("--storage-class <name>", "storage class of the engine-cache claim")
    .addOption(new Option("--monitor <kind>", "Prometheus Operator monitor to write").choices(["service", "pod", "none"]).default(K8S_DEFAULTS.monitor))
    .option("--monitor-label <key=value>", "label the monitor for your Prometheus's selector, e.g. release=kube-prometheus-stack (repeatable)", collect)
    .addOption(new Option("--startup-seconds <s>", "time allowed before READY (default: derived from the warm-ups)").argParser(integer("--startup-seconds", 1)))
    .option("-o, --out <dir>", "the folder to write", "deploy")
    .option("--force", "replace the folder if it exists")
    .option("--dry-run", "print what would be written and write nothing")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  trtx deploy k8s --repo ./model_repository",
        "  trtx deploy k8s --repo-source pvc:models --hpa --min 2 --max 10 --queue-target 10 --namespace inference",
        "  trtx deploy k8s --repo-source s3://bucket/models --gpus-per-pod 2 --cpu 16 --memory 64Gi -o deploy/prod",
      ].join("\n"),
    )
    .action((flags: K8sFlags, command: Command) => {
      const ui = uiFor(command);
      const { repo, repoSource, hpa, min, max, queueTarget, monitorLabel, out, force, dryRun, ...settings } = flags;
      if ([min, max, queueTarget].some((v) => v !== undefined) && !hpa) throw new UsageError("--min, --max and --queue-target set the autoscaler and need --hpa");
      const options: K8sOptions = {
        ...settings,
        repoSource: parseRepoSource(repoSource),
        ...(hpa ? { hpa: autoscaler(settings.replicas, { min, max, queueTargetMs: queueTarget }) } : {}),
        monitorLabels: parseLabels(monitorLabel ?? [], "--monitor-label"),
        repository: repo,
      };
      const facts = repositoryFactsOrFindings(repo, ui, "trtx.deploy-k8s/1");
      const plan = planK8s(facts, options);
      if (!dryRun) writeDeployFolder(out, plan.files, { force: Boolean(force), repository: repo });
      if (ui.json) {
        return ui.printJson({
          schema: "trtx.deploy-k8s/1",
          repository: repo,
          repositorySha256: facts.sha256,
          out,
          written: !dryRun,
          files: plan.files.map((f) => f.path),
          objects: plan.objects,
          startup: plan.startup,
          placement: plan.placement,
          warnings: plan.warnings,
        });
      }
      if (dryRun) for (const f of plan.files) ui.print(`--- ${f.path}\n${f.content.trimEnd()}`);
      printWritten(ui, { outDir: out, dryRun: Boolean(dryRun), files: plan.files, startup: plan.startup, warnings: plan.warnings, next: `read ${out}/README.md, then kubectl apply -k ${out}` });
    });
}
