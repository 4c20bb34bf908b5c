/**
 * The settings of a deployment, checked before anything is planned: Kubernetes names and quantities, the
 * repository's source, replica and autoscaling bounds. Each bad value is one UsageError naming the fix.
 */
import { UsageError } from "../errors.js";

/** Where the pods find the model repository. */
export type RepoSource =
  | { kind: "pvc"; claim: string }
  | { kind: "s3"; url: string }
  | { kind: "gs"; url: string }
  /** The repository baked into an image FROM the Triton image; `ref` is what it is pushed as. */
  | { kind: "image"; ref?: string };

export type ModelControlMode = "none" | "explicit" | "poll";

/** The newest Triton release whose notes we checked; pass --image to match your cluster's drivers. */
export const DEFAULT_TRITON_IMAGE = "nvcr.io/nvidia/tritonserver:25.12-py3";
export const MODEL_CONTROL_MODES: readonly ModelControlMode[] = ["none", "explicit", "poll"];

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU_QUANTITY = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY_QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
/** Longest suffix trtx adds to the deployment name ("-trt-engines", "-grafana-dashboard"): names stay within 63. */
const LONGEST_SUFFIX = "-grafana-dashboard".length;

/** The deployment's name prefixes every object: an RFC 1035 label short enough for the longest suffix. */
export function checkDeploymentName(name: string): void {
  if (!DNS_LABEL.test(name) || name.length > 63 - LONGEST_SUFFIX) {
    throw new UsageError(`--name '${name}' is not a valid Kubernetes name`, { hint: `use lowercase letters, digits and '-', starting with a letter, at most ${63 - LONGEST_SUFFIX} characters` });
  }
}

/** Namespaces are RFC 1123 labels: unlike object names here, they may start with a digit. */
const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkNamespace(namespace: string): void {
  if (!RFC1123_LABEL.test(namespace) || namespace.length > 63) {
    throw new UsageError(`--namespace '${namespace}' is not a valid namespace`, { hint: "use lowercase letters, digits and '-', at most 63 characters" });
  }
}

export function checkCpu(value: string, flag = "--cpu"): void {
  if (!CPU_QUANTITY.test(value) || Number.parseFloat(value) === 0) throw new UsageError(`${flag} '${value}' is not a CPU quantity`, { hint: "use cores (8, 0.5) or millicores (500m)" });
}

export function checkMemory(value: string, flag = "--memory"): void {
  if (!MEMORY_QUANTITY.test(value) || Number.parseFloat(value) === 0) throw new UsageError(`${flag} '${value}' is not a memory quantity`, { hint: "use a size such as 32Gi, 512Mi or 8G" });
}

const MEMORY_UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** Bytes in a memory quantity already checked by checkMemory. */
export function memoryBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(\D*)$/.exec(value)!;
  return Number(m[1]) * MEMORY_UNITS[m[2]!]!;
}

export function checkCount(value: number, flag: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} ${value} is not valid`, { hint: `use a whole number of at least ${min}` });
}

export function checkModelControlMode(mode: string): asserts mode is ModelControlMode {
  if (!(MODEL_CONTROL_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--model-control-mode '${mode}' is not one of Triton's modes`, { hint: `use ${MODEL_CONTROL_MODES.join(", ")}` });
  }
}

/** An image reference: no spaces, and a tag or digest so that every replica runs the same bits. */
export function checkImage(ref: string, flag = "--image"): void {
  const name = ref.split("@")[0]!;
  const lastPart = name.split("/").at(-1)!;
  if (ref === "" || /\s/.test(ref) || !(ref.includes("@sha256:") || lastPart.includes(":"))) {
    throw new UsageError(`${flag} '${ref}' is not a pinned image reference`, { hint: "give a tag or digest, e.g. nvcr.io/nvidia/tritonserver:25.12-py3" });
  }
}

/** pvc:NAME, s3://bucket/path, gs://bucket/path, image or image:REF. */
export function parseRepoSource(text: string): RepoSource {
  const hint = "use pvc:CLAIM, s3://bucket/path, gs://bucket/path, image or image:REGISTRY/NAME:TAG";
  if (text === "image") return { kind: "image" };
  if (text.startsWith("image:")) {
    const ref = text.slice("image:".length);
    checkImage(ref, "--repo-source image:");
    return { kind: "image", ref };
  }
  if (text.startsWith("pvc:")) {
    const claim = text.slice(4);
    if (!DNS_SUBDOMAIN.test(claim) || claim.length > 253) throw new UsageError(`--repo-source ${text}: '${claim}' is not a PersistentVolumeClaim name`, { hint });
    return { kind: "pvc", claim };
  }
  const scheme = /^([a-z0-9]+):\/\/(.*)$/i.exec(text);
  if (scheme !== null && (scheme[1] === "s3" || scheme[1] === "gs")) {
    if (scheme[2]!.replace(/\/+$/, "") === "") throw new UsageError(`--repo-source ${text} names no bucket`, { hint });
    return { kind: scheme[1], url: text.replace(/\/+$/, "") };
  }
  const what = scheme !== null ? `scheme '${scheme[1]}://'` : `'${text}'`;
  throw new UsageError(`--repo-source ${what} is not a repository source trtx deploys from`, { hint });
}

/** `key=value` labels for the Prometheus monitor, so that the Prometheus Operator's selector picks it up. */
export function parseLabels(pairs: readonly string[], flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)=([-A-Za-z0-9_.]*)$/.exec(pair);
    if (m === null || m[2]!.length > 63) throw new UsageError(`${flag} '${pair}' is not a label`, { hint: "use key=value, e.g. release=kube-prometheus-stack" });
    labels[m[1]!] = m[2]!;
  }
  return labels;
}
