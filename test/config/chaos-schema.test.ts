import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';

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

describe('chaos.proxies', () => {
  it('is read with features.chaos on', () => {
    const { config } = load("features:\n  chaos: true\nchaos:\n  proxies:\n    - { name: pg, listen: ':5433', upstream: '127.0.0.1:5432', enabled: false }\n");
    expect(config.chaos.proxies).toEqual([{ name: 'pg', listen: ':5433', upstream: '127.0.0.1:5432', enabled: false }]);
  });

  it('is refused while features.chaos is off, and names two proxies of one name, a bad upstream and an unknown key', () => {
    expect(issuesOf("chaos:\n  proxies:\n    - { name: pg, listen: ':5433', upstream: '127.0.0.1:5432' }\n")).toEqual([{ path: 'chaos.proxies', source: 'config/default.yaml', reason: 'only used when features.chaos is on' }]);
    const twice = "features:\n  chaos: true\nchaos:\n  proxies:\n    - { name: pg, listen: ':5433', upstream: 'db:5432' }\n    - { name: pg, listen: ':5434', upstream: 'db:5432' }\n";
    expect(issuesOf(twice)).toEqual([{ path: 'chaos.proxies.1.name', source: 'config/default.yaml', reason: '"pg" names two proxies; each needs its own name' }]);
    expect(issuesOf("features:\n  chaos: true\nchaos:\n  proxies:\n    - { name: pg, listen: ':5433', upstream: ':5432' }\n")[0]).toMatchObject({ path: 'chaos.proxies.0.upstream', reason: 'HOST:PORT' });
    expect(issuesOf("chaos:\n  toxics: []\n")[0]).toMatchObject({ path: 'chaos.toxics', reason: 'unknown key (check the spelling)' });
  });
});
