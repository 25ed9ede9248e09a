// Prints the slowest test files of a `deno test --junit-path=FILE` run, as .ci/run does after
// each stage:
//   deno run -R tools/test_times.ts build/ci/unit.xml [COUNT]
// A file's time is the sum of its tests' times (with --parallel, files overlap: the sum over files
// is more than the stage's wall time); the time a file spends loading its modules is not counted.

/** One test file and the seconds its tests took. */
export interface FileTime {
  file: string;
  seconds: number;
  tests: number;
}

/**
 * Reads a JUnit XML report as Deno writes it: one <testsuite> a file, one <testcase> a test, and
 * one more for each step (`TEST > STEP`), whose time is already inside its test's: steps are left
 * out.
 */
export function fileTimes(xml: string): FileTime[] {
  const files: FileTime[] = [];
  const suites = xml.matchAll(/<testsuite\s+name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g);
  for (const [, name, body] of suites) {
    const times = [...body.matchAll(/<testcase\s+name="([^"]*)"[^>]*\btime="([0-9.]+)"/g)]
      .filter(([, test]) => !unescape(test).includes(" > "))
      .map(([, , time]) => Number(time));
    const seconds = times.reduce((sum, t) => sum + t, 0);
    files.push({ file: unescape(name), seconds, tests: times.length });
  }
  return files.sort((a, b) => b.seconds - a.seconds);
}

function unescape(text: string): string {
  return text.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The `count` slowest files as aligned lines. */
export function slowest(files: FileTime[], count: number): string[] {
  return files.slice(0, count).map(({ file, seconds, tests }) =>
    `${seconds.toFixed(1).padStart(7)} s  ${String(tests).padStart(3)} tests  ${file}`
  );
}

if (import.meta.main) {
  const [path, count = "10"] = Deno.args;
  if (path == null) throw new Error("usage: deno run -R tools/test_times.ts REPORT.xml [COUNT]");
  const files = fileTimes(await Deno.readTextFile(path));
  console.log(
    `the ${Math.min(Number(count), files.length)} slowest of ${files.length} test files:`,
  );
  for (const line of slowest(files, Number(count))) console.log(line);
}
