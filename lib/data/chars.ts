// SQuAD offsets come from Python, which counts Unicode code points; JavaScript strings count
// UTF-16 units. The two agree unless a text holds characters outside the BMP (emoji, rare CJK).

const SURROGATE = /[\uD800-\uDFFF]/;

/** Length of `text` in code points (Python's `len`). */
export function codePointLength(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A function slicing `text` by code point offsets (Python's `text[start:end]`), fast when it can be. */
export function codePointSlicer(text: string): (start: number, end: number) => string {
  if (!SURROGATE.test(text)) return (start, end) => text.slice(start, end);
  const chars = Array.from(text);
  return (start, end) => chars.slice(start, end).join("");
}

// Python's str.isspace() set, which differs from JavaScript's \s (it has \x1c-\x1f and \x85, not \uFEFF).
// deno-lint-ignore no-control-regex -- \x1c-\x1f are whitespace to Python
const PY_SPACE = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `str.lstrip()`: the tutorial strips leading whitespace from every question. */
export function pythonLstrip(text: string): string {
  return text.replace(PY_SPACE, "");
}
