import { DataError, type ExampleProblem } from "../data/mod.ts";

/** Features and the examples left out, with why. */
export interface FeatureResult<F> {
  features: F[];
  skipped: ExampleProblem[];
}

/** Gathers the batches of a feature generator into one result. */
export async function collectBatches<F>(
  batches: AsyncIterable<FeatureResult<F>>,
): Promise<FeatureResult<F>> {
  const result: FeatureResult<F> = { features: [], skipped: [] };
  for await (const batch of batches) {
    result.features.push(...batch.features);
    result.skipped.push(...batch.skipped);
  }
  return result;
}

/** The error `strict` raises: the first problem, and how many there are. */
export function strictError(problems: ExampleProblem[], source: string): DataError {
  const [first] = problems;
  const more = problems.length > 1
    ? ` (and ${problems.length - 1} more problem(s) in this batch)`
    : "";
  return new DataError(source, first.id, `${first.problem}${more}`);
}
