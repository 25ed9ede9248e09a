// A generated set of hard strings for tokenizer parity: accents precomposed and combining, CJK
// (extension planes and BERT's range edges included), emoji sequences, control, format and
// zero-width characters, whitespace of every kind, special tokens inside text, very long words.
// Seeded, so every run tests the same strings.

const FRAGMENTS: string[] = [
  // Latin with accents, precomposed and combining; case pairs that lowercase oddly
  "Café",
  "naïve",
  "Ångström",
  "façade",
  "Straße",
  "ØRESUND",
  "İstanbul",
  "ǅemal",
  "Σίσυφος",
  "ΟΔΟΣ",
  "e\u0301te\u0301",
  "a\u0308\u0323",
  "n\u0303",
  "Tiếng Việt",
  "ḍ\u0307",
  "ﬁnance",
  "Ⅻ",
  "x²³",
  "Ａｂｃ１２３",
  "𝐀𝐁𝐂",
  "µ",
  "K",
  "Å",
  // CJK and other scripts
  "中文字符",
  "北京大学",
  "日本語のかな",
  "カタカナ",
  "한국어",
  "조선",
  "𠀀𠀁",
  "\u{2B81F}\u{2B820}",
  "\u{2B91F}\u{2B920}",
  "\u{2CEAF}",
  "\u{30000}",
  "豈",
  "\u4DBF\u4E00",
  "〇",
  "，。！",
  "「引用」",
  "العربية",
  "مَرْحَبًا",
  "שָׁלוֹם",
  "हिन्दी",
  "ภาษาไทย",
  "ქართული",
  "Ελληνικά",
  // emoji: modifiers, ZWJ sequences, flags, variation selectors, keycaps
  "😀",
  "👍🏽",
  "👨‍👩‍👧",
  "🇫🇷",
  "❤️",
  "1️⃣",
  "🥰",
  "🫠",
  "☃",
  "♥",
  // control, format, zero-width, private use, unassigned, replacement
  "\u0000",
  "\u0007",
  "\u001b[0m",
  "\u007f",
  "\u0085",
  "\uFFFD",
  "\u200B",
  "\u200C",
  "\u200D",
  "\uFEFF",
  "\u2060",
  "\u00AD",
  "\uE000",
  "\u0378",
  "\u{E0001}",
  "\u061C",
  "\u202E",
  // punctuation and symbols of all kinds
  "...",
  "—",
  "–",
  "«»",
  "¿¡",
  "$5.00",
  "C++",
  "a/b",
  "`quote'",
  "§",
  "©",
  "°C",
  "½",
  "_x_",
  // special tokens inside text
  "[SEP]",
  "[CLS]",
  "[UNK]",
  "[MASK]x",
  "[PAD][PAD]",
  "[sep]",
  "[SEP",
  "##ing",
  "[[SEP]]",
  // plain words and numbers
  "the",
  "quick",
  "brown",
  "unaffable",
  "tokenization",
  "1998",
  "3.14159",
  "U.S.A.",
];

const SEPARATORS = [
  " ",
  " ",
  " ",
  "",
  "\t",
  "\n",
  "\r\n",
  "\u000B",
  "\u000C",
  "\u00A0",
  "\u1680",
  "\u2003",
  "\u2009",
  "\u2028",
  "\u2029",
  "\u202F",
  "\u205F",
  "\u3000",
  "  ",
];

// A small seeded generator (mulberry32).
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function longWord(next: () => number): string {
  const lengths = [99, 100, 101, 150, 400];
  const length = lengths[Math.floor(next() * lengths.length)];
  const alphabet = ["a", "b", "é", "中", "😀", "x\u0301"];
  const letter = alphabet[Math.floor(next() * alphabet.length)];
  return letter.repeat(length);
}

/** `count` generated texts of 1 to `maxFragments` fragments (seeded). */
export function fuzzTexts(count: number, seed = 20, maxFragments = 40): string[] {
  const next = random(seed);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  return Array.from({ length: count }, () => {
    const parts: string[] = [];
    const fragments = 1 + Math.floor(next() * maxFragments);
    for (let k = 0; k < fragments; k++) {
      parts.push(next() < 0.03 ? longWord(next) : pick(FRAGMENTS));
      parts.push(pick(SEPARATORS));
    }
    return parts.join("");
  });
}
