// `qa ask --model OWNER/NAME` against a loopback stand-in for the hub (test/hub_standin.ts)
// serving the small preset with seeded weights: (a) the files land in the Hugging Face cache as
// Python lays it out, through HF_ENDPOINT; (b) with the stand-in stopped, HF_HUB_OFFLINE=1 (or
// no network at all) answers from that cache; (c) a cache that Python's huggingface_hub filled
// from the same stand-in is used as it is, and Python reads ours (where that Python is found).
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../test/assert.ts";
import { rereadSettings } from "../lib/settings.ts";
import { modelFolder } from "./model_args.ts";
import { askCommand } from "./ask.ts";
import { predictCommand } from "./predict.ts";
import { serveCommand } from "./serve.ts";
import { trainCommand } from "./train.ts";
import { startHubStandin } from "../test/hub_standin.ts";
import { hubPython, runPython } from "../test/hub_python.ts";
import { readConfig } from "../lib/model/config.ts";
import { initialWeights } from "../lib/model/init.ts";
import { weightsToSafetensors } from "../lib/model/io/checkpoint.ts";

const PRESET = new URL("../presets/qa-distilbert-small", import.meta.url).pathname;
const CLI = new URL("./qa.ts", import.meta.url).pathname;
const REPO_ID = "tester/tiny-qa";
const ASK = ["--question", "Where did Alice go?", "--context", "Alice went to Paris in May."];

/** The preset's config and tokenizer files, and model.safetensors from weights of `seed`. */
async function modelFiles(seed: number): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const name of ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"]) {
    files[name] = await Deno.readFile(join(PRESET, name));
  }
  const config = await readConfig(join(PRESET, "config.json"));
  files["model.safetensors"] = weightsToSafetensors(initialWeights(config, seed));
  return files;
}

async function ask(model: string, env: Record<string, string>, ...extra: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "ask", "--model", model, ...ASK, "--backend", "cpu", ...extra],
    env: { NO_COLOR: "1", QA_HTTP_CONNECT_TIMEOUT_S: "2", QA_HTTP_RETRIES: "0", ...env },
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test({
  name:
    "qa ask --model OWNER/NAME: into the Hugging Face cache, offline from it, and Python's cache",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const main = await modelFiles(42);
    const v1 = await modelFiles(7);
    const top = await Deno.makeTempDir({ prefix: "qa-hub-" });
    const local = join(top, "local-model");
    await Deno.mkdir(local);
    for (const [name, bytes] of Object.entries(main)) {
      await Deno.writeFile(join(local, name), bytes);
    }
    const expected = await ask(local, {});
    assertEquals(expected.code, 0, expected.stderr);

    const hub = await startHubStandin([
      { type: "model", id: REPO_ID, revisions: { main, v1 } },
    ]);
    const ours = join(top, "ours");
    const pythons = join(top, "pythons");
    const python = await hubPython(["huggingface_hub"]);
    try {
      // (a) Downloaded through HF_ENDPOINT into models--tester--tiny-qa.
      const first = await ask(REPO_ID, { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: ours });
      assertEquals(first.code, 0, first.stderr);
      assertEquals(first.stdout, expected.stdout);
      const folder = join(ours, "models--tester--tiny-qa");
      const commit = hub.commit(REPO_ID);
      assertEquals(await Deno.readTextFile(join(folder, "refs", "main")), commit);
      const weights = join(folder, "snapshots", commit, "model.safetensors");
      const sha256 = await sha256Hex(main["model.safetensors"]);
      assertEquals(await Deno.readLink(weights), `../../blobs/${sha256}`);
      assertEquals(await Deno.readFile(weights), main["model.safetensors"]);
      assert(hub.requests.includes(`GET /cdn/${sha256}`), hub.requests.join("\n"));
      assertEquals(
        (await Deno.readLink(join(folder, "snapshots", commit, "config.json"))).split("/")[3]
          .length,
        40,
      );
      // special_tokens_map.json is not in the repository: remembered as Python does.
      assert(
        (await Deno.stat(join(folder, ".no_exist", commit, "special_tokens_map.json"))).isFile,
      );

      // Asked again (here in-process), the hub gets only the files' HEADs: no byte twice.
      const before = hub.requests.length;
      Deno.env.set("HF_ENDPOINT", hub.endpoint);
      Deno.env.set("HF_HUB_CACHE", ours);
      rereadSettings();
      try {
        assertEquals(await modelFolder(REPO_ID), join(folder, "snapshots", commit));
      } finally {
        Deno.env.delete("HF_ENDPOINT");
        Deno.env.delete("HF_HUB_CACHE");
        rereadSettings();
      }
      const again = hub.requests.slice(before);
      assert(again.length > 0 && again.every((r) => r.startsWith("HEAD ")), again.join("\n"));

      // --revision: another snapshot, its ref beside main's.
      const tagged = await ask(
        REPO_ID,
        { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: ours },
        "--revision",
        "v1",
      );
      assertEquals(tagged.code, 0, tagged.stderr);
      assertEquals(await Deno.readTextFile(join(folder, "refs", "v1")), hub.commit(REPO_ID, "v1"));
      assertEquals(
        await Deno.readFile(
          join(folder, "snapshots", hub.commit(REPO_ID, "v1"), "model.safetensors"),
        ),
        v1["model.safetensors"],
      );

      // (c) Python's huggingface_hub fills its cache from the same stand-in, and reads ours.
      if (python) {
        const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: pythons };
        const snapshot = await runPython(
          python,
          `from huggingface_hub import snapshot_download\nprint(snapshot_download("${REPO_ID}"))`,
          env,
        );
        assertEquals(
          snapshot.split("\n").at(-1),
          join(pythons, "models--tester--tiny-qa", "snapshots", commit),
        );
        const read = await runPython(
          python,
          `from huggingface_hub import hf_hub_download\n` +
            `print(hf_hub_download("${REPO_ID}", "model.safetensors", local_files_only=True))`,
          { HF_HUB_CACHE: ours, HF_HUB_OFFLINE: "1" },
        );
        assertEquals(read.split("\n").at(-1), weights);
      }
    } finally {
      await hub.close();
    }

    // (b) The stand-in stopped: HF_HUB_OFFLINE=1 reads the cache, and so does a run that finds
    // no network; the same answers.
    const offline = await ask(REPO_ID, {
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_CACHE: ours,
      HF_HUB_OFFLINE: "1",
    });
    assertEquals(offline.code, 0, offline.stderr);
    assertEquals(offline.stdout, expected.stdout);
    const unreachable = await ask(REPO_ID, { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: ours });
    assertEquals(unreachable.stdout, expected.stdout, unreachable.stderr);
    if (python) {
      const fromPython = await ask(REPO_ID, { HF_HUB_CACHE: pythons, HF_HUB_OFFLINE: "1" });
      assertEquals(fromPython.code, 0, fromPython.stderr);
      assertEquals(fromPython.stdout, expected.stdout);
    }
    // Offline and not cached: one line naming the file, the model and the cache.
    const missing = await ask("tester/other", { HF_HUB_CACHE: ours, HF_HUB_OFFLINE: "1" });
    assertEquals(missing.code, 1);
    assertEquals(
      missing.stderr.trim().split("\n").at(-1),
      `error: config.json of tester/other (revision main) is not in the cache ` +
        `${join(ours, "models--tester--other")} and HF_HUB_OFFLINE is set; run once with the ` +
        "network, or point HF_HUB_CACHE at a cache that has it",
    );
    await Deno.remove(top, { recursive: true });
  },
});

