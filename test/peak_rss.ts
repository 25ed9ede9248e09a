// Peak memory of a child process, as `/usr/bin/time -v` reports it (GNU time, Linux).

/** How a measured run ended and its peak resident set size. */
export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak RSS in bytes. */
  peakBytes: number;
}

const TIME = "/usr/bin/time";

/** Runs `deno <args>` under GNU time; undefined (say why and skip) where there is no GNU time. */
export async function measurePeak(args: string[]): Promise<MeasuredRun | undefined> {
  if (!(await Deno.stat(TIME).catch(() => undefined))) {
    console.warn(`skipped a peak-memory check: no ${TIME} here`);
    return undefined;
  }
  const output = await new Deno.Command(TIME, {
    args: ["-v", Deno.execPath(), ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  if (kb === undefined) {
    console.warn(`skipped a peak-memory check: ${TIME} printed no peak`);
    return undefined;
  }
  const stdout = new TextDecoder().decode(output.stdout);
  return { code: output.code, stdout, stderr, peakBytes: Number(kb) * 1024 };
}
