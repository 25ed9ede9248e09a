// SQuAD questions from parquet files, as `datasets` writes them: string columns id, title, context
// and question, and answers as a struct of two lists (text: list<string>, answer_start:
// list<int>). Read with nodejs-polars, loaded on the first parquet file only (importing lib/data
// loads no polars); the columns are checked before any row, each row as the JSON reader checks it
// (squad.ts): every error names the file, the question id and the field.
import type pl from "nodejs-polars";
import { checkExample } from "./check.ts";
import { DataError, type ExampleProblem, type QADataset, type SquadExample } from "./types.ts";

/** True when `source` names a parquet file. */
export function isParquet(source: string): boolean {
  return /\.parquet$/i.test(source);
}

/**
 * Reads the questions of one or more parquet files (the shards of a split) as one dataset;
 * `source` is what the user named (a file, `hub:OWNER/NAME...`).
 */
export async function readParquetDataset(files: string[], source: string): Promise<QADataset> {
  const examples: SquadExample[] = [];
  const problems: ExampleProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const example of await readParquetExamples(file)) {
      if (seen.has(example.id)) {
        throw new DataError(
          file,
          example.id,
          `the question id appears more than once (also in ${seen.get(example.id)})`,
        );
      }
      seen.set(example.id, file);
      examples.push(example);
      problems.push(...checkExample(example, file));
    }
  }
  if (examples.length === 0) throw new DataError(source, undefined, "the file holds no questions");
  const hasUnanswerable = examples.some((e) => e.answers.text.length === 0);
  return { source, version: hasUnanswerable ? "2.0" : "1.1", examples, problems };
}

/** The questions of one parquet file; a missing column or a value of the wrong type is an error. */
export async function readParquetExamples(file: string): Promise<SquadExample[]> {
  const polars = (await import("nodejs-polars")).default;
  const frame = readFrame(polars, file);
  const strings = (name: string, required: boolean) => stringColumn(frame, name, file, required);
  const ids = idColumn(frame, file);
  const titles = strings("title", false);
  const contexts = strings("context", true)!;
  const questions = strings("question", true)!;
  const { text, starts } = answerColumns(polars, frame, file);
  return ids.map((id, row) => {
    const value = <T>(column: (T | null)[], field: string): T => {
      if (column[row] == null) throw new DataError(file, id, `field "${field}" is null`);
      return column[row] as T;
    };
    const answerText = value(text, "answers.text") as string[];
    const answerStart = value(starts, "answers.answer_start") as number[];
    if (answerText.length !== answerStart.length) {
      throw new DataError(
        file,
        id,
        "answers.text and answers.answer_start must be lists of equal length",
      );
    }
    if (answerText.some((t) => typeof t !== "string")) {
      throw new DataError(file, id, 'field "answers.text" holds a null');
    }
    return {
      id,
      title: titles?.[row] ?? "",
      context: value(contexts, "context"),
      question: value(questions, "question"),
      answers: { text: answerText, answer_start: answerStart.map(Number) },
    };
  });
}

function readFrame(polars: typeof pl, file: string): pl.DataFrame {
  try {
    Deno.statSync(file);
  } catch {
    throw new DataError(file, undefined, "no such file");
  }
  try {
    return polars.readParquet(file);
  } catch (e) {
    throw new DataError(file, undefined, `not a readable parquet file (${(e as Error).message})`);
  }
}

// "DataType(String)" → "String"; "DataType(List(DataType(Int32)))" → "List(Int32)".
function typeName(dtype: unknown): string {
  let name = String(dtype);
  for (let before = ""; before !== name;) {
    before = name;
    name = name.replace(/DataType\(((?:[^()]|\([^()]*\))*)\)/g, "$1");
  }
  return name;
}

function column(frame: pl.DataFrame, name: string, file: string): pl.Series {
  if (!frame.columns.includes(name)) {
    throw new DataError(
      file,
      undefined,
      `missing column "${name}" (it has ${frame.columns.join(", ")})`,
    );
  }
  return frame.getColumn(name);
}

function stringColumn(frame: pl.DataFrame, name: string, file: string, required: boolean) {
  if (!required && !frame.columns.includes(name)) return undefined;
  const series = column(frame, name, file);
  if (!/String|Utf8/.test(String(series.dtype))) {
    throw new DataError(
      file,
      undefined,
      `column "${name}" should hold strings, not ${typeName(series.dtype)}`,
    );
  }
  return series.toArray() as (string | null)[];
}

// Ids are strings; integer ids (as some SQuAD-format sets have) are kept as their decimal text.
function idColumn(frame: pl.DataFrame, file: string): string[] {
  const series = column(frame, "id", file);
  const type = String(series.dtype);
  if (!/String|Utf8|Int/.test(type)) {
    throw new DataError(
      file,
      undefined,
      `column "id" should hold strings, not ${typeName(series.dtype)}`,
    );
  }
  return (series.toArray() as unknown[]).map((id, row) => {
    if (id == null) throw new DataError(file, undefined, `row ${row}: field "id" is null`);
    return String(id);
  });
}

function answerColumns(polars: typeof pl, frame: pl.DataFrame, file: string) {
  const answers = column(frame, "answers", file);
  const type = String(answers.dtype);
  const expected = "a struct {text: list<string>, answer_start: list<int>}";
  if (!type.includes("Struct")) {
    throw new DataError(
      file,
      undefined,
      `column "answers" should be ${expected}, not ${typeName(answers.dtype)}`,
    );
  }
  const fields = polars.DataFrame([answers]).unnest("answers");
  for (
    const [name, inner] of [["text", /List\(DataType\((String|Utf8)\)\)/], [
      "answer_start",
      /List\(DataType\(U?Int\d+\)\)/,
    ]] as const
  ) {
    if (!fields.columns.includes(name)) {
      throw new DataError(
        file,
        undefined,
        `column "answers" lacks the field "${name}" (should be ${expected})`,
      );
    }
    if (!inner.test(String(fields.getColumn(name).dtype))) {
      throw new DataError(
        file,
        undefined,
        `field "answers.${name}" should be ${name === "text" ? "list<string>" : "list<int>"}, not ${
          typeName(fields.getColumn(name).dtype)
        }`,
      );
    }
  }
  return {
    text: fields.getColumn("text").toArray() as unknown as (string[] | null)[],
    starts: fields.getColumn("answer_start").toArray() as unknown as (number[] | null)[],
  };
}
