/** Builds the dashboard into `outDir` (default dist/web); resolves with the folder. */
export function buildWeb(outDir?: string): Promise<string>;
