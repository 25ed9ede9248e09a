// What a command prints when it stops on an error.
import { assert, assertEquals } from "../test/assert.ts";
import { errorReport } from "./main.ts";

Deno.test("an error is one line; a bug says so; QA_DEBUG adds the stack", () => {
  assertEquals(
    errorReport(new Error("data.json: no such file"), false),
    "error: data.json: no such file",
  );
  assertEquals(errorReport("plain", false), "error: plain");
  const bug = errorReport(new TypeError("x is undefined"), false);
  assertEquals(
    bug,
    "error: internal error (TypeError: x is undefined); please report it, with the stack QA_DEBUG=1 prints",
  );
  const debug = errorReport(new Error("bad input"), true).split("\n");
  assertEquals(debug[0], "error: bad input");
  assert(debug.some((line) => /^\s+at .*main_test\.ts/.test(line)), debug.join("\n"));
});
