// A progress bar that draws itself where the code runs: an HTML bar updated in place in the Deno
// Jupyter kernel (like tqdm.auto), a line on stderr now and then in a terminal or a log.
import { type JupyterApi, jupyterApi } from "./bundle.ts";

/** Counts done out of a total, with a free-form status (loss, speed) after them. */
export interface Progress {
  update(done: number, total: number, status?: string): void;
  /** Draws the final state. */
  close(): Promise<void>;
}

/** How often the bar redraws, at most (ms). Training steps can be far more frequent. */
const REDRAW_MS = 500;

/** A progress bar labelled `label`: in Jupyter an HTML bar, elsewhere lines on stderr. */
export function progressBar(label: string): Progress {
  const jupyter = jupyterApi();
  return jupyter ? new JupyterProgress(label, jupyter) : new StderrProgress(label);
}

class JupyterProgress implements Progress {
  readonly #id = `progress-${crypto.randomUUID()}`;
  readonly #started = performance.now();
  #shown = false;
  #last = -Infinity;
  #state = { done: 0, total: 0, status: "" };
  #pending: Promise<void> = Promise.resolve();

  constructor(readonly label: string, readonly jupyter: JupyterApi) {}

  update(done: number, total: number, status = ""): void {
    this.#state = { done, total, status };
    if (performance.now() - this.#last >= REDRAW_MS || done === total) this.#draw();
  }

  async close(): Promise<void> {
    this.#draw();
    await this.#pending;
  }

  #draw(): void {
    this.#last = performance.now();
    const bundle = {
      "text/html": progressHtml(this.label, this.#state, this.#elapsed()),
      "text/plain": progressText(this.label, this.#state, this.#elapsed()),
    };
    const options = { raw: true, display_id: this.#id, update: this.#shown };
    this.#shown = true;
    this.#pending = this.#pending.then(() => this.jupyter.display(bundle, options));
  }

  #elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }
}

class StderrProgress implements Progress {
  readonly #started = performance.now();
  #last = -Infinity;
  #state = { done: 0, total: 0, status: "" };

  constructor(readonly label: string) {}

  update(done: number, total: number, status = ""): void {
    this.#state = { done, total, status };
    // A terminal run prints every few seconds; a log file gets fewer lines.
    const every = Deno.stderr.isTerminal() ? 2_000 : 15_000;
    if (performance.now() - this.#last >= every) this.#print();
  }

  close(): Promise<void> {
    this.#print();
    return Promise.resolve();
  }

  #print(): void {
    this.#last = performance.now();
    const elapsed = (performance.now() - this.#started) / 1000;
    console.error(progressText(this.label, this.#state, elapsed));
  }
}

interface State {
  done: number;
  total: number;
  status: string;
}

/** `label 37/120 [31%] 12 s, eta 26 s | status`. */
export function progressText(label: string, { done, total, status }: State, seconds: number) {
  const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
  const eta = done > 0 && total > done
    ? `, eta ${formatSeconds((seconds * (total - done)) / done)}`
    : "";
  return `${label} ${done}/${total} [${percent}%] ${formatSeconds(seconds)}${eta}` +
    (status ? ` | ${status}` : "");
}

function progressHtml(label: string, state: State, seconds: number): string {
  const text = progressText(label, state, seconds).slice(label.length + 1);
  return `<div style="display:flex;gap:8px;align-items:center;font-family:monospace">` +
    `<span>${escape(label)}</span>` +
    `<progress value="${state.done}" max="${Math.max(state.total, 1)}" style="width:300px">` +
    `</progress><span>${escape(text)}</span></div>`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
