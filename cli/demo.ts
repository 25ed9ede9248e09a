// `deno task demo`: the tutorial's main job on a laptop CPU in a few minutes — fine-tune a small
// question-answering model on the shipped SQuAD sample, evaluate it, save it, ask it a question.
// Everything it needs is in the repository: the model is presets/qa-distilbert-small (config and
// tokenizer; its weights are initialised from the config, seeded), the data are under data/.
//
// Online, the tutorial's own setting is a few variables away:
//   QA_MODEL=distilbert-base-uncased QA_TRAIN=squad QA_EVAL=squad:validation QA_LR=2e-5 \
//   QA_EPOCHS=3 deno task demo
// QA_MODEL takes a folder too (e.g. the reference run's init, ../shared/models/qa-distilbert-small-init).
import { fileURLToPath } from "node:url";
import { loadSquad } from "../lib/data/mod.ts";
import { prepareTrainFeatures } from "../lib/features/mod.ts";
import { describeBackend, initBackend } from "../lib/runtime/mod.ts";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { answerQuestion, predictDataset, scorePredictions } from "../lib/pipeline/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { showRandomElements } from "../lib/views/mod.ts";
import { defaultArguments, Trainer } from "../lib/train/mod.ts";
import { runMain } from "./main.ts";
import { trainingBar } from "./progress.ts";
import { setting } from "../lib/settings.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const modelName = setting("QA_MODEL") ?? here("../presets/qa-distilbert-small");
const trainSource = setting("QA_TRAIN") ?? here("../data/squad-v1.1-sample.json");
const evalSource = setting("QA_EVAL") ?? here("../data/squad-v2.0-sample.json");
const output = setting("QA_OUTPUT") ?? here("../models/demo");

async function main(): Promise<void> {
  const backend = await initBackend(setting("QA_BACKEND"));
  console.log(`backend: ${describeBackend(backend)}`);

  console.log(`1. data: train ${trainSource}, evaluate ${evalSource}`);
  const train = await loadSquad(trainSource);
  const evaluation = await loadSquad(evalSource);
  console.log(
    `   ${train.examples.length} training questions, ${evaluation.examples.length} to evaluate`,
  );
  console.log(showRandomElements(train.examples, 2, { seed: 7 }).toString(110));

  console.log(`2. model and tokenizer: ${modelName}`);
  const tokenizer = await QATokenizer.fromPretrained(modelName);
  const model = await QuestionAnsweringModel.fromPretrained(modelName);
  console.log(
    `   ${model.config.modelType}, ${(model.numParameters() / 1e6).toFixed(1)}M parameters`,
  );

  const { features, skipped } = await prepareTrainFeatures(tokenizer, train.examples, {
    source: train.source,
  });
  const evalFeatures = await prepareTrainFeatures(tokenizer, evaluation.examples, {
    source: evaluation.source,
  });
  console.log(
    `3. features (max_length 384, doc_stride 128): ${features.length} for training` +
      (skipped.length ? `, ${skipped.length} questions skipped` : ""),
  );

  const args = {
    ...defaultArguments(output),
    epochs: setting("QA_EPOCHS"),
    batchSize: setting("QA_BATCH_SIZE"),
    learningRate: setting("QA_LR"),
    loggingSteps: 5,
    workers: backend === "wasm" ? navigator.hardwareConcurrency : 1,
  };
  console.log(
    `4. training: ${args.epochs} epochs, batch ${args.batchSize}, lr ${args.learningRate}, ` +
      `AdamW (weight decay ${args.weightDecay}), linear decay, clip ${args.maxGradNorm}`,
  );
  const bar = trainingBar("   train");
  const trainer = new Trainer(model, args, features, evalFeatures.features, {
    onStep: (step, total, loss, speed) => bar.update(step, total, loss, speed),
  });
  const started = performance.now();
  await trainer.train();
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  const losses = trainer.state.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss!);
  const evalLosses = trainer.state.logHistory.filter((e) => e.eval_loss !== undefined)
    .map((e) => e.eval_loss!.toFixed(3));
  console.log(
    `   ${trainer.state.globalStep} steps in ${seconds.toFixed(0)} s; training loss ` +
      `${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}; eval loss by epoch ${
        evalLosses.join(", ")
      }`,
  );

  await model.save(output, { tokenizerFolder: tokenizer.folder });
  console.log(`5. saved to ${output} (config.json, model.safetensors, tokenizer files)`);

  const versionTwo = evaluation.version.startsWith("2");
  const { predictions } = await predictDataset(model, tokenizer, evaluation.examples);
  const scores = scorePredictions(evaluation.examples, predictions, versionTwo);
  console.log(
    `6. SQuAD v${versionTwo ? "2.0" : "1.1"} metric on ${evaluation.examples.length} questions: ` +
      `exact ${scores.exact?.toFixed(2) ?? scores.exact_match?.toFixed(2)}, f1 ${
        scores.f1.toFixed(2)
      }`,
  );

  const example = evaluation.examples.find((e) => e.answers.text.length > 0)!;
  const [answer] = await answerQuestion(model, tokenizer, example.question, example.context);
  console.log(`7. "${example.question}" → "${answer.answer}" (gold: "${example.answers.text[0]}")`);
  model.dispose();
}

await runMain(main);
