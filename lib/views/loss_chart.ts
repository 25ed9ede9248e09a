// The training curve: loss per logging step as a line, eval loss per epoch as points on it.
import type { LossRecord } from "./train_log.ts";
import { ChartView } from "./chart.ts";
import { sparkline } from "./sparkline.ts";
import { type ChartSpec, VEGALITE_SCHEMA } from "./vega.ts";

/** Options of `lossChart`. */
export interface LossChartOptions {
  title?: string;
  /** Plot width and height in pixels (default 560 × 280). */
  width?: number;
  height?: number;
}

const TRAIN = "training loss";
const EVAL = "eval loss";
// Above this many logged steps the line is drawn without a dot per step.
const MAX_DOTS = 60;

/** One plotted point. */
interface LossPoint {
  series: typeof TRAIN | typeof EVAL;
  step: number;
  epoch: number;
  loss: number;
  lr?: number;
}

/**
 * The loss curve of a training log (the Trainer's `LogEntry` records, or `readTrainLog(file)`):
 * training loss at each logging step as a line, eval loss at the end of each epoch as diamonds on
 * the same step axis. Works from the first record on (one point is drawn as a dot).
 */
export function lossChart(
  records: readonly LossRecord[],
  options: LossChartOptions = {},
): ChartView {
  const points = lossPoints(records);
  return new ChartView(lossSpec(points, options), lossSummary(points));
}

function lossPoints(records: readonly LossRecord[]): LossPoint[] {
  const points: LossPoint[] = [];
  for (const { step, epoch, loss, eval_loss, lr } of records) {
    if (Number.isFinite(loss)) points.push({ series: TRAIN, step, epoch, loss: loss!, lr });
    if (Number.isFinite(eval_loss)) points.push({ series: EVAL, step, epoch, loss: eval_loss! });
  }
  return points;
}

const TOOLTIP = [
  { field: "series", type: "nominal" as const },
  { field: "step", type: "quantitative" as const },
  { field: "epoch", type: "quantitative" as const, format: ".2f" },
  { field: "loss", type: "quantitative" as const, format: ".4f" },
];
const LR_TOOLTIP = {
  field: "lr",
  type: "quantitative" as const,
  format: ".3e",
  title: "learning rate",
};

function lossSpec(points: LossPoint[], options: LossChartOptions): ChartSpec {
  const trainCount = points.filter((p) => p.series === TRAIN).length;
  return {
    $schema: VEGALITE_SCHEMA,
    title: options.title ?? "Loss",
    width: options.width ?? 560,
    height: options.height ?? 280,
    data: { values: points },
    encoding: {
      x: {
        field: "step",
        type: "quantitative",
        title: "optimizer step",
        scale: { domainMin: 0 },
      },
      y: { field: "loss", type: "quantitative", title: "loss", scale: { zero: false } },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: [TRAIN, EVAL], range: ["#4c78a8", "#e45756"] },
        legend: { orient: "top", direction: "horizontal" },
      },
    },
    layer: [
      {
        transform: [{ filter: `datum.series === '${TRAIN}'` }],
        mark: { type: "line", point: trainCount <= MAX_DOTS },
        encoding: { tooltip: [...TOOLTIP, LR_TOOLTIP] },
      },
      {
        transform: [{ filter: `datum.series === '${EVAL}'` }],
        mark: { type: "point", shape: "diamond", filled: true, size: 120, opacity: 1 },
        encoding: { tooltip: TOOLTIP },
      },
    ],
  };
}

function lossSummary(points: LossPoint[]): string {
  const train = points.filter((p) => p.series === TRAIN);
  const evals = points.filter((p) => p.series === EVAL);
  if (points.length === 0) return "no loss logged yet";
  const lines: string[] = [];
  if (train.length > 0) {
    const [first, last] = [train[0], train.at(-1)!];
    lines.push(
      `training loss: ${first.loss.toFixed(4)} (step ${first.step}) → ${last.loss.toFixed(4)} ` +
        `(step ${last.step}), ${train.length} logged  ${sparkline(train.map((p) => p.loss))}`,
    );
  }
  if (evals.length > 0) {
    const each = evals.map((p) => `epoch ${p.epoch} (step ${p.step}) ${p.loss.toFixed(4)}`);
    lines.push(`eval loss: ${each.join("; ")}`);
  }
  return lines.join("\n");
}
