/**
 * The dataset names the tutorial uses (`load_dataset("squad")`): like Python's `datasets`, they
 * stand for the hub datasets rajpurkar/squad and rajpurkar/squad_v2, read from their parquet files.
 */
export const NAMED_DATASETS: Record<string, string> = {
  squad: "rajpurkar/squad",
  squad_v2: "rajpurkar/squad_v2",
};

/**
 * `squad`, `squad:validation`, `squad_v2:train`... as `hub:rajpurkar/squad[_v2][:SPLIT]`; anything
 * else (a path, a URL, a `hub:` name) as it is.
 */
export function namedDataset(source: string): string {
  const [name, ...rest] = source.split(":");
  if (!Object.hasOwn(NAMED_DATASETS, name) || source.includes("/")) return source;
  return ["hub:" + NAMED_DATASETS[name], ...rest].join(":");
}
