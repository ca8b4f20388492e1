import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/loader.js';

function files(map: Record<string, string>): LoadConfigOptions['readFile'] {
  return (path) => map[path.replace(/\\/g, '/')];
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig precedence', () => {
  it('defaults < default.yaml < <env>.yaml < BULWARK_ env vars < overrides, with the source of each key', () => {
    const { config, sources, files: read } = loadConfig({
      environment: {
        BULWARK_ENV: 'production',
        BULWARK_SERVER__PORT: '9300',
        BULWARK_POLICIES__RETRY__MAX_ATTEMPTS: '5',
        BULWARK_FEATURES__CHAOS: 'true',
        BULWARK_REQUIRE_SERVICES: '1', // not a config key: ignored
      },
      readFile: files({
        'config/default.yaml': 'server:\n  port: 9000\n  host: localhost\nlog:\n  level: debug\npolicies:\n  retry:\n    maxAttempts: 4\n',
        'config/production.yaml': 'server:\n  port: 9100\nlog:\n  level: warn\n',
      }),
      overrides: { policies: { retry: { maxAttempts: 6 } } },
    });
    expect(config.env).toBe('production');
    expect(config.server.host).toBe('localhost'); // default.yaml
    expect(config.log.level).toBe('warn'); // production.yaml over default.yaml
    expect(config.server.port).toBe(9300); // env over files
    expect(config.features.chaos).toBe(true); // env, coerced to boolean
    expect(config.policies.retry.maxAttempts).toBe(6); // overrides over env
    expect(config.policies.breaker.openMs).toBe(30_000); // defaults
    expect(sources.get('server.host')).toBe('config/default.yaml');
    expect(sources.get('log.level')).toBe('config/production.yaml');
    expect(sources.get('server.port')).toBe('env BULWARK_SERVER__PORT');
    expect(sources.get('policies.retry.maxAttempts')).toBe('overrides');
    expect(sources.get('policies.breaker.openMs')).toBe('defaults');
    expect(read).toEqual(['config/default.yaml', 'config/production.yaml']);
  });

  it('regression: an explicit env wins over BULWARK_ENV for both the file read and config.env', () => {
    const { config, files: read } = loadConfig({
      env: 'staging',
      environment: { BULWARK_ENV: 'production' },
      readFile: files({ 'config/staging.yaml': 'log:\n  level: debug\n', 'config/production.yaml': 'log:\n  level: error\n' }),
    });
    expect(config.env).toBe('staging');
    expect(config.log.level).toBe('debug');
    expect(read).toEqual(['config/staging.yaml']);
  });

  it('a variable for a key without a default is read as the type the schema gives it', () => {
    const { config } = loadConfig({ environment: { BULWARK_STORAGE__REDIS_URL: 'redis://127.0.0.1:6379', BULWARK_FLEET__LEASE_MS: '5000', BULWARK_EXCHANGE__SANDBOX: 'true', BULWARK_EXCHANGE__ID: 'binance' }, readFile: () => undefined });
    expect(config.fleet.leaseMs).toBe(5000);
    expect(config.exchange).toMatchObject({ id: 'binance', sandbox: true });
  });

  it('works with no files at all', () => {
    const { config } = loadConfig({ environment: {}, readFile: () => undefined });
    expect(config.env).toBe('development');
    expect(config.features.liveTrading).toBe(false);
  });
});

