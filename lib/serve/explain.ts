// What the page shows beside the answers: the windows a context was cut into and the start/end
// logits of the window the best answer came from (lib/views' logit chart, drawn to SVG here).
import { prepareValidationFeatures, type ValidationFeature } from "../features/mod.ts";
import { predictLogits } from "../model/mod.ts";
import type { Answer, QuestionAnsweringPipeline, QuestionContext } from "../pipeline/mod.ts";
import { logitChart } from "../views/mod.ts";
import type { QARequest } from "./request.ts";

/** One window of the context: its tokens and the part of the context it holds (UTF-16 indices). */
export interface WindowSummary {
  tokens: number;
  start: number;
  end: number;
  text: string;
}

/** The windows of a question's context and the logit chart of the best answer's window. */
export interface Explanation {
  windows: WindowSummary[];
  /** Which window the chart shows. */
  chartWindow: number;
  /** The vega-lite spec of the chart (lib/views' `logitChart`). */
  chartSpec: object;
  /** The same chart drawn to SVG. */
  chartSvg: string;
}

/**
 * The windows of `input` and the logits of the window that holds `best` (the one whose start and
 * end logits at it sum highest; the first window when there is no answer). Runs the model once
 * more, on this question's windows only.
 */
export async function explainAnswer(
  qa: QuestionAnsweringPipeline,
  input: QuestionContext,
  best: Answer | undefined,
  options: QARequest["options"],
): Promise<Explanation> {
  const example = { id: "0", title: "", ...input, answers: { text: [], answer_start: [] } };
  const { features } = await prepareValidationFeatures(qa.tokenizer, [example], {
    maxLength: options.maxLength,
    docStride: options.docStride,
  });
  const logits = await predictLogits(qa.model, features, 8);
  const index = utf16Index(input.context);
  const windows = features.map((f) => windowSummary(f, input.context, index));
  const spans = features.map((f) => answerTokens(f, index, best));
  let chartWindow = 0;
  let bestSum = -Infinity;
  spans.forEach((span, w) => {
    if (!span) return;
    const sum = logits.startLogits[w][span[0]] + logits.endLogits[w][span[1]];
    if (sum > bestSum) [chartWindow, bestSum] = [w, sum];
  });
  const tokens = qa.tokenizer.convertIdsToTokens(features[chartWindow].input_ids);
  const chart = logitChart(
    tokens,
    logits.startLogits[chartWindow],
    logits.endLogits[chartWindow],
    {
      title: `Start and end logits, window ${chartWindow + 1} of ${features.length}`,
      answer: spans[chartWindow],
    },
  );
  return { windows, chartWindow, chartSpec: chart.spec, chartSvg: await chart.toSvg() };
}

function windowSummary(
  feature: ValidationFeature,
  context: string,
  index: Int32Array,
): WindowSummary {
  const offsets = feature.offset_mapping.filter((o) => o !== null);
  const tokens = feature.attention_mask.filter((m) => m === 1).length;
  if (offsets.length === 0) return { tokens, start: 0, end: 0, text: "" };
  const start = index[offsets[0][0]];
  const end = index[offsets[offsets.length - 1][1]];
  return { tokens, start, end, text: context.slice(start, end) };
}

// The tokens [first, last] of the feature that cover the answer, if the window holds all of it.
function answerTokens(
  feature: ValidationFeature,
  index: Int32Array,
  best: Answer | undefined,
): [number, number] | undefined {
  if (!best || best.answer === "") return undefined;
  let first = -1;
  let last = -1;
  feature.offset_mapping.forEach((o, k) => {
    if (o === null) return;
    if (index[o[0]] === best.start && first < 0) first = k;
    if (index[o[1]] === best.end && first >= 0 && last < 0) last = k;
  });
  return first >= 0 && last >= first ? [first, last] : undefined;
}

// The UTF-16 index of each code point of `text` (and of its end): offsets count code points.
function utf16Index(text: string): Int32Array {
  const index = new Int32Array(text.length + 1);
  let point = 0;
  let unit = 0;
  for (const char of text) {
    index[point++] = unit;
    unit += char.length;
  }
  index[point] = unit;
  return index.subarray(0, point + 1);
}
