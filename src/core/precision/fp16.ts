/**
 * float32 → float16 conversion of a whole ONNX model, the precision written into the graph's types, as TensorRT 11
 * requires (it builds strongly typed networks from them rather than taking an FP16 flag). Modelled on onnxruntime's convert_float_to_float16: float32 weights,
 * constants, value types and attribute-set output types become float16; ops on the block list stay float32
 * between Casts; graph inputs and outputs keep float32 behind Casts unless asked otherwise. Unlike onnxruntime
 * it needs no ONNX shape inference (element types come from elem-types.ts), converts each value once, and
 * Casts only where a value's producer and reader disagree, one Cast per value and type.
 */
import { ModelFormatError, TrtxError, UsageError } from "../errors.js";
import { DataLocation, make, type GraphProto, type ModelProto, type NodeProto } from "../onnx/codec.js";
import { DataType } from "../onnx/dtype.js";
import { graphs } from "../onnx/model-file.js";
import { modelInputs, renameValue, subgraphsOf } from "../onnx/rewrite/values.js";
import { attr } from "../onnx/builder.js";
import { ElemTypes, inferElemTypes, typeHoldingElem } from "./elem-types.js";
import { DEFAULT_FP16_BLOCK_OPS, isReaderTyped, keepsFloat32Input, keepsFloat32Output, retargetToHalf, takesAnyInputType } from "./fp16-ops.js";
import { outerReads, takenNames, weights } from "./graph-names.js";
import { convertTensorToHalf, type RangeCounts } from "./half-tensor.js";

export { DEFAULT_FP16_BLOCK_OPS } from "./fp16-ops.js";

const FLOAT = DataType.FLOAT;
const HALF = DataType.FLOAT16;

export interface Fp16Options {
  /** true (the default): float32 graph inputs and outputs stay float32, with Casts at the boundary; false: they become float16. */
  keepIoTypes?: boolean;
  /** Op types kept in float32; replaces DEFAULT_FP16_BLOCK_OPS (spread it to extend it). */
  blockOps?: readonly string[];
  /** Names of nodes kept in float32. */
  blockNodes?: readonly string[];
}

export interface Fp16Report extends RangeCounts {
  /** float32 initializers (main graph and subgraphs) now stored as float16. */
  convertedInitializers: number;
  /** Nodes that now read or write float16 values. */
  convertedNodes: number;
  /** Nodes with float values kept in float32 by the block lists, per op type. */
  keptNodes: { op: string; count: number }[];
  castsInserted: number;
  /** Whether the converted model takes or returns float16 at its graph inputs and outputs. */
  ioFp16: boolean;
}

/**
 * Converts `model` to float16 in place and says what changed. Weights must be inline (inlineExternalData first)
 * and blockNodes must name nodes of the model; both are checked before anything changes. Subgraphs (If, Loop,
 * Scan bodies) are converted with their nodes, except under blocked nodes, which keep their subgraphs float32.
 */
export function convertToFp16(model: ModelProto, options: Fp16Options = {}): Fp16Report {
  const graph = model.graph;
  if (!graph) throw new ModelFormatError("the model has no graph to convert", { hint: "pass a model, not a function library" });
  const external = graphs(graph).flatMap((g) => g.initializer).find((t) => t.dataType === FLOAT && t.dataLocation === DataLocation.EXTERNAL);
  if (external) {
    throw new TrtxError(`cannot convert to float16: weight ${external.name} is external data`, { hint: "inline the model's external data first (inlineExternalData)" });
  }
  const nodeNames = new Set(graphs(graph).flatMap((g) => g.node.map((n) => n.name)));
  const unknown = (options.blockNodes ?? []).filter((name) => !nodeNames.has(name));
  if (unknown.length > 0) {
    throw new UsageError(`the model has no node named ${unknown.join(", ")} to keep in float32`, { hint: "name nodes as the model does (NodeProto.name)" });
  }
  const subgraphTypes = new Map<GraphProto, ElemTypes>();
  const types = inferElemTypes(graph, undefined, subgraphTypes);
  const conversion = new Conversion(options, subgraphTypes, takenNames(graph));
  conversion.convertGraph(graph, types, undefined, true);
  const io = [...modelInputs(graph), ...graph.output].map((v) => typeHoldingElem(v.type)?.elemType);
  return { ...conversion.report(), ioFp16: io.includes(HALF) };
}

