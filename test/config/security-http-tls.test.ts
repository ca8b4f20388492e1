/** The `security.http` and `security.tls` keys: accepted when sound, refused naming the key otherwise. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';

const load = (yaml: string) => loadConfig({ environment: {}, readFile: (path) => (path.endsWith('default.yaml') ? yaml : undefined) });

function issuesOf(yaml: string): Array<{ path: string; reason: string }> {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => ({ path: i.path, reason: i.reason }));
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('security.http and security.tls', () => {
  it('take allowed hosts, rate limits, timeouts, the rule cap and TLS files', () => {
    const { config } = load(
      [
        'security:',
        '  http:',
        '    allowedHosts: [ops.desk.example, "bulwark.internal:9443"]',
        '    rateLimit: { perPrincipal: { burst: 10, perSecond: 1 } }',
        '    timeouts: { headersMs: 5000, requestMs: 10000 }',
        '    maxAlertRules: 500',
        '  tls: { certFile: /etc/bulwark/tls.crt, keyFile: /etc/bulwark/tls.key, caFile: /etc/bulwark/ca.crt, requestClientCert: true }',
      ].join('\n'),
    );
    expect(config.security.http.allowedHosts).toEqual(['ops.desk.example', 'bulwark.internal:9443']);
    expect(config.security.http.maxAlertRules).toBe(500);
    expect(config.security.tls).toMatchObject({ certFile: '/etc/bulwark/tls.crt', requestClientCert: true });
  });

  it('refuse half a TLS pair, client certificates without a CA, and unknown keys', () => {
    expect(issuesOf('security:\n  tls: { certFile: a.crt }\n')).toEqual([{ path: 'security.tls.keyFile', reason: 'give certFile and keyFile together' }]);
    expect(issuesOf('security:\n  tls: { certFile: a.crt, keyFile: a.key, requestClientCert: true }\n')[0]?.path).toBe('security.tls.caFile');
    expect(issuesOf('security:\n  http: { maxRules: 5 }\n')[0]).toMatchObject({ path: 'security.http.maxRules', reason: 'unknown key (check the spelling)' });
    expect(issuesOf('security:\n  http: { timeouts: { headersMs: 20000, requestMs: 10000 } }\n')[0]?.path).toBe('security.http.timeouts.headersMs');
  });
});
