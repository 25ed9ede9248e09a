// PNG charts: the SVG drawn by vega, rasterized by resvg with a font found on this machine.
import { sansFont } from "./fonts.ts";
import { type ChartSpec, renderSvg } from "./vega.ts";

/** Options of `renderPng`. */
export interface PngOptions {
  /** Pixels per SVG unit (default 2: sharp on high-density screens and in documents). */
  scale?: number;
}

/**
 * Draws a vega-lite spec as a PNG image (vega → SVG → resvg). Chart text is set in a sans-serif
 * font found by `sansFont()`; other system fonts stay loaded for characters it lacks.
 */
export async function renderPng(spec: ChartSpec, options: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await renderSvg(spec), options);
}

/** Rasterizes an SVG document to PNG (see `renderPng`). */
export async function svgToPng(svg: string, { scale = 2 }: PngOptions = {}): Promise<Uint8Array> {
  const { Resvg } = await import("./resvg.ts");
  const font = sansFont();
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: true,
      fontFiles: [font.file],
      defaultFontFamily: font.family,
      sansSerifFamily: font.family,
    },
  });
  return new Uint8Array(resvg.render().asPng());
}
