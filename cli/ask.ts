import type { Command, OptionValues } from "commander";
import { readText } from "../lib/data/mod.ts";
import {
  type Answer,
  QuestionAnsweringInputError,
  QuestionAnsweringPipeline,
  type QuestionContext,
} from "../lib/pipeline/mod.ts";
import { checkModel, type ModelArgs, startBackend, withModelOptions } from "./model_args.ts";
import { positiveInt } from "./report.ts";

interface AskArgs extends ModelArgs {
  model: string;
  question: string[];
  questions?: string;
  context?: string;
  contextFile?: string;
  topK: number;
  handleImpossibleAnswer?: boolean;
  maxAnswerLength: number;
  alignToWords: boolean;
  batchSize: number;
}

/** `qa ask`: questions about a context, like pipeline("question-answering"). */
export function askCommand(program: Command): void {
  const command = program.command("ask")
    .description(
      "answer questions from a context with a trained model; prints {answer, score, start, end, " +
        "startCodePoint, endCodePoint} " +
        "(a list of them with --top-k > 1, one entry per question when there are several)",
    )
    .requiredOption("--model <dir|hub-id>", "a fine-tuned question-answering checkpoint")
    .option("--question <text>", "a question (repeat for several)", collect, [])
    .option(
      "--questions <file>",
      'a JSON list of questions: strings, or {"question", "context"} objects',
    )
    .option("--context <text>", "the text to find the answers in")
    .option("--context-file <file>", "read the context from a file (any length)")
    .option("--top-k <n>", "how many answers per question", positiveInt("--top-k"), 1)
    .option("--handle-impossible-answer", "allow the empty answer (SQuAD v2 models)")
    .option(
      "--max-answer-length <n>",
      "longest answer in tokens",
      positiveInt("--max-answer-length"),
      15,
    )
    .option(
      "--no-align-to-words",
      "keep an answer to its tokens' characters instead of widening it to whole words",
    )
    .option("--batch-size <n>", "windows per forward pass", positiveInt("--batch-size"), 8);
  withModelOptions(command).action(ask);
}

// An option's value where the command line gave it, else undefined (not the shared default).
function given(command: Command, name: string, args: OptionValues): number | undefined {
  return command.getOptionValueSource(name) === "default" ? undefined : args[name];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function ask(args: AskArgs, command: Command): Promise<void> {
  if (args.context !== undefined && args.contextFile !== undefined) {
    throw new Error("give the context with only one of --context or --context-file");
  }
  const context = args.context ??
    (args.contextFile === undefined ? undefined : await readContext(args.contextFile));
  const contextFlag = args.contextFile === undefined
    ? "--context"
    : `--context-file ${args.contextFile}`;
  if (context !== undefined && context.trim() === "") {
    throw new Error(`${contextFlag}: the context is empty${context ? " (only whitespace)" : ""}`);
  }
  const flags = args.question.map((question, k) => ({
    question,
    context,
    source: args.question.length === 1
      ? "--question"
      : `--question ${k + 1} of ${args.question.length}`,
  }));
  const inputs = [
    ...flags,
    ...(args.questions ? await readQuestions(args.questions, context) : []),
  ];
  if (inputs.length === 0) throw new Error("give a question with --question or --questions");
  const missing = inputs.find((input) => input.context === undefined);
  if (missing) throw new Error(`${missing.source}: no context; give --context or --context-file`);
  const folder = await checkModel(args.model, args.maxLength, args.revision);
  await startBackend(args.backend, args.webgpu, args.blas);
  const qa = await QuestionAnsweringPipeline.fromPretrained(folder, {
    tokenizer: args.tokenizer,
  });
  const answers = await qa.answer(inputs as QuestionContext[], {
    topK: args.topK,
    handleImpossibleAnswer: args.handleImpossibleAnswer,
    maxAnswerLength: args.maxAnswerLength,
    alignToWords: args.alignToWords,
    // Left out, the window follows transformers' pipeline: the smaller of the tokenizer's limit
    // and 384 tokens, and a stride of the smaller of half of it and 128.
    maxLength: given(command, "maxLength", args),
    docStride: given(command, "docStride", args),
    batchSize: args.batchSize,
  }).catch((e) => {
    if (!(e instanceof QuestionAnsweringInputError)) throw e;
    throw new Error(`${inputs[e.index].source}: ${e.problem}`);
  }).finally(() => qa.dispose());
  const shown = answers.map((list): Answer | Answer[] => args.topK === 1 ? list[0] : list);
  console.log(JSON.stringify(shown.length === 1 ? shown[0] : shown, null, 2));
}

// The context file as UTF-8 text; anything else is named rather than decoded with U+FFFD.
async function readContext(file: string): Promise<string> {
  try {
    return await readText(file);
  } catch (e) {
    throw new Error(`--context-file ${(e as Error).message}`);
  }
}

// A questions file holds strings (about the common context) or {question, context} objects;
// the pipeline checks the fields' types, this only the file's shape.
async function readQuestions(
  file: string,
  context: string | undefined,
): Promise<{ question: unknown; context: unknown; source: string }[]> {
  let list: unknown;
  try {
    list = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof SyntaxError ? "malformed JSON: " : ""}${e}`);
  }
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON list of questions`);
  return list.map((entry, i) => {
    if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
      return { context, ...entry, source: `${file}: entry ${i}` };
    }
    if (typeof entry === "string") {
      return { question: entry, context, source: `${file}: entry ${i}` };
    }
    throw new Error(`${file}: entry ${i} is neither a question string nor an object`);
  });
}
