import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedPath } from "../../test/shared.ts";
import { configToJson, configToText, type ModelConfig, parseConfig, readConfig } from "./config.ts";

const TINY_DISTILBERT = sharedPath("golden/models/tiny-distilbert-init/config.json");
const TINY_BERT = sharedPath("golden/models/tiny-bert-init/config.json");
const SMALL_INIT = sharedPath("models/qa-distilbert-small-init/config.json");
const DISTILBERT_SQUAD = sharedPath("models/distilbert-base-uncased-distilled-squad/config.json");
const BERT_CHINESE = sharedPath("models/bert-base-chinese/config.json");

/** The typed fields, without `raw`. */
function typed(config: ModelConfig): Omit<ModelConfig, "raw"> {
  const { raw: _raw, ...fields } = config;
  return fields;
}

async function rawJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

function assertThrowsMatching(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    for (const pattern of patterns) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("tiny DistilBERT config", async () => {
  assert.deepEqual(typed(await readConfig(TINY_DISTILBERT)), {
    modelType: "distilbert",
    vocabSize: 30522,
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 64,
    maxPositions: 512,
    typeVocabSize: 0,
    hiddenDropout: 0,
    attentionDropout: 0,
    qaDropout: 0,
    layerNormEps: 1e-12,
    activation: "gelu",
    initializerRange: 0.02,
    padTokenId: 0,
    sinusoidalPositions: false,
  });
});

Deno.test("tiny BERT config", async () => {
  assert.deepEqual(typed(await readConfig(TINY_BERT)), {
    modelType: "bert",
    vocabSize: 30522,
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 64,
    maxPositions: 512,
    typeVocabSize: 2,
    hiddenDropout: 0,
    attentionDropout: 0,
    qaDropout: 0,
    layerNormEps: 1e-12,
    activation: "gelu",
    initializerRange: 0.02,
    padTokenId: 0,
    sinusoidalPositions: false,
  });
});

Deno.test("the shared models' configs", async () => {
  const small = await readConfig(SMALL_INIT);
  assert.equal(small.hiddenSize, 128);
  assert.equal(small.numLayers, 4);
  assert.equal(small.intermediateSize, 512);
  assert.equal(small.hiddenDropout, 0.1);
  assert.equal(small.attentionDropout, 0.1);
  assert.equal(small.qaDropout, 0.1);

  const squad = await readConfig(DISTILBERT_SQUAD);
  assert.equal(squad.modelType, "distilbert");
  assert.equal(squad.hiddenSize, 768);
  assert.equal(squad.numLayers, 6);
  assert.equal(squad.numHeads, 12);
  assert.equal(squad.intermediateSize, 3072);

  const chinese = await readConfig(BERT_CHINESE); // architectures: BertForMaskedLM
  assert.equal(chinese.modelType, "bert");
  assert.equal(chinese.vocabSize, 21128);
  assert.equal(chinese.hiddenSize, 768);
  assert.equal(chinese.numLayers, 12);
  assert.equal(chinese.typeVocabSize, 2);
  assert.equal(chinese.hiddenDropout, 0.1);
  assert.equal(chinese.qaDropout, 0);
  assert.deepEqual(chinese.raw, await rawJson(BERT_CHINESE));
});

Deno.test("every config.json under shared/models and shared/golden/models parses", async () => {
  for (const base of ["models", "golden/models"]) {
    for await (const entry of Deno.readDir(sharedPath(base))) {
      const path = join(sharedPath(base), entry.name, "config.json");
      if (!entry.isDirectory) continue;
      const config = await readConfig(path);
      assert.ok(["distilbert", "bert"].includes(config.modelType), path);
      assert.equal(config.hiddenSize % config.numHeads, 0, path);
    }
  }
});

Deno.test("unsupported model types and architectures name themselves and the supported ones", () => {
  assertThrowsMatching(
    () => parseConfig({ model_type: "roberta", hidden_size: 8 }, "r/config.json"),
    /^r\/config\.json: model_type "roberta" is not supported/,
    /distilbert, bert/,
  );
  assertThrowsMatching(() => parseConfig({}, "e.json"), /e\.json: no model_type is not supported/);
  assertThrowsMatching(
    () => parseConfig({ model_type: "bert", architectures: ["RobertaForQuestionAnswering"] }, "a"),
    /architecture "RobertaForQuestionAnswering" is not a bert class/,
    /BertForQuestionAnswering/,
  );
  assertThrowsMatching(() => parseConfig([1], "l.json"), /l\.json: a model config must be a JSON/);
});

Deno.test("missing and ill-typed keys name the file and the key", async () => {
  const raw = await rawJson(TINY_DISTILBERT);
  const without = (key: string) =>
    Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key));
  for (
    const key of [
      "vocab_size",
      "dim",
      "n_layers",
      "n_heads",
      "hidden_dim",
      "max_position_embeddings",
    ]
  ) {
    assertThrowsMatching(
      () => parseConfig(without(key), "d/config.json"),
      new RegExp(`^d/config\\.json: missing required key "${key}"`),
    );
  }
  // Optional keys take the transformers defaults.
  const defaults = parseConfig(without("qa_dropout"), "d");
  assert.equal(defaults.qaDropout, 0.1);
  assertThrowsMatching(
    () => parseConfig({ ...raw, n_layers: 2.5 }, "d"),
    /"n_layers" must be a positive integer, got 2\.5/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...raw, dropout: 1 }, "d"),
    /"dropout" must be a probability/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...raw, pad_token_id: null }, "d"),
    /"pad_token_id" must be/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...raw, pad_token_id: 30522 }, "d"),
    /outside the vocabulary/,
  );
});

