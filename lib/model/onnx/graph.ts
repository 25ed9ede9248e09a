// A small builder of ONNX graphs: nodes in order, weights and constants as initializers, typed
// inputs and outputs with named (dynamic) axes; `encodeModel` writes the ModelProto bytes with
// protobufjs from onnx.proto's own field numbers (schema.ts).
import protobuf from "protobufjs";
import { ONNX_PROTO } from "./schema.ts";

/** ONNX element types we write (TensorProto.DataType). */
export const FLOAT = 1;
export const INT64 = 7;

/** An attribute value: `int`, `float`, `ints` make one. */
export interface Attribute {
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
}

/** An INT attribute. */
export const int = (i: number): Attribute => ({ type: 2, i });
/** A FLOAT attribute. */
export const float = (f: number): Attribute => ({ type: 1, f });
/** An INTS attribute. */
export const ints = (values: number[]): Attribute => ({ type: 7, ints: values });

/** A graph input or output: name, element type and axes (a number, or a name for a dynamic axis). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

interface Node {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: (Attribute & { name: string })[];
}

/** Nodes and initializers of one graph, with fresh names for intermediate values. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  #count = 0;

  /** A float32 initializer (a weight, or a constant when `name` is left out). */
  floats(data: Float32Array, dims: number[], name?: string): string {
    return this.#tensor(name ?? this.#fresh("const"), FLOAT, dims, data);
  }

  /** An int64 constant (shapes, axes, indices). */
  int64s(values: number[], dims: number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.#tensor(this.#fresh("const"), INT64, dims, data);
  }

  /** Adds a node; returns its outputs' names (`outputs` of them, fresh). */
  node(
    op: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    outputs = 1,
  ): string[] {
    const name = this.#fresh(op);
    const output = Array.from({ length: outputs }, (_, i) => `${name}_out${i}`);
    const attribute = Object.entries(attributes).map(([key, value]) => ({ name: key, ...value }));
    this.nodes.push({ name, op_type: op, input: inputs, output, attribute });
    return output;
  }

  /** `node` with one output, its name. */
  op(op: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    return this.node(op, inputs, attributes)[0];
  }

  /** Renames the value `from` (a node's output) to `to`, for the graph's outputs. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.output = node.output.map((o) => (o === from ? to : o));
      node.input = node.input.map((i) => (i === from ? to : i));
    }
  }

  #fresh(prefix: string): string {
    return `${prefix}_${this.#count++}`;
  }

  #tensor(name: string, type: number, dims: number[], data: ArrayBufferView): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const length = (data as Float32Array | BigInt64Array).length;
    if (size !== length) {
      throw new Error(`initializer ${name}: [${dims}] holds ${size}, got ${length}`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, data_type: type, raw_data: littleEndian(bytes) });
    return name;
  }
}

/** ONNX stores raw data little-endian; typed arrays are in the host's order. */
function littleEndian(bytes: Uint8Array): Uint8Array {
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  if (probe[0] !== 1) throw new Error("ONNX export needs a little-endian host");
  return bytes;
}

/** What a model file says besides its graph. */
export interface ModelInfo {
  graphName: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  opset: number;
  irVersion: number;
  producer: string;
  docString?: string;
}

let modelType: protobuf.Type | undefined;

/** The ModelProto bytes of a built graph. */
export function encodeModel(graph: GraphBuilder, info: ModelInfo): Uint8Array {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  const message = {
    ir_version: info.irVersion,
    opset_import: [{ domain: "", version: info.opset }],
    producer_name: info.producer,
    doc_string: info.docString,
    graph: {
      name: info.graphName,
      node: graph.nodes,
      initializer: graph.initializers,
      input: info.inputs.map(valueInfo),
      output: info.outputs.map(valueInfo),
    },
  };
  const problem = modelType.verify(message);
  if (problem) throw new Error(`ONNX export: ${problem}`);
  return modelType.encode(modelType.fromObject(message)).finish();
}

function valueInfo(value: ValueInfo) {
  return {
    name: value.name,
    type: {
      tensor_type: {
        elem_type: value.elemType,
        shape: {
          dim: value.dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}
