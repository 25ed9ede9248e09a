// Hub datasets as `load_dataset` reads them, against the loopback stand-in (test/hub_standin.ts):
// README.md configs, the default split patterns, the parquet conversion branch, the short names,
// the Hugging Face cache layout and offline reading; parquet written by polars and (where the
// Python is found) by `datasets`; and bad parquet named by file, question id and field.
import { join } from "node:path";
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { type StandinRepo, startHubStandin } from "../../test/hub_standin.ts";
import { hubPython, runPython } from "../../test/hub_python.ts";
import { parquetBytes, squadParquet } from "../../test/parquet.ts";
import { rereadSettings } from "../settings.ts";
import { loadSquad } from "./squad.ts";
import type { SquadExample } from "./types.ts";

const DATA = new URL("../../data/", import.meta.url).pathname;
const v1 = (await loadSquad(join(DATA, "squad-v1.1-sample.json"))).examples;
const v2 = (await loadSquad(join(DATA, "squad-v2.0-sample.json"))).examples;
const train = v1.slice(0, 40);
const validation = v1.slice(40, 60);
const encode = (text: string) => new TextEncoder().encode(text);

const README = `---
pretty_name: SQuAD
configs:
- config_name: plain_text
  data_files:
  - split: train
    path: plain_text/train-*
  - split: validation
    path: plain_text/validation-*
  default: true
---
# SQuAD
`;

const REPOS: StandinRepo[] = [
  {
    type: "dataset",
    id: "rajpurkar/squad",
    revisions: {
      main: {
        "README.md": encode(README),
        "plain_text/train-00000-of-00002.parquet": squadParquet(train.slice(0, 25)),
        "plain_text/train-00001-of-00002.parquet": squadParquet(train.slice(25)),
        "plain_text/validation-00000-of-00001.parquet": squadParquet(validation),
      },
    },
  },
  {
    // No README: the default patterns find data/SPLIT-00000-of-00001.parquet.
    type: "dataset",
    id: "tester/no-card",
    revisions: {
      main: {
        "data/train-00000-of-00001.parquet": squadParquet(v2.slice(0, 30)),
        "data/test-00000-of-00001.parquet": squadParquet(v2.slice(30, 40)),
        ".gitattributes": encode("*.parquet filter=lfs\n"),
      },
    },
  },
  {
    // JSON only in the repository: the hub's parquet conversion is read.
    type: "dataset",
    id: "tester/json-only",
    revisions: {
      main: { "README.md": encode("# no YAML\n"), "train.json": encode("{}") },
      "refs/convert/parquet": { "default/train/0000.parquet": squadParquet(v2.slice(40, 50)) },
    },
  },
];

/** Runs `fn` with the hub variables set (and read again), then restores them. */
async function withHub(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  for (const [name, value] of Object.entries(vars)) Deno.env.set(name, value);
  rereadSettings();
  try {
    await fn();
  } finally {
    for (const name of Object.keys(vars)) Deno.env.delete(name);
    rereadSettings();
  }
}

const FAST = { connectTimeoutMs: 2000, retries: 0 };

function sameExamples(actual: SquadExample[], expected: SquadExample[]) {
  assertEquals(actual.length, expected.length);
  assertEquals(actual, expected);
}

Deno.test({
  name: "hub:OWNER/NAME[:CONFIG][:SPLIT] into the Hugging Face cache, then offline from it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const hub = await startHubStandin(REPOS);
    const cache = await Deno.makeTempDir({ prefix: "qa-hub-datasets-" });
    try {
      await withHub({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache }, async () => {
        // The short name, README.md's default config, both shards of train in order.
        sameExamples((await loadSquad("squad", FAST)).examples, train);
        sameExamples((await loadSquad("squad:validation", FAST)).examples, validation);
        sameExamples(
          (await loadSquad("hub:rajpurkar/squad:plain_text:validation", FAST)).examples,
          validation,
        );
        const folder = join(cache, "datasets--rajpurkar--squad");
        const commit = hub.commit("rajpurkar/squad");
        assertEquals(await Deno.readTextFile(join(folder, "refs", "main")), commit);
        const shard = join(folder, "snapshots", commit, "plain_text/train-00001-of-00002.parquet");
        // A symlink into blobs/ (a copy where links may not be made: Deno's scoped --allow-write).
        const served = REPOS[0].revisions.main["plain_text/train-00001-of-00002.parquet"];
        assertEquals(await Deno.readFile(shard), served);
        const blobs = [...Deno.readDirSync(join(folder, "blobs"))].map((e) => e.name).sort();
        assertEquals(blobs.length, 4);
        if ((await Deno.lstat(shard)).isSymlink) {
          assert(blobs.includes((await Deno.readLink(shard)).replace("../../../blobs/", "")));
        }

        const noCard = await loadSquad("hub:tester/no-card", FAST);
        sameExamples(noCard.examples, v2.slice(0, 30));
        assertEquals(noCard.version, "2.0");
        sameExamples((await loadSquad("hub:tester/no-card:test", FAST)).examples, v2.slice(30, 40));
        sameExamples((await loadSquad("hub:tester/json-only", FAST)).examples, v2.slice(40, 50));
        assertEquals(
          await Deno.readTextFile(
            join(cache, "datasets--tester--json-only/refs/refs/convert/parquet"),
          ),
          hub.commit("tester/json-only", "refs/convert/parquet"),
        );

        const message = async (source: string) =>
          ((await assertRejects(() => loadSquad(source, FAST))) as Error).message;
        assertEquals(
          await message("squad:test"),
          'hub:rajpurkar/squad: no split "test" in config "plain_text" (choose train,validation)',
        );
        assertEquals(
          await message("hub:rajpurkar/squad:other:train"),
          'hub:rajpurkar/squad: no config "other" (choose plain_text)',
        );
        assert((await message("hub:tester/missing")).includes("HTTP 401"));
      });
    } finally {
      await hub.close();
    }
    // The stand-in stopped: HF_HUB_OFFLINE=1 reads the same examples from the cache.
    await withHub(
      { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HUB_OFFLINE: "1" },
      async () => {
        sameExamples((await loadSquad("squad:validation", FAST)).examples, validation);
        sameExamples((await loadSquad("hub:tester/no-card", FAST)).examples, v2.slice(0, 30));
        sameExamples((await loadSquad("hub:tester/json-only", FAST)).examples, v2.slice(40, 50));
        const error = await assertRejects(() => loadSquad("squad_v2", FAST));
        assert((error as Error).message.includes("is not in the cache"), `${error}`);
      },
    );
    // Without HF_HUB_OFFLINE, a hub that cannot be reached: the cache answers too.
    await withHub({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache }, async () => {
      sameExamples((await loadSquad("squad", FAST)).examples, train);
      sameExamples((await loadSquad("hub:tester/json-only", FAST)).examples, v2.slice(40, 50));
    });
    await Deno.remove(cache, { recursive: true });
  },
});

