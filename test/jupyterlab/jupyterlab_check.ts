// The notebooks in JupyterLab itself, as a person opens them: JupyterLab from the wheels on this
// machine's disk (tools/jupyterlab_env.sh), the Deno kernel, Debian's Chromium. For each notebook,
// in lab mode: run the first half, restart the kernel and run all, check, save screenshots, run
// every cell a second time and check again, run a few cells twice in a row and check again; in
// single-document mode: run all and check.
// "Check": every code cell ran, no error output, every vega-lite chart drawn (canvas or svg), the
// HTML tables there. Run by `deno task test:jupyterlab` (.ci/run's "jupyterlab" stage); skips,
// saying so, without the wheels or Chromium.
import { join, resolve } from "node:path";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_FLAGS } from "../../lib/serve/page_driver.ts";
import { setting } from "../../lib/settings.ts";
import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT } from "../notebook.ts";
import {
  acceptDialog,
  cellTagged,
  codeCells,
  type LabMode,
  type NotebookState,
  notebookState,
  openNotebook,
  pickFromMenu,
  runAndWait,
  screenshotOutputs,
  selectCell,
  shutDownKernel,
} from "./lab_page.ts";
import { LAB_STATE, type LabServer, startJupyterLab, tail } from "./lab_server.ts";

/** Seconds one run of a whole notebook may take in the page. */
const RUN_TIMEOUT_S = setting("QA_NOTEBOOK_TIMEOUT");
/** Where the screenshots go: $QA_JUPYTERLAB_SHOTS, else build/jupyterlab/shots (docs/notebook/
 * holds the committed ones: QA_JUPYTERLAB_SHOTS=docs/notebook renews them). */
const SHOTS = resolve(REPO_ROOT, setting("QA_JUPYTERLAB_SHOTS") ?? join(LAB_STATE, "shots"));

/** What each notebook must show, and which outputs are photographed. */
const NOTEBOOKS = [
  {
    path: "notebooks/qa_finetune.ipynb",
    tables: ["dataset-table", "offset-walkthrough", "nbest-table", "breakdown", "transformers-js"],
    chartTags: ["training", "logit-chart"],
    rerun: ["nbest-table", "highlight", "pipeline-answer"],
    shots: {
      training: "jupyterlab-loss.png",
      "nbest-table": "jupyterlab-nbest.png",
      breakdown: "jupyterlab-metrics.png",
    },
  },
  {
    path: "notebooks/cmrc2018_chinese.ipynb",
    tables: ["dataset-table", "offset-walkthrough", "nbest-table"],
    chartTags: ["training"],
    rerun: ["nbest-table", "pipeline-answer"],
    shots: { "nbest-table": "jupyterlab-nbest-zh.png" },
  },
];

const lab = await makeLab();
const missing = [
  ...(lab.absent ? [`JupyterLab (${lab.absent})`] : []),
  ...(await exists(CHROMIUM)
    ? []
    : [`${CHROMIUM} (apt-get install -y chromium, or set QA_CHROMIUM)`]),
];
if (missing.length > 0) {
  console.warn(`skipping the JupyterLab check: absent: ${missing.join("; ")}`);
}

/**
 * The folder of JupyterLab's `jupyter` (tools/jupyterlab_env.sh); `absent` when this machine has
 * no python3.11 or wheels (the script exits with 3), `failed` when making it went wrong.
 */
