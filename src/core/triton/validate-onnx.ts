/**
 * The one fact about an ONNX model that validate needs and describeModelFile does not give: its overridable
 * initializers, the graph inputs that are also initializers. onnxruntime lists them apart from the inputs
 * (SessionGetOverridableInitializer*), and Triton's onnxruntime backend accepts them as config inputs
 * (onnxruntime.cc ModelInstanceState::ValidateInputs merges OverridableInitializerNames into the inputs).
 * Read from the wire format like scan.ts, skipping every tensor payload.
 */
import { ModelFormatError } from "../errors.js";
import { decodeValueInfo } from "../onnx/codec.js";
import { dtypeName } from "../onnx/dtype.js";
import type { Dim, ValueDesc } from "../onnx/model-info.js";
import { openSource } from "../onnx/sniff.js";
import { WireError, WireReader, WireType } from "../onnx/wire.js";

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_SPARSE_INITIALIZER = 15;
const TENSOR_NAME = 8;
const SPARSE_VALUES = 1;

export function overridableInitializers(file: string): ValueDesc[] {
  const src = openSource(file);
  try {
    const r = new WireReader(src);
    const end = src.size;
    const inputs: ValueDesc[] = [];
    const initializers = new Set<string>();
    while (r.pos < end) {
      const [field, wire] = r.tag();
      if (field !== MODEL_GRAPH || wire !== WireType.LEN) {
        r.skip(wire, end);
        continue;
      }
      const graphEnd = r.lengthPrefixed(end);
      while (r.pos < graphEnd) {
        const [f, w] = r.tag();
        if (f === GRAPH_INPUT && w === WireType.LEN) inputs.push(valueDesc(r.bytes(r.lengthPrefixed(graphEnd) - r.pos)));
        else if (f === GRAPH_INITIALIZER && w === WireType.LEN) initializers.add(tensorName(r, r.lengthPrefixed(graphEnd)));
        else if (f === GRAPH_SPARSE_INITIALIZER && w === WireType.LEN) initializers.add(sparseName(r, r.lengthPrefixed(graphEnd)));
        else r.skip(w, graphEnd);
      }
    }
    return inputs.filter((v) => initializers.has(v.name));
  } catch (e) {
    if (e instanceof WireError) throw new ModelFormatError(`${file} is ${e.truncated ? "truncated" : "corrupt"}: ${e.message}`);
    throw e;
  } finally {
    src.close();
  }
}

function tensorName(r: WireReader, end: number): string {
  let name = "";
  while (r.pos < end) {
    const [f, w] = r.tag();
    if (f === TENSOR_NAME && w === WireType.LEN) name = r.string(end);
    else r.skip(w, end);
  }
  return name;
}

function sparseName(r: WireReader, end: number): string {
  let name = "";
  while (r.pos < end) {
    const [f, w] = r.tag();
    if (f === SPARSE_VALUES && w === WireType.LEN) name = tensorName(r, r.lengthPrefixed(end));
    else r.skip(w, end);
  }
  return name;
}

function valueDesc(bytes: Uint8Array): ValueDesc {
  const vi = decodeValueInfo(bytes);
  const t = vi.type?.value;
  if (t?.case !== "tensorType") return { name: vi.name, kind: "unknown", dtype: "?", shape: null };
  const shape: Dim[] | null = t.value.shape ? t.value.shape.dim.map((d) => (d.value.case === "dimValue" ? Number(d.value.value) : d.value.case === "dimParam" ? d.value.value : null)) : null;
  return { name: vi.name, kind: "tensor", dtype: dtypeName(t.value.elemType), shape };
}
