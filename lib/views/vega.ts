// Headless vega: a vega-lite spec compiled and drawn to SVG, with no browser and no canvas.
import process from "node:process";
import type { TopLevelSpec } from "vega-lite";

/** A vega-lite 5 spec (what JupyterLab renders from `application/vnd.vegalite.v5+json`). */
export type ChartSpec = TopLevelSpec;

/** The `$schema` every chart carries: JupyterLab picks its renderer by it. */
export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");

let libraries: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;

// Loaded on first use: building a spec needs neither library. vega 5 loads node-fetch, whose URL
// parser prints Node's punycode deprecation warning once per process; it says nothing to a user
// drawing a chart, so deprecation warnings are muted while the two libraries load.
function loadVega(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  libraries ??= (async () => {
    const flags = process as { noDeprecation?: boolean };
    const muted = flags.noDeprecation;
    flags.noDeprecation = true;
    try {
      const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
      return { vega, vegaLite };
    } finally {
      flags.noDeprecation = muted;
    }
  })();
  return libraries;
}

/**
 * Compiles a vega-lite spec to a vega spec, with the warnings vega-lite gave (an encoding it
 * ignored, a field it dropped: signs of a spec that does not draw what it says). A spec vega-lite
 * rejects throws with its message.
 */
export async function compileSpec(spec: ChartSpec): Promise<{ spec: object; warnings: string[] }> {
  const { vegaLite } = await loadVega();
  const warnings: string[] = [];
  const logger = {
    level(..._: number[]) {
      return logger;
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(" "));
      return logger;
    },
    error(...args: unknown[]) {
      throw new Error(`vega-lite: ${args.map(String).join(" ")}`);
    },
    info: () => logger,
    debug: () => logger,
  };
  // deno-lint-ignore no-explicit-any -- vega-util's overloaded level() has no plain object type
  return { spec: vegaLite.compile(spec, { logger: logger as any }).spec, warnings };
}

/**
 * Draws a vega-lite spec as an SVG document (vega's `View.toSVG()`, headless). Text is sized by
 * vega's estimate, as no canvas measures it; `scale` multiplies width and height.
 */
export async function renderSvg(spec: ChartSpec, { scale = 1 }: { scale?: number } = {}): Promise<
  string
> {
  const { vega, vegaLite } = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}
