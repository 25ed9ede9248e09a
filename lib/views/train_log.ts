// Reading a training log: the Trainer's JSON lines (`qa train --log`) or a trainer_state.json.
import { parseJsonLines, readText } from "../data/mod.ts";

/**
 * One training log entry, as lib/train's Trainer logs it (its `LogEntry`): the training loss, learning
 * rate and gradient norm of a logging step, or the eval loss at the end of an epoch.
 */
export interface LossRecord {
  step: number;
  epoch: number;
  loss?: number;
  lr?: number;
  grad_norm?: number;
  eval_loss?: number;
}

/**
 * The entries of a training log: a `.jsonl` file of the Trainer's log lines (plain or `.gz`), or a
 * checkpoint's `trainer_state.json` (its `log_history`). A line that is not a log entry is an error
 * naming the file and line.
 */
export async function readTrainLog(path: string): Promise<LossRecord[]> {
  const text = await readText(path);
  if (/\.json$/i.test(path)) return checkEntries(trainerStateLog(text, path), path, "entry");
  return checkEntries(parseJsonLines(text, path), path, "line");
}

function trainerStateLog(text: string, path: string): unknown[] {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: malformed JSON (${(e as Error).message})`);
  }
  const history = (state as { log_history?: unknown })?.log_history;
  if (!Array.isArray(history)) {
    throw new Error(`${path}: no log_history list (not a trainer_state.json)`);
  }
  return history;
}

// Blank lines are skipped by parseJsonLines, so line numbers are counted on the raw text there;
// here a row's position is reported, which is the line number when the file has no blank lines.
function checkEntries(rows: unknown[], path: string, what: string): LossRecord[] {
  rows.forEach((row, i) => {
    const entry = row as Record<string, unknown>;
    const problem = typeof row !== "object" || row === null || Array.isArray(row)
      ? "not a JSON object"
      : typeof entry.step !== "number"
      ? "no numeric step"
      : ["epoch", "loss", "eval_loss", "lr"].find((k) =>
        k in entry && typeof entry[k] !== "number"
      );
    if (problem) {
      const detail = problem.includes(" ") ? problem : `${problem} is not a number`;
      throw new Error(`${path}: ${what} ${i + 1}: ${detail}, not a training log entry`);
    }
  });
  return rows as LossRecord[];
}
