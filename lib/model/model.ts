// A question-answering model: configuration + named weights, loaded from and saved to Hugging
// Face folders (`config.json` + `model.safetensors`, HF's tensor names).
import * as tf from "@tensorflow/tfjs";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import type { ModelConfig } from "./config.ts";
import { type EncoderInputs, parameterShapes } from "./encoders.ts";
import { initialValue } from "./init.ts";
import type { Weights } from "./layers.ts";
import { type SpanLabels, type SpanLogits, spanLogits, spanLoss } from "./qa_model.ts";

/** Options of `QuestionAnsweringModel.fromPretrained`. */
export interface LoadOptions {
  /** Seed of the weights a checkpoint lacks (the QA head of a base model). */
  seed?: number;
  /** Where notices go (the head-initialisation warning); console.warn by default. */
  log?: (message: string) => void;
}

/** DistilBertForQuestionAnswering / BertForQuestionAnswering on TensorFlow.js. */
export class QuestionAnsweringModel {
  private constructor(
    readonly config: ModelConfig,
    readonly weights: Weights,
    readonly source: string,
  ) {}

  /** A randomly initialised model of `config`, as Hugging Face initialises one. */
  static fromConfig(config: ModelConfig, seed = 42): QuestionAnsweringModel {
    const weights: Weights = new Map();
    parameterShapes(config).forEach(([name, shape], i) => {
      const value = initialValue(config, name, shape, seed + i);
      weights.set(name, tf.variable(value, true));
      value.dispose();
    });
    return new QuestionAnsweringModel(config, weights, "random initialisation");
  }

  /**
   * Loads a Hugging Face checkpoint from a folder or hub id. A base checkpoint (no `qa_outputs`)
   * gets a freshly initialised head, with the same warning as transformers prints.
   */
  static async fromPretrained(
    nameOrPath: string,
    options: LoadOptions = {},
  ): Promise<QuestionAnsweringModel> {
    const checkpoint = await readCheckpoint(nameOrPath);
    return QuestionAnsweringModel.fromWeights(checkpoint.config, checkpoint.weights, {
      ...options,
      source: nameOrPath,
      folder: checkpoint.folder,
    });
  }

  /**
   * A model from a config and float32 weights under Hugging Face names (prefix-less and
   * gamma/beta names accepted); missing QA head weights are initialised, with transformers' warning.
   */
  static fromWeights(
    config: ModelConfig,
    stored: Map<string, { shape: number[]; data: Float32Array }>,
    options: LoadOptions & { source?: string; folder?: string } = {},
  ): QuestionAnsweringModel {
    const log = options.log ?? console.warn;
    const source = options.source ?? "weights";
    const folder = options.folder ?? source;
    const named = normalizeNames(stored, config.modelType);
    const weights: Weights = new Map();
    const missing: string[] = [];
    parameterShapes(config).forEach(([name, shape], i) => {
      const found = named.get(name);
      if (!found) {
        missing.push(name);
        const value = initialValue(config, name, shape, (options.seed ?? 42) + i);
        weights.set(name, tf.variable(value, true));
        value.dispose();
        return;
      }
      if (found.shape.join(",") !== shape.join(",")) {
        tf.dispose([...weights.values()]);
        throw new Error(
          `${folder}: tensor ${name} has shape [${found.shape}], the config asks for [${shape}]`,
        );
      }
      weights.set(name, tf.variable(tf.tensor(found.data, shape, "float32"), true));
    });
    const encoderMissing = missing.filter((name) => !name.startsWith("qa_outputs."));
    if (encoderMissing.length > 0) {
      tf.dispose([...weights.values()]);
      throw new Error(
        `${folder}: not a ${config.modelType} checkpoint of this shape; missing tensors: ` +
          encoderMissing.slice(0, 5).join(", ") + (encoderMissing.length > 5 ? ", ..." : ""),
      );
    }
    const className = architecture(config);
    if (missing.length > 0) {
      log(
        `Some weights of ${className} were not initialized from the model checkpoint at ` +
          `${source} and are newly initialized: [${missing.map((n) => `'${n}'`).join(", ")}]\n` +
          "You should probably TRAIN this model on a down-stream task to be able to use it for " +
          "predictions and inference.",
      );
    }
    const unused = [...named.keys()].filter((name) => !weights.has(name));
    if (unused.length > 0) {
      log(
        `Some weights of the model checkpoint at ${source} were not used when initializing ` +
          `${className}: [${unused.slice(0, 8).map((n) => `'${n}'`).join(", ")}` +
          `${unused.length > 8 ? ", ..." : ""}]`,
      );
    }
    return new QuestionAnsweringModel(config, weights, folder);
  }

  /** The weights as float32 arrays under their Hugging Face names. */
  async weightArrays(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, w] of this.weights) {
      out.set(name, { shape: w.shape, data: (await w.data()) as Float32Array });
    }
    return out;
  }

  /** Overwrites every weight with the given values (same names and shapes). */
  assignWeights(values: Map<string, { data: Float32Array }>): void {
    for (const [name, variable] of this.weights) {
      const value = values.get(name);
      if (!value) throw new Error(`assignWeights: no value for ${name}`);
      tf.tidy(() => variable.assign(tf.tensor(value.data, variable.shape, "float32")));
    }
  }

  /** Start/end logits of a batch; dropout only when `training`. */
  forward(inputs: EncoderInputs, training = false): SpanLogits {
    return spanLogits(this.config, this.weights, inputs, training);
  }

  /** The QA loss of a labelled batch. */
  loss(inputs: EncoderInputs, labels: SpanLabels, training = false): tf.Scalar {
    return tf.tidy(() => spanLoss(this.forward(inputs, training), labels));
  }

  /** Number of parameters. */
  numParameters(): number {
    let n = 0;
    for (const w of this.weights.values()) n += w.size;
    return n;
  }

  /** Writes config.json + model.safetensors (+ the tokenizer files of `tokenizerFolder`). */
  async save(folder: string, options: { tokenizerFolder?: string } = {}): Promise<void> {
    await writeCheckpoint(folder, this.config, await this.weightArrays(), options);
  }

  /** Frees every weight. */
  dispose(): void {
    tf.dispose([...this.weights.values()]);
  }
}

function architecture(config: ModelConfig): string {
  return config.modelType === "distilbert"
    ? "DistilBertForQuestionAnswering"
    : "BertForQuestionAnswering";
}

// Checkpoints saved from the bare encoder lack the `distilbert.`/`bert.` prefix, and old BERT
// checkpoints name LayerNorm parameters gamma/beta; transformers accepts both, and so do we.
function normalizeNames<T>(stored: Map<string, T>, prefix: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [raw, value] of stored) {
    let name = raw.replace(/\.gamma$/, ".weight").replace(/\.beta$/, ".bias");
    if (/^(embeddings|transformer|encoder|pooler)\./.test(name)) name = `${prefix}.${name}`;
    out.set(name, value);
  }
  return out;
}
