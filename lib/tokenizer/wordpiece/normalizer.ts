// BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, in Rust's order.
// Every normalized character remembers the original character it came from, so tokens map back
// to code-point offsets in the original text.
import {
  charFlags,
  CHINESE,
  decompose,
  lowercase,
  NONSPACING_MARK,
  REMOVED,
  WHITESPACE,
} from "./chars.ts";

/** The settings of tokenizer.json's `BertNormalizer`. */
export interface NormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  /** null: as `lowercase` (the Rust default). */
  stripAccents: boolean | null;
  lowercase: boolean;
}

/** Normalized code points, each with the index of the original code point it came from. */
export interface Normalized {
  chars: number[];
  origins: number[];
}

const SPACE = 0x20;

/** Normalizes `chars` (code points of the original text starting at index `first`). */
export function normalize(chars: number[], first: number, o: NormalizerOptions): Normalized {
  const out: Normalized = { chars: [], origins: [] };
  const stripAccents = o.stripAccents ?? o.lowercase;
  const push = (c: number, origin: number) => {
    out.chars.push(c);
    out.origins.push(origin);
  };
  const finish = (c: number, origin: number) => {
    if (c < 0x80) return push(o.lowercase && c >= 65 && c <= 90 ? c + 32 : c, origin);
    const parts = stripAccents ? decompose(c) : [c];
    for (const part of parts) {
      if (stripAccents && (charFlags(part) & NONSPACING_MARK)) continue;
      if (o.lowercase) { for (const lower of lowercase(part)) push(lower, origin); }
      else push(part, origin);
    }
  };
  for (let k = 0; k < chars.length; k++) {
    let c = chars[k];
    const origin = first + k;
    const flags = c < 0x80 && c >= 0x20 && c !== 0x7F
      ? (c === SPACE ? WHITESPACE : 0)
      : charFlags(c);
    if (o.cleanText) {
      if (flags & REMOVED) continue;
      if (flags & WHITESPACE) c = SPACE;
    }
    if (o.handleChineseChars && (flags & CHINESE)) {
      push(SPACE, origin);
      finish(c, origin);
      push(SPACE, origin);
    } else {
      finish(c, origin);
    }
  }
  return out;
}
