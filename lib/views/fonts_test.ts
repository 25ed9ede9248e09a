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
  const separator = Deno.build.os === "windows" ? ";" : ":";
  assertEquals(fontDirs(`${own}${separator}${empty}`).slice(0, 2), [own, empty]);
});
