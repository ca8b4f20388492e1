/**
 * Threat detection over HTTP: the latest findings of the detection rules (newest first), the rules
 * that run, and the sources locked out now. Needs `security:read`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Lockout } from '../../security/lockout.js';
import type { ThreatDetector } from '../../security/threats.js';

export interface SecurityRoutesOptions {
  detector: ThreatDetector;
  lockout?: Lockout;
}

export const securityRoutes: FastifyPluginAsyncZod<SecurityRoutesOptions> = async (app, { detector, lockout }) => {
  app.get(
    '/api/security/threats',
    {
      config: { permission: 'security:read' },
      schema: {
        tags: ['security'],
        description:
          'Recent threat findings, newest first (rule, time, severity, summary, who, from where, the figures behind it), the rules that run, and the sources locked out after failed sign-ins or bad tokens',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(50) }),
      },
    },
    async (request) => ({
      rules: detector.rules,
      findings: detector.findings(request.query.limit),
      lockouts: lockout ? lockout.active() : [],
      alertHoldMs: detector.alertHoldMs,
    }),
  );
};
