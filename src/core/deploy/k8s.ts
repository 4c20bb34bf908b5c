/**
 * `trtx deploy k8s`: Kubernetes objects that run Triton on an existing repository — Deployment, Services,
 * PodDisruptionBudget, the TensorRT engine-cache claim, the autoscaler on Triton's queue time with the Prometheus
 * adapter rule it reads, a Prometheus Operator monitor and a Grafana dashboard. Objects are built with
 * kubernetes-models' typed classes and each is schema-validated before it is written.
 */
import type { Model } from "@kubernetes-models/base";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { UsageError } from "../errors.js";
import { tritonDashboard } from "./dashboard.js";
import { repositoryDockerfile, repositoryImageRef, tritonContainer } from "./k8s-pod.js";
import { renderK8sReadme } from "./k8s-readme.js";
import { checkCount, checkCpu, checkDeploymentName, checkImage, checkMemory, checkNamespace, DEFAULT_TRITON_IMAGE, memoryBytes, type ModelControlMode, type RepoSource } from "./options.js";
import { queueTimeRule, QUEUE_TIME_METRIC } from "./prometheus-adapter.js";
import type { RepositoryFacts } from "./repo-facts.js";
import { checkGpuRequest, engineCachePaths, gpuPlacement, PORTS, startupBudget, repositoryWarnings, type GpuPlacement, type StartupBudget } from "./serving.js";
import { yamlFile, type DeployFile } from "./yaml-file.js";

export interface K8sOptions {
  name: string;
  namespace?: string;
  image: string;
  replicas: number;
  gpusPerPod: number;
  cpu: string;
  memory: string;
  shmSize: string;
  repoSource: RepoSource;
  /** Autoscaling on the average queue time per request, in milliseconds. */
  hpa?: { min: number; max: number; queueTargetMs: number };
  modelControlMode: ModelControlMode;
  /** --gpu-product: a node label value, or "any". */
  gpuProduct?: string;
  /** shared: one ReadWriteMany claim for every replica; pod: an emptyDir, each pod builds its own engines. */
  engineCache: "shared" | "pod";
  engineCacheSize: string;
  storageClass?: string;
  monitor: "service" | "pod" | "none";
  monitorLabels: Record<string, string>;
  /** Overrides the start-up budget derived from the warm-ups. */
  startupSeconds?: number;
  /** Where the repository was read from, for the README. */
  repository: string;
}

/** The settings `trtx deploy k8s` uses when no flag says otherwise. */
export const K8S_DEFAULTS = {
  image: DEFAULT_TRITON_IMAGE,
  replicas: 2,
  gpusPerPod: 1,
  cpu: "8",
  memory: "32Gi",
  shmSize: "1Gi",
  repoSource: { kind: "image" },
  modelControlMode: "none",
  engineCache: "shared",
  engineCacheSize: "20Gi",
  monitor: "service",
  monitorLabels: {},
} as const satisfies Partial<K8sOptions>;

/** The autoscaler where flags leave parts out: from the replica count (or --max) up to 10 pods (or --min), at 10 ms. */
export function autoscaler(replicas: number, given: { min?: number; max?: number; queueTargetMs?: number }): NonNullable<K8sOptions["hpa"]> {
  return {
    min: given.min ?? Math.min(replicas, given.max ?? replicas),
    max: given.max ?? Math.max(10, given.min ?? 1),
    queueTargetMs: given.queueTargetMs ?? 10,
  };
}

export interface DeployPlan {
  files: DeployFile[];
  objects: { file: string; kind: string; name: string }[];
  startup: StartupBudget & { probe: { periodSeconds: number; failureThreshold: number } };
  placement: GpuPlacement;
  /** Kept to stderr and --json: true but not blocking. */
  warnings: string[];
}

const STARTUP_PERIOD_S = 10;
const LABEL_NAME = "app.kubernetes.io/name";
const LABEL_INSTANCE = "app.kubernetes.io/instance";
const SERVICE_ROLE = "trtx.dev/service";
const REPOSITORY_HASH = "trtx.dev/repository-sha256";

