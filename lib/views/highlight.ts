// An answer in its context: gold and predicted spans marked, in HTML and in plain text.
import type { Answers } from "../data/types.ts";
import { escapeHtml } from "./render_table.ts";
import type { MediaBundle } from "./bundle.ts";

/**
 * A predicted answer and where it starts in the context. `start` counts code points by default,
 * as SQuAD's `answer_start` and the n-best `offsets` do (Python's string indices); give
 * `unit: "utf16"` for a JavaScript string index.
 */
export interface PredictedSpan {
  text: string;
  start: number;
  unit?: "codepoint" | "utf16";
}

/** The pipeline's answer (`answerQuestion`): `start`/`end` are JavaScript string indices. */
export interface PipelineAnswer {
  answer: string;
  start: number;
  end: number;
}

/** An n-best candidate (`NbestEntry`): `offsets` are code points into the context. */
export interface NbestSpan {
  text: string;
  offsets: readonly [number, number];
}

/** What `highlightAnswer` marks. */
export interface HighlightOptions {
  /** The gold answers, SQuAD style: `answer_start` in code points. */
  gold?: Answers;
  /** The predicted answer; the empty text means "no answer" and marks nothing. */
  predicted?: PredictedSpan | PipelineAnswer | NbestSpan;
}

/** A marked range of the context, in UTF-16 units (JavaScript string indices). */
export interface MarkedSpan {
  kind: "gold" | "predicted";
  start: number;
  end: number;
}

/**
 * The context with its gold answers and the predicted answer marked: green for gold, blue
 * underlined for the prediction, both where they overlap. `toString()` gives the text with gold
 * in `[...]` and the prediction in `{...}`. Each answer must be found at its offset: a text that
 * is not there is an error saying where it is (for instance when code points and UTF-16 units
 * were mixed up, which differ after an emoji or a rare CJK character).
 */
export function highlightAnswer(context: string, options: HighlightOptions = {}): HighlightView {
  const spans: MarkedSpan[] = [];
  const { gold, predicted } = options;
  if (gold) {
    if (gold.text.length !== gold.answer_start.length) {
      throw new Error(
        `${gold.text.length} gold answer texts but ${gold.answer_start.length} answer_start`,
      );
    }
    gold.text.forEach((text, i) => {
      const where = `gold answer ${i + 1}`;
      spans.push({
        kind: "gold",
        ...locate(context, text, gold.answer_start[i], "codepoint", where),
      });
    });
  }
  const prediction = predicted && toPredictedSpan(predicted);
  if (prediction && prediction.text !== "") {
    const { text, start, unit = "codepoint" } = prediction;
    spans.push({ kind: "predicted", ...locate(context, text, start, unit, "predicted answer") });
  }
  return new HighlightView(context, spans, gold?.text ?? [], prediction?.text);
}

function toPredictedSpan(p: PredictedSpan | PipelineAnswer | NbestSpan): PredictedSpan {
  if ("offsets" in p) return { text: p.text, start: p.offsets[0] };
  if ("answer" in p) {
    if (p.end - p.start !== p.answer.length) {
      throw new Error(`pipeline answer ${JSON.stringify(p.answer)}: end - start != its length`);
    }
    return { text: p.answer, start: p.start, unit: "utf16" };
  }
  return p;
}

/** The UTF-16 range of `text` said to start at `start` (counted in `unit`); throws if it is not there. */
function locate(
  context: string,
  text: string,
  start: number,
  unit: "codepoint" | "utf16",
  what: string,
): { start: number; end: number } {
  const from = unit === "utf16" ? start : utf16Offset(context, start);
  if (from !== undefined && context.startsWith(text, from)) {
    return { start: from, end: from + text.length };
  }
  const other = unit === "utf16" ? codePointOffset(context, start) : start;
  const hint = other !== undefined && context.startsWith(text, other)
    ? ` (it is there counting ${unit === "utf16" ? "code points" : "UTF-16 units"})`
    : context.includes(text)
    ? ` (it is at UTF-16 index ${context.indexOf(text)})`
    : " (the context does not contain it)";
  const found = from === undefined
    ? "past the end"
    : JSON.stringify(context.slice(from, from + text.length));
  throw new Error(
    `${what} ${JSON.stringify(text)} is not at ${
      unit === "utf16" ? "UTF-16 index" : "code point"
    } ` +
      `${start} of the context: found ${found}${hint}`,
  );
}

