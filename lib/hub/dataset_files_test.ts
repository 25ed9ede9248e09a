// Which files make a split, as `datasets` 5 decides (data_files.py's default patterns, README.md's
// `configs`), and where the cache is, as huggingface_hub decides (constants.py).
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { rereadSettings } from "../settings.ts";
import {
  defaultSplitPatterns,
  matching,
  parseDatasetSpec,
  readmeConfigs,
} from "./dataset_files.ts";
import { hubCacheDir, repoFolder } from "./hf_cache.ts";

function splitsOf(paths: string[]): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [split, patterns] of defaultSplitPatterns(paths)) {
    found[split] = matching(paths, patterns);
  }
  return found;
}

Deno.test("default split patterns: sharded names, then keywords in file names, then in folders", () => {
  assertEquals(
    splitsOf([
      "data/train-00000-of-00002.parquet",
      "data/train-00001-of-00002.parquet",
      "data/test-00000-of-00001.parquet",
      "README.md",
    ]),
    {
      train: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"],
      test: ["data/test-00000-of-00001.parquet"],
    },
  );
  assertEquals(
    splitsOf(["train.parquet", "dev.parquet", "my_eval.parquet", ".hidden/train.parquet"]),
    { train: ["train.parquet"], validation: ["dev.parquet"], test: ["my_eval.parquet"] },
  );
  assertEquals(
    splitsOf(["training/a.parquet", "valid/b.parquet", "other/c.parquet"]),
    { train: ["training/a.parquet"], validation: ["valid/b.parquet"] },
  );
  // No keyword anywhere: everything is train (`datasets`' DEFAULT_PATTERNS_ALL).
  assertEquals(splitsOf(["a.parquet", "b/c.parquet"]), { train: ["a.parquet", "b/c.parquet"] });
  // A keyword inside a word is no keyword ("constrain" is not "train").
  assertEquals(splitsOf(["constrain.parquet"]), { train: ["constrain.parquet"] });
});

Deno.test("README.md configs: the list, string and mapping forms of data_files", async () => {
  const readme = `---
configs:
- config_name: plain_text
  data_files:
  - split: train
    path: plain_text/train-*
  - split: validation
    path: [plain_text/validation-*, extra/validation-*]
  default: true
- config_name: one
  data_files: one/*.parquet
- config_name: mapped
  data_files:
    test: mapped/test.parquet
---
body`;
  const configs = readmeConfigs(readme, "o/n");
  assertEquals(configs.map((c) => [c.name, c.isDefault, Object.fromEntries(c.splits)]), [
    ["plain_text", true, {
      train: ["plain_text/train-*"],
      validation: ["plain_text/validation-*", "extra/validation-*"],
    }],
    ["one", false, { train: ["one/*.parquet"] }],
    ["mapped", false, { test: ["mapped/test.parquet"] }],
  ]);
  assertEquals(readmeConfigs("# no front matter", "o/n"), []);
  const bad = await assertRejects(() =>
    Promise.resolve().then(() => readmeConfigs("---\nconfigs: [\n---\n", "o/n"))
  );
  assert(
    (bad as Error).message.startsWith("hub:o/n: README.md's YAML header is not valid"),
    `${bad}`,
  );
  assertEquals(
    matching(["plain_text/train-0.parquet", "plain_text/x/train-1.parquet"], [
      "plain_text/train-*",
    ]),
    [
      "plain_text/train-0.parquet",
    ],
  );
});

Deno.test("hub: specs: id, revision, config and split", () => {
  assertEquals(parseDatasetSpec("hub:rajpurkar/squad"), {
    id: "rajpurkar/squad",
    revision: "main",
    parts: [],
  });
  assertEquals(parseDatasetSpec("hub:o/n@v2:cfg:validation"), {
    id: "o/n",
    revision: "v2",
    parts: ["cfg", "validation"],
  });
  assertEquals(parseDatasetSpec("hub:o/n:a:b:c"), undefined);
  assertEquals(parseDatasetSpec("squad"), undefined);
});

Deno.test("the cache folder: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub", () => {
  const names = ["HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"];
  const saved = names.map((name) => Deno.env.get(name));
  const set = (values: (string | undefined)[]) => {
    names.forEach((name, i) =>
      values[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, values[i]!)
    );
    rereadSettings();
    return hubCacheDir();
  };
  try {
    assertEquals(set(["/c/hub", "/h", "/x"]), "/c/hub");
    assertEquals(set([undefined, "/h", "/x"]), "/h/hub");
    assertEquals(set([undefined, undefined, "/x"]), "/x/huggingface/hub");
    assertEquals(
      set([undefined, undefined, undefined]),
      `${Deno.env.get("HOME")}/.cache/huggingface/hub`,
    );
    assertEquals(
      repoFolder({ type: "dataset", id: "rajpurkar/squad" }, "/c"),
      "/c/datasets--rajpurkar--squad",
    );
    assertEquals(
      repoFolder({ type: "model", id: "distilbert-base-uncased" }, "/c"),
      "/c/models--distilbert-base-uncased",
    );
  } finally {
    set(saved);
  }
});