Deno.test({
  name: "a private model needs HF_TOKEN; without it one line says so",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const hub = await startHubStandin([
      {
        type: "model",
        id: "tester/private",
        revisions: { main: await modelFiles(42) },
        token: "hf_secret",
      },
    ]);
    const cache = await Deno.makeTempDir();
    const vars: Record<string, string> = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache };
    const set = (extra: Record<string, string>) => {
      for (const [name, value] of Object.entries({ ...vars, ...extra })) Deno.env.set(name, value);
      rereadSettings();
    };
    try {
      set({});
      const denied = await assertRejects(() => modelFolder("tester/private"));
      const line = (denied as Error).message;
      assert(line.startsWith(`${hub.endpoint} has no public model tester/private (HTTP 401`), line);
      assert(line.endsWith("for a private or gated model set HF_TOKEN"), line);
      set({ HF_TOKEN: "hf_secret" });
      const folder = await modelFolder("tester/private");
      assertEquals(
        folder,
        join(cache, "models--tester--private", "snapshots", hub.commit("tester/private")),
      );
      assertEquals(
        await Deno.readFile(join(folder, "model.safetensors")),
        (await modelFiles(42))["model.safetensors"],
      );
    } finally {
      for (const name of [...Object.keys(vars), "HF_TOKEN"]) Deno.env.delete(name);
      rereadSettings();
      await hub.close();
      await Deno.remove(cache, { recursive: true });
    }
  },
});

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("qa train, predict, ask and serve take --revision (default main)", async () => {
  const { Command } = await import("commander");
  const program = new Command("qa");
  for (const add of [trainCommand, predictCommand, askCommand, serveCommand]) add(program);
  for (const command of program.commands) {
    const revision = command.options.find((option) => option.long === "--revision");
    assertEquals([command.name(), revision?.defaultValue], [command.name(), "main"]);
  }
  assertEquals(program.commands.map((c) => c.name()), ["train", "predict", "ask", "serve"]);
});
