// Finding a font for text in PNG charts: resvg draws no text without one, and says nothing.
import { join } from "node:path";
import { setting } from "../settings.ts";

/** A font file and the family name that SVG text asks for. */
export interface FontChoice {
  family: string;
  file: string;
}

// Sans-serif families found on Linux, macOS and Windows, by the file of their regular face.
const SANS_FONTS: { family: string; file: RegExp }[] = [
  { family: "DejaVu Sans", file: /^DejaVuSans\.ttf$/ },
  { family: "Liberation Sans", file: /^LiberationSans-Regular\.ttf$/ },
  { family: "Noto Sans", file: /^NotoSans-Regular\.[ot]tf$/ },
  { family: "FreeSans", file: /^FreeSans\.[ot]tf$/ },
  { family: "Open Sans", file: /^OpenSans-Regular\.ttf$/ },
  { family: "Roboto", file: /^Roboto-Regular\.ttf$/ },
  { family: "Ubuntu", file: /^Ubuntu-R\.ttf$/ },
  { family: "Arial", file: /^arial\.ttf$/i },
  { family: "Helvetica", file: /^Helvetica\.ttc$/ },
  { family: "Verdana", file: /^verdana\.ttf$/i },
];

/**
 * Folders searched for fonts: those in `extra` (`$QA_FONT_DIR`, a path list) first, then the usual
 * system and user folders of Linux, macOS and Windows that exist.
 */
export function fontDirs(extra = setting("QA_FONT_DIR")): string[] {
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "";
  const windows = Deno.env.get("WINDIR") ?? "";
  const separator = Deno.build.os === "windows" ? ";" : ":";
  const candidates = [
    ...(extra?.split(separator) ?? []),
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    home && join(home, ".local/share/fonts"),
    home && join(home, ".fonts"),
    "/System/Library/Fonts",
    "/Library/Fonts",
    home && join(home, "Library/Fonts"),
    windows && join(windows, "Fonts"),
  ];
  return candidates.filter((dir) => dir !== "" && isDirectory(dir));
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

let systemFont: FontChoice | undefined;

/**
 * A sans-serif font for chart text: the first family of a preference list (DejaVu Sans, Liberation
 * Sans, Noto Sans, ...) whose regular face is in `fontDirs()`. Throws, naming the folders searched
 * and how to install one, when there is none. The search of the default folders runs once.
 */
export function sansFont(dirs?: string[]): FontChoice {
  if (dirs === undefined) return systemFont ??= sansFont(fontDirs());
  const files = new Map<string, string>();
  for (const dir of dirs) collectFontFiles(dir, files, 5);
  for (const { family, file } of SANS_FONTS) {
    const name = [...files.keys()].find((n) => file.test(n));
    if (name) return { family, file: files.get(name)! };
  }
  throw new Error(
    `no sans-serif font for chart text in ${dirs.join(", ") || "any font folder"}: ` +
      "install one (Debian: apt-get install fonts-dejavu-core) or set QA_FONT_DIR to a folder " +
      `holding one of ${SANS_FONTS.map((f) => f.family).join(", ")}`,
  );
}

// File name to path of every font file under `dir`, the first found of each name kept.
function collectFontFiles(dir: string, files: Map<string, string>, depth: number): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return; // unreadable folders hold nothing we can use
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && depth > 0) collectFontFiles(path, files, depth - 1);
    else if (/\.(ttf|otf|ttc)$/i.test(entry.name) && !files.has(entry.name)) {
      files.set(entry.name, path);
    }
  }
}
