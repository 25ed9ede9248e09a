/** SQuAD data: loading, validation, named datasets and display. */
export * from "./types.ts";
export { codePointLength, codePointSlicer, pythonLstrip } from "./chars.ts";
export { isUrl, parseJsonLines, readText, writeTextAtomic } from "./read.ts";
export { checkExample, loadSquad, parseSquad, type QADataset } from "./squad.ts";
export { NAMED_DATASETS, resolveNamedDataset } from "./named.ts";
