// A question-answering model: configuration + named weights, loaded from and saved to Hugging
// Face folders (`config.json` + `model.safetensors`, HF's tensor names).
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import {
  isConfigOnlyFolder,
  readCheckpoint,
  type WeightMap,
  writeCheckpoint,
} from "./io/checkpoint.ts";
import { type ModelConfig, readConfig } from "./config.ts";
import { type EncoderInputs, parameterShapes } from "./encoders.ts";
import { DEFAULT_SEED, initialWeight, initialWeights } from "./init.ts";
import type { Weights } from "./layers.ts";
import { writeOnnx } from "./onnx/export.ts";
import { type SpanLabels, type SpanLogits, spanLogits, spanLoss } from "./qa_model.ts";

/** Options of `QuestionAnsweringModel.fromConfig`. */
export interface InitOptions {
  /** Seed of the fresh weights (default 42): the same seed gives the same bytes everywhere. */
  seed?: number;
}

/** Options of `QuestionAnsweringModel.fromPretrained`. */
export interface LoadOptions {
  /**
   * Seed of the weights a checkpoint lacks (the QA head of a base model; every weight of a
   * folder without weights). Default 42.
   */
  seed?: number;
  /** Where notices go (the initialisation warnings); console.warn by default. */
  log?: (message: string) => void;
}

/** DistilBertForQuestionAnswering / BertForQuestionAnswering on TensorFlow.js. */
export class QuestionAnsweringModel {
  private constructor(
    readonly config: ModelConfig,
    readonly weights: Weights,
    readonly source: string,
  ) {}

  /**
   * A randomly initialised model of `config`, as transformers' `_init_weights` initialises one:
   * linear and embedding weights normal(0, initializer_range) with the word embeddings' padding
   * row zero, biases 0, LayerNorm weight 1 and bias 0, DistilBERT's position embeddings sinusoidal
   * when the config says `sinusoidal_pos_embds`. The numbers come from our own seeded generator,
   * on the host: the same seed gives byte-equal weights on every machine and backend (not the
   * numbers PyTorch would draw).
   *
   * @example
   * const config = await readConfig("presets/qa-distilbert-small/config.json");
   * const model = QuestionAnsweringModel.fromConfig(config, { seed: 42 });
   */
  static fromConfig(config: ModelConfig, options: InitOptions = {}): QuestionAnsweringModel {
    const weights = freshVariables(config, options.seed ?? DEFAULT_SEED);
    return new QuestionAnsweringModel(config, weights, "random initialisation");
  }

  /**
   * Loads a Hugging Face checkpoint from a folder or hub id. A base checkpoint (no `qa_outputs`)
   * gets a freshly initialised head, with the same warning as transformers prints.
   *
   * A local folder with a `config.json` and no weight file at all (such as
   * `presets/qa-distilbert-small`, the config and tokenizer of a model to train from scratch)
   * gives a model initialised from its config as `fromConfig` does, with `options.seed`, and a
   * warning through `options.log` that every weight is new. A folder with weights in a format we
   * cannot read (pytorch_model.bin, sharded files) is an error, never silently random.
   */
  static async fromPretrained(
    nameOrPath: string,
    options: LoadOptions = {},
  ): Promise<QuestionAnsweringModel> {
    if (await isConfigOnlyFolder(nameOrPath)) {
      return await QuestionAnsweringModel.fromConfigFolder(nameOrPath, options);
    }
    const checkpoint = await readCheckpoint(nameOrPath);
    return QuestionAnsweringModel.fromWeights(checkpoint.config, checkpoint.weights, {
      ...options,
      source: nameOrPath,
      folder: checkpoint.folder,
    });
  }

  /** A fresh model from the config.json of a folder without weights, saying so. */
  private static async fromConfigFolder(
    folder: string,
    options: LoadOptions,
  ): Promise<QuestionAnsweringModel> {
    const config = await readConfig(join(folder, "config.json"));
    const seed = options.seed ?? DEFAULT_SEED;
    const weights = freshVariables(config, seed);
    (options.log ?? console.warn)(
      `${folder} has a config.json and no weights: all weights of ${architecture(config)} are ` +
        `newly initialized from the config (seed ${seed}).\n` +
        "You should probably TRAIN this model on a down-stream task to be able to use it for " +
        "predictions and inference.",
    );
    return new QuestionAnsweringModel(config, weights, folder);
  }

  /**
   * A model from a config and float32 weights under Hugging Face names (prefix-less and
   * gamma/beta names accepted); missing QA head weights are initialised, with transformers' warning.
   */
  static fromWeights(
    config: ModelConfig,
    stored: WeightMap,
    options: LoadOptions & { source?: string; folder?: string } = {},
  ): QuestionAnsweringModel {
    const log = options.log ?? console.warn;
    const source = options.source ?? "weights";
    const folder = options.folder ?? source;
    const named = normalizeNames(stored, config.modelType);
    const weights: Weights = new Map();
    const missing: string[] = [];
    parameterShapes(config).forEach(([name, shape]) => {
      const found = named.get(name);
      if (!found) {
        missing.push(name);
        const value = initialWeight(config, name, shape, options.seed ?? DEFAULT_SEED);
        weights.set(name, trainableVariable(value.data, shape));
        return;
      }
      if (found.shape.join(",") !== shape.join(",")) {
        tf.dispose([...weights.values()]);
        throw new Error(
          `${folder}: tensor ${name} has shape [${found.shape}], the config asks for [${shape}]`,
        );
      }
      weights.set(name, trainableVariable(found.data, shape));
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

  /**
   * Writes the model as an ONNX graph to `folder`/onnx/model.onnx, where transformers.js and
   * `--engine onnxruntime` find it; returns the file's path.
   */
  async saveOnnx(folder: string): Promise<string> {
    return await writeOnnx(folder, this.config, await this.weightArrays());
  }

  /** Frees every weight. */
  dispose(): void {
    tf.dispose([...this.weights.values()]);
  }
}

/**
 * A trainable float32 variable holding `data`. tf.variable shares its initial tensor's data (one
 * more reference); that tensor is disposed here, so the variable alone holds the data: otherwise
 * the first optimizer step finds the data shared and copies every weight, and the initial values
 * stay on the heap for good.
 */
function trainableVariable(data: Float32Array, shape: number[]): tf.Variable {
  const initial = tf.tensor(data, shape, "float32");
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

/** Trainable variables of freshly initialised weights (see `initialWeight`). */
function freshVariables(config: ModelConfig, seed: number): Weights {
  const weights: Weights = new Map();
  for (const [name, value] of initialWeights(config, seed)) {
    weights.set(name, trainableVariable(value.data, value.shape));
  }
  return weights;
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
