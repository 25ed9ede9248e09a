import { checkExample } from "./check.ts";
import { datasetSplitFiles, parseDatasetSpec } from "../hub/mod.ts";
import { isParquet, readParquetDataset } from "./parquet.ts";
import { parseJsonLines, type ReadOptions, readText } from "./read.ts";
import { namedDataset } from "./named.ts";
import { type Answers, DataError, type QADataset, type SquadExample } from "./types.ts";

export { checkExample } from "./check.ts";
export type { QADataset } from "./types.ts";

/**
 * Loads SQuAD data: a SQuAD v1.1/v2.0 JSON file (`{"data":[{title, paragraphs}]}`), or the flattened
 * one-example-per-line JSONL form, plain or gzipped, from a path or a URL; a local `.parquet` file;
 * or a hub dataset with SQuAD columns, `hub:OWNER/NAME[:CONFIG][:SPLIT]` (`squad` and `squad_v2`
 * stand for rajpurkar's), read from its parquet files in the Hugging Face cache. `options` bound
 * downloads (time limits, retries) and the text's size.
 */
export async function loadSquad(source: string, options: ReadOptions = {}): Promise<QADataset> {
  const hub = parseDatasetSpec(namedDataset(source));
  if (hub) {
    const split = await datasetSplitFiles(hub, options);
    return await readParquetDataset(split.files, source);
  }
  if (isParquet(source)) return await readParquetDataset([source], source);
  const text = await readText(source, options);
  return parseSquad(text, source);
}

/** Parses SQuAD JSON or JSONL text; `source` names the file in messages. */
export function parseSquad(text: string, source: string): QADataset {
  const rows = parseDocument(text, source);
  const { examples, version } = Array.isArray(rows)
    ? { examples: rows.map((row, i) => flatExample(row, source, i)), version: "" }
    : nestedExamples(rows, source);
  if (examples.length === 0) throw new DataError(source, undefined, "the file holds no questions");
  rejectDuplicateIds(examples, source);
  const problems = examples.flatMap((example) => checkExample(example, source));
  const hasUnanswerable = examples.some((e) => e.answers.text.length === 0);
  return {
    source,
    version: version || (hasUnanswerable ? "2.0" : "1.1"),
    examples,
    problems,
  };
}

function parseDocument(text: string, source: string): Record<string, unknown> | unknown[] {
  const trimmed = text.trimStart();
  if (trimmed === "") throw new DataError(source, undefined, "the file is empty");
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (e) {
    if (!/\.jsonl(\.gz)?$/i.test(source) && !looksLikeJsonLines(trimmed)) {
      throw new DataError(source, undefined, `malformed JSON (${(e as Error).message})`);
    }
    return parseJsonLines(trimmed, source);
  }
  if (Array.isArray(whole)) return whole;
  if (isObject(whole) && Array.isArray(whole.data)) return whole;
  if (isObject(whole) && "context" in whole) return [whole];
  throw new DataError(source, undefined, 'not SQuAD data: expected {"data": [...]} or JSON lines');
}

function looksLikeJsonLines(text: string): boolean {
  const firstLine = text.slice(0, text.indexOf("\n") + 1 || undefined).trim();
  try {
    return isObject(JSON.parse(firstLine));
  } catch {
    return false;
  }
}

