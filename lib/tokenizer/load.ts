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
import { parseTokenizerConfig, type TokenizerConfig } from "./config.ts";

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
  const folder = await tokenizerFolder(nameOrPath);
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
  if (await exists(path)) return parseTokenizerConfig(await Deno.readTextFile(path), path);
  if (!(await exists(folder))) throw new Error(`${folder}: no such tokenizer folder`);
  return parseTokenizerConfig(null, path);
}

/**
 * The folder of a tokenizer: `nameOrPath` itself, or a hub id's snapshot, downloaded once into
 * the cache.
 */
export async function tokenizerFolder(nameOrPath: string): Promise<string> {
  return (await isHubId(nameOrPath)) ? await hubTokenizer(nameOrPath) : nameOrPath;
}

/** Reads the files of a local folder by name; null for a file that is not there. */
export function folderReader(folder: string): (name: string) => Promise<string | null> {
  return async (name) => {
    if (!(await exists(folder))) throw new Error(`${folder}: no such tokenizer folder`);
    const path = join(folder, name);
    return (await exists(path)) ? await Deno.readTextFile(path) : null;
  };
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
