import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sharedPath } from "../../../test/shared.ts";
import { readCheckpoint, TOKENIZER_FILES, writeCheckpoint } from "./checkpoint.ts";
import { readConfig } from "../config.ts";
import { readSafetensors } from "./safetensors.ts";
import { startHubStandin } from "../../../test/hub_standin.ts";

const TINY_DISTILBERT = sharedPath("golden/models/tiny-distilbert-init");
const TINY_BERT = sharedPath("golden/models/tiny-bert-init");
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "qa-checkpoint-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = [await Deno.readFile(a), await Deno.readFile(b)];
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

Deno.test("readCheckpoint: golden tiny models, config and float32 weights", async () => {
  for (const folder of [TINY_DISTILBERT, TINY_BERT]) {
    const checkpoint = await readCheckpoint(folder);
    assert.equal(checkpoint.folder, folder);
    assert.deepEqual(checkpoint.config, await readConfig(join(folder, "config.json")));
    const file = await readSafetensors(join(folder, "model.safetensors"));
    assert.deepEqual([...checkpoint.weights.keys()], [...file.tensors.keys()]);
    for (const [name, weight] of checkpoint.weights) {
      assert.ok(weight.data instanceof Float32Array, name);
      assert.deepEqual(weight.shape, file.tensors.get(name)!.shape);
      assert.deepEqual(weight.data, file.tensors.get(name)!.data);
    }
    const prefix = checkpoint.config.modelType;
    assert.deepEqual(checkpoint.weights.get(`${prefix}.embeddings.word_embeddings.weight`)!.shape, [
      30522,
      32,
    ]);
  }
});

Deno.test("writeCheckpoint → readCheckpoint round trip, byte-identical weights, tokenizer copied", async () => {
  await withTempDir(async (dir) => {
    const original = await readCheckpoint(TINY_DISTILBERT);
    const out = join(dir, "nested", "tiny-qa");
    await writeCheckpoint(out, original.config, original.weights, {
      tokenizerFolder: TINY_DISTILBERT,
    });
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(names, ["config.json", "model.safetensors", ...TOKENIZER_FILES].sort());
    // What the Python writer wrote, we write: same bytes.
    assert.ok(
      await sameBytes(join(out, "model.safetensors"), join(TINY_DISTILBERT, "model.safetensors")),
    );
    for (const file of TOKENIZER_FILES) {
      assert.ok(await sameBytes(join(out, file), join(TINY_DISTILBERT, file)), file);
    }
    const again = await readCheckpoint(out);
    assert.deepEqual(again.weights, original.weights);
    assert.deepEqual(again.config, { ...original.config, raw: again.config.raw });
    assert.deepEqual(again.config.raw.architectures, ["DistilBertForQuestionAnswering"]);
    assert.equal(again.config.raw.seq_classif_dropout, 0.2); // unused keys kept

    // Overwriting an existing checkpoint works and leaves no temporary files.
    const changed = new Map(original.weights);
    changed.set("qa_outputs.bias", { shape: [2], data: new Float32Array([0.5, -0.5]) });
    await writeCheckpoint(out, original.config, changed);
    assert.deepEqual([...(await readCheckpoint(out)).weights.get("qa_outputs.bias")!.data], [
      0.5,
      -0.5,
    ]);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), names);
  });
});

Deno.test("writeCheckpoint copies whichever tokenizer files exist; bad weights are refused", async () => {
  await withTempDir(async (dir) => {
    const bert = await readCheckpoint(TINY_BERT);
    const tokenizer = join(dir, "tok");
    await Deno.mkdir(tokenizer);
    await Deno.copyFile(join(TINY_BERT, "vocab.txt"), join(tokenizer, "vocab.txt"));
    const out = join(dir, "out");
    await writeCheckpoint(out, bert.config, bert.weights, { tokenizerFolder: tokenizer });
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(names, ["config.json", "model.safetensors", "vocab.txt"]);
    assert.ok(
      await sameBytes(join(out, "model.safetensors"), join(TINY_BERT, "model.safetensors")),
    );

    const broken = new Map(bert.weights);
    broken.set("qa_outputs.bias", { shape: [3], data: new Float32Array(2) });
    const target = join(dir, "broken");
    await assert.rejects(
      writeCheckpoint(target, bert.config, broken),
      /weight "qa_outputs\.bias": data must be a Float32Array filling shape \[3\]/,
    );
    await assert.rejects(Deno.stat(target)); // nothing written
    await assert.rejects(
      writeCheckpoint(target, bert.config, bert.weights, { tokenizerFolder: dir }),
      /no tokenizer files to copy/,
    );
  });
});

