// A small tmpfs a test mounts and unmounts itself: a full disk, or a read-only folder. Where
// mounting is not allowed (not root, no mount), the test is skipped with a message saying so.

/** What the mounted folder is like. */
export interface TmpfsOptions {
  /** Size limit in bytes (the disk is full beyond it). */
  size?: number;
  /** Mount it read-only. */
  readOnly?: boolean;
}

/**
 * Runs `body` with a fresh tmpfs mounted on a temporary folder, unmounting it afterwards; returns
 * false (and says why on stderr) where no tmpfs can be mounted.
 */
export async function withTmpfs(
  what: string,
  options: TmpfsOptions,
  body: (dir: string) => Promise<void>,
): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "qa-tmpfs-" });
  const flags = [`size=${options.size ?? 64 << 20}`, "mode=0777"];
  if (options.readOnly) flags.push("ro");
  const mounted = await run("mount", ["-t", "tmpfs", "-o", flags.join(","), "tmpfs", dir]);
  if (!mounted.ok) {
    await Deno.remove(dir);
    console.warn(`skipped ${what}: cannot mount a tmpfs here (${mounted.message})`);
    return false;
  }
  try {
    await body(dir);
  } finally {
    await run("umount", [dir]);
    await Deno.remove(dir, { recursive: true });
  }
  return true;
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; message: string }> {
  try {
    const output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
      .output();
    return { ok: output.success, message: new TextDecoder().decode(output.stderr).trim() };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
