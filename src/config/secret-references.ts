/**
 * `secret:NAME` references in a configuration: an exchange's `apiKey`, `secret` or `password`, a
 * webhook's secret or token (any key whose name holds a secret, core/secrets.ts `isSecretKey`)
 * may name a stored secret instead of holding the value. The service resolves them from its
 * secret store at start (server/configured-secrets.ts); this file finds and replaces them.
 */
import { isSecretKey } from '../core/secrets.js';
import { isPlainObject } from './layers.js';
import type { BulwarkConfig } from './schema.js';

/** What a reference looks like: `secret:` then the stored secret's name. */
export const SECRET_REFERENCE_PREFIX = 'secret:';

export interface SecretReference {
  /** Where it is written, dotted (`exchange.secret`, `exchanges.1.apiKey`). */
  path: string;
  /** The stored secret it names. */
  name: string;
}

/** The stored secret's name when `value` is a reference, else undefined. */
export function referencedSecret(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(SECRET_REFERENCE_PREFIX) ? value.slice(SECRET_REFERENCE_PREFIX.length) : undefined;
}

/** Every reference in the configuration, in the order written (only under keys that hold secrets). */
export function secretReferences(config: BulwarkConfig): SecretReference[] {
  const found: SecretReference[] = [];
  const walk = (node: unknown, path: string, key: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}.${i}`, key));
    else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k, k);
    else {
      const name = referencedSecret(node);
      if (name !== undefined && isSecretKey(key)) found.push({ path, name });
    }
  };
  walk(config, '', '');
  return found;
}

/** A copy of the configuration with each referenced path holding its value (`values`: path -> value). */
export function withSecretValues(config: BulwarkConfig, values: ReadonlyMap<string, string>): BulwarkConfig {
  const copy = structuredClone(config);
  for (const [path, value] of values) {
    const keys = path.split('.');
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown>)[key];
    (node as Record<string, unknown>)[keys.at(-1)!] = value;
  }
  return copy;
}
