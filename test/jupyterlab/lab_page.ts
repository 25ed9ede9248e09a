// A person at JupyterLab, played by Debian's Chromium through playwright-core: opens a notebook,
// picks commands from the menus, waits (bounded) for the kernel, and reports what the notebook
// holds and what the page drew. The notebook model and kernel status are read through
// `window.jupyterapp` (the server runs with --LabApp.expose_app_in_browser).
import type { Page } from "playwright-core";

/** Seconds the kernel may take to start after the notebook opens. */
const KERNEL_START_TIMEOUT_S = 120;
/** How often the page is asked whether a run is over. */
const POLL_MS = 500;

/** JupyterLab's two layouts: tabs and side panels, or one document filling the page. */
export type LabMode = "lab" | "doc";

/** An error output: the cell (index among all cells), its tags, and the exception. */
export interface CellError {
  cell: number;
  tags: string[];
  ename: string;
  evalue: string;
}

/** A vega-lite output as the page drew it. */
export interface DrawnChart {
  cell: number;
  tags: string[];
  /** Whether a canvas or svg of nonzero size is inside it. */
  drawn: boolean;
}

/** What the notebook holds after a run, and what the page shows of it. */
export interface NotebookState {
  codeCells: number;
  /** Code cells with an execution count. */
  executed: number;
  /** The highest execution count: it grows with every cell run in one kernel. */
  lastCount: number;
  errors: CellError[];
  /** vega-lite outputs in the notebook model. */
  vegaOutputs: number;
  charts: DrawnChart[];
  /** Tag of each cell that shows an HTML table on the page, once per table. */
  tableTags: string[];
}

/**
 * Opens `path` (relative to the server's root) in `mode` with a fresh workspace (`?reset`), waits
 * for its kernel, and clears the committed outputs (Edit → Clear Outputs of All Cells), so that
 * what the page shows next comes from this session's runs.
 */
export async function openNotebook(
  page: Page,
  base: string,
  token: string,
  path: string,
  mode: LabMode,
): Promise<void> {
  await page.goto(`${base}/${mode}/tree/${path}?reset&token=${token}`);
  await page.waitForFunction(
    `window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === "idle"`,
    null,
    { timeout: KERNEL_START_TIMEOUT_S * 1000, polling: POLL_MS },
  );
  await pickFromMenu(page, "Edit", "editmenu:clear-all");
  await tagCellNodes(page);
}

/** Shuts the notebook's kernel down, so that the next page that opens it starts a fresh one. */
export async function shutDownKernel(page: Page): Promise<void> {
  await page.evaluate(`window.jupyterapp.shell.currentWidget.sessionContext.shutdown()`);
}

/** Marks each cell's node with its tags (`data-qa-tags`), for locating outputs by tag. */
async function tagCellNodes(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
      cell.node.dataset.qaTags = (cell.model.getMetadata("tags") ?? []).join(" ");
    }
  })()`);
}

/** Picks `command` (its data-command id) from the menu bar's `menu`. */
export async function pickFromMenu(page: Page, menu: string, command: string): Promise<void> {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${menu}$`) }).click();
  await page.locator(`.lm-Menu li[data-command="${command}"]`).click();
}

/** Makes cell `index` the active one (where "run all above" stops). */
export async function selectCell(page: Page, index: number): Promise<void> {
  await page.evaluate(
    `window.jupyterapp.shell.currentWidget.content.activeCellIndex = ${index}`,
  );
}

/** Index (among all cells) of the first cell tagged `tag`; throws when there is none. */
export async function cellTagged(page: Page, tag: string): Promise<number> {
  const index: number = await page.evaluate(`window.jupyterapp.shell.currentWidget.content.widgets
    .findIndex((cell) => (cell.model.getMetadata("tags") ?? []).includes(${JSON.stringify(tag)}))`);
  if (index < 0) throw new Error(`no cell tagged ${tag}`);
  return index;
}

/** Accepts the open dialog (the restart confirmation). */
export async function acceptDialog(page: Page): Promise<void> {
  await page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click();
}

/**
 * Starts a run with `start` (menu picks) and waits until cell `lastCell`, the last the run
 * executes, has run: it was seen queued or running (`[*]`) or its execution count changed, and
 * then the kernel is idle with no cell queued, twice in a row. (The kernel is idle between cells
 * too, and for a moment after a restart before the cells are queued.) A run that stops at an
 * error ends there. Then a second more, for outputs the Deno kernel sends just after it says it
 * is idle. Throws after `timeoutS` seconds, saying what was still going on.
 */
