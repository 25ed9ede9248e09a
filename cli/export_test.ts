// `qa export --onnx` and `--engine`, as a user runs them: the exported folder answers on ONNX
// Runtime as on tfjs, and the engine errors name the problem.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { sharedPath } from "../test/shared.ts";

const data = new URL("../data/tutorial-examples.json", import.meta.url).pathname;
const TINY = sharedPath("golden/models/tiny-bert-init");

Deno.test("qa export --onnx writes a Hugging Face folder that predicts on onnxruntime as on tfjs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qa-export-" });
  const folder = `${dir}/model`;
  const exported = await qa("export", "--model", TINY, "--onnx", folder);
  assertEquals(exported.code, 0, exported.stderr);
  assert(exported.stdout.startsWith(`${folder}/onnx/model.onnx: bert, `), exported.stdout);
  for (const file of ["config.json", "model.safetensors", "tokenizer.json", "onnx/model.onnx"]) {
    assert((await Deno.stat(`${folder}/${file}`)).isFile, file);
  }
  const answers: Record<string, string> = {};
  for (const engine of ["tfjs", "onnxruntime", "auto"]) {
    const out = `${dir}/${engine}.json`;
    const run = await qa(
      "predict",
      "--model",
      folder,
      "--data",
      data,
      "--out",
      out,
      "--engine",
      engine,
    );
    assertEquals(run.code, 0, run.stderr);
    const said = engine === "tfjs" ? "engine: tfjs" : "engine: onnxruntime (";
    assert(run.stderr.includes(said), run.stderr);
    answers[engine] = await Deno.readTextFile(out);
  }
  assertEquals(answers.onnxruntime, answers.tfjs);
  assertEquals(answers.auto, answers.tfjs);
  // Exporting the folder again in place keeps its files and rewrites the graph only.
  const again = await qa("export", "--onnx", folder);
  assertEquals(again.code, 0, again.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--engine: a bad name and a folder without onnx/model.onnx are named", async () => {
  const ask = ["ask", "--model", TINY, "--question", "Who?", "--context", "Jay Z married Beyonce."];
  const bad = await qa(...ask, "--engine", "torch");
  assertEquals(bad.code, 1);
  assert(
    bad.stderr.includes("--engine must be one of auto, tfjs, onnxruntime, got torch"),
    bad.stderr,
  );
  const missing = await qa(...ask, "--engine", "onnxruntime");
  assertEquals(missing.code, 1);
  assert(
    missing.stderr.includes(
      `error: ${TINY}: no onnx/model.onnx for the onnxruntime engine; ` +
        `write it with \`qa export --onnx ${TINY}\``,
    ),
    missing.stderr,
  );
  const nothing = await Deno.makeTempDir({ prefix: "qa-export-empty-" });
  const empty = await qa("export", "--onnx", nothing);
  assertEquals(empty.code, 1);
  assert(empty.stderr.startsWith("error: ") && empty.stderr.includes(nothing), empty.stderr);
  await Deno.remove(nothing, { recursive: true });
});
