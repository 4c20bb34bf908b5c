/**
 * `trtx deploy compose`: Triton on one box with Prometheus scraping it and Grafana showing the dashboard — a
 * docker-compose.yml and the files it mounts, in one folder that `docker compose up -d` starts.
 */
import path from "node:path";
import { UsageError } from "../errors.js";
import { tritonDashboard } from "./dashboard.js";
import { checkCount, checkDeploymentName, checkImage, checkMemory, DEFAULT_TRITON_IMAGE, type ModelControlMode } from "./options.js";
import type { RepositoryFacts } from "./repo-facts.js";
import { checkGpuRequest, engineCachePaths, MODEL_REPOSITORY_PATH, PORTS, startupBudget, tritonCommand, repositoryWarnings, type StartupBudget } from "./serving.js";
import { yamlFile, type DeployFile } from "./yaml-file.js";

export const PROMETHEUS_IMAGE = "prom/prometheus:v3.5.0";
export const GRAFANA_IMAGE = "grafana/grafana:12.0.2";

export interface ComposeOptions {
  name: string;
  image: string;
  /** GPUs reserved for Triton: a count, or "all". */
  gpus: number | "all";
  shmSize: string;
  modelControlMode: ModelControlMode;
  /** The repository folder as given, and the output folder: the bind mount is the path from one to the other. */
  repository: string;
  outDir: string;
  startupSeconds?: number;
}

/** The settings `trtx deploy compose` uses when no flag says otherwise. */
export const COMPOSE_DEFAULTS = {
  name: "trtx",
  image: DEFAULT_TRITON_IMAGE,
  gpus: 1,
  shmSize: "1Gi",
  modelControlMode: "none",
} as const satisfies Partial<ComposeOptions>;

export interface ComposePlan {
  files: DeployFile[];
  startup: StartupBudget;
  warnings: string[];
}

/** Compose's healthcheck runs inside the Triton image, which has bash but is not documented to have curl. */
const READY_CHECK = `exec 3<>/dev/tcp/127.0.0.1/${PORTS.http} && printf 'GET /v2/health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`;

export function planCompose(facts: RepositoryFacts, o: ComposeOptions): ComposePlan {
  checkDeploymentName(o.name);
  checkImage(o.image);
  checkMemory(o.shmSize, "--shm-size");
  if (o.gpus !== "all") checkCount(o.gpus, "--gpus", 0);
  if (o.startupSeconds !== undefined) checkCount(o.startupSeconds, "--startup-seconds", 1);
  if (o.gpus !== "all") checkGpuRequest(facts, o.gpus, "--gpus");
  const cachePaths = engineCachePaths(facts);
  const warnings = repositoryWarnings(facts);
  const budget = startupBudget(facts, false);
  const seconds = o.startupSeconds ?? budget.seconds;

  const repoMount = bindPath(o.outDir, o.repository);
  if (cachePaths.length > 1) throw new UsageError(`the repository's models cache TensorRT engines in ${cachePaths.length} folders (${cachePaths.join(", ")})`, { hint: "use one trt_engine_cache_path for every model; compose mounts one engine volume" });
  const volumes = [`${repoMount}:${MODEL_REPOSITORY_PATH}:ro`, ...cachePaths.map((p) => `trt-engines:${p}`)];
  const triton: Record<string, unknown> = {
    image: o.image,
    command: tritonCommand({ repository: MODEL_REPOSITORY_PATH, mode: o.modelControlMode, models: facts.models.map((m) => m.name) }),
    ports: Object.values(PORTS).map((p) => `${p}:${p}`),
    shm_size: o.shmSize.replace(/i$/, "").toLowerCase(),
    ulimits: { memlock: -1, stack: 67108864 },
    volumes,
    healthcheck: { test: ["CMD", "bash", "-c", READY_CHECK], interval: "10s", timeout: "5s", retries: 3, start_period: `${seconds}s` },
    restart: "unless-stopped",
  };
  if (o.gpus === "all" || o.gpus > 0) triton.deploy = { resources: { reservations: { devices: [{ driver: "nvidia", count: o.gpus, capabilities: ["gpu"] }] } } };
  // No top-level `name`: docker-compose 1.x refuses it; the project is named with -p (README).
  const compose = {
    services: {
      triton,
      prometheus: {
        image: PROMETHEUS_IMAGE,
        command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=15d"],
        ports: ["9090:9090"],
        volumes: ["./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", "prometheus-data:/prometheus"],
        depends_on: ["triton"],
        restart: "unless-stopped",
      },
      grafana: {
        image: GRAFANA_IMAGE,
        ports: ["3000:3000"],
        // Read-only anonymous access on one box; the admin login stays for editing.
        environment: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer" },
        volumes: ["./grafana/provisioning:/etc/grafana/provisioning:ro", "./grafana/dashboards:/etc/grafana/dashboards:ro", "grafana-data:/var/lib/grafana"],
        depends_on: ["prometheus"],
        restart: "unless-stopped",
      },
    },
    volumes: { ...(cachePaths.length > 0 ? { "trt-engines": {} } : {}), "prometheus-data": {}, "grafana-data": {} },
  };
  const prometheus = {
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    scrape_configs: [{ job_name: "triton", metrics_path: "/metrics", static_configs: [{ targets: [`triton:${PORTS.metrics}`] }] }],
  };
  const datasources = { apiVersion: 1, datasources: [{ name: "Prometheus", uid: "prometheus", type: "prometheus", access: "proxy", url: "http://prometheus:9090", isDefault: true, jsonData: { timeInterval: "15s" } }] };
  const providers = { apiVersion: 1, providers: [{ name: "trtx", type: "file", folder: "Triton", disableDeletion: false, options: { path: "/etc/grafana/dashboards" } }] };
  const dashboard = tritonDashboard(`Triton: ${o.name}`, `trtx-${o.name}`.slice(0, 40));
  const files: DeployFile[] = [
    yamlFile("docker-compose.yml", "Triton on this box, Prometheus scraping its metrics, Grafana showing them: docker compose up -d", [compose]),
    yamlFile("prometheus/prometheus.yml", "Prometheus scrapes Triton's metrics port every 15 s.", [prometheus]),
    yamlFile("grafana/provisioning/datasources/prometheus.yml", "Grafana's Prometheus datasource.", [datasources]),
    yamlFile("grafana/provisioning/dashboards/trtx.yml", "Grafana loads the dashboards in /etc/grafana/dashboards.", [providers]),
    { path: "grafana/dashboards/triton.json", content: `${JSON.stringify(dashboard, null, 2)}\n` },
  ];
  const startup = { ...budget, seconds };
  files.push({ path: "README.md", content: composeReadme(facts, o, repoMount, startup, warnings) });
  return { files, startup, warnings };
}

