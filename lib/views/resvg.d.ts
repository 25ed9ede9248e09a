// The part of @resvg/resvg-js that png.ts uses. Its own declarations pull in @types/node, which
// clashes with Deno's built-in Node types wherever both are checked together (node:assert).

/** Options of `new Resvg(svg, options)`. */
export interface ResvgOptions {
  background?: string;
  fitTo?: { mode: "original" } | { mode: "width" | "height" | "zoom"; value: number };
  font?: {
    loadSystemFonts?: boolean;
    fontFiles?: string[];
    fontDirs?: string[];
    defaultFontFamily?: string;
    sansSerifFamily?: string;
  };
}

/** A rendered image. */
export interface RenderedImage {
  asPng(): Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** An SVG document ready to rasterize. */
export declare class Resvg {
  constructor(svg: string | Uint8Array, options?: ResvgOptions);
  render(): RenderedImage;
}
