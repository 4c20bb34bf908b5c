/** Rewrites of the graph's I/O lists by name: dropping weights listed as inputs, renaming inputs and outputs. */
import { UsageError } from "../../errors.js";
import type { ModelProto, ValueInfoProto } from "../codec.js";
import { allValueNames, modelInputs, nameList, renameValue } from "./values.js";

/** The first IR version in which initializers need not be listed as graph inputs. */
const IR_INITIALIZERS_NOT_INPUTS = 4n;

/**
 * Removes graph inputs that are also initializers, so that runtimes treat those weights as constants
 * (ORT does not fold an initializer that a caller could override). IR < 4 requires them listed, so such
 * models move to IR 4, which differs from IR 3 only in allowing this.
 */
export function stripInitializerInputs(model: ModelProto, changes: string[]): void {
  const graph = model.graph!;
  const weights = new Set(graph.initializer.map((t) => t.name));
  const stripped = graph.input.filter((v) => weights.has(v.name)).map((v) => v.name);
  if (stripped.length === 0) return;
  graph.input = graph.input.filter((v) => !weights.has(v.name));
  const shown = stripped.length > 5 ? `${stripped.slice(0, 5).join(", ")} and ${stripped.length - 5} more` : stripped.join(", ");
  changes.push(`removed ${stripped.length} graph input${stripped.length === 1 ? "" : "s"} that are initializers: ${shown}`);
  if (model.irVersion < IR_INITIALIZERS_NOT_INPUTS) {
    changes.push(`IR version ${model.irVersion} → ${IR_INITIALIZERS_NOT_INPUTS} (IR ${model.irVersion} requires initializers to be inputs)`);
    model.irVersion = IR_INITIALIZERS_NOT_INPUTS;
  }
}

/** Renames graph inputs (old → new) everywhere they are read, subgraphs included. */
export function renameInputs(model: ModelProto, renames: ReadonlyMap<string, string>, changes: string[]): void {
  renameIo(model, renames, "input", changes);
}

/** Renames graph outputs (old → new): the node output that produces each and every reader of it. */
export function renameOutputs(model: ModelProto, renames: ReadonlyMap<string, string>, changes: string[]): void {
  renameIo(model, renames, "output", changes);
}

function renameIo(model: ModelProto, renames: ReadonlyMap<string, string>, role: "input" | "output", changes: string[]): void {
  const graph = model.graph!;
  for (const [from, to] of renames) {
    const values: ValueInfoProto[] = role === "input" ? modelInputs(graph) : graph.output;
    if (!values.some((v) => v.name === from)) {
      throw new UsageError(`the model has no ${role} named ${from}; its ${role}s are ${nameList(values)}`, { hint: `rename one of the model's ${role}s` });
    }
    if (to === from) continue;
    if (to === "") throw new UsageError(`cannot rename ${role} ${from} to an empty name`, { hint: "give a non-empty name" });
    if (allValueNames(graph).has(to)) {
      throw new UsageError(`cannot rename ${role} ${from} to ${to}: the model already has a value named ${to}`, { hint: "choose a name the model does not use" });
    }
    renameValue(graph, from, to);
    changes.push(`${role} ${from} renamed to ${to}`);
  }
}
