/** SQuAD data: loading, validation and named datasets (their display is in lib/views). */
export * from "./types.ts";
export { codePointLength, codePointSlicer, pythonLstrip } from "./chars.ts";
export { isUrl, parseJsonLines, type ReadOptions, readText, setMaxInputBytes } from "./read.ts";
export { AtomicWriter, writeTextAtomic } from "./write.ts";
export { checkExample, loadSquad, parseSquad, type QADataset } from "./squad.ts";
export { NAMED_DATASETS, namedDataset } from "./named.ts";
export { isParquet, readParquetDataset, readParquetExamples } from "./parquet.ts";
export { mulberry32 } from "./random.ts";
export { DatasetDict, SQUAD_FEATURES } from "./dataset_dict.ts";