export function checkK8sOptions(o: K8sOptions): void {
  checkDeploymentName(o.name);
  if (o.namespace !== undefined) checkNamespace(o.namespace);
  checkImage(o.image);
  checkCount(o.replicas, "--replicas", 1);
  checkCount(o.gpusPerPod, "--gpus-per-pod", 0);
  checkCpu(o.cpu);
  checkMemory(o.memory);
  checkMemory(o.shmSize, "--shm-size");
  checkMemory(o.engineCacheSize, "--engine-cache-size");
  if (o.startupSeconds !== undefined) checkCount(o.startupSeconds, "--startup-seconds", 1);
  if (o.hpa !== undefined) {
    checkCount(o.hpa.min, "--min", 1);
    checkCount(o.hpa.max, "--max", 1);
    if (o.hpa.max < o.hpa.min) throw new UsageError(`--max ${o.hpa.max} is below --min ${o.hpa.min}`, { hint: "the autoscaler needs min ≤ max" });
    if (!(o.hpa.queueTargetMs > 0) || !Number.isFinite(o.hpa.queueTargetMs)) throw new UsageError(`--queue-target ${o.hpa.queueTargetMs} is not valid`, { hint: "give the average queue time per request to scale at, in milliseconds (> 0)" });
  }
  if (o.modelControlMode === "poll" && o.repoSource.kind === "image") {
    throw new UsageError("--model-control-mode poll watches a repository that changes, and a repository baked into an image never does", { hint: "use none (the default), or a pvc: or s3:// source" });
  }
}

