/**
 * The fuzz targets as node:test tests: one test per group of parsers, whose targets run in two worker threads (test
 * files run one at a time on a 2-core machine, so the second core would idle), then one subtest per target with
 * fast-check's report (counterexample, seed, path) as the failure message. FUZZ_SEED replays another base seed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ALL_TARGETS, targetsOf } from "./targets.js";
import { DEFAULT_SEED, runsFor } from "./harness.js";
import { runTargets } from "./run.js";

export function fuzzSuite(title: string, parsers: string[]): void {
  test(title, async (t) => {
    const names = targetsOf(...parsers);
    assert.ok(names.length > 0, `no fuzz targets for ${parsers.join(", ")}`);
    const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : DEFAULT_SEED;
    // Deal the targets, most runs first, over two workers.
    const byRuns = [...names].sort((a, b) => weight(b) - weight(a));
    const groups: string[][] = [[], []];
    const load = [0, 0];
    for (const name of byRuns) {
      const i = load[0]! <= load[1]! ? 0 : 1;
      groups[i]!.push(name);
      load[i]! += weight(name);
    }
    const results = (await Promise.all(groups.filter((g) => g.length).map((g) => runTargets(g, { seed, timeoutMs: 120_000 })))).flat();
    for (const name of names) {
      await t.test(name, () => {
        const r = results.find((x) => x.name === name);
        assert.ok(r, `${name}: no result (its worker stopped before it)`);
        assert.ok(r.ok, `${name} (base seed ${seed}, replay with FUZZ_SEED=${seed} FUZZ_ONLY=${name} npm run fuzz):\n${r.report}`);
      });
    }
  });
}

/** A rough cost: runs, plus sweeps counted as a few hundred runs. */
function weight(name: string): number {
  const t = ALL_TARGETS.find((x) => x.name === name)!;
  return runsFor(t, undefined) + (t.sweep ? 500 : 0);
}
