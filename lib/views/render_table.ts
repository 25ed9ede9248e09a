/**
 * Tables as HTML (pandas' `to_html` look) and as boxed text that fits a terminal's width, for every
 * view that shows rows. No polars here: the examples' DataFrame is in display.ts.
 */
import Table from "cli-table3";

/** One table row: column name to the text shown in its cell. */
export type Row = Record<string, string>;

/** Default width of the text table: fits a 120-column terminal. */
export const DEFAULT_TABLE_WIDTH = 120;

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

/** Options of `renderHtmlTable`. */
export interface HtmlTableOptions {
  /**
   * Columns of words (a context, a question, an answer's text): their cells and header are
   * left-aligned. JupyterLab right-aligns every table cell, which suits numbers only.
   */
  textColumns?: readonly string[];
}

/** The inline style of a left-aligned cell (JupyterLab keeps inline `text-align`). */
export const LEFT_ALIGNED = 'style="text-align: left;"';

/**
 * An HTML table laid out like pandas' `DataFrame.to_html()`: `class="dataframe"`, a thead of column
 * names and a tbody whose rows start with their index (0, 1, ...). Every cell is HTML-escaped; the
 * cells of `textColumns` are left-aligned.
 */
export function renderHtmlTable(
  rows: readonly Row[],
  columns: readonly string[],
  { textColumns = [] }: HtmlTableOptions = {},
): string {
  const left = new Set(textColumns);
  const cell = (tag: string, text: string, column?: string) =>
    `      <${tag}${left.has(column!) ? ` ${LEFT_ALIGNED}` : ""}>${escapeHtml(text)}</${tag}>`;
  const head = [cell("th", ""), ...columns.map((name) => cell("th", name, name))];
  const body = rows.map((
    row,
    i,
  ) => [
    "    <tr>",
    cell("th", String(i)),
    ...columns.map((c) => cell("td", row[c] ?? "", c)),
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
