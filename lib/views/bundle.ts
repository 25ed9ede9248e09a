// What the Deno Jupyter kernel displays, and how to reach its `Deno.jupyter` when there is one.

/** The mime type under which JupyterLab renders a vega-lite 5 spec. */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/**
 * A Jupyter media bundle: mime type to content, as `Symbol.for("Jupyter.display")` returns it
 * (Deno's `Deno.jupyter.MediaBundle`; JSON mime types hold objects, the others text).
 */
export type MediaBundle = {
  "text/plain"?: string;
  "text/html"?: string;
  "image/svg+xml"?: string;
  "image/png"?: string;
  [VEGALITE_MIME]?: object;
  [mime: string]: unknown;
};

/** Options of `Deno.jupyter.display`. */
export interface JupyterDisplayOptions {
  raw?: boolean;
  update?: boolean;
  display_id?: string;
}

/** The part of `Deno.jupyter` the views use. */
export interface JupyterApi {
  display(obj: unknown, options?: JupyterDisplayOptions): Promise<void>;
}

/**
 * `Deno.jupyter` when this code runs in the Deno Jupyter kernel, else undefined. Outside the kernel
 * Deno defines the property but reading it throws, so the read is guarded.
 */
export function jupyterApi(): JupyterApi | undefined {
  try {
    const api = (Deno as unknown as { jupyter?: Partial<JupyterApi> }).jupyter;
    return typeof api?.display === "function" ? api as JupyterApi : undefined;
  } catch {
    return undefined;
  }
}
