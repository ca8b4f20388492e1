import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';
import { REGION_LEASE_DEFAULTS } from '../../src/failover/region-lease-options.js';

const load = (yaml: string) => loadConfig({ environment: {}, readFile: (path) => (path.replace(/\\/g, '/') === 'config/default.yaml' ? yaml : undefined) });

function issuesOf(yaml: string): ConfigError['issues'] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const postgres = 'storage:\n  kind: postgres\n  postgresUrl: postgres://db/trading\n';

describe('region', () => {
  it('is read on PostgreSQL storage, every lease key optional', () => {
    expect(load(`${postgres}region:\n  name: eu-west\n`).config.region).toEqual({ name: 'eu-west' });
    const { config } = load(`${postgres}region:\n  name: eu-west\n  lease: { name: trading, ttlMs: 6000, renewMs: 1000, safetyMarginMs: 500 }\n`);
    expect(config.region?.lease).toEqual({ name: 'trading', ttlMs: 6000, renewMs: 1000, safetyMarginMs: 500 });
  });

  it('names the file, the key and the reason when refused', () => {
    expect(issuesOf('region:\n  name: eu-west\n')).toEqual([
      { path: 'region', source: 'config/default.yaml', reason: 'needs storage.kind "postgres": the regions share the lease in one PostgreSQL database' },
    ]);
    expect(issuesOf(`${postgres}region:\n  name: eu-west\n  lease: { ttlMs: 1000, safetyMarginMs: 1000 }\n`)).toEqual([
      { path: 'region.lease.safetyMarginMs', source: 'config/default.yaml', reason: 'must be less than region.lease.ttlMs (1000)' },
    ]);
    expect(issuesOf(`${postgres}region:\n  name: eu-west\n  lease: { ttlMs: 5000, renewMs: 4000 }\n`)[0]).toMatchObject({
      path: 'region.lease.renewMs',
      reason: 'must be less than region.lease.ttlMs - safetyMarginMs (4000): the holder renews within its right to trade',
    });
    expect(issuesOf(`${postgres}region:\n  name: 'eu west'\n`)[0]).toMatchObject({ path: 'region.name' });
    expect(issuesOf(`${postgres}region:\n  name: eu\n  lease: { ttl: 5 }\n`)[0]).toMatchObject({ path: 'region.lease.ttl', reason: 'unknown key (check the spelling)' });
  });

  it("checks the lease's times against the library's own defaults", () => {
    // The schema's fallbacks for unset keys are REGION_LEASE_DEFAULTS' values: a renewMs the library would refuse is refused here.
    const renewMs = REGION_LEASE_DEFAULTS.ttlMs - REGION_LEASE_DEFAULTS.safetyMarginMs;
    expect(issuesOf(`${postgres}region:\n  name: eu\n  lease: { renewMs: ${renewMs} }\n`)[0]).toMatchObject({ path: 'region.lease.renewMs' });
    expect(load(`${postgres}region:\n  name: eu\n  lease: { renewMs: ${renewMs - 1}, followGrantMs: 0 }\n`).config.region?.lease?.renewMs).toBe(renewMs - 1);
    const grant = REGION_LEASE_DEFAULTS.renewMs + REGION_LEASE_DEFAULTS.safetyMarginMs;
    expect(issuesOf(`${postgres}region:\n  name: eu\n  lease: { followGrantMs: ${grant} }\n`)[0]).toMatchObject({ path: 'region.lease.followGrantMs' });
    expect(load(`${postgres}region:\n  name: eu\n  lease: { followGrantMs: ${grant + 1} }\n`).config.region?.lease?.followGrantMs).toBe(grant + 1);
  });

  describe('from the environment', () => {
    const fromEnv = (environment: Record<string, string>, yaml = postgres) => loadConfig({ environment, readFile: (path) => (path.replace(/\\/g, '/') === 'config/default.yaml' ? yaml : undefined) });

    it('BULWARK_REGION__* sets the section, numbers read as numbers, each key named after its variable', () => {
      const { config, sources } = fromEnv({
        BULWARK_REGION__NAME: 'eu-west',
        BULWARK_REGION__LEASE__NAME: 'trading',
        BULWARK_REGION__LEASE__TTL_MS: '6000',
        BULWARK_REGION__LEASE__RENEW_MS: '1000',
        BULWARK_REGION__LEASE__SAFETY_MARGIN_MS: '500',
        BULWARK_REGION__LEASE__FOLLOW_GRANT_MS: '0',
      });
      expect(config.region).toEqual({ name: 'eu-west', lease: { name: 'trading', ttlMs: 6000, renewMs: 1000, safetyMarginMs: 500, followGrantMs: 0 } });
      expect(sources.get('region.name')).toBe('env BULWARK_REGION__NAME');
      expect(sources.get('region.lease.ttlMs')).toBe('env BULWARK_REGION__LEASE__TTL_MS');
    });

    it('a variable overrides the file, key by key', () => {
      const { config, sources } = fromEnv({ BULWARK_REGION__NAME: 'us-east' }, `${postgres}region:\n  name: eu-west\n  lease: { ttlMs: 6000 }\n`);
      expect(config.region).toEqual({ name: 'us-east', lease: { ttlMs: 6000 } });
      expect(sources.get('region.lease.ttlMs')).toBe('config/default.yaml');
    });

    it('a refused value or an unknown key names its variable', () => {
      const refused = (environment: Record<string, string>): ConfigError['issues'] => {
        try {
          fromEnv(environment);
        } catch (error) {
          if (error instanceof ConfigError) return error.issues;
          throw error;
        }
        throw new Error('expected a ConfigError');
      };
      expect(refused({ BULWARK_REGION__NAME: 'eu', BULWARK_REGION__LEASE__TTL_MS: 'soon' })).toEqual([
        { path: 'region.lease.ttlMs', source: 'env BULWARK_REGION__LEASE__TTL_MS', reason: 'Invalid input: expected number, received string' },
      ]);
      expect(refused({ BULWARK_REGION__NAME: 'eu', BULWARK_REGION__LEASE__TTL: '5000' })).toEqual([
        { path: 'region.lease.ttl', source: 'env BULWARK_REGION__LEASE__TTL', reason: 'unknown key (check the spelling)' },
      ]);
      // A lease key without the region's name: the section is incomplete, blamed on the variable that opened it.
      expect(refused({ BULWARK_REGION__LEASE__TTL_MS: '5000' })[0]).toMatchObject({ path: 'region.name', source: 'env BULWARK_REGION__LEASE__TTL_MS' });
      // On SQLite the region is refused as from a file.
      expect(() => fromEnv({ BULWARK_REGION__NAME: 'eu' }, '')).toThrow('region (from env BULWARK_REGION__NAME): needs storage.kind "postgres"');
    });
  });
});
