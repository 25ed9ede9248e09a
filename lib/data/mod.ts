/** SQuAD data: loading, validation, named datasets and display. */
export * from "./types.ts";
export { codePointLength, codePointSlicer, pythonLstrip } from "./chars.ts";
export { isUrl, parseJsonLines, type ReadOptions, readText, setMaxInputBytes } from "./read.ts";
export { AtomicWriter, writeTextAtomic } from "./write.ts";
export { checkExample, loadSquad, parseSquad, type QADataset } from "./squad.ts";
export { NAMED_DATASETS, resolveNamedDataset, squadBaseUrl } from "./named.ts";
export {
  escapeHtml,
  EXAMPLE_COLUMNS,
  ExamplesView,
  formatAnswers,
  renderHtmlTable,
  renderTextTable,
  type Row,
  showRandomElements,
  type TextTableOptions,
  toDataFrame,
} from "./display.ts";
export { mulberry32 } from "./random.ts";
export { DatasetDict, SQUAD_FEATURES } from "./dataset_dict.ts";
