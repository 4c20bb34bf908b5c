/**
 * `npm run fuzz`: the fuzz suite's properties (test/fuzz/) with many more runs than `npm test` gives them.
 *
 *   FUZZ_RUNS=20000   fast-check runs per property (large-input properties get a small share of it)
 *   FUZZ_RUNS=default the counts `npm test` uses (prints how many cases each parser gets)
 *   FUZZ_SEED=N       base seed (default: a new one each time, printed, so a failure can be replayed)
 *   FUZZ_ONLY=onnx,npy.mutated   parsers or targets to run
 *   FUZZ_JOBS=N       worker threads (default: the number of CPUs)
 *   FUZZ_CALL_MS=3000 the time one parse may take
 *   FUZZ_STATS=1      print what the parses ended in (accepted, or which error), per target
 *
 * Exits 1 when any property fails, after printing fast-check's report (the counterexample, its seed and path).
 */
import os from "node:os";
import { DEFAULT_SEED, parserOf, runsFor } from "../test/fuzz/harness.js";
import { runTargets, type TargetResult } from "../test/fuzz/run.js";
import { ALL_TARGETS } from "../test/fuzz/targets.js";

// The per-call time bound holds here, not in `npm test`; the targets' worker threads (created below) copy this env.
process.env.FUZZ_CALL_MS ??= "3000";


const runsEnv = process.env.FUZZ_RUNS ?? "20000";
const fuzzRuns = runsEnv === "default" ? undefined : Number(runsEnv);
if (fuzzRuns !== undefined && !(Number.isInteger(fuzzRuns) && fuzzRuns > 0)) throw new Error(`FUZZ_RUNS=${runsEnv} is not a positive integer or "default"`);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : runsEnv === "default" ? DEFAULT_SEED : Math.floor(Math.random() * 2 ** 31);
const only = process.env.FUZZ_ONLY?.split(",").map((s) => s.trim()).filter(Boolean);
const targets = ALL_TARGETS.filter((t) => !only || only.includes(t.name) || only.includes(parserOf(t.name)));
if (targets.length === 0) throw new Error(`FUZZ_ONLY=${process.env.FUZZ_ONLY} names no target; targets: ${ALL_TARGETS.map((t) => t.name).join(", ")}`);
const jobs = Math.max(1, Math.min(Number(process.env.FUZZ_JOBS ?? os.availableParallelism()), targets.length));

console.log(`fuzzing ${targets.length} targets, ${fuzzRuns ?? "default"} runs, seed ${seed} (replay with FUZZ_SEED=${seed}), ${jobs} worker(s)`);

// Largest first, dealt round-robin, so the workers finish at about the same time.
const order = [...targets].sort((a, b) => runsFor(b, fuzzRuns) - runsFor(a, fuzzRuns));
const groups: string[][] = Array.from({ length: jobs }, () => []);
order.forEach((t, i) => groups[i % jobs]!.push(t.name));

const started = performance.now();
const results = (
  await Promise.all(
    groups.map((names) =>
      runTargets(names, {
        seed,
        ...(fuzzRuns !== undefined ? { fuzzRuns } : {}),
        // The watchdog: generous, since a target's time grows with its runs; a single slow parse is caught by FUZZ_CALL_MS.
        timeoutMs: 120_000 + 50 * (fuzzRuns ?? 2000),
        onResult: (r: TargetResult) => {
          console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(26)} ${String(r.sweepCases).padStart(7)} sweep + ${String(r.runs).padStart(7)} runs  ${(r.ms / 1000).toFixed(1).padStart(6)} s`);
          // FUZZ_STATS=1: what the parses ended in, to see whether the generators get past the first checks.
          for (const [what, n] of r.stats?.slice(0, Number(process.env.FUZZ_STATS_TOP ?? 25)) ?? []) console.log(`       ${String(n).padStart(7)}  ${what}`);
        },
      }),
    ),
  )
).flat();

const byParser = new Map<string, { sweep: number; runs: number }>();
for (const r of results) {
  const p = byParser.get(r.parser) ?? { sweep: 0, runs: 0 };
  p.sweep += r.sweepCases;
  p.runs += r.runs;
  byParser.set(r.parser, p);
}
console.log("\ncases per parser (exhaustive sweep + fast-check runs):");
for (const [parser, n] of byParser) console.log(`  ${parser.padEnd(9)} ${String(n.sweep + n.runs).padStart(8)}  (${n.sweep} + ${n.runs})`);
const failed = results.filter((r) => !r.ok);
const missing = targets.filter((t) => !results.some((r) => r.name === t.name));
console.log(`\n${results.length - failed.length} of ${targets.length} targets passed in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed})`);
for (const r of failed) console.log(`\n---- ${r.name} (seed ${r.seed}) ----\n${r.report}`);
for (const t of missing) console.log(`\n---- ${t.name}: no result (its worker stopped early) ----`);
process.exitCode = failed.length || missing.length ? 1 : 0;