export async function runAndWait(
  page: Page,
  lastCell: number,
  timeoutS: number,
  start: () => Promise<void>,
): Promise<void> {
  const before = await runProgress(page, lastCell);
  await start();
  const deadline = Date.now() + timeoutS * 1000;
  let started = false;
  let quiet = 0;
  while (quiet < 2) {
    const now = await runProgress(page, lastCell);
    started ||= now.lastPending || now.lastCount !== before.lastCount;
    const over = started && now.idle && now.pending.length === 0;
    quiet = over ? quiet + 1 : 0;
    if (Date.now() > deadline) {
      throw new Error(
        `the run did not end within ${timeoutS} s: kernel ${now.status}, ` +
          `cells ${now.pending.join(", ") || "none"} pending, cell ${lastCell} ` +
          (started ? "started" : "not started"),
      );
    }
    await page.waitForTimeout(POLL_MS);
  }
  await page.waitForTimeout(1000);
}

/** The kernel's status, the cells queued or running, and where cell `lastCell` stands. */
async function runProgress(page: Page, lastCell: number) {
  return await page.evaluate(`(() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const status = panel.sessionContext.session?.kernel?.status ?? "none";
    const cells = panel.content.widgets;
    const isPending = (cell) =>
      cell.model.type === "code" && /\\*/.test(cell.promptNode?.textContent ?? "");
    const pending = cells.map((cell, i) => isPending(cell) ? i : -1).filter((i) => i >= 0);
    return {
      status,
      idle: status === "idle",
      pending,
      lastPending: isPending(cells[${lastCell}]),
      lastCount: cells[${lastCell}].model.executionCount ?? null,
    };
  })()`) as {
    status: string;
    idle: boolean;
    pending: number[];
    lastPending: boolean;
    lastCount: number | null;
  };
}

/** What the notebook holds and what the page drew (see `NotebookState`). */
export async function notebookState(page: Page): Promise<NotebookState> {
  await tagCellNodes(page);
  return await page.evaluate(`(() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.toJSON().cells;
    const code = cells.filter((c) => c.cell_type === "code");
    const errors = cells.flatMap((c, i) => (c.outputs ?? [])
      .filter((o) => o.output_type === "error")
      .map((o) => ({ cell: i, tags: c.metadata.tags ?? [], ename: o.ename, evalue: o.evalue })));
    const vegaOutputs = code.flatMap((c) => c.outputs)
      .filter((o) => o.data && Object.keys(o.data).some((m) => m.startsWith("application/vnd.vegalite"))).length;
    const cellNodes = panel.content.widgets.map((w) => w.node);
    const cellOf = (node) => cellNodes.findIndex((c) => c.contains(node));
    const charts = [...panel.node.querySelectorAll(".jp-RenderedVegaLite")].map((node) => {
      const drawn = [...node.querySelectorAll("canvas, svg")]
        .some((g) => g.getBoundingClientRect().width > 0 && g.getBoundingClientRect().height > 0);
      const tags = (node.closest("[data-qa-tags]")?.dataset.qaTags ?? "").split(" ");
      return { cell: cellOf(node), tags, drawn };
    });
    const tableTags = [...panel.node.querySelectorAll(".jp-OutputArea-output table")]
      .map((t) => t.closest("[data-qa-tags]")?.dataset.qaTags ?? "");
    return {
      codeCells: code.length,
      executed: code.filter((c) => c.execution_count !== null).length,
      lastCount: Math.max(0, ...code.map((c) => c.execution_count ?? 0)),
      errors,
      vegaOutputs,
      charts,
      tableTags,
    };
  })()`);
}

/** The indexes (among all cells) of the code cells. */
export async function codeCells(page: Page): Promise<number[]> {
  return await page.evaluate(`window.jupyterapp.shell.currentWidget.content.widgets
    .map((cell, i) => cell.model.type === "code" ? i : -1).filter((i) => i >= 0)`);
}

/** The tallest screenshot, in CSS pixels: a long table shows its top rows. */
const SHOT_MAX_HEIGHT = 560;

/**
 * Saves a PNG of the outputs of the cell tagged `tag` to `path`, at most `SHOT_MAX_HEIGHT` pixels
 * of them. The page is made tall first: the notebook scrolls inside its own panel, so an output
 * taller than the viewport would be cut by the panel.
 */
export async function screenshotOutputs(page: Page, tag: string, path: string): Promise<void> {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: viewport?.width ?? 1280, height: 2400 });
  try {
    const outputs = page.locator(`.jp-Cell[data-qa-tags~="${tag}"] .jp-OutputArea`).first();
    await page.waitForTimeout(500); // the notebook lays itself out again after the resize
    // Its top at the top of the notebook's panel (the panel scrolls, not the page).
    await outputs.evaluate((node: { scrollIntoView(options: object): void }) =>
      node.scrollIntoView({ block: "start" })
    );
    await page.mouse.move(0, 0); // no row highlighted by a pointer left hovering over it
    await page.waitForTimeout(500);
    const box = await outputs.boundingBox();
    if (!box || box.height === 0) {
      throw new Error(`the outputs of the cell tagged ${tag} are not on the page`);
    }
    await page.screenshot({
      path,
      clip: { ...box, height: Math.min(box.height, SHOT_MAX_HEIGHT) },
    });
  } finally {
    if (viewport) await page.setViewportSize(viewport);
  }
}
