// DistilBertForQuestionAnswering / BertForQuestionAnswering as an ONNX graph (opset 17), written
// from the same parameter-name tables as the TensorFlow.js forward pass (encoders.ts) and doing
// the same arithmetic in the same order: embeddings, post-LayerNorm blocks with an additive
// attention mask, exact (erf) GELU, the 2-way span head. Inputs and outputs are those of
// Hugging Face's ONNX exports, which transformers.js reads: input_ids, attention_mask
// (+ token_type_ids for BERT) → start_logits, end_logits, with dynamic batch and sequence axes.
import { join } from "node:path";
import { writeFileDurable } from "../../fs/mod.ts";
import type { ModelConfig } from "../config.ts";
import { architecture, type BlockNames } from "../encoders.ts";
import {
  encodeModel,
  FLOAT,
  float,
  GraphBuilder,
  int,
  INT64,
  ints,
  type ValueInfo,
} from "./graph.ts";

/** The opset the graph uses (LayerNormalization is standard from 17). */
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
const IR_VERSION = 8;
/**
 * Where the model goes inside a Hugging Face folder, as transformers.js looks for it (a plain
 * string, not join(): the browser bundle has no node:path).
 */
export const ONNX_FILE = "onnx/model.onnx";

/** float32 weights under Hugging Face names, as `QuestionAnsweringModel.weightArrays` gives them. */
export type WeightArrays = ReadonlyMap<string, { shape: number[]; data: Float32Array }>;

/** The graph's input names for a config: BERT also takes token_type_ids. */
export function onnxInputNames(config: ModelConfig): string[] {
  const names = ["input_ids", "attention_mask"];
  if (architecture(config).embeddings.tokenTypes != null) names.push("token_type_ids");
  return names;
}

/** The ONNX model (ModelProto bytes) of a QA model of `config` with `weights`. */
export function onnxModel(config: ModelConfig, weights: WeightArrays): Uint8Array {
  const g = new GraphBuilder();
  const w = new Weights(g, weights);
  const [startLogits, endLogits] = spanLogits(g, w, config);
  g.rename(startLogits, "start_logits");
  g.rename(endLogits, "end_logits");
  const axes = ["batch_size", "sequence_length"];
  const inputs: ValueInfo[] = onnxInputNames(config).map((name) => ({
    name,
    elemType: INT64,
    dims: axes,
  }));
  const outputs: ValueInfo[] = ["start_logits", "end_logits"].map((name) => ({
    name,
    elemType: FLOAT,
    dims: axes,
  }));
  return encodeModel(g, {
    graphName: `${config.modelType}_question_answering`,
    inputs,
    outputs,
    opset: ONNX_OPSET,
    irVersion: IR_VERSION,
    producer: "qa-finetune",
    docString: `${config.modelType} for question answering, exported from TensorFlow.js weights`,
  });
}

/** Writes `onnxModel(...)` to `folder`/onnx/model.onnx (durably); returns the file's path. */
export async function writeOnnx(
  folder: string,
  config: ModelConfig,
  weights: WeightArrays,
): Promise<string> {
  const path = join(folder, ONNX_FILE);
  await Deno.mkdir(join(folder, "onnx"), { recursive: true });
  await writeFileDurable(path, onnxModel(config, weights));
  return path;
}

/** The weights as initializers, each added once; Linear weights transposed to [in, out]. */
class Weights {
  #added = new Map<string, string>();
  constructor(readonly g: GraphBuilder, readonly arrays: WeightArrays) {}

  /** A weight as it is stored. */
  tensor(name: string): string {
    const found = this.#added.get(name);
    if (found) return found;
    const { shape, data } = this.#get(name);
    const added = this.g.floats(data, shape, name);
    this.#added.set(name, added);
    return added;
  }

  /** A Linear's weight [out, in] as [in, out], ready for MatMul(x, ·). */
  transposed(name: string): string {
    const { shape, data } = this.#get(name);
    const [rows, cols] = shape;
    const out = new Float32Array(data.length);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
    }
    return this.g.floats(out, [cols, rows], `${name}.T`);
  }

  #get(name: string) {
    const found = this.arrays.get(name);
    if (!found) throw new Error(`ONNX export: missing weight ${name}`);
    return found;
  }
}

/** `torch.nn.Linear`: MatMul by the transposed weight, then the bias. */
function linear(g: GraphBuilder, w: Weights, x: string, prefix: string): string {
  const product = g.op("MatMul", [x, w.transposed(`${prefix}.weight`)]);
  return g.op("Add", [product, w.tensor(`${prefix}.bias`)]);
}

function layerNorm(g: GraphBuilder, w: Weights, x: string, prefix: string, eps: number): string {
  return g.op("LayerNormalization", [x, w.tensor(`${prefix}.weight`), w.tensor(`${prefix}.bias`)], {
    axis: int(-1),
    epsilon: float(eps),
  });
}

