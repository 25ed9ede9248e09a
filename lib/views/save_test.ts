import { assert, assertEquals } from "../../test/assert.ts";
import { chartFormat, lossChart, readTrainLog, saveChart } from "./mod.ts";

const REFERENCE_LOG = new URL("./testdata/reference_run_log.jsonl", import.meta.url).pathname;

Deno.test("saveChart: SVG, PNG or vega-lite JSON by the file name", async () => {
  const chart = lossChart(await readTrainLog(REFERENCE_LOG));
  const dir = await Deno.makeTempDir();
  await saveChart(chart, `${dir}/loss.svg`);
  await saveChart(chart, `${dir}/sub/loss.png`);
  await saveChart(chart.spec, `${dir}/loss.vl.json`);
  assert((await Deno.readTextFile(`${dir}/loss.svg`)).startsWith("<svg"));
  const png = await Deno.readFile(`${dir}/sub/loss.png`);
  assertEquals([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const json = await Deno.readTextFile(`${dir}/loss.vl.json`);
  assertEquals(json, JSON.stringify(chart.spec, null, 2) + "\n");
  assertEquals(JSON.parse(json).$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "loss.svg",
    "loss.vl.json",
    "sub",
  ]);
});

Deno.test("saveChart: an unknown extension or a failed render leaves no file behind", async () => {
  const dir = await Deno.makeTempDir();
  assertEquals(chartFormat("a/b.PNG"), "png");
  let message = "";
  await saveChart(lossChart([]), `${dir}/loss.pdf`).catch((e) => message = e.message);
  assertEquals(
    message,
    `${dir}/loss.pdf: unknown chart format; name the file .svg, .png or .json (vega-lite)`,
  );
  await Deno.writeTextFile(`${dir}/loss.svg`, "earlier");
  const broken = { ...lossChart([]).spec, mark: "no-such-mark", layer: undefined } as never;
  await saveChart(broken, `${dir}/loss.svg`).then(
    () => {
      throw new Error("rendered a spec with an unknown mark");
    },
    () => {},
  );
  assertEquals(await Deno.readTextFile(`${dir}/loss.svg`), "earlier");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["loss.svg"]);
});
