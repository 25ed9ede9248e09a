// A chart to look at: a vega-lite spec that shows itself in Jupyter, as SVG, and as text.
import { type MediaBundle, VEGALITE_MIME } from "./bundle.ts";
import { type PngOptions, renderPng } from "./png.ts";
import { type ChartSpec, renderSvg } from "./vega.ts";

/**
 * A chart: its vega-lite spec and a text summary. As the last expression of a Deno Jupyter cell it
 * shows the interactive vega-lite chart, with an SVG drawn here as fallback for frontends without
 * vega (and for saved notebooks viewed elsewhere); `console.log` and `String()` give the summary.
 */
export class ChartView {
  constructor(readonly spec: ChartSpec, readonly text: string) {}

  /** The chart as an SVG document, drawn headless. */
  toSvg(): Promise<string> {
    return renderSvg(this.spec);
  }

  /** The chart as a PNG image. */
  toPng(options?: PngOptions): Promise<Uint8Array> {
    return renderPng(this.spec, options);
  }

  /** The media bundle: vega-lite JSON, the SVG fallback and the text summary. */
  async bundle(): Promise<MediaBundle> {
    return {
      [VEGALITE_MIME]: this.spec,
      "image/svg+xml": await this.toSvg(),
      "text/plain": this.text,
    };
  }

  /** The text summary. */
  toString(): string {
    return this.text;
  }

  /** What the Deno Jupyter kernel displays (it awaits the bundle). */
  [Symbol.for("Jupyter.display")](): Promise<MediaBundle> {
    return this.bundle();
  }

  /** What `console.log(chart)` prints. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.text;
  }
}
