import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { initBackend } from "../model/backend.ts";
import { QuestionAnsweringModel } from "../model/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { answerQuestion } from "./mod.ts";

await initBackend("auto");

Deno.test("answers index the JavaScript string, also after emoji", async () => {
  const folder = sharedPath("golden/models/tiny-distilbert-init");
  const model = await QuestionAnsweringModel.fromPretrained(folder, { log: () => {} });
  const tokenizer = await QATokenizer.fromPretrained(folder);
  const context = "😀😀 The party 🎉 was held in Paris 🇫🇷 in 2024, said 𝔄lice.";
  const answers = await answerQuestion(model, tokenizer, "Where was the party?", context, {
    topK: 5,
  });
  assertEquals(answers.length, 5);
  for (const a of answers) assertEquals(context.slice(a.start, a.end), a.answer);
  const total = answers.reduce((sum, a) => sum + a.score, 0);
  assert(total <= 1 + 1e-9);
  let message = "";
  await answerQuestion(model, tokenizer, "Where?", "  ").catch((e) => message = String(e));
  assert(message.includes("empty"), message);
  model.dispose();
});
