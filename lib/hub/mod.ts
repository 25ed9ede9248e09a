/** Downloads from the Hugging Face hub (into its Python-compatible cache) and other URLs. */
export { cachedDownload, cacheDir, downloadFile, type DownloadOptions, exists } from "./cache.ts";
export { fetchWithRetries, type HttpOptions, type RequestOptions } from "./http.ts";
export { hubSnapshot, isHubId } from "./hub.ts";
export {
  hubDownload,
  hubEndpoint,
  HubEntryMissing,
  hubHeaders,
  NotCached,
  resolveUrl,
} from "./download.ts";
export {
  cachedCommit,
  hubCacheDir,
  type HubRepo,
  isCommitHash,
  repoFolder,
  snapshotFiles,
} from "./hf_cache.ts";
export { hubFailure, OFFLINE_MODEL } from "./explain.ts";
export { repoCommit, repoFiles, type TreeFile } from "./api.ts";
export {
  type DatasetSpec,
  type DatasetSplitFiles,
  datasetSplitFiles,
  defaultSplitPatterns,
  matching,
  parseDatasetSpec,
  readmeConfigs,
} from "./dataset_files.ts";
