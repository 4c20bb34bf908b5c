/**
 * The Triton container of `trtx deploy k8s` and the volumes it mounts: the repository (a claim, an object store's
 * credentials, or nothing when it is baked into the image), the TensorRT engine cache, shared memory; its probes and
 * resources.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { K8sOptions } from "./k8s.js";
import type { RepositoryFacts } from "./repo-facts.js";
import { MODEL_REPOSITORY_PATH, PORTS, tritonCommand } from "./serving.js";

export interface CacheMount {
  cachePaths: string[];
  cacheFolder: string;
  sharedCache: boolean;
  cacheClaim: string;
  probe: { periodSeconds: number; failureThreshold: number };
}

export function tritonContainer(facts: RepositoryFacts, o: K8sOptions, image: string, c: CacheMount): { container: IContainer; volumes: IVolume[] } {
  const source = o.repoSource;
  const repository = source.kind === "s3" || source.kind === "gs" ? source.url : MODEL_REPOSITORY_PATH;
  const [command, ...args] = tritonCommand({ repository, mode: o.modelControlMode, models: facts.models.map((m) => m.name) });
  const mounts: IVolumeMount[] = [{ name: "dshm", mountPath: "/dev/shm" }];
  const volumes: IVolume[] = [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: o.shmSize } }];
  if (source.kind === "pvc") {
    mounts.push({ name: "model-repository", mountPath: MODEL_REPOSITORY_PATH, readOnly: true });
    volumes.push({ name: "model-repository", persistentVolumeClaim: { claimName: source.claim, readOnly: true } });
  }
  if (c.cachePaths.length > 0) {
    c.cachePaths.forEach((p, i) => mounts.push({ name: "trt-engines", mountPath: p, ...(c.sharedCache ? { subPath: c.cachePaths.length === 1 ? c.cacheFolder : `${c.cacheFolder}/${i}` } : {}) }));
    volumes.push(c.sharedCache ? { name: "trt-engines", persistentVolumeClaim: { claimName: c.cacheClaim } } : { name: "trt-engines", emptyDir: {} });
  }
  const env: IEnvVar[] = [];
  if (source.kind === "s3") {
    // optional: with IRSA or an instance role there is no secret, and the SDK finds credentials itself.
    const key = (name: string, k: string): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: `${o.name}-s3-credentials`, key: k, optional: true } } });
    env.push(key("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"), key("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"), key("AWS_DEFAULT_REGION", "AWS_DEFAULT_REGION"));
  }
  if (source.kind === "gs") {
    env.push({ name: "GOOGLE_APPLICATION_CREDENTIALS", value: "/var/secrets/google/key.json" });
    mounts.push({ name: "gcs-credentials", mountPath: "/var/secrets/google", readOnly: true });
    volumes.push({ name: "gcs-credentials", secret: { secretName: `${o.name}-gcs-credentials`, optional: true } });
  }
  const limits: Record<string, string> = { cpu: o.cpu, memory: o.memory, ...(o.gpusPerPod > 0 ? { "nvidia.com/gpu": String(o.gpusPerPod) } : {}) };
  const health = (path: string) => ({ httpGet: { path, port: "http" } });
  const container: IContainer = {
    name: "tritonserver",
    image,
    command: [command!],
    args,
    ports: (Object.keys(PORTS) as (keyof typeof PORTS)[]).map((name) => ({ name, containerPort: PORTS[name], protocol: "TCP" })),
    ...(env.length > 0 ? { env } : {}),
    // Requests equal to limits: Guaranteed QoS, so the kubelet's static CPU manager may pin cores and latency stays steady.
    resources: { requests: { cpu: o.cpu, memory: o.memory }, limits },
    // READY comes after every model's warm-up (--strict-readiness); until then liveness waits, engine builds included.
    startupProbe: { ...health("/v2/health/ready"), periodSeconds: c.probe.periodSeconds, failureThreshold: c.probe.failureThreshold, timeoutSeconds: 5 },
    readinessProbe: { ...health("/v2/health/ready"), periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { ...health("/v2/health/live"), periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
    volumeMounts: mounts,
  };
  return { container, volumes };
}

/** The repository's image: the given reference, or one named after the deployment and tagged with the repository hash. */
export function repositoryImageRef(o: K8sOptions, facts: RepositoryFacts): string {
  return o.repoSource.kind === "image" && o.repoSource.ref !== undefined ? o.repoSource.ref : `${o.name}-model-repository:${facts.sha256.slice(0, 12)}`;
}

export function repositoryDockerfile(tritonImage: string): string {
  return [
    "# The model repository baked into the Triton image: build it with the repository folder as the context,",
    "#   docker build -f Dockerfile.repository -t IMAGE path/to/model_repository",
    `FROM ${tritonImage}`,
    `COPY . ${MODEL_REPOSITORY_PATH}/`,
    "",
  ].join("\n");
}
