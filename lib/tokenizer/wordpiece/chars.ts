// The character classes of the Rust `tokenizers` BERT normalizer and pre-tokenizer, one code
// point at a time: what `clean_text` removes, what counts as whitespace, punctuation, a CJK
// ideograph or a nonspacing mark, and what lowercasing and NFD turn a character into.

import { UNKNOWN_TO_RUST } from "./unknown_to_rust.ts";

/** Removed by `clean_text`: NUL, U+FFFD, controls (but \t \n \r), format, private use. */
export const REMOVED = 1;
/** Unicode White_Space (Rust's `char::is_whitespace`): becomes a space, splits words. */
export const WHITESPACE = 2;
/** ASCII punctuation or a Unicode P* category: a word of its own. */
export const PUNCTUATION = 4;
/** A CJK ideograph of BERT's ranges: spaced out by `handle_chinese_chars`. */
export const CHINESE = 8;
/** A nonspacing mark (Mn): dropped by `strip_accents` after NFD. */
export const NONSPACING_MARK = 16;

// Unassigned code points (Cn) stay: the Rust check does not remove them.
const OTHER = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const SPACE = /^\p{White_Space}$/u;
const UNICODE_PUNCTUATION = /^\p{P}$/u;
const MARK = /^\p{Mn}$/u;

// BERT's CJK ranges as the Rust tokenizer spells them (its third-to-last range starts at
// U+2B920, not U+2B820 as in the Python original).
const CHINESE_RANGES: [number, number][] = [
  [0x4E00, 0x9FFF],
  [0x3400, 0x4DBF],
  [0x20000, 0x2A6DF],
  [0x2A700, 0x2B73F],
  [0x2B740, 0x2B81F],
  [0x2B920, 0x2CEAF],
  [0xF900, 0xFAFF],
  [0x2F800, 0x2FA1F],
];

function isAsciiPunctuation(c: number): boolean {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
    (c >= 123 && c <= 126);
}

// Code points the Rust library's character tables (the `unicode_categories` crate, Unicode 8.0)
// do not know: assigned later, they are not controls, punctuation or marks there.
function unknownToRust(c: number): boolean {
  let [low, high] = [0, UNKNOWN_TO_RUST.length - 1];
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [from, to] = UNKNOWN_TO_RUST[middle];
    if (c < from) high = middle - 1;
    else if (c > to) low = middle + 1;
    else return true;
  }
  return false;
}

// Flags by today's Unicode (the JavaScript engine's), except where the Rust tables are older.
function classify(c: number): number {
  const s = String.fromCodePoint(c);
  let flags = 0;
  if (SPACE.test(s)) flags |= WHITESPACE;
  if (CHINESE_RANGES.some(([from, to]) => c >= from && c <= to)) flags |= CHINESE;
  if (unknownToRust(c)) return flags;
  return flags | (CHANGED_SINCE_RUST.get(c) ?? unicodeCategoryFlags(c, s));
}

// Characters whose category Unicode changed after the Rust tables' version (found by comparing
// every assigned code point with the Rust tokenizer): their category there.
const CHANGED_SINCE_RUST = new Map<number, number>([
  [0x166D, PUNCTUATION], // CANADIAN SYLLABICS CHI SIGN: Po then, So now
  [0x1734, NONSPACING_MARK], // HANUNOO SIGN PAMUDPOD: Mn then, Mc now
  [0x111C9, PUNCTUATION], // SHARADA SANDHI MARK: Po then, Mn now
  [0x1171E, NONSPACING_MARK], // AHOM CONSONANT SIGN MEDIAL RA: Mn then, Mc now
]);

/** The category flags (removed, punctuation, mark) of a code point by today's Unicode. */
export function unicodeCategoryFlags(c: number, s = String.fromCodePoint(c)): number {
  let flags = 0;
  const keptControl = c === 9 || c === 10 || c === 13;
  if (c === 0 || c === 0xFFFD || (!keptControl && OTHER.test(s))) flags |= REMOVED;
  if (isAsciiPunctuation(c) || UNICODE_PUNCTUATION.test(s)) flags |= PUNCTUATION;
  if (MARK.test(s)) flags |= NONSPACING_MARK;
  return flags;
}

const BMP_FLAGS = new Uint8Array(0x10000).fill(0xFF);
const ASTRAL_FLAGS = new Map<number, number>();

/** The class flags of a code point (a bit set of the constants above). */
export function charFlags(c: number): number {
  if (c < 0x10000) {
    let flags = BMP_FLAGS[c];
    if (flags === 0xFF) flags = BMP_FLAGS[c] = classify(c);
    return flags;
  }
  let flags = ASTRAL_FLAGS.get(c);
  if (flags === undefined) ASTRAL_FLAGS.set(c, flags = classify(c));
  return flags;
}

const LOWER = new Map<number, number[]>();
const NFD = new Map<number, number[]>();

function codePoints(s: string): number[] {
  return Array.from(s, (ch) => ch.codePointAt(0)!);
}

/** Rust's `char::to_lowercase`: one character at a time (no final-sigma rule), maybe several. */
export function lowercase(c: number): number[] {
  let found = LOWER.get(c);
  if (!found) LOWER.set(c, found = codePoints(String.fromCodePoint(c).toLowerCase()));
  return found;
}

/** The canonical decomposition (NFD) of one character. */
export function decompose(c: number): number[] {
  let found = NFD.get(c);
  if (!found) NFD.set(c, found = codePoints(String.fromCodePoint(c).normalize("NFD")));
  return found;
}
