// From the spans each window proposes to a question's answers, as transformers'
// QuestionAnsweringPipeline.postprocess does: each span widened to whole words (align_to_words),
// spans with the same text (case aside) merged into one answer whose score is their sum, the empty
// answer added when allowed, then the best `topK`.
import { codePointSlicer } from "../data/mod.ts";
import type { WindowDecoding } from "./spans.ts";
import type { PipelineWindow } from "./windows.ts";

/**
 * An answer: its text, its place in the context and its probability. `start`/`end` index the
 * JavaScript string (`context.slice(start, end)` is the answer, whatever the characters);
 * `startCodePoint`/`endCodePoint` are the same place in code points, as Python's string indices
 * and transformers' `start`/`end` count.
 */
export interface Answer {
  answer: string;
  /**
   * P(start) × P(end) in the window the span came from (softmax over that window's context tokens
   * and [CLS]), summed over every span with the same text; for the empty answer, the smallest
   * P([CLS]) × P([CLS]) over the windows.
   */
  score: number;
  start: number;
  end: number;
  startCodePoint: number;
  endCodePoint: number;
}

/** How `gatherAnswers` turns spans into answers. */
export interface GatherOptions {
  topK: number;
  handleImpossibleAnswer: boolean;
  alignToWords: boolean;
}

/**
 * A question's answers from its windows (in order) and what each proposed: windows in order, each
 * window's spans best first; a span whose text (lower-cased) is already an answer adds its score
 * to it (the first span's place is kept). The empty answer ("", 0, 0) gets the smallest null
 * score of the windows and ranks after answers that tie it.
 */
export function gatherAnswers(
  context: string,
  windows: readonly PipelineWindow[],
  decoded: readonly WindowDecoding[],
  options: GatherOptions,
): Answer[] {
  const slice = codePointSlicer(context);
  const utf16 = utf16Index(context);
  const answers: Answer[] = [];
  const byText = new Map<string, Answer>();
  windows.forEach((window, w) => {
    for (const span of decoded[w].spans) {
      const [from, to] = characterSpan(window, span.start, span.end, options.alignToWords);
      const text = slice(from, to);
      const known = byText.get(text.toLowerCase());
      if (known) {
        known.score += span.score;
        continue;
      }
      const answer = {
        answer: text,
        score: span.score,
        start: utf16(from),
        end: utf16(to),
        startCodePoint: from,
        endCodePoint: to,
      };
      answers.push(answer);
      byText.set(text.toLowerCase(), answer);
    }
  });
  if (options.handleImpossibleAnswer) {
    const nullScore = Math.min(...decoded.map((d) => d.nullScore));
    answers.push({
      answer: "",
      score: nullScore,
      start: 0,
      end: 0,
      startCodePoint: 0,
      endCodePoint: 0,
    });
  }
  // A stable sort: ties keep their order, as Python's sorted does.
  return answers.sort((a, b) => b.score - a.score).slice(0, options.topK);
}

/**
 * The code points of the context a span of tokens covers: from its first token's start to its
 * last token's end, or, aligned to words, from the start of the first token's word to the end
 * of the last token's word, as far as the word lies in this window (transformers' `get_indices`
 * with `token_to_word` and `word_to_chars`).
 */
export function characterSpan(
  window: PipelineWindow,
  start: number,
  end: number,
  alignToWords: boolean,
): [number, number] {
  const { offsets, wordIds } = window;
  if (alignToWords) {
    const sameWord = (k: number, j: number) => wordIds[j] !== null && wordIds[j] === wordIds[k];
    while (start > 0 && sameWord(start, start - 1)) start--;
    while (end < wordIds.length - 1 && sameWord(end, end + 1)) end++;
  }
  return [offsets[start]![0], offsets[end]![1]];
}

// Offsets count code points (as Python does); JavaScript strings index UTF-16 units.
function utf16Index(text: string): (codePoint: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const starts: number[] = [];
  let unit = 0;
  for (const char of text) {
    starts.push(unit);
    unit += char.length;
  }
  starts.push(unit);
  return (i) => starts[i];
}
