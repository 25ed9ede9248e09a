// Issue 21: our QuestionAnsweringPipeline against transformers 4.57.6's
// pipeline("question-answering") (the last release that has it), on the same saved models and the
// same inputs (pipeline_cases.ts): the tiny DistilBERT and tiny BERT of ../shared/golden/models, a
// DistilBERT fine-tuned here with `qa train`, and a small BERT with the bert-base-chinese
// vocabulary fine-tuned here on CMRC 2018. Every answer list must agree: the same answers in the
// same order, the same start and end (code points, as Python counts them; our UTF-16 `start` and
// `end` must index the same text), scores within 1e-5 relative. Inputs transformers refuses, we
// refuse. Needs QA_TRANSFORMERS457_PYTHON, a Python with transformers 4.57.6:
//   QA_TRANSFORMERS457_PYTHON=$(bash tools/transformers457_env.sh) deno task test:transformers
import { assert, assertEquals } from "../assert.ts";
import { qa } from "../cli.ts";
import { smallConfig } from "../marker_model.ts";
import { sharedPath } from "../shared.ts";
import { initBackend } from "../../lib/runtime/mod.ts";
import { setting } from "../../lib/settings.ts";
import { QuestionAnsweringModel } from "../../lib/model/mod.ts";
import {
  type Answer,
  type AskOptions,
  QuestionAnsweringPipeline,
  type QuestionContext,
} from "../../lib/pipeline/mod.ts";
import {
  chinesePairs,
  englishPairs,
  type HfOptions,
  OPTION_SETS,
  type Pair,
  REFUSED,
} from "./pipeline_cases.ts";

const python = setting("QA_TRANSFORMERS457_PYTHON");
if (!python) {
  console.warn(
    "test/transformers/pipeline_check.ts skipped: QA_TRANSFORMERS457_PYTHON is not set " +
      "(QA_TRANSFORMERS457_PYTHON=$(bash tools/transformers457_env.sh); that script says why " +
      "it cannot make one where the transformers 4.57.6 wheels are absent)",
  );
}
const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const TOLERANCE = 1e-5;
/** The largest relative score difference seen, for the summary line. */
let worstScore = 0;

interface HfAnswer {
  answer: string;
  score: number;
  start: number;
  end: number;
}
type HfResult = HfAnswer[] | { error: string };

/** Our names for transformers' options. */
function ourOptions(o: HfOptions): AskOptions {
  return {
    topK: o.top_k,
    handleImpossibleAnswer: o.handle_impossible_answer,
    maxAnswerLength: o.max_answer_len,
    maxLength: o.max_seq_len,
    docStride: o.doc_stride,
    alignToWords: o.align_to_words,
  };
}

