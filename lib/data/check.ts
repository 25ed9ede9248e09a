// The content check every reader applies (JSON, JSONL, parquet): each answer must be the context's
// text at its answer_start, counted in code points as Python counts.
import { codePointSlicer } from "./chars.ts";
import type { ExampleProblem, SquadExample } from "./types.ts";

/** Content checks: every answer must equal `context.slice(answer_start, answer_start + text.length)`. */
export function checkExample(example: SquadExample, source: string): ExampleProblem[] {
  const { id, context, answers } = example;
  if (context.trim() === "") {
    return [{ source, id, kind: "empty_context", problem: "the context is empty" }];
  }
  const slice = codePointSlicer(context);
  for (let i = 0; i < answers.text.length; i++) {
    const text = answers.text[i];
    const start = answers.answer_start[i];
    const found = slice(start, start + Array.from(text).length);
    if (found !== text) {
      const problem = `answer ${i} ${JSON.stringify(text)} does not match the context at ` +
        `answer_start ${start} (${JSON.stringify(found)})`;
      return [{ source, id, kind: "answer_mismatch", problem }];
    }
  }
  return [];
}
