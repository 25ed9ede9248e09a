// The documentation holds together: every relative link of README.md, docs/*.md and tools/README.md
// reaches a file, and a link's #anchor a heading of that file; docs/settings.md names every QA_*
// environment variable the code reads.
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "./assert.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** The markdown files whose links are checked. */
async function documentationFiles(): Promise<string[]> {
  const files = [join(REPO, "README.md"), join(REPO, "tools/README.md")];
  for await (const entry of Deno.readDir(join(REPO, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(join(REPO, "docs", entry.name));
  }
  return files.sort();
}

/** Markdown without fenced code blocks and inline code, where `[x](y)` is not a link. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The targets of the `[text](target)` and `![alt](target)` links of a markdown text. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The anchors of a markdown text's headings (a repeated heading gets -1, -2...). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = headingSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** The problems of one link from `file`: a missing file or anchor; none for external links. */
async function linkProblem(file: string, target: string): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:
  const [path, anchor] = target.split("#", 2);
  const resolved = path === "" ? file : join(dirname(file), decodeURIComponent(path));
  let text: string | undefined;
  try {
    const info = await Deno.stat(resolved);
    if (info.isFile && resolved.endsWith(".md")) text = await Deno.readTextFile(resolved);
  } catch {
    return `${target}: no file ${relative(REPO, resolved)}`;
  }
  if (anchor === undefined) return undefined;
  if (text === undefined) return `${target}: an anchor into a file that is not markdown`;
  return headingAnchors(text).has(anchor)
    ? undefined
    : `${target}: no heading #${anchor} in ${relative(REPO, resolved)}`;
}

Deno.test("headingSlug and linkTargets read markdown as GitHub does", () => {
  assertEquals(
    headingSlug("The reference training run (learning parity)"),
    "the-reference-training-run-learning-parity",
  );
  assertEquals(headingSlug("The `qa` command"), "the-qa-command");
  assertEquals(headingSlug("Measured on an NVIDIA H200"), "measured-on-an-nvidia-h200");
  assertEquals([...headingAnchors("# A\n## A\n```\n# not a heading\n```\n")], ["a", "a-1"]);
  assertEquals(
    linkTargets("[a](x.md) `[b](y.md)` ![c](d.svg)\n```\n[e](f.md)\n```\n[g](h.md#i)"),
    ["x.md", "d.svg", "h.md#i"],
  );
});

Deno.test("every relative link of the documentation reaches its file and heading", async () => {
  const problems: string[] = [];
  let links = 0;
  for (const file of await documentationFiles()) {
    for (const target of linkTargets(await Deno.readTextFile(file))) {
      links++;
      const problem = await linkProblem(file, target);
      if (problem) problems.push(`${relative(REPO, file)}: ${problem}`);
    }
  }
  assert(links > 20, `only ${links} links found: is the link pattern broken?`);
  assertEquals(problems, []);
});

/** Where the code that reads settings lives. */
const CODE_FOLDERS = ["cli", "lib", "tools", "bench", "test", "notebooks", ".ci"];
/** QA_ names in the code that are not environment variables. */
const NOT_SETTINGS = new Set(["QA_ARCHITECTURES"]);

async function* codeFiles(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* codeFiles(path);
    else if (entry.isFile && /(\.(ts|sh|py|ipynb|cjs)|^run)$/.test(entry.name)) yield path;
  }
}

Deno.test("docs/settings.md names every QA_* variable the code reads", async () => {
  const named = new Set<string>();
  const self = fileURLToPath(import.meta.url);
  for (const folder of CODE_FOLDERS) {
    for await (const file of codeFiles(join(REPO, folder))) {
      if (file === self) continue;
      for (const [name] of (await Deno.readTextFile(file)).matchAll(/\bQA_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        if (!NOT_SETTINGS.has(name)) named.add(name);
      }
    }
  }
  assert(named.has("QA_SHARED") && named.has("QA_BLAS"), "the scan found too little");
  const settings = await Deno.readTextFile(join(REPO, "docs/settings.md"));
  const documented = new Set([...settings.matchAll(/^\| `(QA_[A-Z0-9_]+)`/gm)].map((m) => m[1]));
  assertEquals([...named].filter((n) => !documented.has(n)).sort(), [], "not in docs/settings.md");
  assertEquals([...documented].filter((n) => !named.has(n)).sort(), [], "no longer in the code");
});
