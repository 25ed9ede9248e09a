// "Run in this browser" played by Debian's Chromium (playwright-core): choose the mode, ask the
// page's first SQuAD example and a long context of several windows, and print the answers the
// tab computed (unrounded) as JSON. `deno run --allow-all lib/serve/browser_driver.ts URL DIR`
// (a separate process for the reason page_driver.ts gives); screenshots go to DIR.
import type { Page } from "playwright-core";
import { LONG_PARAGRAPHS, runDriver, TYPED_QUESTION } from "./page_driver.ts";

/** One answer as the tab gave it. */
export interface TabAnswer {
  answer: string;
  score: number;
  start: number;
  end: number;
}

/** What the driver saw. */
export interface BrowserObservations {
  question: string;
  context: string;
  answers: TabAnswer[];
  answeredBy: string | null;
  markedAnswer: string | null;
  longContext: string;
  longAnswers: TabAnswer[];
  longWindows: number;
  consoleErrors: string[];
}

async function askHere(page: Page, consoleErrors: string[]): Promise<TabAnswer[]> {
  await page.evaluate("globalThis.qaBrowserAnswers = undefined");
  await page.getByRole("button", { name: "Answer" }).click();
  await page.waitForFunction("globalThis.qaBrowserAnswers !== undefined", null, {
    timeout: 120_000,
  }).catch(async (error) => {
    const shown = await page.locator("#status").textContent().catch(() => null);
    throw new Error(
      `no answer in the tab (${error.message}); the page shows: ${shown}; ` +
        `console errors: ${JSON.stringify(consoleErrors)}`,
    );
  });
  return await page.evaluate("globalThis.qaBrowserAnswers") as TabAnswer[];
}

async function observe(page: Page, url: string, shots: string): Promise<BrowserObservations> {
  const consoleErrors: string[] = [];
  // Chromium asks for /favicon.ico by itself; every other failed request is an error.
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) {
      consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
    }
  });
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      consoleErrors.push(m.text());
    }
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  await page.goto(url);
  const question = page.getByLabel("Question", { exact: true });
  const context = page.getByLabel("Context", { exact: true });
  await page.getByLabel("Run in this browser").check();
  await page.waitForFunction(`document.querySelectorAll("#example option").length > 1`);
  await page.getByLabel("SQuAD example (optional)").selectOption({ index: 1 });
  await question.fill(TYPED_QUESTION);
  const answers = await askHere(page, consoleErrors);
  const answeredBy = await page.locator("#answered-by").textContent();
  const markedAnswer = await page.locator("#answer-mark").textContent();
  await page.screenshot({ path: `${shots}/page-in-browser.png`, fullPage: true });

  const values = await page.locator("#example option").evaluateAll(
    (nodes: { value: string }[]) => nodes.map((n) => n.value),
  );
  const paragraphs: string[] = [];
  for (const value of values.filter((v) => v !== "").slice(0, LONG_PARAGRAPHS)) {
    await page.getByLabel("SQuAD example (optional)").selectOption(value);
    paragraphs.push(await context.inputValue());
  }
  const longContext = paragraphs.join("\n\n");
  await question.fill(TYPED_QUESTION);
  await context.fill(longContext);
  const longAnswers = await askHere(page, consoleErrors);
  const longWindows = await page.locator("#windows li").count();
  return {
    question: TYPED_QUESTION,
    context: paragraphs[0],
    answers,
    answeredBy,
    markedAnswer,
    longContext,
    longAnswers,
    longWindows,
    consoleErrors,
  };
}

if (import.meta.main) await runDriver("browser_driver.ts", observe);
