// The questions and option sets of the pipeline's differential test (pipeline_check.ts): real
// SQuAD and CMRC 2018 pairs, long contexts read in several windows, emoji and other astral
// characters, questions with leading whitespace, and inputs the pipeline must refuse.
import { sharedPath } from "../shared.ts";

/** One input, as both pipelines take it. */
export interface Pair {
  question: string;
  context: string;
}

/** transformers' option names (our names: see `ourOptions` in pipeline_check.ts). */
export interface HfOptions {
  top_k?: number;
  handle_impossible_answer?: boolean;
  max_answer_len?: number;
  max_seq_len?: number;
  doc_stride?: number;
  align_to_words?: boolean;
}

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;

interface SquadFile {
  data: { paragraphs: { context: string; qas: { question: string }[] }[] }[];
}

async function readSquad(path: string): Promise<SquadFile> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Every (question, context) of a SQuAD-shaped file, in file order. */
function pairsOf(file: SquadFile): Pair[] {
  return file.data.flatMap((article) =>
    article.paragraphs.flatMap(({ context, qas }) =>
      qas.map(({ question }) => ({ question, context }))
    )
  );
}

/** Every `step`-th item, `count` of them at most. */
function every<T>(items: T[], step: number, count: number): T[] {
  return items.filter((_, i) => i % step === 0).slice(0, count);
}

// Astral and other characters that JavaScript and Python count differently (UTF-16 units against
// code points), set inside words, between words and at the start.
const ASTRAL = ["😀", "🇫🇷", "𝔄", "𠮷", "👩‍👩‍👧", "🎉", "e\u0301", "\u{1F9EA}"];

function withAstral(context: string, i: number): string {
  const words = context.split(" ");
  const marked = words.map((word, k) => {
    if (k % 9 === i % 9) return `${ASTRAL[(k + i) % ASTRAL.length]} ${word}`;
    if (k % 13 === 5) return `${word}${ASTRAL[(k + 2 * i) % ASTRAL.length]}`;
    return word;
  });
  return `${ASTRAL[i % ASTRAL.length]}${marked.join(" ")}`;
}

const LEADING = ["   ", "\t", " \n ", "\u3000", "  \u00a0"];

/** The English inputs: 334 pairs. */
export async function englishPairs(): Promise<Pair[]> {
  const v1 = pairsOf(await readSquad(repo("data/squad-v1.1-sample.json")));
  const v2 = pairsOf(await readSquad(repo("data/squad-v2.0-sample.json")));
  const tutorial = pairsOf(await readSquad(repo("data/tutorial-examples.json")));
  const dev = await readSquad(sharedPath("data/squad/squad-v1.1-dev-articles-00-37.json"));
  const devPairs = pairsOf(dev);
  // Whole articles' first paragraphs joined: 1,000 and more tokens, three windows or more.
  const long = dev.data.slice(0, 20).map((article, i): Pair => {
    const paragraphs = article.paragraphs.slice(0, 3 + (i % 4));
    return {
      question: paragraphs[paragraphs.length - 1].qas[0].question,
      context: paragraphs.map((p) => p.context).join("\n\n"),
    };
  });
  const astral = every(devPairs.slice(3000), 37, 40).map(({ question, context }, i) => ({
    question: i % 4 === 0 ? `${ASTRAL[i % ASTRAL.length]} ${question}` : question,
    context: withAstral(context, i),
  }));
  const leading = every(devPairs.slice(6000), 41, 25).map(({ question, context }, i) => ({
    question: `${LEADING[i % LEADING.length]}${question}`,
    context,
  }));
  // A few words of context: fewer possible spans than transformers asks a window for.
  const short = every(devPairs.slice(7000), 53, 12).map(({ question, context }, i) => ({
    question,
    context: context.split(" ").slice(0, 1 + (i % 6)).join(" "),
  }));
  return [
    ...every(v1, 1, 150),
    ...every(v2, 2, 60),
    ...every(devPairs.slice(1000), 97, 25),
    ...tutorial,
    ...long,
    ...astral,
    ...leading,
    ...short,
  ];
}

/** The Chinese inputs: CMRC 2018 dev and trial samples, 120 pairs. */
export async function chinesePairs(): Promise<Pair[]> {
  const dev = pairsOf(await readSquad(repo("data/cmrc2018-dev-sample.json")));
  const trial = pairsOf(await readSquad(repo("data/cmrc2018-trial-sample.json")));
  return [...dev, ...every(trial, 4, 40)];
}

/** The option sets every input goes through. */
export const OPTION_SETS: HfOptions[] = [
  ...[1, 3, 20].flatMap((top_k) =>
    [false, true].map((handle_impossible_answer) => ({ top_k, handle_impossible_answer }))
  ),
  { top_k: 3, align_to_words: false },
  { top_k: 5, handle_impossible_answer: true, max_seq_len: 128 },
  { top_k: 4, max_seq_len: 192, doc_stride: 40, max_answer_len: 30 },
  { top_k: 3, max_answer_len: 3, align_to_words: false, handle_impossible_answer: true },
];

/** Inputs and options both pipelines must refuse, each asked on its own. */
export const REFUSED: { input: unknown; options: HfOptions; why: string }[] = [
  { input: { question: "", context: "In Paris." }, options: {}, why: "empty question" },
  { input: { question: "Where?", context: "" }, options: {}, why: "empty context" },
  { input: { question: null, context: "In Paris." }, options: {}, why: "null question" },
  { input: { question: "Where?" }, options: {}, why: "no context" },
  {
    input: { question: "why ".repeat(400), context: "In Paris." },
    options: {},
    why: "a question longer than max_seq_len",
  },
  {
    input: { question: "Where?", context: "In Paris." },
    options: { top_k: 0 },
    why: "top_k 0",
  },
  {
    input: { question: "Where?", context: "In Paris." },
    options: { max_answer_len: 0 },
    why: "max_answer_len 0",
  },
  {
    input: { question: "Where?", context: "In Paris." },
    options: { max_seq_len: 64, doc_stride: 65 },
    why: "doc_stride larger than max_seq_len",
  },
];
