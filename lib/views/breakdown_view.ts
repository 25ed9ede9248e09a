// The metric breakdown as a table and a bar chart (lib/metric's `scoreBreakdown`).
import type { GroupScore, ScoreBreakdown } from "../metric/mod.ts";
import type { MediaBundle } from "./bundle.ts";
import { ChartView } from "./chart.ts";
import { formatNumber, TableView } from "./table.ts";
import { type ChartSpec, VEGALITE_SCHEMA } from "./vega.ts";

/** The columns of the breakdown table. */
export const BREAKDOWN_COLUMNS = ["dimension", "group", "questions", "exact", "F1"] as const;

const METRIC_COLORS = { exact: "#4c78a8", F1: "#72b7b2" };

/**
 * Exact match and F1 overall and by answerability, question word and gold answer length: a table
 * (`.table`) and a bar chart per dimension (`.chart`). In Jupyter both show, the chart drawn as
 * SVG under the table; in a terminal, the text table.
 */
export function metricBreakdown(
  breakdown: ScoreBreakdown,
  { title = "EM / F1 breakdown" } = {},
): BreakdownView {
  const overall = { dimension: "overall", group: "all", ...breakdown.overall };
  const rows = [overall, ...breakdown.groups].map((g) => ({
    dimension: g.dimension,
    group: g.group,
    questions: String(g.total),
    exact: formatNumber(g.exact, 2),
    F1: formatNumber(g.f1, 2),
  }));
  const table = new TableView(BREAKDOWN_COLUMNS, rows, {
    compact: true,
    textColumns: ["dimension", "group"],
  });
  return new BreakdownView(table, new ChartView(breakdownSpec(breakdown, title), table.toString()));
}

function breakdownSpec(breakdown: ScoreBreakdown, title: string): ChartSpec {
  const dimensions = [...new Set(breakdown.groups.map((g) => g.dimension))];
  return {
    $schema: VEGALITE_SCHEMA,
    title:
      `${title} (all ${breakdown.overall.total}: exact ${breakdown.overall.exact.toFixed(1)}, ` +
      `F1 ${breakdown.overall.f1.toFixed(1)})`,
    vconcat: dimensions.map((dimension) =>
      dimensionSpec(breakdown.groups.filter((g) => g.dimension === dimension), dimension)
    ),
    config: { concat: { spacing: 24 } },
  } as ChartSpec;
}

// Horizontal bars, exact and F1 side by side for each group, groups in the breakdown's order.
function dimensionSpec(groups: GroupScore[], dimension: string) {
  const values = groups.flatMap((g) => {
    const label = `${g.group} (${g.total})`;
    return [
      { label, metric: "exact", score: g.exact, total: g.total },
      { label, metric: "F1", score: g.f1, total: g.total },
    ];
  });
  const y = { field: "label", type: "nominal", sort: null, title: null };
  return {
    title: { text: `by ${dimension} (questions)`, anchor: "start", fontSize: 13 },
    data: { values },
    width: 420,
    height: { step: 12 },
    encoding: {
      y,
      yOffset: { field: "metric", sort: ["exact", "F1"] },
      x: {
        field: "score",
        type: "quantitative",
        title: "score (%)",
        scale: { domain: [0, 100] },
      },
      color: {
        field: "metric",
        type: "nominal",
        title: null,
        scale: { domain: ["exact", "F1"], range: [METRIC_COLORS.exact, METRIC_COLORS.F1] },
        legend: { orient: "top", direction: "horizontal" },
      },
      tooltip: [
        { field: "label", title: "group (questions)" },
        { field: "metric" },
        { field: "score", type: "quantitative", format: ".2f" },
      ],
    },
    layer: [
      { mark: { type: "bar" } },
      {
        mark: { type: "text", align: "left", dx: 3, fontSize: 10 },
        encoding: { text: { field: "score", type: "quantitative", format: ".1f" } },
      },
    ],
  };
}

/** The breakdown as a table and a chart (see `metricBreakdown`). */
export class BreakdownView {
  constructor(readonly table: TableView, readonly chart: ChartView) {}

  /** The text table. */
  toString(): string {
    return this.table.toString();
  }

  /** HTML table, then the chart as inline SVG: one output that holds both. */
  async toHtml(): Promise<string> {
    return `${this.table.toHtml()}\n<div style="margin-top: 1em">${await this.chart.toSvg()}</div>`;
  }

  /** What the Deno Jupyter kernel displays (it awaits the bundle). */
  async [Symbol.for("Jupyter.display")](): Promise<MediaBundle> {
    return { "text/html": await this.toHtml(), "text/plain": this.toString() };
  }

  /** What `console.log(view)` prints. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
