// Reading notebooks executed by tools/execute_notebooks.ts and checking their outputs: errors with
// their cell and traceback, outputs found by mime type, cell and text.
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setting } from "../lib/settings.ts";

/** A Jupyter notebook (nbformat 4), as much of it as the checks read. */
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** One cell. Text fields are a string or a list of lines, as Jupyter writes them. */
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: { tags?: string[]; [key: string]: unknown };
  execution_count?: number | null;
  outputs?: Output[];
}

/** A code cell's output. */
export type Output = StreamOutput | DataOutput | ErrorOutput;

/** Text printed on stdout or stderr (`console.log`, `console.error`). */
export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string | string[];
}

/**
 * A media bundle: `execute_result` (the cell's last expression) or `display_data`
 * (`Deno.jupyter.display`). JSON mime types hold objects, the others text.
 */
export interface DataOutput {
  output_type: "display_data" | "execute_result";
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
}

/** An exception thrown by a cell. */
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

// -----------------------------------------------------------------------------
// Where notebooks and their executed copies are

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Folders whose `.ipynb` files CI executes, relative to the repository root. */
export const NOTEBOOK_FOLDERS = ["notebooks", "test/fixtures"];

/** The notebooks CI executes, relative to the repository root, sorted. */
export async function notebookPaths(): Promise<string[]> {
  const paths: string[] = [];
  for (const folder of NOTEBOOK_FOLDERS) {
    try {
      for await (const entry of Deno.readDir(join(REPO_ROOT, folder))) {
        if (entry.isFile && entry.name.endsWith(".ipynb")) paths.push(`${folder}/${entry.name}`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return paths.sort();
}

/** Where executed copies go: `$QA_NOTEBOOK_OUT`, else `build/notebooks` in the repository. */
export function executedRoot(): string {
  return resolve(setting("QA_NOTEBOOK_OUT") ?? join(REPO_ROOT, "build/notebooks"));
}

/** The repository-relative path of `notebook` (relative to the repository root or absolute). */
export function repoRelative(notebook: string): string {
  const path = relative(REPO_ROOT, resolve(REPO_ROOT, notebook));
  if (path.startsWith("..")) throw new Error(`${notebook}: not inside the repository ${REPO_ROOT}`);
  return path;
}

/** The executed copy of `notebook`: the same relative path under `executedRoot()`. */
export function executedPath(notebook: string): string {
  return join(executedRoot(), repoRelative(notebook));
}

/** The log of `notebook`'s execution (nbconvert's and the kernel's output, exit status, time). */
export function executionLogPath(notebook: string): string {
  return executedPath(notebook).replace(/\.ipynb$/, ".log");
}

// -----------------------------------------------------------------------------
// Reading

/** Reads and parses a notebook; a missing file, bad JSON or a non-notebook is named with its path. */
export async function readNotebook(path: string): Promise<Notebook> {
  let notebook: Notebook;
  try {
    notebook = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`${path}: not a readable notebook: ${(e as Error).message}`);
  }
  if (notebook?.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new Error(`${path}: not an nbformat 4 notebook (no "cells" list or nbformat 4)`);
  }
  return notebook;
}

/**
 * The executed copy of `notebook` (a repository-relative path such as `notebooks/x.ipynb`). Throws
 * when it is missing (with the end of the execution log, or how to make it) or when it was made
 * from other cell sources than the notebook now holds (a stale copy).
 */
export async function readExecuted(notebook: string): Promise<Notebook> {
  const path = executedPath(notebook);
  try {
    await Deno.stat(path);
  } catch {
    throw new Error(
      `${notebook} has no executed copy at ${path}. ${await executionHint(notebook)}`,
    );
  }
  const source = join(REPO_ROOT, repoRelative(notebook));
  const [executed, committed] = await Promise.all([readNotebook(path), readNotebook(source)]);
  const stale = firstDifferentCell(committed, executed);
  if (stale !== undefined) {
    throw new Error(
      `${path} is stale: cell ${stale} differs from ${notebook}; run \`deno task test:notebooks\``,
    );
  }
  return executed;
}

async function executionHint(notebook: string): Promise<string> {
  try {
    const log = await Deno.readTextFile(executionLogPath(notebook));
    return `Its execution failed; the end of ${executionLogPath(notebook)}:\n${tail(log, 30)}`;
  } catch {
    return "Run `deno task test:notebooks` (executes the notebooks with jupyter nbconvert, then checks them).";
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function firstDifferentCell(committed: Notebook, executed: Notebook): number | undefined {
  const count = Math.max(committed.cells.length, executed.cells.length);
  for (let i = 0; i < count; i++) {
    const [a, b] = [committed.cells[i], executed.cells[i]];
    if (!a || !b || joinText(a.source) !== joinText(b.source)) return i;
  }
  return undefined;
}

// -----------------------------------------------------------------------------
// Text

/** A string, or Jupyter's list of lines, as one string. */
export function joinText(text: string | string[]): string {
  return Array.isArray(text) ? text.join("") : text;
}

/** `text` without ANSI color codes (Deno colors `text/plain` results unless NO_COLOR is set). */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

/** A cell's source as one string. */
export function cellSource(cell: Cell): string {
  return joinText(cell.source);
}

/** One mime type's content as text: strings joined, JSON objects stringified; ANSI codes removed. */
export function mimeText(content: unknown): string {
  if (typeof content === "string" || Array.isArray(content)) {
    return stripAnsi(joinText(content as string | string[]));
  }
  return JSON.stringify(content);
}

// -----------------------------------------------------------------------------
// Errors

/** An error output, with where it happened. */
export interface CellError {
  /** Index of the cell in `notebook.cells` (markdown cells count). */
  cell: number;
  /** The `[n]` Jupyter shows beside the cell. */
  executionCount: number | null;
  /** The cell's first source line. */
  firstLine: string;
  ename: string;
  evalue: string;
  /** The traceback lines joined, without ANSI codes. */
  traceback: string;
  /** True when the cell is tagged `raises-exception`: the error is part of the notebook. */
  expected: boolean;
}

/** Every error output of the notebook, in cell order. */
export function notebookErrors(notebook: Notebook): CellError[] {
  return notebook.cells.flatMap((cell, index) =>
    (cell.outputs ?? []).filter((o): o is ErrorOutput => o.output_type === "error").map((o) => ({
      cell: index,
      executionCount: cell.execution_count ?? null,
      firstLine: cellSource(cell).split("\n")[0],
      ename: o.ename,
      evalue: stripAnsi(o.evalue),
      traceback: stripAnsi(o.traceback.join("\n")),
      expected: cell.metadata.tags?.includes("raises-exception") ?? false,
    }))
  );
}

/**
 * Throws, listing each one with its cell, source line and traceback, when the notebook has error
 * outputs other than in cells tagged `raises-exception`, or code cells that never ran.
 */
export function assertNoErrors(notebook: Notebook, name = "notebook"): void {
  const problems = notebookErrors(notebook).filter((e) => !e.expected).map(describeError);
  const notRun = notebook.cells.flatMap((cell, index) =>
    cell.cell_type === "code" && cellSource(cell).trim() !== "" && cell.execution_count == null
      ? [`cell ${index} never ran: ${cellSource(cell).split("\n")[0]}`]
      : []
  );
  if (problems.length + notRun.length > 0) {
    throw new Error(`${name}:\n${[...problems, ...notRun].join("\n\n")}`);
  }
}

function describeError(error: CellError): string {
  const where = `cell ${error.cell} [${error.executionCount ?? " "}] (${error.firstLine})`;
  return `${where} raised ${error.ename}: ${error.evalue}\n${error.traceback}`;
}

// -----------------------------------------------------------------------------
// Finding outputs

/** What to look for. Every field given must match. */
export interface OutputQuery {
  /** A cell: its index in `notebook.cells`, or its id or one of its tags. */
  cell?: number | string;
  /** The output's type. */
  type?: Output["output_type"];
  /** A mime type of a media bundle (`text/html`, `image/svg+xml`...). Streams and errors have none. */
  mime?: string;
  /** Text the content contains (a string) or matches (a RegExp); JSON content is stringified. */
  text?: string | RegExp;
}

/** One piece of output: a stream's text, an error, or one mime type of a media bundle. */
export interface OutputMatch {
  /** Index of the cell in `notebook.cells`. */
  cell: number;
  /** Index of the output in the cell's outputs. */
  index: number;
  type: Output["output_type"];
  /** The mime type, for media bundles. */
  mime?: string;
  /** The content as text (see `mimeText`); for streams the text, for errors name, value, traceback. */
  text: string;
  /** The content as stored: text, lines, or the JSON object of a JSON mime type. */
  content: unknown;
}

/** Every piece of output matching `query`, in cell and output order. */
export function findOutputs(notebook: Notebook, query: OutputQuery = {}): OutputMatch[] {
  return notebook.cells.flatMap((cell, index) =>
    cellMatches(cell, index, query.cell) ? cellPieces(cell, index).filter(pieceMatches(query)) : []
  );
}

/** The first piece of output matching `query`; throws, listing what the notebook shows, if none. */
export function assertOutput(
  notebook: Notebook,
  query: OutputQuery,
  name = "notebook",
): OutputMatch {
  const found = findOutputs(notebook, query);
  if (found.length > 0) return found[0];
  const shown = findOutputs(notebook, { cell: query.cell }).map((p) =>
    `  cell ${p.cell} ${p.type}${p.mime ? ` ${p.mime}` : ""}: ${p.text.slice(0, 120)}`
  );
  throw new Error(
    `${name}: no output matches ${describeQuery(query)}; the outputs are:\n${shown.join("\n")}`,
  );
}

function describeQuery({ cell, type, mime, text }: OutputQuery): string {
  return JSON.stringify({ cell, type, mime, text: text instanceof RegExp ? String(text) : text });
}

function cellMatches(cell: Cell, index: number, selector?: number | string): boolean {
  if (selector === undefined) return true;
  if (typeof selector === "number") return index === selector;
  return cell.id === selector || (cell.metadata.tags?.includes(selector) ?? false);
}

function cellPieces(cell: Cell, index: number): OutputMatch[] {
  return (cell.outputs ?? []).flatMap((output, i): OutputMatch[] => {
    const at = { cell: index, index: i, type: output.output_type };
    switch (output.output_type) {
      case "stream":
        return [{ ...at, text: mimeText(output.text), content: output.text }];
      case "error":
        return [{ ...at, text: describeErrorOutput(output), content: output }];
      default:
        return Object.entries(output.data).map(([mime, content]) => ({
          ...at,
          mime,
          text: mimeText(content),
          content,
        }));
    }
  });
}

function describeErrorOutput(output: ErrorOutput): string {
  return stripAnsi(`${output.ename}: ${output.evalue}\n${output.traceback.join("\n")}`);
}

function pieceMatches(query: OutputQuery): (piece: OutputMatch) => boolean {
  return (piece) =>
    (query.type === undefined || piece.type === query.type) &&
    (query.mime === undefined || piece.mime === query.mime) &&
    (query.text === undefined ||
      (typeof query.text === "string"
        ? piece.text.includes(query.text)
        : query.text.test(piece.text)));
}
