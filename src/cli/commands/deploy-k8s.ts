/** `trtx deploy k8s`: Kubernetes manifests that serve a repository with Triton, validated before they are written. */
import { Command, Option } from "commander";
import { K8S_DEFAULTS, planK8s, type K8sOptions } from "../../core/deploy/k8s.js";
import { MODEL_CONTROL_MODES, parseLabels, parseRepoSource, type ModelControlMode } from "../../core/deploy/options.js";
import { writeDeployFolder } from "../../core/deploy/write.js";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { collect, integer } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { printWritten, repositoryFactsOrFindings } from "./deploy-shared.js";

interface K8sFlags {
  repo: string;
  name: string;
  namespace?: string;
  image: string;
  replicas: number;
  gpusPerPod: number;
  cpu: string;
  memory: string;
  shmSize: string;
  repoSource: string;
  hpa?: boolean;
  min?: number;
  max?: number;
  queueTarget?: number;
  modelControlMode: ModelControlMode;
  gpuProduct?: string;
  engineCache: "shared" | "pod";
  engineCacheSize: string;
  storageClass?: string;
  monitor: "service" | "pod" | "none";
  monitorLabel?: string[];
  startupSeconds?: number;
  out: string;
  force?: boolean;
  dryRun?: boolean;
}

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
    .addOption(new Option("--min <n>", "with --hpa: fewest replicas").argParser(integer("--min", 1)))
    .addOption(new Option("--max <n>", "with --hpa: most replicas").argParser(integer("--max", 1)))
    .addOption(new Option("--queue-target <ms>", "with --hpa: average queue time per request to scale at, ms").argParser(positiveNumber("--queue-target")))
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
      const hpaFlags = [flags.min, flags.max, flags.queueTarget].some((v) => v !== undefined);
      if (hpaFlags && !flags.hpa) throw new UsageError("--min, --max and --queue-target set the autoscaler and need --hpa");
      const options: K8sOptions = {
        name: flags.name,
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        image: flags.image,
        replicas: flags.replicas,
        gpusPerPod: flags.gpusPerPod,
        cpu: flags.cpu,
        memory: flags.memory,
        shmSize: flags.shmSize,
        repoSource: parseRepoSource(flags.repoSource),
        ...(flags.hpa ? { hpa: { min: flags.min ?? Math.min(flags.replicas, flags.max ?? flags.replicas), max: flags.max ?? Math.max(10, flags.min ?? 1), queueTargetMs: flags.queueTarget ?? 10 } } : {}),
        modelControlMode: flags.modelControlMode,
        ...(flags.gpuProduct !== undefined ? { gpuProduct: flags.gpuProduct } : {}),
        engineCache: flags.engineCache,
        engineCacheSize: flags.engineCacheSize,
        ...(flags.storageClass !== undefined ? { storageClass: flags.storageClass } : {}),
        monitor: flags.monitor,
        monitorLabels: parseLabels(flags.monitorLabel ?? [], "--monitor-label"),
        ...(flags.startupSeconds !== undefined ? { startupSeconds: flags.startupSeconds } : {}),
        repository: flags.repo,
      };
      const facts = repositoryFactsOrFindings(flags.repo, ui, "trtx.deploy-k8s/1");
      const plan = planK8s(facts, options);
      if (!flags.dryRun) writeDeployFolder(flags.out, plan.files, { force: Boolean(flags.force) });
      if (ui.json) {
        return ui.printJson({
          schema: "trtx.deploy-k8s/1",
          repository: flags.repo,
          repositorySha256: facts.sha256,
          out: flags.out,
          written: !flags.dryRun,
          files: plan.files.map((f) => f.path),
          objects: plan.objects,
          startup: plan.startup,
          placement: plan.placement,
          warnings: plan.warnings,
        });
      }
      if (flags.dryRun) for (const f of plan.files) ui.print(`--- ${f.path}\n${f.content.trimEnd()}`);
      printWritten(ui, { outDir: flags.out, dryRun: Boolean(flags.dryRun), files: plan.files, startup: plan.startup, warnings: plan.warnings, next: `read ${flags.out}/README.md, then kubectl apply -k ${flags.out}` });
    });
}
