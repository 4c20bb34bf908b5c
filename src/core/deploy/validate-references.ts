/**
 * What the API server accepts but fails at run time: Services, PDBs and monitors that select no pods, ports named
 * nowhere, an autoscaler aimed at a missing Deployment or one that also sets replicas. Objects come as read from YAML,
 * so every shape is asked for (loose.ts), never assumed.
 */
import { asList, asObject, text } from "./loose.js";
import { checkDashboard } from "./dashboard.js";
import type { DeployFinding, K8sObject } from "./validate.js";

/** String-to-string labels, or undefined; a selector of anything else selects nothing. */
function labelsOf(v: unknown): Record<string, string> | undefined {
  const o = asObject(v);
  return o !== undefined && Object.values(o).every((x) => typeof x === "string") ? (o as Record<string, string>) : undefined;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

interface PodTemplate {
  owner: string;
  file: string;
  namespace: string;
  labels: Record<string, string>;
  /** Container port names and numbers, as text. */
  ports: Set<string>;
  object: K8sObject;
}

const metaOf = (o: K8sObject) => asObject(o.metadata);
const ns = (o: K8sObject) => text(metaOf(o)?.namespace ?? "");
const nameOf = (o: K8sObject) => metaOf(o)?.name;
const id = (o: K8sObject) => `${o.kind}/${typeof nameOf(o) === "string" ? (nameOf(o) as string) : "?"}`;
const specOf = (o: K8sObject) => asObject(o.spec) ?? {};
const containersOf = (podSpec: unknown) => asList(asObject(podSpec)?.containers).map(asObject);

function podTemplates(objects: { file: string; object: K8sObject }[]): PodTemplate[] {
  return objects.flatMap(({ file, object }) => {
    if (!["Deployment", "StatefulSet", "DaemonSet"].includes(object.kind)) return [];
    const template = asObject(specOf(object).template);
    const labels = labelsOf(asObject(template?.metadata)?.labels) ?? {};
    const ports = new Set(containersOf(template?.spec).flatMap((c) => asList(c?.ports).flatMap((p) => [text(asObject(p)?.name ?? ""), text(asObject(p)?.containerPort ?? "")])));
    return [{ owner: id(object), file, namespace: ns(object), labels, ports, object }];
  });
}

export function checkReferences(objects: { file: string; object: K8sObject }[]): DeployFinding[] {
  const findings: DeployFinding[] = [];
  const pods = podTemplates(objects);
  const hpaTargets = new Set<string>();
  for (const { file, object } of objects) {
    const add = (rule: string, message: string) => findings.push({ file, rule, message: `${id(object)}: ${message}` });
    const spec = specOf(object);
    const podsIn = pods.filter((p) => p.namespace === ns(object));
    const selectorLabels = labelsOf(asObject(spec.selector)?.matchLabels);
    switch (object.kind) {
      case "Deployment": {
        const own = pods.find((p) => p.object === object)!;
        if (!matches(selectorLabels, own.labels)) add("selector", "spec.selector.matchLabels does not match the pod template's labels (the API server refuses it)");
        for (const c of containersOf(asObject(spec.template)?.spec)) {
          for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            const port = asObject(asObject(c?.[probe])?.httpGet)?.port;
            if (port !== undefined && !own.ports.has(text(port))) add("port", `container ${text(c?.name)} ${probe} uses port ${text(port)}, which the container does not declare`);
          }
        }
        break;
      }
      case "Service": {
        const selector = labelsOf(spec.selector);
        const selected = podsIn.filter((p) => matches(selector, p.labels));
        if (selected.length === 0) add("selects-nothing", `spec.selector ${text(spec.selector ?? {})} matches no pod template in the folder`);
        for (const item of asList(spec.ports)) {
          const port = asObject(item);
          const target = port?.targetPort ?? port?.port;
          if (selected.length > 0 && !selected.some((p) => p.ports.has(text(target)))) add("port", `port ${text(port?.name ?? port?.port)} targets ${text(target)}, which no selected container declares`);
        }
        break;
      }
      case "ConfigMap":
        // Grafana's sidecar loads every data entry of a labelled ConfigMap as a dashboard.
        if (labelsOf(metaOf(object)?.labels)?.grafana_dashboard !== undefined) {
          for (const [key, value] of Object.entries(asObject(object.data) ?? {})) {
            let dashboard: unknown;
            try {
              dashboard = JSON.parse(text(value));
            } catch {
              add("dashboard", `${key} is not JSON`);
              continue;
            }
            checkDashboard(asObject(dashboard) ?? {}, (m) => add("dashboard", `${key}: ${m}`));
          }
        }
        break;
      case "PodDisruptionBudget":
        if (!podsIn.some((p) => matches(selectorLabels, p.labels))) add("selects-nothing", "spec.selector matches no pod template in the folder");
        break;
      case "HorizontalPodAutoscaler": {
        const ref = asObject(spec.scaleTargetRef);
        const target = objects.find((o) => o.object.kind === ref?.kind && nameOf(o.object) === ref?.name && ns(o.object) === ns(object));
        if (target === undefined) add("target", `spec.scaleTargetRef ${text(ref?.kind)}/${text(ref?.name)} is not in the folder`);
        else hpaTargets.add(id(target.object) + ns(object));
        break;
      }
      case "ServiceMonitor": {
        const services = objects.filter((o) => o.object.kind === "Service" && ns(o.object) === ns(object) && matches(selectorLabels, labelsOf(metaOf(o.object)?.labels)));
        if (services.length === 0) add("selects-nothing", "spec.selector matches no Service in the folder");
        for (const ep of asList(spec.endpoints).map(asObject)) {
          const portNames = services.flatMap((svc) => asList(specOf(svc.object).ports).map((p) => asObject(p)?.name));
          if (services.length > 0 && !portNames.includes(ep?.port)) add("port", `endpoint port ${text(ep?.port)} is not a port of the selected Service(s)`);
        }
        break;
      }
      case "PodMonitor": {
        const selected = podsIn.filter((p) => matches(selectorLabels, p.labels));
        if (selected.length === 0) add("selects-nothing", "spec.selector matches no pod template in the folder");
        for (const ep of asList(spec.podMetricsEndpoints).map(asObject)) {
          if (selected.length > 0 && !selected.some((p) => p.ports.has(text(ep?.port)))) add("port", `endpoint port ${text(ep?.port)} is not a port of the selected pods`);
        }
        break;
      }
    }
  }
  // An autoscaled Deployment that sets replicas has its scale reset by every apply.
  for (const p of pods) {
    if (hpaTargets.has(p.owner + p.namespace) && specOf(p.object).replicas !== undefined) findings.push({ file: p.file, rule: "hpa-replicas", message: `${p.owner}: sets spec.replicas while a HorizontalPodAutoscaler scales it — every apply resets the scale; drop replicas` });
  }
  return findings;
}
