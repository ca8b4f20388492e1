import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { CONFIG_DEFAULTS } from '../../src/config/schema.js';
import { ALL_PERMISSIONS, isReadPermission } from '../../src/security/permissions.js';
import { BUILT_IN_ROLES, resolveRoles, roleIssues } from '../../src/security/roles.js';

describe('built-in roles', () => {
  it('viewer reads everything but the configuration and changes nothing', () => {
    const viewer = BUILT_IN_ROLES.viewer;
    expect([...viewer].every(isReadPermission)).toBe(true);
    expect(viewer.has('config:read')).toBe(false);
    expect(viewer.has('gate:read') && viewer.has('metrics:read') && viewer.has('audit:read')).toBe(true);
  });

  it('operator adds halt/resume, breakers, dead-letter replay, fleet commands and chaos, not tokens, backups or purges', () => {
    const operator = BUILT_IN_ROLES.operator;
    for (const p of ['gate:halt', 'gate:resume', 'breakers:write', 'dead-letters:replay', 'chaos:run', 'fleet:write', 'failover:operate'] as const) expect(operator.has(p)).toBe(true);
    for (const p of ['tokens:admin', 'backups:create', 'backups:restore', 'dead-letters:purge', 'alerts:write', 'config:read', 'secrets:admin'] as const) expect(operator.has(p)).toBe(false);
    for (const p of BUILT_IN_ROLES.viewer) expect(operator.has(p)).toBe(true);
  });

  it('admin has every permission', () => {
    expect([...BUILT_IN_ROLES.admin].sort()).toEqual([...ALL_PERMISSIONS].sort());
  });
});

describe('custom roles', () => {
  it('a list, an inherited role with additions, and area wildcards', () => {
    const roles = resolveRoles({ auditor: ['audit:read', 'security:read'], oncall: { inherits: 'operator', permissions: ['backups:*'] }, lead: { inherits: 'oncall' } });
    expect([...roles.get('auditor')!]).toEqual(['audit:read', 'security:read']);
    const oncall = roles.get('oncall')!;
    expect(oncall.has('gate:halt') && oncall.has('backups:create') && oncall.has('backups:restore')).toBe(true);
    expect(oncall.has('tokens:admin')).toBe(false);
    expect(roles.get('lead')).toEqual(oncall);
  });

  it('names the key of an unknown permission, an unknown parent, a cycle and a built-in name', () => {
    expect(roleIssues({ auditor: ['audit:read', 'audit:raed'] })).toEqual([{ path: ['auditor', 1], message: 'unknown permission "audit:raed" (see docs/security.md for the list)' }]);
    expect(roleIssues({ x: { inherits: 'nobody' } })[0]).toMatchObject({ path: ['x', 'inherits'], message: expect.stringMatching(/^no role named "nobody"/) });
    expect(roleIssues({ a: { inherits: 'b' }, b: { inherits: 'a' } })[0]).toMatchObject({ path: ['a', 'inherits'], message: expect.stringContaining('cycle') });
    expect(roleIssues({ admin: ['gate:read'] })[0]).toMatchObject({ path: ['admin'] });
    expect(roleIssues({ x: { permissions: ['nope:*'] } })[0]).toMatchObject({ path: ['x', 'permissions', 0] });
    expect(() => resolveRoles({ auditor: ['audit:raed'] })).toThrow('security.auth.roles.auditor.0: unknown permission "audit:raed"');
  });

  it('the config schema refuses an unknown permission at security.auth.roles.NAME.N', () => {
    const config = { ...CONFIG_DEFAULTS, security: { ...CONFIG_DEFAULTS.security, auth: { roles: { auditor: ['audit:read', 'audit:raed'] } } } };
    const result = configSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['security.auth.roles.auditor.1', 'unknown permission "audit:raed" (see docs/security.md for the list)']]);
  });

  it('the config schema lets a non-loopback host through only with security.auth.enabled: true', () => {
    const at = (enabled: boolean | 'auto' | undefined) =>
      configSchema.safeParse({ ...CONFIG_DEFAULTS, server: { ...CONFIG_DEFAULTS.server, host: '0.0.0.0' }, security: { ...CONFIG_DEFAULTS.security, auth: enabled === undefined ? {} : { enabled } } });
    expect(at(true).success).toBe(true);
    for (const enabled of [false, 'auto', undefined] as const) {
      const result = at(enabled);
      expect(result.error?.issues[0]?.path).toEqual(['server', 'host']);
    }
  });
});
