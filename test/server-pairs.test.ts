/**
 * trtx's rules against the real Triton server, in pairs (test/server-pairs.ts): every case of every
 * test/server-pairs-*.ts file is written into one repository; `validateRepository` reads it offline, then the real
 * tritonserver loads each case. A refused case must be refused by both (the server: UNAVAILABLE, trtx: the case's
 * rule); its corrected twin must load READY and have no failing finding.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { TritonServer, type ServerModelVerdict } from "../src/core/triton/server.js";
import { failing } from "../src/core/triton/lint.js";
import { validateRepository } from "../src/core/triton/validate.js";
import { fixture, tempDir } from "./helpers.js";
import type { PairCase } from "./server-pairs.js";
import { BACKENDS, requirePeers, serverSkip, TRITONSERVER } from "./triton-peer.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Every PairCase array exported by the server-pairs-*.js files beside this one. */
async function allCases(): Promise<{ file: string; cases: PairCase[] }[]> {
  const files = fs.readdirSync(HERE).filter((f) => /^server-pairs-.+\.js$/.test(f)).sort();
  const found: { file: string; cases: PairCase[] }[] = [];
  for (const file of files) {
    const mod = (await import(path.join(HERE, file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) if (Array.isArray(value)) found.push({ file, cases: value as PairCase[] });
  }
  return found;
}

function writeCase(repo: string, c: PairCase): void {
  for (const [model, files] of Object.entries(c.models)) {
    assert.ok(model.startsWith(c.name), `case ${c.name}: model folder ${model} must start with the case's name`);
    for (const [rel, content] of Object.entries(files)) {
      const target = path.join(repo, model, rel);
      assert.ok(!fs.existsSync(target), `case ${c.name}: ${model}/${rel} is written twice (folder names must be unique across cases)`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (typeof content === "string" || content instanceof Uint8Array) fs.writeFileSync(target, content);
      else fs.copyFileSync(fixture(content.fixture), target);
    }
  }
}

test("trtx's verdict matches the real Triton server's on every paired case", serverSkip, async (t) => {
  requirePeers();
  const groups = await allCases();
  const cases = groups.flatMap((g) => g.cases);
  assert.ok(cases.length > 0, "no paired cases found (test/server-pairs-*.ts)");
  const repo = path.join(tempDir(t), "pairs");
  fs.mkdirSync(repo);
  for (const c of cases) writeCase(repo, c);
  const findings = new Map(validateRepository(repo).map((m) => [m.name, m.findings]));

  const server = await TritonServer.start(repo, { binary: TRITONSERVER, backendDirectory: BACKENDS });
  const verdicts = new Map<string, ServerModelVerdict>();
  try {
    for (const c of cases) {
      const name = c.load ?? Object.keys(c.models)[0]!;
      verdicts.set(c.name, await server.load(name));
      await server.unload(name);
    }
  } finally {
    await server.stop();
  }

  const tally = { triton: { refused: 0, twins: 0 }, "stand-in": { refused: 0, twins: 0 } };
  for (const { file, cases: group } of groups) {
    for (const c of group) {
      await t.test(`${file}: ${c.name}`, () => {
        const verdict = verdicts.get(c.name)!;
        const loaded = c.load ?? Object.keys(c.models)[0]!;
        const failingOf = (model: string) => failing(findings.get(model) ?? []);
        if (c.rule !== undefined) {
          assert.equal(verdict.state, "UNAVAILABLE", `Triton loaded ${loaded}, which trtx refuses with ${c.rule}`);
          if (c.serverSays !== undefined) assert.match(verdict.message ?? "", c.serverSays);
          const rules = failingOf(loaded).map((f) => f.rule);
          assert.ok(rules.includes(c.rule), `Triton refused ${loaded} (${verdict.message}); trtx reported ${JSON.stringify(rules)}, not ${c.rule}`);
          tally[c.judge].refused++;
        } else {
          assert.equal(verdict.state, "READY", `Triton refused ${loaded}: ${verdict.message}`);
          for (const model of Object.keys(c.models)) assert.deepEqual(failingOf(model), [], `${model} loads in Triton but trtx refuses it`);
          tally[c.judge].twins++;
        }
      });
    }
  }
  t.diagnostic(`paired cases: ${JSON.stringify(tally)}`);
});
