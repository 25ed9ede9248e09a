/**
 * Hugging Face `config.json` for the two encoders we support, DistilBERT and BERT, normalised into
 * one `ModelConfig`; and back to JSON for saving, as a question-answering checkpoint.
 */

/** The architectures we support, by `model_type`. */
export type ModelType = "distilbert" | "bert";

/** One config for both architectures. */
export interface ModelConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Width of the feed-forward layer. */
  intermediateSize: number;
  maxPositions: number;
  /** Segment (token type) vocabulary; 0 for DistilBERT, which has no token type embeddings. */
  typeVocabSize: number;
  hiddenDropout: number;
  attentionDropout: number;
  /** Dropout before `qa_outputs`: DistilBERT's qa_dropout; BERT's QA head has none (0). */
  qaDropout: number;
  /** LayerNorm epsilon: BERT's layer_norm_eps; DistilBERT hard-codes 1e-12. */
  layerNormEps: number;
  /** Only exact (erf) GELU is supported. */
  activation: "gelu";
  initializerRange: number;
  padTokenId: number;
  /**
   * DistilBERT's `sinusoidal_pos_embds`: the position embeddings start as fixed sin/cos waves
   * instead of random values (they are trained all the same, as in transformers 5); false for BERT.
   */
  sinusoidalPositions: boolean;
  /** The original JSON object, written back (updated) by `configToJson`. */
  raw: Record<string, unknown>;
}

/** The supported model types and the question-answering class saved for each. */
export const QA_ARCHITECTURES: Record<ModelType, string> = {
  distilbert: "DistilBertForQuestionAnswering",
  bert: "BertForQuestionAnswering",
};

const SUPPORTED = Object.keys(QA_ARCHITECTURES).join(", ");

/** Class-name prefix of each model type: BertForMaskedLM is a BERT, RobertaModel is not. */
const CLASS_PREFIX: Record<ModelType, RegExp> = {
  distilbert: /^(TF|Flax)?DistilBert(Model|For\w+)$/,
  bert: /^(TF|Flax)?Bert(Model|LMHeadModel|For\w+)$/,
};

