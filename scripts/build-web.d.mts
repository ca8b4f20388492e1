/** Builds the dashboard into `outDir` (default dist/web); resolves with the folder. */
export function buildWeb(outDir?: string): Promise<string>;
/** True when a file of `outDir` (default dist/web) is missing or older than the dashboard's sources. */
export function webIsStale(outDir?: string): Promise<boolean>;
