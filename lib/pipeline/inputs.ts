// What the question-answering pipeline accepts, checked before anything is tokenized.

/** One question about one context. */
export interface QuestionContext {
  question: string;
  context: string;
}

/** Bad pipeline input; the message names the input (by index in a list) and the problem. */
export class QuestionAnsweringInputError extends Error {
  constructor(readonly index: number, readonly problem: string) {
    super(`input ${index}: ${problem}`);
    this.name = "QuestionAnsweringInputError";
  }
}

/**
 * Checks every input and returns them typed: each must be an object whose `question` and
 * `context` are strings with more than whitespace in them. Errors name the input by its index.
 */
export function checkInputs(inputs: readonly unknown[]): QuestionContext[] {
  return inputs.map(checkInput);
}

function checkInput(input: unknown, index: number): QuestionContext {
  const fail = (problem: string) => new QuestionAnsweringInputError(index, problem);
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw fail(`expected an object {question, context}, got ${describe(input)}`);
  }
  const { question, context } = input as Record<string, unknown>;
  for (const [name, value] of [["question", question], ["context", context]] as const) {
    if (typeof value !== "string") {
      throw fail(`the ${name} must be a string, got ${describe(value)}`);
    }
    if (value.trim() === "") {
      throw fail(`the ${name} is empty${value === "" ? "" : " (only whitespace)"}`);
    }
  }
  return { question: question as string, context: context as string };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}`;
}