/** Reads and checks a `config.json` file. */
export async function readConfig(path: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: config file not found`);
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: malformed JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, path);
}

/** Checks a parsed `config.json` object; `source` names the file in errors. */
export function parseConfig(json: unknown, source: string): ModelConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${source}: a model config must be a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const modelType = raw.model_type;
  if (modelType !== "distilbert" && modelType !== "bert") {
    const what = modelType === undefined
      ? "no model_type"
      : `model_type ${JSON.stringify(modelType)}`;
    throw new Error(`${source}: ${what} is not supported (supported model types: ${SUPPORTED})`);
  }
  checkArchitectures(raw, modelType, source);
  const config = modelType === "distilbert" ? distilbert(raw, source) : bert(raw, source);
  checkShapes(config, source);
  return config;
}

function distilbert(raw: Record<string, unknown>, source: string): ModelConfig {
  const keys = new Keys(raw, source);
  return {
    modelType: "distilbert",
    vocabSize: keys.count("vocab_size"),
    hiddenSize: keys.count("dim"),
    numLayers: keys.count("n_layers"),
    numHeads: keys.count("n_heads"),
    intermediateSize: keys.count("hidden_dim"),
    maxPositions: keys.count("max_position_embeddings"),
    typeVocabSize: 0,
    hiddenDropout: keys.probability("dropout", 0.1),
    attentionDropout: keys.probability("attention_dropout", 0.1),
    qaDropout: keys.probability("qa_dropout", 0.1),
    layerNormEps: 1e-12,
    activation: keys.activation("activation"),
    initializerRange: keys.positive("initializer_range", 0.02),
    padTokenId: keys.index("pad_token_id", 0),
    sinusoidalPositions: keys.boolean("sinusoidal_pos_embds", false),
    raw,
  };
}

function bert(raw: Record<string, unknown>, source: string): ModelConfig {
  const keys = new Keys(raw, source);
  const positions = keys.string("position_embedding_type", "absolute");
  if (positions !== "absolute") {
    throw new Error(
      `${source}: position_embedding_type "${positions}" is not supported (only "absolute")`,
    );
  }
  return {
    modelType: "bert",
    vocabSize: keys.count("vocab_size"),
    hiddenSize: keys.count("hidden_size"),
    numLayers: keys.count("num_hidden_layers"),
    numHeads: keys.count("num_attention_heads"),
    intermediateSize: keys.count("intermediate_size"),
    maxPositions: keys.count("max_position_embeddings"),
    typeVocabSize: keys.count("type_vocab_size", 2),
    hiddenDropout: keys.probability("hidden_dropout_prob", 0.1),
    attentionDropout: keys.probability("attention_probs_dropout_prob", 0.1),
    qaDropout: 0,
    layerNormEps: keys.positive("layer_norm_eps", 1e-12),
    activation: keys.activation("hidden_act"),
    initializerRange: keys.positive("initializer_range", 0.02),
    padTokenId: keys.index("pad_token_id", 0),
    sinusoidalPositions: false,
    raw,
  };
}

/** `architectures`, when given, must name classes of the model type. */
function checkArchitectures(raw: Record<string, unknown>, modelType: ModelType, source: string) {
  const architectures = raw.architectures;
  if (architectures === undefined || architectures === null) return;
  if (!Array.isArray(architectures) || !architectures.every((a) => typeof a === "string")) {
    throw new Error(`${source}: architectures must be a list of class names`);
  }
  for (const name of architectures) {
    if (!CLASS_PREFIX[modelType].test(name)) {
      throw new Error(
        `${source}: architecture "${name}" is not a ${modelType} class; supported: ` +
          `${Object.values(QA_ARCHITECTURES).join(", ")} (or another class of the same model)`,
      );
    }
  }
}

function checkShapes(config: ModelConfig, source: string): void {
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error(
      `${source}: hidden size ${config.hiddenSize} is not divisible by ${config.numHeads} heads`,
    );
  }
  if (config.padTokenId >= config.vocabSize) {
    throw new Error(
      `${source}: pad_token_id ${config.padTokenId} is outside the vocabulary (${config.vocabSize})`,
    );
  }
}

/** Typed access to config keys; errors name the file and the key. */
class Keys {
  constructor(readonly raw: Record<string, unknown>, readonly source: string) {}

  #get(key: string, fallback?: unknown): unknown {
    const value = this.raw[key];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`${this.source}: missing required key "${key}"`);
  }

  #bad(key: string, value: unknown, expected: string): Error {
    return new Error(`${this.source}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  }

  /** A positive integer. */
  count(key: string, fallback?: number): number {
    const value = this.#get(key, fallback);
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw this.#bad(key, value, "a positive integer");
    }
    return value as number;
  }

  /** A non-negative integer. */
  index(key: string, fallback: number): number {
    const value = this.#get(key, fallback);
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw this.#bad(key, value, "a non-negative integer");
    }
    return value as number;
  }

  /** A number in [0, 1). */
  probability(key: string, fallback: number): number {
    const value = this.#get(key, fallback);
    if (typeof value !== "number" || !(value >= 0 && value < 1)) {
      throw this.#bad(key, value, "a probability in [0, 1)");
    }
    return value;
  }

  /** A number > 0. */
  positive(key: string, fallback: number): number {
    const value = this.#get(key, fallback);
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw this.#bad(key, value, "a positive number");
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#get(key, fallback);
    if (typeof value !== "boolean") throw this.#bad(key, value, "true or false");
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.#get(key, fallback);
    if (typeof value !== "string") throw this.#bad(key, value, "a string");
    return value;
  }

  /** The activation: exact GELU only. */
  activation(key: string): "gelu" {
    const value = this.#get(key, "gelu");
    if (value !== "gelu") {
      throw new Error(
        `${this.source}: ${key} ${JSON.stringify(value)} is not supported: ` +
          `only exact (erf) GELU, "gelu"`,
      );
    }
    return value;
  }
}

/**
 * The config as a Hugging Face `config.json` object: the original keys, the typed fields written
 * back under their Hugging Face names, `architectures` set to the question-answering class, and
 * `torch_dtype`/`dtype` (when present) set to float32, the dtype we save.
 */
export function configToJson(config: ModelConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    ...config.raw,
    ...(config.modelType === "distilbert" ? distilbertKeys(config) : bertKeys(config)),
    model_type: config.modelType,
    architectures: [QA_ARCHITECTURES[config.modelType]],
  };
  for (const key of ["torch_dtype", "dtype"]) if (key in json) json[key] = "float32";
  return json;
}

/** `config.json` text as transformers writes it: keys sorted, indent 2, final newline. */
export function configToText(config: ModelConfig): string {
  return JSON.stringify(sortKeys(configToJson(config)), null, 2) + "\n";
}

function distilbertKeys(c: ModelConfig): Record<string, unknown> {
  return {
    vocab_size: c.vocabSize,
    dim: c.hiddenSize,
    n_layers: c.numLayers,
    n_heads: c.numHeads,
    hidden_dim: c.intermediateSize,
    max_position_embeddings: c.maxPositions,
    dropout: c.hiddenDropout,
    attention_dropout: c.attentionDropout,
    qa_dropout: c.qaDropout,
    activation: c.activation,
    sinusoidal_pos_embds: c.sinusoidalPositions,
    initializer_range: c.initializerRange,
    pad_token_id: c.padTokenId,
  };
}

function bertKeys(c: ModelConfig): Record<string, unknown> {
  return {
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.activation,
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    initializer_range: c.initializerRange,
    pad_token_id: c.padTokenId,
  };
}

/** Object keys sorted recursively, as Python's json.dumps(sort_keys=True). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
