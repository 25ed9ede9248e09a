import type { Command } from "commander";
import { describeProblem, type ExampleProblem } from "../lib/data/mod.ts";

/** Prints how many examples were left out, by kind, and the first few with file, id and problem. */
export function reportSkipped(skipped: ExampleProblem[], shown = 5): void {
  if (skipped.length === 0) return;
  const byKind = new Map<string, number>();
  for (const p of skipped) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const counts = [...byKind].map(([kind, n]) => `${n} ${kind.replaceAll("_", " ")}`).join(", ");
  console.error(`skipped ${skipped.length} question(s): ${counts} (--strict makes this an error)`);
  for (const p of skipped.slice(0, shown)) console.error(`  ${describeProblem(p)}`);
  if (skipped.length > shown) console.error(`  ... and ${skipped.length - shown} more`);
}

/** Parses a positive integer option, naming the option when it is not one. */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new Error(`${name} must be a positive integer, got ${value}`);
    }
    return n;
  };
}

/** Parses an integer option that may be zero, naming the option when it is not one. */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`${name} must be an integer ≥ 0, got ${value}`);
    }
    return n;
  };
}

/**
 * What `withDecodingOptions` parses, under commander's names: it camel-cases
 * `--version-2-with-negative` as `version2WithNegative`.
 */
export interface DecodingArgs {
  version2WithNegative?: boolean;
  nBestSize: number;
  maxAnswerLength: number;
  nbestOut?: string;
}

/** Adds the decoding options `postprocess` and `predict` share (`DecodingArgs`). */
export function withDecodingOptions(command: Command): Command {
  return command
    .option(
      "--version-2-with-negative",
      "allow the empty answer when the null score wins (SQuAD v2)",
    )
    .option(
      "--n-best-size <n>",
      "top start/end logits to pair up",
      positiveInt("--n-best-size"),
      20,
    )
    .option(
      "--max-answer-length <n>",
      "longest answer in tokens",
      positiveInt("--max-answer-length"),
      30,
    )
    .option(
      "--nbest-out <file>",
      "NBEST.json: the n-best list of each question, as run_qa writes it",
    );
}
