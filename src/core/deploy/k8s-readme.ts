/** README.md of a `trtx deploy k8s` folder: what each file is, how to apply it, and what was assumed. */
import type { K8sOptions } from "./k8s.js";
import { QUEUE_TIME_METRIC } from "./prometheus-adapter.js";
import type { RepositoryFacts } from "./repo-facts.js";
import type { GpuPlacement, StartupBudget } from "./serving.js";

export interface K8sReadmeFacts {
  options: K8sOptions;
  facts: RepositoryFacts;
  files: string[];
  startup: StartupBudget & { probe: { periodSeconds: number; failureThreshold: number } };
  placement: GpuPlacement;
  repositoryImage?: string;
  sharedCache: boolean;
  cachePaths: string[];
  warnings: string[];
}

const FILE_ROLES: Record<string, string> = {
  "kustomization.yaml": "lists the object files; `kubectl apply -k .` applies them in dependency order",
  "namespace.yaml": "the namespace",
  "engine-cache-pvc.yaml": "a ReadWriteMany claim holding TensorRT engines, shared by the replicas",
  "deployment.yaml": "tritonserver on the repository, with its probes, resources and volumes",
  "service.yaml": "a ClusterIP Service (HTTP 8000, gRPC 8001, metrics 8002) and a headless one for client-side gRPC balancing",
  "pdb.yaml": "a PodDisruptionBudget: drains take one pod at a time",
  "hpa.yaml": "a HorizontalPodAutoscaler on Triton's average queue time per request",
  "servicemonitor.yaml": "a Prometheus Operator ServiceMonitor for Triton's metrics",
  "podmonitor.yaml": "a Prometheus Operator PodMonitor for Triton's metrics",
  "grafana-dashboard.yaml": "the Grafana dashboard as a ConfigMap for Grafana's dashboard sidecar",
  "grafana-dashboard.json": "the same dashboard, to import by hand",
  "prometheus-adapter-values.yaml": "Helm values for prometheus-adapter: the rule behind the autoscaler's metric (not part of the kustomization)",
  "Dockerfile.repository": "the repository baked into the Triton image",
  "README.md": "this file",
};

export function renderK8sReadme(r: K8sReadmeFacts): string {
  const o = r.options;
  const ns = o.namespace !== undefined ? ` -n ${o.namespace}` : "";
  const lines: string[] = [
    `# Triton on Kubernetes: ${o.name}`,
    "",
    `Written by \`trtx deploy k8s\` from \`${o.repository}\` (${r.facts.models.length} model(s), ${(r.facts.bytes / 2 ** 20).toFixed(1)} MiB, sha256 ${r.facts.sha256.slice(0, 16)}…).`,
    "Regenerate the folder rather than editing it; `trtx deploy validate` checks it offline.",
    "",
    "| model | platform | max batch | TensorRT | warm-ups | built on |",
    "|---|---|---|---|---|---|",
    ...r.facts.models.map((m) => {
      const built = m.provenance === undefined ? "—" : m.provenance.builtOn.gpu !== undefined && m.provenance.provider !== "cpu" ? `${m.provenance.builtOn.gpu.name} (compute ${m.provenance.builtOn.gpu.computeCapability}), ${m.provenance.provider}` : `${m.provenance.provider} (no GPU)`;
      return `| ${m.name} | ${m.platform} | ${m.maxBatchSize} | ${m.tensorrt?.precision ?? "—"} | ${m.warmups.length} | ${built} |`;
    }),
    "",
    "## Files",
    "",
    ...r.files.map((f) => `- \`${f}\`: ${FILE_ROLES[f] ?? ""}`),
    "",
    "## Apply",
    "",
    ...applySteps(r, ns),
    "",
    "## What to know",
    "",
    ...notes(r),
  ];
  if (r.warnings.length > 0) lines.push("", "## Warnings", "", ...r.warnings.map((w) => `- ${w}`));
  return `${lines.join("\n")}\n`;
}

