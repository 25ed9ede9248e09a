/**
 * Showing examples, as the tutorial's `show_random_elements(dataset)` does: random distinct rows
 * as a table, rendered as HTML in the Deno Jupyter kernel and as a text table in a terminal.
 *
 * The `answers` column holds the Python repr of the answers dict,
 * `{'text': ['Denver Broncos'], 'answer_start': [177]}`, which is what the tutorial's pandas table
 * shows. A polars struct column was tried and not kept: nodejs-polars 0.25.2 prints it without
 * field names (`{["x"],[1.0]}`), turns `answer_start` into floats, and cannot read it back to JS
 * (`toRecords()` throws "StructOwned is not supported").
 */
import pl from "nodejs-polars";
import Table from "cli-table3";
import { mulberry32 } from "./random.ts";
import type { Answers, SquadExample } from "./types.ts";

/** The columns of the tutorial's table, in its order. */
export const EXAMPLE_COLUMNS = ["id", "title", "context", "question", "answers"] as const;

/** One table row: column name to the text shown in its cell. */
export type Row = Record<string, string>;

// -----------------------------------------------------------------------------
// Rows and DataFrame

/** The answers dict as Python prints it: `{'text': ['Denver Broncos'], 'answer_start': [177]}`. */
export function formatAnswers(answers: Answers): string {
  const text = answers.text.map(pythonStringRepr).join(", ");
  return `{'text': [${text}], 'answer_start': [${answers.answer_start.join(", ")}]}`;
}

/** Python's `repr(str)`: single quotes unless the text holds `'` and no `"`; escapes as Python does. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    if (char === "\\" || char === quote) body += "\\" + char;
    else if (char in SHORT_ESCAPES) body += SHORT_ESCAPES[char];
    else if (NON_PRINTABLE.test(char)) body += hexEscape(char.codePointAt(0)!);
    else body += char;
  }
  return quote + body + quote;
}

const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
// Python's str.isprintable() is false for these categories, except the ASCII space.
const NON_PRINTABLE = /^(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function hexEscape(code: number): string {
  const [prefix, digits] = code < 0x100 ? ["\\x", 2] : code < 0x10000 ? ["\\u", 4] : ["\\U", 8];
  return prefix + code.toString(16).padStart(digits, "0");
}

/** One example as a table row of strings, answers formatted by `formatAnswers`. */
export function exampleRow(example: SquadExample): Row {
  const { id, title, context, question, answers } = example;
  return { id, title, context, question, answers: formatAnswers(answers) };
}

/**
 * The examples as a nodejs-polars DataFrame with string columns id, title, context, question and
 * answers (the Python repr of the answers dict). As the last expression of a Deno Jupyter cell, a
 * DataFrame renders itself as an HTML table.
 */
export function toDataFrame(examples: readonly SquadExample[]): pl.DataFrame {
  const rows = examples.map(exampleRow);
  const columns = EXAMPLE_COLUMNS.map((name) =>
    pl.Series(name, rows.map((r) => r[name]), pl.String)
  );
  return pl.DataFrame(columns);
}

// -----------------------------------------------------------------------------
// Random sampling

/** `n` distinct indices below `length`, in random order (a partial Fisher-Yates shuffle). */
export function sampleIndices(length: number, n: number, random: () => number): number[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`n must be a whole number >= 0, got ${n}`);
  }
  if (n > length) {
    throw new RangeError(
      `Can't pick more elements than there are in the dataset (${n} > ${length}).`,
    );
  }
  const indices = Array.from({ length }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (length - i));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices.slice(0, n);
}

/** Options of `showRandomElements`. */
export interface ShowOptions {
  /** Seed for a reproducible pick; without it the pick uses `Math.random`. */
  seed?: number;
}

/**
 * The tutorial's `show_random_elements(dataset, num_examples=10)`: `n` distinct random examples,
 * as a view that renders as an HTML table in Jupyter and as a text table with `console.log`.
 * Throws a RangeError when `n` is larger than the number of examples.
 */
export function showRandomElements(
  examples: readonly SquadExample[],
  n = 10,
  { seed }: ShowOptions = {},
): ExamplesView {
  const random = seed === undefined ? Math.random : mulberry32(seed);
  const picked = sampleIndices(examples.length, n, random).map((i) => examples[i]);
  return new ExamplesView(picked);
}

// -----------------------------------------------------------------------------
// The view

/** Default width of the text table: fits a 120-column terminal. */
export const DEFAULT_TABLE_WIDTH = 120;

/**
 * Examples to look at. In the Deno Jupyter kernel the last expression of a cell is rendered through
 * `Symbol.for("Jupyter.display")` (HTML, like pandas' `to_html`); `console.log` and `String()`
 * give a text table.
 */
export class ExamplesView {
  constructor(readonly examples: readonly SquadExample[]) {}

  /** The rows as shown, answers formatted as the Python dict. */
  get rows(): Row[] {
    return this.examples.map(exampleRow);
  }

