/**
 * A real tritonserver, started for a repository and asked what it thinks of each model: `repo validate --server`
 * and the server-backed tests. The server runs on free loopback ports in explicit model-control mode with nothing
 * loaded; each model is loaded through Triton's repository API, and its state and Triton's own error message come
 * from the repository index. Nothing here interprets configs: the verdict is the server's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { FileError, TrtxError, UsageError } from "../errors.js";

export interface TritonServerOptions {
  /** The tritonserver executable: this path, else $TRTX_TRITONSERVER, else `tritonserver` on PATH. */
  binary?: string;
  /** --backend-directory (Triton's default is /opt/tritonserver/backends). */
  backendDirectory?: string;
  /** Triton's auto-complete of configs from the model files (on by default in Triton; `trtx deploy` turns it off). */
  autoComplete?: boolean;
  /** How long the server may take to come up, in ms. */
  startTimeoutMs?: number;
  /** How long one model may take to load, in ms. */
  loadTimeoutMs?: number;
}

export interface ServerModelVerdict {
  name: string;
  /** READY, or UNAVAILABLE with Triton's reason. */
  state: "READY" | "UNAVAILABLE";
  /** Triton's message for a model it did not load. */
  message?: string;
}

/** The server's answer for a whole repository. */
export interface ServerVerdict {
  binary: string;
  version: string;
  models: ServerModelVerdict[];
}

const DEFAULT_START_MS = 60_000;
const DEFAULT_LOAD_MS = 120_000;
/** Lines of the server's output kept for an error message when it fails to start or stops. */
const LOG_LINES = 40;
/** model_repository_manager.cc's log line for a model folder the poll refused: `... "Poll failed for model directory 'NAME': WHY"`. */
const POLL_FAILED = /Poll failed for model directory '([^']*)': (.*?)"?\s*$/;

/** Where tritonserver is: the given path, $TRTX_TRITONSERVER, or PATH; refused with the fix when there is none. */
export function findTritonServer(given?: string): string {
  const explicit = given ?? process.env.TRTX_TRITONSERVER;
  if (explicit !== undefined && explicit !== "") {
    if (!isExecutable(explicit)) throw new FileError(`tritonserver ${explicit} is not an executable file`, { hint: "pass the path of the tritonserver binary to --server" });
    return explicit;
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, "tritonserver");
    if (isExecutable(candidate)) return candidate;
  }
  throw new FileError("tritonserver was not found on PATH", { hint: "pass --server /path/to/tritonserver, or set TRTX_TRITONSERVER" });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out for port 0. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One running tritonserver. Always stop() it: the process is killed, never left behind. */