function applySteps(r: K8sReadmeFacts, ns: string): string[] {
  const o = r.options;
  const steps: string[] = [];
  const src = o.repoSource;
  if (src.kind === "image") {
    steps.push(
      "1. Build and push the repository image (the Triton image with the repository in /models):",
      "   ```sh",
      `   docker build -f Dockerfile.repository -t ${r.repositoryImage} ${o.repository}`,
      `   docker push ${r.repositoryImage}`,
      "   ```",
      "   The tag is the repository's hash: a changed repository is a new image and a rolling update." +
        (o.repoSource.kind === "image" && o.repoSource.ref === undefined ? " The name has no registry: regenerate with `--repo-source image:REGISTRY/NAME:TAG` for one your cluster pulls from." : ""),
    );
  } else if (src.kind === "pvc") {
    steps.push(`1. Copy the repository into the PersistentVolumeClaim \`${src.claim}\` (mounted read-only at /models), e.g. from a pod that mounts it: \`kubectl cp ${o.repository}/. POD:/models${ns}\`.`);
  } else {
    const secret = src.kind === "s3" ? `${o.name}-s3-credentials` : `${o.name}-gcs-credentials`;
    const create =
      src.kind === "s3"
        ? `kubectl create secret generic ${secret}${ns} --from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=... --from-literal=AWS_DEFAULT_REGION=...`
        : `kubectl create secret generic ${secret}${ns} --from-file=key.json=service-account.json`;
    steps.push(
      `1. Upload the repository to \`${src.url}\` (Triton reads it there at start-up; ${src.kind === "s3" ? "`aws s3 sync`" : "`gcloud storage rsync -r`"} ${o.repository} ${src.url}).`,
      `   Credentials: \`${create}\` — or leave the secret out and use the node's or workload's identity (the secret is optional).`,
    );
  }
  steps.push(`2. \`kubectl apply -k .\` — then \`kubectl rollout status deployment/${o.name}${ns} --timeout=${r.startup.seconds + 120}s\`.`);
  if (o.hpa !== undefined) {
    steps.push(
      "3. The autoscaler reads `" + QUEUE_TIME_METRIC + "` from the custom metrics API: install or upgrade prometheus-adapter with the rule,",
      "   `helm upgrade --install prometheus-adapter prometheus-community/prometheus-adapter -f prometheus-adapter-values.yaml` (add `--set prometheus.url=...` for your Prometheus),",
      `   and check it: \`kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/${o.namespace ?? "default"}/pods/*/${QUEUE_TIME_METRIC}"\`.`,
    );
  }
  steps.push(`${o.hpa !== undefined ? 4 : 3}. Try it: \`kubectl port-forward${ns} svc/${o.name} 8000\`, then \`curl localhost:8000/v2/health/ready\` and \`curl localhost:8000/v2/models/${r.facts.models[0]?.name ?? "MODEL"}\`.`);
  return steps;
}

function notes(r: K8sReadmeFacts): string[] {
  const o = r.options;
  const out: string[] = [];
  const gpu = r.placement.product !== undefined ? `on nodes labelled \`nvidia.com/gpu.product=${r.placement.product}\` (GPU Feature Discovery's label)` : "on any GPU node";
  if (o.gpusPerPod > 0) {
    const built = r.placement.builtOn.length > 0 ? `The bundles were built and checked on ${[...new Set(r.placement.builtOn.map((b) => `${b.gpu} (compute ${b.computeCapability})`))].join(", ")}.` : "No bundle names the GPU it was built on, so placement is left open.";
    out.push(`- GPU: each pod asks for ${o.gpusPerPod} \`nvidia.com/gpu\` and runs ${gpu}. ${built} TensorRT engines are specific to a GPU model: change it with \`--gpu-product\`.`);
  }
  if (r.cachePaths.length > 0) {
    out.push(
      r.sharedCache
        ? `- Engine cache: ${r.cachePaths.map((p) => `\`${p}\``).join(", ")} ${r.cachePaths.length === 1 ? "is" : "are"} mounted from the claim \`${o.name}-trt-engines\`, folder \`${r.placement.cacheFolder}/\` — ${r.placement.product !== undefined ? "one folder per GPU model, so engines built for one GPU are never loaded on another" : "pods are not pinned to a GPU model, so pods on different GPU models would share this folder (pin them with --gpu-product)"}. The first pod builds the engines; the others reuse them. Replicas starting at once may each build the same engine: start with one replica (or let the rolling update's maxSurge 1 do it) the first time. Each model's \`trt_engine_cache_prefix\` is its weights' hash, so a retrained model never loads an old engine.`
        : `- Engine cache: ${r.cachePaths.map((p) => `\`${p}\``).join(", ")} ${r.cachePaths.length === 1 ? "is" : "are"} an emptyDir: every pod builds its own engines at start-up (\`--engine-cache shared\` shares them through a ReadWriteMany claim).`,
    );
  }
  out.push(
    `- Start-up: the startupProbe allows ${r.startup.seconds} s (${r.startup.probe.failureThreshold} × ${r.startup.probe.periodSeconds} s) before liveness checks begin. ${o.startupSeconds !== undefined ? "Set with --startup-seconds." : "Derived from the warm-ups — a budget, not a measurement:"}`,
    ...(o.startupSeconds === undefined ? ["  - server start: 60 s", ...r.startup.parts.map((p) => `  - ${p.model === "*" ? "repository" : p.model}: ${p.seconds} s, ${p.why}`)] : []),
    "- Readiness: Triton runs with `--strict-readiness=true` (ready only when every model is), `--exit-on-error=true` (a model that fails to load restarts the pod instead of serving part of the repository) and `--disable-auto-complete-config` (the configs are used exactly as written).",
    "- gRPC: a client's HTTP/2 connection stays on one pod behind the ClusterIP Service. To spread one client's load, connect through the headless Service with client-side round-robin, or use a service mesh.",
  );
  if (o.hpa !== undefined) {
    out.push(`- Autoscaling: between ${o.hpa.min} and ${o.hpa.max} replicas, adding pods while the average queue time per request is above ${o.hpa.queueTargetMs} ms. New GPU pods take their start-up time to serve, so scale-down is slow (10 min window, one pod per 2 min).`);
  }
  return out;
}
