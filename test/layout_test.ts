// The layout's rules, checked on the sources: the runtime never reaches back into the model, lib/
// has no import cycle, and lib/settings.ts is the one place lib/ reads QA_* variables.
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "./assert.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const LIB = join(REPO, "lib");

async function* sources(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

/** The repository files a source imports by relative path (static and dynamic imports). */
function relativeImports(file: string, text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)"(\.\.?\/[^"]+\.ts)"/g);
  return [...found].map(([, spec]) => resolve(dirname(file), spec));
}

const graph = new Map<string, string[]>();
for await (const file of sources(LIB)) {
  graph.set(file, relativeImports(file, await Deno.readTextFile(file)));
}

Deno.test("layout: lib/runtime imports nothing from lib/model (tests included)", () => {
  const backwards = [...graph].flatMap(([file, imports]) =>
    file.startsWith(join(LIB, "runtime/"))
      ? imports.filter((target) => target.startsWith(join(LIB, "model/")))
        .map((target) => `${relative(REPO, file)} -> ${relative(REPO, target)}`)
      : []
  );
  assert(graph.size > 100, `only ${graph.size} sources found`);
  assertEquals(backwards, []);
});

Deno.test("layout: lib's modules (tests aside) import one another without a cycle", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push(
        [...path.slice(path.indexOf(file)), file].map((f) => relative(LIB, f)).join(" -> "),
      );
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) {
      if (!next.endsWith("_test.ts")) visit(next, [...path, file]);
    }
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!file.endsWith("_test.ts")) visit(file, []);
  assertEquals(cycles, []);
});

Deno.test("layout: only lib/settings.ts reads QA_* variables from the environment in lib/", async () => {
  const readers: string[] = [];
  for (const file of graph.keys()) {
    if (file.endsWith("_test.ts") || file === join(LIB, "settings.ts")) continue;
    if (/Deno\.env\.get\(\s*("QA_|[A-Z_]*_ENV\b)/.test(await Deno.readTextFile(file))) {
      readers.push(relative(REPO, file));
    }
  }
  assertEquals(readers, []);
});
