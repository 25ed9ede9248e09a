// The WordPiece model: each word is cut greedily into the longest pieces of the vocabulary,
// continuing pieces spelled with a prefix (`##`); a word with a piece not found, or longer than
// `max_input_chars_per_word`, is one unknown token.

/** The settings and vocabulary of tokenizer.json's `WordPiece` model. */
export interface WordPieceModel {
  vocab: Map<string, number>;
  unkId: number;
  prefix: string;
  maxInputCharsPerWord: number;
  /** The longest vocabulary entry, in code points (prefix excluded): no piece is longer. */
  longestPiece: number;
}

/** One piece of a word: its id and [start, end) in the word's characters. */
export interface Piece {
  id: number;
  start: number;
  end: number;
}

/** Builds the model from a vocabulary (token → id). */
export function wordPieceModel(
  vocab: Map<string, number>,
  options: { unkToken: string; prefix: string; maxInputCharsPerWord: number },
  where: string,
): WordPieceModel {
  const unkId = vocab.get(options.unkToken);
  if (unkId === undefined) {
    throw new Error(`${where}: the unk_token ${options.unkToken} is not in the vocabulary`);
  }
  let longestPiece = 1;
  for (const token of vocab.keys()) {
    const bare = token.startsWith(options.prefix) ? token.slice(options.prefix.length) : token;
    let length = 0;
    for (const _ of bare) length++;
    if (length > longestPiece) longestPiece = length;
  }
  return { vocab, unkId, longestPiece, ...options };
}

/** The pieces of one word (its code points `chars[from, to)`). */
export function wordPieces(m: WordPieceModel, chars: number[], from: number, to: number): Piece[] {
  const length = to - from;
  if (length > m.maxInputCharsPerWord) return [{ id: m.unkId, start: 0, end: length }];
  const pieces: Piece[] = [];
  for (let start = 0; start < length;) {
    let found: Piece | null = null;
    for (let end = Math.min(length, start + m.longestPiece); end > start; end--) {
      const text = String.fromCodePoint(...chars.slice(from + start, from + end));
      const id = m.vocab.get(start > 0 ? m.prefix + text : text);
      if (id !== undefined) {
        found = { id, start, end };
        break;
      }
    }
    if (!found) return [{ id: m.unkId, start: 0, end: length }];
    pieces.push(found);
    start = found.end;
  }
  return pieces;
}