/** The repository as compose resolves it from the compose file's folder: relative, starting with ./ or ../. */
function bindPath(outDir: string, repository: string): string {
  const rel = path.relative(path.resolve(outDir), path.resolve(repository)).split(path.sep).join("/");
  if (rel === "") return ".";
  return rel.startsWith("..") || path.isAbsolute(rel) ? rel : `./${rel}`;
}

function composeReadme(facts: RepositoryFacts, o: ComposeOptions, repoMount: string, startup: StartupBudget, warnings: string[]): string {
  const gpus = o.gpus === "all" ? "every GPU" : o.gpus === 0 ? "no GPU" : `${o.gpus} GPU(s)`;
  const lines = [
    `# Triton on one box: ${o.name}`,
    "",
    `Written by \`trtx deploy compose\` from \`${o.repository}\` (${facts.models.map((m) => m.name).join(", ")}; sha256 ${facts.sha256.slice(0, 16)}…), mounted read-only from \`${repoMount}\`.`,
    "",
    "## Files",
    "",
    "- `docker-compose.yml`: Triton (HTTP 8000, gRPC 8001, metrics 8002), Prometheus (9090) and Grafana (3000)",
    "- `prometheus/prometheus.yml`: the scrape of Triton's metrics",
    "- `grafana/provisioning/`: the Prometheus datasource and the dashboard folder",
    "- `grafana/dashboards/triton.json`: throughput, latency percentiles, queue and compute time, batch size, failures, GPU utilisation and memory",
    "",
    "## Run",
    "",
    "```sh",
    `docker compose -p ${o.name} up -d`,
    `docker compose -p ${o.name} ps   # triton turns healthy once every model is READY`,
    "curl localhost:8000/v2/health/ready",
    "```",
    "",
    `Then open http://localhost:3000 (dashboard "Triton: ${o.name}"). Triton gets ${gpus}${o.gpus === 0 ? "" : " through the NVIDIA Container Toolkit"}.`,
    "",
    "## What to know",
    "",
    `- Start-up: the healthcheck's start period is ${startup.seconds} s, the time allowed for warm-ups and TensorRT engine builds (a budget, not a measurement).`,
    "- Engine cache: TensorRT engines go to the named volume `trt-engines`, so a restart reuses them; `docker compose down -v` removes it.",
    "- Triton runs with `--strict-readiness=true`, `--exit-on-error=true` and `--disable-auto-complete-config`: healthy means every model loaded as configured.",
    "- The repository is mounted, not copied: after changing it, `docker compose restart triton`.",
  ];
  if (warnings.length > 0) lines.push("", "## Warnings", "", ...warnings.map((w) => `- ${w}`));
  return `${lines.join("\n")}\n`;
}