Deno.test("heads, activation, sinusoidal positions", async () => {
  const distil = await rawJson(TINY_DISTILBERT);
  const bert = await rawJson(TINY_BERT);
  assertThrowsMatching(
    () => parseConfig({ ...distil, n_heads: 5 }, "h"),
    /^h: hidden size 32 is not divisible by 5 heads/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...bert, num_attention_heads: 3 }, "h"),
    /hidden size 32 is not divisible by 3/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...distil, activation: "relu" }, "g"),
    /^g: activation "relu" is not supported: only exact \(erf\) GELU/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...bert, hidden_act: "gelu_new" }, "g"),
    /hidden_act "gelu_new" is not supported/,
  );
  const sinusoidal = parseConfig({ ...distil, sinusoidal_pos_embds: true }, "s");
  assert.equal(sinusoidal.sinusoidalPositions, true);
  assert.equal(configToJson(sinusoidal).sinusoidal_pos_embds, true);
  assertThrowsMatching(
    () => parseConfig({ ...distil, sinusoidal_pos_embds: "yes" }, "s"),
    /^s: "sinusoidal_pos_embds" must be true or false/,
  );
  assertThrowsMatching(
    () => parseConfig({ ...bert, position_embedding_type: "relative_key" }, "p"),
    /"relative_key" is not supported/,
  );
});

Deno.test("malformed and missing config files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "config.json");
    await Deno.writeTextFile(path, '{"model_type": "bert",');
    await assert.rejects(readConfig(path), new RegExp(`${path}: malformed JSON`));
    await assert.rejects(readConfig(join(dir, "nope.json")), /nope\.json: config file not found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("configToJson: QA architecture, original keys kept, typed fields written back", async () => {
  const chinese = await readConfig(BERT_CHINESE);
  const json = configToJson(chinese);
  assert.deepEqual(json.architectures, ["BertForQuestionAnswering"]);
  assert.equal(json.pooler_type, "first_token_transform");
  assert.equal(json.directionality, "bidi");
  assert.deepEqual({ ...json, architectures: null }, {
    ...(await rawJson(BERT_CHINESE)),
    architectures: null,
  });
  assert.deepEqual(typed(parseConfig(json, "again")), typed(chinese));

  const squad = await readConfig(DISTILBERT_SQUAD);
  const changed = configToJson({ ...squad, qaDropout: 0.25, numLayers: 3 });
  assert.equal(changed.qa_dropout, 0.25);
  assert.equal(changed.n_layers, 3);
  assert.equal(changed.torch_dtype, "float32");
  assert.equal(changed._name_or_path, "distilbert-base-uncased-distilled-squad");
  assert.deepEqual(changed.architectures, ["DistilBertForQuestionAnswering"]);
  assert.equal("layer_norm_eps" in changed, false);
});

Deno.test("configToText: sorted keys, indent 2, final newline, reads back", async () => {
  const tiny = await readConfig(TINY_BERT);
  const text = configToText(tiny);
  assert.ok(text.endsWith("}\n"));
  assert.ok(text.startsWith('{\n  "architectures": [\n    "BertForQuestionAnswering"\n  ],\n'));
  const keys = Object.keys(JSON.parse(text));
  assert.deepEqual(keys, [...keys].sort());
  assert.deepEqual(typed(parseConfig(JSON.parse(text), "t")), typed(tiny));
});
