// Python with huggingface_hub (and `datasets`, pyarrow) for the hub tests, when this machine has
// one: QA_HUB_PYTHON, else build/datasets-venv (tools/datasets_env.sh), else
// build/transformers-venv (tools/transformers_env.sh; huggingface_hub only).
import { setting } from "../lib/settings.ts";

const REPO = new URL("..", import.meta.url).pathname;

/** A Python that imports all of `modules`, or undefined (the test says it skips that part). */
export async function hubPython(modules: string[]): Promise<string | undefined> {
  const candidates = [
    setting("QA_HUB_PYTHON"),
    `${REPO}build/datasets-venv/bin/python`,
    `${REPO}build/transformers-venv/bin/python`,
  ].filter((path): path is string => Boolean(path));
  for (const python of candidates) {
    if (await imports(python, modules)) return python;
  }
  console.warn(
    `skipped: no Python with ${modules.join(", ")} (set QA_HUB_PYTHON, or run ` +
      "bash tools/datasets_env.sh)",
  );
  return undefined;
}

/** Whether `python` runs and imports `modules` (a missing file throws at spawn: false). */
async function imports(python: string, modules: string[]): Promise<boolean> {
  try {
    const probe = await new Deno.Command(python, {
      args: ["-c", `import ${modules.join(", ")}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return probe.success;
  } catch {
    return false;
  }
}

/** Runs `code` with `python` and `env`; returns stdout, throws with stderr on failure. */
export async function runPython(
  python: string,
  code: string,
  env: Record<string, string>,
): Promise<string> {
  const output = await new Deno.Command(python, {
    args: ["-c", code],
    env: { HF_HUB_DISABLE_TELEMETRY: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success) throw new Error(`python failed:\n${text(output.stderr)}`);
  return text(output.stdout).trim();
}
