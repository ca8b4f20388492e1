import { sanitizeText } from '../core/secrets.js';
import { CategorizedError } from '../core/taxonomy.js';

/** One invalid value: where it is, where it came from, and why it is wrong. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `server.port`. */
  path: string;
  /** The layer that set it: `defaults`, a file, `env BULWARK_...`, `overrides`, `runtime update`. */
  source: string;
  reason: string;
}

/** Invalid configuration; start-up stops on it. Messages never contain secret values. */
export class ConfigError extends CategorizedError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const clean = issues.map((i) => ({ path: i.path, source: sanitizeText(i.source), reason: sanitizeText(i.reason) }));
    const lines = clean.map((i) => `  - ${i.path || '(root)'} (from ${i.source}): ${i.reason}`);
    super({ category: 'validation', code: 'CONFIG_INVALID', message: `Invalid configuration:\n${lines.join('\n')}`, retryable: false });
    this.issues = clean;
  }
}