export function planK8s(facts: RepositoryFacts, o: K8sOptions): DeployPlan {
  checkK8sOptions(o);
  checkGpuRequest(facts, o.gpusPerPod, "--gpus-per-pod");
  const warnings: string[] = [];
  if (memoryBytes(o.memory) < facts.bytes * 2) {
    warnings.push(`--memory ${o.memory} is less than twice the repository's ${(facts.bytes / 2 ** 20).toFixed(0)} MiB: ORT holds a model's weights and its session copy while loading`);
  }
  const cachePaths = engineCachePaths(facts);
  const placement = o.gpusPerPod > 0 ? gpuPlacement(facts, o.gpuProduct) : { builtOn: [], cacheFolder: "cpu" };
  if (cachePaths.length > 0 && o.engineCache === "shared" && o.gpusPerPod > 0 && placement.product === undefined) {
    warnings.push("pods are not pinned to a GPU model (no bundle names its GPU): replicas on different GPU models would share one engine-cache folder; pass --gpu-product LABEL");
  }
  const plans = facts.models.filter((m) => m.platform === "tensorrt_plan" || m.platform === "tensorrt").map((m) => m.name);
  if (plans.length > 0 && o.gpusPerPod > 0 && placement.product === undefined) {
    warnings.push(`${plans.join(", ")}: a TensorRT plan loads only on the GPU model (and TensorRT version) it was built for, which trtx cannot read from it: pass --gpu-product LABEL`);
  }
  warnings.push(...repositoryWarnings(facts));
  if (o.repoSource.kind === "image" && o.repoSource.ref === undefined) warnings.push("the repository image's name has no registry, so a cluster cannot pull it as written: pass --repo-source image:REGISTRY/NAME:TAG");
  if (o.replicas === 1 && o.hpa === undefined) warnings.push("one replica: the PodDisruptionBudget cannot keep the model served through a node drain");
  const remote = o.repoSource.kind === "s3" || o.repoSource.kind === "gs";
  const budget = startupBudget(facts, remote);
  const seconds = o.startupSeconds ?? budget.seconds;
  const probe = { periodSeconds: STARTUP_PERIOD_S, failureThreshold: Math.ceil(seconds / STARTUP_PERIOD_S) };

  const labels = { [LABEL_NAME]: "triton", [LABEL_INSTANCE]: o.name, "app.kubernetes.io/managed-by": "trtx" };
  const selector = { [LABEL_NAME]: "triton", [LABEL_INSTANCE]: o.name };
  const meta = (name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}) => ({
    name,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    labels: { ...labels, ...extra.labels },
    ...(extra.annotations !== undefined ? { annotations: extra.annotations } : {}),
  });

  const files: { file: string; comment: string; objects: Model<unknown>[] }[] = [];
  if (o.namespace !== undefined) files.push({ file: "namespace.yaml", comment: "The namespace every object below lives in.", objects: [new Namespace({ metadata: { name: o.namespace, labels } })] });

  const sharedCache = cachePaths.length > 0 && o.engineCache === "shared";
  const cacheClaim = `${o.name}-trt-engines`;
  if (sharedCache) {
    files.push({
      file: "engine-cache-pvc.yaml",
      comment: `TensorRT engines built by ORT's TensorRT accelerator, shared by every replica (folder ${placement.cacheFolder}/ per GPU model).`,
      objects: [
        new PersistentVolumeClaim({
          metadata: meta(cacheClaim),
          spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: o.engineCacheSize } }, ...(o.storageClass !== undefined ? { storageClassName: o.storageClass } : {}) },
        }),
      ],
    });
  }

  const repositoryImage = o.repoSource.kind === "image" ? repositoryImageRef(o, facts) : undefined;
  const { container, volumes } = tritonContainer(facts, o, repositoryImage ?? o.image, { cachePaths, cacheFolder: placement.cacheFolder, sharedCache, cacheClaim, probe });
  const deployment = new Deployment({
    metadata: meta(o.name, { annotations: { [REPOSITORY_HASH]: facts.sha256, "trtx.dev/startup-budget-seconds": String(seconds) } }),
    spec: {
      // With an autoscaler the HPA owns the replica count: a count here would reset it on every apply.
      ...(o.hpa === undefined ? { replicas: o.replicas } : {}),
      selector: { matchLabels: selector },
      // A new pod must build or load its engines before an old one goes: never fewer serving pods than asked for.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        // The hash rolls the pods when the repository changes under an unchanged pvc: or s3:// source.
        metadata: { labels, annotations: { [REPOSITORY_HASH]: facts.sha256 } },
        spec: {
          ...(placement.product !== undefined ? { nodeSelector: { "nvidia.com/gpu.product": placement.product } } : {}),
          ...(o.gpusPerPod > 0 ? { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] } : {}),
          // Triton drains in-flight requests for up to 30 s (--exit-timeout-secs) after SIGTERM.
          terminationGracePeriodSeconds: 45,
          containers: [container],
          volumes,
        },
      },
    },
  });
  files.push({ file: "deployment.yaml", comment: "Triton serving the repository; the probes follow Triton's health endpoints and the start-up budget in README.md.", objects: [deployment] });

  const port = (name: keyof typeof PORTS) => ({ name, port: PORTS[name], targetPort: name, protocol: "TCP" as const });
  files.push({
    file: "service.yaml",
    comment: "A ClusterIP Service for HTTP, gRPC and metrics, and a headless one for gRPC clients that balance across pods themselves.",
    objects: [
      new Service({ metadata: meta(o.name, { labels: { [SERVICE_ROLE]: "main" } }), spec: { type: "ClusterIP", selector, ports: [port("http"), port("grpc"), port("metrics")] } }),
      // gRPC keeps one HTTP/2 connection open, so a ClusterIP pins each client to one pod; DNS over a headless Service lists them all.
      new Service({ metadata: meta(`${o.name}-headless`, { labels: { [SERVICE_ROLE]: "headless" } }), spec: { clusterIP: "None", selector, ports: [port("http"), port("grpc")] } }),
    ],
  });
  files.push({
    file: "pdb.yaml",
    comment: "Voluntary disruptions (node drains, upgrades) take at most one Triton pod at a time.",
    objects: [new PodDisruptionBudget({ metadata: meta(o.name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } })],
  });
  if (o.hpa !== undefined) {
    files.push({
      file: "hpa.yaml",
      comment: `Scales on ${QUEUE_TIME_METRIC} (average queue time per request, ms), served by the Prometheus adapter rule in prometheus-adapter-values.yaml.`,
      objects: [
        new HorizontalPodAutoscaler({
          metadata: meta(o.name),
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: o.name },
            minReplicas: o.hpa.min,
            maxReplicas: o.hpa.max,
            metrics: [{ type: "Pods", pods: { metric: { name: QUEUE_TIME_METRIC }, target: { type: "AverageValue", averageValue: quantity(o.hpa.queueTargetMs) } } }],
            // A new pod may spend minutes building engines: scale down slowly, so a short lull does not throw that work away.
            behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] } },
          },
        }),
      ],
    });
  }
  const monitorLabels = { ...o.monitorLabels };
  if (o.monitor === "service") {
    files.push({
      file: "servicemonitor.yaml",
      comment: "Prometheus Operator: scrape Triton's metrics port through the main Service.",
      objects: [new ServiceMonitor({ metadata: meta(o.name, { labels: monitorLabels }), spec: { selector: { matchLabels: { ...selector, [SERVICE_ROLE]: "main" } }, endpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }] } })],
    });
  } else if (o.monitor === "pod") {
    files.push({
      file: "podmonitor.yaml",
      comment: "Prometheus Operator: scrape Triton's metrics port on every pod.",
      objects: [new PodMonitor({ metadata: meta(o.name, { labels: monitorLabels }), spec: { selector: { matchLabels: selector }, podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }] } })],
    });
  }
  const dashboard = JSON.stringify(tritonDashboard(`Triton: ${o.name}`, `trtx-${o.name}`.slice(0, 40)), null, 2);
  files.push({
    file: "grafana-dashboard.yaml",
    comment: "The Grafana dashboard as a ConfigMap that Grafana's dashboard sidecar (kube-prometheus-stack) loads by its grafana_dashboard label.",
    objects: [new ConfigMap({ metadata: meta(`${o.name}-grafana-dashboard`, { labels: { grafana_dashboard: "1" } }), data: { [`${o.name}.json`]: `${dashboard}\n` } })],
  });

  for (const f of files) for (const obj of f.objects) obj.validate();
  const out: DeployFile[] = files.map((f) => yamlFile(f.file, f.comment, f.objects.map((obj) => obj.toJSON())));
  out.push(yamlFile("kustomization.yaml", "kubectl apply -k . applies the files under resources, in dependency order.", [{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: files.map((f) => f.file) }]));
  if (o.hpa !== undefined) out.push(yamlFile("prometheus-adapter-values.yaml", "Values for the prometheus-community/prometheus-adapter Helm chart: the rule that serves the autoscaler's metric.", [{ rules: { custom: [queueTimeRule()] } }]));
  out.push({ path: "grafana-dashboard.json", content: `${dashboard}\n` });
  if (o.repoSource.kind === "image") out.push({ path: "Dockerfile.repository", content: repositoryDockerfile(o.image) });
  const startup = { ...budget, seconds, probe };
  out.push({ path: "README.md", content: renderK8sReadme({ options: o, facts, files: out.map((f) => f.path), startup, placement, repositoryImage, sharedCache, cachePaths, warnings }) });
  return {
    files: out,
    objects: files.flatMap((f) => f.objects.map((obj) => ({ file: f.file, kind: (obj as unknown as { kind: string }).kind, name: (obj as unknown as { metadata: { name: string } }).metadata.name }))),
    startup,
    placement,
    warnings,
  };
}

/** A Kubernetes quantity for a plain number: integers as they are, fractions in thousandths ("2.5" → "2500m"). */
function quantity(n: number): string {
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}