Deno.test("readCheckpoint errors name the folder or file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      readCheckpoint(join(dir, "absent")),
      /absent: checkpoint folder not found/,
    );
    await assert.rejects(
      readCheckpoint(join(TINY_BERT, "config.json")),
      /config\.json: not a folder/,
    );

    await assert.rejects(readCheckpoint(dir), new RegExp(`${dir}/config\\.json not found`));
    await Deno.copyFile(join(TINY_BERT, "config.json"), join(dir, "config.json"));
    await Deno.writeFile(join(dir, "pytorch_model.bin"), new Uint8Array(8));
    await assert.rejects(
      readCheckpoint(dir),
      /model\.safetensors not found: only a single model\.safetensors file can be read \(not pytorch_model\.bin/,
    );

    const weights = await Deno.readFile(join(TINY_BERT, "model.safetensors"));
    await Deno.writeFile(join(dir, "model.safetensors"), weights.subarray(0, weights.length - 10));
    await assert.rejects(
      readCheckpoint(dir),
      new RegExp(`${dir}/model\\.safetensors: truncated: tensor "qa_outputs\\.weight"`),
    );

    await Deno.writeTextFile(join(dir, "config.json"), "{not json");
    await assert.rejects(readCheckpoint(dir), new RegExp(`${dir}/config\\.json: malformed JSON`));
  });
});

/** The stand-in hub (test/hub_standin.ts) serving tiny/distilbert and a repository without safetensors. */
async function standin() {
  const config = await Deno.readFile(join(TINY_DISTILBERT, "config.json"));
  return await startHubStandin([
    {
      type: "model",
      id: "tiny/distilbert",
      revisions: {
        main: {
          "config.json": config,
          "model.safetensors": await Deno.readFile(join(TINY_DISTILBERT, "model.safetensors")),
        },
      },
    },
    { type: "model", id: "tiny/bin-only", revisions: { main: { "config.json": config } } },
  ]);
}

/** Runs readCheckpoint(id) in a child process with its own cache and hub (env is per process). */
async function readInChild(id: string, cache: string, endpoint: string) {
  const module = new URL("./checkpoint.ts", import.meta.url).href;
  const code = `import { readCheckpoint } from ${JSON.stringify(module)};
    try {
      const c = await readCheckpoint(${JSON.stringify(id)});
      console.log(JSON.stringify({ folder: c.folder, tensors: c.weights.size, dim: c.config.hiddenSize }));
    } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: REPO_ROOT,
    env: { HF_HUB_CACHE: cache, HF_ENDPOINT: endpoint, QA_HTTP_RETRIES: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  assert.ok(output.success && stdout, new TextDecoder().decode(output.stderr));
  return JSON.parse(stdout.split("\n").at(-1)!);
}

Deno.test("readCheckpoint from a hub id downloads once into the Hugging Face cache", async () => {
  const hub = await standin();
  try {
    await withTempDir(async (cache) => {
      const first = await readInChild("tiny/distilbert", cache, hub.endpoint);
      const folder = join(
        cache,
        "models--tiny--distilbert",
        "snapshots",
        hub.commit("tiny/distilbert"),
      );
      assert.deepEqual(first, { folder, tensors: 38, dim: 32 });
      assert.ok(
        await sameBytes(
          join(folder, "model.safetensors"),
          join(TINY_DISTILBERT, "model.safetensors"),
        ),
      );
      const downloads = () => hub.requests.filter((r) => r.startsWith("GET ")).length;
      assert.equal(downloads(), 2); // config.json, and the weights from the CDN
      const second = await readInChild("tiny/distilbert", cache, hub.endpoint);
      assert.deepEqual(second, first);
      assert.equal(downloads(), 2); // served from the cache

      const binOnly = await readInChild("tiny/bin-only", cache, hub.endpoint);
      assert.match(
        binOnly.error,
        /^tiny\/bin-only on the Hugging Face hub has no model\.safetensors: only a single model\.safetensors file can be read/,
      );
      const missing = await readInChild("no/such-model", cache, hub.endpoint);
      assert.equal(
        missing.error,
        `${hub.endpoint} has no public model no/such-model (HTTP 401 Unauthorized (RepoNotFound) ` +
          `for ${hub.endpoint}/no/such-model/resolve/main/config.json), and there is no folder ` +
          "no/such-model here; for a private or gated model set HF_TOKEN",
      );
    });
  } finally {
    await hub.close();
  }
  // The hub gone (no network): one line naming the model, the hub and the way out.
  await withTempDir(async (cache) => {
    const offline = await readInChild("distilbert-base-uncased", cache, hub.endpoint);
    assert.match(
      offline.error,
      new RegExp(
        `^could not download distilbert-base-uncased from ${hub.endpoint} \\(.+ for ` +
          `${hub.endpoint}/distilbert-base-uncased/resolve/main/config\\.json\\): no network\\? ` +
          "use a local folder such as presets/qa-distilbert-small, or set HF_ENDPOINT to a mirror$",
      ),
    );
    assert.ok(!offline.error.includes("\n"), offline.error);
  });
});
