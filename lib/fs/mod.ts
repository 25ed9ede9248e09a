/** Durable file writes: stage, fsync, rename, fsync the folder. */
export { syncFolder, writeAll, writeFileDurable } from "./durable.ts";
