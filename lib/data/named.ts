import { join } from "node:path";
import { cachedDownload, cacheDir, type DownloadOptions } from "../hub/mod.ts";
import { setting } from "../settings.ts";

/** Where the official SQuAD files live; `QA_SQUAD_BASE_URL` overrides it (a mirror, a test server). */
export function squadBaseUrl(): string {
  return setting("QA_SQUAD_BASE_URL");
}

/** The official files behind the dataset names the tutorial uses (`load_dataset("squad")`). */
export const NAMED_DATASETS: Record<string, Record<string, string>> = {
  squad: { train: "train-v1.1.json", validation: "dev-v1.1.json" },
  squad_v2: { train: "train-v2.0.json", validation: "dev-v2.0.json" },
};

/**
 * Turns `squad`, `squad:validation`, `squad_v2:train`... into a cached local file, downloading it
 * once. Anything else (a path, a URL) is returned as it is.
 */
export async function resolveNamedDataset(
  source: string,
  options: DownloadOptions = {},
): Promise<string> {
  const [name, split = "train"] = source.split(":");
  if (!Object.hasOwn(NAMED_DATASETS, name) || source.includes("/")) return source;
  const files = NAMED_DATASETS[name];
  const file = Object.hasOwn(files, split) ? files[split] : undefined;
  if (!file) {
    throw new Error(
      `${source}: unknown split "${split}" (choose ${Object.keys(files).join(" or ")})`,
    );
  }
  return await cachedDownload(
    `${squadBaseUrl()}/${file}`,
    join(cacheDir(), "datasets", name, file),
    options,
  );
}
