import { assertEquals } from "../test/assert.ts";
import { fileTimes, slowest } from "./test_times.ts";

// The shape of Deno 2.9's JUnit report: a <testsuite> per file, a <testcase> per test.
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="3" failures="0" errors="0" time="4.000">
    <testsuite name="./lib/a_test.ts" tests="2" disabled="0" errors="0" failures="0">
        <testcase name="one" classname="./lib/a_test.ts" time="0.500" line="1" col="6">
        </testcase>
        <testcase name="it&apos;s two" classname="./lib/a_test.ts" time="0.250" line="9" col="6">
        </testcase>
        <testcase name="it&apos;s two &gt; a step" classname="./lib/a_test.ts" time="0.200" line="10" col="8">
        </testcase>
    </testsuite>
    <testsuite name="./lib/b&amp;c_test.ts" tests="1" disabled="0" errors="0" failures="1">
        <testcase name="slow" classname="./lib/b&amp;c_test.ts" time="3.000" line="1" col="6">
            <failure message="boom">boom</failure>
        </testcase>
    </testsuite>
    <testsuite name="./lib/empty_test.ts" tests="0" disabled="0" errors="0" failures="0">
    </testsuite>
</testsuites>`;

Deno.test("fileTimes sums each file's tests (not their steps), slowest first, names unescaped", () => {
  assertEquals(fileTimes(REPORT), [
    { file: "./lib/b&c_test.ts", seconds: 3, tests: 1 },
    { file: "./lib/a_test.ts", seconds: 0.75, tests: 2 },
    { file: "./lib/empty_test.ts", seconds: 0, tests: 0 },
  ]);
});

Deno.test("slowest lists the first files as aligned lines", () => {
  assertEquals(slowest(fileTimes(REPORT), 2), [
    "    3.0 s    1 tests  ./lib/b&c_test.ts",
    "    0.8 s    2 tests  ./lib/a_test.ts",
  ]);
});
