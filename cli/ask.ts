import type { Command } from "commander";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { answerQuestion } from "../lib/pipeline/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { type ModelArgs, startBackend, withModelOptions } from "./model_args.ts";
import { positiveInt } from "./report.ts";

interface AskArgs extends ModelArgs {
  model: string;
  question: string;
  context?: string;
  contextFile?: string;
  topK: number;
  handleImpossibleAnswer?: boolean;
  maxAnswerLength: number;
}

/** `qa ask`: one question about one context, like pipeline("question-answering"). */
export function askCommand(program: Command): void {
  const command = program.command("ask")
    .description("answer one question from a context with a trained model")
    .requiredOption("--model <dir|hub-id>", "a fine-tuned question-answering checkpoint")
    .requiredOption("--question <text>", "the question")
    .option("--context <text>", "the text to find the answer in")
    .option("--context-file <file>", "read the context from a file (any length)")
    .option("--top-k <n>", "how many answers to print", positiveInt("--top-k"), 1)
    .option("--handle-impossible-answer", "allow the empty answer (SQuAD v2 models)")
    .option(
      "--max-answer-length <n>",
      "longest answer in tokens",
      positiveInt("--max-answer-length"),
      30,
    );
  withModelOptions(command).action(ask);
}

async function ask(args: AskArgs): Promise<void> {
  if ((args.context === undefined) === (args.contextFile === undefined)) {
    throw new Error("give the context with exactly one of --context or --context-file");
  }
  const context = args.context ?? await Deno.readTextFile(args.contextFile!);
  await startBackend(args.backend);
  const tokenizer = await QATokenizer.fromPretrained(args.tokenizer ?? args.model);
  const model = await QuestionAnsweringModel.fromPretrained(args.model);
  const answers = await answerQuestion(model, tokenizer, args.question, context, {
    topK: args.topK,
    handleImpossibleAnswer: args.handleImpossibleAnswer,
    maxAnswerLength: args.maxAnswerLength,
    maxLength: args.maxLength,
    docStride: args.docStride,
  });
  console.log(JSON.stringify(args.topK === 1 ? answers[0] : answers, null, 2));
}
