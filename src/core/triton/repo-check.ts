/**
 * `trtx repo validate`, offline or with a real server: trtx's own findings per model, and with a server, Triton's
 * verdict on the same model beside them. The two are kept apart — a finding is trtx's reading of Triton's rules,
 * the verdict is what Triton did — so a disagreement shows as such instead of being merged away.
 */
import { judgeRepository, type ServerModelVerdict, type TritonServerOptions } from "./server.js";
import { failing } from "./lint.js";
import { validateRepository, type ModelValidation } from "./validate.js";

export interface CheckedModel extends ModelValidation {
  /** The server's verdict, when a server was asked. */
  server?: Omit<ServerModelVerdict, "name">;
}

export interface RepositoryCheck {
  models: CheckedModel[];
  /** The server that judged, when one was asked. */
  server?: { binary: string; version: string };
  /** Findings that fail the check (warnings do not). */
  failingFindings: number;
  /** Models the server did not load. */
  unavailable: number;
  /** Models with a failing finding or that the server did not load: the check fails when there is one. */
  failingModels: number;
}

export async function checkRepository(dir: string, o: { server?: TritonServerOptions } = {}): Promise<RepositoryCheck> {
  const validated = validateRepository(dir);
  const failingFindings = validated.reduce((n, m) => n + failing(m.findings).length, 0);
  if (o.server === undefined) return { models: validated, failingFindings, unavailable: 0, failingModels: validated.filter((m) => failing(m.findings).length > 0).length };
  const verdict = await judgeRepository(dir, validated.map((m) => m.name), o.server);
  const byName = new Map(verdict.models.map((v) => [v.name, v]));
  const models = validated.map((m) => {
    const { name: _name, ...server } = byName.get(m.name)!;
    return { ...m, server };
  });
  return {
    models,
    server: { binary: verdict.binary, version: verdict.version },
    failingFindings,
    unavailable: verdict.models.filter((v) => v.state !== "READY").length,
    failingModels: models.filter((m) => failing(m.findings).length > 0 || m.server.state !== "READY").length,
  };
}
