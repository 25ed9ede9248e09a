import {
  bertNormalizer,
  bertPreTokenizer,
  bertProcessing,
  Tokenizer,
  WordPiece,
  wordPieceDecoder,
} from "@anush008/tokenizers";
import { join } from "node:path";
import { exists, hubFailure, hubSnapshot, isHubId } from "../hub/mod.ts";

/** The settings of `tokenizer_config.json` that matter here. */
export interface TokenizerConfig {
  doLowerCase: boolean;
  stripAccents: boolean | null;
  tokenizeChineseChars: boolean;
  modelMaxLength: number;
  paddingSide: "right" | "left";
  unkToken: string;
  clsToken: string;
  sepToken: string;
  padToken: string;
  maskToken: string;
  /**
   * What the tokenizer gives a model (`model_input_names`): transformers' pipelines pass the model
   * only these. DistilBERT's tokenizer class leaves out `token_type_ids`; BERT's has them.
   */
  modelInputNames: string[];
}

/** A Rust `tokenizers` Tokenizer with the Hugging Face settings around it. */
export interface LoadedTokenizer {
  folder: string;
  core: Tokenizer;
  config: TokenizerConfig;
}

const TOKENIZER_FILES = ["tokenizer_config.json"];
const OPTIONAL_FILES = ["tokenizer.json", "vocab.txt", "special_tokens_map.json"];

/**
 * Loads a WordPiece tokenizer from a folder (tokenizer.json, or vocab.txt + tokenizer_config.json)
 * or from a Hugging Face hub id, downloaded once into the cache.
 */
export async function loadTokenizerFiles(nameOrPath: string): Promise<LoadedTokenizer> {
  const folder = (await isHubId(nameOrPath)) ? await hubTokenizer(nameOrPath) : nameOrPath;
  const config = await readTokenizerConfig(folder);
  const tokenizerJson = join(folder, "tokenizer.json");
  const vocabTxt = join(folder, "vocab.txt");
  if (await exists(tokenizerJson)) {
    return { folder, core: fromTokenizerJson(tokenizerJson), config };
  }
  if (await exists(vocabTxt)) {
    return { folder, core: await fromVocab(vocabTxt, config), config };
  }
  throw new Error(
    `${folder}: not a tokenizer folder (it needs tokenizer.json, or vocab.txt with tokenizer_config.json)`,
  );
}

async function hubTokenizer(repoId: string): Promise<string> {
  try {
    return await hubSnapshot(repoId, TOKENIZER_FILES, OPTIONAL_FILES);
  } catch (e) {
    throw hubFailure(repoId, e);
  }
}

function fromTokenizerJson(path: string): Tokenizer {
  try {
    return Tokenizer.fromFile(path);
  } catch (e) {
    throw new Error(`${path}: not a valid tokenizer.json (${(e as Error).message})`);
  }
}

async function readTokenizerConfig(folder: string): Promise<TokenizerConfig> {
  const path = join(folder, "tokenizer_config.json");
  let raw: Record<string, unknown> = {};
  if (await exists(path)) {
    try {
      raw = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new Error(`${path}: malformed JSON (${(e as Error).message})`);
    }
  } else if (!(await exists(folder))) {
    throw new Error(`${folder}: no such tokenizer folder`);
  }
  const text = (key: string, fallback: string) =>
    typeof raw[key] === "string" ? raw[key] as string : fallback;
  const maxLength = typeof raw.model_max_length === "number" ? raw.model_max_length : 512;
  return {
    doLowerCase: raw.do_lower_case !== false,
    stripAccents: typeof raw.strip_accents === "boolean" ? raw.strip_accents : null,
    tokenizeChineseChars: raw.tokenize_chinese_chars !== false,
    modelMaxLength: maxLength > 1e6 ? 512 : maxLength,
    paddingSide: raw.padding_side === "left" ? "left" : "right",
    unkToken: text("unk_token", "[UNK]"),
    clsToken: text("cls_token", "[CLS]"),
    sepToken: text("sep_token", "[SEP]"),
    padToken: text("pad_token", "[PAD]"),
    maskToken: text("mask_token", "[MASK]"),
    modelInputNames: modelInputNames(raw),
  };
}

// `model_input_names` when the config names them, else the default of its `tokenizer_class`.
function modelInputNames(raw: Record<string, unknown>): string[] {
  const names = raw.model_input_names;
  if (Array.isArray(names) && names.every((n) => typeof n === "string")) return names;
  return typeof raw.tokenizer_class === "string" && /^DistilBert/.test(raw.tokenizer_class)
    ? ["input_ids", "attention_mask"]
    : ["input_ids", "token_type_ids", "attention_mask"];
}

// What BertTokenizerFast builds when a checkpoint ships only vocab.txt.
async function fromVocab(path: string, config: TokenizerConfig): Promise<Tokenizer> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const vocab: Record<string, number> = {};
  lines.forEach((token, id) => vocab[token.replace(/\r$/, "")] ??= id);
  const idOf = (token: string) => {
    const id = vocab[token];
    if (id === undefined) {
      throw new Error(`${path}: the special token ${token} is not in the vocabulary`);
    }
    return id;
  };
  const core = new Tokenizer(WordPiece.init(vocab, { unkToken: config.unkToken }));
  core.setNormalizer(bertNormalizer({
    cleanText: true,
    handleChineseChars: config.tokenizeChineseChars,
    stripAccents: config.stripAccents ?? config.doLowerCase,
    lowercase: config.doLowerCase,
  }));
  core.setPreTokenizer(bertPreTokenizer());
  core.setPostProcessor(
    bertProcessing([config.sepToken, idOf(config.sepToken)], [
      config.clsToken,
      idOf(config.clsToken),
    ]),
  );
  core.setDecoder(wordPieceDecoder("##", true));
  core.addSpecialTokens(
    [config.padToken, config.unkToken, config.clsToken, config.sepToken, config.maskToken],
  );
  return core;
}
