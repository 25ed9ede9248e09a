// BertPreTokenizer: words end at whitespace (dropped); each punctuation character is a word.
import { charFlags, PUNCTUATION, WHITESPACE } from "./chars.ts";

/** A word as [start, end) indices into the normalized characters. */
export type Span = [number, number];

function flagsOf(c: number): number {
  if (c < 0x80) {
    if (c === 0x20 || (c >= 9 && c <= 13)) return WHITESPACE;
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return 0;
  }
  return charFlags(c);
}

/** The words of normalized text, in order. */
export function preTokenize(chars: number[]): Span[] {
  const words: Span[] = [];
  let start = -1;
  for (let k = 0; k < chars.length; k++) {
    const flags = flagsOf(chars[k]);
    if (flags & (WHITESPACE | PUNCTUATION)) {
      if (start >= 0) words.push([start, k]);
      start = -1;
      if (!(flags & WHITESPACE)) words.push([k, k + 1]);
    } else if (start < 0) {
      start = k;
    }
  }
  if (start >= 0) words.push([start, chars.length]);
  return words;
}
