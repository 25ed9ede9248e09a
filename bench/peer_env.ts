// The peer's allocator setting, one place for bench:train and bench:infer.
//
// PyTorch on CPU allocates each large tensor with glibc's malloc; by default glibc gives blocks of
// 32 MB and more (and, after frees, the top of its heap) back to the kernel, so every forward pass
// takes fresh pages and pays their page faults. On a 2-core AMD EPYC this cost PyTorch 2.13 from
// pip up to 3.6× in inference and 2.2× in training (docs/speed.md). A process that trained first
// keeps a warm heap and does not pay it; a process that only runs inference does. The bench
// compares against the faster peer: `kept` (the default) tells glibc to keep freed memory in the
// process (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_, glibc's own tunables); `glibc` runs
// it as it comes.

/** How the peer's allocator runs: freed memory kept in the process, or glibc as it comes. */
export type PeerMalloc = "kept" | "glibc";

/** The environment variables to add to the peer's for `malloc`. */
export function peerEnv(malloc: string): Record<string, string> {
  if (malloc === "glibc") return {};
  if (malloc !== "kept") throw new Error(`--peer-malloc: "${malloc}" is not kept or glibc`);
  const keep = String(2 ** 31);
  return { MALLOC_MMAP_THRESHOLD_: keep, MALLOC_TRIM_THRESHOLD_: keep };
}
