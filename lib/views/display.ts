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
import { type Answers, mulberry32, type SquadExample } from "../data/mod.ts";
import { DEFAULT_TABLE_WIDTH, renderHtmlTable, renderTextTable, type Row } from "./render_table.ts";

/** The columns of the tutorial's table, in its order. */
export const EXAMPLE_COLUMNS = ["id", "title", "context", "question", "answers"] as const;

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
    return renderHtmlTable(this.rows, EXAMPLE_COLUMNS, { textColumns: EXAMPLE_COLUMNS });
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
