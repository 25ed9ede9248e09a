// The repository stands on its own: its files alone (what `git ls-files` lists, as they are in the
// working tree), copied to a folder with no shared/ beside it, QA_SHARED pointing nowhere, an
// empty download cache and no network (--deny-net), run a tiny demo to EM/F1 and `qa train
// --model presets/qa-distilbert-small`; a hub model name fails in one line, without a stack.
import { dirname, join } from "node:path";
import { assert, assertEquals } from "../test/assert.ts";
import { REPO_ROOT } from "../test/notebook.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const SAMPLE = "data/squad-v1.1-train-sample5-allennlp.json";

/** Copies the tracked and the new, not ignored, files of the checkout into `dir`. */
async function copyRepository(dir: string): Promise<number> {
  const listed = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: REPO_ROOT,
    stdout: "piped",
  }).output();
  assert(listed.success, "git ls-files failed");
  let copied = 0;
  for (const path of decode(listed.stdout).split("\0").filter(Boolean)) {
    const from = join(REPO_ROOT, path);
    const info = await Deno.lstat(from).catch(() => undefined); // deleted, not yet committed
    if (!info?.isFile) continue;
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.copyFile(from, join(dir, path));
    copied++;
  }
  return copied;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script of the copy offline: deno run -A --deny-net. */
async function offline(root: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--deny-net", ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    clearEnv: false,
  }).output();
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

function assertOneLineError(run: Run, pattern: RegExp): void {
  assertEquals(run.code, 1, run.stderr);
  const errors = run.stderr.split("\n").filter((line) => line.startsWith("error: "));
  assertEquals(errors.length, 1, run.stderr);
  assert(pattern.test(errors[0]), errors[0]);
  assert(!/^\s+at /m.test(run.stderr), `a stack trace:\n${run.stderr}`);
}

Deno.test("a copy of the repository with no shared/ and no network runs the demo and qa train", async () => {
  const top = await Deno.makeTempDir({ prefix: "qa-clean-clone-" });
  try {
    const root = join(top, "qa-finetune");
    const copied = await copyRepository(root);
    assert(copied > 100, `${copied} files`);
    assert(!(await Deno.stat(join(top, "shared")).catch(() => undefined)), "shared/ beside");
    const env = {
      QA_SHARED: join(top, "no-shared-here"),
      QA_CACHE: join(top, "empty-cache"),
      HF_HUB_CACHE: join(top, "empty-hub-cache"),
      QA_OUTPUT: join(top, "demo-model"),
      QA_TRAIN: SAMPLE,
      QA_EVAL: SAMPLE,
      QA_EPOCHS: "1",
      QA_BATCH_SIZE: "5",
    };

    const demo = await offline(root, env, "cli/demo.ts");
    assertEquals(demo.code, 0, demo.stderr);
    assert(demo.stderr.includes("has a config.json and no weights"), demo.stderr);
    assert(
      /6\. SQuAD v1\.1 metric on 5 questions: exact \d+\.\d\d, f1 \d+\.\d\d/.test(demo.stdout),
      demo.stdout,
    );
    assert(/^7\. ".+" → ".*" \(gold: ".+"\)$/m.test(demo.stdout), demo.stdout);
    assert((await Deno.stat(join(top, "demo-model", "model.safetensors"))).isFile);

    const output = join(top, "trained");
    const train = await offline(
      root,
      env,
      "cli/qa.ts",
      ...["train", "--model", "presets/qa-distilbert-small", "--train", SAMPLE],
      ...["--output", output, "--max-steps", "2", "--batch-size", "5", "--learning-rate", "5e-4"],
    );
    assertEquals(train.code, 0, train.stderr);
    assert(/^trained 2 steps/m.test(train.stdout), train.stdout);
    assert((await Deno.stat(join(output, "model.safetensors"))).isFile);
    assert((await Deno.stat(join(output, "vocab.txt"))).isFile);

    // Naming a hub model offline: one line, what was tried and the way out; exit code 1.
    const hubLine =
      /^error: could not download distilbert-base-uncased from https:\/\/huggingface\.co \(.+\): no network\? use a local folder such as presets\/qa-distilbert-small, or set HF_ENDPOINT to a mirror$/;
    assertOneLineError(
      await offline(root, { ...env, QA_MODEL: "distilbert-base-uncased" }, "cli/demo.ts"),
      hubLine,
    );
    assertOneLineError(
      await offline(
        root,
        env,
        "cli/qa.ts",
        ...["train", "--model", "distilbert-base-uncased", "--train", SAMPLE],
        ...["--output", join(top, "never")],
      ),
      hubLine,
    );
  } finally {
    await Deno.remove(top, { recursive: true });
  }
});
