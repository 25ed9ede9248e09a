// The file `qa export --onnx` writes, judged by Python's onnx and onnxruntime
// (tools/onnx_check.py): onnx.checker.check_model with full_check passes, the graph declares
// opset 17, the inputs and outputs transformers.js expects with dynamic batch and sequence axes,
// and Python's onnxruntime gives the logits `qa predict` gives on tfjs and on our onnxruntime.
// Needs QA_ONNX_PYTHON, a Python with onnx and onnxruntime (QA_ONNX_PYTHON=$(bash tools/onnx_env.sh));
// without it the tests are skipped, saying so.
import { gunzipSync } from "node:zlib";
import { assert, assertEquals } from "../assert.ts";
import { type CliRun, qa } from "../cli.ts";
import { sharedPath } from "../shared.ts";
import { setting } from "../../lib/settings.ts";

const python = setting("QA_ONNX_PYTHON");
if (!python) {
  console.warn(
    "test/transformers/onnx_check.ts: skipped, QA_ONNX_PYTHON is not set " +
      "(QA_ONNX_PYTHON=$(bash tools/onnx_env.sh))",
  );
}
const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
// The tutorial's examples: the long Beyoncé context gives overflow windows with stride.
const data = repo("data/tutorial-examples.json");

function succeeded({ code, stdout, stderr }: CliRun): string {
  assertEquals(code, 0, `${stdout}\n${stderr}`);
  return stdout;
}

interface Logits {
  start_logits: number[][];
  end_logits: number[][];
}

interface Verdict extends Logits {
  checker: string;
  ir_version: number;
  opset: { domain: string; version: number }[];
  inputs: { name: string; elem_type: number; dims: (string | number)[] }[];
  outputs: { name: string; elem_type: number; dims: (string | number)[] }[];
}

async function rawLogits(model: string, engine: string, dir: string): Promise<string> {
  const path = `${dir}/${engine}.jsonl.gz`;
  const args = ["--model", model, "--data", data, "--out", `${dir}/${engine}.json`];
  const run = succeeded(
    await qa("predict", ...args, "--engine", engine, "--raw-logits", path),
  );
  assert(run.includes("predictions"), run);
  return path;
}

async function readLogits(path: string): Promise<Logits> {
  const rows = new TextDecoder().decode(gunzipSync(await Deno.readFile(path))).trim().split("\n")
    .map((line) => JSON.parse(line));
  return {
    start_logits: rows.map((r) => r.start_logits),
    end_logits: rows.map((r) => r.end_logits),
  };
}

function maxAbsDiff(a: Logits, b: Logits): number {
  let worst = 0;
  for (const key of ["start_logits", "end_logits"] as const) {
    a[key].forEach((row, i) =>
      row.forEach((v, j) => worst = Math.max(worst, Math.abs(v - b[key][i][j])))
    );
  }
  return worst;
}

for (const kind of ["distilbert", "bert"]) {
  Deno.test({
    name:
      `tiny ${kind}: Python's onnx.checker passes the export and its onnxruntime gives our logits`,
    ignore: !python,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "qa-onnx-python-" });
      const folder = `${dir}/model`;
      const source = sharedPath(`golden/models/tiny-${kind}-init`);
      succeeded(await qa("export", "--model", source, "--onnx", folder));
      const tfjs = await rawLogits(folder, "tfjs", dir);
      const onnxruntime = await rawLogits(folder, "onnxruntime", dir);
      const output = await new Deno.Command(python!, {
        args: [
          repo("tools/onnx_check.py"),
          "--model",
          `${folder}/onnx/model.onnx`,
          "--features",
          tfjs,
        ],
      }).output();
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      const verdict: Verdict = JSON.parse(
        succeeded({
          code: output.code,
          stdout: decode(output.stdout),
          stderr: decode(output.stderr),
        }),
      );
      assertEquals(verdict.checker, "ok");
      assertEquals(verdict.opset, [{ domain: "", version: 17 }]);
      const axes = ["batch_size", "sequence_length"];
      const names = kind === "bert"
        ? ["input_ids", "attention_mask", "token_type_ids"]
        : ["input_ids", "attention_mask"];
      assertEquals(verdict.inputs, names.map((name) => ({ name, elem_type: 7, dims: axes })));
      assertEquals(
        verdict.outputs,
        ["start_logits", "end_logits"].map((name) => ({ name, elem_type: 1, dims: axes })),
      );
      const ours = await readLogits(tfjs);
      assert(ours.start_logits.length > 2, "the long context gives several windows");
      const fromPython = maxAbsDiff(verdict, ours);
      assert(fromPython <= 1e-4, `max |Python onnxruntime - tfjs| = ${fromPython}`);
      const node = maxAbsDiff(await readLogits(onnxruntime), ours);
      assert(node <= 1e-4, `max |onnxruntime-node - tfjs| = ${node}`);
      assertEquals(
        await Deno.readTextFile(`${dir}/onnxruntime.json`),
        await Deno.readTextFile(`${dir}/tfjs.json`),
      );
      await Deno.remove(dir, { recursive: true });
    },
  });
}
