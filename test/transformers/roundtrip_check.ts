// A model fine-tuned here loads in Python's transformers and back (issue 3, "Round trip"): `qa train`
// saves a folder, transformers' from_pretrained loads it with no missing, unexpected or reshaped
// tensor, its tokenizer gives our features and its logits are ours (tools/hf_transformers_check.py);
// the folder that save_pretrained writes gives, in `qa predict`, the very logits of ours.
// Needs QA_TRANSFORMERS_PYTHON, a Python with torch and transformers:
//   QA_TRANSFORMERS_PYTHON=$(bash tools/transformers_env.sh) deno task test:transformers
import { assert, assertEquals } from "../assert.ts";
import { gunzipSync } from "node:zlib";
import { type CliRun, qa } from "../cli.ts";
import { sharedPath } from "../shared.ts";
import { setting } from "../../lib/settings.ts";

const python = setting("QA_TRANSFORMERS_PYTHON");
if (!python) {
  throw new Error(
    "QA_TRANSFORMERS_PYTHON is not set: QA_TRANSFORMERS_PYTHON=$(bash tools/transformers_env.sh)",
  );
}
const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const checker = repo("tools/hf_transformers_check.py");
// The tutorial's examples: the long Beyoncé context gives overflow windows with stride.
const data = repo("data/tutorial-examples.json");

/** A finished command's stdout, after asserting that it succeeded. */
function succeeded({ code, stdout, stderr }: CliRun): string {
  assertEquals(code, 0, `${stdout}\n${stderr}`);
  return stdout;
}

/** transformers' verdict on a folder, given the logits `qa predict` wrote with it. */
async function transformersCheck(model: string, logits: string, saveTo?: string) {
  const args = [checker, "--model", model, "--data", data, "--logits", logits];
  const output = await new Deno.Command(python!, {
    args: saveTo ? [...args, "--save-to", saveTo] : args,
    env: { OMP_NUM_THREADS: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return succeeded({
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  });
}

async function predictLogits(model: string, dir: string, name: string): Promise<string> {
  const logits = `${dir}/${name}.jsonl.gz`;
  succeeded(
    await qa(
      "predict",
      "--model",
      model,
      "--data",
      data,
      "--out",
      `${dir}/${name}.json`,
      "--raw-logits",
      logits,
    ),
  );
  return logits;
}

const readLines = async (path: string) =>
  new TextDecoder().decode(gunzipSync(await Deno.readFile(path))).trim().split("\n");

for (const init of ["tiny-distilbert-init", "tiny-bert-init"]) {
  Deno.test(`${init}, fine-tuned here, loads in transformers and comes back`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "qa-transformers-" });
    const ours = `${dir}/ours`;
    succeeded(
      await qa(
        "train",
        "--model",
        sharedPath(`golden/models/${init}`),
        "--train",
        repo("data/squad-v1.1-sample.json"),
        "--output",
        ours,
        "--max-steps",
        "3",
        "--batch-size",
        "8",
        "--learning-rate",
        "1e-3",
      ),
    );
    const ourLogits = await predictLogits(ours, dir, "ours");
    const verdict = await transformersCheck(ours, ourLogits, `${dir}/python`);
    assert(verdict.includes("no missing, unexpected or mismatched tensor"), verdict);
    assert(/gives our (\d+) features/.test(verdict), verdict);

    const backLogits = await predictLogits(`${dir}/python`, dir, "back");
    const [before, after] = [await readLines(ourLogits), await readLines(backLogits)];
    assert(before.length > 2, "the long context gives several windows");
    assertEquals(after, before, "the folder save_pretrained wrote gives other logits");
    await transformersCheck(`${dir}/python`, backLogits);
    await Deno.remove(dir, { recursive: true });
  });
}