async function makeLab(): Promise<{ bin?: string; absent?: string; failed?: string }> {
  const made = await new Deno.Command("bash", {
    args: [join(REPO_ROOT, "tools/jupyterlab_env.sh")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (made.success) return { bin: decode(made.stdout) };
  const message = `tools/jupyterlab_env.sh exited with ${made.code}: ${decode(made.stderr)}`;
  return made.code === 3 ? { absent: message } : { failed: message };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Asserts a finished run: all code cells ran, no errors, charts drawn, tables present. */
function assertRendered(state: NotebookState, expected: (typeof NOTEBOOKS)[number], what: string) {
  const errors = state.errors.map((e) => `cell ${e.cell} [${e.tags}]: ${e.ename}: ${e.evalue}`);
  assertEquals(errors, [], `${what}: error outputs`);
  assertEquals(state.executed, state.codeCells, `${what}: code cells with an execution count`);
  assert(state.vegaOutputs > 0, `${what}: no vega-lite output`);
  assertEquals(state.charts.length, state.vegaOutputs, `${what}: vega-lite outputs on the page`);
  const undrawn = state.charts.filter((c) => !c.drawn).map((c) => c.cell);
  assertEquals(undrawn, [], `${what}: cells whose chart has no canvas or svg`);
  for (const tag of expected.chartTags) {
    assert(
      state.charts.some((c) => c.tags.includes(tag)),
      `${what}: no chart in the cell tagged ${tag} (charts in cells ${
        state.charts.map((c) => c.cell)
      })`,
    );
  }
  for (const tag of expected.tables) {
    assert(
      state.tableTags.some((tags) => tags.split(" ").includes(tag)),
      `${what}: no HTML table in the cell tagged ${tag} (tables in: ${state.tableTags})`,
    );
  }
}

/**
 * Lab mode: runs the first half, restarts the kernel and runs all, photographs, runs every cell
 * again, then runs a few cells twice in a row; checks after each.
 */
async function labMode(page: Page, server: LabServer, expected: (typeof NOTEBOOKS)[number]) {
  await openNotebook(page, server.base, server.token, expected.path, "lab");
  const code = await codeCells(page);
  const middle = Math.floor(code.length / 2);
  await selectCell(page, code[middle]);
  await runAndWait(page, code[middle - 1], RUN_TIMEOUT_S, async () => {
    await pickFromMenu(page, "Run", "notebook:run-all-above");
  });
  const half = await notebookState(page);
  assertEquals(half.errors, [], "the first half: error outputs");
  assertEquals(half.executed, middle, "the first half: code cells run");

  await runAndWait(page, code.at(-1)!, RUN_TIMEOUT_S, async () => {
    await pickFromMenu(page, "Kernel", "runmenu:restart-and-run-all");
    await acceptDialog(page);
  });
  const afterRestart = await notebookState(page);
  assertRendered(afterRestart, expected, "lab, restarted half-way and run all");
  assertEquals(afterRestart.lastCount, afterRestart.codeCells, "counts start over after restart");

  for (const [tag, file] of Object.entries(expected.shots)) {
    await screenshotOutputs(page, tag, join(SHOTS, file));
  }

  await runAndWait(page, code.at(-1)!, RUN_TIMEOUT_S, async () => {
    await pickFromMenu(page, "Run", "runmenu:run-all");
  });
  const twice = await notebookState(page);
  assertRendered(twice, expected, "lab, every cell run a second time");
  assertEquals(twice.lastCount, 2 * twice.codeCells, "every cell ran twice in one kernel");

  for (const tag of expected.rerun) {
    const cell = await cellTagged(page, tag);
    await selectCell(page, cell);
    for (let run = 0; run < 2; run++) {
      await runAndWait(page, cell, RUN_TIMEOUT_S, async () => {
        await pickFromMenu(page, "Run", "notebook:run-cell");
      });
    }
  }
  const again = await notebookState(page);
  assertRendered(again, expected, `lab, ${expected.rerun} each run twice in a row`);
  assertEquals(again.lastCount, twice.lastCount + 2 * expected.rerun.length, "cells run again");
}

/** Single-document mode: runs all once in a fresh kernel and checks. */
async function docMode(page: Page, server: LabServer, expected: (typeof NOTEBOOKS)[number]) {
  await openNotebook(page, server.base, server.token, expected.path, "doc");
  const code = await codeCells(page);
  await runAndWait(page, code.at(-1)!, RUN_TIMEOUT_S, async () => {
    await pickFromMenu(page, "Run", "runmenu:run-all");
  });
  const state = await notebookState(page);
  assertRendered(state, expected, "single-document mode");
  assertEquals(state.lastCount, state.codeCells, "a fresh kernel ran each cell once");
}

const MODES: [LabMode, typeof labMode][] = [["lab", labMode], ["doc", docMode]];

for (const expected of NOTEBOOKS) {
  Deno.test({
    name: `JupyterLab: ${expected.path} runs, renders and re-runs in lab and single-document mode`,
    ignore: missing.length > 0,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      if (lab.failed) throw new Error(lab.failed);
      const committed = await Deno.readFile(join(REPO_ROOT, expected.path));
      const server = await startJupyterLab(lab.bin!);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
      await Deno.mkdir(SHOTS, { recursive: true });
      try {
        for (const [mode, drive] of MODES) {
          await t.step(`${mode} mode`, async () => {
            const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
            try {
              await drive(page, server, expected);
            } catch (e) {
              const shot = join(SHOTS, `failed-${expected.path.replace(/\W/g, "_")}-${mode}.png`);
              await page.screenshot({ path: shot }).catch(() => {});
              console.error(`${expected.path}, ${mode} mode: ${(e as Error).message}`); // at once
              throw new Error(
                `${(e as Error).message}\n(screenshot ${shot}; the end of ${server.log}:\n` +
                  `${await tail(server.log)})`,
              );
            } finally {
              // The next page that opens this notebook must get a fresh kernel.
              await shutDownKernel(page).catch(() => {});
              await page.close();
            }
          });
        }
      } finally {
        await browser.close();
        await server.stop();
      }
      // Autosave is off (tools/jupyterlab_env.sh): the committed notebook must be as it was.
      const after = await Deno.readFile(join(REPO_ROOT, expected.path));
      assertEquals(after, committed, `${expected.path} was written by JupyterLab`);
    },
  });
}
