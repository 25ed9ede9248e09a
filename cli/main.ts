// How every command-line program ends on an error: one line, exit code 1, no stack trace —
// unless QA_DEBUG=1 asks for it.
import { setting } from "../lib/settings.ts";

/** The variable that makes `runMain` print the stack of every error. */
export const DEBUG_ENV = "QA_DEBUG";

/**
 * Runs a program's `main`. An error ends it with `error: <message>` on stderr and exit code 1;
 * a TypeError or ReferenceError (a bug, not bad input) says so and how to see its stack. With
 * QA_DEBUG=1 the stack is printed as well.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  let debug = false;
  try {
    debug = setting("QA_DEBUG"); // a bad value is reported as any error
    await main();
  } catch (e) {
    console.error(errorReport(e, debug));
    Deno.exit(1);
  }
}

/** What `runMain` prints for an error. */
export function errorReport(e: unknown, debug: boolean): string {
  if (!(e instanceof Error)) return `error: ${String(e)}`;
  const bug = e instanceof TypeError || e instanceof ReferenceError;
  const line = bug
    ? `error: internal error (${e.name}: ${e.message}); please report it, with the stack ` +
      `${DEBUG_ENV}=1 prints`
    : `error: ${e.message}`;
  return debug && e.stack ? `${line}\n${e.stack}` : line;
}
