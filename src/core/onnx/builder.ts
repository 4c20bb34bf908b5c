/**
 * Builds ONNX graphs from code: the base of trtx's exporter and of the fixtures the tests use. Output is
 * deterministic (same calls, same bytes), so regenerated fixtures can be compared with committed ones.
 */
import { AttributeType, make, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./codec.js";
import { DataType } from "./dtype.js";
import { TRTX_VERSION } from "../version.js";
import type { Dim } from "./model-info.js";

export const TRTX_PRODUCER = "trtx";

/** One attribute's type and value, as the AttributeProto fields that carry it. */
export interface AttrInit {
  type: AttributeType;
  i?: bigint;
  ints?: bigint[];
  f?: number;
  floats?: number[];
  s?: Uint8Array<ArrayBuffer>;
  t?: TensorProto;
  g?: GraphProto;
}

/** Attribute values, typed as ONNX types them (1 and 1.0 are different attributes). */
export const attr = {
  int: (i: number): AttrInit => ({ type: AttributeType.INT, i: BigInt(i) }),
  ints: (v: readonly number[]): AttrInit => ({ type: AttributeType.INTS, ints: v.map(BigInt) }),
  float: (f: number): AttrInit => ({ type: AttributeType.FLOAT, f }),
  floats: (v: readonly number[]): AttrInit => ({ type: AttributeType.FLOATS, floats: [...v] }),
  string: (s: string): AttrInit => ({ type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  tensor: (t: TensorProto): AttrInit => ({ type: AttributeType.TENSOR, t }),
  graph: (g: GraphProto): AttrInit => ({ type: AttributeType.GRAPH, g }),
};

export type TensorData = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/**
 * A tensor with its values in raw_data (little-endian, as ONNX requires). raw_data is a view of `data`, not a
 * copy: a 100 MB model is built without doubling its memory, and the caller hands the array over.
 */
export function tensor(name: string, dataType: number, dims: readonly number[], data: TensorData): TensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`tensor ${name}: ${data.length} values for dims [${dims}] (${expected})`);
  const raw = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return make.tensor({ name, dataType, dims: dims.map(BigInt), rawData: raw });
}

export class GraphBuilder {
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  private readonly opCounts = new Map<string, number>();

  constructor(private readonly name: string) {}

  input(name: string, dataType: number, dims: readonly Dim[]): string {
    this.inputs.push(make.tensorValueInfo(name, dataType, dims));
    return name;
  }

  output(name: string, dataType: number, dims: readonly Dim[] | null): string {
    this.outputs.push(make.tensorValueInfo(name, dataType, dims));
    return name;
  }

  initializer(name: string, dataType: number, dims: readonly number[], data: TensorData): string {
    this.initializers.push(tensor(name, dataType, dims, data));
    return name;
  }

  /** A float32 initializer. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    return this.initializer(name, DataType.FLOAT, dims, data);
  }

  /** Adds a node; its outputs default to one value named after the node. Returns the output names. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrInit> = {}, options: { outputs?: string[] | number; name?: string; domain?: string } = {}): string[] {
    const n = (this.opCounts.get(op) ?? 0) + 1;
    this.opCounts.set(op, n);
    const name = options.name ?? `${op}_${n}`;
    const outputs =
      typeof options.outputs === "number"
        ? Array.from({ length: options.outputs }, (_, i) => `${name}_out${i}`)
        : (options.outputs ?? [`${name}_out`]);
    const attribute: AttributeProto[] = Object.entries(attrs).map(([key, a]) => make.attribute({ name: key, ...a }));
    this.nodes.push(make.node({ name, opType: op, domain: options.domain ?? "", input: [...inputs], output: outputs, attribute }));
    return outputs;
  }

  /** Shorthand for a node with one output. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrInit> = {}, options: { output?: string; name?: string } = {}): string {
    return this.node(op, inputs, attrs, { ...(options.output ? { outputs: [options.output] } : {}), ...(options.name ? { name: options.name } : {}) })[0]!;
  }

  model(options: { opset?: number; irVersion?: number; docString?: string; metadata?: Record<string, string> } = {}): ModelProto {
    return make.model({
      irVersion: BigInt(options.irVersion ?? 8),
      producerName: TRTX_PRODUCER,
      producerVersion: TRTX_VERSION,
      docString: options.docString ?? "",
      opsetImport: [make.opset("", BigInt(options.opset ?? 17))],
      metadataProps: Object.entries(options.metadata ?? {}).map(([k, v]) => make.entry(k, v)),
      graph: make.graph({
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
  }
}
