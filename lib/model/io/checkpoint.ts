/**
 * Hugging Face checkpoint folders (config.json + model.safetensors), read and written without
 * TensorFlow.js: weights are plain Float32Arrays keyed by their PyTorch names.
 */
import { basename, join } from "node:path";
import { syncFolder, writeAll } from "../../fs/mod.ts";
import { exists, HubEntryMissing, hubFailure, hubSnapshot, isHubId } from "../../hub/mod.ts";
import { configToText, type ModelConfig, readConfig } from "../config.ts";
import { elementCount, readSafetensors, serializeSafetensors, toFloat32 } from "./safetensors.ts";

/** One weight: float32 elements, row-major. */
export interface Weight {
  shape: number[];
  data: Float32Array;
}

/** Weights by PyTorch parameter name (`distilbert.embeddings.word_embeddings.weight`, ...). */
export type WeightMap = Map<string, Weight>;

/** A loaded checkpoint and the folder it came from. */
export interface Checkpoint {
  config: ModelConfig;
  weights: WeightMap;
  folder: string;
}

/** The tokenizer files a checkpoint folder carries, copied by `writeCheckpoint` when present. */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "vocab.txt",
  "special_tokens_map.json",
];

const CONFIG = "config.json";
const WEIGHTS = "model.safetensors";
const ONLY_SAFETENSORS = "only a single model.safetensors file can be read " +
  "(not pytorch_model.bin, tf_model.h5 or sharded model-0000x-of-0000y.safetensors)";

/**
 * Reads a checkpoint from a folder, or from a Hugging Face hub id (`distilbert-base-uncased`) at
 * `revision` (a branch, tag or commit), whose files are downloaded once into the Hugging Face cache
 * (lib/hub/hf_cache.ts), where Python finds them too. Every tensor comes
 * back as float32 (F16/BF16/F64 converted; integer buffers such as BERT's position_ids as exact
 * float values).
 */
export async function readCheckpoint(dirOrHubId: string, revision = "main"): Promise<Checkpoint> {
  const folder = await checkpointFolder(dirOrHubId, revision);
  const config = await readConfig(join(folder, CONFIG));
  const weights = await readWeights(join(folder, WEIGHTS));
  return { config, weights, folder };
}

/** Files that hold weights in some format (a folder with any of them is not config-only). */
const WEIGHT_FILES =
  /^(model.*\.safetensors(\.index\.json)?|pytorch_model.*\.bin(\.index\.json)?|tf_model\.h5|flax_model\.msgpack|model\.ckpt.*)$/;

/**
 * True when `path` is a local folder with a config.json and no weight file of any format: the
 * config (and tokenizer) of a model to initialise rather than load, such as
 * presets/qa-distilbert-small.
 */
export async function isConfigOnlyFolder(path: string): Promise<boolean> {
  if (!(await exists(join(path, CONFIG)))) return false;
  try {
    for await (const entry of Deno.readDir(path)) {
      if (WEIGHT_FILES.test(entry.name)) return false;
    }
  } catch {
    return false;
  }
  return true;
}

/** The local folder of a checkpoint: the path itself, or the hub snapshot in the cache. */
export async function checkpointFolder(dirOrHubId: string, revision = "main"): Promise<string> {
  if (await isHubId(dirOrHubId)) return await hubCheckpoint(dirOrHubId, revision);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dirOrHubId);
  } catch {
    throw new Error(`${dirOrHubId}: checkpoint folder not found`);
  }
  if (!info.isDirectory) {
    throw new Error(`${dirOrHubId}: not a folder (a checkpoint is a folder with ${CONFIG})`);
  }
  if (!(await exists(join(dirOrHubId, CONFIG)))) {
    throw new Error(
      `${join(dirOrHubId, CONFIG)} not found: ${dirOrHubId} is not a Hugging Face checkpoint`,
    );
  }
  const weights = join(dirOrHubId, WEIGHTS);
  if (!(await exists(weights))) throw new Error(`${weights} not found: ${ONLY_SAFETENSORS}`);
  return dirOrHubId;
}

