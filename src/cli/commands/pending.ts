/** Commands that are part of trtx's command set but not built yet: they say so and exit 2. */
import { Command } from "commander";
import { NotImplementedError } from "../../core/errors.js";

const PENDING: Record<string, string> = {
  deploy: "write Triton-on-Kubernetes manifests (and compose for one box) for a repository",
};

export function pendingCommand(name: string, description: string, fullName = name): Command {
  return new Command(name)
    .description(`${description} (not built yet)`)
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(() => {
      throw new NotImplementedError(`trtx ${fullName} is not built yet`, { hint: "available now: export, build, run, perf, repo, inspect, doctor, demo, completion" });
    });
}

export function pendingCommands(): Command[] {
  return Object.entries(PENDING).map(([name, description]) => pendingCommand(name, description));
}