describe('loadConfig error messages (start-up stops on invalid config)', () => {
  it('1. wrong type from an env var: names the key, the variable and the reason', () => {
    const error = errorOf(() => loadConfig({ environment: { BULWARK_SERVER__PORT: 'eighty' }, readFile: () => undefined }));
    expect(error.issues).toEqual([{ path: 'server.port', source: 'env BULWARK_SERVER__PORT', reason: 'Invalid input: expected number, received string' }]);
    expect(error.message).toContain('server.port (from env BULWARK_SERVER__PORT): Invalid input: expected number, received string');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.category).toBe('validation');
  });

  it('2. out of range in a file: names the file', () => {
    const error = errorOf(() => loadConfig({ environment: {}, readFile: files({ 'config/default.yaml': 'server:\n  port: 70000\n' }) }));
    expect(error.issues).toEqual([{ path: 'server.port', source: 'config/default.yaml', reason: 'Too big: expected number to be <=65535' }]);
  });

  it('3. unknown (misspelt) key', () => {
    const error = errorOf(() => loadConfig({ environment: {}, readFile: files({ 'config/staging.yaml': 'policies:\n  breaker:\n    openMS: 5000\n' }), env: 'staging' }));
    expect(error.issues).toEqual([{ path: 'policies.breaker.openMS', source: 'config/staging.yaml', reason: 'unknown key (check the spelling)' }]);
  });

  it('4. value not among the allowed ones', () => {
    const error = errorOf(() => loadConfig({ environment: {}, readFile: () => undefined, overrides: { log: { level: 'verbose' } } }));
    expect(error.issues[0]).toMatchObject({ path: 'log.level', source: 'overrides' });
    expect(error.issues[0]!.reason).toMatch(/expected one of "fatal"\|"error"/);
  });

  it('5. malformed YAML: names the file and the line', () => {
    const error = errorOf(() => loadConfig({ environment: {}, readFile: files({ 'config/default.yaml': 'server: [1,\nport: 2\n' }) }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.source).toBe('config/default.yaml');
    expect(error.issues[0]!.reason).toMatch(/^invalid YAML: .*line 2/);
  });

  it('6. a required secret missing when live trading is on; several issues are reported together', () => {
    const error = errorOf(() => loadConfig({ environment: { BULWARK_FEATURES__LIVE_TRADING: 'yes', BULWARK_STORAGE__KIND: 'postgres' }, readFile: () => undefined }));
    expect(error.issues.map((i) => `${i.path}: ${i.reason}`).sort()).toEqual([
      'exchange.apiKey: required secret is missing: features.liveTrading is enabled',
      'exchange.secret: required secret is missing: features.liveTrading is enabled',
      'storage.postgresUrl: required when storage.kind is "postgres"',
    ]);
  });

  it('7. a file that is not a mapping, and an environment name that could escape the folder', () => {
    expect(errorOf(() => loadConfig({ environment: {}, readFile: files({ 'config/default.yaml': '- a\n- b\n' }) })).issues[0]!.reason).toBe(
      'the file must hold a mapping of keys, found a list',
    );
    expect(errorOf(() => loadConfig({ environment: { BULWARK_ENV: '../../etc/x' }, readFile: () => undefined })).issues[0]).toMatchObject({
      path: 'env',
      source: 'env BULWARK_ENV',
    });
  });
});

