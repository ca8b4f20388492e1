/**
 * Layered configuration: defaults < `<dir>/default.yaml` (or the file named by `file`) <
 * `<dir>/<env>.yaml` (env from BULWARK_ENV) < BULWARK_ environment variables < explicit overrides,
 * validated with zod. Every invalid value is reported with its key path, the layer it came from
 * and the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isSecretKey, registerSecret, sanitizeText } from '../core/secrets.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { envLayer } from './env.js';
import { referencedSecret } from './secret-references.js';
import { clonePlain, isPlainObject, mergeLayer, type PlainObject, sourceOf } from './layers.js';
import { type BulwarkConfig, CONFIG_DEFAULTS, configSchema } from './schema.js';

export interface LoadConfigOptions {
  /** Folder holding default.yaml and <env>.yaml. */
  dir?: string;
  /**
   * A configuration file read in place of `<dir>/default.yaml` (`--config FILE`, `config check FILE`).
   * Unlike the folder's files it must exist.
   */
  file?: string;
  /** Environment name; default BULWARK_ENV, then 'development'. */
  env?: string;
  /** Variables to read (default process.env). */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The last layer: wins over everything (e.g. command-line flags). */
  overrides?: PlainObject;
  /** Reads a file; returns undefined when it does not exist. Injected in tests. */
  readFile?: (path: string) => string | undefined;
}

export const LOAD_CONFIG_DEFAULTS = {
  dir: 'config', // the conventional folder next to the deployment
  env: 'development', // a developer's machine unless told otherwise
} as const;

export interface LoadedConfig {
  config: BulwarkConfig;
  /** Dotted key path -> the layer that set it. */
  sources: ReadonlyMap<string, string>;
  /** The files that were found and read, in order. */
  files: readonly string[];
}

const readIfExists = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
};

function registerSecretsIn(value: unknown, key = ''): void {
  // A `secret:NAME` reference is not the secret: its value is registered when it is resolved (server/configured-secrets.ts).
  if (typeof value === 'string' && key && isSecretKey(key) && referencedSecret(value) === undefined) registerSecret(value);
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) registerSecretsIn(v, k);
}

/**
 * What a YAML syntax error says, without any of the file's text: the parser's message quotes the
 * offending line (and an unresolved alias by name), which may be a secret's line. Kept: the kind of
 * error, its line and column, its code.
 */
export function yamlErrorReason(error: unknown): string {
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const kind = first.replace(/ at line \d+, column \d+:?$/, '').replace(/:.*$/, '').trim() || 'syntax error';
  const pos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
  const code = (error as { code?: unknown }).code;
  return `invalid YAML: ${sanitizeText(kind)}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}${typeof code === 'string' ? ` (${code})` : ''}`;
}

function readLayer(path: string, readFile: (path: string) => string | undefined, issues: ConfigIssue[], required = false): PlainObject | undefined {
  let text: string | undefined;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    issues.push({ path: '', source: path, reason: `cannot read file${typeof code === 'string' ? ` (${code})` : ''}` });
    return undefined;
  }
  if (text === undefined) {
    if (required) issues.push({ path: '', source: path, reason: 'cannot read file: it does not exist' });
    return undefined;
  }
  let parsed: unknown;
  try {
    // logLevel 'error': the parser's warnings go to stderr with the offending line quoted, secret and all.
    parsed = parseYaml(text, { logLevel: 'error' });
  } catch (error) {
    issues.push({ path: '', source: path, reason: yamlErrorReason(error) });
    return undefined;
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) {
    issues.push({ path: '', source: path, reason: `the file must hold a mapping of keys, found ${Array.isArray(parsed) ? 'a list' : typeof parsed}` });
    return undefined;
  }
  return parsed;
}

/** Loads, merges and validates the configuration; throws ConfigError listing every invalid value. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const environment = options.environment ?? process.env;
  const dir = options.dir ?? LOAD_CONFIG_DEFAULTS.dir;
  const readFile = options.readFile ?? readIfExists;
  const env = options.env ?? environment.BULWARK_ENV ?? LOAD_CONFIG_DEFAULTS.env;
  const issues: ConfigIssue[] = [];
  if (!/^[A-Za-z0-9_-]+$/.test(env)) {
    throw new ConfigError([{ path: 'env', source: options.env !== undefined ? 'options.env' : 'env BULWARK_ENV', reason: `environment name may hold only letters, digits, "-" and "_", got "${env}"` }]);
  }

  const merged: PlainObject = {};
  const sources = new Map<string, string>();
  const files: string[] = [];
  mergeLayer(merged, clonePlain(CONFIG_DEFAULTS) as PlainObject, 'defaults', sources);
  merged.env = env;
  sources.set('env', options.env !== undefined ? 'options.env' : environment.BULWARK_ENV !== undefined ? 'env BULWARK_ENV' : 'defaults');
  const paths = [options.file ?? join(dir, 'default.yaml'), join(dir, `${env}.yaml`)];
  for (const [index, path] of paths.entries()) {
    const layer = readLayer(path, readFile, issues, index === 0 && options.file !== undefined);
    if (layer === undefined) continue;
    files.push(path);
    mergeLayer(merged, layer, path, sources);
  }
  const fromEnv = envLayer(environment, CONFIG_DEFAULTS as PlainObject, undefined, configSchema);
  mergeLayer(
    merged,
    fromEnv.value,
    (path) => `env ${fromEnv.variables.get(path) ?? [...fromEnv.variables].find(([p]) => p.startsWith(`${path}.`))?.[1] ?? path}`,
    sources,
  );
  if (options.overrides) mergeLayer(merged, options.overrides, 'overrides', sources);
  registerSecretsIn(merged);

  if (issues.length > 0) throw new ConfigError(issues);
  return { config: validateConfig(merged, sources), sources, files };
}

/** Validates a merged object; each issue names the layer that set the offending key. */
export function validateConfig(candidate: unknown, sources: ReadonlyMap<string, string> = new Map()): BulwarkConfig {
  const result = configSchema.safeParse(candidate);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const full = path ? `${path}.${key}` : key;
        issues.push({ path: full, source: sourceOf(sources, full), reason: 'unknown key (check the spelling)' });
      }
      continue;
    }
    // A cross-field rule names the key that makes it apply (e.g. storage.kind for storage.postgresUrl):
    // a value that is missing was set by nobody, so the layer to blame is the one that set that key.
    const because = issue.code === 'custom' && typeof issue.params?.because === 'string' ? issue.params.because : undefined;
    const source = because !== undefined && !sources.has(path) ? sourceOf(sources, because) : sourceOf(sources, path);
    issues.push({ path, source, reason: issue.message });
  }
  throw new ConfigError(issues);
}
