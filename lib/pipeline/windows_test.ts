import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { pipelineWindows, windowSettings } from "./windows.ts";

const chinese = await QATokenizer.fromPretrained(sharedPath("models/bert-base-chinese"));
const tinyBert = await QATokenizer.fromPretrained(sharedPath("golden/models/tiny-bert-init"));

Deno.test("windowSettings: transformers' defaults and its refusal of a stride longer than the window", () => {
  assertEquals(windowSettings(chinese, {}), { maxLength: 384, docStride: 128 });
  assertEquals(windowSettings(chinese, { maxLength: 100 }), { maxLength: 100, docStride: 50 });
  assertEquals(windowSettings(chinese, { maxLength: 101, docStride: 101 }), {
    maxLength: 101,
    docStride: 101,
  });
  for (const bad of [{ maxLength: 64, docStride: 65 }, { maxLength: 0 }, { docStride: -1 }]) {
    let error: unknown;
    try {
      windowSettings(chinese, bad);
    } catch (e) {
      error = e;
    }
    assert(error instanceof RangeError, `${JSON.stringify(bad)}: ${error}`);
  }
});

Deno.test("windows of a long context: type 1 for the context in every window, words and offsets only there", async () => {
  const question = "  法國的首都是哪裡？";
  const context = "巴黎是法國的首都，人口約兩百萬（2024年），Paris 也是 Île-de-France 的首府。"
    .repeat(8);
  const windows = await pipelineWindows(chinese, [{ question, context }], {
    maxLength: 64,
    docStride: 16,
  });
  assert(windows.length > 3, `${windows.length} windows`);
  for (const w of windows) {
    const contextTokens = w.offsets.flatMap((o, k) => o === null ? [] : [k]);
    const lastReal = w.attention_mask.lastIndexOf(1);
    assertEquals(
      w.token_type_ids,
      w.input_ids.map((_, k) => contextTokens.includes(k) || k === lastReal ? 1 : 0),
    );
    assertEquals(w.wordIds.map((word) => word !== null), w.offsets.map((o) => o !== null));
    assertEquals(w.cls, 0);
    assertEquals(w.input, 0);
  }
  // "Paris" and "France" are one word each, whatever their pieces.
  const [first] = windows;
  const words = new Set(first.wordIds.filter((word) => word !== null));
  assert(words.size < first.offsets.filter((o) => o !== null).length, "some words have pieces");
});

Deno.test("a tokenizer without token types (DistilBERT's class) gives the model none", async () => {
  const [window] = await pipelineWindows(tinyBert, [{ question: "Who?", context: "Me." }], {
    maxLength: 32,
    docStride: 8,
  });
  assertEquals(window.token_type_ids, []);
});
