import { assertAlmostEquals, assertEquals } from "../../test/assert.ts";
import {
  cmrcExact,
  cmrcF1,
  evaluateCmrc,
  longestCommonSubstring,
  mixedSegmentation,
} from "./cmrc.ts";

Deno.test("mixed segmentation: Chinese characters one by one, other runs as words", () => {
  assertEquals(mixedSegmentation("1963年被任为主教"), ["1963", "年", "被", "任", "为", "主", "教"]);
  assertEquals(mixedSegmentation(" Hello World，中国 "), ["hello", "world", "，", "中", "国"]);
  assertEquals(mixedSegmentation("《红楼梦》。", true), ["红", "楼", "梦"]);
  assertEquals(mixedSegmentation("3.5 km, ok"), ["3.5", "km", ",", "ok"]);
});

Deno.test("longest common substring counts contiguous tokens only", () => {
  assertEquals(longestCommonSubstring(["a", "b", "c", "d"], ["x", "b", "c", "y", "d"]), 2);
  assertEquals(longestCommonSubstring([], ["a"]), 0);
});

Deno.test("F1 over the longest common substring, best gold answer; EM ignores punctuation", () => {
  // gold [1963, 年], prediction [1963, 年, 4, 月]: precision 1/2, recall 1 → 2/3.
  assertAlmostEquals(cmrcF1(["1963年"], "1963年4月"), 2 / 3, 1e-12);
  assertEquals(cmrcF1(["主教", "1963年"], "1963年"), 1);
  assertEquals(cmrcF1(["主教"], "枢机"), 0);
  assertEquals(cmrcExact(["《红楼梦》"], "红楼梦"), 1);
  assertEquals(cmrcExact(["红楼梦"], "红楼"), 0);
});

Deno.test("evaluateCmrc: percent over all questions, a missing prediction scores 0", () => {
  const example = (id: string, answer: string) => ({
    id,
    title: "",
    question: "?",
    context: answer,
    answers: { text: [answer], answer_start: [0] },
  });
  const result = evaluateCmrc(
    [example("a", "越南"), example("b", "河内"), example("c", "1963年")],
    { a: "越南", c: "1963年4月" },
  );
  assertAlmostEquals(result.exact_match, 100 / 3, 1e-9);
  assertAlmostEquals(result.f1, (100 * (1 + 2 / 3)) / 3, 1e-9);
  assertEquals([result.total, result.skipped], [3, 1]);
});
