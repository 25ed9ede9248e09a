// Saving a chart as SVG, PNG or vega-lite JSON, chosen by the file name.
import { dirname } from "node:path";
import { writeFileDurable } from "../fs/mod.ts";
import { ChartView } from "./chart.ts";
import { type PngOptions, renderPng } from "./png.ts";
import { type ChartSpec, renderSvg } from "./vega.ts";

/** The formats `saveChart` writes, by file name ending. */
export type ChartFormat = "svg" | "png" | "json";

/** The format of a chart file: `.svg`, `.png`, or `.json` (e.g. `loss.vl.json`); else throws. */
export function chartFormat(path: string): ChartFormat {
  const match = /\.(svg|png|json)$/i.exec(path);
  if (!match) {
    throw new Error(`${path}: unknown chart format; name the file .svg, .png or .json (vega-lite)`);
  }
  return match[1].toLowerCase() as ChartFormat;
}

/**
 * Writes a chart (a spec or a `ChartView`) to `path` as SVG, PNG or vega-lite JSON by its
 * extension. The file is written beside its place and moved there when complete, so a failed
 * render leaves any earlier file as it was; the folder is created if needed.
 */
export async function saveChart(
  chart: ChartSpec | ChartView,
  path: string,
  options: PngOptions = {},
): Promise<void> {
  const spec = chart instanceof ChartView ? chart.spec : chart;
  const format = chartFormat(path);
  const encode = (text: string) => new TextEncoder().encode(text);
  const bytes = format === "png"
    ? await renderPng(spec, options)
    : encode(format === "svg" ? await renderSvg(spec) : JSON.stringify(spec, null, 2) + "\n");
  await writeFileAtomic(path, bytes);
}

async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await writeFileDurable(path, bytes);
}
