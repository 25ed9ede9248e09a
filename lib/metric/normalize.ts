/**
 * SQuAD answer normalization, character for character as the official Python scripts
 * (evaluate-v1.1.py and evaluate-v2.0.py) do it under Python 3.
 *
 * Three Python behaviours need care in JavaScript:
 * - `re` patterns on `str` are Unicode-aware: `\w` is `str.isalnum()` or `_`, which is exactly the
 *   letters (L*), the numbers (Nd, Nl, No) and `_`. `\b` is the edge of such a run, so the `a` in
 *   `"éa"` or `"中a"` is not an article. Combining marks (Mn, Mc) are not word characters.
 * - `str.split()` with no argument splits on `str.isspace()`: JavaScript's `\s` misses
 *   U+001C–U+001F and U+0085, and wrongly includes U+FEFF.
 * - `string.punctuation` is the 32 ASCII punctuation characters only.
 */

/** Python's `string.punctuation`: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** A word character for Python 3 `re`: `str.isalnum()` or underscore. */
const WORD = String.raw`[\p{L}\p{N}_]`;

/** `\b(a|an|the)\b` with Python's Unicode word boundaries. */
const ARTICLES = new RegExp(String.raw`(?<!${WORD})(?:a|an|the)(?!${WORD})`, "gu");

/** The characters for which Python's `str.isspace()` is true (U+001C–U+001F are separators). */
// deno-lint-ignore no-control-regex
const PY_WHITESPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python's `s.split()` without arguments: split on whitespace runs, drop empty pieces. */
export function pythonSplit(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((piece) => piece !== "");
}

/** Lower text, remove punctuation, articles and extra whitespace (official `normalize_answer`). */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunctuation = lower.replace(PUNCTUATION, "");
  const noArticles = noPunctuation.replace(ARTICLES, " ");
  return pythonSplit(noArticles).join(" ");
}

/** The tokens F1 counts: the normalized answer split on whitespace (v2.0 `get_tokens`). */
export function getTokens(s: string): string[] {
  if (s === "") return [];
  return pythonSplit(normalizeAnswer(s));
}
