import { assert, assertEquals } from "../../test/assert.ts";
import { fontDirs, sansFont } from "./mod.ts";

Deno.test("sansFont: a sans-serif font file of this machine, by family", () => {
  const font = sansFont();
  assert(Deno.statSync(font.file).isFile, font.file);
  assert(/\.(ttf|otf|ttc)$/i.test(font.file), font.file);
  assert(fontDirs().some((dir) => font.file.startsWith(dir)), `${font.file} in the font folders`);
});

Deno.test("sansFont: QA_FONT_DIR folders first; none found is an error saying what to install", async () => {
  const empty = await Deno.makeTempDir();
  let message = "";
  try {
    sansFont([empty]);
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.startsWith(`no sans-serif font for chart text in ${empty}: `), message);
  assert(message.includes("apt-get install fonts-dejavu-core"), message);

  const own = await Deno.makeTempDir();
  await Deno.mkdir(`${own}/nested/deeper`, { recursive: true });
  await Deno.copyFile(sansFont().file, `${own}/nested/deeper/LiberationSans-Regular.ttf`);
  assertEquals(sansFont([own]), {
    family: "Liberation Sans",
    file: `${own}/nested/deeper/LiberationSans-Regular.ttf`,
  });
  const saved = Deno.env.get("QA_FONT_DIR");
  Deno.env.set("QA_FONT_DIR", own);
  try {
    assertEquals(fontDirs()[0], own);
  } finally {
    if (saved === undefined) Deno.env.delete("QA_FONT_DIR");
    else Deno.env.set("QA_FONT_DIR", saved);
  }
});
