import type { Command } from "commander";
import { lossChart } from "../lib/views/loss_chart.ts";
import { chartFormat, saveChart } from "../lib/views/save.ts";
import { readTrainLog } from "../lib/views/train_log.ts";
import { positiveNumber } from "./model_args.ts";

interface ChartArgs {
  log: string;
  out: string;
  title?: string;
  scale: number;
}

/** `qa chart`: the loss curve of a training log as SVG, PNG or vega-lite JSON. */
export function chartCommand(program: Command): void {
  program.command("chart")
    .description(
      "draw the loss curve of a training log (qa train --log) as SVG, PNG or vega-lite JSON",
    )
    .requiredOption(
      "--log <file>",
      "the training log: FILE.jsonl from qa train --log, or a trainer_state.json",
    )
    .requiredOption(
      "--out <file>",
      "loss.svg, loss.png or loss.vl.json (the format follows the name)",
    )
    .option("--title <text>", "chart title", "Loss")
    .option("--scale <n>", "PNG pixels per SVG unit", positiveNumber("--scale"), 2)
    .action(chart);
}

async function chart(args: ChartArgs): Promise<void> {
  chartFormat(args.out); // a name we cannot write fails before any work
  const records = await readTrainLog(args.log);
  if (!records.some((e) => e.loss !== undefined || e.eval_loss !== undefined)) {
    throw new Error(`${args.log}: no loss in the log, nothing to draw`);
  }
  const view = lossChart(records, { title: args.title });
  await saveChart(view, args.out, { scale: args.scale });
  console.log(String(view));
  console.error(`wrote ${args.out}`);
}
