// Start and end logits over the tokens of one feature: where the model thinks the answer is.
import { ChartView } from "./chart.ts";
import { type ChartSpec, VEGALITE_SCHEMA } from "./vega.ts";

/** Options of `logitChart`. */
export interface LogitChartOptions {
  title?: string;
  /** An answer span to shade, as token indices `[start, end]` (both included). */
  answer?: [number, number];
  /** Trailing tokens equal to this are padding and left out (default "[PAD]"). */
  padToken?: string;
  /** Up to this many tokens, each token's text is an axis label (default 64). */
  maxLabels?: number;
  /** Plot height in pixels (default 260); the width follows the number of tokens. */
  height?: number;
}

interface LogitPoint {
  index: number;
  token: string;
  logit: number;
  which: "start" | "end";
}

const COLORS = { start: "#4c78a8", end: "#f58518" };

/**
 * The start and end logits over the tokens of a feature as two lines on one token axis. `tokens`
 * are the feature's token strings (`tokenizer.convertIdsToTokens(feature.input_ids)`), one per
 * logit. Short features get the tokens as axis labels; longer ones get token indices, with tokens
 * in the tooltips. The best start and end tokens are labelled on the chart.
 */
export function logitChart(
  tokens: readonly string[],
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  options: LogitChartOptions = {},
): ChartView {
  if (startLogits.length !== tokens.length || endLogits.length !== tokens.length) {
    throw new Error(
      `logitChart: ${tokens.length} tokens but ${startLogits.length} start and ` +
        `${endLogits.length} end logits; give one logit per token`,
    );
  }
  const length = unpaddedLength(tokens, options.padToken ?? "[PAD]");
  const points: LogitPoint[] = [];
  for (let index = 0; index < length; index++) {
    const token = tokens[index];
    points.push({ index, token, logit: startLogits[index], which: "start" });
    points.push({ index, token, logit: endLogits[index], which: "end" });
  }
  const best = (["start", "end"] as const).map((which) => argmax(points, which));
  return new ChartView(
    logitSpec(points, best, tokens.slice(0, length), options),
    logitSummary(points),
  );
}

function unpaddedLength(tokens: readonly string[], padToken: string): number {
  let length = tokens.length;
  while (length > 0 && tokens[length - 1] === padToken) length--;
  return length;
}

function argmax(points: LogitPoint[], which: "start" | "end"): LogitPoint | undefined {
  let best: LogitPoint | undefined;
  for (const p of points) {
    if (p.which === which && Number.isFinite(p.logit) && (!best || p.logit > best.logit)) best = p;
  }
  return best;
}

function logitSpec(
  points: LogitPoint[],
  best: (LogitPoint | undefined)[],
  tokens: string[],
  options: LogitChartOptions,
): ChartSpec {
  const labelled = tokens.length <= (options.maxLabels ?? 64);
  // A quantitative axis in both cases, so that a shaded span can start and end between tokens.
  const x = {
    field: "index",
    type: "quantitative" as const,
    title: labelled ? "token" : "token index",
    scale: { domain: [-0.5, tokens.length - 0.5], nice: false },
    axis: labelled
      ? {
        values: tokens.map((_, i) => i),
        labelExpr: "tokens[datum.value]",
        labelAngle: -60,
        labelFontSize: 11,
        labelOverlap: false,
        grid: false,
      }
      : {},
  };
  const answerLayer = options.answer
    ? [{
      data: { values: [{ from: options.answer[0] - 0.5, to: options.answer[1] + 0.5 }] },
      mark: { type: "rect" as const, color: "#54a24b", opacity: 0.18 },
      encoding: { x: { ...x, field: "from" }, x2: { field: "to" } },
    }]
    : [];
  return {
    $schema: VEGALITE_SCHEMA,
    title: options.title ?? "Start and end logits",
    params: [{ name: "tokens", value: tokens }],
    width: labelled ? tokens.length * 16 : Math.min(1200, Math.max(480, tokens.length * 3)),
    height: options.height ?? 260,
    layer: [
      ...answerLayer,
      {
        data: { values: points },
        // Long features: invisible points, so that hovering still shows each token.
        mark: { type: "line", point: labelled ? true : "transparent", strokeWidth: 1.5 },
        encoding: {
          x,
          // Headroom above the highest point for the labels of the best tokens.
          y: {
            field: "logit",
            type: "quantitative",
            title: "logit",
            scale: { zero: false, padding: 24 },
          },
          color: {
            field: "which",
            type: "nominal",
            title: null,
            scale: { domain: ["start", "end"], range: [COLORS.start, COLORS.end] },
            legend: { orient: "top", direction: "horizontal", labelExpr: "datum.label + ' logit'" },
          },
          tooltip: [
            { field: "index", type: "quantitative", title: "token index" },
            { field: "token", type: "nominal" },
            { field: "which", type: "nominal", title: "logit" },
            { field: "logit", type: "quantitative", format: ".3f", title: "value" },
          ],
        },
      },
      ...best.filter((p) => p !== undefined).map((p) => bestTokenLayer(p, tokens.length, x)),
    ],
  } as ChartSpec;
}

// The label of the best start or end token, kept inside the plot at either end of the axis.
function bestTokenLayer(point: LogitPoint, length: number, x: object) {
  const align = point.index < length * 0.15
    ? "left"
    : point.index > length * 0.85
    ? "right"
    : "center";
  return {
    data: { values: [{ ...point, label: `best ${point.which}: ${point.token}` }] },
    mark: { type: "text", dy: -12, align, fontWeight: "bold", fontSize: 12 },
    encoding: {
      x,
      y: { field: "logit", type: "quantitative" },
      text: { field: "label" },
      color: { field: "which", type: "nominal" },
    },
  };
}

function logitSummary(points: LogitPoint[]): string {
  const top = (which: "start" | "end") =>
    points.filter((p) => p.which === which && Number.isFinite(p.logit))
      .sort((a, b) => b.logit - a.logit)
      .slice(0, 5)
      .map((p) => `${p.token} #${p.index} (${p.logit.toFixed(2)})`)
      .join(", ");
  const tokens = points.length / 2;
  return `logits over ${tokens} tokens\nbest starts: ${top("start")}\nbest ends: ${top("end")}`;
}
