/**
 * Environment variables as a configuration layer: `BULWARK_SERVER__PORT=9090` sets `server.port`.
 * `__` nests, single `_` separates words (`BULWARK_FEATURES__LIVE_TRADING` -> `features.liveTrading`).
 * Variables whose first segment is not a top-level key (e.g. BULWARK_REQUIRE_SERVICES) are ignored,
 * and so is BULWARK_ENV, which selects the environment instead. A top-level key is one the defaults
 * hold or, given the schema, a section it declares without defaults (`BULWARK_REGION__NAME`).
 * A value is read as the number or boolean the defaults or the schema hold at its path.
 */
import { getPath, isPlainObject, type PlainObject } from './layers.js';
import { schemaKindAt } from './schema-kinds.js';

export const ENV_PREFIX = 'BULWARK_';

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reads a string as the type the defaults or the schema hold at that path (numbers and booleans); other strings stay strings. */
function coerce(raw: string, segments: readonly string[], defaults: PlainObject, schema: unknown): unknown {
  const path = segments.join('.');
  const model = getPath(defaults, path);
  const parent = getPath(defaults, path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '');
  const numericRecord = model === undefined && isPlainObject(parent) && Object.values(parent).length > 0 && Object.values(parent).every((v) => typeof v === 'number');
  // A key without a default (an optional section's, an unset option's) takes the schema's kind.
  const kind = model === undefined ? schemaKindAt(schema, segments) : undefined;
  if ((typeof model === 'number' || numericRecord || kind === 'number') && NUMBER.test(raw.trim())) return Number(raw.trim());
  if (typeof model === 'boolean' || kind === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
  }
  return raw;
}

export interface EnvLayer {
  value: PlainObject;
  /** Dotted path -> the variable that set it. */
  variables: Map<string, string>;
}

/**
 * The variables under `prefix` as a layer. `schema` (the configuration's zod schema, as
 * `configSchema`) adds the sections it declares without defaults and types the keys the defaults
 * leave out; without it only the defaults' keys are known.
 */
export function envLayer(environment: Readonly<Record<string, string | undefined>>, defaults: PlainObject, prefix = ENV_PREFIX, schema?: unknown): EnvLayer {
  const value: PlainObject = {};
  const variables = new Map<string, string>();
  for (const name of Object.keys(environment).sort()) {
    const raw = environment[name];
    // BULWARK_ENV selects the environment file; the loader sets `env` itself (options.env may override it).
    if (raw === undefined || !name.startsWith(prefix) || name === `${prefix}ENV`) continue;
    const segments = name.slice(prefix.length).split('__').map(camel);
    if (segments.some((s) => s === '') || !(segments[0]! in defaults || schemaKindAt(schema, [segments[0]!]) === 'object')) continue;
    const path = segments.join('.');
    let node = value;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      node = isPlainObject(next) ? next : (node[segment] = {});
    }
    node[segments[segments.length - 1]!] = coerce(raw, segments, defaults, schema);
    variables.set(path, name);
  }
  return { value, variables };
}
