// The n-best answers of one question as a table, like the tutorial's `valid_answers`.
import { softmax } from "../postprocess/mod.ts";
import { formatNumber, TableView } from "./table.ts";

/**
 * One n-best candidate in any of the shapes the project writes: lib/postprocess's `NbestEntry`
 * (`startLogit`, `endLogit`, `score`), run_qa's `NbestJsonEntry` (`start_logit`, `end_logit`,
 * `probability`), or the tutorial's `{score, text}`. Offsets count code points.
 */
export interface NbestCandidate {
  text: string;
  score?: number;
  startLogit?: number;
  endLogit?: number;
  start_logit?: number;
  end_logit?: number;
  probability?: number;
  offsets?: readonly [number, number];
}

/** The columns of `nbestTable`. */
export const NBEST_COLUMNS = [
  "rank",
  "text",
  "start logit",
  "end logit",
  "score",
  "probability",
  "offsets",
] as const;

/**
 * The n-best candidates of a question, best first as given, with start/end logits, score
 * (start + end logit), probability and offsets; columns no candidate has are left out. A missing probability is the softmax of the scores over all
 * the candidates given (as run_qa computes it); the empty text is shown as "(no answer)". `limit`
 * keeps the first rows (default all).
 */
export function nbestTable(
  candidates: readonly NbestCandidate[],
  { limit = Infinity }: { limit?: number } = {},
): TableView {
  const rows = candidates.map(normalize);
  const probabilities = softmax(rows.map((r) => r.score));
  const shown = rows.slice(0, limit).map((r, i) => ({
    rank: String(i + 1),
    text: r.text === "" ? "(no answer)" : r.text,
    "start logit": formatNumber(r.startLogit),
    "end logit": formatNumber(r.endLogit),
    score: formatNumber(r.score),
    probability: formatNumber(r.probability ?? probabilities[i]),
    offsets: r.offsets ? `[${r.offsets[0]}, ${r.offsets[1]})` : "",
  }));
  // The tutorial's {score, text} lists have no logits or offsets: those columns are left out.
  const columns = NBEST_COLUMNS.filter((c) => shown.some((row) => row[c] !== ""));
  return new TableView(columns, shown, { compact: true, textColumns: ["text"] });
}

function normalize(c: NbestCandidate, i: number) {
  const startLogit = c.startLogit ?? c.start_logit;
  const endLogit = c.endLogit ?? c.end_logit;
  const score = c.score ??
    (startLogit !== undefined && endLogit !== undefined ? startLogit + endLogit : undefined);
  if (score === undefined) {
    throw new Error(`n-best candidate ${i + 1} (${JSON.stringify(c.text)}): no score or logits`);
  }
  return {
    text: c.text,
    startLogit,
    endLogit,
    score,
    probability: c.probability,
    offsets: c.offsets,
  };
}
