// Which parquet files of a hub dataset make one split of one config, found as `datasets` 5
// (`load_dataset("OWNER/NAME", CONFIG, split=SPLIT)`) finds them: README.md's YAML `configs`
// (config_name, data_files with split and path patterns) if it has them, else the default split
// patterns over the repository's files (data/SPLIT-00000-of-00001.parquet, *train*...). A dataset
// whose repository holds no parquet is read from the hub's parquet conversion, the branch
// refs/convert/parquet (CONFIG/SPLIT/0000.parquet), as older `datasets` did. The files go to the
// Hugging Face cache (`datasets--OWNER--NAME`); offline, the cached snapshot answers.
import { parse as parseYaml } from "yaml";
import type { DownloadOptions } from "./cache.ts";
import { repoCommit, repoFiles } from "./api.ts";
import { hubDownload, HubEntryMissing, isNetworkFailure } from "./download.ts";
import { cachedCommit, type HubRepo, repoFolder, snapshotFiles, writeRef } from "./hf_cache.ts";
import { setting } from "../settings.ts";

/** What to read: `hub:OWNER/NAME[@REVISION][:CONFIG][:SPLIT]`. */
export interface DatasetSpec {
  id: string;
  revision: string;
  /** A config name, or a split when the dataset has no config of that name. */
  parts: string[];
}

/** The local parquet files of one split, and where they came from. */
export interface DatasetSplitFiles {
  id: string;
  config: string;
  split: string;
  commit: string;
  files: string[];
}

/** One config of README.md's `configs`: a split's path patterns. */
interface ConfigFiles {
  name: string;
  isDefault: boolean;
  splits: Map<string, string[]>;
}

/** Parses `hub:OWNER/NAME[@REVISION][:CONFIG][:SPLIT]`; undefined when not of that form. */
export function parseDatasetSpec(source: string): DatasetSpec | undefined {
  const match = source.match(/^hub:([\w.-]+(?:\/[\w.-]+)?)(?:@([^:]+))?((?::[^:]+){0,2})$/);
  if (!match) return undefined;
  return { id: match[1], revision: match[2] ?? "main", parts: match[3].split(":").slice(1) };
}

/** Downloads (or finds in the cache) the parquet files of the split `spec` names. */
export async function datasetSplitFiles(
  spec: DatasetSpec,
  options: DownloadOptions = {},
): Promise<DatasetSplitFiles> {
  const repo: HubRepo = { type: "dataset", id: spec.id };
  const { commit, readme } = await readmeAndCommit(repo, spec.revision, options);
  const repoPaths = await listFiles(repo, commit, options);
  const configs = readmeConfigs(readme, spec.id);
  const { config, split } = chooseConfigAndSplit(spec, configs);
  const patterns = configs.length
    ? configs.find((c) => c.name === config)!.splits
    : defaultSplitPatterns(repoPaths);
  const wanted = patterns.get(split);
  const paths = wanted ? matching(repoPaths, wanted).filter((p) => p.endsWith(".parquet")) : [];
  if (paths.length) {
    const files = [];
    for (const path of paths) files.push(await hubDownload(repo, path, commit, options));
    return { id: spec.id, config, split, commit, files };
  }
  if (!wanted && patterns.size) {
    throw new Error(
      `hub:${spec.id}: no split "${split}" in config "${config}" (choose ${[...patterns.keys()]})`,
    );
  }
  return await convertedParquet(repo, config, split, options);
}

// README.md fixes the commit (as `datasets` does); a dataset without one asks the info route.
async function readmeAndCommit(repo: HubRepo, revision: string, options: DownloadOptions) {
  try {
    const path = await hubDownload(repo, "README.md", revision, options);
    const commit = path.split("/").at(-2)!;
    return { commit, readme: await Deno.readTextFile(path) };
  } catch (e) {
    if (!(e instanceof HubEntryMissing)) throw e;
    return { commit: await commitOf(repo, revision, options), readme: "" };
  }
}

// The commit of a revision: the cache's ref offline (or with the hub unreachable), else the info
// route's (then remembered).
async function commitOf(repo: HubRepo, revision: string, options: DownloadOptions) {
  const folder = repoFolder(repo);
  if (setting("HF_HUB_OFFLINE")) {
    const cached = await cachedCommit(folder, revision);
    if (!cached) {
      throw new Error(
        `hub:${repo.id} (revision ${revision}) is not in the cache ${folder} and HF_HUB_OFFLINE ` +
          `is set; run once with the network, or point HF_HUB_CACHE at a cache that has it`,
      );
    }
    return cached;
  }
  let commit: string;
  try {
    commit = await repoCommit(repo, revision, options);
  } catch (e) {
    const cached = isNetworkFailure(e) ? await cachedCommit(folder, revision) : undefined;
    if (!cached) throw e;
    return cached;
  }
  await writeRef(folder, revision, commit);
  return commit;
}

// The commit's files: the tree route, else (offline, or the hub unreachable) the cached snapshot's.
async function listFiles(repo: HubRepo, commit: string, options: DownloadOptions) {
  if (setting("HF_HUB_OFFLINE")) return await snapshotFiles(repoFolder(repo), commit);
  try {
    return (await repoFiles(repo, commit, options)).map((f) => f.path);
  } catch (e) {
    const cached = isNetworkFailure(e) ? await snapshotFiles(repoFolder(repo), commit) : [];
    if (cached.length === 0) throw e;
    return cached;
  }
}