/** Exact GELU: x · ½(1 + erf(x/√2)), in the form ONNX Runtime fuses. */
function gelu(g: GraphBuilder, x: string): string {
  const scaled = g.op("Div", [x, scalar(g, Math.SQRT2)]);
  const erf = g.op("Add", [g.op("Erf", [scaled]), scalar(g, 1)]);
  return g.op("Mul", [g.op("Mul", [x, erf]), scalar(g, 0.5)]);
}

function scalar(g: GraphBuilder, value: number): string {
  return g.floats(Float32Array.of(value), []);
}

function int64(g: GraphBuilder, value: number): string {
  return g.int64s([value], []);
}

/** Word (+ token type) + position embeddings, LayerNorm: [batch, sequence, hidden]. */
function embeddings(g: GraphBuilder, w: Weights, c: ModelConfig): string {
  const names = architecture(c).embeddings;
  const words = g.op("Gather", [w.tensor(names.words), "input_ids"]);
  // Position ids 0, 1, ... as a running sum of ones shaped like input_ids: element-wise ops keep
  // the symbolic [batch_size, sequence_length] through shape inference, which ONNX Runtime's
  // fusions (SkipLayerNormalization, Attention) need to match the residual adds.
  const ones = g.op("Add", [g.op("Mul", ["input_ids", int64(g, 0)]), int64(g, 1)]);
  const positionIds = g.op("Sub", [g.op("CumSum", [ones, int64(g, 1)]), int64(g, 1)]);
  const positions = g.op("Gather", [w.tensor(names.positions), positionIds]);
  let sum = g.op("Add", [words, positions]);
  if (names.tokenTypes != null) {
    sum = g.op("Add", [sum, g.op("Gather", [w.tensor(names.tokenTypes), "token_type_ids"])]);
  }
  return layerNorm(g, w, sum, names.norm, c.layerNormEps);
}

/** (1 − mask) · float32's lowest, as [batch, 1, 1, sequence]: what `additiveMask` adds. */
function additiveMask(g: GraphBuilder): string {
  const kept = g.op("Cast", ["attention_mask"], { to: int(FLOAT) });
  const blocked = g.op("Sub", [scalar(g, 1), kept]);
  const lowest = g.op("Mul", [blocked, scalar(g, -3.4028234663852886e38)]);
  return g.op("Unsqueeze", [lowest, g.int64s([1, 2])]);
}

/** softmax(q·kᵀ/√d + mask)·v over heads, then the output projection. */
function selfAttention(
  g: GraphBuilder,
  w: Weights,
  c: ModelConfig,
  x: string,
  mask: string,
  names: BlockNames["attention"],
): string {
  const headSize = c.hiddenSize / c.numHeads;
  const heads = g.int64s([0, 0, c.numHeads, headSize]);
  const split = (t: string, perm: number[]) =>
    g.op("Transpose", [g.op("Reshape", [t, heads])], { perm: ints(perm) });
  const q = g.op("Mul", [
    split(linear(g, w, x, names.query), [0, 2, 1, 3]),
    scalar(g, 1 / Math.sqrt(headSize)),
  ]);
  const kT = split(linear(g, w, x, names.key), [0, 2, 3, 1]);
  const v = split(linear(g, w, x, names.value), [0, 2, 1, 3]);
  const scores = g.op("Add", [g.op("MatMul", [q, kT]), mask]);
  const probabilities = g.op("Softmax", [scores], { axis: int(-1) });
  const context = g.op("Transpose", [g.op("MatMul", [probabilities, v])], {
    perm: ints([0, 2, 1, 3]),
  });
  const merged = g.op("Reshape", [context, g.int64s([0, 0, c.hiddenSize])]);
  return linear(g, w, merged, names.output);
}

/** One post-LayerNorm transformer block. */
function block(
  g: GraphBuilder,
  w: Weights,
  c: ModelConfig,
  x: string,
  mask: string,
  names: BlockNames,
): string {
  const attended = selfAttention(g, w, c, x, mask, names.attention);
  const afterAttention = layerNorm(
    g,
    w,
    g.op("Add", [attended, x]),
    names.attentionNorm,
    c.layerNormEps,
  );
  const hidden = gelu(g, linear(g, w, afterAttention, names.ffnIn));
  const ffn = linear(g, w, hidden, names.ffnOut);
  return layerNorm(g, w, g.op("Add", [ffn, afterAttention]), names.outputNorm, c.layerNormEps);
}

/** The encoder and the span head: the names of the start and end logits, [batch, sequence]. */
function spanLogits(g: GraphBuilder, w: Weights, c: ModelConfig): [string, string] {
  let x = embeddings(g, w, c);
  const mask = additiveMask(g);
  for (let i = 0; i < c.numLayers; i++) x = block(g, w, c, x, mask, architecture(c).block(i));
  const logits = linear(g, w, x, "qa_outputs");
  const [start, end] = g.node("Split", [logits, g.int64s([1, 1])], { axis: int(-1) }, 2);
  const last = g.int64s([-1]);
  return [g.op("Squeeze", [start, last]), g.op("Squeeze", [end, last])];
}
