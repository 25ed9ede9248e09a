// A table to look at: HTML in Jupyter, a text table in a terminal.
import { DEFAULT_TABLE_WIDTH, renderHtmlTable, renderTextTable, type Row } from "./render_table.ts";
import type { MediaBundle } from "./bundle.ts";

/**
 * Rows under named columns. In the Deno Jupyter kernel it shows as an HTML table (laid out like
 * pandas'); `console.log` and `String()` give a text table.
 */
export class TableView {
  /**
   * `compact`: no rule between body rows in the text table, unless a cell wraps. `textColumns`:
   * the columns of words, left-aligned in HTML.
   */
  constructor(
    readonly columns: readonly string[],
    readonly rows: readonly Row[],
    readonly options: { compact?: boolean; textColumns?: readonly string[] } = {},
  ) {}

  /** The HTML table; every cell is escaped, the text columns left-aligned. */
  toHtml(): string {
    return renderHtmlTable(this.rows, this.columns, { textColumns: this.options.textColumns });
  }

  /** A text table no wider than `maxWidth` characters. */
  toString(maxWidth = DEFAULT_TABLE_WIDTH): string {
    const text = renderTextTable(this.rows, this.columns, { maxWidth });
    if (!this.options.compact) return text;
    // The first rule under the top border separates the header; the later ones separate rows,
    // and are kept when a cell wraps onto more lines.
    const lines = text.split("\n");
    const header = lines.findIndex((line) => line.startsWith("├"));
    const oneLineRows = lines.slice(header + 1, -1).every((line, i) =>
      (i % 2 === 0) !== line.startsWith("├")
    );
    if (!oneLineRows) return text;
    return lines.filter((line, i) => i <= header || !line.startsWith("├")).join("\n");
  }

  /** What the Deno Jupyter kernel displays. */
  [Symbol.for("Jupyter.display")](): MediaBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  /** What `console.log(table)` prints. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** A number with `digits` decimals, or "" when there is none. */
export function formatNumber(value: number | undefined, digits = 4): string {
  return value === undefined || Number.isNaN(value) ? "" : value.toFixed(digits);
}
