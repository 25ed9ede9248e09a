// JupyterLab on loopback for the browser check: the Deno kernel registered in a private data
// folder, a server started as root on 127.0.0.1 with a token, every wait bounded, and a stop that
// shuts the kernels down. Its jupyter comes from tools/jupyterlab_env.sh.
import { join } from "node:path";
import { REPO_ROOT } from "../notebook.ts";

/** Where the check keeps the kernelspec, the server's config, runtime files and log. */
export const LAB_STATE = join(REPO_ROOT, "build/jupyterlab");

/** Seconds the server may take to answer /api/status after it is started. */
const START_TIMEOUT_S = 60;
/** Seconds it may take to stop after /api/shutdown before it is killed. */
const STOP_TIMEOUT_S = 20;

/** A running JupyterLab. */
export interface LabServer {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** The token every request carries. */
  token: string;
  /** The server's output, for a failing check to show. */
  log: string;
  /** Shuts the kernels and the server down (killed when it does not stop in time). */
  stop(): Promise<void>;
}

/**
 * Registers the kernel of the deno running this code as "deno" under `LAB_STATE/data`. `deno
 * jupyter --install` writes to $XDG_DATA_HOME/jupyter and ignores JUPYTER_DATA_DIR, so the server
 * finds it through JUPYTER_PATH. Returns that JUPYTER_PATH.
 */
export async function installDenoKernel(): Promise<string> {
  const dataHome = join(LAB_STATE, "data");
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--install", "--force", "--name", "deno"],
    env: { XDG_DATA_HOME: dataHome },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success) {
    throw new Error(`deno jupyter --install failed:\n${new TextDecoder().decode(install.stderr)}`);
  }
  return join(dataHome, "jupyter");
}

/** A port nobody listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts `bin/jupyter lab` serving the repository; resolves once /api/status answers. */
export async function startJupyterLab(bin: string): Promise<LabServer> {
  const jupyterPath = await installDenoKernel();
  const token = crypto.randomUUID();
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = join(LAB_STATE, "server.log");
  const args = [
    "lab",
    "--allow-root",
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--ServerApp.port_retries=0",
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${REPO_ROOT}`,
    // window.jupyterapp: the check reads the notebook model and kernel status through it.
    "--LabApp.expose_app_in_browser=True",
  ];
  const env = {
    JUPYTER_PATH: jupyterPath,
    // The user's own config, workspaces and runtime files stay out of it.
    JUPYTER_CONFIG_DIR: join(LAB_STATE, "config"),
    JUPYTER_RUNTIME_DIR: join(LAB_STATE, "runtime"),
    JUPYTERLAB_WORKSPACES_DIR: join(LAB_STATE, "workspaces"),
    LOG: log,
  };
  // Output goes to a file: a pipe nobody reads would stall the server.
  const child = new Deno.Command("bash", {
    args: ["-c", 'exec "$@" >"$LOG" 2>&1', "bash", join(bin, "jupyter"), ...args],
    env,
    stdin: "null",
  }).spawn();
  const server: LabServer = {
    base,
    token,
    log,
    stop: () => stopServer(child, base, token),
  };
  try {
    await waitForStatus(base, token, child);
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\nthe end of ${log}:\n${await tail(log)}`);
  }
  return server;
}

async function waitForStatus(base: string, token: string, child: Deno.ChildProcess) {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((status) => exited = status);
  const deadline = Date.now() + START_TIMEOUT_S * 1000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`jupyter lab exited with status ${exited.code} before it served`);
    const response = await fetch(`${base}/api/status?token=${token}`, {
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`jupyter lab did not answer ${base}/api/status within ${START_TIMEOUT_S} s`);
}

async function stopServer(child: Deno.ChildProcess, base: string, token: string) {
  // POST /api/shutdown shuts every kernel down, then the server.
  await fetch(`${base}/api/shutdown?token=${token}`, {
    method: "POST",
    signal: AbortSignal.timeout(5000),
  }).then((r) => r.body?.cancel()).catch(() => {});
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, STOP_TIMEOUT_S * 1000);
  await child.status;
  clearTimeout(timer);
}

/** The last `lines` lines of a text file (empty when it cannot be read). */
export async function tail(path: string, lines = 30): Promise<string> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}
