/** The toolkit's own version, from its package.json ('unknown' when it cannot be read, e.g. bundled). */
import { createRequire } from 'node:module';

export const bulwarkVersion: string = ((): string => {
  try {
    // src/core/ and dist/core/ are both two folders below the package root.
    return (createRequire(import.meta.url)('../../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
