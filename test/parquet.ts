// Writes SQuAD examples as parquet in the layout `datasets` writes (answers: struct of
// text list<string> and answer_start list<int32>), with nodejs-polars, for the hub dataset tests.
import pl from "nodejs-polars";
import type { SquadExample } from "../lib/data/mod.ts";

/** The parquet bytes of `examples` (written through a temporary file). */
export function squadParquet(examples: SquadExample[]): Uint8Array {
  const text = pl.Series("text", examples.map((e) => e.answers.text), pl.List(pl.Utf8));
  const starts = pl.Series(
    "answer_start",
    examples.map((e) => e.answers.answer_start),
    pl.List(pl.Int32),
  );
  const frame = pl.DataFrame({
    id: examples.map((e) => e.id),
    title: examples.map((e) => e.title),
    context: examples.map((e) => e.context),
    question: examples.map((e) => e.question),
  }).withColumn(pl.DataFrame([text, starts]).toStruct("answers"));
  return parquetBytes(frame);
}

/** The parquet bytes of any polars frame. */
export function parquetBytes(frame: pl.DataFrame): Uint8Array {
  const path = Deno.makeTempFileSync({ suffix: ".parquet" });
  try {
    frame.writeParquet(path);
    return Deno.readFileSync(path);
  } finally {
    Deno.removeSync(path);
  }
}
