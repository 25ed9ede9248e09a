// Runs the `qa` command in a child process, as a user would, for the CLI tests.

/** What a `qa` run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run --allow-all cli/qa.ts ...args` without colours. */
export async function qa(...args: string[]): Promise<CliRun> {
  const cli = new URL("../cli/qa.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cli, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
