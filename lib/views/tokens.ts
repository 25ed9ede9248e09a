// Token walkthroughs for the tokenizer section: every token of a window with its offsets and the
// text they point at, and the windows of a long context with the part they share.
import { codePointSlicer } from "../data/mod.ts";
import { escapeHtml, type Row } from "./render_table.ts";
import type { BatchEncoding, QATokenizer } from "../tokenizer/mod.ts";
import { TableView } from "./table.ts";

/** One window of an encoding: what `tokenizer.encode(...)` returns at index `w`. */
export interface Window {
  tokens: string[];
  inputIds: number[];
  /** Code-point offsets into the text each token came from. */
  offsets: [number, number][];
  /** 0 = question, 1 = context, null = special token or padding. */
  sequenceIds: (number | null)[];
}

/** The windows of an encoding, with their token strings. */
export function windowsOf(encoding: BatchEncoding, tokenizer: QATokenizer): Window[] {
  return encoding.input_ids.map((inputIds, w) => ({
    tokens: tokenizer.convertIdsToTokens(inputIds),
    inputIds,
    offsets: encoding.offset_mapping[w],
    sequenceIds: encoding.sequence_ids[w],
  }));
}

const TOKEN_COLUMNS = ["#", "token", "id", "sequence id", "offsets", "text"];

/**
 * The tokens `from`..`to` of a window: token, id, sequence id, offsets, and the slice of the
 * question or context the offsets point at (nothing for special tokens).
 */
export function tokenTable(
  window: Window,
  texts: { question: string; context: string },
  from = 0,
  to = window.tokens.length,
): TableView {
  const slices = [codePointSlicer(texts.question), codePointSlicer(texts.context)];
  const rows: Row[] = [];
  for (let k = from; k < Math.min(to, window.tokens.length); k++) {
    const sequence = window.sequenceIds[k];
    const [start, end] = window.offsets[k];
    rows.push({
      "#": String(k),
      token: window.tokens[k],
      id: String(window.inputIds[k]),
      "sequence id": sequence === null ? "None" : String(sequence),
      offsets: `(${start}, ${end})`,
      text: sequence === null ? "" : slices[sequence](start, end),
    });
  }
  return new TableView(TOKEN_COLUMNS, rows, { compact: true, textColumns: ["token", "text"] });
}

/**
 * The context part of each window, with the characters it shares with the next window marked:
 * what `doc_stride` buys (an answer cut by one window is whole in the next).
 */
export function windowOverlap(windows: Window[], context: string): WindowsView {
  const slice = codePointSlicer(context);
  const spans = windows.map((w) => contextSpan(w));
  const parts = spans.map(([start, end], i) => {
    const next = spans[i + 1];
    const previous = spans[i - 1];
    const sharedBefore = previous ? Math.min(previous[1], end) : start;
    const sharedAfter = next ? Math.max(next[0], start) : end;
    return {
      tokens: windows[i].tokens.length,
      span: [start, end] as [number, number],
      before: slice(start, Math.max(start, sharedBefore)),
      middle: slice(Math.max(start, sharedBefore), Math.min(end, sharedAfter)),
      after: slice(Math.min(end, sharedAfter), end),
      sharedTokens: next ? sharedTokenCount(windows[i], next[0]) : 0,
    };
  });
  return new WindowsView(parts);
}

function contextSpan(window: Window): [number, number] {
  const context = window.sequenceIds.flatMap((s, k) => (s === 1 ? [window.offsets[k]] : []));
  if (context.length === 0) return [0, 0];
  return [context[0][0], context[context.length - 1][1]];
}

function sharedTokenCount(window: Window, nextStart: number): number {
  return window.sequenceIds.filter((s, k) => s === 1 && window.offsets[k][0] >= nextStart).length;
}

interface WindowPart {
  tokens: number;
  span: [number, number];
  /** Context only in this window (and the previous one, for `before`). */
  before: string;
  middle: string;
  after: string;
  /** Context tokens this window shares with the next. */
  sharedTokens: number;
}

/** The windows of one long context; shared text in `[brackets]` (text) or highlighted (HTML). */
export class WindowsView {
  constructor(readonly parts: WindowPart[]) {}

  toString(): string {
    return this.parts.map((p, i) =>
      `window ${i}: ${p.tokens} tokens, context characters ${p.span[0]}–${p.span[1]}` +
      (p.sharedTokens ? `, ${p.sharedTokens} context tokens shared with window ${i + 1}` : "") +
      `\n${p.before ? `[${p.before}]` : ""}${p.middle}${p.after ? `[${p.after}]` : ""}`
    ).join("\n\n");
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const mark = (text: string) =>
      text ? `<mark style="background:#ffe08a">${escapeHtml(text)}</mark>` : "";
    const html = this.parts.map((p, i) =>
      `<div style="margin:6px 0;padding:6px;border:1px solid #ccc;font-size:13px">` +
      `<b>window ${i}</b>: ${p.tokens} tokens, context characters ${p.span[0]}–${p.span[1]}` +
      (p.sharedTokens ? `, ${p.sharedTokens} context tokens shared with window ${i + 1}` : "") +
      `<br>${mark(p.before)}${escapeHtml(p.middle)}${mark(p.after)}</div>`
    ).join("");
    return {
      "text/html": `<div>${html}<small>highlighted: the context two windows share</small></div>`,
      "text/plain": this.toString(),
    };
  }

  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
