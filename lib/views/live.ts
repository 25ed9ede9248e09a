// A loss chart that redraws itself in the notebook while a model trains.
import { type JupyterApi, jupyterApi } from "./bundle.ts";
import type { ChartView } from "./chart.ts";
import { lossChart, type LossChartOptions } from "./loss_chart.ts";
import type { LossRecord } from "./train_log.ts";

/** Options of `liveLossChart`. */
export interface LiveLossChartOptions extends LossChartOptions {
  /** The Jupyter display id to draw into (default: a fresh one). */
  displayId?: string;
  /** Where to display; `Deno.jupyter` when running in the Deno Jupyter kernel (the default). */
  jupyter?: JupyterApi;
}

/** A loss chart kept up to date in one notebook output (see `liveLossChart`). */
export interface LiveLossChart {
  /** The records drawn so far. */
  readonly records: readonly LossRecord[];
  /** False outside the Jupyter kernel, where updates draw nothing. */
  readonly active: boolean;
  readonly displayId: string;
  /** Redraws the chart with these records (all of them, not just the new ones). */
  update(records: readonly LossRecord[]): Promise<void>;
  /** Adds one log entry and redraws: pass as the Trainer's `onLog` callback. */
  onLog: (entry: LossRecord) => Promise<void>;
  /** The chart of the records so far. */
  chart(): ChartView;
}

/**
 * A loss chart that updates in place in the Deno Jupyter kernel: the first update displays it,
 * later ones replace that output (`Deno.jupyter.display(bundle, { raw: true, display_id,
 * update: true })`). Outside Jupyter updates only keep the records. With the Trainer:
 * `new Trainer(model, args, train, eval, { onLog: liveLossChart().onLog })`.
 */
export function liveLossChart(options: LiveLossChartOptions = {}): LiveLossChart {
  const { displayId = `qa-loss-${crypto.randomUUID()}`, jupyter = jupyterApi(), ...chartOptions } =
    options;
  let records: LossRecord[] = [];
  let shown = false;
  let drawing = Promise.resolve();
  const chart = () => lossChart(records, chartOptions);
  // Draws one after another, so that a slow draw never lands after a newer one; a failed draw
  // is reported to its caller and does not stop the next.
  const draw = () => {
    drawing = drawing.catch(() => {}).then(async () => {
      if (!jupyter) return;
      const bundle = await chart().bundle();
      await jupyter.display(bundle, { raw: true, display_id: displayId, update: shown });
      shown = true;
    });
    return drawing;
  };
  return {
    get records() {
      return records;
    },
    active: jupyter !== undefined,
    displayId,
    update(next) {
      records = [...next];
      return draw();
    },
    onLog(entry) {
      records.push(entry);
      return draw();
    },
    chart,
  };
}
