// Reading tokenizer.json: the parts of the BERT/WordPiece path, each checked, with errors that
// name the file and the field. Anything else (BPE, other normalizers, a non-BERT template) is
// refused rather than tokenized differently from the Rust library.
import type { AddedToken } from "./added_tokens.ts";
import type { NormalizerOptions } from "./normalizer.ts";

/** A tokenizer.json off the BERT/WordPiece path (the Rust library can still read it). */
export class UnsupportedTokenizerError extends Error {
  override name = "UnsupportedTokenizerError";
}

/** What a WordPieceTokenizer is built from. */
export interface TokenizerSpec {
  vocab: Map<string, number>;
  model: { unkToken: string; prefix: string; maxInputCharsPerWord: number };
  normalizer: NormalizerOptions | null;
  addedTokens: AddedToken[];
  decoderCleanup: boolean;
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object`);
  }
  return value as Json;
}

function field<T>(
  o: Json,
  key: string,
  type: "string" | "number" | "boolean",
  where: string,
  fallback?: T,
): T {
  const value = o[key];
  if (value === undefined && fallback !== undefined) return fallback;
  // deno-lint-ignore valid-typeof -- `type` is one of typeof's names (see the signature)
  if (typeof value !== type) {
    throw new Error(`${where}: field ${key} should be a ${type}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Parses and checks the text of a tokenizer.json. */
export function parseTokenizerJson(text: string, where: string): TokenizerSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: malformed JSON (${(e as Error).message})`);
  }
  const root = object(raw, where);
  return {
    ...wordPiece(root.model, `${where}: model`),
    normalizer: bertNormalizer(root.normalizer, `${where}: normalizer`),
    addedTokens: addedTokens(root.added_tokens, `${where}: added_tokens`),
    decoderCleanup: decoder(root.decoder, `${where}: decoder`),
    ...checkPreTokenizer(root.pre_tokenizer, `${where}: pre_tokenizer`),
    ...checkPostProcessor(root.post_processor, `${where}: post_processor`),
  };
}

function wordPiece(value: unknown, where: string) {
  const m = object(value, where);
  if (m.type !== undefined && m.type !== "WordPiece") {
    throw new UnsupportedTokenizerError(
      `${where}: type ${JSON.stringify(m.type)} is not supported (only WordPiece)`,
    );
  }
  const entries = Object.entries(object(m.vocab, `${where}.vocab`));
  const vocab = new Map<string, number>();
  for (const [token, id] of entries) {
    if (!Number.isInteger(id)) {
      throw new Error(`${where}.vocab: the id of ${JSON.stringify(token)} is not an integer`);
    }
    vocab.set(token, id as number);
  }
  return {
    vocab,
    model: {
      unkToken: field<string>(m, "unk_token", "string", where, "[UNK]"),
      prefix: field<string>(m, "continuing_subword_prefix", "string", where, "##"),
      maxInputCharsPerWord: field<number>(m, "max_input_chars_per_word", "number", where, 100),
    },
  };
}

function bertNormalizer(value: unknown, where: string): NormalizerOptions | null {
  if (value === null || value === undefined) return null;
  const n = object(value, where);
  if (n.type !== "BertNormalizer") {
    throw new UnsupportedTokenizerError(
      `${where}: type ${JSON.stringify(n.type)} is not supported (only BertNormalizer)`,
    );
  }
  const stripAccents = n.strip_accents ?? null;
  if (stripAccents !== null && typeof stripAccents !== "boolean") {
    throw new Error(`${where}: field strip_accents should be a boolean or null`);
  }
  return {
    cleanText: field<boolean>(n, "clean_text", "boolean", where, true),
    handleChineseChars: field<boolean>(n, "handle_chinese_chars", "boolean", where, true),
    stripAccents,
    lowercase: field<boolean>(n, "lowercase", "boolean", where, true),
  };
}

function checkPreTokenizer(value: unknown, where: string) {
  const p = object(value, where);
  if (p.type !== "BertPreTokenizer") {
    throw new UnsupportedTokenizerError(
      `${where}: type ${JSON.stringify(p.type)} is not supported (only BertPreTokenizer)`,
    );
  }
  return {};
}

// The template must be BERT's: [CLS] A [SEP] (type 0) and B [SEP] (type 1); the windows are
// assembled that way by `windows.ts`.
function checkPostProcessor(value: unknown, where: string) {
  if (value === null || value === undefined) {
    throw new UnsupportedTokenizerError(
      `${where}: missing (a BERT template is needed for [CLS] A [SEP] B [SEP])`,
    );
  }
  const p = object(value, where);
  if (p.type === "BertProcessing") return {};
  if (p.type !== "TemplateProcessing") {
    throw new UnsupportedTokenizerError(
      `${where}: type ${JSON.stringify(p.type)} is not supported`,
    );
  }
  const pieces = (p.pair as Json[] | undefined)?.map((piece) =>
    "SpecialToken" in piece
      ? `${(piece.SpecialToken as Json).id}:${(piece.SpecialToken as Json).type_id}`
      : `$${(piece.Sequence as Json).id}:${(piece.Sequence as Json).type_id}`
  ).join(" ");
  if (!/^\S+:0 \$A:0 (\S+):0 \$B:1 \1:1$/.test(pieces ?? "")) {
    throw new UnsupportedTokenizerError(
      `${where}: the pair template ${pieces} is not BERT's [CLS] $A [SEP] $B:1 [SEP]:1`,
    );
  }
  return {};
}

function addedTokens(value: unknown, where: string): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value.map((entry, i) => {
    const t = object(entry, `${where}[${i}]`);
    for (const flag of ["single_word", "lstrip", "rstrip", "normalized"]) {
      if (t[flag] === true) {
        throw new UnsupportedTokenizerError(
          `${where}[${i}] (${t.content}): ${flag}: true is not supported`,
        );
      }
    }
    return {
      id: field<number>(t, "id", "number", `${where}[${i}]`),
      content: field<string>(t, "content", "string", `${where}[${i}]`),
      special: t.special === true,
    };
  });
}

function decoder(value: unknown, where: string): boolean {
  if (value === null || value === undefined) return false;
  const d = object(value, where);
  if (d.type !== "WordPiece") {
    throw new UnsupportedTokenizerError(
      `${where}: type ${JSON.stringify(d.type)} is not supported (only WordPiece)`,
    );
  }
  return d.cleanup !== false;
}
