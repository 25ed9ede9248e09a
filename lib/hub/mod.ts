/** Downloads from the Hugging Face hub and other URLs, kept in a local cache. */
export { cachedDownload, cacheDir, exists } from "./cache.ts";
export { hubEndpoint, hubSnapshot, isHubId } from "./hub.ts";
export { hubFailure, OFFLINE_MODEL } from "./explain.ts";
