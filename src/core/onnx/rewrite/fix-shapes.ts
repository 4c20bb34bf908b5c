/**
 * Fixing input shapes: each named input gets exactly the given shape, and every symbolic dim that thereby
 * gets a value gets it everywhere the model names it, so that inputs, outputs and value_info stay
 * consistent (ORT ignores freeDimensionOverrides from Node, so the model itself must say it).
 */
import { UsageError } from "../../errors.js";
import { make, type GraphProto } from "../codec.js";
import { formatShape } from "../model-info.js";
import { graphs } from "../model-file.js";
import { modelInputs, nameList, setDimValue, shapeDims, tensorType, toDim, valueInfos } from "./values.js";

const ONLY_SYMBOLIC = "only symbolic or unknown dims can be set; re-export the model with the shape you need";

/** Sets the shapes of the named inputs; returns how many intermediate values (value_info, subgraph I/O) changed. */
export function fixInputShapes(graph: GraphProto, shapes: ReadonlyMap<string, readonly number[]>): number {
  const inputs = modelInputs(graph);
  const symbols = new Map<string, { value: number; input: string }>();
  const plan = [...shapes].map(([name, dims]) => {
    const input = inputs.find((v) => v.name === name);
    if (!input) throw new UsageError(`the model has no input named ${name}; its inputs are ${nameList(inputs)}`, { hint: "give shapes for the model's inputs" });
    const type = tensorType(input);
    if (!type) throw new UsageError(`input ${name} is ${input.type ? "not a tensor" : "untyped"}, so it has no shape to set`, { hint: "give shapes for tensor inputs only" });
    const old = shapeDims(input)?.map(toDim);
    if (old && old.length !== dims.length) {
      throw new UsageError(`input ${name} is ${formatShape(old)} but the shape given is ${formatShape([...dims])}: rank ${old.length} vs ${dims.length}`, {
        hint: "give one size per dim of the input",
      });
    }
    old?.forEach((d, i) => {
      const wanted = dims[i]!;
      if (typeof d === "number" && d >= 0 && d !== wanted) {
        throw new UsageError(`input ${name} is ${formatShape(old)}; ${formatShape([...dims])} would change its fixed dim ${i} from ${d} to ${wanted}`, { hint: ONLY_SYMBOLIC });
      }
      if (typeof d !== "string") return;
      const earlier = symbols.get(d);
      if (earlier && earlier.value !== wanted) {
        throw new UsageError(`dim ${d} would be ${earlier.value} in input ${earlier.input} but ${wanted} in input ${name}`, { hint: `inputs that share dim ${d} must get the same size for it` });
      }
      symbols.set(d, { value: wanted, input: name });
    });
    return { input, elemType: type.elemType, dims };
  });

  for (const { input, elemType, dims } of plan) {
    const current = shapeDims(input);
    // Dims are set in place to keep their denotations; an input of unknown rank gets a whole new type.
    if (current) current.forEach((d, i) => setDimValue(d, dims[i]!));
    else input.type = make.tensorValueInfo(input.name, elemType, dims).type;
  }
  return replaceSymbols(graph, new Map([...symbols].map(([name, s]) => [name, s.value])));
}

/** Gives symbolic dims their values in every graph; returns how many values besides the graph's own I/O changed. */
function replaceSymbols(graph: GraphProto, values: ReadonlyMap<string, number>): number {
  const io = new Set([...graph.input, ...graph.output]);
  let intermediate = 0;
  for (const g of graphs(graph)) {
    for (const v of valueInfos(g)) {
      let changed = false;
      for (const d of shapeDims(v) ?? []) {
        const value = d.value.case === "dimParam" ? values.get(d.value.value) : undefined;
        if (value === undefined) continue;
        setDimValue(d, value);
        changed = true;
      }
      if (changed && !io.has(v)) intermediate++;
    }
  }
  return intermediate;
}
