import { parseJsonLines, readText } from "../lib/data/mod.ts";
import { sharedPath } from "./shared.ts";

/** The golden sets: the uncased tokenizer on SQuAD, bert-base-chinese on CMRC 2018. */
export const GOLDEN_SETS = [
  { set: "public", tokenizer: "models/distilbert-base-uncased-distilled-squad" },
  { set: "public-zh", tokenizer: "models/bert-base-chinese" },
] as const;

/** Reads a golden JSONL(.gz) file of `../shared/golden/<set>/`. */
export async function readGolden<T = Record<string, unknown>>(
  set: string,
  file: string,
): Promise<T[]> {
  const path = sharedPath(`golden/${set}/${file}`);
  return parseJsonLines(await readText(path), path) as T[];
}