/** The UTF-16 index of code point `n` of `text`, or undefined past its end. */
export function utf16Offset(text: string, n: number): number | undefined {
  if (!Number.isInteger(n) || n < 0) return undefined;
  let unit = 0;
  for (let i = 0; i < n; i++) {
    if (unit >= text.length) return undefined;
    unit += text.codePointAt(unit)! > 0xffff ? 2 : 1;
  }
  return unit <= text.length ? unit : undefined;
}

// The code point count before UTF-16 index `unit`, or undefined if it splits a surrogate pair.
function codePointOffset(text: string, unit: number): number | undefined {
  if (!Number.isInteger(unit) || unit < 0 || unit > text.length) return undefined;
  const before = text.slice(0, unit);
  if (/[\uD800-\uDBFF]$/.test(before)) return undefined;
  return Array.from(before).length;
}

/** A context with marked answers (see `highlightAnswer`). */
export class HighlightView {
  constructor(
    readonly context: string,
    readonly spans: readonly MarkedSpan[],
    readonly goldTexts: readonly string[],
    readonly predictedText: string | undefined,
  ) {}

  /** The context cut where any span starts or ends, each piece with the kinds covering it. */
  pieces(): { text: string; gold: boolean; predicted: boolean }[] {
    const cuts = new Set([0, this.context.length]);
    for (const s of this.spans) cuts.add(s.start).add(s.end);
    const sorted = [...cuts].sort((a, b) => a - b);
    const covers = (kind: MarkedSpan["kind"], from: number, to: number) =>
      this.spans.some((s) => s.kind === kind && s.start <= from && to <= s.end);
    return sorted.slice(0, -1).map((from, i) => {
      const to = sorted[i + 1];
      return {
        text: this.context.slice(from, to),
        gold: covers("gold", from, to),
        predicted: covers("predicted", from, to),
      };
    }).filter((p) => p.text !== "");
  }

  /** The context as HTML, escaped, with `<mark>`s and a legend. */
  toHtml(): string {
    const body = this.pieces().map(({ text, gold, predicted }) => {
      const style = gold && predicted
        ? STYLE.both
        : gold
        ? STYLE.gold
        : predicted
        ? STYLE.predicted
        : "";
      const title = gold && predicted ? "gold and predicted" : gold ? "gold" : "predicted";
      return style
        ? `<mark style="${style}" title="${title}">${escapeHtml(text)}</mark>`
        : escapeHtml(text);
    }).join("");
    const legend = [
      `<mark style="${STYLE.gold}">gold</mark> ${this.#goldLabel(escapeHtml)}`,
      `<mark style="${STYLE.predicted}">predicted</mark> ${this.#predictedLabel(escapeHtml)}`,
      `<mark style="${STYLE.both}">both</mark>`,
    ].join(" &nbsp; ");
    return `<div style="font-size: 90%; margin-bottom: 0.4em">${legend}</div>\n` +
      `<div style="white-space: pre-wrap; line-height: 1.7">${body}</div>`;
  }

  /** The context with gold answers in `[...]` and the prediction in `{...}`, under a legend. */
  toString(): string {
    let out = "";
    let inGold = false;
    let inPredicted = false;
    for (const { text, gold, predicted } of this.pieces()) {
      if (inPredicted && !predicted) out += "}";
      if (inGold && !gold) out += "]";
      if (gold && !inGold) out += "[";
      if (predicted && !inPredicted) out += "{";
      [inGold, inPredicted] = [gold, predicted];
      out += text;
    }
    if (inPredicted) out += "}";
    if (inGold) out += "]";
    const plain = (s: string) => s;
    return `[gold] ${this.#goldLabel(plain)}   {predicted} ${this.#predictedLabel(plain)}\n${out}`;
  }

  #goldLabel(escape: (s: string) => string): string {
    if (this.goldTexts.length === 0) return "(no answer)";
    return [...new Set(this.goldTexts)].map((t) => escape(JSON.stringify(t))).join(" / ");
  }

  #predictedLabel(escape: (s: string) => string): string {
    if (this.predictedText === undefined) return "(none given)";
    return this.predictedText === "" ? "(no answer)" : escape(JSON.stringify(this.predictedText));
  }

  /** What the Deno Jupyter kernel displays. */
  [Symbol.for("Jupyter.display")](): MediaBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  /** What `console.log(view)` prints. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

const UNDERLINE = "border-bottom: 3px solid #1f5fbf;";
const STYLE = {
  gold: "background: #b8e6c1; padding: 0;",
  predicted: `background: #d3e2fb; padding: 0; ${UNDERLINE}`,
  both: `background: #7fd18f; padding: 0; ${UNDERLINE}`,
};
