import { assertEquals } from "../../test/assert.ts";
import type { SquadExample } from "../data/mod.ts";
import { exampleChunks } from "./chunks.ts";

const example = (chars: number): SquadExample => ({
  id: String(chars),
  title: "",
  context: "x".repeat(chars),
  question: "?",
  answers: { text: [], answer_start: [] },
});

Deno.test("chunks hold at most batchSize examples and maxContextChars of context", () => {
  const short = Array.from({ length: 5 }, () => example(10));
  assertEquals(exampleChunks(short, 2, 1000), [[0, 2], [2, 4], [4, 5]]);
  const long = [example(600), example(600), example(300), example(2000), example(1)];
  assertEquals(exampleChunks(long, 100, 1000), [[0, 1], [1, 3], [3, 4], [4, 5]]);
  assertEquals(exampleChunks([], 100, 1000), []);
});