/** transformers' answers: one list per input of each run (tools/hf_pipeline_answers.py). */
async function transformersAnswers(
  model: string,
  runs: { options: HfOptions; inputs: unknown[]; one_by_one?: boolean }[],
): Promise<HfResult[][]> {
  const dir = await Deno.makeTempDir({ prefix: "qa-pipeline-check-" });
  await Deno.writeTextFile(`${dir}/request.json`, JSON.stringify({ model, runs }));
  const output = await new Deno.Command(python!, {
    args: [repo("tools/hf_pipeline_answers.py"), `${dir}/request.json`],
    env: { OMP_NUM_THREADS: "1", TOKENIZERS_PARALLELISM: "false" },
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  const { versions, runs: answers } = JSON.parse(text);
  assertEquals(versions.transformers, "4.57.6");
  return answers;
}

/**
 * Where an answer list differs from transformers', or null. Where a window has fewer possible
 * spans than transformers asks it for, transformers fills its list with spans of probability 0
 * (numpy's pick among the masked and reversed pairs): those may end its list, as answers of score
 * 0 that ours, holding only spans of positive probability, lacks (docs/pipeline.md).
 */
function difference(
  context: string,
  ours: Answer[],
  theirs: HfAnswer[],
  topK: number,
): { differs: string | null; zeroFillers: number } {
  const positive = theirs.filter((b) => b.score > 0);
  const zeroFillers = theirs.length - positive.length;
  if (zeroFillers > 0 && (theirs.slice(positive.length).some((b) => b.score !== 0))) {
    return { differs: `transformers ranks a score-0 answer above others`, zeroFillers };
  }
  if (zeroFillers > 0 && ours.length >= topK) {
    return { differs: `transformers has answers of score 0 though ours has ${topK}`, zeroFillers };
  }
  if (ours.length !== positive.length) {
    return { differs: `${ours.length} answers, transformers ${positive.length}`, zeroFillers };
  }
  for (const [k, a] of ours.entries()) {
    const b = positive[k];
    const codePoints = [
      Array.from(context.slice(0, a.start)).length,
      Array.from(context.slice(0, a.end)).length,
    ];
    const relative = Math.abs(a.score - b.score) / Math.max(a.score, b.score);
    if (a.answer === b.answer) worstScore = Math.max(worstScore, relative);
    const same = a.answer === b.answer && codePoints[0] === b.start && codePoints[1] === b.end &&
      a.startCodePoint === b.start && a.endCodePoint === b.end &&
      context.slice(a.start, a.end) === a.answer &&
      relative <= TOLERANCE;
    if (!same) {
      return {
        differs: `answer ${k}: ours ${JSON.stringify(a)}, transformers ${JSON.stringify(b)}`,
        zeroFillers,
      };
    }
  }
  return { differs: null, zeroFillers };
}

/**
 * Runs every option set over `pairs` with ours and transformers' pipeline on `model`, then the
 * refused inputs; prints the agreement and fails on any disagreement.
 */
async function compare(name: string, model: string, pairs: Pair[]): Promise<void> {
  await initBackend("auto");
  const runs = [
    ...OPTION_SETS.map((options) => ({ options, inputs: pairs })),
    ...REFUSED.map(({ input, options }) => ({ options, inputs: [input], one_by_one: true })),
  ];
  const theirs = await transformersAnswers(model, runs);
  const pipeline = await QuestionAnsweringPipeline.fromPretrained(model, { log: () => {} });
  const disagreements: string[] = [];
  worstScore = 0;
  let agreed = 0;
  try {
    for (const [r, options] of OPTION_SETS.entries()) {
      const ours = await pipeline.answer(pairs, ourOptions(options));
      let [agreedHere, filled] = [0, 0];
      for (const [i, pair] of pairs.entries()) {
        const found = theirs[r][i];
        assert(Array.isArray(found), `transformers refused input ${i}: ${JSON.stringify(found)}`);
        const { differs, zeroFillers } = difference(
          pair.context,
          ours[i],
          found,
          options.top_k ?? 1,
        );
        if (differs === null) agreedHere++;
        else disagreements.push(`${JSON.stringify(options)} input ${i}: ${differs}`);
        if (zeroFillers > 0) filled++;
      }
      console.log(
        `${name}, ${JSON.stringify(options)}: ${agreedHere}/${pairs.length} agree` +
          (filled ? ` (${filled} where transformers adds answers of probability 0)` : ""),
      );
      agreed += agreedHere;
    }
    for (const [k, { input, options, why }] of REFUSED.entries()) {
      const found = theirs[OPTION_SETS.length + k][0];
      assert("error" in found, `transformers answered ${why}: ${JSON.stringify(found)}`);
      const ours = await pipeline.answer(input as QuestionContext, ourOptions(options)).then(
        (answers) => `answered ${JSON.stringify(answers)}`,
        (e) => `refused (${e.message})`,
      );
      console.log(`${name}, ${why}: transformers ${found.error}; ours ${ours}`);
      assert(ours.startsWith("refused"), `${why}: transformers refused it, ours ${ours}`);
    }
  } finally {
    pipeline.dispose();
  }
  console.log(
    `${name}: ${agreed}/${
      pairs.length * OPTION_SETS.length
    } answer lists agree with transformers 4.57.6 ` +
      `(${pairs.length} inputs x ${OPTION_SETS.length} option sets); scores within ` +
      `${worstScore.toExponential(1)} relative`,
  );
  assert(
    disagreements.length === 0,
    `${disagreements.length} disagreements, the first:\n${disagreements.slice(0, 5).join("\n")}`,
  );
}

/** A model fine-tuned here for a few steps with `qa train`, saved with its tokenizer. */
async function fineTuned(start: string, train: string, steps: number): Promise<string> {
  const output = await Deno.makeTempDir({ prefix: "qa-pipeline-model-" });
  const run = await qa(
    "train",
    "--model",
    start,
    "--train",
    repo(train),
    "--output",
    output,
    "--max-steps",
    String(steps),
    "--batch-size",
    "8",
    "--learning-rate",
    "2e-3",
  );
  assertEquals(run.code, 0, `${run.stdout}\n${run.stderr}`);
  return output;
}

const english = python ? await englishPairs() : [];

for (const init of ["tiny-distilbert-init", "tiny-bert-init"]) {
  Deno.test({
    name: `pipeline: ${init} answers as transformers 4.57.6 does`,
    ignore: !python,
    fn: () => compare(init, sharedPath(`golden/models/${init}`), english),
  });
}

Deno.test({
  name: "pipeline: a DistilBERT fine-tuned with qa train answers as transformers 4.57.6 does",
  ignore: !python,
  fn: async () => {
    const model = await fineTuned(
      sharedPath("golden/models/tiny-distilbert-init"),
      "data/squad-v1.1-train-sample.json",
      12,
    );
    await compare("tiny-distilbert fine-tuned 12 steps", model, english);
    await Deno.remove(model, { recursive: true });
  },
});

// No Chinese checkpoint with weights can be had here: a small BERT with bert-base-chinese's
// vocabulary and tokenizer, randomly initialised, then fine-tuned on CMRC 2018 with qa train.
Deno.test({
  name: "pipeline: a Chinese BERT fine-tuned on CMRC 2018 answers as transformers 4.57.6 does",
  ignore: !python,
  fn: async () => {
    await initBackend("auto");
    const init = await Deno.makeTempDir({ prefix: "qa-pipeline-zh-init-" });
    const random = QuestionAnsweringModel.fromConfig(smallConfig("bert", 21128));
    await random.save(init, { tokenizerFolder: sharedPath("models/bert-base-chinese") });
    random.dispose();
    const model = await fineTuned(init, "data/cmrc2018-trial-sample.json", 8);
    await compare("small bert-base-chinese fine-tuned 8 steps", model, await chinesePairs());
    await Deno.remove(init, { recursive: true });
    await Deno.remove(model, { recursive: true });
  },
});
