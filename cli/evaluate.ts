import type { Command } from "commander";
import { loadSquad, readText } from "../lib/data/mod.ts";
import { evaluateSquad, scoreBreakdown } from "../lib/metric/mod.ts";
import { metricBreakdown } from "../lib/views/breakdown_view.ts";
import { saveChart } from "../lib/views/save.ts";

interface EvaluateArgs {
  data: string;
  predictions: string;
  version?: "1.1" | "2.0";
  breakdown?: boolean;
  breakdownChart?: string;
}

/** `qa evaluate`: the official SQuAD v1.1 / v2.0 scores of a predictions file. */
export function evaluateCommand(program: Command): void {
  program.command("evaluate")
    .description("score predictions with the official SQuAD metric (v1.1 or v2.0)")
    .requiredOption("--data <data>", "the gold questions and answers (any data form)")
    .requiredOption("--predictions <file>", "PREDICTIONS.json: {question id: answer text}")
    .option("--version <v>", "1.1 or 2.0 (default: 2.0 when the data has unanswerable questions)")
    .option(
      "--breakdown",
      "also print exact/F1 by answerability, question word and gold answer length",
    )
    .option(
      "--breakdown-chart <file>",
      "save the breakdown as a bar chart: .svg, .png or .json (vega-lite)",
    )
    .action(evaluate);
}

async function evaluate(args: EvaluateArgs): Promise<void> {
  const dataset = await loadSquad(args.data);
  const predictions = await readPredictions(args.predictions);
  const version = args.version ?? (dataset.version.startsWith("2") ? "2.0" : "1.1");
  if (version !== "1.1" && version !== "2.0") {
    throw new Error(`--version must be 1.1 or 2.0, got ${version}`);
  }
  const known = new Set(dataset.examples.map((e) => e.id));
  const unknown = Object.keys(predictions).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    console.error(`${unknown.length} prediction(s) for ids not in ${dataset.source}, ignored`);
  }
  const missing = dataset.examples.filter((e) => !(e.id in predictions)).length;
  if (missing > 0) console.error(`${missing} question(s) have no prediction: scored 0`);
  const { missing: _, ...scores } = evaluateSquad(dataset.examples, predictions, version, {
    warn: () => {},
  });
  console.log(JSON.stringify(scores, null, 2));
  if (args.breakdown || args.breakdownChart) {
    const view = metricBreakdown(scoreBreakdown(dataset.examples, predictions, version, {
      warn: () => {},
    }));
    if (args.breakdown) console.log(`\n${view}`);
    if (args.breakdownChart) {
      await saveChart(view.chart, args.breakdownChart);
      console.error(`wrote ${args.breakdownChart}`);
    }
  }
}

async function readPredictions(path: string): Promise<Record<string, string>> {
  const text = await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: malformed JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: expected a JSON object {question id: answer text}`);
  }
  for (const [id, text] of Object.entries(parsed)) {
    if (typeof text !== "string") {
      throw new Error(
        `${path}: question ${id}: the prediction should be a string, got ${JSON.stringify(text)}`,
      );
    }
  }
  return parsed as Record<string, string>;
}