  /** The examples as a nodejs-polars DataFrame (see `toDataFrame`). */
  toDataFrame(): pl.DataFrame {
    return toDataFrame(this.examples);
  }

  /** An HTML table like pandas' `DataFrame.to_html()`. */
  toHtml(): string {
    return renderHtmlTable(this.rows, EXAMPLE_COLUMNS);
  }

  /** A text table no wider than `maxWidth` characters. */
  toString(maxWidth = DEFAULT_TABLE_WIDTH): string {
    return renderTextTable(this.rows, EXAMPLE_COLUMNS, { maxWidth });
  }

  /** The media bundle the Deno Jupyter kernel displays. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  /** What `console.log(view)` prints under Deno: the text table, fitted to the terminal. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString(Math.min(DEFAULT_TABLE_WIDTH, terminalWidth()));
  }
}

function terminalWidth(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return DEFAULT_TABLE_WIDTH; // not a terminal
  }
}

// -----------------------------------------------------------------------------
// HTML

/** Escapes `&`, `<`, `>`, `"` and `'` for HTML text and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * An HTML table laid out like pandas' `DataFrame.to_html()`: `class="dataframe"`, a thead of column
 * names and a tbody whose rows start with their index (0, 1, ...). Every cell is HTML-escaped.
 */
export function renderHtmlTable(rows: readonly Row[], columns: readonly string[]): string {
  const cell = (tag: string, text: string) => `      <${tag}>${escapeHtml(text)}</${tag}>`;
  const head = ["", ...columns].map((name) => cell("th", name));
  const body = rows.map((
    row,
    i,
  ) => [
    "    <tr>",
    cell("th", String(i)),
    ...columns.map((c) => cell("td", row[c] ?? "")),
    "    </tr>",
  ]);
  return [
    '<table border="1" class="dataframe">',
    "  <thead>",
    '    <tr style="text-align: right;">',
    ...head,
    "    </tr>",
    "  </thead>",
    "  <tbody>",
    ...body.flat(),
    "  </tbody>",
    "</table>",
  ].join("\n");
}

// -----------------------------------------------------------------------------
// Text

/** Options of `renderTextTable`. */
export interface TextTableOptions {
  /** Width of the whole table, borders included (default 120). */
  maxWidth?: number;
  /** Longer cells are cut to this many characters, ending in "…" (default 200), as pandas' repr
   * cuts cells at `max_colwidth`. */
  maxCellChars?: number;
}

// Each column costs one border character and one space of padding on each side of its text.
const BORDER = 1;
const PADDING = 2;

/**
 * A text table (cli-table3, word-wrapped, no colors) no wider than `maxWidth`. Runs of whitespace
 * become one space and cells longer than `maxCellChars` are cut with "…"; columns share the width
 * by the square root of their longest cell, so a context gets more room than an id. A cell with a
 * word too long for its column (an id, a title) is broken inside words instead of cut.
 */
export function renderTextTable(
  rows: readonly Row[],
  columns: readonly string[],
  { maxWidth = DEFAULT_TABLE_WIDTH, maxCellChars = 200 }: TextTableOptions = {},
): string {
  const cells = rows.map((row) =>
    columns.map((c) => truncate(oneLine(row[c] ?? ""), maxCellChars))
  );
  const natural = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => textWidth(r[j]))));
  const minimum = columns.map((c) => Math.min(c.length, 4));
  const available = maxWidth - BORDER - columns.length * (BORDER + PADDING);
  const widths = fitWidths(natural, minimum, available);
  const table = new Table({
    head: [...columns],
    colWidths: widths.map((w) => w + PADDING),
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of cells) table.push(row.map((text, j) => textCell(text, widths[j])));
  return table.toString();
}

function textCell(text: string, width: number): Table.Cell {
  const hasLongWord = text.split(" ").some((word) => textWidth(word) > width);
  return hasLongWord ? { content: text, wrapOnWordBoundary: false } : text;
}

/**
 * Text widths for columns wanting `natural` widths in `available` characters: each column starts at
 * its `minimum` and grows one character at a time, always the one furthest below its share
 * (proportional to the square root of its natural width), until it fits or all are natural.
 */
export function fitWidths(natural: number[], minimum: number[], available: number): number[] {
  const widths = natural.map((w, j) => Math.min(w, Math.max(1, minimum[j])));
  const total = () => widths.reduce((a, b) => a + b, 0);
  if (total() > available) {
    throw new RangeError(`the columns need ${total()} characters of text, only ${available} fit`);
  }
  while (total() < available) {
    const growable = natural.map((_, j) => j).filter((j) => widths[j] < natural[j]);
    if (growable.length === 0) break;
    const share = (j: number) => widths[j] / Math.sqrt(natural[j]);
    widths[growable.reduce((a, b) => share(b) < share(a) ? b : a)]++;
  }
  return widths;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : chars.slice(0, maxChars - 1).join("") + "…";
}

// Code points; cli-table3 itself measures East Asian wide characters as two.
function textWidth(text: string): number {
  return Array.from(text).length;
}
