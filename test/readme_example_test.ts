// The README's library example, run as written but for three strings: the tiny golden DistilBERT
// in place of `distilbert-base-uncased` (no network in tests), a temporary folder in place of
// `models/mine`, and the imports' `./lib/` made absolute. It must fine-tune, save, load the saved
// folder into a pipeline and print an answer that is the span of the context it says it is.
import { assert, assertEquals } from "./assert.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { sharedPath } from "./shared.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** The first ```ts block of README.md. */
async function readmeExample(): Promise<string> {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const match = readme.match(/```ts\n([\s\S]*?)```/);
  if (!match) throw new Error("README.md: no ```ts block (the library example)");
  return match[1];
}

/** Replaces `from` (which must occur) with `to` everywhere in `text`. */
function replaceAll(text: string, from: string, to: string): string {
  assert(text.includes(from), `README example: expected ${JSON.stringify(from)} in it`);
  return text.replaceAll(from, to);
}

Deno.test("README's library example fine-tunes, saves and answers (tiny golden model)", async () => {
  const example = await readmeExample();
  const work = await Deno.makeTempDir({ prefix: "readme-example-" });
  try {
    const output = join(work, "mine");
    let script = replaceAll(
      example,
      `"distilbert-base-uncased"`,
      JSON.stringify(
        sharedPath("golden/models/tiny-distilbert-init"),
      ),
    );
    script = replaceAll(script, `"models/mine"`, JSON.stringify(output));
    script = replaceAll(script, `from "./lib/`, `from "${new URL("../lib/", import.meta.url)}`);
    const file = join(work, "example.ts");
    await Deno.writeTextFile(file, script);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "-A", "--config", join(REPO, "deno.json"), file],
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    const stderr = new TextDecoder().decode(run.stderr);
    assertEquals(run.code, 0, `the example failed:\n${stderr}`);
    for (const name of ["config.json", "model.safetensors", "tokenizer.json"]) {
      assert((await Deno.stat(join(output, name))).isFile, `${name} not saved`);
    }
    // Deno prints the answers as `[ { answer: "…", score: 0.1, start: 23, end: 28 } ]`.
    const best = stdout.match(
      /answer: "([^"]*)",\s*score: ([\d.e-]+),\s*start: (\d+),\s*end: (\d+)/,
    );
    assert(best, `no answer printed:\n${stdout}`);
    const [answer, score, start, end] = [
      best[1],
      Number(best[2]),
      Number(best[3]),
      Number(best[4]),
    ];
    const context = example.match(/const context = "([^"]*)"/)![1];
    assertEquals(context.slice(start, end), answer);
    assert(answer.length > 0, "the example asks for a span, not the empty answer");
    assert(score > 0 && score <= 1, `score ${score}`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
