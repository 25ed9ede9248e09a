/** The gold answers of one question, in the Hugging Face `datasets` layout. */
export interface Answers {
  /** Answer texts; empty for an unanswerable SQuAD v2 question. */
  text: string[];
  /** Start of each answer in `context`, counted in Unicode code points (as Python counts). */
  answer_start: number[];
}

/** One question on one context: the flattened SQuAD example of the tutorial. */
export interface SquadExample {
  id: string;
  title: string;
  context: string;
  question: string;
  answers: Answers;
}

/** What is wrong with one example, found while loading or featurizing it. */
export interface ExampleProblem {
  /** The file or URL the example came from. */
  source: string;
  /** The question id. */
  id: string;
  kind: "answer_mismatch" | "empty_context" | "question_too_long";
  /** A sentence a person can act on. */
  problem: string;
}

/** Raised for input that cannot be read at all: names the file, the question id when known, and the problem. */
export class DataError extends Error {
  constructor(
    readonly source: string,
    readonly id: string | undefined,
    readonly problem: string,
  ) {
    super(`${source}: ${id === undefined ? "" : `question ${id}: `}${problem}`);
    this.name = "DataError";
  }
}

/** Formats a problem the way errors are printed: file, question id, problem. */
export function describeProblem(p: ExampleProblem): string {
  return `${p.source}: question ${p.id}: ${p.problem}`;
}

/** A loaded QA dataset: every example, and what is wrong with some of them. */
export interface QADataset {
  /** Where it came from (path or URL), used in every message. */
  source: string;
  /** "1.1", "2.0" (has unanswerable questions) or what the file says. */
  version: string;
  examples: SquadExample[];
  /** Examples whose content is unusable for training (answer not in context, empty context...). */
  problems: ExampleProblem[];
}