/** README.md's YAML `configs`, each with its splits' path patterns. */
export function readmeConfigs(readme: string, id: string): ConfigFiles[] {
  const front = readme.match(/^---\r?\n([\s\S]*?)\r?\n---/);
  if (!front) return [];
  let card: unknown;
  try {
    card = parseYaml(front[1]);
  } catch (e) {
    throw new Error(`hub:${id}: README.md's YAML header is not valid (${(e as Error).message})`);
  }
  const configs = (card as { configs?: unknown })?.configs;
  if (!Array.isArray(configs)) return [];
  return configs.map((entry) => ({
    name: String(entry?.config_name ?? "default"),
    isDefault: entry?.default === true,
    splits: splitPatterns(entry?.data_files, id),
  }));
}

// data_files: "pattern", ["pattern"...], [{split, path}...] or {split: pattern(s)}.
function splitPatterns(dataFiles: unknown, id: string): Map<string, string[]> {
  const list = (value: unknown) => (Array.isArray(value) ? value : [value]).map(String);
  const splits = new Map<string, string[]>();
  if (
    typeof dataFiles === "string" || (Array.isArray(dataFiles) && typeof dataFiles[0] === "string")
  ) {
    splits.set("train", list(dataFiles));
  } else if (Array.isArray(dataFiles)) {
    for (const item of dataFiles) {
      if (!item?.split || !item?.path) {
        throw new Error(`hub:${id}: README.md's data_files needs a split and a path in each entry`);
      }
      splits.set(String(item.split), list(item.path));
    }
  } else if (dataFiles && typeof dataFiles === "object") {
    for (const [split, path] of Object.entries(dataFiles)) splits.set(split, list(path));
  }
  return splits;
}

function chooseConfigAndSplit(spec: DatasetSpec, configs: ConfigFiles[]) {
  const names = configs.map((c) => c.name);
  let [config, split] = spec.parts;
  if (spec.parts.length === 1 && !names.includes(config)) [config, split] = [undefined!, config];
  if (config === undefined) {
    const chosen = configs.find((c) => c.isDefault) ??
      (configs.length === 1 ? configs[0] : undefined) ??
      configs.find((c) => c.name === "default");
    if (configs.length && !chosen) {
      throw new Error(
        `hub:${spec.id} has several configs: name one (hub:${spec.id}:CONFIG, CONFIG of ${names})`,
      );
    }
    config = chosen?.name ?? "default";
  } else if (configs.length && !names.includes(config)) {
    throw new Error(`hub:${spec.id}: no config "${config}" (choose ${names})`);
  }
  return { config, split: split ?? "train" };
}

const SPLIT_KEYWORDS: Record<string, string[]> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "dev", "val"],
  test: ["test", "testing", "eval", "evaluation"],
};
const SEP = "[-._ 0-9]";

/**
 * `datasets`' default patterns when README.md names no configs: the sharded
 * `data/SPLIT-00000-of-00001*.*` names first, then a split keyword in the file name, then in a
 * folder name; failing all, every file is the train split.
 */
export function defaultSplitPatterns(paths: string[]): Map<string, string[]> {
  const sharded = new Map<string, string[]>();
  for (const path of paths) {
    const split = path.match(/^data\/(\w+)-\d{5}-of-\d{5}[^/]*\.[^/]+$/)?.[1];
    if (split) {
      sharded.set(split, [
        `data/${split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*`,
      ]);
    }
  }
  if (sharded.size) return sharded;
  const inName = (k: string) => [`**/${k}${SEP}*`, `**/*${SEP}${k}${SEP}*`, `**/${k}.*`];
  const inDir = (k: string) => [`**/${k}/**`, `**/${k}${SEP}*/**`, `**/*${SEP}${k}/**`];
  for (const patternsOf of [inName, inDir]) {
    const found = new Map<string, string[]>();
    for (const [split, keywords] of Object.entries(SPLIT_KEYWORDS)) {
      const patterns = keywords.flatMap(patternsOf);
      if (matching(paths, patterns).length) found.set(split, patterns);
    }
    if (found.size) return found;
  }
  return new Map([["train", ["**"]]]);
}

/** The paths that match any of `patterns` (fsspec globs), hidden files and folders left out. */
export function matching(paths: string[], patterns: string[]): string[] {
  const regexps = patterns.map(globToRegExp);
  return paths
    .filter((path) => !/(^|\/)[._]/.test(path) && regexps.some((r) => r.test(path)))
    .sort();
}

function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      out += ".*";
      i += 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      out += glob.slice(i, end + 1).replace(/\\/g, "\\\\");
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

// The hub's parquet conversion: refs/convert/parquet holds CONFIG/SPLIT/0000.parquet...
async function convertedParquet(
  repo: HubRepo,
  config: string,
  split: string,
  options: DownloadOptions,
): Promise<DatasetSplitFiles> {
  const revision = "refs/convert/parquet";
  let commit: string | undefined;
  let paths: string[] = [];
  try {
    commit = await commitOf(repo, revision, options);
    if (commit) {
      const all = await listFiles(repo, commit, options);
      paths = matching(all, [
        `${config}/${split}/*.parquet`,
        `${config}/partial-${split}/*.parquet`,
      ]);
    }
  } catch (e) {
    if (!/HTTP 404/.test((e as Error).message)) throw e;
  }
  if (!commit || paths.length === 0) {
    throw new Error(
      `hub:${repo.id}: no parquet files for config "${config}" split "${split}", in the ` +
        `repository or its parquet conversion (${revision}); only parquet is read from the hub`,
    );
  }
  const files = [];
  for (const path of paths) files.push(await hubDownload(repo, path, commit, options));
  return { id: repo.id, config, split, commit, files };
}