describe('loadConfig with a named file (`config check FILE`, `start --config FILE`)', () => {
  it('reads the file in place of default.yaml, under <env>.yaml and the environment', () => {
    const { config, sources, files: read } = loadConfig({
      file: 'deploy/it.yaml',
      env: 'prod',
      environment: { BULWARK_SERVER__PORT: '9301' },
      readFile: files({ 'deploy/it.yaml': 'server:\n  port: 9000\nlog:\n  level: debug\n', 'config/prod.yaml': 'log:\n  level: warn\n', 'config/default.yaml': 'log:\n  level: trace\n' }),
    });
    expect(config.log.level).toBe('warn');
    expect(config.server.port).toBe(9301);
    expect(read).toEqual(['deploy/it.yaml', 'config/prod.yaml']);
    expect(sources.get('log.level')).toBe('config/prod.yaml');
  });

  it('refuses a named file that does not exist, naming it', () => {
    const error = errorOf(() => loadConfig({ file: 'deploy/none.yaml', environment: {}, readFile: () => undefined }));
    expect(error.issues).toEqual([{ path: '', source: 'deploy/none.yaml', reason: 'cannot read file: it does not exist' }]);
  });

  it('regression: a cross-field error is blamed on the layer that set the key it depends on, not "defaults"', () => {
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': 'storage:\n  kind: postgres\n' }) }));
    expect(error.issues).toEqual([{ path: 'storage.postgresUrl', source: 'it.yaml', reason: 'required when storage.kind is "postgres"' }]);
    expect(error.message).toContain('storage.postgresUrl (from it.yaml): required when storage.kind is "postgres"');
    expect(error.message).not.toContain('defaults');
  });

  it('refuses durations past Node timer range (2^31-1 ms), naming the file and key', () => {
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': 'shutdown:\n  readyDelayMs: 1e15\npolicies:\n  breaker:\n    openMs: 2147483648\n' }) }));
    expect(error.issues.map((i) => `${i.path} (from ${i.source})`).sort()).toEqual(['policies.breaker.openMs (from it.yaml)', 'shutdown.readyDelayMs (from it.yaml)']);
    expect(error.issues[0]!.reason).toMatch(/past Node's timer range: at most 2147483647 ms/);
    expect(loadConfig({ file: 'ok.yaml', environment: {}, readFile: files({ 'ok.yaml': 'shutdown:\n  readyDelayMs: 2147483647\n' }) }).config.shutdown.readyDelayMs).toBe(2_147_483_647);
  });

  it('refuses a non-loopback server.host while no authentication exists, saying so', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'ops.example.com']) {
      const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': `server:\n  host: "${host}"\n` }) }));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ path: 'server.host', source: 'it.yaml' });
      expect(error.issues[0]!.reason).toContain(`refusing to listen on ${host}: it is not a loopback address and no authentication is configured`);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', '[::1]']) {
      expect(loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': `server:\n  host: "${host}"\n` }) }).config.server.host).toBe(host);
    }
  });

  it('exchange settings need an id; url and sandbox exclude each other', () => {
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': 'exchange:\n  url: http://127.0.0.1:1\n  sandbox: true\n' }) }));
    expect(error.issues.map((i) => `${i.path}: ${i.reason}`).sort()).toEqual([
      "exchange.sandbox: needs exchange.id (the ccxt id of the account's exchange)",
      'exchange.url: give exchange.url or exchange.sandbox, not both',
      "exchange.url: needs exchange.id (the ccxt id of the account's exchange)",
    ]);
  });

  it('several accounts: each checked where it sits, names unique, not beside exchange', () => {
    const yaml = [
      'exchange:',
      '  id: kraken',
      'exchanges:',
      '  - { name: desk-a, id: binance, url: "http://127.0.0.1:1", sandbox: true }',
      '  - { name: desk-a, id: binance, cancelOpenOrdersOnHalt: true }',
      '',
    ].join('\n');
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': yaml }) }));
    expect(error.issues.map((i) => `${i.path}: ${i.reason}`).sort()).toEqual([
      "exchanges.0.url: give exchanges.0.url or exchanges.0.sandbox, not both",
      "exchanges.1.cancelOpenOrdersOnHalt: cancelling orders needs the account's credentials: exchanges.1.apiKey and exchanges.1.secret, or exchanges.1.credentialsFile",
      'exchanges.1.name: "desk-a" names two accounts; each needs its own name',
      'exchanges: give exchange (one account) or exchanges (several, each named), not both',
    ]);
  });

  it('exchange endpoints: http(s) URLs with unique names, a strategy only with them', () => {
    const yaml = [
      'exchanges:',
      '  - name: desk-a',
      '    id: binance',
      '    url: "http://127.0.0.1:1"',
      '    endpoints: ["https://api1.binance.com", { name: "api1.binance.com", url: "https://api2.binance.com" }, "ftp://api3.binance.com"]',
      '  - { name: desk-b, id: binance, endpointStrategy: p2c }',
      '  - { name: desk-c, id: binance, endpoints: [{ url: "https://api1.binance.com", priority: -1 }], endpointStrategy: fastest }',
      '',
    ].join('\n');
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': yaml }) }));
    const lines = error.issues.map((i) => `${i.path}: ${i.reason}`);
    expect(error.issues.every((i) => i.source === 'it.yaml')).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        'exchanges.0.endpoints.2: an http(s) URL',
        'exchanges.2.endpoints.0.priority: Too small: expected number to be >=0',
      ]),
    );
    expect(lines.some((l) => l.startsWith('exchanges.2.endpointStrategy: '))).toBe(true);
    // The shape is right once the URL and the numbers are: the account's own rules.
    const fixed = yaml.replace('ftp://', 'https://').replace('priority: -1', 'priority: 1').replace('endpointStrategy: fastest', 'endpointStrategy: weighted');
    const rules = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': fixed }) }));
    expect(rules.issues.map((i) => `${i.path}: ${i.reason}`).sort()).toEqual([
      'exchanges.0.endpoints.1: "api1.binance.com" names exchanges.0.endpoints.0 too; each endpoint needs its own name',
      'exchanges.1.endpointStrategy: only used with exchanges.1.endpoints',
    ]);
    const ok = loadConfig({ file: 'ok.yaml', environment: {}, readFile: files({ 'ok.yaml': 'exchange:\n  id: binance\n  endpoints: ["https://api1.binance.com", { name: backup, url: "https://api-gcp.binance.com", priority: 1 }]\n' }) });
    expect(ok.config.exchange.endpoints).toHaveLength(2);
    const needsId = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': 'exchange:\n  endpoints: ["https://api1.binance.com"]\n' }) }));
    expect(needsId.issues.map((i) => `${i.path}: ${i.reason}`)).toEqual(["exchange.endpoints: needs exchange.id (the ccxt id of the account's exchange)"]);
  });

  it('PostgreSQL replicas: URLs with a host, each once and not the primary again; the lag limit only with replicas; neither on SQLite', () => {
    const yaml = [
      'storage:',
      '  kind: postgres',
      '  postgresUrl: postgres://app:s3cret@db-a:5432/prod',
      '  postgresReplicaUrls:',
      '    - postgres://app:s3cret@db-b:5432/prod',
      '    - postgres://app:s3cret@db-a:5432/prod',
      '    - postgres://app:s3cret@db-b:5432/prod',
      '    - db-c:5432',
      '  postgresMaxReplicaLagMs: -1',
      '',
    ].join('\n');
    const error = errorOf(() => loadConfig({ file: 'db.yaml', environment: {}, readFile: files({ 'db.yaml': yaml }) }));
    expect(error.issues.map((i) => `${i.path} (from ${i.source}): ${i.reason}`).sort()).toEqual([
      'storage.postgresMaxReplicaLagMs (from db.yaml): Too small: expected number to be >=0',
      'storage.postgresReplicaUrls.1 (from db.yaml): is storage.postgresUrl again: list the other hosts',
      'storage.postgresReplicaUrls.2 (from db.yaml): repeats storage.postgresReplicaUrls.0: each host once',
      'storage.postgresReplicaUrls.3 (from db.yaml): a postgres:// URL with a host (the host names the replica in the API)',
    ]);
    const rules = errorOf(() => loadConfig({ file: 'db.yaml', environment: {}, readFile: files({ 'db.yaml': yaml.replace('    - db-c:5432\n', '').replace('-1', '250') }) }));
    expect(rules.issues.map((i) => `${i.path} (from ${i.source}): ${i.reason}`).sort()).toEqual([
      'storage.postgresReplicaUrls.1 (from db.yaml): is storage.postgresUrl again: list the other hosts',
      'storage.postgresReplicaUrls.2 (from db.yaml): repeats storage.postgresReplicaUrls.0: each host once',
    ]);
    expect(rules.message).not.toContain('s3cret');
    const misplaced = errorOf(() => loadConfig({ file: 'db.yaml', environment: {}, readFile: files({ 'db.yaml': 'storage:\n  postgresReplicaUrls: [postgres://db-b/prod]\n  postgresMaxReplicaLagMs: 250\n' }) }));
    expect(misplaced.issues.map((i) => `${i.path}: ${i.reason}`)).toEqual(['storage.postgresReplicaUrls: only used when storage.kind is "postgres"']);
    const noReplicas = errorOf(() => loadConfig({ file: 'db.yaml', environment: {}, readFile: files({ 'db.yaml': 'storage:\n  kind: postgres\n  postgresUrl: postgres://db-a/prod\n  postgresMaxReplicaLagMs: 250\n' }) }));
    expect(noReplicas.issues.map((i) => `${i.path}: ${i.reason}`)).toEqual(['storage.postgresMaxReplicaLagMs: only used with storage.postgresReplicaUrls (the replicas it limits)']);
    const good = loadConfig({ file: 'db.yaml', environment: {}, readFile: files({ 'db.yaml': 'storage:\n  kind: postgres\n  postgresUrl: postgres://db-a/prod\n  postgresReplicaUrls: [postgres://db-b/prod]\n  postgresMaxReplicaLagMs: 250\n' }) });
    expect(good.config.storage).toMatchObject({ postgresReplicaUrls: ['postgres://db-b/prod'], postgresMaxReplicaLagMs: 250 });
  });

  it('fleet, backup and sqliteSynchronous settings are refused where they cannot apply', () => {
    const yaml = ['storage:', '  kind: postgres', '  postgresUrl: postgres://x@127.0.0.1/db', '  sqliteSynchronous: NORMAL', 'fleet:', '  leaseMs: 1000', '  renewMs: 1000', 'backup:', '  keepLast: 3', ''].join('\n');
    const error = errorOf(() => loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': yaml }) }));
    expect(error.issues.map((i) => `${i.path}: ${i.reason}`).sort()).toEqual([
      'backup.keepLast: only used with backup.everyMs (the retention of scheduled backups)',
      'fleet.renewMs: must be less than fleet.leaseMs (1000): a leader renews several times per lease',
      'fleet: needs storage.redisUrl: a fleet meets over Redis',
      'storage.sqliteSynchronous: only used when storage.kind is "sqlite"',
    ]);
    expect(loadConfig({ file: 'it.yaml', environment: {}, readFile: files({ 'it.yaml': 'storage:\n  sqliteSynchronous: NORMAL\n' }) }).config.storage.sqliteSynchronous).toBe('NORMAL');
  });
});