Deno.test("a local .parquet file is DATA; bad parquet names the file, the question and the field", async () => {
  const dir = await Deno.makeTempDir();
  const write = async (name: string, bytes: Uint8Array) => {
    await Deno.writeFile(join(dir, name), bytes);
    return join(dir, name);
  };
  const good = await write("good.parquet", squadParquet(validation));
  sameExamples((await loadSquad(good)).examples, validation);

  const message = async (path: string) =>
    ((await assertRejects(() => loadSquad(path))) as Error).message;
  const base = squadParquet(validation.slice(0, 2));
  const read = (bytes: Uint8Array) => {
    const path = Deno.makeTempFileSync({ suffix: ".parquet" });
    Deno.writeFileSync(path, bytes);
    return pl.readParquet(path);
  };
  const noContext = await write("no-context.parquet", parquetBytes(read(base).drop("context")));
  assertEquals(
    await message(noContext),
    `${noContext}: missing column "context" (it has id, title, question, answers)`,
  );
  const numbers = await write(
    "numbers.parquet",
    parquetBytes(read(base).withColumn(pl.Series("question", [1, 2]))),
  );
  assertEquals(
    await message(numbers),
    `${numbers}: column "question" should hold strings, not Float64`,
  );
  const flatAnswers = await write(
    "flat.parquet",
    parquetBytes(read(base).withColumn(pl.Series("answers", ["a", "b"]))),
  );
  assertEquals(
    await message(flatAnswers),
    `${flatAnswers}: column "answers" should be a struct {text: list<string>, answer_start: ` +
      "list<int>}, not String",
  );
  const nullContext = await write(
    "null.parquet",
    parquetBytes(read(base).withColumn(pl.Series("context", [validation[0].context, null]))),
  );
  assertEquals(
    await message(nullContext),
    `${nullContext}: question ${validation[1].id}: field "context" is null`,
  );
  const empty = await write("empty.parquet", parquetBytes(read(base).head(0)));
  assertEquals(await message(empty), `${empty}: the file holds no questions`);
  const notParquet = await write("text.parquet", encode("not parquet"));
  assert((await message(notParquet)).startsWith(`${notParquet}: not a readable parquet file (`));

  // An answer that is not in its context: the same problem the JSON reader reports.
  const moved = validation.slice(0, 2).map((e, i) =>
    i === 1
      ? { ...e, answers: { ...e.answers, answer_start: e.answers.answer_start.map((s) => s + 3) } }
      : e
  );
  const mismatch = await write("mismatch.parquet", squadParquet(moved));
  const { problems } = await loadSquad(mismatch);
  assertEquals(problems.map((p) => [p.source, p.id, p.kind]), [[
    mismatch,
    moved[1].id,
    "answer_mismatch",
  ]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "parquet written by Python's datasets (pyarrow) reads as the same examples",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const python = await hubPython(["datasets", "pyarrow"]);
    if (!python) return;
    const dir = await Deno.makeTempDir();
    const rows = join(dir, "rows.json");
    await Deno.writeTextFile(rows, JSON.stringify(v2.slice(0, 50)));
    const out = join(dir, "validation-00000-of-00001.parquet");
    await runPython(
      python,
      `import json, datasets
from datasets import Features, Value, List
features = Features({"id": Value("string"), "title": Value("string"), "context": Value("string"),
  "question": Value("string"), "answers": {"text": List(Value("string")), "answer_start": List(Value("int32"))}})
rows = json.load(open(${JSON.stringify(rows)}))
datasets.Dataset.from_list(rows, features=features).to_parquet(${JSON.stringify(out)})`,
      {},
    );
    const fromPython = await loadSquad(out);
    sameExamples(fromPython.examples, v2.slice(0, 50));
    // And served by the stand-in as a hub dataset's file.
    const hub = await startHubStandin([{
      type: "dataset",
      id: "tester/from-python",
      revisions: { main: { "data/validation-00000-of-00001.parquet": await Deno.readFile(out) } },
    }]);
    try {
      await withHub({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: join(dir, "cache") }, async () => {
        const loaded = await loadSquad("hub:tester/from-python:validation", FAST);
        sameExamples(loaded.examples, v2.slice(0, 50));
      });
    } finally {
      await hub.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