// config.json first (a missing model is told apart from missing weights), then the weights and
// the tokenizer files the repository has, all from one commit of the Hugging Face cache.
async function hubCheckpoint(repoId: string, revision: string): Promise<string> {
  try {
    await hubSnapshot(repoId, [CONFIG], [], revision);
  } catch (e) {
    throw hubFailure(repoId, e);
  }
  try {
    return await hubSnapshot(repoId, [CONFIG, WEIGHTS], TOKENIZER_FILES, revision);
  } catch (e) {
    if (e instanceof HubEntryMissing) {
      throw new Error(`${repoId} on the Hugging Face hub has no ${WEIGHTS}: ${ONLY_SAFETENSORS}`);
    }
    throw hubFailure(repoId, e);
  }
}

/** Reads model.safetensors, every tensor as float32. */
export async function readWeights(path: string): Promise<WeightMap> {
  const file = await readSafetensors(path, { toFloat32: true });
  const weights: WeightMap = new Map();
  for (const [name, tensor] of file.tensors) {
    const data = toFloat32(tensor, `${path}: tensor "${name}"`);
    rejectNonFinite(data, `${path}: tensor "${name}"`);
    weights.set(name, { shape: tensor.shape, data });
  }
  return weights;
}

// NaN or ±Infinity in a weight makes every output NaN: say where, instead of answering garbage.
function rejectNonFinite(data: Float32Array, where: string): void {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  if (bad > 0) {
    throw new Error(
      `${where} holds ${bad} non-finite value(s) (NaN or ±Infinity): the model diverged in ` +
        `training or the file is damaged`,
    );
  }
}

/** What `writeCheckpoint` adds beside config and weights. */
export interface WriteOptions {
  /** A folder whose tokenizer files (those of TOKENIZER_FILES that exist) are copied along. */
  tokenizerFolder?: string;
}

/**
 * Writes a checkpoint folder that transformers' `from_pretrained` loads: config.json (with the
 * question-answering class as architecture), model.safetensors (float32, {"format": "pt"}, bytes
 * exactly as the Python writer lays them out) and the tokenizer files. Every file is written to a
 * temporary name and synced to disk first, all are moved into place at the end and the folder is
 * synced, so a failure or a crash leaves any earlier checkpoint in `dir` as it was.
 */
export async function writeCheckpoint(
  dir: string,
  config: ModelConfig,
  weights: WeightMap,
  options: WriteOptions = {},
): Promise<void> {
  const files = new Map<string, Uint8Array>();
  files.set(WEIGHTS, weightsToSafetensors(weights));
  files.set(CONFIG, new TextEncoder().encode(configToText(config)));
  if (options.tokenizerFolder) {
    for (const [name, bytes] of await readTokenizerFiles(options.tokenizerFolder)) {
      files.set(name, bytes);
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  await writeAllAtomic(dir, files);
}

/** The weights as safetensors bytes (F32), after checking each against its shape. */
export function weightsToSafetensors(weights: WeightMap): Uint8Array {
  const tensors = [...weights].map(([name, { shape, data }]) => {
    if (!(data instanceof Float32Array) || data.length !== elementCount(shape)) {
      throw new Error(`weight "${name}": data must be a Float32Array filling shape [${shape}]`);
    }
    return { name, dtype: "F32" as const, shape, data };
  });
  return serializeSafetensors(tensors);
}

async function readTokenizerFiles(folder: string): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  for (const name of TOKENIZER_FILES) {
    const path = join(folder, name);
    if (await exists(path)) found.set(name, await Deno.readFile(path));
  }
  if (found.size === 0) {
    throw new Error(`${folder}: no tokenizer files to copy (looked for ${TOKENIZER_FILES})`);
  }
  return found;
}

/**
 * Writes every file under a temporary name, synced to disk, then renames them all into place and
 * syncs the folder: after a crash each file is the old one or the new one, whole.
 */
async function writeAllAtomic(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const staged: [string, string][] = [];
  try {
    for (const [name, bytes] of files) {
      const path = join(dir, basename(name));
      const tmp = `${path}.tmp-${Deno.pid}`;
      staged.push([tmp, path]);
      await writeSynced(tmp, bytes).catch((e) => {
        throw new Error(`${path}: cannot be written (${(e as Error).message})`);
      });
    }
  } catch (e) {
    for (const [tmp] of staged) await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  for (const [tmp, path] of staged) await Deno.rename(tmp, path);
  await syncFolder(dir);
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, bytes);
    await file.sync();
  } finally {
    file.close();
  }
}
