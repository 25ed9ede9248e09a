import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import type { SquadExample } from "../data/types.ts";
import { highlightAnswer, utf16Offset } from "./mod.ts";

// Marked text of the HTML: what each <mark> holds, by its title.
function marks(html: string): [string, string][] {
  return [...html.matchAll(/<mark style="[^"]*" title="([^"]*)">([^<]*)<\/mark>/g)]
    .map((m) => [m[1], m[2]]);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

Deno.test("highlightAnswer: gold and predicted spans of a real SQuAD question", async () => {
  const [example] = await readGolden<SquadExample>("public", "dev_examples.jsonl.gz");
  const gold = example.answers;
  const [text] = gold.text;
  const start = gold.answer_start[0];
  // A prediction that overlaps the gold answer: its second half and the two characters after it.
  const half = Math.floor(text.length / 2);
  const predicted = {
    text: example.context.slice(start + half, start + text.length + 2),
    start: start + half,
  };
  const view = highlightAnswer(example.context, { gold, predicted });
  assertEquals(marks(view.toHtml()), [
    ["gold", text.slice(0, half)],
    ["gold and predicted", text.slice(half)],
    ["predicted", example.context.slice(start + text.length, start + text.length + 2)],
  ]);
  const marked = String(view).split("\n")[1];
  assertEquals(
    marked,
    example.context.slice(0, start) + "[" + text.slice(0, half) + "{" + text.slice(half) + "]" +
      example.context.slice(start + text.length, start + text.length + 2) + "}" +
      example.context.slice(start + text.length + 2),
  );
});

Deno.test("highlightAnswer: HTML in the context is escaped, not interpreted", () => {
  const context = `Use <script>alert("x")</script> & <b>bold</b> tags.`;
  const view = highlightAnswer(context, {
    gold: { text: ["<b>bold</b>"], answer_start: [context.indexOf("<b>")] },
  });
  const html = view.toHtml();
  assert(!html.includes("<script>") && !html.includes("<b>"), html);
  assert(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "), html);
  assertEquals(marks(html), [["gold", "&lt;b&gt;bold&lt;/b&gt;"]]);
  assert(html.includes("&quot;&lt;b&gt;bold&lt;/b&gt;&quot;"), "the legend's gold text is escaped");
});

Deno.test("highlightAnswer: code point offsets after emoji and astral CJK; UTF-16 for the pipeline", () => {
  // 😀 and 𠀀 (U+20000) take two UTF-16 units each; 北京 and é one each.
  const context = "😀 Café in 𠀀北京 😀 is open.";
  const codePoint = (s: string) => Array.from(context.slice(0, context.indexOf(s))).length;
  const gold = { text: ["北京 😀"], answer_start: [codePoint("北京")] };
  assertEquals(gold.answer_start[0], 11); // Python's context.index("北京")
  assertEquals(context.indexOf("北京"), 13); // JavaScript's
  const fromNbest = highlightAnswer(context, {
    gold,
    predicted: { text: "𠀀北京", start: codePoint("𠀀") },
  });
  assertEquals(marks(fromNbest.toHtml()), [["predicted", "𠀀"], ["gold and predicted", "北京"], [
    "gold",
    " 😀",
  ]]);
  assertEquals(String(fromNbest).split("\n")[1], "😀 Café in {𠀀[北京} 😀] is open.");
  // The pipeline's Answer counts UTF-16 units, as `context.slice(start, end)` does.
  const fromPipeline = highlightAnswer(context, {
    gold,
    predicted: { answer: "𠀀北京", start: 11, end: 15 },
  });
  assertEquals(fromPipeline.spans, fromNbest.spans);
  // An n-best entry's offsets are code points, like the rest of the postprocessing.
  const fromEntry = highlightAnswer(context, {
    gold,
    predicted: { text: "𠀀北京", offsets: [codePoint("𠀀"), codePoint("𠀀") + 3] },
  });
  assertEquals(fromEntry.spans, fromNbest.spans);
  const utf16 = highlightAnswer(context, { predicted: { text: "Café", start: 3, unit: "utf16" } });
  assertEquals(marks(utf16.toHtml()), [["predicted", "Café"]]);
  assertEquals(utf16Offset(context, 11), 13);
  assertEquals(utf16Offset(context, 99), undefined);
});

Deno.test("highlightAnswer: an answer that is not at its offset is an error saying where it is", () => {
  const context = "😀 Café in 北京.";
  assertEquals(
    errorOf(() => highlightAnswer(context, { predicted: { text: "北京", start: 11 } })),
    'predicted answer "北京" is not at code point 11 of the context: found "京." ' +
      "(it is there counting UTF-16 units)",
  );
  assertEquals(
    errorOf(() => highlightAnswer(context, { gold: { text: ["Paris"], answer_start: [3] } })),
    'gold answer 1 "Paris" is not at code point 3 of the context: found "afé i" ' +
      "(the context does not contain it)",
  );
  assert(
    errorOf(() => highlightAnswer(context, { gold: { text: ["x"], answer_start: [] } }))
      .includes("1 gold answer texts but 0 answer_start"),
  );
});

Deno.test("highlightAnswer: no answer predicted, several gold answers, a real Chinese context", async () => {
  const [example] = await readGolden<SquadExample>("public-zh", "dev_examples.jsonl.gz");
  const view = highlightAnswer(example.context, {
    gold: example.answers,
    predicted: { text: "", start: 0 },
  });
  const gold = [...new Set(example.answers.text)];
  assert(
    String(view).startsWith(
      `[gold] ${gold.map((t) => JSON.stringify(t)).join(" / ")}   {predicted} (no answer)`,
    ),
  );
  const marked = marks(view.toHtml()).map(([, text]) => text).join("");
  assert(gold.every((t) => marked.includes(t)), `${marked} holds every gold answer`);
  assert(!view.toHtml().includes('title="predicted"'));
});
