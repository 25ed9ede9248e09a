// Added tokens ([CLS], [SEP], ...): found in the raw text before normalization, leftmost and
// longest first (the Rust library's Aho-Corasick match), each one token and one word.

/** One entry of tokenizer.json's `added_tokens`. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** The added tokens by text and by id, and the first code points they can start with. */
export interface AddedTokenMatcher {
  tokens: Map<string, AddedToken>;
  byId: Map<number, AddedToken>;
  patterns: { token: AddedToken; chars: number[] }[];
  firstChars: Set<number>;
}

/** A part of the text: an added token (its id) or text to tokenize (id null), in code points. */
export interface TextPart {
  id: number | null;
  start: number;
  end: number;
}

/** Indexes the added tokens, longest first. */
export function addedTokenMatcher(added: AddedToken[]): AddedTokenMatcher {
  const patterns = added.filter((t) => t.content.length > 0)
    .map((token) => ({ token, chars: Array.from(token.content, (c) => c.codePointAt(0)!) }))
    .sort((a, b) => b.chars.length - a.chars.length);
  return {
    tokens: new Map(added.map((t) => [t.content, t])),
    byId: new Map(added.map((t) => [t.id, t])),
    patterns,
    firstChars: new Set(patterns.map((p) => p.chars[0])),
  };
}

/** Cuts `chars` into added tokens and the text between them (empty text left out). */
export function splitOnAddedTokens(m: AddedTokenMatcher, chars: number[]): TextPart[] {
  const parts: TextPart[] = [];
  let textStart = 0;
  for (let k = 0; k < chars.length; k++) {
    if (!m.firstChars.has(chars[k])) continue;
    const match = m.patterns.find(({ chars: p }) =>
      k + p.length <= chars.length && p.every((c, j) => chars[k + j] === c)
    );
    if (!match) continue;
    if (k > textStart) parts.push({ id: null, start: textStart, end: k });
    parts.push({ id: match.token.id, start: k, end: k + match.chars.length });
    textStart = k + match.chars.length;
    k = textStart - 1;
  }
  if (textStart < chars.length) parts.push({ id: null, start: textStart, end: chars.length });
  return parts;
}
