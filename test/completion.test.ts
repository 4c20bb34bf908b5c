import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildProgram } from "../src/cli/main.js";
import { runCli, tempDir } from "./helpers.js";

/** What bash offers after typing `words` (the last one is the word being completed). */
function complete(script: string, words: string[]): string[] {
  const r = spawnSync("bash", ["-c", `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _trtx_complete; printf '%s\\n' "\${COMPREPLY[@]}"`, script, ...words], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

test("the bash script completes commands, subcommands and each command's own flags", (t) => {
  const r = runCli(["completion", "bash"]);
  assert.equal(r.code, 0, r.stderr);
  const script = path.join(tempDir(t), "trtx.bash");
  fs.writeFileSync(script, r.stdout);
  assert.deepEqual(complete(script, ["trtx", "re"]), ["repo"]);
  assert.deepEqual(complete(script, ["trtx", "repo", "in"]), ["init"]);
  assert.deepEqual(complete(script, ["trtx", "repo", "init", "resnet50", "--dry"]), ["--dry-run"]);
  assert.deepEqual(complete(script, ["trtx", "perf", "--onnx", "m.onnx", "--no-d"]), ["--no-data-transfers"]);
  assert.deepEqual(complete(script, ["trtx", "build", "--no-d"]), [], "perf's flags are not offered to build");
  assert.deepEqual(complete(script, ["trtx", "--json", "ex"]), ["export"]);
});

test("zsh gets the same script through bashcompinit; other shells are refused", () => {
  const zsh = runCli(["completion", "zsh"]);
  assert.equal(zsh.code, 0);
  assert.match(zsh.stdout, /^autoload -U \+X bashcompinit && bashcompinit\n# trtx completion/);
  const fish = runCli(["completion", "fish"]);
  assert.equal(fish.code, 2);
  assert.match(fish.stderr, /fish/);
});

test("every command's help ends with examples", () => {
  const leaves = (c: ReturnType<typeof buildProgram>, prefix: string[]): string[][] =>
    c.commands.length === 0 ? [prefix] : c.commands.flatMap((s) => leaves(s, [...prefix, s.name()]));
  for (const words of leaves(buildProgram(), [])) {
    const r = runCli([...words, "--help"]);
    assert.equal(r.code, 0, words.join(" "));
    assert.match(r.stdout, /\nExamples:\n {2}trtx /, words.join(" "));
  }
});
