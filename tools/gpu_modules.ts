// Prints the node_modules/.deno folders (one a line, relative to node_modules/) that the given
// entry points load on Linux x64: the npm packages of their module graphs and those packages'
// dependencies, without other systems' native builds. tools/gpu_pack.sh packs these.
//   deno run -A tools/gpu_modules.ts bench/train_bench.ts lib/runtime/webgpu/webgpu_test.ts ...

/** What `deno info --json` says of a graph. */
interface GraphInfo {
  modules: { kind?: string; npmPackage?: string }[];
  npmPackages: Record<string, { name: string; dependencies: string[]; localPath?: string }>;
}

async function graph(entry: string): Promise<GraphInfo> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
  }).output();
  if (code !== 0) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}

/**
 * Native builds for other systems and processors. musl builds stay: Deno installs them on any Linux
 * x64 and wants them there (tools/gpu_pack.sh empties them).
 */
const OTHER_PLATFORM = /-(darwin|win32|android|freebsd)-|-(arm64|arm|ia32)-/;

/** The `.deno/<package>` folder of a package, from its local path. */
function folder(localPath: string): string {
  const match = localPath.match(/node_modules\/(\.deno\/[^/]+)\//);
  if (match == null) throw new Error(`not in node_modules/.deno: ${localPath}`);
  return match[1];
}

const folders = new Set<string>();
for (const entry of Deno.args) {
  const info = await graph(entry);
  const pending = info.modules.flatMap((m) => m.kind === "npm" ? [m.npmPackage!] : []);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const pkg = info.npmPackages[id];
    if (pkg == null) throw new Error(`${entry}: ${id} is not in deno info's npmPackages`);
    if (OTHER_PLATFORM.test(pkg.name)) continue;
    if (pkg.localPath == null) throw new Error(`${id} is not installed (run deno install)`);
    folders.add(folder(pkg.localPath));
    pending.push(...pkg.dependencies);
  }
}
console.log([...folders].sort().join("\n"));
