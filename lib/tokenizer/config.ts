// tokenizer_config.json: the Hugging Face settings around a tokenizer. Parsing only (no files),
// so that browsers read it too.

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

/** The settings of a tokenizer_config.json's text (null: the file is absent: defaults). */
export function parseTokenizerConfig(text: string | null, where: string): TokenizerConfig {
  let raw: Record<string, unknown> = {};
  if (text !== null) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${where}: malformed JSON (${(e as Error).message})`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new Error(`${where}: expected a JSON object`);
    }
  }
  const text_ = (key: string, fallback: string) =>
    typeof raw[key] === "string" ? raw[key] as string : fallback;
  const maxLength = typeof raw.model_max_length === "number" ? raw.model_max_length : 512;
  return {
    doLowerCase: raw.do_lower_case !== false,
    stripAccents: typeof raw.strip_accents === "boolean" ? raw.strip_accents : null,
    tokenizeChineseChars: raw.tokenize_chinese_chars !== false,
    modelMaxLength: maxLength > 1e6 ? 512 : maxLength,
    paddingSide: raw.padding_side === "left" ? "left" : "right",
    unkToken: text_("unk_token", "[UNK]"),
    clsToken: text_("cls_token", "[CLS]"),
    sepToken: text_("sep_token", "[SEP]"),
    padToken: text_("pad_token", "[PAD]"),
    maskToken: text_("mask_token", "[MASK]"),
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
