// readText on hostile files: not UTF-8, corrupt or truncated gzip, a gzip bomb. Each error names
// the file; the bomb stops at the cap instead of filling memory.
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { namedDataset } from "./named.ts";
import { readText } from "./read.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function message(fn: () => Promise<unknown>): Promise<string> {
  return ((await assertRejects(fn)) as Error).message;
}

Deno.test("text that is not UTF-8 is named, plain or gzipped", async () => {
  const dir = await Deno.makeTempDir();
  const latin1 = new Uint8Array([...new TextEncoder().encode('{"title": "caf'), 0xe9, 0x22, 0x7d]);
  await Deno.writeFile(`${dir}/latin1.json`, latin1);
  await Deno.writeFile(`${dir}/latin1.json.gz`, await gzip(latin1));
  assertEquals(
    await message(() => readText(`${dir}/latin1.json`)),
    `${dir}/latin1.json: not UTF-8 text (an invalid byte among bytes 0–17); save it as UTF-8`,
  );
  assert(
    (await message(() => readText(`${dir}/latin1.json.gz`))).startsWith(
      `${dir}/latin1.json.gz: not UTF-8 text`,
    ),
  );
});

Deno.test("corrupt or truncated gzip is named", async () => {
  const dir = await Deno.makeTempDir();
  const whole = await gzip(new TextEncoder().encode('{"data": []}'.repeat(1000)));
  await Deno.writeFile(`${dir}/cut.json.gz`, whole.slice(0, whole.length - 30));
  await Deno.writeFile(`${dir}/junk.json.gz`, new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]));
  for (const name of ["cut.json.gz", "junk.json.gz"]) {
    const text = await message(() => readText(`${dir}/${name}`));
    assert(text.startsWith(`${dir}/${name}: corrupt or truncated gzip (`), text);
  }
});

Deno.test("a gzip bomb stops at the cap, naming the file and the flag", async () => {
  const dir = await Deno.makeTempDir();
  const bomb = `${dir}/bomb.json.gz`;
  await Deno.writeFile(bomb, await gzip(new Uint8Array(24 << 20)));
  assert((await Deno.stat(bomb)).size < 100_000);
  assertEquals(
    await message(() => readText(bomb, { maxBytes: 8 << 20 })),
    `${bomb}: inflates to more than 8 MiB of text; --max-input-mb (or QA_MAX_INPUT_MB) ` +
      `raises the cap`,
  );
  assertEquals((await readText(bomb, { maxBytes: 24 << 20 })).length, 24 << 20);
});

Deno.test("dataset names are looked up as names only: squad and squad_v2 are rajpurkar's hub datasets", () => {
  assertEquals(namedDataset("squad"), "hub:rajpurkar/squad");
  assertEquals(namedDataset("squad_v2:validation"), "hub:rajpurkar/squad_v2:validation");
  assertEquals(namedDataset("constructor"), "constructor");
  assertEquals(namedDataset("squad/dev.json"), "squad/dev.json");
  assertEquals(namedDataset("hub:someone/data:train"), "hub:someone/data:train");
});
