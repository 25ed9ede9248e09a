// What the question-answering pipeline accepts, checked before anything is tokenized.

/** One question about one context. */
export interface QuestionContext {
  question: string;
  context: string;
}

/**
 * Several questions at once, transformers' `question=[...]` keyword form: about one context, or
 * each about its own (`context` a list as long as `question`).
 */
export interface QuestionsContexts {
  question: string[];
  context: string | string[];
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

/**
 * The inputs of the pipeline's accepted forms as a list, and whether it was one input: a
 * `{question, context}` object (one input), a list of them, or `{question: [...], context}` with
 * one context for all questions or a list of contexts, one per question. The inputs themselves
 * are checked by `checkInputs`.
 */
export function listInputs(input: unknown): { inputs: unknown[]; single: boolean } {
  if (Array.isArray(input)) return { inputs: input, single: false };
  const { question, context } = (input ?? {}) as Record<string, unknown>;
  if (!Array.isArray(question)) return { inputs: [input], single: true };
  if (Array.isArray(context)) {
    if (context.length !== question.length) {
      throw new RangeError(
        `questions and contexts differ in number: ${question.length} questions, ` +
          `${context.length} contexts`,
      );
    }
    return {
      inputs: question.map((q, i) => ({ question: q, context: context[i] })),
      single: false,
    };
  }
  if (typeof context !== "string") {
    throw new TypeError(
      `with a list of questions, the context must be a string or a list of strings, got ` +
        describe(context),
    );
  }
  return { inputs: question.map((q) => ({ question: q, context })), single: false };
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