class Conversion {
  private readonly blockOps: Set<string>;
  private readonly blockNodes: Set<string>;
  private readonly keepIoTypes: boolean;
  private readonly counts: RangeCounts = { clampedValues: 0, raisedToMinSubnormal: 0 };
  private readonly kept = new Map<string, number>();
  private convertedInitializers = 0;
  private convertedNodes = 0;
  private castsInserted = 0;

  constructor(
    options: Fp16Options,
    private readonly subgraphTypes: Map<GraphProto, ElemTypes>,
    private readonly names: Set<string>,
  ) {
    this.blockOps = new Set(options.blockOps ?? DEFAULT_FP16_BLOCK_OPS);
    this.blockNodes = new Set(options.blockNodes ?? []);
    this.keepIoTypes = options.keepIoTypes ?? true;
  }

  report(): Omit<Fp16Report, "ioFp16"> {
    const keptNodes = [...this.kept].map(([op, count]) => ({ op, count })).sort((a, b) => a.op.localeCompare(b.op));
    return { convertedInitializers: this.convertedInitializers, convertedNodes: this.convertedNodes, keptNodes, castsInserted: this.castsInserted, ...this.counts };
  }

  /**
   * Converts one graph. `types` holds the source model's element types (this graph's, through to the outermost);
   * `outerPrecision` the converted precision of the values that enclosing graphs define.
   */
  convertGraph(graph: GraphProto, types: ElemTypes, outerPrecision: ElemTypes | undefined, isMain: boolean): void {
    const isFloat = (name: string) => name !== "" && types.get(name) === FLOAT;
    const blocked = (node: NodeProto) => this.blockOps.has(node.opType) || this.blockNodes.has(node.name);
    const ioType = isMain && this.keepIoTypes ? FLOAT : HALF;
    const precision = this.decidePrecision(graph, isFloat, blocked, ioType, outerPrecision);

    // Main graph outputs keep their names: the producer writes a renamed value and a Cast at the end writes the output.
    const endCasts: NodeProto[] = [];
    if (isMain) {
      for (const out of graph.output) {
        const produced = precision.get(out.name);
        if (!isFloat(out.name) || produced === ioType) continue;
        const name = out.name;
        const renamed = this.freshName(`${name}/${typeSuffix(produced!)}`);
        renameValue(graph, name, renamed);
        out.name = name; // renameValue renamed the output entry too
        types.set(renamed, FLOAT);
        precision.set(renamed, produced!);
        precision.set(name, ioType);
        endCasts.push(this.castNode(renamed, name, ioType));
      }
    }

    const nodes: NodeProto[] = [];
    const casts = new Map<string, string>();
    // One Cast per value and type, placed before its first reader, which is after the value's producer.
    const castOf = (value: string, to: number): string => {
      const key = `${to}:${value}`;
      let cast = casts.get(key);
      if (cast === undefined) {
        cast = this.freshName(`${value}/${typeSuffix(to)}`);
        nodes.push(this.castNode(value, cast, to));
        types.set(cast, FLOAT);
        precision.set(cast, to);
        casts.set(key, cast);
      }
      return cast;
    };

    for (const node of graph.node) {
      const isBlocked = blocked(node);
      if (!takesAnyInputType(node)) {
        node.input.forEach((name, i) => {
          const wanted = isBlocked || keepsFloat32Input(node, i) ? FLOAT : HALF;
          if (isFloat(name) && precision.get(name) !== wanted) node.input[i] = castOf(name, wanted);
        });
      }
      // A blocked node's subgraphs stay float32; others become float16. The outer values they read are cast here,
      // once, rather than inside them (a Loop body would cast on every iteration).
      for (const sub of subgraphsOf(node)) {
        const wanted = isBlocked ? FLOAT : HALF;
        for (const name of outerReads(sub)) if (isFloat(name) && precision.get(name) !== wanted) renameValue(sub, name, castOf(name, wanted));
      }
      if (!isBlocked) {
        if (node.output.some((o) => isFloat(o) && precision.get(o) === HALF)) retargetToHalf(node, this.counts);
        for (const sub of subgraphsOf(node)) this.convertGraph(sub, this.subgraphTypes.get(sub)!, precision, false);
      }
      this.count(node, isBlocked, (name) => isFloat(name) && precision.get(name) === HALF, isFloat);
      nodes.push(node);
    }
    // Subgraph outputs are positional: a float32 one is replaced by its float16 Cast.
    if (!isMain) for (const out of graph.output) if (isFloat(out.name) && precision.get(out.name) !== HALF) out.name = castOf(out.name, HALF);
    nodes.push(...endCasts);
    graph.node = nodes;

    for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) {
      const t = typeHoldingElem(v.type);
      if (t?.elemType === FLOAT && precision.get(v.name) === HALF) t.elemType = HALF;
    }
    for (const t of weights(graph)) {
      if (t.dataType === FLOAT && precision.get(t.name) === HALF) {
        convertTensorToHalf(t, this.counts);
        this.convertedInitializers++;
      }
    }
  }

  /**
   * The precision each float32 value of the graph will have: graph inputs as the I/O type says (subgraph inputs
   * float16), outputs of blocked nodes float32, other node outputs float16; initializers and attribute-typed
   * outputs (Constant, Cast) float16 only when some reader takes float16, so weights and constants that only
   * float32 readers see (Resize scales, Range's limits) keep their precision.
   */
  private decidePrecision(graph: GraphProto, isFloat: (n: string) => boolean, blocked: (n: NodeProto) => boolean, ioType: number, outer: ElemTypes | undefined): ElemTypes {
    const readAsHalf = new Set<string>();
    for (const node of graph.node) {
      if (blocked(node)) continue;
      if (!takesAnyInputType(node)) node.input.forEach((name, i) => !keepsFloat32Input(node, i) && readAsHalf.add(name));
      for (const sub of subgraphsOf(node)) for (const name of outerReads(sub)) readAsHalf.add(name);
    }
    if (ioType === HALF) for (const out of graph.output) readAsHalf.add(out.name);

    const precision = new ElemTypes(outer);
    const set = (name: string, type: number) => isFloat(name) && precision.set(name, type);
    for (const v of graph.input) set(v.name, ioType);
    for (const t of weights(graph)) set(t.name, readAsHalf.has(t.name) ? HALF : FLOAT);
    for (const node of graph.node) {
      const isBlocked = blocked(node);
      node.output.forEach((o, i) => {
        if (isBlocked || keepsFloat32Output(node, i)) set(o, FLOAT);
        else set(o, isReaderTyped(node) && !readAsHalf.has(o) ? FLOAT : HALF);
      });
    }
    return precision;
  }

  private count(node: NodeProto, isBlocked: boolean, isHalf: (name: string) => boolean, isFloat: (name: string) => boolean): void {
    const values = [...node.input, ...node.output];
    if (isBlocked) {
      if (values.some(isFloat)) this.kept.set(node.opType, (this.kept.get(node.opType) ?? 0) + 1);
    } else if (values.some(isHalf)) {
      this.convertedNodes++;
    }
  }

  private castNode(input: string, output: string, to: number): NodeProto {
    this.castsInserted++;
    return make.node({ name: this.freshName(`${output}/Cast`), opType: "Cast", input: [input], output: [output], attribute: [make.attribute({ name: "to", ...attr.int(to) })] });
  }

  private freshName(base: string): string {
    let name = base;
    for (let n = 1; this.names.has(name); n++) name = `${base}_${n}`;
    this.names.add(name);
    return name;
  }
}

function typeSuffix(type: number): string {
  return type === HALF ? "fp16" : "fp32";
}
