// The output folder of a training run, checked before the first step: it is writable, it holds no
// other run (unless told to replace it, or the run resumes one of its own checkpoints), it is not
// the model being read, and staging left by dead processes is cleared away.
import { dirname, join, resolve } from "node:path";
import { removeStaleStaging } from "./staging.ts";

/** How `prepareOutputDir` may treat a folder that already holds files. */
export interface OutputDirOptions {
  /** Replace another run's checkpoints (`--overwrite-output-dir`). */
  overwrite?: boolean;
  /** The checkpoint the run resumes (`--resume`); one inside the folder continues it in place. */
  resume?: string;
  /** Folders the run reads (model, tokenizer) under their flags: never written over. */
  inputs?: Record<string, string | undefined>;
  /** Where notices go (stale staging removed, old checkpoints replaced); console.error by default. */
  log?: (message: string) => void;
}

/** The flag that lets a run replace what another run left in its output folder. */
export const OVERWRITE_FLAG = "--overwrite-output-dir";

/**
 * Makes `dir` ready for a run, or throws naming the folder and the way out: creates it, proves a
 * file can be written and removed there, removes stale staging of dead processes, and refuses a
 * folder holding another run unless `overwrite` (which removes the old `checkpoint-*` folders, so
 * they neither mix with the new ones nor count toward the save limit) or `resume` points inside it.
 */
export async function prepareOutputDir(dir: string, options: OutputDirOptions = {}): Promise<void> {
  const log = options.log ?? console.error;
  await refuseInputs(dir, options);
  await probeWritable(dir);
  for (const removed of await removeStaleStaging(dir)) {
    log(`removed ${removed.path}: staging left by process ${removed.pid}, which is gone`);
  }
  const entries = await listFolder(dir);
  if (entries.length === 0) return;
  if (options.resume && await sameFolder(dirname(resolve(options.resume)), dir)) return;
  if (!options.overwrite) {
    const shown = entries.slice(0, 4).join(", ") + (entries.length > 4 ? ", ..." : "");
    throw new Error(
      `--output ${dir} already holds another run (${shown}); give an empty folder, ` +
        `--resume one of its checkpoints, or ${OVERWRITE_FLAG} to replace it`,
    );
  }
  for (const name of entries.filter((name) => /^checkpoint-\d+$/.test(name))) {
    await Deno.remove(join(dir, name), { recursive: true });
    log(`removed ${join(dir, name)} of the earlier run (${OVERWRITE_FLAG})`);
  }
}

// The output folder must be none of the inputs, nor hold one when its checkpoints are to go.
async function refuseInputs(dir: string, options: OutputDirOptions): Promise<void> {
  const out = await realPath(dir);
  if (out === undefined) return;
  for (const [flag, input] of Object.entries(options.inputs ?? {})) {
    const read = input === undefined ? undefined : await realPath(input);
    if (read === undefined) continue;
    if (read === out) {
      throw new Error(
        `--output ${dir} is the folder ${flag} reads; the run would write over its input, ` +
          `so give another --output`,
      );
    }
    if (options.overwrite && read.startsWith(out + "/")) {
      throw new Error(
        `${flag} ${input} lies inside --output ${dir}, whose earlier checkpoints ` +
          `${OVERWRITE_FLAG} removes; copy it elsewhere or give another --output`,
      );
    }
  }
}

/** Creates `dir` and writes, syncs and removes a probe file there; throws naming the folder. */
export async function probeWritable(dir: string, flag = "--output"): Promise<void> {
  const probe = join(dir, `.write-probe-${Deno.pid}`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    const file = await Deno.open(probe, { write: true, create: true, truncate: true });
    try {
      await file.write(new Uint8Array([0]));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.remove(probe);
  } catch (e) {
    await Deno.remove(probe).catch(() => {});
    throw new Error(`${flag} ${dir} is not writable (${(e as Error).message})`);
  }
}

async function listFolder(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

async function sameFolder(a: string, b: string): Promise<boolean> {
  const [x, y] = [await realPath(a), await realPath(b)];
  return x !== undefined && x === y;
}

async function realPath(path: string): Promise<string | undefined> {
  try {
    return await Deno.realPath(path);
  } catch {
    return undefined;
  }
}
