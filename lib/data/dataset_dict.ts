// Named splits of a QA dataset, shown the way `datasets` prints a `DatasetDict`.
import { loadSquad, type QADataset } from "./squad.ts";
import type { SquadExample } from "./types.ts";

/** The columns of a flattened SQuAD example, in `datasets`' order. */
export const SQUAD_FEATURES = ["id", "title", "context", "question", "answers"] as const;

/**
 * Splits (`train`, `validation`, ...) of QA examples: the tutorial's `load_dataset("squad")`.
 * Displays as `DatasetDict({ train: Dataset({ features: [...], num_rows: N }), ... })`.
 */
export class DatasetDict {
  constructor(readonly splits: Record<string, QADataset>) {}

  /** Loads each split from a path, URL or dataset name (see `loadSquad`). */
  static async load(sources: Record<string, string>): Promise<DatasetDict> {
    const splits: Record<string, QADataset> = {};
    for (const [name, source] of Object.entries(sources)) splits[name] = await loadSquad(source);
    return new DatasetDict(splits);
  }

  /** The examples of one split; throws naming the splits there are. */
  split(name: string): SquadExample[] {
    const dataset = this.splits[name];
    if (!dataset) {
      throw new RangeError(`no split "${name}"; the splits are ${Object.keys(this.splits)}`);
    }
    return dataset.examples;
  }

  /** `datasets`' summary: each split's features and number of rows. */
  toString(): string {
    const splits = Object.entries(this.splits).map(([name, dataset]) =>
      `    ${name}: Dataset({\n` +
      `        features: [${SQUAD_FEATURES.map((f) => `'${f}'`).join(", ")}],\n` +
      `        num_rows: ${dataset.examples.length}\n` +
      `    })`
    );
    return `DatasetDict({\n${splits.join("\n")}\n})`;
  }

  /** Where each split came from, how many questions have no answer, and what was wrong. */
  describe(): string {
    return Object.entries(this.splits).map(([name, dataset]) => {
      const unanswerable = dataset.examples.filter((e) => e.answers.text.length === 0).length;
      return `${name}: ${dataset.examples.length} questions (${unanswerable} unanswerable, ` +
        `${dataset.problems.length} unusable) from ${dataset.source}, SQuAD ${dataset.version}`;
    }).join("\n");
  }

  /** The Deno Jupyter kernel shows the summary as text. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }

  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
