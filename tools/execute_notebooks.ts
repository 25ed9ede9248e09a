// Executes the project's notebooks headless with the Deno Jupyter kernel, as CI does:
//   deno run -A tools/execute_notebooks.ts [NOTEBOOK.ipynb ...]
// Each notebook is run by `jupyter nbconvert` with tools/deno_execute.py (Debian: jupyter-nbconvert python3-nbclient
// jupyter-client jupyter-core) into build/notebooks/<same path> ($QA_NOTEBOOK_OUT), never over the
// committed file, with a log beside it. Errors in cells are kept in the executed copy
// (--allow-errors) for test/notebooks/ to report; this script fails only when it cannot run at all.
import { basename, dirname, join } from "node:path";
import {
  executedPath,
  executedRoot,
  executionLogPath,
  notebookPaths,
  REPO_ROOT,
  repoRelative,
} from "../test/notebook.ts";
import { setting } from "../lib/settings.ts";

/** Seconds one cell may run (nbclient's timeout; it interrupts the kernel and stops the notebook). */
const CELL_TIMEOUT_S = setting("QA_NOTEBOOK_CELL_TIMEOUT");
/** Seconds a whole notebook may run before nbconvert is interrupted. */
const NOTEBOOK_TIMEOUT_S = setting("QA_NOTEBOOK_TIMEOUT");
const KERNEL = "deno";

async function main(args: string[]): Promise<void> {
  const notebooks = args.length > 0 ? args.map(repoRelative) : await notebookPaths();
  await requireNbconvert();
  const kernelPath = await installKernel();
  for (const notebook of notebooks) {
    const { code, seconds } = await execute(notebook, kernelPath);
    const outcome = code === 0
      ? "executed"
      : `FAILED (exit ${code}; log ${executionLogPath(notebook)})`;
    console.log(`${notebook}: ${outcome} in ${seconds.toFixed(1)} s`);
  }
}

/** Stops with the install line when nbconvert is missing. */
async function requireNbconvert(): Promise<void> {
  const found = await run("jupyter", ["nbconvert", "--version"]).catch(() => undefined);
  if (!found?.success) {
    throw new Error(
      "jupyter nbconvert is not installed; on Debian: apt-get install -y jupyter-nbconvert " +
        "python3-nbclient jupyter-client jupyter-core",
    );
  }
}

/**
 * Registers the kernel of the deno running this script (under npx, the binary in npx's cache)
 * in a private data folder, so a developer's own `deno` kernelspec is left alone. `deno jupyter
 * --install` writes to $XDG_DATA_HOME/jupyter; nbconvert finds it through JUPYTER_PATH. Returns
 * that JUPYTER_PATH.
 */
async function installKernel(): Promise<string> {
  const dataHome = join(executedRoot(), "kernel");
  const install = await run(
    Deno.execPath(),
    ["jupyter", "--install", "--force", "--name", KERNEL],
    {
      XDG_DATA_HOME: dataHome,
    },
  );
  if (!install.success) {
    throw new Error(`deno jupyter --install failed:\n${new TextDecoder().decode(install.stderr)}`);
  }
  return join(dataHome, "jupyter");
}

/** Runs one notebook into its executed copy; returns nbconvert's exit code and the time taken. */
async function execute(notebook: string, jupyterPath: string) {
  const output = executedPath(notebook);
  await Deno.remove(output).catch(() => {}); // a failed run must not leave an older copy to check
  await Deno.mkdir(dirname(output), { recursive: true });
  const nbconvert = [
    "jupyter",
    "nbconvert",
    "--to=notebook",
    // --execute would add nbconvert's own ExecutePreprocessor; ours keeps late outputs.
    "--Exporter.preprocessors=deno_execute.DenoExecutePreprocessor",
    "--DenoExecutePreprocessor.enabled=True",
    "--allow-errors",
    `--ExecutePreprocessor.kernel_name=${KERNEL}`,
    `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
    `--output-dir=${dirname(output)}`,
    `--output=${basename(output, ".ipynb")}`,
    join(REPO_ROOT, notebook),
  ];
  // SIGINT lets nbclient shut the kernel down; a killed nbconvert leaves the kernel running (it
  // runs in its own session). Output goes to a file, not a pipe such a kernel could hold open.
  const timed = ["timeout", "--signal=INT", "--kill-after=30", String(NOTEBOOK_TIMEOUT_S)];
  const log = executionLogPath(notebook);
  await Deno.writeTextFile(log, `$ ${nbconvert.join(" ")}\n`);
  const started = performance.now();
  const result = await run("bash", [
    "-c",
    'exec "$@" >>"$LOG" 2>&1',
    "bash",
    ...timed,
    ...nbconvert,
  ], {
    LOG: log,
    JUPYTER_PATH: jupyterPath,
    PYTHONPATH: join(REPO_ROOT, "tools"),
  });
  const seconds = (performance.now() - started) / 1000;
  const timedOut = result.code === 124 ? ` (notebook timeout ${NOTEBOOK_TIMEOUT_S} s)` : "";
  await Deno.writeTextFile(log, `exit ${result.code}${timedOut} after ${seconds.toFixed(1)} s\n`, {
    append: true,
  });
  return { code: result.code, seconds };
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(command, { args, env, stdin: "null", stdout: "null", stderr: "piped" })
    .output();
}

if (import.meta.main) await main(Deno.args);
