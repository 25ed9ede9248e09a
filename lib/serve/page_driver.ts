// A person at the page, played by Debian's Chromium through playwright-core (no browser download):
// `deno run --allow-all lib/serve/page_driver.ts URL SCREENSHOT_DIR` does what page_test.ts checks
// and prints what it saw as JSON. A separate process because playwright-core reads
// /proc/sys/fs/binfmt_misc at load, which Deno allows only under --allow-all.
import { chromium, type Page } from "playwright-core";
import { setting } from "../settings.ts";

/** Chromium's binary: $QA_CHROMIUM, else Debian's. */
export const CHROMIUM = setting("QA_CHROMIUM");

/** Flags for a headless Chromium with no network of its own and no sandbox (containers). */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What the driver saw at each step. */
export interface PageObservations {
  emptyQuestionMessage: string | null;
  emptyContextMessage: string | null;
  exampleCount: number;
  filledQuestion: string;
  filledContext: string;
  typedQuestion: string;
  markedAnswer: string | null;
  bestAnswer: string | null;
  nbestRows: number;
  nbestFirst: string | null;
  chartWidth: number;
  windows: number;
  longContext: string;
  longMarkedAnswer: string | null;
  longWindows: number;
  serverErrorMessage: string | null;
}

/** The long context the driver pastes: the first four paragraphs of the picker. */
export const LONG_PARAGRAPHS = 4;

/** The question the driver types. */
export const TYPED_QUESTION = "Who won Super Bowl 50?";

async function observe(page: Page, url: string, shots: string): Promise<PageObservations> {
  await page.goto(url);
  const question = page.getByLabel("Question", { exact: true });
  const context = page.getByLabel("Context", { exact: true });
  const answer = page.getByRole("button", { name: "Answer" });
  const status = page.getByRole("status");

  await answer.click();
  const emptyQuestionMessage = await status.textContent();
  await question.fill("Who?");
  await answer.click();
  const emptyContextMessage = await status.textContent();
  await page.screenshot({ path: `${shots}/page-empty-context.png` });

  await page.waitForFunction(`document.querySelectorAll("#example option").length > 1`);
  const exampleCount = await page.locator("#example option").count() - 1;
  await page.getByLabel("SQuAD example (optional)").selectOption({ index: 1 });
  const filledQuestion = await question.inputValue();
  const filledContext = await context.inputValue();
  await question.fill("");
  await question.pressSequentially(TYPED_QUESTION);
  await answer.click();
  await page.locator("#answer-mark").waitFor();
  const markedAnswer = await page.locator("#answer-mark").textContent();
  const bestAnswer = await page.locator("#best-answer").textContent();
  const nbestRows = await page.locator("#nbest tbody tr").count();
  const nbestFirst = await page.locator("#nbest tbody tr td").nth(1).textContent();
  const chart = page.getByRole("img", { name: /Start and end logits/ });
  const chartWidth = await chart.evaluate((img: { naturalWidth: number }) => img.naturalWidth);
  const windows = await page.locator("#windows li").count();
  await page.screenshot({ path: `${shots}/page-answer.png`, fullPage: true });

  const options = await page.locator("#example option").evaluateAll(
    (nodes: { value: string }[]) => nodes.map((n) => n.value),
  );
  const paragraphs: string[] = [];
  for (const value of options.filter((v) => v !== "").slice(0, LONG_PARAGRAPHS)) {
    await page.getByLabel("SQuAD example (optional)").selectOption(value);
    paragraphs.push(await context.inputValue());
  }
  const longContext = paragraphs.join("\n\n");
  await question.fill(TYPED_QUESTION);
  await context.fill(longContext);
  await answer.click();
  await page.waitForFunction(`document.querySelectorAll("#windows li").length > 1`);
  const longMarkedAnswer = await page.locator("#answer-mark").textContent();
  const longWindows = await page.locator("#windows li").count();
  await page.screenshot({ path: `${shots}/page-windows.png`, fullPage: true });

  await question.fill("why ".repeat(600));
  await answer.click();
  await page.locator("#status.error").waitFor();
  const serverErrorMessage = await status.textContent();
  await page.screenshot({ path: `${shots}/page-server-error.png` });
  return {
    emptyQuestionMessage,
    emptyContextMessage,
    exampleCount,
    filledQuestion,
    filledContext,
    typedQuestion: TYPED_QUESTION,
    markedAnswer,
    bestAnswer,
    nbestRows,
    nbestFirst,
    chartWidth,
    windows,
    longContext,
    longMarkedAnswer,
    longWindows,
    serverErrorMessage,
  };
}

/**
 * Runs a driver as a script (`DRIVER URL SCREENSHOT_DIR`): opens `url` in Chromium, lets
 * `observe` use the page, and prints what it observed as JSON.
 */
export async function runDriver(
  script: string,
  observe: (page: Page, url: string, shots: string) => Promise<unknown>,
): Promise<void> {
  const [url, shots] = Deno.args;
  if (!url || !shots) throw new Error(`usage: ${script} URL SCREENSHOT_DIR`);
  await Deno.mkdir(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    console.log(JSON.stringify(await observe(page, url, shots)));
  } finally {
    await browser.close();
  }
}

if (import.meta.main) await runDriver("page_driver.ts", observe);