function nestedExamples(doc: Record<string, unknown>, source: string) {
  const examples: SquadExample[] = [];
  const articles = doc.data as unknown[];
  articles.forEach((article, a) => {
    const where = `data[${a}]`;
    if (!isObject(article)) throw new DataError(source, undefined, `${where} is not an object`);
    const title = typeof article.title === "string" ? article.title : "";
    const paragraphs = field(article, "paragraphs", "array", source, undefined, where) as unknown[];
    paragraphs.forEach((paragraph, p) => {
      const pWhere = `${where}.paragraphs[${p}]`;
      if (!isObject(paragraph)) {
        throw new DataError(source, undefined, `${pWhere} is not an object`);
      }
      const context = field(paragraph, "context", "string", source, undefined, pWhere) as string;
      const qas = field(paragraph, "qas", "array", source, undefined, pWhere) as unknown[];
      qas.forEach((qa, q) => {
        const qWhere = `${pWhere}.qas[${q}]`;
        if (!isObject(qa)) throw new DataError(source, undefined, `${qWhere} is not an object`);
        const id = questionId(qa, source, qWhere);
        const question = field(qa, "question", "string", source, id) as string;
        const answers = field(qa, "answers", "array", source, id) as unknown[];
        examples.push({
          id,
          title,
          context,
          question,
          answers: nestedAnswers(answers, source, id),
        });
      });
    });
  });
  const version = typeof doc.version === "string" ? doc.version.replace(/^v/, "") : "";
  return { examples, version: /^\d/.test(version) ? version : "" };
}

function nestedAnswers(answers: unknown[], source: string, id: string): Answers {
  const text: string[] = [];
  const answer_start: number[] = [];
  answers.forEach((answer, i) => {
    if (!isObject(answer)) throw new DataError(source, id, `answers[${i}] is not an object`);
    text.push(field(answer, "text", "string", source, id, `answers[${i}]`) as string);
    const start = field(answer, "answer_start", "number", source, id, `answers[${i}]`) as number;
    // -1 marks an answer not found in the context (CMRC 2018): a mismatch, checked later.
    if (!Number.isSafeInteger(start)) {
      throw new DataError(source, id, `answers[${i}].answer_start must be an integer`);
    }
    answer_start.push(start);
  });
  return { text, answer_start };
}

function flatExample(row: unknown, source: string, index: number): SquadExample {
  if (!isObject(row)) {
    throw new DataError(source, undefined, `record ${index + 1} is not an object`);
  }
  const id = questionId(row, source, `record ${index + 1}`);
  const answers = field(row, "answers", "object", source, id) as Record<string, unknown>;
  const text = field(answers, "text", "array", source, id, "answers") as unknown[];
  const starts = field(answers, "answer_start", "array", source, id, "answers") as unknown[];
  if (text.length !== starts.length || text.some((t) => typeof t !== "string")) {
    throw new DataError(
      source,
      id,
      "answers.text and answers.answer_start must be lists of equal length",
    );
  }
  if (starts.some((s) => typeof s !== "number" || !Number.isSafeInteger(s))) {
    throw new DataError(source, id, "answers.answer_start must hold integers");
  }
  return {
    id,
    title: typeof row.title === "string" ? row.title : "",
    context: field(row, "context", "string", source, id) as string,
    question: field(row, "question", "string", source, id) as string,
    answers: { text: text as string[], answer_start: starts as number[] },
  };
}

function field(
  record: Record<string, unknown>,
  name: string,
  type: "string" | "number" | "array" | "object",
  source: string,
  id: string | undefined,
  where?: string,
): unknown {
  const value = record[name];
  const label = where ? `${where}.${name}` : name;
  if (value === undefined) throw new DataError(source, id, `missing field "${label}"`);
  const ok = type === "array"
    ? Array.isArray(value)
    : type === "object"
    ? isObject(value)
    : type === "string"
    ? typeof value === "string"
    : typeof value === "number";
  if (!ok) {
    throw new DataError(
      source,
      id,
      `field "${label}" should be ${type}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

// Some SQuAD-format sets (COVID-QA) use numeric ids; they are kept as their decimal text.
function questionId(record: Record<string, unknown>, source: string, where: string): string {
  const id = record.id;
  if (typeof id === "number") return String(id);
  return field(record, "id", "string", source, undefined, where) as string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejectDuplicateIds(examples: SquadExample[], source: string): void {
  const seen = new Set<string>();
  for (const { id } of examples) {
    if (seen.has(id)) throw new DataError(source, id, "the question id appears more than once");
    seen.add(id);
  }
}
