/** Downloads from the Hugging Face hub and other URLs, kept in a local cache. */
export { cachedDownload, cacheDir, downloadFile, type DownloadOptions, exists } from "./cache.ts";
export { fetchWithRetries, type HttpOptions } from "./http.ts";
export { hubEndpoint, hubSnapshot, isHubId } from "./hub.ts";
export { hubFailure, OFFLINE_MODEL } from "./explain.ts";