export class TritonServer {
  private readonly log: string[] = [];
  /** model name → why the repository poll refused its folder, from the server's log (the load call says only "failed to poll"). */
  private readonly pollFailures = new Map<string, string>();
  /** The model of the last load call, to say where a server that stopped was. */
  private lastModel: string | undefined;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly binary: string,
    readonly httpUrl: string,
    /** host:port of the gRPC frontend. */
    readonly grpcAddress: string,
  ) {
    // Lines of each stream, split where the newlines are (a chunk may end inside a line).
    const lines = (stream: NodeJS.ReadableStream | null) => {
      let partial = "";
      stream?.on("data", (chunk: Buffer) => {
        const parts = (partial + chunk.toString("utf8")).split("\n");
        partial = parts.pop()!;
        for (const line of parts) this.keep(line);
      });
    };
    lines(child.stdout);
    lines(child.stderr);
    child.on("exit", (code, signal) => (this.exited = { code, signal }));
  }

  private keep(line: string): void {
    // The server's tables are drawn with +---+ and |; their rows say nothing a verdict does not.
    if (line.trim() === "" || /^[+|]/.test(line)) return;
    this.log.push(line);
    if (this.log.length > LOG_LINES) this.log.shift();
    const poll = POLL_FAILED.exec(line);
    if (poll !== null) this.pollFailures.set(poll[1]!, poll[2]!.replace(/\\"/g, '"'));
  }

  /** Starts a server on `repository` and waits until it is live, or fails with the server's last words. */
  static async start(repository: string, o: TritonServerOptions = {}): Promise<TritonServer> {
    const binary = findTritonServer(o.binary);
    if (!fs.existsSync(repository) || !fs.statSync(repository).isDirectory()) throw new FileError(`model repository ${repository} is not a folder`);
    if (o.backendDirectory !== undefined && !fs.existsSync(o.backendDirectory)) {
      throw new UsageError(`backend directory ${o.backendDirectory} does not exist`, { hint: "pass the folder holding one sub-folder per backend (Triton's --backend-directory)" });
    }
    const root = fs.realpathSync(repository);
    const [http, grpc] = [await freePort(), await freePort()];
    const args = [
      `--model-repository=${root}`,
      "--model-control-mode=explicit",
      "--http-address=127.0.0.1",
      `--http-port=${http}`,
      "--grpc-address=127.0.0.1",
      `--grpc-port=${grpc}`,
      "--allow-metrics=false",
      "--exit-timeout-secs=5",
      ...(o.backendDirectory !== undefined ? [`--backend-directory=${path.resolve(o.backendDirectory)}`] : []),
      ...(o.autoComplete === false ? ["--disable-auto-complete-config"] : []),
    ];
    // The working directory is the repository: the test suite's stand-in backend finds model files from there.
    const child = spawn(binary, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const server = new TritonServer(child, binary, `http://127.0.0.1:${http}`, `127.0.0.1:${grpc}`);
    const spawnFailure = new Promise<Error>((resolve) => child.on("error", resolve));
    const deadline = Date.now() + (o.startTimeoutMs ?? DEFAULT_START_MS);
    for (;;) {
      const failure = await Promise.race([spawnFailure, sleep(100).then(() => undefined)]);
      if (failure !== undefined) throw new FileError(`cannot start ${binary}: ${failure.message}`);
      if (server.exited !== undefined) throw server.startFailure("exited while starting");
      if (await server.isLive()) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw server.startFailure(`was not live after ${Math.round((o.startTimeoutMs ?? DEFAULT_START_MS) / 1000)} s`);
      }
    }
  }

  private startFailure(what: string): TrtxError {
    const last = this.log.filter((l) => /^E\d{4}|error/i.test(l)).at(-1) ?? this.log.at(-1) ?? "no output";
    return new TrtxError(`tritonserver ${what}: ${last.trim()}`, { hint: `run ${this.binary} --help to check that it starts on this machine` });
  }

  private async isLive(): Promise<boolean> {
    try {
      const r = await fetch(`${this.httpUrl}/v2/health/live`, { signal: AbortSignal.timeout(2_000) });
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /** The server's own version string (GET /v2). */
  async version(): Promise<string> {
    const r = await fetch(`${this.httpUrl}/v2`);
    const body = (await r.json()) as { version?: string };
    return body.version ?? "unknown";
  }

  /**
   * Loads one model (an ensemble loads its composing models too) and reports its state. A failed load's reason is
   * the repository index's, which is Triton's full message; the load call's own error is the fallback.
   */
  async load(name: string, timeoutMs = DEFAULT_LOAD_MS): Promise<ServerModelVerdict> {
    if (this.exited !== undefined) {
      const how = this.exited.signal !== null ? `signal ${this.exited.signal}` : `exit code ${this.exited.code}`;
      const said = this.log.filter((l) => /^[EF]\d{4}|signal|fault|abort/i.test(l)).slice(-3).join(" | ") || (this.log.at(-1) ?? "");
      throw new TrtxError(`tritonserver stopped (${how}) before loading ${name}${this.lastModel !== undefined ? `, after ${this.lastModel}` : ""}: ${said}`);
    }
    this.lastModel = name;
    let loadError: string | undefined;
    this.pollFailures.delete(name);
    try {
      const r = await fetch(`${this.httpUrl}/v2/repository/models/${encodeURIComponent(name)}/load`, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
      if (r.status !== 200) loadError = ((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`;
    } catch (e) {
      loadError = `no answer to the load request: ${(e as Error).message}`;
    }
    if (loadError === undefined) return { name, state: "READY" };
    // Config validation fails inside the repository poll; its reason reaches only the log, written about when the
    // load call answers.
    if (loadError.endsWith("failed to poll from model repository")) {
      for (let waited = 0; waited < 1000 && !this.pollFailures.has(name); waited += 50) await sleep(50);
      const why = this.pollFailures.get(name);
      if (why !== undefined) return { name, state: "UNAVAILABLE", message: `${loadError}: ${why}` };
    }
    const reason = (await this.index()).find((m) => m.name === name && m.state !== "READY" && (m.reason ?? "") !== "")?.reason;
    return { name, state: "UNAVAILABLE", message: withoutTraceback(reason ?? loadError) };
  }

  /** Unloads a model and what it loaded (an ensemble's composing models), so that the next load starts clean. */
  async unload(name: string): Promise<void> {
    await fetch(`${this.httpUrl}/v2/repository/models/${encodeURIComponent(name)}/unload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parameters: { unload_dependents: true } }),
    }).catch(() => undefined);
  }

  private async index(): Promise<{ name: string; version?: string; state?: string; reason?: string }[]> {
    try {
      const r = await fetch(`${this.httpUrl}/v2/repository/index`, { method: "POST" });
      return (await r.json()) as { name: string; state?: string; reason?: string }[];
    } catch {
      return [];
    }
  }

  /** Stops the server: SIGTERM, then SIGKILL if it is still there after 10 s. */
  async stop(): Promise<void> {
    if (this.exited !== undefined || this.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Python-based backends append the Python traceback ("\n\nAt:\n  file(line): function ..."): the message is what precedes it. */
function withoutTraceback(message: string): string {
  const at = message.indexOf("\n\nAt:\n");
  return (at >= 0 ? message.slice(0, at) : message).trim();
}

/**
 * Starts a server on `repository`, loads each model, one at a time, unloading it before the next (each instance of a
 * Python-based backend is a process of its own), and stops the server whatever happens.
 */
export async function judgeRepository(repository: string, models: readonly string[], o: TritonServerOptions = {}): Promise<ServerVerdict> {
  const server = await TritonServer.start(repository, o);
  try {
    const version = await server.version();
    const verdicts: ServerModelVerdict[] = [];
    for (const name of models) {
      verdicts.push(await server.load(name, o.loadTimeoutMs));
      await server.unload(name);
    }
    return { binary: server.binary, version, models: verdicts };
  } finally {
    await server.stop();
  }
}
