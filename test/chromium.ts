// What a test driving Debian's chromium needs, in one place: the browser ($QA_CHROMIUM) and the
// model it serves. A test with something absent is skipped, saying what and how to get it.
import { setting } from "../lib/settings.ts";

// The chromium the browser tests drive (their drivers read $QA_CHROMIUM too).
const CHROMIUM = setting("QA_CHROMIUM");

/** Whether `path` exists. */
export const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/**
 * What `test` (its name, for the message) needs and does not find: chromium and `model`; warns
 * once when something is absent. Empty when the test can run.
 */
export async function absentForBrowser(test: string, model: string): Promise<string[]> {
  const missing = [
    ...(await exists(CHROMIUM))
      ? []
      : [`${CHROMIUM} (apt-get install -y chromium, or set QA_CHROMIUM)`],
    ...(await exists(model)) ? [] : [`${model} (see ../shared/README.md)`],
  ];
  if (missing.length > 0) console.warn(`skipping the ${test}: absent: ${missing.join("; ")}`);
  return missing;
}
